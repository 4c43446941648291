"""Cities: each runs the race for its own platforms, learning by hill-climbing (mechanism 5).

A city's government decides for its platforms: their subsidy rate and train target, when
to open one and when to close one. Cities compete for cargo and standing against every
other city, those of their own province included (Shandong's nine cities before 2018).
Its province holds the budget, the innovation stock and the firms; a province's
coordination membership and subsidy caps bind all its cities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import mechanisms as mech
from sim.model.agents.columns import Column

if TYPE_CHECKING:
    from sim.model.agents.platform import Platform
    from sim.model.agents.province import Province
    from sim.model.model import BRIModel


class City(mesa.Agent):
    """An origin city: subsidises and builds platforms to win the race (mechanism 5).

    Its last accounts are held in the model's ``city_table``
    (:mod:`~sim.model.agents.columns`), which the model fills for all cities at once.
    """

    # accounts of the last step, filled by the model
    credited_trains = Column()
    credited_volume = Column()
    subsidy_paid = Column()
    fixed_paid = Column()
    deficit_paid = Column()

    def __init__(self, model: BRIModel, index: int, name: str, province: Province):
        super().__init__(model)
        p = model.p
        self.index = index
        self.table = model.city_table
        self.name = name
        self.province = province
        province.cities.append(self)
        self.subsidy = p.strategy.initial_subsidy
        self.markup = p.strategy.initial_markup  # train target: trains beyond need, as share
        self.direction_subsidy = 1.0
        self.direction_markup = 1.0
        self.objective: float | None = None
        self.previous_objective: float | None = None
        self.platforms: list[Platform] = []
        self.volume_history: list[float] = []

    @property
    def member(self) -> bool:
        """Whether the city's province belongs to the coordination body."""
        return self.province.member

    @property
    def open_platforms(self) -> list[Platform]:
        """The city's platforms that are running."""
        return [pl for pl in self.platforms if pl.is_open]

    def subsidy_cap(self) -> float:
        """Highest subsidy rate the city may pay: its own ceiling and any caps."""
        p = self.model.p
        cap = min(p.strategy.max_subsidy, p.policy.subsidy.national_cap)
        coord = p.policy.coordination
        if self.province.name in coord.members and coord.joint_cap.enabled:
            cap = min(cap, coord.joint_cap.rate)
        return cap

    def evaluate(self, national_credit: float) -> None:
        """Score last step: value of volume, standing, trains, minus felt fiscal cost."""
        objective = mech.province_objective(
            self.credited_trains,
            self.credited_volume,
            self.subsidy_paid,
            self.fixed_paid,
            self.deficit_paid,
            national_credit,
            strategy=self.model.p.strategy,
        )
        self.receive_objective(float(objective))

    def receive_objective(self, objective: float) -> None:
        """Keep this step's score and the one before; note the credited volume."""
        self.previous_objective, self.objective = self.objective, objective
        self.volume_history.append(self.credited_volume)

    def review_platforms(self, values: np.ndarray) -> None:
        """Close platforms whose value to the city stayed negative (mechanism 5).

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

    def adapt_policy(self, leader: City | None) -> None:
        """Hill-climb the subsidy rate and the train target, one lever a step.

        The lever moved last step keeps its direction if the objective rose, and turns
        back if it fell. Subsidy moves carry noise; with some probability the province
        also imitates the subsidy of the fastest-growing province.
        """
        s = self.model.p.strategy
        rng = self.model.streams.provinces
        z, u = rng.normal(), rng.random()
        moved_subsidy_last = self.model.steps % 2 == 0
        if self.previous_objective is not None:
            obj, prev = self.objective, self.previous_objective
            if moved_subsidy_last:
                self.direction_subsidy = mech.turn_if_worse(self.direction_subsidy, obj, prev)
            else:
                self.direction_markup = mech.turn_if_worse(self.direction_markup, obj, prev)
        subsidy = self.subsidy
        if not moved_subsidy_last:
            noise = s.learning_noise * z
            subsidy = mech.lever_step(subsidy, self.direction_subsidy, s.subsidy_step, noise)
        else:
            markup = mech.lever_step(self.markup, self.direction_markup, s.markup_step)
            self.markup = float(min(max(markup, 0.0), s.max_markup))
        if leader is not None and leader is not self and u < s.imitation:
            subsidy = mech.imitate(subsidy, leader.subsidy, s.imitation_rate)
        self.subsidy = float(min(max(subsidy, 0.0), self.subsidy_cap()))

    def consider_openings(self, corridor_presence: dict[str, int], n_cities: int) -> None:
        """Open platforms: rarely on a corridor nobody uses, more where others are (herding).

        The probability per quarter is ``entry + herding * share`` where ``share`` is the
        share of the other cities already running a platform on the corridor.
        """
        p = self.model.p
        coord = p.policy.coordination
        draws = self.model.streams.provinces.random(len(self.platforms))  # one per platform
        wound_down = self.member and coord.designated_hubs.enabled
        for pl, u in zip(self.platforms, draws.tolist(), strict=True):
            if pl.is_open or pl.closed_for_good or (wound_down and not pl.designated):
                continue
            others = corridor_presence.get(pl.corridor, 0)
            s = p.strategy
            if u < mech.entry_probability(others, n_cities, entry=s.entry, herding=s.herding):
                pl.open()
