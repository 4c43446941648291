"""Built-in data: provinces, partners, crossings, routes, ports, platforms, cities, exports.

The tables are built by ``python -m sim.data.build`` from the package's copies of the
public sources in ``sim/data/sources/`` plus labelled assumptions; every row keeps a
``status`` and a ``source`` column (see ``sim/data/README.md``).
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

REGIONS = (
    "Western Europe",
    "Eastern Europe",
    "Central Asia",
    "Caucasus",
    "Middle East",
    "South Asia",
    "Southeast Asia",
    "Northeast Asia",
)
CORRIDORS = ("west", "central", "east", "land_sea", "china_laos")
RISK_CLASSES = ("A or better", "BBB", "BB", "B", "CCC or worse")

DESCRIPTIONS = {
    "provinces": "29 provinces: GDP and R&D 2020, hub city and coordinates, coastal, "
    "border corridor, research stock index",
    "partners": "33 partner countries: region, sovereign rating, risk class 0-4, "
    "approximate capital coordinates",
    "crossings": "rail border crossings and land-sea exit: corridor, coordinates, trains in 2020",
    "routes": "rail corridor x region reached: rail transit days and haul cost factor",
    "sea_routes": "sea route from Chinese coastal ports to each region: days and cost factor",
    "ports": "coastal seaports the sea route leaves from, with coordinates",
    "platforms": "potential rail freight platforms (hub city x corridor): crossing, "
    "initially open, 2020 assembly centre",
    "city_platforms": "potential rail freight platforms of every origin city of cities.csv "
    "(city x corridor): crossing, initially open, 2020 assembly centre",
    "cities": "Chinese cities that ran China-Europe (or Central Asia, land-sea, China-Laos) "
    "trains by 2021: province, coordinates, first train year, corridors",
    "partner_exports": "China's exports to each partner country 2015-2021, USD bn, found "
    "figures or labelled assumptions",
}

_BOOL_COLUMNS = ("coastal", "initially_open", "assembly_centre_2020", "modelled_province")
_INT_COLUMNS = ("risk_class", "year")
_NULLABLE_INT_COLUMNS = ("trains_2020", "first_train_year")
_FLOAT_COLUMNS = (
    "gdp_2020_100m_yuan",
    "rd_2020_100m_yuan",
    "rd_intensity_2020_pct",
    "hub_lon",
    "hub_lat",
    "research_stock",
    "lon",
    "lat",
    "rail_days",
    "haul_factor",
    "sea_days",
    "sea_cost_factor",
    "china_exports_usd_bn",
)


@functools.cache
def _read(name: str) -> pd.DataFrame:
    """Read one built table from the package, with typed columns."""
    with resources.files(__name__).joinpath(f"{name}.csv").open(encoding="utf-8") as f:
        df = pd.read_csv(f, keep_default_na=False, na_values=[""])
    for col in df.columns:
        if col in _BOOL_COLUMNS:
            df[col] = df[col].astype(str).str.lower() == "true"
        elif col in _INT_COLUMNS:
            df[col] = df[col].astype(int)
        elif col in _NULLABLE_INT_COLUMNS:
            df[col] = df[col].astype("Int64")
        elif col in _FLOAT_COLUMNS:
            df[col] = df[col].astype(float)
        else:
            df[col] = df[col].fillna("").astype(str)
    return df


def load_provinces() -> pd.DataFrame:
    """Return the provinces table (one row per province)."""
    return _read("provinces").copy()


def load_partners() -> pd.DataFrame:
    """Return the partner countries table with ratings and risk classes."""
    return _read("partners").copy()


def load_crossings() -> pd.DataFrame:
    """Return the rail border crossings table."""
    return _read("crossings").copy()


def load_routes() -> pd.DataFrame:
    """Return the rail routes table (corridor x region)."""
    return _read("routes").copy()


def load_sea_routes() -> pd.DataFrame:
    """Return the sea routes table (one row per region)."""
    return _read("sea_routes").copy()


def load_ports() -> pd.DataFrame:
    """Return the coastal seaports table."""
    return _read("ports").copy()


def load_platforms() -> pd.DataFrame:
    """Return the potential platforms table (hub city x corridor)."""
    return _read("platforms").copy()


def load_city_platforms() -> pd.DataFrame:
    """Return the potential platforms of every origin city (city x corridor)."""
    return _read("city_platforms").copy()


def load_cities() -> pd.DataFrame:
    """Return the cities table (one row per city that ran trains by 2021)."""
    return _read("cities").copy()


def load_partner_exports() -> pd.DataFrame:
    """Return China's exports to each partner, one row per partner and year 2015-2021."""
    return _read("partner_exports").copy()


def source_table() -> pd.DataFrame:
    """Return every built table with its file, row count and a one-line description."""
    rows = [
        {"table": n, "file": f"sim/data/{n}.csv", "rows": len(_read(n)), "description": d}
        for n, d in DESCRIPTIONS.items()
    ]
    return pd.DataFrame(rows)
