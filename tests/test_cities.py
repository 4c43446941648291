"""Origin cities as platforms: the city layer, cities' own race, and the service frequency.

The city layer (``run.platform_layer = "cities"``) builds a platform for every origin
city of ``sim/data/cities.csv`` and corridor it may use; each city decides for its own
platforms (:class:`~sim.model.agents.City`). Shippers value frequency: the expected wait
for the next departure is half the headway (:func:`~sim.model.mechanisms.frequency_wait_days`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from helpers import small_scenario
from scipy import stats

from sim import data
from sim.experiments.experiment import run
from sim.model import mechanisms as mech
from sim.model.agents import City, Platform
from sim.model.model import BRIModel
from sim.scenario.fields import SECTORS

ALL_PROVINCES = data.load_provinces()["province"].tolist()


def city_model(**freight) -> BRIModel:
    scenario = small_scenario(
        {
            "run": {"provinces": ALL_PROVINCES, "platform_layer": "cities", "enterprises": 300},
            "freight": freight,
        }
    )
    return BRIModel(scenario, rng=5)


def test_every_origin_city_is_an_agent_that_owns_its_platforms():
    model = city_model()
    cities = data.load_cities()
    table = data.load_city_platforms()
    assert len(model.agents_by_type[City]) == len(cities) >= 60
    assert len(model.agents_by_type[Platform]) == len(table)
    shandong = [c for c in model.cities if c.province.name == "Shandong"]
    assert len(shandong) >= 9  # the nine that ran trains before the 2018 unification, at least
    for pl in model.platforms:
        assert pl in pl.owner.platforms and pl.province is pl.owner.province
        assert pl.city == pl.owner.name
    # a province adds up its cities' race
    pr = shandong[0].province
    for v, c in enumerate(shandong):
        c.credited_volume = float(v)
    assert pr.credited_volume == sum(range(len(shandong)))
    assert pr.platforms == [pl for c in shandong for pl in c.platforms]


def test_cities_of_one_province_compete_with_each_other():
    model = city_model()
    for _ in range(6):
        model.step()
    jinan, qingdao = (next(c for c in model.cities if c.name == n) for n in ("Jinan", "Qingdao"))
    # each keeps its own levers and score
    assert jinan.province is qingdao.province
    assert jinan.objective is not None and qingdao.objective is not None
    levers = {(round(c.subsidy, 12), round(c.markup, 12)) for c in model.cities}
    assert len(levers) > 1


def test_the_wait_for_a_departure_is_half_the_headway_valued_at_the_value_of_time():
    # 13 trains a quarter: a departure every 91.25 / 13 = 7.02 days, wait 3.51 days
    without = city_model(wait_weight=0.0)
    with_wait = city_model(wait_weight=2.0)
    for m in (without, with_wait):
        for pl in m.platforms:
            pl.trains = 13.0
    cells = np.arange(len(SECTORS))  # the first province and partner, every sector
    options = with_wait.usable_options()
    a, avail = without.generalized_cost(cells, options)
    b, _ = with_wait.generalized_cost(cells, options)
    rail = avail[:, :-1]
    expected = 2.0 * with_wait.vot[:, None] * (91.25 / 26.0)
    diff = (b - a)[:, :-1]
    assert rail.any()
    np.testing.assert_allclose(diff[rail], np.broadcast_to(expected, diff.shape)[rail])
    np.testing.assert_array_equal(b[:, -1], a[:, -1])  # the sea has no such wait


def test_a_platform_that_has_not_run_yet_is_judged_by_its_timetable():
    model = city_model(wait_weight=1.0)
    pl = model.platforms[0]
    pl.trains, pl.target = 0.0, 26.0
    assert pl.expected_wait() == pytest.approx(91.25 / 52.0)
    pl.trains = 91.25  # daily
    assert pl.expected_wait() == pytest.approx(0.5)
    np.testing.assert_allclose(model.wait_days()[0], 0.5)


def head_start_model(head_start: float, start_year: int = 2015, layer: str = "cities"):
    scenario = small_scenario(
        {
            "run": {
                "provinces": ALL_PROVINCES,
                "platform_layer": layer,
                "enterprises": 300,
                "start_year": start_year,
            },
            "freight": {"head_start": head_start, "initial_capacity": 50.0},
        }
    )
    return BRIModel(scenario, rng=5)


def test_early_hubs_start_ahead_by_the_years_their_city_ran_trains():
    model = head_start_model(1.0)
    t, f = model.platform_table, model.p.freight
    by_pid = {pid: i for i, pid in enumerate(model.platform_list)}
    # the nine platforms open at 2015Q1 and their cities' first trains (cities.csv):
    # Chongqing 2011, Wuhan 2012, Zhengzhou, Suzhou, Xi'an, Chengdu 2013, Hefei,
    # Changsha, Yiwu 2014. Doubling a year: 2^4 + 2^3 + 4 x 2^2 + 3 x 2 = 46, a mean of
    # 46 / 9, so each gets 2^years x 9 / 46 of a new hub's start
    assert t.is_open.sum() == 9
    first = {"Chongqing-west": 4, "Wuhan-west": 3, "Xi'an-west": 2, "Hefei-west": 1}
    for pid, years in first.items():
        i, factor = by_pid[pid], 2**years * 9 / 46
        assert t.is_open[i]
        assert t.capacity[i] == pytest.approx(50.0 * factor)
        assert t.smoothed_volume[i] == pytest.approx(0.5 * 50.0 * f.train_slots * factor)
    # the head start shares out the start, it does not add to it
    assert t.capacity[t.is_open].sum() == pytest.approx(9 * 50.0)
    closed = by_pid["Hefei-central"]  # Hefei's central corridor opens later: a new hub
    assert not t.is_open[closed] and t.capacity[closed] == 0.0
    assert t.smoothed_volume[closed] == pytest.approx(0.5 * 50.0 * f.train_slots)


def test_the_head_start_counts_years_before_the_start_year_only():
    model = head_start_model(1.0, start_year=2012)
    t = model.platform_table
    factor = {pid: t.capacity[i] / 50.0 for i, pid in enumerate(model.platform_list)}
    # only Chongqing (2011) ran trains before 2012: raw factors 2^1 and eight times 2^0,
    # mean 10 / 9; later first years give no negative head start
    assert factor["Chongqing-west"] == pytest.approx(2.0 * 9 / 10)
    assert factor["Wuhan-west"] == pytest.approx(9 / 10)  # first trains in 2012 itself
    assert factor["Hefei-west"] == pytest.approx(9 / 10)


@pytest.mark.parametrize(("head_start", "layer"), [(0.0, "cities"), (2.0, "province_hubs")])
def test_without_a_head_start_or_opening_years_every_open_hub_starts_alike(head_start, layer):
    model = head_start_model(head_start, layer=layer)
    t = model.platform_table
    assert set(t.capacity[t.is_open]) == {50.0}
    assert len(set(t.smoothed_volume)) == 1


def test_destination_trains_split_a_hub_s_trains_by_its_cargo_s_regions():
    # 30 trains, cargo 60 / 30 / 0 FEU to three regions: 20, 10 and 0 trains there;
    # a platform without cargo runs no train to any region
    by_region = mech.destination_trains([30.0, 12.0], [[60.0, 30.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(by_region, [[20.0, 10.0, 0.0], [0.0, 0.0, 0.0]])
    # waits: 91.25 / 40 and 91.25 / 20 days; none to the third region: the cap, 45.6 days
    np.testing.assert_allclose(
        mech.frequency_wait_days(by_region[0]), [91.25 / 40, 91.25 / 20, 91.25 / 2]
    )


def test_with_wait_by_destination_a_hub_s_rare_service_to_a_region_costs_a_long_wait():
    model = city_model(wait_weight=1.0, wait_by="destination")
    pl = model.platforms[0]
    regions = np.flatnonzero(model.region_reach[0])
    assert regions.size >= 2
    model.platform_table.trains[:] = 0.0
    model.platform_table.target[:] = 0.0
    pl.trains = 30.0
    model.region_volume[:] = 0.0
    model.region_volume[0, regions[0]] = 90.0  # all its cargo went to one region
    model.region_volume[0, regions[1]] = 10.0
    wait = model.service_wait()
    partners = model.partner_region
    np.testing.assert_allclose(wait[0, partners == regions[0]], 91.25 / (2 * 27.0))
    np.testing.assert_allclose(wait[0, partners == regions[1]], 91.25 / (2 * 3.0))
    # by platform, every partner waits for all 30 trains
    model.p.freight.wait_by = "platform"
    np.testing.assert_allclose(model.service_wait()[0], 91.25 / 60.0)
    # a platform with no cargo yet spreads its timetable evenly over the regions it reaches
    model.p.freight.wait_by = "destination"
    model.region_volume[0] = 0.0
    n = int(model.region_reach[0].sum())
    fresh = model.service_wait()[0, partners == regions[0]]
    np.testing.assert_allclose(fresh, 91.25 / (2 * 30.0 / n))


def test_the_wait_by_destination_enters_the_price_of_each_partner():
    model = city_model(wait_weight=2.0, wait_by="destination")
    for _ in range(2):
        model.step()
    cells = np.arange(len(SECTORS) * len(model.partners))  # first province, all partners
    options = model.usable_options()
    b, avail = model.generalized_cost(cells, options)
    model.p.freight.wait_weight = 0.0
    a, _ = model.generalized_cost(cells, options)
    country, sector = np.divmod(cells, len(SECTORS))
    wait = model.service_wait()[options[:-1]].T[country]  # cells x rail options
    expected = 2.0 * model.vot[sector][:, None] * wait
    rail = avail[:, :-1]
    assert rail.any() and np.ptp(wait[rail]) > 0  # partners of one hub wait differently
    np.testing.assert_allclose(b[:, :-1][rail] - a[:, :-1][rail], expected[rail])


def test_the_chinese_leg_to_the_crossing_counts_beyond_the_corridor_s_best_placed_hub():
    model = city_model(domestic_rail_cost=0.5, domestic_rail_days=2.0)
    crossings = data.load_crossings().set_index("crossing")
    f = model.p.freight
    for corridor in ("west", "central", "east"):
        pls = [pl for pl in model.platforms if pl.corridor == corridor]
        km = [
            f.route_factor
            * float(
                mech.haversine_km(
                    pl.lon, pl.lat, *crossings.loc[pl.crossing, ["lon", "lat"]].astype(float)
                )
            )
            for pl in pls
        ]
        extra = [model.extra_leg_km[pl.index] for pl in pls]
        np.testing.assert_allclose(extra, np.array(km) - min(km))
        assert min(extra) == 0.0
    xian = next(pl for pl in model.platforms if pl.pid == "Xi'an-west")
    yiwu = next(pl for pl in model.platforms if pl.pid == "Yiwu-west")
    assert model.extra_leg_km[yiwu.index] > model.extra_leg_km[xian.index] > 0
    # 0.5 USD per km and 2 days per 1,000 km at each sector's value of time
    legs = model.leg_costs()
    km = model.extra_leg_km[yiwu.index]
    np.testing.assert_allclose(legs[:, yiwu.index], 0.5 * km + model.vot * 2.0 * km / 1e3)


# --- provincial unification ------------------------------------------------------------


def test_a_unified_province_sets_one_policy_and_keeps_one_hub_per_corridor():
    model = city_model()
    model.p.policy.unification.units = ["Shandong"]
    shandong = [c for c in model.cities if c.province.name == "Shandong"]
    for pl in (pl for c in shandong for pl in c.platforms):
        pl.open()
    for i, c in enumerate(shandong):
        c.subsidy, c.credited_volume = 0.1 + 0.01 * i, float(i)  # the last one leads
    model.set_province_policies()
    lead = shandong[-1]
    assert {(c.subsidy, c.markup) for c in shandong} == {(lead.subsidy, lead.markup)}
    for corridor in {pl.corridor for c in shandong for pl in c.platforms}:
        running = [pl for c in shandong for pl in c.platforms if pl.corridor == corridor]
        hubs = [pl for pl in running if not pl.unit_wound_down]
        assert len(hubs) == 1, corridor
        assert all(pl.target == 0.0 and pl.subsidy_rate == 0.0 for pl in running if pl not in hubs)
    others = [pl for c in model.cities if c.province.name != "Shandong" for pl in c.platforms]
    assert not any(pl.unit_wound_down for pl in others)


def test_a_unified_unit_is_scored_by_its_total():
    model = city_model()
    model.p.policy.unification.units = ["Sichuan+Chongqing"]
    model.step()
    pair = [c for c in model.cities if c.province.name in ("Sichuan", "Chongqing")]
    assert len(pair) >= 2 and len({c.objective for c in pair}) == 1


UNIFICATION_SEEDS = range(7100, 7110)  # used by no calibration


def shandong_after(units: list[str], seed: int) -> tuple[float, float, float]:
    """Shandong's open platforms, load factor and its top two platforms' share, steps 17-24."""
    scenario = small_scenario(
        {
            "run": {
                "provinces": ALL_PROVINCES,
                "platform_layer": "cities",
                "enterprises": 400,
                "steps": 24,
            },
            "policy": {"unification": {"units": units}},
        }
    )
    pl = run(scenario, seed=seed).platforms
    late = pl[(pl["step"] > 16) & (pl["province"] == "Shandong")]
    running = late.groupby("step")["open"].sum().mean()
    slots = float((late["trains"] * scenario.freight.train_slots).sum())
    load = late["volume"].sum() / max(slots, 1e-9)
    volume = late.groupby("platform")["volume"].sum().sort_values(ascending=False)
    top = volume.iloc[:2].sum() / max(float(volume.sum()), 1e-9)
    return running, load, top


@functools.cache
def unification_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t half-width of the paired differences (Shandong unified - not)."""
    pairs = np.array(
        [
            np.subtract(shandong_after(["Shandong"], s), shandong_after([], s))
            for s in UNIFICATION_SEEDS
        ]
    )
    half = stats.t.ppf(0.975, len(pairs) - 1) * pairs.std(axis=0, ddof=1) / np.sqrt(len(pairs))
    return pairs.mean(axis=0), half


