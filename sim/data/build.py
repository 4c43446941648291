"""Build the model tables ``sim/data/*.csv`` from ``sim/data/sources/`` and assumptions.

Run ``python -m sim.data.build``. Figures come from the source CSVs; everything else is
an assumption table below, labelled so in each row's ``status`` and ``source``. Output
is deterministic (sorted rows, fixed float format) so a test can compare the committed
tables with a fresh build.

Over 400 lines: one short builder per table, and the assumption tables written out row by
row so that each assumed figure is read where it is stated.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data import CORRIDORS, REGIONS
from sim.data.build_public import cities, partner_exports
from sim.data.geography import haversine_km

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
FLOAT_FORMAT = "%.10g"
APPROX = "approximate, rounded to 0.5 degree, for maps and haul distance only"

COLUMNS = {
    "provinces": [
        "province", "gdp_2020_100m_yuan", "rd_2020_100m_yuan", "rd_intensity_2020_pct",
        "hub_city", "hub_lon", "hub_lat", "coastal", "border_corridor", "research_stock",
        "status", "source",
    ],
    "partners": [
        "country", "region", "rating", "rating_agency", "risk_class", "lon", "lat",
        "status", "source",
    ],
    "crossings": [
        "crossing", "corridor", "partner_side", "lon", "lat", "trains_2020", "onward_km",
        "status", "source",
    ],
    "routes": ["corridor", "region", "rail_days", "haul_factor", "status", "source"],
    "sea_routes": ["region", "sea_days", "sea_cost_factor", "status", "source"],
    "ports": ["port", "province", "lon", "lat", "status", "source"],
    "platforms": [
        "platform", "city", "province", "corridor", "crossing", "lon", "lat",
        "initially_open", "assembly_centre_2020", "status", "source",
    ],
    "city_platforms": [
        "platform", "city", "province", "corridor", "crossing", "lon", "lat",
        "initially_open", "assembly_centre_2020", "status", "source",
    ],
    "cities": [
        "city", "province", "lon", "lat", "first_train_year", "corridors", "corridor_basis",
        "modelled_province", "status", "source",
    ],
    "partner_exports": ["partner", "year", "china_exports_usd_bn", "status", "source"],
}  # fmt: skip

# ---------------------------------------------------------------------------------
# Assumption tables (ours, for the model). Each is labelled "assumption" in the rows.
# ---------------------------------------------------------------------------------

# Provinces with a major seaport, from geography (Hainan is not among the 29).
COASTAL = {
    "Liaoning", "Hebei", "Tianjin", "Shandong", "Jiangsu", "Shanghai", "Zhejiang",
    "Fujian", "Guangdong", "Guangxi",
}  # fmt: skip

# Border provinces whose hub sits on a corridor to the border crossing (geography).
BORDER_CORRIDOR = {
    "Xinjiang": "west",
    "Inner Mongolia": "central",
    "Heilongjiang": "east",
    "Yunnan": "china_laos",
    "Guangxi": "land_sea",
}

# Index of defence/state research stock available for conversion to civil use. Only
# Sichuan's rank has facts behind it (sichuan_facts.csv); the scale itself is ours.
RESEARCH_STOCK = {"Sichuan": 1.0, "Shaanxi": 0.8}
RESEARCH_STOCK_DEFAULT = 0.2

# Capital cities, well-known public coordinates (lon, lat), rounded to 0.5 degree in
# partners(); only used for maps and haul distance.
CAPITALS = {
    "Armenia": ("Yerevan", 44.51, 40.18),
    "Azerbaijan": ("Baku", 49.87, 40.41),
    "Bangladesh": ("Dhaka", 90.41, 23.81),
    "Belarus": ("Minsk", 27.57, 53.90),
    "Bulgaria": ("Sofia", 23.32, 42.70),
    "Cambodia": ("Phnom Penh", 104.92, 11.56),
    "Czechia": ("Prague", 14.44, 50.08),
    "Egypt": ("Cairo", 31.24, 30.04),
    "Georgia": ("Tbilisi", 44.79, 41.72),
    "Germany": ("Berlin", 13.40, 52.52),
    "Greece": ("Athens", 23.73, 37.98),
    "Hungary": ("Budapest", 19.04, 47.50),
    "India": ("New Delhi", 77.21, 28.61),
    "Indonesia": ("Jakarta", 106.85, -6.21),
    "Iraq": ("Baghdad", 44.36, 33.31),
    "Italy": ("Rome", 12.50, 41.90),
    "Jordan": ("Amman", 35.93, 31.95),
    "Kazakhstan": ("Astana", 71.45, 51.17),
    "Kyrgyzstan": ("Bishkek", 74.59, 42.87),
    "Laos": ("Vientiane", 102.63, 17.97),
    "Malaysia": ("Kuala Lumpur", 101.69, 3.14),
    "Mongolia": ("Ulaanbaatar", 106.92, 47.92),
    "Netherlands": ("Amsterdam", 4.90, 52.37),
    "Pakistan": ("Islamabad", 73.05, 33.68),
    "Poland": ("Warsaw", 21.01, 52.23),
    "Romania": ("Bucharest", 26.10, 44.43),
    "Serbia": ("Belgrade", 20.45, 44.79),
    "Sri Lanka": ("Sri Jayawardenepura Kotte", 79.92, 6.90),
    "Tajikistan": ("Dushanbe", 68.79, 38.56),
    "Turkey": ("Ankara", 32.86, 39.93),
    "Ukraine": ("Kyiv", 30.52, 50.45),
    "Uzbekistan": ("Tashkent", 69.24, 41.30),
    "Vietnam": ("Hanoi", 105.85, 21.03),
}

# Moody's letters mapped onto the S&P scale (the usual correspondence).
MOODYS_TO_SP = {
    "Aaa": "AAA", "Aa1": "AA+", "Aa2": "AA", "Aa3": "AA-", "A1": "A+", "A2": "A",
    "A3": "A-", "Baa1": "BBB+", "Baa2": "BBB", "Baa3": "BBB-", "Ba1": "BB+", "Ba2": "BB",
    "Ba3": "BB-", "B1": "B+", "B2": "B", "B3": "B-", "Caa1": "CCC+", "Caa2": "CCC",
    "Caa3": "CCC-", "Ca": "CC", "C": "C",
}  # fmt: skip

# Rail routes: (corridor, region, rail_days, haul_factor, status, why rail_days).
# rail_days = transit days from a Chinese inland hub. haul_factor = rail cost per
# container relative to China-Western Europe (1.0), our assumption scaled by distance.
WE_DAYS = (
    "rail_days 15: midpoint of corridor_facts.csv rail_days_china_germany 12-18 (2025, "
    "secondary), consistent with cr_express_facts.csv transit_days_rail minimum 12 "
    "(2021, verified); the row names no corridor, so the same figure serves west, "
    "central and east"
)
ROUTES = [
    ("west", "Central Asia", 6, 0.45, "assumption",
     "rail_days 6: assumption anchored on corridor_facts.csv hub_crossing_urumqi "
     "(Urumqi-Almaty 30 h via Khorgos) plus about 3 days from an inland hub"),
    ("west", "Caucasus", 10, 0.7, "assumption",
     "rail_days 10: assumption (via Kazakhstan and the Caspian), scaled by distance "
     "between Central Asia (6) and Western Europe (15, rail_days_china_germany 12-18)"),
    ("west", "Middle East", 12, 0.8, "assumption",
     "rail_days 12: assumption scaled by distance from Western Europe (15, "
     "rail_days_china_germany 12-18)"),
    ("west", "Eastern Europe", 12, 0.85, "assumption",
     "rail_days 12: assumption, about 3 days short of Western Europe (15, "
     "rail_days_china_germany 12-18); cf. transit_days_rail minimum 12 (2021)"),
    ("west", "Western Europe", 15, 1.0, "derived", WE_DAYS),
    ("central", "Northeast Asia", 4, 0.35, "assumption",
     "Mongolia via Erenhot; rail_days 4: assumption scaled by distance (Erenhot-"
     "Ulaanbaatar is short), anchored on rail_days_china_germany 12-18"),
    ("central", "Eastern Europe", 12, 0.85, "assumption",
     "rail_days 12: assumption, as on the west corridor (rail_days_china_germany "
     "12-18, transit_days_rail minimum 12)"),
    ("central", "Western Europe", 15, 1.0, "derived", WE_DAYS),
    ("east", "Eastern Europe", 12, 0.85, "assumption",
     "rail_days 12: assumption, as on the west corridor (rail_days_china_germany "
     "12-18, transit_days_rail minimum 12)"),
    ("east", "Western Europe", 15, 1.0, "derived", WE_DAYS),
    ("land_sea", "Southeast Asia", 8, 0.45, "assumption",
     "rail_days 8: corridor_facts.csv land_sea_days_chongqing_singapore (2018, "
     "verified: 2 days rail Chongqing-Qinzhou plus 6 days sea), Singapore standing "
     "for the region"),
    ("land_sea", "South Asia", 14, 0.6, "assumption",
     "rail_days 14: assumption, 2 days rail to Qinzhou (land_sea_days_chongqing_"
     "singapore) plus about 12 days sea"),
    ("china_laos", "Southeast Asia", 4, 0.4, "assumption",
     "rail_days 4: assumption anchored on corridor_facts.csv china_laos_hours_"
     "kunming_vientiane 30 (2021, verified), about 2 days to Laos, 4 for the region"),
]  # fmt: skip

# Sea route from Chinese coastal ports: (region, sea_days, sea_cost_factor, status,
# why). sea_cost_factor is relative to the China-Europe sea rate of 3,000 USD per FEU
# (cr_express_facts.csv sea_cost_per_feu_usd, 2018, secondary).
SEA_ROUTES = [
    ("Western Europe", 33, 1.0, "derived",
     "sea_days 33: midpoint of corridor_facts.csv sea_days_shanghai_hamburg 31-35 "
     "(secondary); sea_cost_factor 1.0 by definition: cr_express_facts.csv "
     "sea_cost_per_feu_usd 3,000 (2018, secondary)"),
    ("Eastern Europe", 35, 1.1, "assumption",
     "assumption: via North Sea/Baltic ports then a short land leg; scaled from "
     "Western Europe (sea_days_shanghai_hamburg 31-35)"),
    ("Central Asia", 40, 1.3, "assumption",
     "assumption: sea then a long land leg; scaled by distance"),
    ("Caucasus", 30, 0.95, "assumption",
     "assumption: via Suez to Black Sea ports; scaled by distance"),
    ("Middle East", 20, 0.7, "assumption", "assumption: scaled by distance"),
    ("South Asia", 14, 0.5, "assumption", "assumption: scaled by distance"),
    ("Southeast Asia", 7, 0.35, "assumption", "assumption: scaled by distance"),
    ("Northeast Asia", 12, 0.6, "assumption",
     "assumption: Mongolia via Tianjin port then land; scaled by distance"),
]  # fmt: skip

# Coastal seaports of the sea route: (port, province, where its coordinates come from).
PORTS = [
    ("Guangzhou", "Guangdong", "provinces"),
    ("Qinzhou", "Guangxi", "Qinzhou port"),
    ("Shanghai", "Shanghai", "provinces"),
    ("Tianjin", "Tianjin", "provinces"),
    ("Xiamen", "Fujian", "provinces"),
]

# Corridors a province's hub can plausibly serve, by geography (assumption).
WESTERN_INLAND = [
    "Xinjiang", "Gansu", "Qinghai", "Ningxia", "Shaanxi", "Sichuan", "Chongqing", "Henan",
    "Hubei", "Hunan", "Anhui", "Jiangxi", "Guizhou", "Yunnan", "Shanxi",
]  # fmt: skip
# Eastern provinces that ran westbound trains.
EASTERN_WESTBOUND = [
    "Zhejiang", "Jiangsu", "Shandong", "Guangdong", "Fujian", "Hebei", "Beijing", "Tianjin",
    "Shanghai",
]  # fmt: skip
REACH = {
    "west": WESTERN_INLAND + EASTERN_WESTBOUND,
    "central": ["Inner Mongolia", "Henan", "Shanxi", "Hebei", "Beijing", "Tianjin",
                "Shandong"],
    "east": ["Heilongjiang", "Jilin", "Liaoning", "Jiangsu", "Zhejiang", "Shandong",
             "Shanghai", "Beijing", "Tianjin"],
    "land_sea": ["Chongqing", "Sichuan", "Guizhou", "Guangxi", "Yunnan", "Gansu",
                 "Hunan"],
    "china_laos": ["Yunnan", "Sichuan", "Chongqing", "Guangxi"],
}  # fmt: skip
CROSSING = {
    "west": "Alashankou",
    "central": "Erenhot",
    "east": "Manzhouli",
    "land_sea": "Qinzhou port",
    "china_laos": "Boten (opposite Mohan)",
}
CROSSING_BY_HUB = {("Urumqi", "west"): "Khorgos", ("Harbin", "east"): "Suifenhe"}
# Where a corridor's routes through its crossings rejoin abroad, for the crossing choice
# (assumption: approximate coordinates of the railway junction, to 0.1 degree). West:
# Aktogay, where the Dostyk (Alashankou) line meets the line towards Almaty and Khorgos;
# east: Karymskaya on the Trans-Siberian, which Zabaikalsk (Manzhouli) trains join near
# Chita and Grodekovo (Suifenhe) trains reach only by way of Ussuriysk and Khabarovsk.
# Corridors with one crossing need none (onward_km 0).
JUNCTIONS = {"west": ("Aktogay", 79.7, 47.0), "east": ("Karymskaya", 114.4, 51.6)}
# Crossing labels in border_crossings.csv renamed to the model's corridor ids.
CORRIDOR_IDS = {"china_laos_railway": "china_laos", "land_sea_corridor": "land_sea"}
# Cities named in cr_express_facts.csv rows (checked against the row text below).
TOP5_HUBS = ("Chengdu", "Chongqing", "Xi'an", "Zhengzhou", "Wuhan")
ASSEMBLY_CENTRES = ("Zhengzhou", "Chongqing", "Chengdu", "Xi'an", "Urumqi")


def read_source(name: str) -> pd.DataFrame:
    """Read one source CSV from sim/data/sources/."""
    return pd.read_csv(SOURCES / f"{name}.csv", keep_default_na=False, na_values=[""])


def fact(df: pd.DataFrame, name: str) -> pd.Series:
    """Return the single row of a facts table whose fact column equals name."""
    rows = df[df["fact"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


def half_degree(x: float) -> float:
    """Round a coordinate to the nearest 0.5 degree."""
    return math.floor(x * 2 + 0.5) / 2


def provinces() -> pd.DataFrame:
    """Build provinces.csv: provinces_2020 joined with province_rd_2020 plus assumptions."""
    gdp = read_source("provinces_2020")
    rd = read_source("province_rd_2020")
    df = gdp.merge(rd, on="province", how="left", suffixes=("", "_rd"), validate="1:1")
    assert df["rd_2020_100m_yuan"].notna().all()
    sich = read_source("sichuan_facts")
    sich_cited = "; ".join(f"{r.fact} = {r.value} ({r.year})" for r in sich.itertuples())
    stock_note = {
        "Sichuan": f"1.0 is the index top, justified by sichuan_facts.csv rows "
        f"({sich_cited}); the scale is ours",
        "Shaanxi": "0.8 is an assumption (ours; no source row)",
    }
    df["coastal"] = df["province"].isin(COASTAL)
    df["border_corridor"] = df["province"].map(BORDER_CORRIDOR).fillna("")
    df["research_stock"] = df["province"].map(RESEARCH_STOCK).fillna(RESEARCH_STOCK_DEFAULT)
    coords = df["source"].map(
        lambda s: "another public city table" if "another" in s else "ECharts geoCoordMap"
    )
    df["source"] = [
        f"GDP: China Statistical Yearbook 2021 table 3-9, hub coordinates: {c} "
        f"(provinces_2020.csv, {s}); R&D: NBS/MOST/MOF 2020 S&T Funding Statistical "
        f"Bulletin annex table 2 (province_rd_2020.csv, {s_rd}); assumption (ours): "
        f"coastal, border_corridor (geography), research_stock "
        f"{stock_note.get(p, f'{RESEARCH_STOCK_DEFAULT} is the default assumption')}"
        for p, c, s, s_rd in zip(df["province"], coords, df["status"], df["status_rd"], strict=True)
    ]
    return df.sort_values("province")


def risk_class(rating: str) -> int:
    """Map an S&P-scale rating to risk class 0 (A- or better) .. 4 (CCC+ or worse)."""
    base = rating.rstrip("+-")
    return {"AAA": 0, "AA": 0, "A": 0, "BBB": 1, "BB": 2, "B": 3}.get(base, 4)


def partners() -> pd.DataFrame:
    """Build partners.csv: ratings of partner_ratings.csv with capital coordinates."""
    df = read_source("partner_ratings")
    rows = []
    for r in df.itertuples():
        if isinstance(r.sp_rating, str):
            rating, agency = r.sp_rating, "S&P"
        elif isinstance(r.fitch_rating, str):
            rating, agency = r.fitch_rating, "Fitch"
        else:
            rating, agency = MOODYS_TO_SP[r.moodys_rating], "Moody's"
        capital, lon, lat = CAPITALS[r.country]
        mapped = f" (Moody's {r.moodys_rating} mapped to S&P scale)" if agency == "Moody's" else ""
        rows.append({
            "country": r.country, "region": r.region, "rating": rating,
            "rating_agency": agency, "risk_class": risk_class(rating),
            "lon": half_degree(lon), "lat": half_degree(lat), "status": r.status,
            "source": f"partner_ratings.csv: {r.source}; rating {agency}{mapped}; "
            f"risk_class derived from rating; lon/lat of {capital}: {APPROX}",
        })  # fmt: skip
    out = pd.DataFrame(rows)
    return out.sort_values(["region", "country"], key=_order)


def crossings() -> pd.DataFrame:
    """Build crossings.csv: border_crossings.csv with the model's corridor ids."""
    df = read_source("border_crossings")
    ids = df["corridor"].replace(CORRIDOR_IDS)
    note = "; corridor label '" + df["corridor"] + "' renamed to the model id '" + ids + "'"
    df["source"] += note.where(ids != df["corridor"], "")
    df["corridor"] = ids
    df["onward_km"] = 0.0
    for corridor, (name, lon, lat) in JUNCTIONS.items():
        rows = df["corridor"] == corridor
        km = haversine_km(df.loc[rows, "lon"], df.loc[rows, "lat"], lon, lat)
        df.loc[rows, "onward_km"] = np.round(km.to_numpy(dtype=float), 0)
        df.loc[rows, "source"] += (
            f"; onward_km: assumption, great-circle km to the {name} junction"
            " (approximate coordinates)"
        )
    return df.sort_values(["corridor", "crossing"], key=_order)


