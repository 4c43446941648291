"""The Mesa model: provinces race for Belt-and-Road platforms, enterprises ship and go abroad.

``BRIModel.step`` lists the stages of a quarter in order; each stage is a named method
below. The route network (static matrices and generalized costs of every option) is
:class:`~sim.model.routes.RouteNetwork`, provincial unification
:class:`~sim.model.unification.Unification`. The ODD document (docs/ODD.md) states the rules
each stage applies.

Just over 400 lines: the construction of the agents and one short method per stage; the
rules themselves are in :mod:`sim.model.mechanisms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import data
from sim.model import mechanisms as mech
from sim.model.agents import City, Enterprise, Lender, PartnerCountry, Platform, Province
from sim.model.agents.columns import Table
from sim.model.collect import EUROPE, StepTable, collect_step
from sim.model.draws import Draws
from sim.model.errors import check_step
from sim.model.firms import ACTIVE, Firms, StepFlows
from sim.model.routes import RouteNetwork
from sim.model.unification import Unification
from sim.scenario.fields import SECTORS
from sim.scenario.paths import assign_path
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Streams:
    """Independent random streams, one per mechanism."""

    setup: np.random.Generator
    partners: np.random.Generator
    provinces: np.random.Generator
    enterprises: np.random.Generator
    entrants: np.random.Generator
    innovation: np.random.Generator  # last: the streams above keep their draws


class BRIModel(RouteNetwork, Unification, mesa.Model):
    """Interprovincial competition for Belt-and-Road platforms and financing."""

    def __init__(self, scenario: Scenario, *, rng: int | np.random.Generator | None = None):
        super().__init__(rng=rng)
        # One stream per mechanism, spawned from the model's generator: a change in how
        # many numbers one mechanism draws leaves the others' draws unchanged, so paired
        # scenarios with the same seed share their partner shocks and enterprise draws.
        self.streams = Streams(*self.rng.spawn(len(Streams.__dataclass_fields__)))
        self.p = scenario.model_copy(deep=True)  # events may switch policies mid-run
        self.records: list[dict] = []
        self.province_rows = StepTable()  # one row per province and step
        self.platform_rows = StepTable()  # one row per platform and step
        self._build_partners()
        self._build_provinces()
        self._build_platforms()
        self._build_geography()
        self.lender = Lender(self, cash=0.0)
        self._build_enterprises()
        self.flows = StepFlows()

    @property
    def province_records(self) -> list[dict]:
        """The per-province rows recorded so far (``step``, ``province``, levers, accounts)."""
        return self.province_rows.records()

    @property
    def platform_records(self) -> list[dict]:
        """The per-platform rows recorded so far (``step``, ``platform``, trains, accounts)."""
        return self.platform_rows.records()

    # --- construction -------------------------------------------------------------------

    def _build_partners(self) -> None:
        table = data.load_partners()
        if self.p.run.partners:
            table = table.set_index("country").loc[self.p.run.partners].reset_index()
        g = self.p.partners
        trends = self.streams.setup.normal(g.demand_growth, g.demand_growth_spread, len(table)) / 4
        self.partners = [
            PartnerCountry(self, i, r.country, r.region, r.risk_class, r.lon, r.lat, t)
            for i, (r, t) in enumerate(zip(table.itertuples(), trends, strict=True))
        ]
        self.partner_list = [c.name for c in self.partners]
        self.partner_names = np.array(self.partner_list)
        self.partner_in_europe = np.isin([c.region for c in self.partners], EUROPE)
        self.partner_weights = self._destination_weights()
        self.risk_class = np.array([c.risk_class for c in self.partners])
        region_index = {r: i for i, r in enumerate(data.REGIONS)}
        self.partner_region = np.array([region_index[c.region] for c in self.partners])

    def _destination_weights(self) -> np.ndarray | None:
        """Probabilities of each partner as an entrant's destination, or None for uniform.

        With ``partners.destinations = "exports"``: China's exports to each modelled
        partner in ``run.start_year`` (the nearest year of the table outside 2015-2021)
        over their sum (ODD 7.2, destination draw).
        """
        if self.p.partners.destinations == "uniform":
            return None
        exports = data.load_partner_exports()
        year_of = exports["year"].to_numpy()
        years = np.unique(year_of)
        year = years[np.abs(years - self.p.run.start_year).argmin()]
        in_year = year_of == year
        value = dict(
            zip(
                exports["partner"].to_numpy()[in_year].tolist(),
                exports["china_exports_usd_bn"].to_numpy(dtype=float)[in_year].tolist(),
                strict=True,
            )
        )
        w = np.array([value[c] for c in self.partner_list])
        return w / w.sum()

    def _build_provinces(self) -> None:
        table = data.load_provinces().set_index("province").loc[self.p.run.provinces]
        self.provinces = [
            Province(self, i, r) for i, r in enumerate(table.reset_index().itertuples())
        ]
        self.province_list = [pr.name for pr in self.provinces]
        gdp = np.array([pr.gdp for pr in self.provinces])
        self.province_weights = gdp / gdp.sum()
        self.fund_provinces = np.array(
            [
                i
                for i, n in enumerate(self.province_list)
                if n in self.p.policy.finance.joint_fund_provinces
            ],
            dtype=int,
        )

    def _build_platforms(self) -> None:
        """Platforms of the modelled provinces, and the cities that own them, in table order."""
        cities = self.p.run.platform_layer == "cities"
        table = data.load_city_platforms() if cities else data.load_platforms()
        table = table[table["province"].isin(self.province_list)].reset_index(drop=True)
        self.cities: list[City] = []
        city_of: dict[tuple[str, str], City] = {}
        cities_of: dict[str, dict[str, None]] = {}  # each province's cities, in table order
        for province, city in zip(table["province"].tolist(), table["city"].tolist(), strict=True):
            cities_of.setdefault(province, {})[city] = None
        names = [(pr, name) for pr in self.provinces for name in cities_of.get(pr.name, ())]
        self.city_table = Table(City, len(names))
        for pr, name in names:
            city_of[pr.name, name] = City(self, len(self.cities), name, pr)
            self.cities.append(city_of[pr.name, name])
        self.platform_table = Table(Platform, len(table))
        self.platforms = [
            Platform(self, i, r, city_of[r.province, r.city])
            for i, r in enumerate(table.itertuples())
        ]
        self.platform_list = [pl.pid for pl in self.platforms]
        self.platform_corridors = np.array([pl.corridor for pl in self.platforms])
        self.platform_province_names = np.array([pl.province.name for pl in self.platforms])
        self.platform_province = np.array([pl.province.index for pl in self.platforms])
        self.platform_names = np.array(self.platform_list)
        self.platform_index = {pid: i for i, pid in enumerate(self.platform_list)}
        self.province_cities = [[c.index for c in pr.cities] for pr in self.provinces]
        by_count: dict[int, list[int]] = {}
        for i, idx in enumerate(self.province_cities):
            by_count.setdefault(len(idx), []).append(i)
        self.provinces_by_city_count = [  # (province rows, their cities) by number of cities
            (np.array(rows), np.array([self.province_cities[i] for i in rows], dtype=int))
            for k, rows in sorted(by_count.items())
            if k > 0
        ]
        self.province_names = np.array(self.province_list)
        self.inbound_state: np.ndarray | None = None  # return cargo's route shares by cell
        self.priced: tuple | None = None  # this step's priced cells, for the return cargo
        self.sea = len(self.platforms)  # index of the sea route among the options
        # the city that takes a province's credit by origin under pooling: its first city
        self.seat_city = np.array(
            [pr.cities[0].index if pr.cities else -1 for pr in self.provinces]
        )
        f = self.p.freight
        start = self.head_start_factor(table)
        t = self.platform_table
        t.smoothed_volume[:] = 0.5 * f.initial_capacity * f.train_slots * start
        t.capacity[:] = np.where(t.is_open, t.capacity * start, t.capacity)

    def head_start_factor(self, table: pd.DataFrame) -> np.ndarray:
        """Each platform's start relative to a new one (ODD 7.13).

        A platform open at the start gets ``(1 + head_start) ** years``, divided by the
        mean of that over the open platforms, so the head start shares out the same initial
        capacity and cargo base by experience without adding to them; ``years`` is how
        long its city had run trains before ``run.start_year`` (``cities.csv``
        ``first_train_year``). Platforms closed at the start, and every platform on the
        province-hub layer (whose table has no opening years), get 1.
        """
        head_start = self.p.freight.head_start
        is_open = table["initially_open"].to_numpy(bool)
        if head_start == 0.0 or self.p.run.platform_layer != "cities" or not is_open.any():
            return np.ones(len(table))
        first = table["city"].map(data.load_cities().set_index("city")["first_train_year"])
        years = (self.p.run.start_year - first.astype(float)).fillna(0.0).clip(lower=0.0)
        raw = (1.0 + head_start) ** years.to_numpy()
        return np.where(is_open, raw / raw[is_open].mean(), 1.0)

    def _build_enterprises(self) -> None:
        sectors = self.p.freight.sectors
        self.sector_names = list(SECTORS)
        self.sector_shares = np.array([sectors[s].share for s in SECTORS])
        key = self.p.policy.innovation.key_sectors
        self.strategic = np.array([s in key for s in SECTORS])
        self._refresh_sector_arrays()
        self.innovation_ratio = np.ones(len(self.provinces))
        self.firms = Firms(self, self.p.run.enterprises)
        self.constrained_size = float(  # the size below which private firms are constrained
            np.quantile(self.firms.size, self.p.finance.constrained_quantile)
        )
        # Registering a Mesa agent (``Agent.__init__``) is most of the build at 100k firms;
        # one plain constructor call per slot skips ``create_agents``' per-agent keyword
        # packing and the AgentSet it builds, which we would only turn into a list
        # (benchmarks/README.md has the figures).
        self.enterprise_agents = [Enterprise(self, slot) for slot in range(self.firms.n)]
        self.firms.update_productivity()
        self._refresh_partner_arrays()
        self.delivered0 = self._reference_delivered(self.sea_costs())
        revenue = (
            self.firms.size * self.p.freight.total_exports * self.cargo_value[self.firms.sector]
        )
        self.lender.cash = float(revenue.sum())  # lender's own funds: one quarter's revenue

    def _refresh_sector_arrays(self) -> None:
        sectors = self.p.freight.sectors
        self.vot = np.array([sectors[s].value_of_time for s in SECTORS])
        self.rail_eligible = np.array([sectors[s].rail_eligible for s in SECTORS])
        self.cargo_value = np.array([sectors[s].cargo_value for s in SECTORS])

    def replace_enterprise_agents(self, slots: np.ndarray) -> None:
        """Entrants take exited enterprises' slots: old agents leave, new agents join."""
        for s in slots:
            self.enterprise_agents[s].remove()
            self.enterprise_agents[s] = Enterprise(self, int(s))

    # --- the step -------------------------------------------------------------------------

    def step(self) -> None:
        """One quarter: events, partners, provinces, shipping, platforms, finance, innovation."""
        self.apply_events()
        self.update_partners()
        self.set_province_policies()
        self.update_crossings()
        self.ship_exports()
        self.firms.record_shipments()
        self.ship_inbound()
        self.run_platforms()
        self.tally_crossings()
        self.settle_province_accounts()
        self.finance_projects()
        self.update_innovation()
        collect_step(self)
        check_step(self)

    # --- mechanism 9: events ----------------------------------------------------------

    def apply_events(self) -> None:
        """Start the shocks and policy switches scheduled for this step."""
        for c in list(self.closed_corridors):
            self.closed_corridors[c] -= 1
            if self.closed_corridors[c] <= 0:
                del self.closed_corridors[c]
        for ev in self.p.events:
            if ev.step != self.steps:
                continue
            hit = [c for c in self.partners if not ev.countries or c.name in ev.countries]
            if ev.kind == "crisis":
                for c in hit:
                    c.start_crisis(ev.duration)
            elif ev.kind == "demand_shock":
                for c in hit:
                    c.shock, c.shock_left = float(np.log1p(ev.size)), ev.duration
            elif ev.kind == "route_closure":
                self.closed_corridors[ev.corridor] = ev.duration
            elif ev.kind == "set":
                assign_path(self.p, ev.path, ev.value)
                self._refresh_sector_arrays()

    # --- mechanism 1: partner countries ----------------------------------------------------

    def update_partners(self) -> None:
        """Each partner walks its exchange rate, starts or ends crises, grows demand."""
        for c in self.partners:
            c.update()
        self._refresh_partner_arrays()

    def _refresh_partner_arrays(self) -> None:
        cs = self.partners
        self.crisis = np.array([c.in_crisis for c in cs])
        self.fx_factor = np.exp([c.log_fx for c in cs])
        self.demand = np.array([c.demand_index() for c in cs])
        self.friction = np.array([c.friction for c in cs])
        fin = self.p.finance
        base = np.asarray(fin.project_default)[self.risk_class]
        self.project_pd = np.minimum(
            base * np.where(self.crisis, fin.crisis_default_multiplier, 1.0), 1.0
        )
        # the insurer prices by risk class over the cycle, not by this quarter's crisis
        self.premium_rate = mech.premium_rate(base, fin.loss_given_default, fin.premium_loading)

    # --- mechanism 5 and 6: provinces' strategy, coordination -------------------------------

    def set_province_policies(self) -> None:
        """Cities adapt subsidy and target, open platforms by herding; platforms follow."""
        leader = self._fastest_growing()
        presence: dict[str, int] = {}
        for city in self.cities:
            for corridor in {pl.corridor for pl in city.open_platforms}:
                presence[corridor] = presence.get(corridor, 0) + 1
        for city in self.cities:
            city.adapt_policy(leader)
            city.consider_openings(presence, len(self.cities))
        self.unify_cities()
        t = self.platform_table
        run_by_body = (self.designated_platforms() | self.assembly_centres()) & ~t.is_open
        for i in np.flatnonzero(run_by_body).tolist():
            self.platforms[i].open()  # the coordination body (or the nation) runs its hubs
        self.set_platform_policies()

    def set_platform_policies(self) -> None:
        """Each platform takes its owner's subsidy and train target (mechanism 5).

        :meth:`Platform.set_policy <sim.model.agents.Platform.set_policy>` over the arrays of
        all platforms at once: wound-down platforms get neither; on a closed corridor or
        after an unfunded loss, the subsidy but no target; otherwise the target is the
        trains the smoothed cargo fills, marked up, within terminal capacity.
        """
        p = self.p
        t, owner = self.platform_table, self.platform_owner
        hubs = p.policy.coordination.designated_hubs
        designated = self.designated_platforms()
        wound = (self.platform_member() & hubs.enabled & ~designated) | t.unit_wound_down
        no_target = wound | self.on_closed_corridor() | (t.unfunded > 0)
        cap = min(p.strategy.max_subsidy, p.policy.subsidy.national_cap)
        coord = p.policy.coordination
        if coord.joint_cap.enabled:
            cap = np.where(self.platform_member(), min(cap, coord.joint_cap.rate), cap)
        city_subsidy = np.array([c.subsidy for c in self.cities])
        city_markup = np.array([c.markup for c in self.cities])
        rate = np.minimum(city_subsidy[owner], cap)
        needed = t.smoothed_volume / p.freight.train_slots
        body_sets = designated & bool(hubs.target_rule)
        markup = np.where(body_sets, hubs.target_markup, city_markup[owner])
        scheduled = np.maximum((1.0 + markup) * needed, p.freight.min_trains)
        t.subsidy_rate[:] = np.where(wound, 0.0, rate)
        t.target[:] = np.where(no_target, 0.0, np.minimum(scheduled, t.capacity))

    def designated_platforms(self) -> np.ndarray:
        """Whether each platform is a hub the coordination body designated (if enabled)."""
        hubs = self.p.policy.coordination.designated_hubs
        return self._listed(hubs.hubs) & hubs.enabled

    def assembly_centres(self) -> np.ndarray:
        """Whether each platform is a national assembly centre (if enabled)."""
        centres = self.p.policy.assembly_centres
        return self._listed(centres.hubs) & centres.enabled

    def _listed(self, pids) -> np.ndarray:
        """Whether each platform is among ``pids`` (ids not in the run are ignored)."""
        out = np.zeros(self.sea, dtype=bool)
        out[[self.platform_index[pid] for pid in pids if pid in self.platform_index]] = True
        return out

    def platform_member(self) -> np.ndarray:
        """Whether each platform's province belongs to the coordination body."""
        members = set(self.p.policy.coordination.members)
        return np.array([pr.name in members for pr in self.provinces])[self.platform_province]

    def on_closed_corridor(self) -> np.ndarray:
        """Whether each platform's corridor is closed this step."""
        if not self.closed_corridors:
            return np.zeros(self.sea, dtype=bool)
        return np.isin(self.platform_corridors, list(self.closed_corridors))

    def _fastest_growing(self) -> City | None:
        """The city whose credited volume grew most over the last four quarters."""
        best, best_growth = None, -np.inf
        for city in self.cities:
            h = city.volume_history
            if len(h) >= 5 and h[-5] > 0:
                growth = h[-1] / h[-5]
                if growth > best_growth:
                    best, best_growth = city, growth
        return best

    # --- mechanism 2, 3, 4: routes, prices and choice ---------------------------------------

    def posted_prices(self) -> np.ndarray:
        """Price per FEU shippers pay at each platform: quoted cost less subsidy.

        :func:`~sim.model.mechanisms.posted_price` for all platforms at once (per platform:
        :meth:`Platform.posted_cost <sim.model.agents.Platform.posted_cost>`); each
        platform keeps its quoted ``unit_cost``.
        """
        t = self.platform_table
        f = self.p.freight
        unit, price = mech.posted_price(t.smoothed_volume, t.capacity, t.subsidy_rate, f)
        t.unit_cost[:] = unit
        return price

    def ship_exports(self) -> None:
        """Enterprises re-choose routes when contracts end, then export (bulk, mech. 4)."""
        f = self.p.freight
        firms = self.firms
        self.draws = Draws.draw(self.streams.enterprises, firms.n)
        firms.update_productivity()
        # price each occupied cell's options once; enterprises read their cell's row
        cells = firms.cells()
        occupied, row = self.occupied_cells(cells)
        prices = self.price_cells(occupied, self.usable_options())
        self.priced = (cells, row, prices)  # the return cargo chooses by the same logit
        inclusive = prices.inclusive_value(f.logit_scale, f.nest_scale)[row]
        sea_cost = prices.sea[row]
        firms.choose_routes(prices, row, self.draws)
        finance = firms.receivables(self.p.policy.finance.insurance_cover)
        firms.ship(inclusive, sea_cost, self.delivered0[cells], self.demand, self.friction, finance)
        elig = self.rail_eligible[firms.sector] * firms.exports
        self.shipper_surplus = float((elig * (sea_cost - inclusive)).sum())

    def ship_inbound(self) -> None:
        """Return cargo: partners ship to each cell in proportion to its exports (mech. 4).

        With ``partners.inbound_ratio`` > 0, each occupied cell receives that many
        containers per rail-eligible container it exported this step. Its importers hold
        contracts as exporters do: each quarter a share ``1 / freight.contract_length``
        re-chooses a Chinese hub or the sea by the outbound nested logit (same costs, no
        loyalty bonus) and the rest keep their route unless it is gone
        (:func:`~sim.model.mechanisms.inbound_shares`); all start on the sea.
        ``inbound[p] = sum_cells share(p | cell) * ratio * exports(cell)``.
        """
        ratio = self.p.partners.inbound_ratio
        self.inbound_volume = np.zeros(self.sea)
        if ratio <= 0:
            return
        f = self.p.freight
        firms = self.firms
        if self.inbound_state is None:
            n_cells = len(self.provinces) * len(self.partners) * len(SECTORS)
            self.inbound_state = np.zeros((n_cells, self.sea + 1))
            self.inbound_state[:, self.sea] = 1.0
        cells = firms.cells()
        priced = self.priced
        if priced is not None and np.array_equal(priced[0], cells):
            _, row, prices = priced  # priced by ship_exports this step (the same cells)
        else:  # e.g. the reference model, which prices agent by agent
            occupied, row = self.occupied_cells(cells)
            prices = self.price_cells(occupied, self.usable_options())
        self.priced = None
        occupied, options, avail = prices.occupied, prices.options, prices.available()
        probs = prices.probabilities(f.logit_scale, f.nest_scale)
        flat = self.inbound_state.reshape(-1)  # a view: cells x (platforms and the sea)
        where = occupied[:, None] * (self.sea + 1) + options[None, :]
        state = flat.take(where)  # routes gone drop out
        shares = mech.inbound_shares(state, probs, avail, 1.0 / f.contract_length)
        self.inbound_state[occupied] = 0.0
        flat.put(where, shares)
        cargo = ratio * np.bincount(
            row, weights=self.rail_eligible[firms.sector] * firms.exports, minlength=occupied.size
        )
        self.inbound_volume[options[:-1]] = (cargo @ shares)[:-1]

    # --- mechanism 3: platforms run trains -------------------------------------------------

    def run_platforms(self) -> None:
        """Platforms run trains for their cargo and targets; capacity follows use."""
        n_opt = self.sea + 1
        firms = self.firms
        route = firms.route
        haul = np.ones(firms.n)
        on_rail = route != self.sea
        haul[on_rail] = self.haul[route[on_rail], firms.country[on_rail]]
        volume = np.bincount(route, weights=firms.rail, minlength=n_opt)
        weighted = np.bincount(route, weights=firms.rail * haul, minlength=n_opt)
        self.origin_volume = np.bincount(
            firms.province * n_opt + route,
            weights=firms.rail,
            minlength=len(self.provinces) * n_opt,
        ).reshape(len(self.provinces), n_opt)[:, : self.sea]
        if self.p.freight.wait_by == "destination":  # cargo by region: next quarter's wait
            n_r = self.region_volume.shape[1]
            self.region_volume = np.bincount(
                route[on_rail] * n_r + self.partner_region[firms.country[on_rail]],
                weights=firms.rail[on_rail],
                minlength=self.sea * n_r,
            ).reshape(self.sea, n_r)
        self.book_platforms(volume[: self.sea], weighted[: self.sea], self.inbound_volume)
        self.adjust_capacities(self.steps)

    def adjust_capacities(self, step: int) -> None:
        """Capacity of all open platforms: arrivals, closures, orders, retirement (mech. 3).

        :meth:`Platform.adjust_capacity <sim.model.agents.Platform.adjust_capacity>` over
        the arrays of all platforms at once: ordered capacity arrives; a platform with
        ``strategy.close_after`` unfunded quarters closes (designated hubs excepted); a
        wound-down member platform counts down and closes for good; the rest order capacity
        when busy (one order at a time), retire a share after sustained low use, and close
        below ``freight.close_below``.
        """
        f, t = self.p.freight, self.platform_table
        hubs = self.p.policy.coordination.designated_hubs
        designated = self.designated_platforms()
        is_open = t.is_open.copy()
        arrived = is_open & (t.pending_step >= 0) & (t.pending_step <= step)
        capacity = t.capacity.copy()
        capacity[arrived] += t.pending_capacity[arrived]
        t.pending_step[arrived] = -1
        unfunded = is_open & (t.unfunded_quarters >= self.p.strategy.close_after) & ~designated
        wound = is_open & ~unfunded & self.platform_member() & hubs.enabled & ~designated
        t.wind_down[wound] += 1
        for_good = wound & (t.wind_down >= hubs.wind_down)
        rest = is_open & ~unfunded & ~wound
        with np.errstate(divide="ignore", invalid="ignore"):
            use = np.where(capacity > 0, t.trains / capacity, 0.0)
        order = rest & (use > f.expand_above) & (t.pending_step < 0)
        t.pending_step[order] = step + f.capacity_lead_time
        t.pending_capacity[order] = f.expand_share * capacity[order]
        low = rest & (use < f.retire_below)
        t.low_use[low] += 1
        t.low_use[rest & ~low] = 0
        retire = low & (t.low_use >= f.retire_after)
        capacity[retire] *= 1.0 - f.retire_share
        t.low_use[retire] = 0
        t.capacity[:] = capacity
        small = rest & (capacity < f.close_below)
        for i in np.flatnonzero(unfunded | for_good | small).tolist():
            self.platforms[i].close()
        t.closed_for_good[for_good] = True

    def tally_crossings(self) -> None:
        """Trains through each border crossing this quarter, both ways, by each split."""
        t = self.platform_table
        trains = t.trains + t.return_trains
        self.crossing_trains = mech.crossing_trains(self.crossing_split, trains)

    def book_platforms(
        self, volume: np.ndarray, haul_revenue: np.ndarray, inbound: np.ndarray
    ) -> None:
        """Trains both ways, accounts and smoothed cargo of all platforms; each receives its own.

        :func:`~sim.model.mechanisms.platform_trains`,
        :func:`~sim.model.mechanisms.return_trains`,
        :func:`~sim.model.mechanisms.platform_cost` and
        :func:`~sim.model.mechanisms.platform_accounts` over arrays (per platform:
        :meth:`Platform.run_trains <sim.model.agents.Platform.run_trains>`). Return trains
        and cargo are booked with the outbound ones (:func:`~sim.model.mechanisms.both_ways`).
        """
        f = self.p.freight
        sub = self.p.policy.subsidy
        t = self.platform_table
        trains = mech.platform_trains(
            volume, t.target, t.is_open, slots=f.train_slots, empty_slot_cap=sub.empty_slot_cap
        )
        back = mech.platform_return_trains(
            inbound,
            trains,
            t.is_open,
            slots=f.train_slots,
            target_share=f.return_target,
            empty_slot_cap=sub.empty_slot_cap,
        )
        accounts = mech.platform_accounts(
            *mech.both_ways(volume, haul_revenue, trains, inbound, back),
            mech.platform_cost(trains, t.capacity, f),
            t.unit_cost,
            t.subsidy_rate,
            t.capacity,
            slots=f.train_slots,
            per_train=sub.basis == "per_train",
            fixed_cost=f.fixed_cost,
            national_cap=sub.national_cap,
        )
        smoothed = mech.smoothed_volume(volume, t.smoothed_volume, f.price_smoothing)
        # what Platform.receive does, for all platforms
        t.volume[:] = volume
        t.trains[:] = trains
        t.revenue[:] = accounts.revenue
        t.subsidy[:] = accounts.subsidy
        t.variable_cost[:] = accounts.variable_cost
        t.fixed_cost[:] = accounts.fixed_cost
        t.deficit_cover[:] = accounts.deficit_cover
        t.unfunded[:] = accounts.unfunded
        t.unfunded_quarters[:] = np.where(accounts.unfunded > 0, t.unfunded_quarters + 1, 0)
        t.smoothed_volume[:] = smoothed
        t.inbound[:] = inbound
        t.return_trains[:] = back

    # --- mechanism 5 and 6: who is credited and who pays ----------------------------------

    def origin_by_city(self) -> np.ndarray:
        """Cargo by origin (rows: cities) at each platform: a province's cargo at its seat city.

        Firms belong to provinces; under pooling, a province's credit by origin goes to the
        city that speaks for it, its first city (the provincial capital where it has one).
        """
        out = np.zeros((len(self.cities), self.sea))
        has = self.seat_city >= 0
        np.add.at(out, self.seat_city[has], self.origin_volume[has])
        return out

    def credit_matrix(self) -> np.ndarray:
        """Share of each platform's output and subsidy credited to each city.

        :func:`~sim.model.mechanisms.credit_shares`: the owner, or under pooling the
        member cities by the origin of a member hub's freight, for the pooled share.
        """
        pool = self.p.policy.coordination.pooling
        return mech.credit_shares(
            self.platform_owner,
            [city.member for city in self.cities],
            self.origin_by_city(),
            pool.share if pool.enabled else 0.0,
        )

    def settle_province_accounts(self) -> None:
        """Credit output and charge fiscal cost to cities, then score their objectives.

        :func:`~sim.model.mechanisms.province_objective` over all cities at once, and over
        all platforms for their value to their owners (per city:
        :meth:`City.evaluate <sim.model.agents.City.evaluate>`).
        """
        cities, t, ct = self.cities, self.platform_table, self.city_table
        credit = self.credit_matrix()
        output = mech.platform_output(
            t.trains,
            t.volume,
            slots=self.p.freight.train_slots,
            per_train=self.p.strategy.credited_for == "trains",
        )
        volume, subsidy, deficit, fixed = t.volume, t.subsidy, t.deficit_cover, t.fixed_cost
        credited = credit @ output
        national = float(credited.sum())
        ct.credited_trains[:] = credited
        fixed_list = fixed.tolist()
        for j, city in enumerate(cities):  # row by row, as City.evaluate's sums
            ct.credited_volume[j] = credit[j] @ volume
            ct.subsidy_paid[j] = credit[j] @ subsidy
            ct.deficit_paid[j] = credit[j] @ deficit
            ct.fixed_paid[j] = sum(fixed_list[pl.index] for pl in city.platforms)
        st = self.p.strategy
        objectives = mech.province_objective(
            ct.credited_trains,
            ct.credited_volume,
            ct.subsidy_paid,
            ct.fixed_paid,
            ct.deficit_paid,
            national,
            strategy=st,
        )
        values = mech.province_objective(
            output, volume, subsidy, fixed, deficit, national, strategy=st
        )
        for city, objective in zip(cities, objectives.tolist(), strict=True):
            city.receive_objective(objective)
        self.review_platforms(values)
        self.pool_unit_objectives()

    def review_platforms(self, values: np.ndarray) -> None:
        """Close platforms whose value to their city stayed negative (mechanism 5).

        :meth:`City.review_platforms <sim.model.agents.City.review_platforms>` for all
        cities at once: an open platform not designated as a hub counts the quarters in a
        row its value was negative and closes after ``strategy.close_after``.
        """
        t = self.platform_table
        under_review = t.is_open & ~self.designated_platforms()
        t.losing[:] = np.where(under_review, np.where(values < 0, t.losing + 1, 0), t.losing)
        for i in np.flatnonzero(under_review & (t.losing >= self.p.strategy.close_after)).tolist():
            self.platforms[i].close()

    # --- mechanism 7: finance ------------------------------------------------------------

    def finance_projects(self) -> None:
        """Firms seek loans, the lender rations, projects pay or fail, broke firms exit."""
        self.lender.open_window()
        self.flows = self.firms.finance_step(self.steps, self.draws)
        f = self.firms
        disbursed = float(f.outstanding[f.status == ACTIVE].sum())
        flows = self.flows
        flows.funding_cost = self.lender.close_books(flows.interest, disbursed, flows.lender_loss)
        self.lender.backstop(self.flows)

    # --- mechanism 8: innovation -------------------------------------------------------------

    def update_innovation(self) -> None:
        """Provinces' innovation stocks grow; firms' productivity follows next step."""
        group = self.p.policy.innovation.sharing_group
        stocks = [pr.innovation for pr in self.provinces if pr.name in group]
        mean = float(np.mean(stocks)) if stocks else 0.0
        chance = self.p.innovation.success_chance
        u = self.streams.innovation.random((2, len(self.provinces)))
        factors = np.where(u < chance, 1.0 / chance, 0.0)  # R&D, conversion: mean 1
        flows = self.flows
        done = flows.completed_by_province
        firms = flows.firms_by_province
        per_firm = (
            np.divide(done, firms, out=np.zeros(len(self.provinces)), where=firms > 0)
            if done is not None and firms is not None
            else np.zeros(len(self.provinces))
        )
        for i, pr in enumerate(self.provinces):
            pr.update_innovation(
                mean, float(factors[0, i]), float(factors[1, i]), float(per_firm[i])
            )
        self.innovation_ratio = np.array([pr.innovation / pr.innovation0 for pr in self.provinces])
