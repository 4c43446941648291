"""The model's agents: provinces, platforms, partners, the lender and enterprises.

Provinces, platforms and partners are few and act one by one. Enterprises are many: their
state lives in arrays (see :mod:`sim.model.firms`) and each remains a Mesa agent reading it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import mechanisms as mech

if TYPE_CHECKING:
    from sim.model.model import BRIModel


class PartnerCountry(mesa.Agent):
    """A partner country: import demand, sovereign risk, exchange rate, crises (mechanism 1)."""

    def __init__(self, model: BRIModel, index, name, region, risk_class, lon, lat, trend):
        super().__init__(model)
        self.index = index
        self.name = name
        self.region = region
        self.risk_class = int(risk_class)
        self.lon, self.lat = float(lon), float(lat)
        self.trend = float(trend)  # quarterly log growth of import demand
        self.log_fx = 0.0  # log value of the partner's currency against its start
        self.demand = 1.0  # import demand index, 1 at start
        self.in_crisis = False
        self.forced_left = 0  # quarters an event keeps the crisis on, whatever the draws
        self.shock = 0.0  # demand shock from events, as a log change
        self.shock_left = 0

    @property
    def friction(self) -> float:
        """Trade friction as a cost mark-up, less any facilitation agreed with it."""
        p = self.model.p
        base = p.partners.friction[self.risk_class]
        if self.name in p.policy.trade.partners:
            base *= 1.0 - p.policy.trade.friction_reduction
        return base

    def update(self) -> None:
        """Walk the exchange rate, start or end a crisis, grow demand."""
        p = self.model.p.partners
        rng = self.model.streams.partners
        z_fx, u_crisis, z_demand = rng.normal(), rng.random(), rng.normal()
        self.log_fx += p.fx_volatility[self.risk_class] * z_fx
        if self.forced_left > 0:
            self.forced_left -= 1
        elif self.in_crisis and u_crisis < p.crisis_recovery:
            self.in_crisis = False
        elif not self.in_crisis and u_crisis < p.crisis_hazard[self.risk_class]:
            self.start_crisis()
        self.demand *= math.exp(self.trend + p.demand_noise * z_demand)
        if self.shock_left > 0:  # in force for exactly the event's duration
            self.shock_left -= 1
        else:
            self.shock = 0.0

    def start_crisis(self, duration: int = 0) -> None:
        """Enter a crisis: the currency falls; an event keeps it on ``duration`` quarters."""
        if not self.in_crisis:
            self.log_fx -= self.model.p.partners.crisis_depreciation
        self.in_crisis = True
        self.forced_left = max(self.forced_left, duration)

    def demand_index(self) -> float:
        """Import demand for Chinese goods: trend, exchange rate, crisis and shocks."""
        p = self.model.p.partners
        cut = p.crisis_demand_cut if self.in_crisis else 0.0
        return self.demand * math.exp(p.fx_demand_elasticity * self.log_fx + self.shock) * (1 - cut)


class Province(mesa.Agent):
    """A province: subsidises and builds platforms to win the race (mechanism 5)."""

    def __init__(self, model: BRIModel, index, row):
        super().__init__(model)
        p = model.p
        self.index = index
        self.name = row.province
        self.gdp = float(row.gdp_2020_100m_yuan)
        self.rd_intensity = float(row.rd_intensity_2020_pct)
        self.lon, self.lat = float(row.hub_lon), float(row.hub_lat)
        self.research_stock = float(row.research_stock)
        self.is_border = bool(isinstance(row.border_corridor, str) and row.border_corridor)
        self.innovation = self.rd_intensity  # innovation index starts at R&D intensity (%)
        self.innovation0 = self.innovation
        self.talent = 0.0
        self.subsidy = p.strategy.initial_subsidy
        self.markup = p.strategy.initial_markup  # train target: trains beyond need, as share
        self.direction_subsidy = 1.0
        self.direction_markup = 1.0
        self.objective: float | None = None
        self.previous_objective: float | None = None
        self.platforms: list[Platform] = []
        # accounts of the last step, filled by the model
        self.credited_trains = 0.0
        self.credited_volume = 0.0
        self.subsidy_paid = 0.0
        self.fixed_paid = 0.0
        self.deficit_paid = 0.0
        self.exports = 0.0
        self.volume_history: list[float] = []

    @property
    def member(self) -> bool:
        """Whether the province belongs to the coordination body."""
        return self.name in self.model.p.policy.coordination.members

    @property
    def open_platforms(self) -> list[Platform]:
        """The province's platforms that are running."""
        return [pl for pl in self.platforms if pl.is_open]

    def subsidy_cap(self) -> float:
        """Highest subsidy rate the province may pay: its own ceiling and any caps."""
        p = self.model.p
        cap = min(p.strategy.max_subsidy, p.policy.subsidy.national_cap)
        coord = p.policy.coordination
        if self.name in coord.members and coord.joint_cap.enabled:
            cap = min(cap, coord.joint_cap.rate)
        return cap

    def evaluate(self, national_credit: float) -> None:
        """Score last step: value of volume, standing, trains, minus felt fiscal cost."""
        s = self.model.p.strategy
        share = self.credited_trains / national_credit if national_credit > 0 else 0.0
        value = (
            s.rank_weight * share
            + s.volume_value * self.credited_volume / 1e6
            + s.train_value * self.credited_trains / 1e6
        )
        cost = s.fiscal_weight * (self.subsidy_paid + self.fixed_paid + self.deficit_paid) / 1e6
        self.previous_objective, self.objective = self.objective, value - cost
        self.volume_history.append(self.credited_volume)

    def review_platforms(self, values: np.ndarray) -> None:
        """Close platforms whose value to the province stayed negative (mechanism 5).

        ``values`` holds each platform's last-step value in the province's objective
        (its standing, volume and trains, minus the fiscal cost it causes). Hubs the
        coordination body designated stay open.
        """
        limit = self.model.p.strategy.close_after
        for pl in self.open_platforms:
            if pl.designated:
                continue
            pl.losing = pl.losing + 1 if values[pl.index] < 0 else 0
            if pl.losing >= limit:
                pl.close()

    def adapt_policy(self, leader: Province | None) -> None:
        """Hill-climb the subsidy rate and the train target, one lever a step.

        The lever moved last step keeps its direction if the objective rose, and turns
        back if it fell. Subsidy moves carry noise; with some probability the province
        also imitates the subsidy of the fastest-growing province.
        """
        s = self.model.p.strategy
        rng = self.model.streams.provinces
        z, u = rng.normal(), rng.random()
        moved_subsidy_last = self.model.steps % 2 == 0
        if self.previous_objective is not None and self.objective < self.previous_objective:
            if moved_subsidy_last:
                self.direction_subsidy = -self.direction_subsidy
            else:
                self.direction_markup = -self.direction_markup
        subsidy = self.subsidy
        if not moved_subsidy_last:
            subsidy += self.direction_subsidy * s.subsidy_step + s.learning_noise * z
        else:
            markup = self.markup + self.direction_markup * s.markup_step
            self.markup = float(min(max(markup, 0.0), s.max_markup))
        if leader is not None and leader is not self and u < s.imitation:
            subsidy += s.imitation_rate * (leader.subsidy - subsidy)
        self.subsidy = float(min(max(subsidy, 0.0), self.subsidy_cap()))

    def consider_openings(self, corridor_presence: dict[str, int], n_provinces: int) -> None:
        """Open platforms: rarely on a corridor nobody uses, more where others are (herding).

        The probability per quarter is ``entry + herding * share`` where ``share`` is the
        share of the other provinces already running a platform on the corridor.
        """
        p = self.model.p
        coord = p.policy.coordination
        draws = self.model.streams.provinces.random(len(self.platforms))  # one per platform
        for pl, u in zip(self.platforms, draws, strict=True):
            if pl.is_open or pl.closed_for_good:
                continue
            others = corridor_presence.get(pl.corridor, 0)
            if self.member and coord.designated_hubs.enabled and not pl.designated:
                continue
            share = others / max(n_provinces - 1, 1)
            if u < p.strategy.entry + p.strategy.herding * share:
                pl.open()

    def update_innovation(self, group_mean: float) -> None:
        """Grow the innovation stock (mechanism 8)."""
        p = self.model.p
        pol = p.policy.innovation
        in_group = self.name in pol.sharing_group
        if self.name in pol.talent_provinces:
            self.talent += pol.talent_inflow
        self.innovation = float(
            mech.innovation_growth(
                self.innovation,
                self.rd_intensity,
                self.talent,
                self.research_stock,
                group_mean if in_group else self.innovation,
                p=p.innovation,
                conversion_mult=pol.conversion_multiplier,
                spillover=pol.spillover if in_group else 0.0,
            )
        )