def routes() -> pd.DataFrame:
    """Build routes.csv from the ROUTES assumption table."""
    rows = [
        {"corridor": c, "region": g, "rail_days": d, "haul_factor": h, "status": s,
         "source": f"{why}; haul_factor {h}: "
         + ("by definition (China-Western Europe reference haul)" if h == 1.0
            else "assumption, rail cost relative to China-Western Europe, scaled "
            "roughly by distance")}
        for c, g, d, h, s, why in ROUTES
    ]  # fmt: skip
    return pd.DataFrame(rows).sort_values(["corridor", "region"], key=_order)


def sea_routes() -> pd.DataFrame:
    """Build sea_routes.csv from the SEA_ROUTES assumption table."""
    cols = ["region", "sea_days", "sea_cost_factor", "status", "source"]
    df = pd.DataFrame(SEA_ROUTES, columns=cols)
    df.loc[df["status"] == "assumption", "source"] += (
        "; sea_cost_factor: assumption, relative to cr_express_facts.csv "
        "sea_cost_per_feu_usd 3,000 (2018, secondary)"
    )
    return df.sort_values("region", key=_order)


def ports(prov: pd.DataFrame) -> pd.DataFrame:
    """Build ports.csv: port coordinates from hub rows or the Qinzhou port crossing."""
    rows = []
    for port, province, origin in PORTS:
        if origin == "provinces":
            r = prov.set_index("hub_city").loc[port]
            lon, lat = r["hub_lon"], r["hub_lat"]
            src = f"coordinates from provinces_2020.csv hub row {province} ({port})"
        else:
            r = read_source("border_crossings").set_index("crossing").loc[origin]
            lon, lat = r["lon"], r["lat"]
            src = f"coordinates from border_crossings.csv row '{origin}' ({r['source']})"
        rows.append({"port": port, "province": province, "lon": lon, "lat": lat,
                     "status": "derived", "source": src + "; port list is ours"})  # fmt: skip
    return pd.DataFrame(rows).sort_values("port")


