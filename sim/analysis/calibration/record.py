"""The record: the China-Europe Railway Express figures and the patterns compared with them.

The record (``sim/data/sources/``, copies of the project's public figures) gives several
patterns at once: explosive growth of trains, many cities entering, early concentration
on five inland hubs, subsidies bridging a cost gap, low loads rising after the caps, rail
a small share of trade, a split across border crossings. :data:`PATTERNS` names every
pattern row of ``calibration.md`` item by item, with its observed value, the tolerance
counted as one unit of error, its weight in the fit and the source row it comes from
(:func:`record`).

Scale: a model train is a train of ``freight.train_slots`` (41) forty-foot containers,
the model's rail volume is in FEU, and the trains a year are the sum of four quarters.
The record counts trains both ways (2016's 1,702 trains are 1,130 out and 572 back, the
50.6% return ratio of the same railway), and so do the train items here: national,
five-hub, single-city and Shandong counts are trains out plus trains back, and the
loaded-container rate is loaded containers over slots in both directions.
``freight.total_exports`` (FEU a quarter) is the share of China's exports the modelled
enterprises stand for; it is fitted so that the trains match the record in level.

Over 400 lines: one declaration per item of every pattern row, each with its source, kept
together so that the record reads as one table.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources

import pandas as pd


@functools.cache
def source_csv(name: str) -> pd.DataFrame:
    """One CSV of ``sim/data/sources`` (the copies of the public figures)."""
    path = resources.files("sim.data").joinpath("sources", name)
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False, na_values=[""], dtype=str)


def record(file: str, key: str, year: str | int | None = None, column: str = "value") -> float:
    """A figure of the record: the row whose ``fact`` is ``key`` (and ``year``), as a number.

    ``cr_express_national.csv`` and ``border_crossings.csv`` have no ``fact`` column: there
    ``key`` is the year (trains) or the crossing name and ``column`` the figure; in
    ``city_facts.csv`` ``key`` is ``"city:fact"``.
    """
    table = source_csv(file)
    if file == CITY_FACTS:
        city, _, key = key.partition(":")
        table = table[table["city"] == city]
    if file == "cr_express_national.csv":
        rows = table[table["year"] == str(key)]
    elif file == "border_crossings.csv":
        rows = table[table["crossing"] == key]
    else:
        rows = table[table["fact"] == key]
        if year is not None:
            rows = rows[rows["year"] == str(year)]
    if len(rows) != 1:
        raise KeyError(f"{file}: {key} {year or ''}: {len(rows)} rows, expected one")
    return float(rows.iloc[0][column])


# The rows of calibration.md, in its order (the fit table is grouped by them).
ROWS = {
    "growth": "explosive growth of rail freight while subsidies were high",
    "cities": "many cities enter",
    "concentration": "early concentration on a few inland hubs",
    "cost_gap": "subsidies bridged a cost gap",
    "loads": "low loads under subsidy, rising after the caps",
    "caps": "the reported subsidy caps",
    "rail_share": "rail stays a small share of the trade",
    "crossings": "traffic splits across border crossings",
    "empty_rule": "the 2018 rule on empty containers",
    "shock_2020": "2020 demand shock",
    "unequal_hubs": "hubs of very unequal size",
    "small_cities": "many small cities in one province",
    "unifications": "unifications are events",
}

FITTED, INPUT, STRUCTURAL = "fitted", "input", "not modelled"


@dataclass(frozen=True)
class Pattern:
    """One item of a pattern row: what is observed, how it is compared, where it is from.

    ``kind`` is ``fitted`` (an error enters the loss with ``weight``), ``input`` (the
    scenario sets it: the simulated value shows that it holds) or ``not modelled`` (the
    model cannot express it; ``note`` says why). The error of a fitted item is its distance
    to the observed value, or to the range ``low``..``high`` when the record gives one, in
    units of ``tolerance`` (on the log scale when ``log``).
    """

    key: str
    row: str
    label: str
    unit: str
    observed: float
    source: str
    kind: str = FITTED
    low: float | None = None
    high: float | None = None
    tolerance: float = 1.0
    log: bool = False
    weight: float = 1.0
    note: str = ""

    def error(self, value: float) -> float:
        """Signed error of a simulated ``value`` in tolerances (NaN when not comparable)."""
        if self.kind != FITTED or not math.isfinite(value):
            return float("nan")
        low = self.observed if self.low is None else self.low
        high = self.observed if self.high is None else self.high
        if self.log:
            if value <= 0:
                return float("-inf")
            value, low, high = math.log(value), math.log(low), math.log(high)
        if value < low:
            return (value - low) / self.tolerance
        if value > high:
            return (value - high) / self.tolerance
        return 0.0

    def observed_text(self) -> str:
        """The observed value as printed: the figure, or its range."""
        if not math.isfinite(self.observed):
            return "n/a"
        text = format_value(self.observed, self.unit)
        if self.high is not None and math.isinf(self.high):
            low = self.observed if self.low is None else self.low
            return f"at least {format_value(low, self.unit)}"
        if self.low is not None and self.high is not None and self.low != self.high:
            text += f" ({format_value(self.low, self.unit)}-{format_value(self.high, self.unit)})"
        return text


def format_value(x: float, unit: str) -> str:
    """A value as the fit table prints it, in the item's unit."""
    if not math.isfinite(x):
        return "n/a"
    if unit == "share":
        return f"{x:.1%}" if abs(x) < 0.1 else f"{x:.0%}" if x == round(x, 2) else f"{x:.1%}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}"


