"""Builders for ``cities.csv`` and ``partner_exports.csv`` (called by ``sim.data.build``).

Kept apart from ``build.py`` so that both stay short. ``cities()`` types the city table of
``sources/cities.csv``; ``partner_exports()`` keeps every found figure of
``sources/partner_exports.csv`` and fills each partner-year without one by the labelled
assumption rule of ``fill_series`` (interpolation between a partner's own anchors, flat
outside them); a partner with no found figure and no proxy gets a 2020 anchor from the
labelled gravity assumption of ``gravity_anchors`` (GDP over distance from Beijing, scaled
to the partners with a found 2020 figure).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.data import CORRIDORS

SOURCES = Path(__file__).resolve().parent / "sources"
YEARS = tuple(range(2015, 2022))
FOUND = ("verified", "secondary", "derived")
BASIS = ("verified", "secondary", "derived", "assumption")

# Euro to dollar for 2020, as used by Xinhua 2021-02-22 for the Destatis figure
# (212.1 bn EUR = 256.7 bn USD): derived rate 1.2103.
EUR_USD_2020 = 256.7 / 212.1
# Ringgit to dollar for 2020, as used by Xinhua 2021-01-30 (158.6 bn ringgit = 39.23 bn USD).
USD_PER_RINGGIT_2020 = 39.23 / 158.6

# Anchors for partners without a found figure in a year: (partner, year) -> (USD bn, why).
# Each is a public figure of another measure (the partner's imports from China, CIF, or a
# part-year), used as a proxy for China's exports: an assumption, labelled so in the rows.
PROXY_ANCHORS = {
    ("Germany", 2020): (116.3 * EUR_USD_2020,
        "German imports from China 116.3 bn EUR (Destatis press release 077, 2021-02-22) "
        "at 1.2103 USD/EUR (Xinhua's conversion of the same release)"),
    ("Netherlands", 2020): (44.0 * EUR_USD_2020,
        "Dutch imports from China 44 bn EUR (CBS, Dutch trade in facts and figures 2021) "
        "at 1.2103 USD/EUR (Xinhua 2021-02-22)"),
    ("Vietnam", 2019): (75.452,
        "Vietnamese imports from China (Vietnam Customs via VNA 2020-01-16)"),
    ("Vietnam", 2020): (84.1, "Vietnamese imports from China (Vietnam Customs, 2021-01)"),
    ("Malaysia", 2020): (0.215 * 796.19 * USD_PER_RINGGIT_2020,
        "China's 21.5% share of Malaysia's 796.19 bn ringgit imports (MITI via Xinhua "
        "2021-01-30) at Xinhua's 0.2474 USD per ringgit"),
    ("Cambodia", 2020): (7.03, "Cambodian imports from China (Cambodia MoC via VNA 2021-03-08)"),
    ("Cambodia", 2021): (9.6, "Cambodian imports from China (Cambodia MoC via Xinhua 2022-01-29)"),
    ("Uzbekistan", 2020): (4.5, "Uzbek imports from China (Uzstat, partner_exports_partial.csv)"),
    ("Egypt", 2020): (12.06 * 12 / 11,
        "January-November 2020 exports 12.06 bn (Chinese Embassy via Xinhua, "
        "partner_exports_partial.csv) scaled to 12 months"),
}  # fmt: skip
# Partners with no found figure and no proxy: a placeholder, so that every partner has a
# positive weight. Ours, not a figure of the world; only ``fill_series({})`` still uses it
# (``partner_exports`` gives every such partner a gravity anchor first).
PLACEHOLDER_USD_BN = 1.0
# Gravity fill: where China's exports start (Beijing), and the GDP taken for a partner whose
# GDP is not in sources/partner_gdp.csv (all such partners are below the 72.4 bn USD
# cut-off of the table extract): ours, a round figure under that cut-off.
GRAVITY_ORIGIN = (116.4, 39.9)
GRAVITY_YEAR = 2020
GDP_NOT_FOUND_USD_BN = 25.0


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SOURCES / f"{name}.csv", keep_default_na=False, na_values=[""])


def parse_corridors(basis: str) -> list[tuple[str, str]]:
    """Split ``"west:verified;land_sea:assumption"`` into (corridor, how known) pairs."""
    pairs = [tuple(part.split(":", 1)) for part in basis.split(";")]
    for corridor, how in pairs:
        assert corridor in CORRIDORS and how in BASIS, basis
    return sorted(pairs, key=lambda p: CORRIDORS.index(p[0]))


def cities(provinces: pd.DataFrame) -> pd.DataFrame:
    """Build cities.csv: the city table of sources/cities.csv, typed, with flags."""
    df = _read("cities")
    pairs = df["corridors"].map(parse_corridors)
    df["corridors"] = pairs.map(lambda ps: ";".join(c for c, _ in ps))
    df["corridor_basis"] = pairs.map(lambda ps: ";".join(f"{c}:{h}" for c, h in ps))
    df["first_train_year"] = df["first_train_year"].astype("Int64")
    df["modelled_province"] = df["province"].isin(provinces["province"])
    df["source"] = df["source"] + "; corridor_basis says how each corridor is known"
    return df.sort_values(["province", "city"])


def _interpolate(y: int, lo: tuple[int, float], hi: tuple[int, float]) -> float:
    (y0, v0), (y1, v1) = lo, hi
    return math.exp(math.log(v0) + (math.log(v1) - math.log(v0)) * (y - y0) / (y1 - y0))


def fill_series(anchors: dict[int, tuple[float, str]]) -> dict[int, tuple[float, str]]:
    """Fill every year of YEARS from a partner's anchors {year: (value, why)}.

    Between two anchor years: log-linear interpolation; before the first or after the last
    anchor: held flat at it (no extrapolated growth); no anchor: PLACEHOLDER_USD_BN.
    """
    out = {}
    years = sorted(anchors)
    for y in YEARS:
        if y in anchors:
            out[y] = anchors[y]
        elif not years:
            out[y] = (
                PLACEHOLDER_USD_BN,
                "assumption: placeholder 1.0 bn USD, no public "
                "figure or proxy found for this partner (ours, replace when found)",
            )
        elif y < years[0] or y > years[-1]:
            a = years[0] if y < years[0] else years[-1]
            out[y] = (
                anchors[a][0],
                f"assumption: held flat at the {a} value "
                f"{anchors[a][0]:.4g} bn USD ({anchors[a][1]})",
            )
        else:
            lo = max(a for a in years if a < y)
            hi = min(a for a in years if a > y)
            v = _interpolate(y, (lo, anchors[lo][0]), (hi, anchors[hi][0]))
            out[y] = (
                v,
                f"assumption: log-linear interpolation between {lo} "
                f"({anchors[lo][0]:.4g}) and {hi} ({anchors[hi][0]:.4g}) bn USD",
            )
    return out  # fmt: skip


def _km_from_origin(lon: float, lat: float) -> float:
    from sim.data.geography import haversine_km

    return float(haversine_km(*GRAVITY_ORIGIN, lon, lat))


def gravity_anchors(
    partners: pd.DataFrame, found: pd.DataFrame, gdp: pd.DataFrame, skip: set[str]
) -> dict[str, tuple[float, str]]:
    """2020 anchors by gravity for the partners in ``partners`` but not in ``skip``.

    X_i = k * GDP_i / D_i, D_i the great-circle km from Beijing to the partner's capital
    (partners.csv), GDP_i the 2020 GDP of sources/partner_gdp.csv (GDP_NOT_FOUND_USD_BN
    where not found), k = sum X_j / sum (GDP_j / D_j) over the partners j with both a
    found 2020 export figure and a found GDP.
    """
    gdp_of = gdp.dropna(subset=["gdp_usd_bn"]).set_index("partner")["gdp_usd_bn"]
    km = {r.country: _km_from_origin(r.lon, r.lat) for r in partners.itertuples()}
    fit = [
        (p, r["china_exports_usd_bn"])
        for (p, y), r in found.iterrows()
        if y == GRAVITY_YEAR and p in gdp_of.index
    ]
    k = sum(x for _, x in fit) / sum(gdp_of[p] / km[p] for p, _ in fit)
    out = {}
    for p in partners["country"]:
        if p in skip:
            continue
        g = gdp_of.get(p)
        g_why = (
            f"GDP {g:.4g} bn USD (World Bank WDI)"
            if g is not None
            else (f"GDP not found, taken as {GDP_NOT_FOUND_USD_BN:g} bn USD (ours)")
        )
        g = GDP_NOT_FOUND_USD_BN if g is None else g
        out[p] = (
            k * g / km[p],
            (
                f"gravity: k * GDP / distance, {g_why}, {km[p]:.0f} km from Beijing, "
                f"k = {k:.4g} fitted to the {len(fit)} partners with a found {GRAVITY_YEAR} figure "
                f"({', '.join(sorted(p for p, _ in fit))})"
            ),
        )
    return out  # fmt: skip


def partner_exports(partners: pd.DataFrame) -> pd.DataFrame:
    """Build partner_exports.csv: one row per partner and year 2015-2021."""
    src = _read("partner_exports")
    assert set(src["partner"]) == set(partners["country"]), "partners differ from partners.csv"
    found = src[src["status"].isin(FOUND)].set_index(["partner", "year"])
    anchored = {p for p, _ in found.index} | {p for p, _ in PROXY_ANCHORS}
    gravity = gravity_anchors(partners, found, _read("partner_gdp"), anchored)
    rows = []
    for partner in partners["country"]:
        anchors = {}
        if partner in gravity:
            anchors[GRAVITY_YEAR] = gravity[partner]
        for (p, y), (value, why) in PROXY_ANCHORS.items():
            if p == partner and (p, y) not in found.index:
                anchors[y] = (value, f"proxy {why}")
        for (p, y), r in found.iterrows():
            if p == partner:
                anchors[y] = (r["china_exports_usd_bn"], f"found: {r['source']}")
        for y, (value, why) in fill_series(anchors).items():
            if (partner, y) in found.index:
                r = found.loc[(partner, y)]
                status, source = r["status"], r["source"]
            elif (partner, y) in PROXY_ANCHORS:
                status, source = (
                    "assumption",
                    (
                        f"assumption: {PROXY_ANCHORS[(partner, y)][1]}, taken as a proxy for "
                        "China's exports (another measure: partner's imports, CIF, or part-year)"
                    ),
                )
            elif partner in gravity and y == GRAVITY_YEAR:
                status, source = "assumption", f"assumption: {gravity[partner][1]}"
            else:
                status, source = "assumption", why
            rows.append({"partner": partner, "year": y, "china_exports_usd_bn": value,
                         "status": status, "source": source})  # fmt: skip
    return pd.DataFrame(rows).sort_values(["partner", "year"])
