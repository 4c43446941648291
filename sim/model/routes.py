"""The route network: reach, haul, days and inland distances, and what each option costs.

:class:`RouteNetwork` is the part of :class:`~sim.model.model.BRIModel` that builds the
static matrices of every (platform, partner) route and prices the options a
(province, partner, sector) cell can ship by (mechanisms 2 and 4).
"""

from __future__ import annotations

import numpy as np

from sim import data
from sim.model import mechanisms as mech
from sim.model.pricing import CellPrices
from sim.scenario.fields import SECTORS


class RouteNetwork:
    """Static route matrices and the generalized cost of every option (a model mixin).

    Reads the model's partners, provinces, platforms, scenario (``p``) and sector arrays.
    """

    def _build_geography(self) -> None:
        """Static matrices: reach, haul, days and inland distances of every option."""
        routes = data.load_routes()
        sea = data.load_sea_routes().set_index("region").loc[list(data.REGIONS)]
        ports = data.load_ports()
        n_pl, n_c = len(self.platforms), len(self.partners)
        region = self.partner_region
        self.reach = np.zeros((n_pl, n_c), dtype=bool)
        self.haul = np.ones((n_pl, n_c))
        self.rail_days = np.zeros((n_pl, n_c))
        table = {(r.corridor, r.region): r for r in routes.itertuples()}
        for i, pl in enumerate(self.platforms):
            for j, c in enumerate(self.partners):
                r = table.get((pl.corridor, c.region))
                if r is not None:
                    self.reach[i, j] = True
                    self.haul[i, j] = r.haul_factor
                    self.rail_days[i, j] = r.rail_days
        self.region_reach = np.zeros((n_pl, len(data.REGIONS)), dtype=bool)
        np.logical_or.at(self.region_reach, (slice(None), region), self.reach)
        self.region_volume = np.zeros((n_pl, len(data.REGIONS)))
        self.sea_days = sea["sea_days"].to_numpy()[region]
        self.sea_factor = sea["sea_cost_factor"].to_numpy()[region]
        lon = np.array([pr.lon for pr in self.provinces])[:, None]
        lat = np.array([pr.lat for pr in self.provinces])[:, None]
        pl_lon = np.array([pl.lon for pl in self.platforms])[None, :]
        pl_lat = np.array([pl.lat for pl in self.platforms])[None, :]
        self.inland_km = mech.haversine_km(lon, lat, pl_lon, pl_lat)
        port_km = mech.haversine_km(
            lon, lat, ports["lon"].to_numpy()[None, :], ports["lat"].to_numpy()[None, :]
        )
        self.port_km = port_km.min(axis=1)
        self._build_crossings()
        self.extra_leg_km = self._extra_leg_km()
        self.border_platform = np.array([pl.province.is_border for pl in self.platforms])
        self.platform_owner = np.array([pl.owner.index for pl in self.platforms])
        self.closed_corridors: dict[str, int] = {}

    def _extra_leg_km(self) -> np.ndarray:
        """Route km of each platform's Chinese leg to its crossing beyond its corridor's best.

        Great-circle distance from the hub city to the border crossing it uses, times the
        route factor, less the shortest such leg among the model's platforms on the same
        corridor (the routes table's days and haul describe that best-placed hub).
        """
        crossings = data.load_crossings()
        listed = self.listed_crossing  # each platform's crossing, as a row of that table
        lon = crossings["lon"].to_numpy(dtype=float)[listed]
        lat = crossings["lat"].to_numpy(dtype=float)[listed]
        own_lon = np.array([pl.lon for pl in self.platforms])
        own_lat = np.array([pl.lat for pl in self.platforms])
        km = mech.haversine_km(own_lon, own_lat, lon, lat) * self.p.freight.route_factor
        return self._beyond_corridor_best(km)

    def _beyond_corridor_best(self, km: np.ndarray) -> np.ndarray:
        """Each platform's ``km`` less the smallest among its corridor's platforms."""
        corridor = self.platform_corridor
        best = {k: km[corridor == k].min() for k in set(corridor.tolist())}
        return km - np.array([best[k] for k in corridor])

    def _build_crossings(self) -> None:
        """Each platform's route km to the junction abroad through each crossing it may use.

        ``via_km[p, k]``: great-circle km from platform ``p``'s hub to crossing ``k`` plus
        the crossing's ``onward_km`` (to where its corridor's routes rejoin), times the
        route factor; ``inf`` where ``k`` is not on ``p``'s corridor. The crossings'
        trains of last quarter (``crossing_trains``) start at zero.
        """
        table = data.load_crossings()
        self.crossing_list = table["crossing"].tolist()
        index = {name: k for k, name in enumerate(self.crossing_list)}
        self.listed_crossing = np.array([index[pl.crossing] for pl in self.platforms])
        corridor = table["corridor"].to_numpy()
        own = np.array([pl.corridor for pl in self.platforms])
        km = mech.haversine_km(
            np.array([pl.lon for pl in self.platforms])[:, None],
            np.array([pl.lat for pl in self.platforms])[:, None],
            table["lon"].to_numpy(dtype=float)[None, :],
            table["lat"].to_numpy(dtype=float)[None, :],
        )
        km = (km + table["onward_km"].to_numpy(dtype=float)[None, :]) * self.p.freight.route_factor
        self.via_km = np.where(own[:, None] == corridor[None, :], km, np.inf)
        self.platform_corridor = own
        self.crossing_trains = np.zeros(len(self.crossing_list))
        self.crossing_delay = np.zeros(len(self.crossing_list))
        self.platform_delay = np.zeros(len(self.platforms))
        self.crossing_split = np.eye(len(self.crossing_list))[self.listed_crossing]

    def update_crossings(self) -> None:
        """This quarter's delay at each crossing and each platform's split across them.

        The delay follows last quarter's trains (:func:`~sim.model.mechanisms.crossing_delay`);
        with ``freight.crossing_choice = "logit"`` the split is
        :func:`~sim.model.mechanisms.crossing_shares` and each platform's extra Chinese
        leg is its split's mean route km beyond the corridor's best; a platform's delay is
        its split's mean delay.
        """
        f = self.p.freight
        self.crossing_delay = mech.crossing_delay(
            self.crossing_trains, f.crossing_capacity, congestion=f.crossing_congestion
        )
        if f.crossing_choice == "logit":
            day_value = float(self.sector_shares @ self.vot)
            self.crossing_split = mech.crossing_shares(
                self.via_km,
                self.crossing_delay,
                km_cost=f.crossing_km_cost,
                day_value=day_value,
                scale=f.crossing_scale,
            )
            km = (self.crossing_split * np.where(np.isfinite(self.via_km), self.via_km, 0.0)).sum(1)
            self.extra_leg_km = self._beyond_corridor_best(km)
        self.platform_delay = self.crossing_split @ self.crossing_delay

    def leg_costs(self) -> np.ndarray:
        """Generalized cost (USD per FEU) of each sector's extra Chinese leg at each platform.

        ``freight.domestic_rail_cost`` per km plus ``freight.domestic_rail_days`` per 1,000
        km at the sector's value of time, over :meth:`_extra_leg_km`; sectors x platforms.
        """
        f = self.p.freight
        km = self.extra_leg_km[None, :]
        days = f.domestic_rail_days * km / 1e3 + self.platform_delay[None, :]
        return f.domestic_rail_cost * km + self.vot[:, None] * days

    def usable_options(self) -> np.ndarray:
        """Options on offer this step: running platforms off closed corridors, then the sea."""
        usable = self.platform_table.is_open & ~self.on_closed_corridor()
        return np.append(np.flatnonzero(usable), self.sea)

    def price_cells(self, cells: np.ndarray, options: np.ndarray) -> CellPrices:
        """This step's prices of ``options`` for ``cells``, as two small tables.

        Rail: price times haul, days in transit, the extra Chinese leg (:meth:`leg_costs`)
        and, weighted by ``freight.wait_weight``, the expected wait for a departure
        (:meth:`wait_days`), at the sector's value of time, by (sector, country) and
        platform; plus the inland haul to the hub (less feeder and hinterland discounts,
        :meth:`inland_costs`) by province and platform. A platform is available when it
        runs off closed corridors and reaches the cell's country; unavailable options cost
        ``inf``. Sea (always available): see :meth:`sea_costs`. ``cells`` are indices of
        (province, country, sector) cells, ``options`` platform indices with ``sea`` last
        (:class:`~sim.model.pricing.CellPrices`).
        """
        n_c, n_s = len(self.partners), len(SECTORS)
        j, rest = np.divmod(cells, n_c * n_s)
        c, s = np.divmod(rest, n_s)
        plats = options[options != self.sea]
        usable = np.zeros(self.sea, dtype=bool)
        usable[self.usable_options()[:-1]] = True
        f = self.p.freight
        reach = self.reach[plats].T & usable[plats]  # countries x platforms
        hauled = np.where(reach, self.posted_prices()[plats] * self.haul[plats].T, np.inf)
        in_transit = self.vot[:, None, None] * self.rail_days[plats].T * f.rail_days_factor
        by_route = hauled[None, :, :] + in_transit  # sectors x countries x platforms
        if f.domestic_rail_cost > 0 or f.domestic_rail_days > 0 or f.crossing_congestion > 0:
            by_route += self.leg_costs()[:, plats][:, None, :]
        if f.wait_weight > 0:
            if f.wait_by == "destination":
                wait = self.service_wait()[plats].T  # countries x platforms
                by_route += f.wait_weight * self.vot[:, None, None] * wait[None, :, :]
            else:
                wait = self.wait_days()[plats]
                by_route += (f.wait_weight * self.vot[:, None] * wait)[:, None, :]
        return CellPrices(
            occupied=cells,
            options=options,
            by_route=by_route.reshape(n_s * n_c, plats.size),
            by_origin=self.inland_costs()[:, plats],
            route_row=s * n_c + c,
            origin_row=j,
            country=c,
            sea=self.sea_costs()[cells],
            reach=reach,
        )

    def generalized_cost(
        self, cells: np.ndarray, options: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Generalized cost (USD per FEU) of ``options`` for ``cells``, and availability.

        The full matrices of :meth:`price_cells`: rows follow ``cells``, columns
        ``options`` (platform indices, ``sea`` last); unavailable options cost ``inf``.
        """
        prices = self.price_cells(cells, options)
        return prices.cost(), prices.available()

    def wait_days(self) -> np.ndarray:
        """Expected wait (days) for each platform's next departure: half its headway.

        :func:`~sim.model.mechanisms.frequency_wait_days` of the trains it ran last
        quarter, or of its scheduled target when it has not run yet (per platform:
        :meth:`Platform.expected_wait <sim.model.agents.Platform.expected_wait>`).
        """
        t = self.platform_table
        return mech.frequency_wait_days(np.where(t.trains > 0, t.trains, t.target))

    def service_wait(self) -> np.ndarray:
        """Expected wait (days) at each platform for each partner: platforms x partners.

        With ``freight.wait_by = "platform"``, every partner gets the platform's
        :meth:`wait_days`. With ``"destination"``, the wait is half the headway of the
        platform's trains to the partner's region
        (:func:`~sim.model.mechanisms.destination_trains` of last quarter's trains and cargo
        by region); a platform that carried no cargo yet splits its scheduled target evenly
        over the regions it reaches.
        """
        if self.p.freight.wait_by != "destination":
            return np.broadcast_to(self.wait_days()[:, None], self.reach.shape).copy()
        t = self.platform_table
        volume = self.region_volume
        fresh = volume.sum(axis=1) <= 0
        if fresh.any():  # no cargo yet: the target, evenly over the regions reached
            reached = self.region_reach.astype(float)
            volume = np.where(fresh[:, None], reached, volume)
        timetable = np.where(t.trains > 0, t.trains, t.target)
        by_region = mech.destination_trains(timetable, volume)
        return mech.frequency_wait_days(by_region)[:, self.partner_region]

    def inland_costs(self) -> np.ndarray:
        """Inland haul (USD per FEU) from each province to each platform, less discounts.

        National assembly centres cut every province's haul to them; coordination feeders
        cut members' haul to designated hubs; the hinterland policy cuts its provinces' haul
        to border provinces' platforms (the largest cut applies).
        """
        f = self.p.freight
        discount = np.zeros_like(self.inland_km)
        centres = self.p.policy.assembly_centres
        if centres.enabled:
            centre = self.assembly_centres()
            discount[:, centre] = centres.feeder_discount
        coord = self.p.policy.coordination
        if coord.designated_hubs.enabled:
            member = np.array([pr.member for pr in self.provinces])
            cut = np.where(self.designated_platforms(), coord.designated_hubs.feeder_discount, 0.0)
            discount[member] = np.maximum(discount[member], cut[None, :])
        hinter = self.p.policy.hinterland
        if hinter.provinces and hinter.border_discount > 0:
            rows = np.array([pr.name in hinter.provinces for pr in self.provinces])
            cut = np.where(self.border_platform, hinter.border_discount, 0.0)
            discount[rows] = np.maximum(discount[rows], cut[None, :])
        return f.inland_cost * f.route_factor * self.inland_km * (1.0 - discount)  # J x P

    def sea_costs(self) -> np.ndarray:
        """Generalized cost (USD per FEU) of the sea route for every cell.

        Sea freight, inland haul to the nearest port and sea days at the sector's value
        of time.
        """
        f = self.p.freight
        sea = (
            f.sea_cost * self.sea_factor[None, :, None]
            + (f.inland_cost * f.route_factor * self.port_km)[:, None, None]
            + self.vot[None, None, :] * self.sea_days[None, :, None]
        )
        return sea.reshape(-1)

    def occupied_cells(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cells some enterprise is in (sorted), and each enterprise's row among them."""
        n_cells = len(self.provinces) * len(self.partners) * len(SECTORS)
        present = np.bincount(cells, minlength=n_cells) > 0
        return np.flatnonzero(present), (np.cumsum(present) - 1)[cells]

    def _reference_delivered(self, sea_cost: np.ndarray) -> np.ndarray:
        """Reference delivered price per FEU of each cell: goods plus base friction, by sea.

        Exports respond to the delivered price against this reference, which therefore
        depends on no policy.
        """
        n_j, n_c, n_s = len(self.provinces), len(self.partners), len(SECTORS)
        base_friction = np.asarray(self.p.partners.friction)[self.risk_class]
        value = np.broadcast_to(self.cargo_value[None, None, :], (n_j, n_c, n_s)).reshape(-1)
        fric = np.broadcast_to(base_friction[None, :, None], (n_j, n_c, n_s)).reshape(-1)
        return value * 1e6 * (1 + fric) + sea_cost