# paired seeds (common random numbers): the 95% t-interval of each paired difference must
# exclude zero in the expected direction; the signs are the expectation, no number is tuned


@pytest.mark.slow
def test_unification_leaves_fewer_platforms_running_in_the_province():
    mean, half = unification_pairs()
    assert mean[0] + half[0] < 0, (mean[0], half[0])


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="nine of the ten seeds move Shandong's cargo to its top two hubs, but one (7107)"
    " lands in the other of two outcomes: -0.71 (and -0.68 with no projects abroad at all);"
    " before the lender's budget it landed at +0.23. The mean, +0.14, has an interval of"
    " -0.09 to +0.37: ten seeds do not resolve a bimodal outcome",
)
def test_unification_moves_the_province_s_cargo_to_its_top_hubs():
    mean, half = unification_pairs()
    assert mean[2] - half[2] > 0, (mean[2], half[2])


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the load factor of Shandong's platforms rises (+0.05) but its 95% interval"
    " spans zero over ten seeds: the wound-down platforms still run the trains their own"
    " cargo fills, and the hubs' targets keep some trains part-empty (uncalibrated layer)",
)
def test_unification_fills_the_province_s_trains():
    mean, half = unification_pairs()
    assert mean[1] - half[1] > 0, (mean[1], half[1])


def test_both_histories_hold_the_same_events():
    """The two layers' histories have the same events but the 2021 Chengdu-Chongqing one.

    On the city layer it is a unification of the two provinces' cities; the province-hub
    layer has no cities to unify, so there it is a coordination body of the two. When the
    city history was a child of the province-hub one, its list replaced its parent's and
    had lost the caps, the rail days, the assembly centres and the sea shock.
    """
    from sim.scenario.loading import load_scenario

    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    history = load_scenario(scenarios / "history_province_hubs.toml")
    cities = load_scenario(scenarios / "history.toml")
    replaced = {"policy.coordination.members", "policy.coordination.pooling.enabled"}
    kept = [(e.step, e.kind, e.path, e.value) for e in history.events if e.path not in replaced]
    mine = [(e.step, e.kind, e.path, e.value) for e in cities.events]
    assert [e for e in kept if e not in mine] == []
    assert {e.path for e in cities.events} >= {"policy.unification.units"}