def platforms(prov: pd.DataFrame, cross: pd.DataFrame) -> pd.DataFrame:
    """Build platforms.csv: one potential platform per (hub city, reachable corridor)."""
    cf = read_source("corridor_facts")
    ce = read_source("cr_express_facts")
    top5, centres = fact(ce, "top5_hub_share_of_trains"), fact(ce, "assembly_centres_designated")
    assert all(c in top5.source for c in TOP5_HUBS)
    assert all(c in centres.source for c in ASSEMBLY_CENTRES)
    corridor_of = dict(zip(cross["crossing"], cross["corridor"], strict=True))
    hub_rows = {}  # city key -> corridor_facts row
    for r in cf[cf["fact"].str.startswith("hub_crossing_")].itertuples():
        for key in r.fact.removeprefix("hub_crossing_").split("_"):
            hub_rows[key] = r
    rows = []
    for corridor in CORRIDORS:
        for province in REACH[corridor]:
            p = prov.set_index("province").loc[province]
            city = p["hub_city"]
            crossing = CROSSING_BY_HUB.get((city, corridor), CROSSING[corridor])
            status, notes = "assumption", ["platform and crossing: assumption (geography)"]
            h = hub_rows.get(city.lower().replace("'", ""))
            if h is not None:
                named = str(h.value).split(" or ")
                year = f"{h.year}, " if isinstance(h.year, str) else ""
                cite = f"corridor_facts.csv {h.fact} = {h.value} ({year}{h.status}: {h.source})"
                if any(corridor_of.get(c) == corridor for c in named):
                    status, notes = h.status, [f"crossing: {cite}"]
                else:
                    notes.append(f"cf. {cite}")
            notes.append(f"coordinates: provinces_2020.csv hub {city}")
            is_open = city in TOP5_HUBS and corridor == "west"
            is_centre = city in ASSEMBLY_CENTRES and corridor == "west"
            if is_open:
                notes.append("initially_open derived from cr_express_facts.csv "
                             "top5_hub_share_of_trains (2018): an early leader")  # fmt: skip
            if is_centre:
                notes.append("assembly_centre_2020 from cr_express_facts.csv "
                             f"assembly_centres_designated ({centres.status}, NDRC), "
                             "set on the west platform")  # fmt: skip
            if is_centre and city == "Zhengzhou":
                notes.append("the designation is per city: Zhengzhou also uses Erenhot")
            rows.append({
                "platform": f"{city}-{corridor}", "city": city, "province": province,
                "corridor": corridor, "crossing": crossing, "lon": p["hub_lon"],
                "lat": p["hub_lat"], "initially_open": is_open,
                "assembly_centre_2020": is_centre, "status": status,
                "source": "; ".join(notes),
            })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["province", "corridor"], key=_order)