NATIONAL = "cr_express_national.csv"
FACTS = "cr_express_facts.csv"
CORRIDOR = "corridor_facts.csv"
CROSSINGS = "border_crossings.csv"
CITY_FACTS = "city_facts.csv"
UNIFICATIONS = "unifications.csv"
TRAIN_YEARS = tuple(range(2015, 2022))
CITY_YEARS = (2017, 2018, 2019, 2021)
CAP_YEARS = (2018, 2019, 2020, 2022)
FIVE_HUBS = ("Chengdu", "Chongqing", "Xi'an", "Zhengzhou", "Wuhan")
CROSSING_NAMES = ("Alashankou", "Khorgos", "Manzhouli", "Erenhot", "Suifenhe")
CROSSING_CORRIDORS = ("west", "central", "east")
# single cities' trains of city_facts.csv: (city, fact, year); "trains_at_least" and the
# January-July count are lower bounds of the year's trains. Left out: Wuhan's 2018
# "expected" figure (a plan) and Urumqi's first twelve months (not a calendar year).
CITY_TRAINS = (
    ("Chongqing", "trains", 2017),
    ("Chongqing", "trains_at_least", 2018),
    ("Chongqing", "trains", 2020),
    ("Xi'an", "trains_at_least", 2018),
    ("Xi'an", "trains", 2020),
    ("Chengdu", "trains_at_least", 2018),
    ("Chengdu", "trains_jan_jul", 2020),
    ("Zhengzhou", "trains", 2020),
    ("Yiwu", "trains", 2020),
    ("Wuhan", "trains", 2017),
)
SHANDONG = "Shandong"
SHANDONG_STEPS = (1, 15)  # 2015Q1 to 2018Q3: the record's "2015 to October 2018"
UNIFIED_BY = (2018, 2020, 2021)  # the years of unifications.csv's provincial units
CROSSING_CORRIDOR = {
    n: source_csv(CROSSINGS).set_index("crossing").loc[n, "corridor"] for n in CROSSING_NAMES
}


