"""Calibration to the China-Europe Railway Express record: patterns, history, commands."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.calibration import directions, fit, record, search
from sim.cli.app import app
from sim.experiments.experiment import child_seeds, run
from sim.outcomes import CROSSING_OUTCOMES
from sim.plots.calibration import event_marks
from sim.scenario.fitted import CALIBRATED, fitted_file, fitted_values
from sim.scenario.loading import load_scenario
from sim.scenario.params import parameter_table
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history.toml"
runner = CliRunner()


# --- the record ----------------------------------------------------------------------------


def test_every_row_of_calibration_md_has_items():
    assert len(record.ROWS) == 13
    assert {p.row for p in record.PATTERNS} == set(record.ROWS)
    assert len({p.key for p in record.PATTERNS}) == len(record.PATTERNS)


def test_observed_values_come_from_the_source_rows():
    p = record.PATTERN_BY_KEY
    assert p["trains_2015"].observed == 815
    assert p["trains_2021"].observed == 15183
    assert p["load_factor_2016"].observed == pytest.approx(0.772)
    assert p["top5_2018"].observed == pytest.approx(0.85)
    assert (p["rail_cost_2018"].low, p["rail_cost_2018"].high) == (6000, 8000)
    assert p["cap_2019"].observed == pytest.approx(0.4)
    assert p["jump_2020"].observed == pytest.approx(12406 / 8270 - 1)
    shares = [p[f"crossing_{n}"].observed for n in record.CROSSING_NAMES]
    assert sum(shares) == pytest.approx(1.0)
    assert shares[0] == pytest.approx(5000 / (5000 + 4640 + 3585 + 2268 + 217))
    assert p["growth_2016_2021"].observed == pytest.approx((15183 / 1702) ** 0.2 - 1)


def test_error_in_tolerances():
    point = record.Pattern("x", "growth", "x", "share", 0.5, "-", tolerance=0.1)
    assert point.error(0.7) == pytest.approx(2.0)
    assert point.error(0.45) == pytest.approx(-0.5)
    ranged = record.Pattern(
        "y", "cost_gap", "y", "USD", 7000, "-", low=6000, high=8000, tolerance=1000
    )
    assert ranged.error(6500) == 0.0
    assert ranged.error(9500) == pytest.approx(1.5)
    assert ranged.error(5000) == pytest.approx(-1.0)
    logged = record.Pattern("z", "growth", "z", "trains", 100, "-", tolerance=math.log(2), log=True)
    assert logged.error(400) == pytest.approx(2.0)
    assert math.isnan(
        record.Pattern("w", "caps", "w", "share", 0.5, "-", kind=record.INPUT).error(0.4)
    )


def test_loss_is_zero_at_the_observed_values():
    means = {p.key: p.observed for p in record.PATTERNS}
    assert fit.loss(means) == 0.0
    means["top5_2018"] += 2 * record.PATTERN_BY_KEY["top5_2018"].tolerance
    assert fit.loss(means) == pytest.approx(record.PATTERN_BY_KEY["top5_2018"].weight * 4)


# --- pattern extraction on a hand-made table -------------------------------------------------

# Each quarter of year y runs 100 * 2**(y - 2015) trains, 80% loaded, half of the rail
# containers bound for Europe; subsidies of 1,000 USD per loaded container.
PLATFORMS = [
    # platform, trains, volume, unit cost, subsidy rate (city, crossing from platforms.csv)
    ("Chengdu-west", 60.0, 2000.0, 7000.0, 0.5),  # Chengdu, Alashankou
    ("Harbin-east", 10.0, 300.0, 9000.0, 0.2),  # Harbin, Suifenhe
    ("Hohhot-central", 30.0, 980.0, 8000.0, 0.4),  # Hohhot, Erenhot
    ("Urumqi-west", 0.0, 0.0, 6000.0, 0.7),  # ran nothing: not counted
]


def hand_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    outcomes, platforms = [], []
    for step in range(1, 29):
        year = 2015 + (step - 1) // 4
        trains = 100.0 * 2 ** (year - 2015)
        rail = trains * 41 * 0.8
        outcomes.append(
            {
                "step": step,
                "trains": trains,
                "rail_volume": rail,
                "rail_volume_europe": rail / 2,
                "subsidy": rail * 1000 / 1e6,
                "rail_value_share_europe": 0.03,
            }
        )
        for pid, n, v, cost, rate in PLATFORMS:
            platforms.append(
                {
                    "step": step,
                    "platform": pid,
                    "trains": n,
                    "volume": v,
                    "unit_cost": cost,
                    "subsidy_rate": rate,
                }
            )
    return pd.DataFrame(outcomes), pd.DataFrame(platforms)


def test_extract_hand_computed_values():
    values = fit.extract(*hand_tables())
    # China-Europe trains: four quarters, half the containers bound for Europe
    assert values["trains_2015"] == pytest.approx(4 * 100 * 0.5)
    assert values["trains_2021"] == pytest.approx(4 * 6400 * 0.5)
    assert values["growth_2016_2021"] == pytest.approx(1.0)  # doubling every year
    assert values["jump_2020"] == pytest.approx(1.0)
    assert values["load_factor_2016"] == pytest.approx(0.8)
    assert values["empty_share_2019"] == pytest.approx(0.2)
    assert values["subsidy_per_feu_2018"] == pytest.approx(1000.0)
    assert values["rail_value_share_2019"] == pytest.approx(0.03)
    # platforms: the five hubs' share is Chengdu's, cities count those that ran trains
    assert values["top5_2018"] == pytest.approx(0.6)
    assert values["cities_2017"] == 3
    assert values["cities_rel_2018"] == pytest.approx(1.0)
    cost = (7000 * 2000 + 9000 * 300 + 8000 * 980) / (2000 + 300 + 980)
    assert values["rail_cost_2018"] == pytest.approx(cost)
    assert values["subsidy_max_2017"] == pytest.approx(0.5)  # Urumqi ran no train
    assert values["cap_2018"] == pytest.approx(0.5)
    assert values["crossing_Alashankou"] == pytest.approx(0.6)
    assert values["crossing_Erenhot"] == pytest.approx(0.3)
    # single cities' trains: a year's four quarters of all the city's platforms
    assert values["city_chengdu_2018"] == pytest.approx(4 * 60.0)
    assert values["city_xian_2020"] == 0.0  # no Xi'an platform in the table
    assert values["shandong_trains"] == 0.0 and values["shandong_cities"] == 0.0
    assert math.isnan(values["unified_2021"])  # an input, filled from the scenario
    assert values["crossing_Suifenhe"] == pytest.approx(0.1)
    assert values["crossing_Khorgos"] == 0.0
    assert math.isnan(values["return_trains_2016"])


def test_years_missing_from_a_run_are_nan():
    outcomes, platforms = hand_tables()
    values = fit.extract(outcomes[outcomes["step"] <= 8], platforms[platforms["step"] <= 8])
    assert values["trains_2016"] == pytest.approx(4 * 200 * 0.5)
    assert math.isnan(values["trains_2021"])
    assert math.isnan(values["load_factor_2021"])


def test_fit_table_has_every_item_with_mean_and_range():
    outcomes, platforms = hand_tables()
    doubled = outcomes.assign(trains=outcomes["trains"] * 2)  # a second seed, twice the trains
    stacked_o = pd.concat([outcomes.assign(replication=0), doubled.assign(replication=1)])
    stacked_p = pd.concat([platforms.assign(replication=0), platforms.assign(replication=1)])
    simulated = fit.simulate_patterns(stacked_o, stacked_p)
    assert list(simulated.index) == [0, 1]
    table = fit.fit_table(simulated, load_scenario(HISTORY))
    assert list(table["key"]) == [p.key for p in record.PATTERNS]
    row = table.set_index("key").loc["trains_2015"]
    assert (row["min"], row["max"], row["simulated"]) == pytest.approx((200, 400, 300))
    verdicts = table.set_index("key")["verdict"]
    assert verdicts["cities_2021"] == "misses"  # 3 cities against 89
    for p in record.PATTERNS:
        if p.kind == record.STRUCTURAL:
            assert verdicts[p.key] == f"cannot match: {p.note}"
    assert verdicts["cap_2020"] == "input"
    assert table.set_index("key").loc["sea_cost_2018", "simulated"] == 3000.0
    md = fit.markdown_fit_table(table)
    assert md.count("\n") == len(record.PATTERNS) + 1


def test_yearly_trains_keeps_whole_years():
    outcomes, _ = hand_tables()
    years = fit.yearly_trains(outcomes[outcomes["step"] <= 10])
    assert list(years.index) == [2015, 2016]
    assert years.loc[2016, 0] == pytest.approx(400.0)


# --- the history scenario -------------------------------------------------------------------


def test_history_validates_and_runs_a_few_steps():
    s = load_scenario(HISTORY, ["run.enterprises=100"])
    assert s.run.steps == 44 and s.run.start_year == 2015
    assert len(s.run.provinces) == 29
    result = run(s, seed=1, steps=3)
    assert len(result.outcomes) == 3
    assert result.outcomes["trains"].gt(0).all()


def test_history_switches_policies_when_they_happened():
    s = load_scenario(HISTORY)
    before, y2018, y2021, y2022 = (fit.scenario_at(s, step) for step in (12, 13, 25, 29))
    assert before.policy.subsidy.national_cap == 1.0
    assert y2018.policy.subsidy.national_cap == 0.5
    assert y2018.policy.subsidy.empty_slot_cap == pytest.approx(0.1)
    assert y2021.policy.assembly_centres.enabled
    # the real unifications (unifications.csv), each in force from its quarter
    assert before.policy.unification.units == []
    assert fit.scenario_at(s, 16).policy.unification.units == ["Shandong"]
    assert y2021.policy.unification.units == ["Shandong", "Jiangsu", "Sichuan+Chongqing"]
    assert y2021.policy.coordination.members == []
    assert y2021.freight.sea_cost > before.freight.sea_cost
    assert y2021.freight.rail_days_factor == 1.0 < before.freight.rail_days_factor
    assert y2022.policy.subsidy.national_cap == 0.0
    marks = dict(event_marks(s))
    assert "subsidy cap 50%" in marks[2017.5]  # 2018Q1, on an axis where 2018 is at 2018


def test_events_switch_the_levers_mid_run():
    """Assembly centres and the rail-days factor change the run from the step they start."""
    base = load_scenario(HISTORY, ["run.enterprises=100", "run.steps=6"])
    events = [e for e in base.events if e.step <= 6]
    data = base.model_dump()
    data["events"] = [e.model_dump() for e in events]
    data["events"] += [
        {"step": 4, "kind": "set", "path": "policy.assembly_centres.enabled", "value": True},
        {"step": 4, "kind": "set", "path": "freight.rail_days_factor", "value": 1.0},
    ]
    from sim.scenario.loading import validate

    switched = run(validate(data), seed=3).outcomes
    plain = run(base, seed=3).outcomes
    pd.testing.assert_frame_equal(switched.iloc[:3], plain.iloc[:3])
    assert not np.allclose(switched["rail_volume"].iloc[3:], plain["rail_volume"].iloc[3:])


# --- the commands -------------------------------------------------------------------------------

TINY = ["--set", "run.enterprises=60"]


def test_report_writes_fit_table_and_chart(tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["report", str(HISTORY), "-r", "2", "--out", str(out), *TINY], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    for name in ("fit.csv", "fit.md", "trains_per_year.png", "patterns.csv", "manifest.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "fit.csv")
    assert list(table["key"]) == [p.key for p in record.PATTERNS]
    assert set(table["row"]) == set(record.ROWS.values())
    assert "fit to the record" in result.output
    assert (out / "trains_per_year.png").read_bytes()[:4] == b"\x89PNG"


def test_report_refuses_a_scenario_that_misses_the_record(tmp_path):
    result = runner.invoke(
        app, ["report", str(HISTORY), "--set", "run.steps=8", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "2015 to 2021" in result.output


def test_calibrate_is_reproducible(tmp_path):
    args = ["--points", "3", "--rounds", "1", "--round-points", "2", "--seeds", "1"]
    args += ["--candidates", "0"]  # directional checks: see test_failed_checks
    texts = []
    for k in range(2):
        out = tmp_path / f"fit{k}.toml"
        result = runner.invoke(
            app,
            ["calibrate", str(HISTORY), *args, "--seed", "7", "--out", str(out), *TINY]
            + ["--defaults", str(tmp_path / f"defaults{k}.toml")],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        texts.append(tomllib.loads(out.read_text()))
    assert texts[0] == texts[1]
    fitted = texts[0]
    assert fitted["extends"] == "history.toml" or fitted["extends"].endswith("history.toml")
    assert "logit_scale" in fitted["freight"]
    # the written file is a scenario: it loads, extending the history
    scenario = load_scenario(tmp_path / "fit0.toml")
    assert scenario.freight.logit_scale == fitted["freight"]["logit_scale"]
    assert len(scenario.events) == len(load_scenario(HISTORY).events)
    # the defaults file holds the same values, and a source label for the parameter table
    defaults = tomllib.loads((tmp_path / "defaults0.toml").read_text())
    assert defaults.pop("source").startswith("calibrated: sim calibrate, ")
    assert defaults == {k: v for k, v in fitted.items() if k in defaults}
    assert set(defaults) == {"freight", "strategy", "partners"}


def test_calibrate_refuses_to_overwrite(tmp_path):
    out = tmp_path / "fit.toml"
    out.write_text("")
    result = runner.invoke(app, ["calibrate", str(HISTORY), "--out", str(out), "--points", "2"])
    assert result.exit_code == 2
    assert "--force" in result.output


def test_search_same_seed_same_points():
    s = load_scenario(HISTORY, ["run.enterprises=60", "run.steps=28"])
    a = search.calibrate(s, points=2, rounds=1, round_points=2, seeds=1, seed=5)
    b = search.calibrate(s, points=2, rounds=1, round_points=2, seeds=1, seed=5)
    pd.testing.assert_frame_equal(a.evaluations, b.evaluations)
    assert a.best == b.best
    assert len(a.evaluations) == 4


def test_failed_checks_reports_the_wrong_signs():
    scenarios = ROOT / "scenarios"
    settings = {"run.enterprises": 100, "run.steps": 12}
    seeds = [1, 2, 3, 4, 5]
    good = ("subsidy_design", "mean_load_factor", "final", +1)
    wrong = ("subsidy_design", "mean_load_factor", "final", -1)
    failed = directions.failed_checks(settings, [good, wrong], scenarios=scenarios, seeds=seeds)
    assert failed == [(wrong, +1)]


def test_load_checks_reads_the_packaged_checks():
    robust, contested, seeds = directions.load_checks()
    assert ("subsidy_design", "mean_load_factor", "final", +1) in robust
    assert ("partner_crisis", "defaults", (12, 20), +1) in robust  # a window of steps
    assert ("coordination", "welfare_total", "run", 0) in contested
    missed = directions.load_missed()
    assert ("coordination", "mean_load_factor", "final", +1) not in robust
    assert [check for check, _ in missed][0] == ("coordination", "mean_load_factor", "final", +1)
    assert all(why for _, why in missed)
    assert (len(robust), len(missed), len(contested)) == (19, 4, 4)
    assert seeds == child_seeds(2026, 12)


def test_load_checks_reads_a_given_file_and_rejects_a_bad_one(tmp_path):
    good = tmp_path / "checks.toml"
    good.write_text(
        "seeds = { base = 3, count = 2 }\n"
        'robust = [{ scenario = "talent", outcome = "innovation_index", window = [4, 8],'
        " sign = 1 }]\ncontested = []\n"
    )
    assert directions.load_checks(good) == (
        [("talent", "innovation_index", (4, 8), 1)],
        [],
        child_seeds(3, 2),
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("sign = 1", "sign = 2"))
    with pytest.raises(ValueError, match="sign"):
        directions.load_checks(bad)
    bad.write_text("robust = []\n")
    with pytest.raises(ValueError, match="seeds"):
        directions.load_checks(bad)


def test_the_package_needs_no_test_file():
    pattern = re.compile(r"test_directions|from tests|import tests")
    hits = [
        str(path)
        for path in (ROOT / "sim").rglob("*")
        if path.suffix in (".py", ".toml", ".md") and pattern.search(path.read_text())
    ]
    assert not hits


# --- the calibrated defaults: one file, exactly the free parameters -------------------------


def calibrated_paths() -> set[str]:
    table = parameter_table()
    return set(table.loc[table["source"] == CALIBRATED, "path"])


def test_calibrated_label_is_the_files():
    assert CALIBRATED == "calibrated: sim calibrate, 2026-12-03, fit in docs/ODD.md section 8"


def test_space_is_exactly_the_calibrated_fields():
    assert all(fp.role == "calibrated" for fp in search.SPACE)
    assert len({fp.path for fp in search.SPACE}) == len(search.SPACE) == 25
    expanded = set(search.parameter_settings({fp.path: fp.low + 0.01 for fp in search.SPACE}))
    assert expanded == calibrated_paths()
    assert len(expanded) == 23 + 2 * 5  # 23 scalars, two fields of each of five sectors


def test_schema_defaults_are_the_fitted_file():
    values = fitted_values()
    assert set(values) == calibrated_paths()
    table = parameter_table().set_index("path")
    for path, value in values.items():
        default = table.loc[path, "default"]
        assert type(default) is float and default == value, path
    # a few by hand, as fitted (docs/ODD.md section 8.2)
    s = Scenario()
    assert s.freight.logit_scale == 976.8
    assert s.freight.total_exports == 2_278_000.0
    assert s.strategy.entry == 0.02529
    assert s.freight.nest_scale == 0.9011
    assert s.partners.inbound_ratio == 0.4427
    assert s.freight.sectors["electronics"].value_of_time == 62.68
    assert s.freight.sectors["consumer_goods"].rail_eligible == 0.02875


def test_the_calibrated_scenario_holds_the_fitted_defaults():
    raw = tomllib.loads((ROOT / "scenarios" / "calibrated.toml").read_text())
    packaged = tomllib.loads((ROOT / "sim" / "data" / "calibrated.toml").read_text())
    assert raw.pop("extends") == "history.toml"
    for key in ("name", "description"):
        raw.pop(key)
    packaged.pop("source")
    assert raw == packaged


def test_defaults_text_round_trips_the_fitted_point():
    # the fitted point: scalars as written, the two sector factors (ODD 8.2: 0.157, 0.719)
    point = {path: value for path, value in fitted_values().items() if ".sectors." not in path}
    point |= {search.VALUE_OF_TIME: 0.1567, search.RAIL_ELIGIBLE: 0.7187}
    text = search.calibrated_defaults_text(point, source="calibrated: test", header=["a", ""])
    assert text.startswith("# a\n#\n")
    written = tomllib.loads(text)
    assert written.pop("source") == "calibrated: test"
    assert written == {k: v for k, v in fitted_file().items() if k != "source"}


def test_extract_reads_return_trains_and_crossing_counts():
    # with the outcomes of trains both ways: return trains are 60% of outbound, and the
    # crossings' own counts (not the platforms' labels) give the 2020 shares
    outcomes, platforms = hand_tables()
    outcomes["return_trains"] = 0.6 * outcomes["trains"]
    counts = {"Alashankou": 40.0, "Khorgos": 30.0, "Erenhot": 10.0, "Manzhouli": 15.0}
    for name, column in CROSSING_OUTCOMES.items():
        outcomes[column] = counts.get(name, 5.0 if name == "Suifenhe" else 99.0)
    values = fit.extract(outcomes, platforms)
    assert values["return_trains_2016"] == pytest.approx(0.6)
    assert values["return_trains_2021"] == pytest.approx(0.6)
    assert values["crossing_Alashankou"] == pytest.approx(0.4)  # of the five: 100 a quarter
    assert values["crossing_Khorgos"] == pytest.approx(0.3)
    assert values["crossing_Suifenhe"] == pytest.approx(0.05)
    assert values["corridor_west"] == pytest.approx(0.7)
    assert values["corridor_east"] == pytest.approx(0.2)


def test_extract_counts_trains_both_ways_as_the_record_does():
    # return trains 50% of outbound carrying 20 FEU each (the outbound carry 32.8 of 41):
    # China-Europe trains 1.5 times the outbound ones, the loaded rate over both
    # directions (32.8 + 10) / (1.5 * 41); platforms' counts add their return trains
    outcomes, platforms = hand_tables()
    outcomes["return_trains"] = 0.5 * outcomes["trains"]
    outcomes["inbound_volume"] = outcomes["return_trains"] * 20.0
    platforms["return_trains"] = 0.5 * platforms["trains"]
    values = fit.extract(outcomes, platforms)
    assert values["trains_2015"] == pytest.approx(4 * 100 * 1.5 * 0.5)
    assert values["trains_2021"] == pytest.approx(4 * 6400 * 1.5 * 0.5)
    assert values["load_factor_2016"] == pytest.approx((32.8 + 10.0) / (1.5 * 41))
    assert values["empty_share_2019"] == pytest.approx(0.2)  # the rule's outbound slots
    assert values["return_trains_2016"] == pytest.approx(0.5)
    assert values["top5_2018"] == pytest.approx(0.6)  # both ways alike: the share holds
    assert values["city_chengdu_2018"] == pytest.approx(4 * 60.0 * 1.5)
    assert values["cities_2017"] == 3  # cities running outbound trains
    assert fit.yearly_trains(outcomes).loc[2016, 0] == pytest.approx(4 * 200 * 1.5 * 0.5)
