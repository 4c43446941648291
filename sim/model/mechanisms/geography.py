"""Geography: distances on the globe (defined in :mod:`sim.data.geography`, the lowest layer)."""

from __future__ import annotations

from sim.data.geography import EARTH_RADIUS_KM, haversine_km

__all__ = ["EARTH_RADIUS_KM", "haversine_km"]