def _patterns() -> list[Pattern]:
    out: list[Pattern] = []
    for year in TRAIN_YEARS:
        out.append(
            Pattern(
                f"trains_{year}",
                "growth",
                f"trains in {year}",
                "trains per year",
                record(NATIONAL, year, column="trains"),
                f"{NATIONAL}: {year}",
                tolerance=0.25,
                log=True,
            )
        )
    t16, t21 = record(NATIONAL, 2016, column="trains"), record(NATIONAL, 2021, column="trains")
    out.append(
        Pattern(
            "growth_2016_2021",
            "growth",
            "growth a year, 2016-2021",
            "share",
            (t21 / t16) ** (1 / 5) - 1,
            f"{NATIONAL}: 2016 and 2021 (derived)",
            tolerance=0.08,
        )
    )
    c21 = record(FACTS, "chinese_cities_operating", 2021)
    for year in CITY_YEARS:
        out.append(
            Pattern(
                f"cities_{year}",
                "cities",
                f"cities operating in {year}",
                "cities",
                record(FACTS, "chinese_cities_operating", year),
                f"{FACTS}: chinese_cities_operating ({year})",
                tolerance=0.2,
                log=True,
                note="cities with a platform running; the province-hub layer"
                " (run.platform_layer = province_hubs) has at most 29",
            )
        )
    for year in CITY_YEARS[:-1]:
        out.append(
            Pattern(
                f"cities_rel_{year}",
                "cities",
                f"cities in {year} relative to 2021",
                "share",
                record(FACTS, "chinese_cities_operating", year) / c21,
                f"{FACTS}: chinese_cities_operating ({year}, 2021; derived)",
                tolerance=0.15,
            )
        )
    out.append(
        Pattern(
            "top5_2018",
            "concentration",
            "share of the five hubs in 2018 trains",
            "share",
            record(FACTS, "top5_hub_share_of_trains", 2018),
            f"{FACTS}: top5_hub_share_of_trains (2018)",
            tolerance=0.08,
            note="Chengdu, Chongqing, Xi'an, Zhengzhou, Wuhan (all their platforms),"
            " trains both ways",
        )
    )
    lo, hi = (record(FACTS, f"rail_cost_per_feu_usd_{s}", 2018) for s in ("low", "high"))
    out.append(
        Pattern(
            "rail_cost_2018",
            "cost_gap",
            "rail cost per FEU before subsidy, 2018",
            "USD per FEU",
            (lo + hi) / 2,
            f"{FACTS}: rail_cost_per_feu_usd_low/high (2018)",
            low=lo,
            high=hi,
            tolerance=1000.0,
            weight=0.5,
            note="volume-weighted quoted cost to Western Europe",
        )
    )
    out.append(
        Pattern(
            "sea_cost_2018",
            "cost_gap",
            "sea cost per FEU, 2018",
            "USD per FEU",
            record(FACTS, "sea_cost_per_feu_usd", 2018),
            f"{FACTS}: sea_cost_per_feu_usd (2018)",
            kind=INPUT,
            note="freight.sea_cost",
        )
    )
    lo, hi = (record(FACTS, f"subsidy_per_feu_usd_{s}", 2018) for s in ("low", "high"))
    out.append(
        Pattern(
            "subsidy_per_feu_2018",
            "cost_gap",
            "subsidy per loaded FEU, 2018",
            "USD per FEU",
            (lo + hi) / 2,
            f"{FACTS}: subsidy_per_feu_usd_low/high (2018)",
            low=lo,
            high=hi,
            tolerance=1000.0,
        )
    )
    out.append(
        Pattern(
            "subsidy_max_2017",
            "cost_gap",
            "highest subsidy rate before the caps (2017)",
            "share",
            record(FACTS, "subsidy_share_of_cost_max", 2018),
            f"{FACTS}: subsidy_share_of_cost_max (2018)",
            tolerance=0.06,
            weight=3.0,
            note="highest rate among platforms running, mean over 2017's quarters",
        )
    )
    for year in (2016, 2021):
        out.append(
            Pattern(
                f"load_factor_{year}",
                "loads",
                f"loaded-container rate {year}",
                "share",
                record(FACTS, "loaded_container_rate", year),
                f"{FACTS}: loaded_container_rate ({year})",
                tolerance=0.04,
                weight=3.0,
                note="loaded containers over slots run, out and back (the combined rate)",
            )
        )
    for year in (2016, 2021):
        out.append(
            Pattern(
                f"return_trains_{year}",
                "loads",
                f"return trains per outbound train {year}",
                "share",
                record(FACTS, "return_trains_per_outbound", year),
                f"{FACTS}: return_trains_per_outbound ({year})",
                tolerance=0.08,
                note="return_trains over trains (partners.inbound_ratio > 0: return cargo)",
            )
        )
    for year in CAP_YEARS:
        out.append(
            Pattern(
                f"cap_{year}",
                "caps",
                f"cap on subsidy share of cost from {year}",
                "share",
                record(FACTS, "subsidy_cap_share_of_cost", year),
                f"{FACTS}: subsidy_cap_share_of_cost ({year})",
                kind=INPUT,
                note="policy.subsidy.national_cap by events; simulated: highest rate paid",
            )
        )
    lo = 0.0283  # the 2019 end of the secondary row's stated range (Jan-May 2019)
    out.append(
        Pattern(
            "rail_value_share_2019",
            "rail_share",
            "rail share of China-EU trade value 2019",
            "share",
            record(CORRIDOR, "rail_share_of_eu_imports_from_china_value", 2019),
            f"{CORRIDOR}: rail_share_of_eu_imports_from_china_value (2019),"
            " rail_share_of_china_eu_trade_value (2.83% to 3.47%)",
            low=lo,
            high=record(CORRIDOR, "rail_share_of_china_eu_trade_value", "2020-jan-may"),
            tolerance=0.3,
            log=True,
            note="exports to Western and Eastern Europe (rail_value_share_europe)",
        )
    )
    counts = {name: record(CROSSINGS, name, column="trains_2020") for name in CROSSING_NAMES}
    total = sum(counts.values())
    for corridor in CROSSING_CORRIDORS:
        names = [n for n in CROSSING_NAMES if CROSSING_CORRIDOR[n] == corridor]
        out.append(
            Pattern(
                f"corridor_{corridor}",
                "crossings",
                f"share of 2020 trains on the {corridor} corridor ({', '.join(names)})",
                "share",
                sum(counts[n] for n in names) / total,
                f"{CROSSINGS}: trains_2020 of {', '.join(names)} (share of the five; derived)",
                tolerance=0.1,
                note="the crossings' trains (trains_<crossing> outcomes), by corridor",
            )
        )
    for name in CROSSING_NAMES:
        out.append(
            Pattern(
                f"crossing_{name}",
                "crossings",
                f"share of 2020 trains via {name}",
                "share",
                counts[name] / total,
                f"{CROSSINGS}: {name} trains_2020 (share of the five; derived)",
                tolerance=0.05,
                note="trains both ways by each platform's split (freight.crossing_choice)",
            )
        )
    out.append(
        Pattern(
            "empty_share_2019",
            "empty_rule",
            "empty slots per train under the 2018 rule (2019)",
            "share",
            record(FACTS, "empty_container_cap_per_train", 2018),
            f"{FACTS}: empty_container_cap_per_train (2018)",
            kind=INPUT,
            note="policy.subsidy.empty_slot_cap from 2018; simulated: national empty share",
        )
    )
    t19, t20 = (record(NATIONAL, y, column="trains") for y in (2019, 2020))
    out.append(
        Pattern(
            "jump_2020",
            "shock_2020",
            "growth of trains 2019 to 2020",
            "share",
            t20 / t19 - 1,
            f"{NATIONAL}: 2019 (derived) and 2020",
            tolerance=0.12,
            note="the sea shock is an event of the scenario; its size is an assumption",
        )
    )
    out.extend(_city_patterns())
    return out