class Platform(mesa.Agent):
    """A rail platform (hub city and corridor): its owner decides, it runs trains (mech. 3)."""

    def __init__(self, model: BRIModel, index, row, owner: Province):
        super().__init__(model)
        self.index = index
        self.pid = row.platform
        self.city = row.city
        self.corridor = row.corridor
        self.crossing = row.crossing
        self.lon, self.lat = float(row.lon), float(row.lat)
        self.owner = owner
        owner.platforms.append(self)
        self.is_open = False
        self.closed_for_good = False
        self.capacity = 0.0
        self.pending: list[tuple[int, float]] = []  # (arrival step, capacity)
        self.low_use = 0
        self.losing = 0  # quarters in a row of negative value to the owner
        self.wind_down = 0
        self.deficit_cover = 0.0  # operating deficit the owner covered last step
        self.unfunded = 0.0  # operating loss left to the operator last step
        self.unfunded_quarters = 0
        self.smoothed_volume = 0.0
        self.volume = 0.0
        self.trains = 0.0
        self.unit_cost = model.p.freight.rail_cost
        self.subsidy_rate = 0.0
        self.target = 0.0
        self.revenue = self.subsidy = self.variable_cost = self.fixed_cost = 0.0
        if bool(row.initially_open):
            self.open()

    def open(self) -> None:
        """Start running with the initial terminal capacity."""
        self.is_open = True
        self.capacity = self.model.p.freight.initial_capacity
        self.low_use = 0
        self.losing = 0
        self.unfunded = 0.0
        self.unfunded_quarters = 0

    def close(self) -> None:
        """Stop running; shippers must re-choose."""
        self.is_open = False
        self.capacity = 0.0
        self.pending.clear()
        self.smoothed_volume = 0.0

    @property
    def designated(self) -> bool:
        """Whether the coordination body designated this platform as a hub."""
        hubs = self.model.p.policy.coordination.designated_hubs
        return hubs.enabled and self.pid in hubs.hubs

    @property
    def assembly_centre(self) -> bool:
        """Whether the nation designated this platform as an assembly centre."""
        centres = self.model.p.policy.assembly_centres
        return centres.enabled and self.pid in centres.hubs

    @property
    def load_factor(self) -> float:
        """Loaded containers over slots run last step."""
        return float(mech.load_factor(self.volume, self.trains, self.model.p.freight.train_slots))

    @property
    def utilization(self) -> float:
        """Trains run over terminal capacity last step."""
        return self.trains / self.capacity if self.capacity > 0 else 0.0

    @property
    def member_wound_down(self) -> bool:
        """Whether the coordination body winds this platform down (member, not designated)."""
        coord = self.model.p.policy.coordination
        return coord.designated_hubs.enabled and self.owner.member and not self.designated

    def set_policy(self) -> None:
        """Take the owner's subsidy and train target, unless coordination winds it down.

        The target is the trains the smoothed cargo fills, marked up by the owner's
        markup, within terminal capacity.
        """
        if self.member_wound_down:
            self.subsidy_rate, self.target = 0.0, 0.0
        elif self.corridor in self.model.closed_corridors or self.unfunded > 0:
            # a closed route runs no trains; a platform whose support was capped last
            # step runs only the trains its cargo fills
            self.subsidy_rate = min(self.owner.subsidy, self.owner.subsidy_cap())
            self.target = 0.0
        else:
            self.subsidy_rate = min(self.owner.subsidy, self.owner.subsidy_cap())
            needed = self.smoothed_volume / self.model.p.freight.train_slots
            hubs = self.model.p.policy.coordination.designated_hubs
            markup = hubs.target_markup if self.designated else self.owner.markup
            scheduled = max((1.0 + markup) * needed, self.model.p.freight.min_trains)
            self.target = min(scheduled, self.capacity)

    def posted_cost(self) -> float:
        """Cost per container shippers are quoted: full trains at smoothed volume."""
        f = self.model.p.freight
        trains = self.smoothed_volume / f.train_slots
        self.unit_cost = float(mech.platform_cost(trains, self.capacity, f))
        return self.unit_cost

    def run_trains(self, volume: float, haul_revenue: float) -> None:
        """Run trains for this step's cargo and target; book revenue, subsidy and cost.

        ``haul_revenue`` is the cost-weighted volume (containers times haul factor) at the
        quoted unit cost, so revenue and costs follow each destination's haul.
        """
        f = self.model.p.freight
        sub = self.model.p.policy.subsidy
        trains = (
            float(
                mech.trains_run(
                    volume, self.target, slots=f.train_slots, empty_slot_cap=sub.empty_slot_cap
                )
            )
            if self.is_open
            else 0.0
        )
        full_train_cost = float(mech.platform_cost(trains, self.capacity, f))
        self.book(volume, haul_revenue, trains, full_train_cost)

    def book(
        self, volume: float, haul_revenue: float, trains: float, full_train_cost: float
    ) -> None:
        """Book a step's ``trains``: revenue, subsidy, train and fixed costs, deficit cover.

        ``full_train_cost`` is the cost of one container on a full train at this
        frequency (:func:`~sim.model.mechanisms.cost_per_feu`); the model computes trains and
        costs for all platforms at once and books them here.
        """
        f = self.model.p.freight
        sub = self.model.p.policy.subsidy
        self.volume = volume
        self.trains = trains
        haul = haul_revenue / volume if volume > 0 else 1.0  # mean haul factor of the cargo
        train_cost = full_train_cost * f.train_slots * haul
        self.variable_cost = train_cost * self.trains
        quoted = self.unit_cost * haul_revenue
        self.revenue = quoted * (1.0 - self.subsidy_rate)
        if sub.basis == "per_train":
            self.subsidy = self.subsidy_rate * self.unit_cost * haul * f.train_slots * self.trains
        else:
            self.subsidy = self.subsidy_rate * quoted
        self.fixed_cost = f.fixed_cost * self.capacity
        self.cover_deficit()
        a = f.price_smoothing
        self.smoothed_volume = a * volume + (1 - a) * self.smoothed_volume

    def cover_deficit(self) -> None:
        """The owner covers the operating deficit, within the national cap on support.

        Public support (subsidy plus deficit cover) may not exceed the national cap's share
        of the cost of trains run; what is left is the operator's loss. A platform left
        with a loss runs only the trains its cargo fills, and stops after
        ``strategy.close_after`` quarters of losses (routes stopped when subsidies fell
        short).
        """
        deficit = max(-self.operating_surplus, 0.0)
        room = self.model.p.policy.subsidy.national_cap * self.variable_cost - self.subsidy
        self.deficit_cover = min(deficit, max(room, 0.0))
        self.unfunded = deficit - self.deficit_cover
        self.unfunded_quarters = self.unfunded_quarters + 1 if self.unfunded > 0 else 0

    @property
    def operating_surplus(self) -> float:
        """Revenue plus subsidy minus the cost of trains run (USD per quarter)."""
        return self.revenue + self.subsidy - self.variable_cost

    def adjust_capacity(self, step: int) -> None:
        """Receive ordered capacity, expand when busy, retire after sustained low use."""
        f = self.model.p.freight
        if not self.is_open:
            return
        arrived = sum(c for t, c in self.pending if t <= step)
        self.pending = [(t, c) for t, c in self.pending if t > step]
        self.capacity += arrived
        if self.unfunded_quarters >= self.model.p.strategy.close_after and not self.designated:
            self.close()
            return
        if self.member_wound_down:
            self.wind_down += 1
            if self.wind_down >= self.model.p.policy.coordination.designated_hubs.wind_down:
                self.close()
                self.closed_for_good = True
            return
        if self.utilization > f.expand_above and not self.pending:
            self.pending.append((step + f.capacity_lead_time, f.expand_share * self.capacity))
        if self.utilization < f.retire_below:
            self.low_use += 1
            if self.low_use >= f.retire_after:
                self.capacity *= 1.0 - f.retire_share
                self.low_use = 0
        else:
            self.low_use = 0
        if self.capacity < f.close_below:
            self.close()


