"""Provincial unification: a unit's cities run their platforms as one company (mech. 6).

A unit (``policy.unification.units``) is a province, or provinces joined by ``+``; its
cities set one policy, keep their busiest platforms as hubs and are scored by the unit's
total. :class:`Unification` is the part of :class:`~sim.model.model.BRIModel` that
applies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.agents import City, Platform


class Unification:
    """Unified units of cities (a model mixin; reads the model's provinces and platforms)."""

    def unified_units(self) -> list[list[City]]:
        """The cities of each unified unit of ``policy.unification.units`` in the run."""
        by_name = {pr.name: pr for pr in self.provinces}
        units = []
        for unit in self.p.policy.unification.units:
            names = [n.strip() for n in unit.split("+")]
            cities = [c for n in names if n in by_name for c in by_name[n].cities]
            if cities:
                units.append(cities)
        return units

    def unify_cities(self) -> None:
        """Each unified unit sets one policy and keeps its busiest platforms as hubs.

        The unit's lead city (the most credited volume last step; the first on ties) has
        just adapted its levers on the unit's total score; the unit's other cities take
        them. On each corridor the unit keeps its ``hubs`` busiest open platforms (by
        smoothed cargo); the others are wound down: no target, no subsidy.
        """
        k = self.p.policy.unification.hubs
        for pl in self.platforms:
            pl.unit_wound_down = False
        for cities in self.unified_units():
            lead = max(cities, key=lambda c: c.credited_volume)
            for c in cities:
                c.subsidy, c.markup = lead.subsidy, lead.markup
                c.direction_subsidy, c.direction_markup = (
                    lead.direction_subsidy,
                    lead.direction_markup,
                )
            corridors: dict[str, list[Platform]] = {}
            for c in cities:
                for pl in c.open_platforms:
                    corridors.setdefault(pl.corridor, []).append(pl)
            for pls in corridors.values():
                ranked = sorted(pls, key=lambda pl: -pl.smoothed_volume)  # stable: table order
                for pl in ranked[k:]:
                    pl.unit_wound_down = True

    def pool_unit_objectives(self) -> None:
        """A unified unit's cities are scored by the unit's total (credit pooled)."""
        for cities in self.unified_units():
            scores = [c.objective for c in cities if c.objective is not None]
            total = float(sum(scores))
            for c in cities:
                if c.objective is not None:
                    c.objective = total
