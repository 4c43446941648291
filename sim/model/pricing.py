"""This step's prices of every option for the occupied cells, kept as small tables.

The generalized cost of a rail option for a (province, country, sector) cell is a sum of
a term by (sector, country) and platform (price times haul, days in transit, the extra
Chinese leg and the wait for a departure, all at the sector's value of time) and a term by
province and platform (inland haul less discounts): :meth:`RouteNetwork.price_cells
<sim.model.routes.RouteNetwork.price_cells>` builds the two tables. The full cells x
options matrix is built only for the cells that need it (the firms re-choosing this
quarter); the logit's inclusive value and shares of every cell come from the tables
(:func:`~sim.model.mechanisms.separable_log_sums`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model import mechanisms as mech

TINY = 1e-300  # a shifted logit sum below this is priced directly, not from the tables


@dataclass
class CellPrices:
    """Prices of ``options`` (platform indices, the sea last) for the ``occupied`` cells."""

    occupied: np.ndarray  # cell indices, sorted
    options: np.ndarray
    by_route: np.ndarray  # (sector, country) rows x platforms; inf: unavailable
    by_origin: np.ndarray  # provinces x platforms
    route_row: np.ndarray  # each occupied cell's row of by_route
    origin_row: np.ndarray  # each occupied cell's province
    country: np.ndarray  # each occupied cell's country
    sea: np.ndarray  # each occupied cell's sea cost
    reach: np.ndarray  # countries x platforms: on offer and reaching the country
    _sums: dict = field(default_factory=dict, repr=False)

    def cost(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Generalized cost (USD per FEU) of the options for cells ``rows`` (all if None).

        Rows follow the cells, columns the options; unavailable options cost ``inf``.
        """
        rows = slice(None) if rows is None else rows
        route, origin = self.route_row[rows], self.origin_row[rows]
        rail = self.by_route.take(route, axis=0) + self.by_origin.take(origin, axis=0)
        return np.concatenate([rail, self.sea[rows][:, None]], axis=1)

    def available(self, rows=slice(None), cols=None) -> np.ndarray:
        """Whether each option is on offer for cells ``rows`` (at ``cols``: one per row)."""
        n = self.options.size
        with_sea = np.ones((self.reach.shape[0], n), dtype=bool)
        with_sea[:, : n - 1] = self.reach
        if cols is None:
            return with_sea[self.country[rows]]
        return with_sea[self.country[rows], cols]

    def _rail(self, scale: float, nest_scale: float):
        key = (scale, nest_scale)
        if key not in self._sums:
            sums = mech.separable_log_sums(self.by_route, self.by_origin, scale * nest_scale)
            log_rail = sums.log_sum[self.route_row, self.origin_row]
            choice = mech.separable_hub_choice(log_rail, self.sea, scale, nest_scale)
            # where the shifted sum is near underflow although a rail option is on offer
            # (the route's and the origin's best options far apart), price directly
            total = sums.sums[self.route_row, self.origin_row]
            has_rail = np.isfinite(self.by_route.min(axis=1, initial=np.inf))[self.route_row]
            deep = np.flatnonzero((total < TINY) & has_rail)
            direct = None
            if deep.size:
                probs, inclusive = mech.hub_choice(self.cost(deep), scale, nest_scale)
                choice[0][deep] = inclusive
                direct = deep, probs
            self._sums[key] = sums, choice, direct
        return self._sums[key]

    def inclusive_value(self, scale: float, nest_scale: float) -> np.ndarray:
        """Each cell's expected generalized cost under the hub choice (no loyalty bonus).

        :func:`~sim.model.mechanisms.hub_inclusive_value` of :meth:`cost`, computed from
        the tables (:func:`~sim.model.mechanisms.separable_hub_choice`).
        """
        return self._rail(scale, nest_scale)[1][0]

    def probabilities(self, scale: float, nest_scale: float) -> np.ndarray:
        """Each cell's hub-choice probabilities over the options (no loyalty bonus).

        :func:`~sim.model.mechanisms.hub_choice_probabilities` of :meth:`cost`, from the
        tables: within the rail nest a platform's share is its factor product over the
        nest's sum, times the rail nest's share; the sea takes the rest.
        """
        sums, (_, rail_share, sea_share), direct = self._rail(scale, nest_scale)
        r, o = self.route_row, self.origin_row
        within = sums.route_factor.take(r, axis=0) * sums.origin_factor.take(o, axis=0)
        total = sums.sums[r, o]
        # rows near underflow were priced directly (see _rail) and are replaced below
        ok = total >= TINY
        weight = np.divide(rail_share, total, out=np.zeros_like(total), where=ok)
        within *= weight[:, None]
        probs = np.concatenate([within, sea_share[:, None]], axis=1)
        if direct is not None:
            probs[direct[0]] = direct[1]
        return probs