class Lender(mesa.Agent):
    """Policy and commercial banks with export credit insurance (mechanism 7).

    Holds the lender's and the insurer's cash, the lending capacity left this step, and
    the running totals of losses and payouts.
    """

    def __init__(self, model: BRIModel, cash: float):
        super().__init__(model)
        self.cash = cash
        self.insurer_cash = 0.0
        self.capacity_left = 0.0
        self.losses = 0.0
        self.payouts = 0.0

    def open_window(self, revenue_total: float) -> None:
        """Set this step's lending capacity from the firms' export revenue."""
        self.capacity_left = self.model.p.finance.lender_capacity * revenue_total


class Enterprise(mesa.Agent):
    """An enterprise. Its state lives in the model's arrays; attributes read it by slot."""

    def __init__(self, model: BRIModel, slot: int):
        super().__init__(model)
        self.slot = slot

    def _get(self, name):
        return self.model.firms.arrays[name][self.slot]

    province = property(lambda self: self.model.province_list[int(self._get("province"))])
    sector = property(lambda self: self.model.sector_names[int(self._get("sector"))])
    state_owned = property(lambda self: bool(self._get("state_owned")))
    productivity = property(lambda self: float(self._get("productivity")))
    cash = property(lambda self: float(self._get("cash")))
    collateral = property(lambda self: float(self._get("collateral")))
    overseas_assets = property(lambda self: float(self._get("overseas_assets")))
    exports = property(lambda self: float(self._get("exports")))
    destination = property(lambda self: self.model.partner_list[int(self._get("country"))])
    project_status = property(lambda self: ("none", "pending", "active")[int(self._get("status"))])
    loan = property(lambda self: float(self._get("outstanding")))

    @property
    def route(self):
        """The platform the enterprise ships through, or ``"sea"``."""
        r = int(self._get("route"))
        return "sea" if r == self.model.sea else self.model.platform_list[r]