def _city_patterns() -> list[Pattern]:
    """Single cities' trains, Shandong's small cities, the unifications (city_facts.csv)."""
    out: list[Pattern] = []
    for city, fact, year in CITY_TRAINS:
        value = record(CITY_FACTS, f"{city}:{fact}", year)
        bound = fact != "trains"
        slug = city.lower().replace("'", "")
        out.append(
            Pattern(
                f"city_{slug}_{year}",
                "unequal_hubs",
                f"{city}'s trains in {year}",
                "trains per year",
                value,
                f"{CITY_FACTS}: {city} {fact} ({year})",
                low=value if bound else None,
                high=math.inf if bound else None,
                tolerance=0.35,
                log=True,
                weight=0.5,
                note="all the city's platforms, every destination, both ways (the press"
                " counts a city's international trains); a lower bound where the source"
                " says 'more than'",
            )
        )
    total = record(CITY_FACTS, "Shandong (9 cities):trains_total_2015_to_oct_2018", "2015-2018")
    out.append(
        Pattern(
            "shandong_trains",
            "small_cities",
            "Shandong's trains, 2015 to 2018Q3 (all its cities)",
            "trains",
            total,
            f"{CITY_FACTS}: Shandong (9 cities) trains_total_2015_to_oct_2018",
            tolerance=0.35,
            log=True,
            weight=0.5,
            note="steps 1-15 of the history scenario (the record runs to October 2018),"
            " trains both ways",
        )
    )
    n = record(CITY_FACTS, "Shandong (9 cities):cities_operating_before_integration", 2018)
    out.append(
        Pattern(
            "shandong_cities",
            "small_cities",
            "Shandong's cities running trains before the 2018 unification",
            "cities",
            n,
            f"{CITY_FACTS}: Shandong (9 cities) cities_operating_before_integration (2018)",
            tolerance=2.0,
            weight=0.5,
            note="cities with a platform running in 2018Q1-Q3",
        )
    )
    out.append(
        Pattern(
            "unified_2021",
            "unifications",
            "provincial platform units unified by 2021",
            "units",
            float(len(UNIFIED_BY)),
            f"{UNIFICATIONS}: Shandong Qilu, Jiangsu, Chengdu-Chongqing",
            kind=INPUT,
            note="policy.unification.units by events; simulated: units in force at end-2021",
        )
    )
    return out


PATTERNS: list[Pattern] = _patterns()
PATTERN_BY_KEY = {p.key: p for p in PATTERNS}