def city_platforms(cities: pd.DataFrame) -> pd.DataFrame:
    """Build city_platforms.csv: one potential platform per (origin city, corridor).

    A city may open a platform on every corridor its province reaches (``REACH``, the
    geography assumption of platforms.csv) and on every corridor the sources say it used
    (cities.csv ``corridors``). A city whose first train ran before 2015 starts open on
    the first corridor its sources name (the state at the start of the history scenario,
    2015Q1), and so do the five early leaders of 2018 on the west corridor (as in
    platforms.csv; Chengdu's and Xi'an's first years are not in the sources); every other
    opening is the model's. The assembly centres of 2020 are their
    cities' west platforms, as in platforms.csv.
    """
    rows = []
    for c in cities.itertuples():
        used = [k for k in str(c.corridors).split(";") if k]
        reach = [k for k in CORRIDORS if c.province in REACH[k]]
        first = pd.notna(c.first_train_year) and int(c.first_train_year) < 2015
        for corridor in [k for k in CORRIDORS if k in used or k in reach]:
            crossing = CROSSING_BY_HUB.get((c.city, corridor), CROSSING[corridor])
            known = corridor in used
            notes = [
                f"corridor: cities.csv ({c.status})"
                if known
                else "corridor: assumption (the province's reach, as platforms.csv)",
                "crossing: assumption (geography)",
                "coordinates: cities.csv",
            ]
            is_open = bool(first and used and corridor == used[0])
            if is_open:
                year = int(c.first_train_year)
                notes.append(f"initially_open: cities.csv first_train_year {year}")
            elif c.city in TOP5_HUBS and corridor == "west":
                is_open = True  # first year not found; an early leader all the same
                notes.append("initially_open derived from cr_express_facts.csv "
                             "top5_hub_share_of_trains (2018): an early leader")  # fmt: skip
            is_centre = c.city in ASSEMBLY_CENTRES and corridor == "west"
            if is_centre:
                notes.append("assembly_centre_2020: cr_express_facts.csv "
                             "assembly_centres_designated")  # fmt: skip
            rows.append({
                "platform": f"{c.city}-{corridor}", "city": c.city, "province": c.province,
                "corridor": corridor, "crossing": crossing, "lon": c.lon, "lat": c.lat,
                "initially_open": is_open, "assembly_centre_2020": is_centre,
                "status": c.status if known else "assumption", "source": "; ".join(notes),
            })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["province", "city", "corridor"], key=_order)


