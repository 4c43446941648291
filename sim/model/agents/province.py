"""Provinces: budget, innovation and firms; their cities run the race (mechanisms 5, 6, 8).

The race for platforms (subsidy, train targets, openings) is decided by each city
(:class:`~sim.model.agents.city.City`); a province adds up what its cities are credited
with and pay, and its coordination membership binds them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import mechanisms as mech

if TYPE_CHECKING:
    from sim.model.agents.city import City
    from sim.model.agents.platform import Platform
    from sim.model.model import BRIModel


class Province(mesa.Agent):
    """A province: GDP, innovation stock, talent; the sum of its cities' race (mech. 5, 8)."""

    def __init__(self, model: BRIModel, index, row):
        super().__init__(model)
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
        self.cities: list[City] = []  # filled as the model builds them
        self.exports = 0.0

    @property
    def member(self) -> bool:
        """Whether the province belongs to the coordination body."""
        return self.name in self.model.p.policy.coordination.members

    @property
    def platforms(self) -> list[Platform]:
        """The platforms of the province's cities."""
        return [pl for city in self.cities for pl in city.platforms]

    @property
    def open_platforms(self) -> list[Platform]:
        """The province's platforms that are running."""
        return [pl for pl in self.platforms if pl.is_open]

    def _total(self, name: str) -> float:
        return float(sum(getattr(city, name) for city in self.cities))

    @property
    def credited_trains(self) -> float:
        """Trains (or full-train equivalents) credited to the province's cities last step."""
        return self._total("credited_trains")

    @property
    def credited_volume(self) -> float:
        """Rail freight credited to the province's cities last step (FEU)."""
        return self._total("credited_volume")

    @property
    def subsidy_paid(self) -> float:
        """Subsidy the province's cities paid last step (USD)."""
        return self._total("subsidy_paid")

    @property
    def fixed_paid(self) -> float:
        """Fixed cost of the province's platforms last step (USD)."""
        return self._total("fixed_paid")

    @property
    def deficit_paid(self) -> float:
        """Operating deficits the province's cities covered last step (USD)."""
        return self._total("deficit_paid")

    @property
    def subsidy(self) -> float:
        """Mean subsidy rate of the province's cities."""
        return self._mean("subsidy")

    @property
    def markup(self) -> float:
        """Mean train-target markup of the province's cities."""
        return self._mean("markup")

    def _mean(self, name: str) -> float:
        """Mean of a lever over the province's cities (0 without cities; one city: its own)."""
        cities = self.cities
        if len(cities) == 1:  # the province-hub layer: no array for one number
            return float(getattr(cities[0], name))
        return float(np.mean([getattr(c, name) for c in cities])) if cities else 0.0

    @property
    def objective(self) -> float | None:
        """Sum of its cities' last scores (None before the first)."""
        scores = [c.objective for c in self.cities if c.objective is not None]
        return float(sum(scores)) if scores else None

    def update_innovation(
        self, group_mean: float, rd_factor: float, conversion_factor: float, projects: float
    ) -> None:
        """Grow the innovation stock (mechanism 8).

        ``rd_factor`` and ``conversion_factor`` are this quarter's outcomes of R&D and of
        conversion, ``projects`` the projects its firms completed abroad per firm.
        """
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
                rd_factor=rd_factor,
                conversion_factor=conversion_factor,
                projects=projects,
            )
        )
