"""The built-in data tables: reproducible from their sources, labelled, consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim import data
from sim.data import build

DATA = Path(data.__file__).resolve().parent
TABLES = tuple(build.COLUMNS)
STATUSES = {"verified", "secondary", "derived", "assumption", "approximate"}


@pytest.fixture(scope="module")
def fresh() -> dict[str, pd.DataFrame]:
    return build.build_tables()


def test_every_table_is_committed():
    committed = {p.stem for p in DATA.glob("*.csv")}
    assert committed == set(TABLES)
    assert set(data.DESCRIPTIONS) == set(TABLES)


@pytest.mark.parametrize("name", TABLES)
def test_committed_table_equals_fresh_build(name, fresh, tmp_path):
    build.write_tables({name: fresh[name]}, tmp_path)
    rebuilt = (tmp_path / f"{name}.csv").read_bytes()
    committed = (DATA / f"{name}.csv").read_bytes()
    assert rebuilt == committed, f"sim/data/{name}.csv is stale: run python -m sim.data.build"


@pytest.mark.parametrize("name", TABLES)
def test_rows_have_status_and_source(name):
    df = getattr(data, f"load_{name}")()
    assert len(df) > 0
    assert list(df.columns) == build.COLUMNS[name]
    for col in ("status", "source"):
        empty = df[col].astype(str).str.strip() == ""
        assert not empty.any(), f"{name}: rows {list(df.index[empty])} have no {col}"
    unknown = set(df["status"]) - STATUSES
    assert not unknown, f"{name}: unknown status {unknown}"


def test_source_table_counts_rows():
    table = data.source_table().set_index("table")
    for name in TABLES:
        assert table.loc[name, "rows"] == len(getattr(data, f"load_{name}")())


def test_keys_are_unique():
    assert data.load_provinces()["province"].is_unique
    assert data.load_partners()["country"].is_unique
    assert data.load_platforms()["platform"].is_unique
    assert data.load_crossings()["crossing"].is_unique
    assert data.load_ports()["port"].is_unique
    assert data.load_sea_routes()["region"].is_unique
    assert not data.load_routes().duplicated(["corridor", "region"]).any()
    assert data.load_cities()["city"].is_unique


def test_platforms_refer_to_known_things():
    platforms = data.load_platforms()
    provinces = set(data.load_provinces()["province"])
    missing = set(platforms["province"]) - provinces
    assert not missing, f"platforms of unknown provinces: {missing}"
    assert set(platforms["corridor"]) <= set(data.CORRIDORS)
    assert set(platforms["crossing"]) <= set(data.load_crossings()["crossing"]) | {""}
    # a platform sits at its province's hub city
    hub = data.load_provinces().set_index("province")
    for r in platforms.itertuples():
        assert r.city == hub.loc[r.province, "hub_city"], r.platform
        assert (r.lon, r.lat) == (hub.loc[r.province, "hub_lon"], hub.loc[r.province, "hub_lat"])
    assert platforms["initially_open"].any()


def test_routes_and_regions():
    routes = data.load_routes()
    assert set(routes["corridor"]) <= set(data.CORRIDORS)
    assert set(routes["region"]) <= set(data.REGIONS)
    assert set(data.load_sea_routes()["region"]) == set(data.REGIONS)  # the sea reaches all
    assert set(data.load_partners()["region"]) <= set(data.REGIONS)
    assert (routes["haul_factor"] > 0).all() and (routes["rail_days"] > 0).all()
    # every corridor that has platforms reaches some region
    assert set(data.load_platforms()["corridor"]) <= set(routes["corridor"])


def hand_risk_class(rating: str) -> int:
    """0: A- or better, 1: BBB, 2: BB, 3: B, 4: CCC+ or worse (CC, C, SD, D)."""
    letters = re.fullmatch(r"([A-Z]+)[+-]?", rating)
    assert letters, rating
    grade = letters.group(1)
    if grade in ("AAA", "AA", "A"):
        return 0
    return {"BBB": 1, "BB": 2, "B": 3}.get(grade, 4)


def test_partner_risk_classes():
    partners = data.load_partners()
    assert partners["risk_class"].between(0, len(data.RISK_CLASSES) - 1).all()
    for r in partners.itertuples():
        assert r.risk_class == hand_risk_class(r.rating), (r.country, r.rating)
    assert set(partners["rating_agency"]) <= {"S&P", "Fitch", "Moody's"}
    # every risk class is represented, so every by-risk-class parameter acts
    assert set(partners["risk_class"]) == set(range(5))


@pytest.mark.parametrize(
    ("rating", "expected"),
    [("AAA", 0), ("A-", 0), ("BBB+", 1), ("BBB-", 1), ("BB+", 2), ("B-", 3), ("CCC+", 4),
     ("CC", 4), ("SD", 4)],
)  # fmt: skip
def test_rating_mapping(rating, expected):
    assert build.risk_class(rating) == expected
    assert hand_risk_class(rating) == expected


def test_coordinates_are_in_range():
    for name in ("provinces", "partners", "crossings", "ports", "platforms"):
        df = getattr(data, f"load_{name}")()
        lon, lat = ("hub_lon", "hub_lat") if name == "provinces" else ("lon", "lat")
        assert df[lon].between(-180, 180).all() and df[lat].between(-90, 90).all(), name
    # Chinese provinces and ports lie within China's bounding box
    prov = data.load_provinces()
    assert prov["hub_lon"].between(73, 135).all() and prov["hub_lat"].between(18, 54).all()


def test_default_provinces_exist():
    from sim.scenario.schema import Scenario

    known = set(data.load_provinces()["province"])
    assert set(Scenario().run.provinces) <= known


FOUND = {"verified", "secondary", "derived"}
CHINA_BOX = {"lon": (73, 135), "lat": (18, 54)}


def test_cities_table():
    cities = data.load_cities()
    assert len(cities) >= 60
    assert cities["city"].is_unique
    # every city's province is one of the 29 modelled, and the flag says so
    provinces = set(data.load_provinces()["province"])
    assert (cities["modelled_province"] == cities["province"].isin(provinces)).all()
    assert cities["modelled_province"].all(), set(cities["province"]) - provinces
    for col, (lo, hi) in CHINA_BOX.items():
        outside = cities[~cities[col].between(lo, hi)]
        assert outside.empty, f"{col} outside China's box: {list(outside['city'])}"
    years = cities["first_train_year"].dropna()
    assert years.between(2011, 2021).all()  # the first train left Chongqing in 2011
    assert (cities["status"] != "assumption").all()  # a city is in the table on a source
    assert cities["source"].str.contains("coordinates: ").all()


def test_city_corridors_say_how_known():
    for r in data.load_cities().itertuples():
        corridors = r.corridors.split(";")
        assert set(corridors) <= set(data.CORRIDORS), r.city
        basis = dict(part.split(":") for part in r.corridor_basis.split(";"))
        assert list(basis) == corridors, r.city
        assert set(basis.values()) <= FOUND | {"assumption"}, r.city


def test_partner_exports_cover_every_partner_and_year():
    exports = data.load_partner_exports()
    partners = set(data.load_partners()["country"])
    assert set(exports["partner"]) == partners
    assert not exports.duplicated(["partner", "year"]).any()
    for partner, years in exports.groupby("partner")["year"]:
        assert sorted(years) == list(range(2015, 2022)), partner
    assert (exports["china_exports_usd_bn"] > 0).all()
    assumed = exports[exports["status"] == "assumption"]
    assert assumed["source"].str.startswith("assumption: ").all()
    found = exports[exports["status"] != "assumption"]
    assert set(found["status"]) <= FOUND


def found_share(year: int) -> float:
    """Share of the year's total value (all partners) carried by found figures."""
    exports = data.load_partner_exports()
    rows = exports[exports["year"] == year]
    found = rows[rows["status"].isin(FOUND)]
    return found["china_exports_usd_bn"].sum() / rows["china_exports_usd_bn"].sum()