def _order(col: pd.Series) -> pd.Series:
    """Sort key: corridors and regions in their fixed order, anything else as is."""
    for fixed in (CORRIDORS, REGIONS):
        if col.isin(fixed).all():
            return col.map(fixed.index)
    return col


def build_tables() -> dict[str, pd.DataFrame]:
    """Build every model table from the sources and the assumption tables."""
    prov, cross, part = provinces(), crossings(), partners()
    tables = {
        "provinces": prov,
        "partners": part,
        "crossings": cross,
        "routes": routes(),
        "sea_routes": sea_routes(),
        "ports": ports(prov),
        "platforms": platforms(prov, cross),
        "cities": cities(prov),
        "partner_exports": partner_exports(part),
    }
    tables["city_platforms"] = city_platforms(tables["cities"])
    return {name: df[COLUMNS[name]].reset_index(drop=True) for name, df in tables.items()}


def write_tables(tables: dict[str, pd.DataFrame], out: Path = HERE) -> None:
    """Write tables as CSV with lowercase booleans and a fixed float format."""
    for name, df in tables.items():
        df = df.copy()
        for col in df.select_dtypes(bool).columns:
            df[col] = df[col].map({True: "true", False: "false"})
        df.to_csv(out / f"{name}.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def main() -> None:
    """Build the tables and write them to sim/data/*.csv."""
    tables = build_tables()
    write_tables(tables)
    for name, df in tables.items():
        print(f"{name}.csv: {df.shape[0]} rows x {df.shape[1]} columns")


if __name__ == "__main__":
    main()
