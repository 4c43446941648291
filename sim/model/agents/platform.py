"""Rail platforms: a hub city on a corridor that runs trains for its owner (mechanism 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model import mechanisms as mech
from sim.model.agents.columns import Column

if TYPE_CHECKING:
    from sim.model.agents.city import City
    from sim.model.agents.province import Province
    from sim.model.model import BRIModel


class Platform(mesa.Agent):
    """A rail platform (hub city and corridor): its owner decides, it runs trains (mech. 3).

    Its state is held in the model's ``platform_table`` (:mod:`~sim.model.agents.columns`),
    which the model's bulk rules read and write for all platforms at once.
    """

    is_open = Column(bool)
    closed_for_good = Column(bool)
    unit_wound_down = Column(bool)  # a unified unit keeps it open but not as a hub
    capacity = Column()
    pending_step = Column(int)  # arrival step of the capacity on order (-1: none)
    pending_capacity = Column()
    low_use = Column(int)
    losing = Column(int)  # quarters in a row of negative value to the owner
    wind_down = Column(int)
    deficit_cover = Column()  # operating deficit the owner covered last step
    unfunded = Column()  # operating loss left to the operator last step
    unfunded_quarters = Column(int)
    smoothed_volume = Column()
    volume = Column()
    trains = Column()
    inbound = Column()  # return cargo carried back to China last step
    return_trains = Column()
    unit_cost = Column()
    subsidy_rate = Column()
    target = Column()
    revenue = Column()
    subsidy = Column()
    variable_cost = Column()
    fixed_cost = Column()

    def __init__(self, model: BRIModel, index, row, owner: City):
        super().__init__(model)
        self.index = index
        self.table = model.platform_table
        self.pid = row.platform
        self.city = row.city
        self.corridor = row.corridor
        self.crossing = row.crossing
        self.lon, self.lat = float(row.lon), float(row.lat)
        self.owner = owner  # the city that decides for it
        self.province: Province = owner.province
        owner.platforms.append(self)
        self.pending_step = -1
        self.unit_cost = model.p.freight.rail_cost
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
        self.pending_step = -1
        self.smoothed_volume = 0.0

    @property
    def pending(self) -> list[tuple[int, float]]:
        """Capacity on order: ``[(arrival step, capacity)]``, or ``[]`` (one order at a time)."""
        return [(self.pending_step, self.pending_capacity)] if self.pending_step >= 0 else []

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
        """Take the owner's subsidy and train target, unless it is wound down.

        Coordination winds down non-designated member platforms; a unified unit runs only
        its hubs to targets (:meth:`BRIModel.unify_cities`). The target is the trains the
        smoothed cargo fills, marked up by the owner's markup, within terminal capacity.
        """
        if self.member_wound_down or self.unit_wound_down:
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
            body_sets = self.designated and hubs.target_rule
            markup = hubs.target_markup if body_sets else self.owner.markup
            scheduled = max((1.0 + markup) * needed, self.model.p.freight.min_trains)
            self.target = min(scheduled, self.capacity)

    def expected_wait(self) -> float:
        """Days a container waits for the next departure: half the headway (Mohring).

        The headway follows the trains run last quarter, or the scheduled target when the
        platform has not run yet (:func:`~sim.model.mechanisms.frequency_wait_days`).
        """
        timetable = self.trains if self.trains > 0 else self.target
        return float(mech.frequency_wait_days(timetable))

    def posted_cost(self) -> float:
        """Cost per container shippers are quoted: full trains at smoothed volume."""
        f = self.model.p.freight
        unit, _ = mech.posted_price(self.smoothed_volume, self.capacity, self.subsidy_rate, f)
        self.unit_cost = float(unit)
        return self.unit_cost

    def run_trains(self, volume: float, haul_revenue: float, inbound: float = 0.0) -> None:
        """Run trains for this step's cargo and target, and back; book revenue, subsidy, cost.

        ``haul_revenue`` is the cost-weighted volume (containers times haul factor) at the
        quoted unit cost, so revenue and costs follow each destination's haul; ``inbound``
        is the return cargo (:meth:`BRIModel.ship_inbound
        <sim.model.model.BRIModel.ship_inbound>`).
        """
        f = self.model.p.freight
        cap = self.model.p.policy.subsidy.empty_slot_cap
        trains = mech.platform_trains(
            volume, self.target, self.is_open, slots=f.train_slots, empty_slot_cap=cap
        )
        back = mech.platform_return_trains(
            inbound,
            trains,
            self.is_open,
            slots=f.train_slots,
            target_share=f.return_target,
            empty_slot_cap=cap,
        )
        full_train_cost = mech.platform_cost(trains, self.capacity, f)
        self.book(volume, haul_revenue, float(trains), float(full_train_cost), inbound, float(back))

    def book(
        self,
        volume: float,
        haul_revenue: float,
        trains: float,
        full_train_cost: float,
        inbound: float = 0.0,
        return_trains: float = 0.0,
    ) -> None:
        """Book a step's ``trains`` both ways: revenue, subsidy, train and fixed costs, cover.

        ``full_train_cost`` is the cost of one container on a full train at this
        frequency (:func:`~sim.model.mechanisms.cost_per_feu`); the accounts are
        :func:`~sim.model.mechanisms.platform_accounts` of both directions
        (:func:`~sim.model.mechanisms.both_ways`), which the model also computes for all
        platforms at once.
        """
        f = self.model.p.freight
        sub = self.model.p.policy.subsidy
        accounts = mech.platform_accounts(
            *mech.both_ways(volume, haul_revenue, trains, inbound, return_trains),
            full_train_cost,
            self.unit_cost,
            self.subsidy_rate,
            self.capacity,
            slots=f.train_slots,
            per_train=sub.basis == "per_train",
            fixed_cost=f.fixed_cost,
            national_cap=sub.national_cap,
        )
        smoothed = mech.smoothed_volume(volume, self.smoothed_volume, f.price_smoothing)
        accounts = (float(a) for a in accounts)
        self.receive(volume, trains, *accounts, float(smoothed), inbound, return_trains)

    def receive(
        self,
        volume: float,
        trains: float,
        revenue: float,
        subsidy: float,
        variable_cost: float,
        fixed_cost: float,
        deficit_cover: float,
        unfunded: float,
        smoothed_volume: float,
        inbound: float = 0.0,
        return_trains: float = 0.0,
    ) -> None:
        """Take a step's cargo, trains and accounts (:class:`~sim.model.mechanisms.Accounts`).

        A platform left with an unfunded loss counts the quarters in a row it has been so:
        it runs only the trains its cargo fills, and stops after ``strategy.close_after``
        quarters of losses (routes stopped when subsidies fell short).
        """
        self.volume = volume
        self.trains = trains
        self.revenue = revenue
        self.subsidy = subsidy
        self.variable_cost = variable_cost
        self.fixed_cost = fixed_cost
        self.deficit_cover = deficit_cover
        self.unfunded = unfunded
        self.unfunded_quarters = self.unfunded_quarters + 1 if unfunded > 0 else 0
        self.smoothed_volume = smoothed_volume
        self.inbound = inbound
        self.return_trains = return_trains

    def output(self) -> float:
        """What the platform's last step counts as in the race (trains or full trains)."""
        p = self.model.p
        per_train = p.strategy.credited_for == "trains"
        slots = p.freight.train_slots
        output = mech.platform_output(self.trains, self.volume, slots=slots, per_train=per_train)
        return float(output)

    def value_to_owner(self, national: float) -> float:
        """Last step's value to the owner: standing, volume, trains less the fiscal cost caused.

        The owner's own score (:func:`~sim.model.mechanisms.province_objective`) of this
        platform's output, volume, subsidy, fixed cost and deficit cover.
        """
        return float(
            mech.province_objective(
                self.output(),
                self.volume,
                self.subsidy,
                self.fixed_cost,
                self.deficit_cover,
                national,
                strategy=self.model.p.strategy,
            )
        )

    @property
    def operating_surplus(self) -> float:
        """Revenue plus subsidy minus the cost of trains run (USD per quarter)."""
        return self.revenue + self.subsidy - self.variable_cost

    def adjust_capacity(self, step: int) -> None:
        """Receive ordered capacity, expand when busy, retire after sustained low use."""
        f = self.model.p.freight
        if not self.is_open:
            return
        if 0 <= self.pending_step <= step:
            self.capacity += self.pending_capacity
            self.pending_step = -1
        if self.unfunded_quarters >= self.model.p.strategy.close_after and not self.designated:
            self.close()
            return
        if self.member_wound_down:
            self.wind_down += 1
            if self.wind_down >= self.model.p.policy.coordination.designated_hubs.wind_down:
                self.close()
                self.closed_for_good = True
            return
        if self.utilization > f.expand_above and self.pending_step < 0:
            self.pending_step = step + f.capacity_lead_time
            self.pending_capacity = f.expand_share * self.capacity
        if self.utilization < f.retire_below:
            self.low_use += 1
            if self.low_use >= f.retire_after:
                self.capacity *= 1.0 - f.retire_share
                self.low_use = 0
        else:
            self.low_use = 0
        if self.capacity < f.close_below:
            self.close()