@pytest.mark.xfail(
    strict=True,
    reason="requirement not yet met: found figures cover 36% of the 2020 value (Germany, "
    "Vietnam, Netherlands, Malaysia are proxies, 18 partners gravity fills); "
    "see sim/data/README.md",
)
def test_found_exports_cover_90_percent_of_2020():
    assert found_share(2020) >= 0.9


def test_found_share_2020_is_as_documented():
    # sim/data/README.md states the coverage; keep the statement true
    assert found_share(2020) == pytest.approx(0.364, abs=0.005)


def test_every_assumption_says_how_it_was_filled():
    exports = data.load_partner_exports()
    assumed = exports[exports["status"] == "assumption"]
    rules = ("proxy", "gravity", "interpolation", "held flat")
    for r in assumed.itertuples():
        assert any(rule in r.source for rule in rules), (r.partner, r.year, r.source)
        assert "placeholder" not in r.source, (r.partner, r.year)
    for r in exports.itertuples():
        assert isinstance(r.source, str) and r.source.strip(), (r.partner, r.year)
        assert r.status in FOUND | {"assumption"}, (r.partner, r.year)


def test_gravity_fill_rule():
    from sim.data import build_public

    exports = data.load_partner_exports().set_index(["partner", "year"])
    grav = [p for (p, y), r in exports.iterrows() if y == 2020 and "gravity" in r["source"]]
    assert len(grav) == 18
    # gravity partners are held flat at their 2020 anchor
    for p in grav:
        values = exports.loc[p]["china_exports_usd_bn"]
        assert values.nunique() == 1, p
    assert build_public.GRAVITY_YEAR == 2020


def test_fill_series_rule():
    from sim.data.build_public import PLACEHOLDER_USD_BN, fill_series

    filled = fill_series({2016: (10.0, "a"), 2018: (40.0, "b")})
    assert filled[2015][0] == 10.0 and filled[2021][0] == 40.0  # flat outside the anchors
    assert filled[2017][0] == pytest.approx(20.0)  # log-linear between them
    assert all(v == PLACEHOLDER_USD_BN for v, _ in fill_series({}).values())
