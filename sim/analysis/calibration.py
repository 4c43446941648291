"""Calibration against the China-Europe Railway Express record (pattern-oriented modelling).

The record (``sim/data/sources/``, copies of the project's public figures) gives several
patterns at once: explosive growth of trains, many cities entering, early concentration
on five inland hubs, subsidies bridging a cost gap, low loads rising after the caps, rail
a small share of trade, a split across border crossings. :data:`PATTERNS` names every
pattern row of ``calibration.md`` item by item, with its observed value, the tolerance
counted as one unit of error, its weight in the fit and the source row it comes from.

* :func:`extract` turns the tables of one run (outcomes and platforms) into the simulated
  value of every item; :func:`simulate_patterns` does it for each replication.
* :func:`fit_table` sets simulated (mean and range over seeds) against observed and says
  which items fit, which miss, and which the model cannot express; :func:`loss` is the
  weighted sum of squared errors the search minimises.
* :func:`calibrate` is the seeded search: a Latin hypercube over :data:`SPACE`, then
  rounds of Latin hypercubes in a shrinking box around the best point, every point run
  with the same child seeds (common random numbers), so the same seed gives the same
  result whatever the number of workers.
* :func:`plot_trains` draws simulated against observed national trains per year.

Scale: a model train is a train of ``freight.train_slots`` (41) forty-foot containers,
the model's rail volume is in FEU, and the trains a year are the sum of four quarters.
``freight.total_exports`` (FEU a quarter) is the share of China's exports the modelled
enterprises stand for; it is fitted so that the trains match the record in level.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import data
from sim.scenario.parameters import Parameter
from sim.scenario.schema import SECTORS, Scenario, assign_path, dump_scenario, set_path, validate

# ---------------------------------------------------------------------------------------
# The record


@functools.cache
def _source(name: str) -> pd.DataFrame:
    """One CSV of ``sim/data/sources`` (the copies of the public figures)."""
    path = resources.files("sim.data").joinpath("sources", name)
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False, na_values=[""], dtype=str)


def record(file: str, key: str, year: str | int | None = None, column: str = "value") -> float:
    """A figure of the record: the row whose ``fact`` is ``key`` (and ``year``), as a number.

    ``cr_express_national.csv`` and ``border_crossings.csv`` have no ``fact`` column: there
    ``key`` is the year (trains) or the crossing name and ``column`` the figure.
    """
    table = _source(file)
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
        text = _num(self.observed, self.unit)
        if self.low is not None and self.high is not None and self.low != self.high:
            text += f" ({_num(self.low, self.unit)}-{_num(self.high, self.unit)})"
        return text


def _num(x: float, unit: str) -> str:
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
TRAIN_YEARS = tuple(range(2015, 2022))
CITY_YEARS = (2017, 2018, 2019, 2021)
CAP_YEARS = (2018, 2019, 2020, 2022)
FIVE_HUBS = ("Chengdu", "Chongqing", "Xi'an", "Zhengzhou", "Wuhan")
CROSSING_NAMES = ("Alashankou", "Khorgos", "Manzhouli", "Erenhot", "Suifenhe")
CROSSING_CORRIDORS = ("west", "central", "east")
CROSSING_CORRIDOR = {
    n: _source(CROSSINGS).set_index("crossing").loc[n, "corridor"] for n in CROSSING_NAMES
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
                kind=STRUCTURAL,
                note="at most 29 hub cities (one per province)",
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
            note="Chengdu, Chongqing, Xi'an, Zhengzhou, Wuhan (all their platforms)",
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
                kind=STRUCTURAL,
                note="trains run outbound only",
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
                note="the corridor of each platform (sim/data/platforms.csv)",
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
                kind=STRUCTURAL,
                note="a crossing is a platform's label (west: Alashankou, but Urumqi)",
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
    return out


PATTERNS: list[Pattern] = _patterns()
PATTERN_BY_KEY = {p.key: p for p in PATTERNS}


# ---------------------------------------------------------------------------------------
# Simulated patterns


@functools.cache
def _platform_places() -> tuple[dict[str, str], dict[str, str]]:
    table = data.load_platforms()
    return dict(zip(table["platform"], table["city"], strict=True)), dict(
        zip(table["platform"], table["crossing"], strict=True)
    )


def with_year(table: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """``table`` with a ``year`` column: step 1 is the first quarter of ``start_year``."""
    return table.assign(year=start_year + (table["step"] - 1) // 4)


def extract(
    outcomes: pd.DataFrame,
    platforms: pd.DataFrame,
    *,
    start_year: int = 2015,
    slots: int = 41,
) -> dict[str, float]:
    """The simulated value of every pattern item, from the tables of one run.

    Years missing from the run give NaN. ``not modelled`` items are NaN.
    """
    o = with_year(outcomes, start_year)
    p = with_year(platforms, start_year)
    city, crossing = _platform_places()
    p = p.assign(city=p["platform"].map(city), crossing=p["platform"].map(crossing))
    by_year = o.groupby("year")
    trains = by_year["trains"].sum()
    europe_trains = o.assign(europe_trains=europe_equivalent(o)).groupby("year")["europe_trains"]
    rail = by_year["rail_volume"].sum()
    subsidy = by_year["subsidy"].sum() * 1e6
    running = p[p["trains"] > 0]
    years = set(o["year"])
    nan = float("nan")

    def at(series: pd.Series, year: int) -> float:
        return float(series.get(year, nan)) if year in years else nan

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 and math.isfinite(a) else nan

    out: dict[str, float] = {}
    for year in TRAIN_YEARS:
        out[f"trains_{year}"] = at(europe_trains.sum(), year)
    out["growth_2016_2021"] = ratio(out["trains_2021"], out["trains_2016"]) ** (1 / 5) - 1
    cities = running.groupby("year")["city"].nunique()
    for year in CITY_YEARS:
        out[f"cities_{year}"] = float(cities.get(year, 0)) if year in years else nan
    for year in CITY_YEARS[:-1]:
        out[f"cities_rel_{year}"] = ratio(out[f"cities_{year}"], out["cities_2021"])
    y18 = p[p["year"] == 2018]
    out["top5_2018"] = ratio(
        y18.loc[y18["city"].isin(FIVE_HUBS), "trains"].sum(), y18["trains"].sum()
    )
    weighted = (y18["unit_cost"] * y18["volume"]).sum()
    out["rail_cost_2018"] = ratio(weighted, y18["volume"].sum())
    out["sea_cost_2018"] = nan  # an input: filled from the scenario by fit_table
    out["subsidy_per_feu_2018"] = ratio(at(subsidy, 2018), at(rail, 2018))
    y17 = running[running["year"] == 2017]
    out["subsidy_max_2017"] = (
        float(y17.groupby("step")["subsidy_rate"].max().mean()) if len(y17) else nan
    )
    for year in (2016, 2021):
        out[f"load_factor_{year}"] = ratio(at(rail, year), at(trains, year) * slots)
        out[f"return_trains_{year}"] = nan
    highest = running.groupby("year")["subsidy_rate"].max()
    for year in CAP_YEARS:
        out[f"cap_{year}"] = float(highest.get(year, 0.0)) if year in years else nan
    europe = by_year["rail_value_share_europe"].mean() if "rail_value_share_europe" in o else None
    out["rail_value_share_2019"] = at(europe, 2019) if europe is not None else nan
    y20 = p[(p["year"] == 2020) & p["crossing"].isin(CROSSING_NAMES)]
    by_crossing = y20.groupby("crossing")["trains"].sum()
    total = float(by_crossing.sum())
    for name in CROSSING_NAMES:
        out[f"crossing_{name}"] = ratio(float(by_crossing.get(name, 0.0)), total)
    for corridor in CROSSING_CORRIDORS:
        names = [n for n in CROSSING_NAMES if CROSSING_CORRIDOR[n] == corridor]
        out[f"corridor_{corridor}"] = ratio(float(by_crossing.reindex(names).sum()), total)
    out["empty_share_2019"] = 1.0 - ratio(at(rail, 2019), at(trains, 2019) * slots)
    out["jump_2020"] = ratio(out["trains_2020"], out["trains_2019"]) - 1
    return {p.key: out[p.key] for p in PATTERNS}


def simulate_patterns(
    outcomes: pd.DataFrame,
    platforms: pd.DataFrame,
    *,
    start_year: int = 2015,
    slots: int = 41,
) -> pd.DataFrame:
    """One row per replication (a ``replication`` column, or one run), one column per item."""
    if "replication" not in outcomes:
        outcomes = outcomes.assign(replication=0)
        platforms = platforms.assign(replication=0)
    rows = {}
    plats = dict(iter(platforms.groupby("replication")))
    for rep, table in outcomes.groupby("replication"):
        rows[rep] = extract(table, plats[rep], start_year=start_year, slots=slots)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("replication")


def scenario_at(s: Scenario, step: int) -> Scenario:
    """The scenario as its ``set`` events have changed it by the end of ``step``."""
    out = s.model_copy(deep=True)
    for ev in sorted(s.events, key=lambda e: e.step):
        if ev.kind == "set" and ev.step <= step:
            assign_path(out, ev.path, ev.value)
    return out


def _inputs(s: Scenario) -> dict[str, float]:
    """Simulated values of input items that the outputs do not hold."""
    step_2018 = (2018 - s.run.start_year) * 4 + 1
    return {"sea_cost_2018": scenario_at(s, step_2018).freight.sea_cost}


# ---------------------------------------------------------------------------------------
# Fit


def mean_patterns(simulated: pd.DataFrame) -> pd.Series:
    """Mean of each item over replications (NaN where every replication is NaN)."""
    return simulated.mean(axis=0, skipna=True)


def errors(means: pd.Series | dict[str, float]) -> dict[str, float]:
    """Error in tolerances of every fitted item, from the mean simulated values."""
    return {p.key: p.error(float(means.get(p.key, float("nan")))) for p in PATTERNS}


def loss(means: pd.Series | dict[str, float], *, missing: float = 25.0) -> float:
    """Weighted sum of squared errors over the fitted items; ``missing`` for each NaN."""
    total = 0.0
    for p in PATTERNS:
        if p.kind != FITTED:
            continue
        err = p.error(float(means.get(p.key, float("nan"))))
        total += p.weight * (err * err if math.isfinite(err) else missing)
    return total


def verdict(p: Pattern, mean: float) -> str:
    """``fits`` (within one tolerance), ``misses``, ``input`` or the reason it is not modelled."""
    if p.kind == STRUCTURAL:
        return f"cannot match: {p.note}"
    if p.kind == INPUT:
        return "input"
    err = p.error(mean)
    if not math.isfinite(err):
        return "misses (no value)"
    return "fits" if abs(err) <= 1.0 else "misses"


def fit_table(simulated: pd.DataFrame, scenario: Scenario | None = None) -> pd.DataFrame:
    """Observed against simulated for every pattern item, grouped by calibration.md row.

    Columns: ``row`` (the pattern of calibration.md), ``item``, ``unit``, ``observed``,
    ``observed_low``, ``observed_high``, ``simulated`` (mean over replications), ``min``,
    ``max`` (over replications), ``error`` (in tolerances; fitted items), ``tolerance``,
    ``weight``, ``kind``, ``verdict``, ``source`` and ``note``.
    """
    sim = simulated.copy()
    if scenario is not None:
        for key, value in _inputs(scenario).items():
            sim[key] = value
    rows = []
    for p in PATTERNS:
        values = sim[p.key] if p.key in sim else pd.Series(dtype=float)
        values = values.dropna()
        mean = float(values.mean()) if len(values) else float("nan")
        rows.append(
            {
                "key": p.key,
                "row": ROWS[p.row],
                "item": p.label,
                "unit": p.unit,
                "observed": p.observed,
                "observed_low": p.low if p.low is not None else p.observed,
                "observed_high": p.high if p.high is not None else p.observed,
                "simulated": mean,
                "min": float(values.min()) if len(values) else float("nan"),
                "max": float(values.max()) if len(values) else float("nan"),
                "error": p.error(mean),
                "tolerance": p.tolerance if p.kind == FITTED else float("nan"),
                "log": p.log,
                "weight": p.weight if p.kind == FITTED else 0.0,
                "kind": p.kind,
                "verdict": verdict(p, mean),
                "source": p.source,
                "note": p.note,
            }
        )
    return pd.DataFrame(rows)


def format_value(x: float, unit: str) -> str:
    """A value for the printed fit table, in the item's unit."""
    return _num(x, unit)


def markdown_fit_table(table: pd.DataFrame) -> str:
    """The fit table as Markdown: one line per item, grouped by pattern row."""
    lines = [
        "| pattern | item | observed | simulated mean | range over seeds | error | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    last = None
    for r in table.itertuples(index=False):
        p = PATTERN_BY_KEY[r.key]
        row = r.row if r.row != last else ""
        last = r.row
        span = (
            f"{_num(r.min, r.unit)} to {_num(r.max, r.unit)}"
            if math.isfinite(r.min) and r.kind != INPUT
            else ""
        )
        sim = _num(r.simulated, r.unit)
        err = f"{r.error:+.2f}" if math.isfinite(r.error) else ""
        lines.append(
            f"| {row} | {r.item} | {p.observed_text()} | {sim} | {span} | {err} | {r.verdict} |"
        )
    return "\n".join(lines)


def europe_equivalent(outcomes: pd.DataFrame) -> pd.Series:
    """China-Europe trains of each row: trains times Europe's share of the rail volume.

    The record counts China-Europe trains (China-Central Asia trains are counted apart);
    a model train carries containers to every partner its corridor reaches, so the
    trains to Europe are the trains run in proportion to the containers bound for
    Western and Eastern Europe. Tables without ``rail_volume_europe`` count every train.
    """
    if "rail_volume_europe" not in outcomes:
        return outcomes["trains"]
    rail = outcomes["rail_volume"].where(outcomes["rail_volume"] > 0)
    return (outcomes["trains"] * outcomes["rail_volume_europe"] / rail).fillna(0.0)


def yearly_trains(outcomes: pd.DataFrame, start_year: int = 2015) -> pd.DataFrame:
    """China-Europe trains per year (:func:`europe_equivalent`) of each replication.

    One row per year, one column per replication; only whole years (four quarters).
    """
    o = with_year(
        outcomes if "replication" in outcomes else outcomes.assign(replication=0), start_year
    )
    o = o.assign(europe_trains=europe_equivalent(o))
    whole = o.groupby(["replication", "year"])["step"].count() == 4
    sums = o.groupby(["replication", "year"])["europe_trains"].sum()[whole]
    return sums.unstack("replication")


def plot_trains(
    outcomes: pd.DataFrame,
    *,
    start_year: int = 2015,
    caption: str = "",
    events: Sequence[tuple[float, str]] = (),
):
    """Simulated (mean and range over seeds) against observed national trains per year.

    ``events`` are (position, label) pairs (:func:`event_marks`) drawn as dotted vertical
    lines. Returns the figure.
    """
    from matplotlib.figure import Figure

    from sim.plots.over_time import OKABE_ITO

    years = yearly_trains(outcomes, start_year)
    observed = _source(NATIONAL).astype({"year": int, "trains": float})
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    x = years.index.to_numpy()
    ax.fill_between(
        x,
        years.min(axis=1),
        years.max(axis=1),
        color=OKABE_ITO[0],
        alpha=0.25,
        label=f"simulated, range over {years.shape[1]} seeds",
    )
    ax.plot(x, years.mean(axis=1), color=OKABE_ITO[0], lw=2, label="simulated, mean")
    ax.plot(
        observed["year"],
        observed["trains"],
        "o",
        color=OKABE_ITO[3],
        ms=7,
        label="observed (China-Europe Railway Express)",
    )
    for x_event, label in events:
        ax.axvline(x_event, color="0.5", ls=":", lw=1)
        ax.text(
            x_event + 0.04,
            0.02,
            label,
            rotation=90,
            va="bottom",
            ha="left",
            fontsize=7,
            color="0.35",
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xlabel("year")
    ax.set_ylabel("trains per year")
    ax.set_title("China-Europe trains per year: simulated against observed")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    if caption:
        fig.text(0.01, 0.0, caption, fontsize=7, color="0.4", ha="left", va="bottom")
    return fig


EVENT_LABELS = {
    "policy.subsidy.national_cap": "subsidy cap {value:.0%}",
    "policy.subsidy.empty_slot_cap": "empty slots at most {value:.0%}",
    "freight.sea_cost": "sea cost {value:,.0f}",
    "policy.assembly_centres.enabled": "assembly centres",
    "policy.coordination.pooling.enabled": "Chengdu-Chongqing mechanism",
}


def event_marks(s: Scenario) -> list[tuple[float, str]]:
    """(position, label) of the scenario's policy events worth marking on the trains chart.

    The position is on the chart's year axis, where year ``Y`` is plotted at ``Y`` for the
    whole year: the start of quarter ``q`` of ``Y`` is at ``Y - 0.5 + (q - 1) / 4``.
    """
    marks: dict[float, list[str]] = {}
    for ev in s.events:
        template = EVENT_LABELS.get(ev.path) if ev.kind == "set" else None
        if template is None:
            continue
        x = s.run.start_year + (ev.step - 1) / 4 - 0.5
        try:
            label = template.format(value=ev.value)
        except (TypeError, ValueError):
            label = template
        if label not in marks.setdefault(x, []):
            marks[x].append(label)
    return [(x, "; ".join(labels)) for x, labels in sorted(marks.items())]


# ---------------------------------------------------------------------------------------
# The search


# Shares of each sector's exports that are rail-eligible, before calibration: the search
# scales them by one factor (``RAIL_ELIGIBLE``), so it never depends on the defaults it
# sets.
RAIL_ELIGIBLE_REFERENCE = {
    "electronics": 0.35,
    "machinery": 0.15,
    "automotive": 0.20,
    "chemicals": 0.04,
    "consumer_goods": 0.04,
}
RAIL_ELIGIBLE = "freight.sectors.*.rail_eligible"
# Values of time before calibration (USD per FEU-day), scaled by one factor likewise.
VALUE_OF_TIME_REFERENCE = {
    "electronics": 400.0,
    "machinery": 150.0,
    "automotive": 220.0,
    "chemicals": 60.0,
    "consumer_goods": 40.0,
}
VALUE_OF_TIME = "freight.sectors.*.value_of_time"


def free(path: str, low: float, high: float, *, log: bool = False, meaning: str = "") -> Parameter:
    """A parameter the search moves, over ``low``..``high`` (log-uniform when ``log``).

    The path ``freight.sectors.*.rail_eligible`` is one factor that scales every sector's
    reference rail-eligible share (:data:`RAIL_ELIGIBLE_REFERENCE`), capped at 1;
    ``freight.sectors.*.value_of_time`` scales every sector's reference value of time
    (:data:`VALUE_OF_TIME_REFERENCE`).
    """
    return Parameter(path, "float", low, high, log=log, role="calibrated", meaning=meaning)


SPACE: tuple[Parameter, ...] = (
    # cost responses
    free("freight.export_elasticity", 0.3, 3.0, log=True, meaning="export response to cost"),
    free("freight.density_premium", 0.2, 2.0, meaning="cost response to frequency"),
    free("freight.congestion", 0.0, 2.0, meaning="cost response to overload"),
    free(VALUE_OF_TIME, 0.15, 1.5, log=True, meaning="values of time (factor)"),
    # logit scale and stickiness
    free("freight.logit_scale", 200.0, 4000.0, log=True, meaning="logit scale"),
    free("freight.contract_length", 1.0, 16.0, log=True, meaning="contract length"),
    # weight of relative standing and train targets
    free("strategy.rank_weight", 0.0, 1500.0, meaning="weight of relative standing"),
    free("strategy.train_value", 0.0, 50000.0, meaning="weight of train targets"),
    free("freight.min_trains", 1.0, 13.0, meaning="scheduled trains of a platform"),
    free("freight.initial_capacity", 20.0, 200.0, log=True, meaning="terminal size"),
    free("freight.expand_share", 0.25, 2.0, meaning="capacity expansion"),
    # herding, entry and learning
    free("strategy.herding", 0.02, 0.6, log=True, meaning="herding"),
    free("strategy.entry", 0.0, 0.03, meaning="entry on unused corridors"),
    free("strategy.subsidy_step", 0.005, 0.08, log=True, meaning="learning rate"),
    free("strategy.imitation", 0.02, 0.5, log=True, meaning="imitation"),
    # demand, rail-eligible share, scale
    free("partners.demand_growth", 0.0, 0.10, meaning="demand growth"),
    free(RAIL_ELIGIBLE, 0.2, 3.0, log=True, meaning="rail-eligible share (factor)"),
    free("freight.total_exports", 5e4, 4e6, log=True, meaning="scale"),
)


def apply_parameters(scenario: dict[str, Any], params: dict[str, float]) -> dict[str, Any]:
    """A copy of a scenario dict with ``params`` (paths of :data:`SPACE`) set."""
    out = copy.deepcopy(scenario)
    for path, value in params.items():
        if path == RAIL_ELIGIBLE:
            for sector in SECTORS:
                share = min(RAIL_ELIGIBLE_REFERENCE[sector] * value, 1.0)
                set_path(out, f"freight.sectors.{sector}.rail_eligible", _round(share))
        elif path == VALUE_OF_TIME:
            for sector in SECTORS:
                vot = VALUE_OF_TIME_REFERENCE[sector] * value
                set_path(out, f"freight.sectors.{sector}.value_of_time", _round(vot))
        else:
            set_path(out, path, value)
    return out


def parameter_settings(params: dict[str, float]) -> dict[str, Any]:
    """``params`` as the scenario values they set (the factor spelled out by sector)."""
    return _flatten(apply_parameters({}, params))


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


@dataclass(frozen=True)
class EvalTask:
    """One point of the search: the scenario with its parameters, run on every seed."""

    index: int
    scenario: dict[str, Any]
    seeds: tuple[int, ...]


def evaluate(task: EvalTask) -> tuple[int, pd.DataFrame]:
    """Run the task's scenario on each seed; its simulated patterns, one row per seed."""
    from sim.experiments.experiment import run

    s = validate(task.scenario, origin=f"calibration point {task.index}")
    rows = []
    for i, seed in enumerate(task.seeds):
        r = run(s, seed=seed)
        row = extract(
            r.outcomes, r.platforms, start_year=s.run.start_year, slots=s.freight.train_slots
        )
        rows.append({"replication": i, **row})
    return task.index, pd.DataFrame(rows).set_index("replication")


@dataclass
class CalibrationResult:
    """What a search found: every point evaluated and the best one."""

    space: tuple[Parameter, ...]
    evaluations: pd.DataFrame  # one row per point: stage, parameters, loss, mean patterns
    best: dict[str, float]
    best_loss: float
    best_patterns: pd.DataFrame  # the best point's simulated patterns, one row per seed
    seeds: list[int]
    settings: dict[str, Any] = field(default_factory=dict)
    patterns: dict[int, pd.DataFrame] = field(default_factory=dict)  # every point's, by point

    def ranked(self) -> list[tuple[int, dict[str, float], float]]:
        """Every point as (point, parameters, loss), best first (ties: earliest point)."""
        table = self.evaluations.sort_values(["loss", "point"], kind="stable")
        return [
            (int(r["point"]), {fp.path: float(r[fp.path]) for fp in self.space}, float(r["loss"]))
            for _, r in table.iterrows()
        ]


def _lhs(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=rng).random(n)


def calibrate(
    scenario: Scenario,
    *,
    space: Sequence[Parameter] = SPACE,
    points: int = 320,
    rounds: int = 3,
    round_points: int = 50,
    shrink: float = 0.5,
    seeds: int = 2,
    seed: int = 0,
    backend: Any = None,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit ``space`` to the patterns: a Latin hypercube, then shrinking local rounds.

    Stage 0 draws ``points`` points over the whole box; each later round draws
    ``round_points`` in a box around the best point so far whose half-width (on the unit
    scale of each parameter) is ``0.5 * shrink**round``. Every point runs on the same
    ``seeds`` child seeds of ``seed`` and is scored by :func:`loss` on the mean patterns.
    The draws come from ``numpy.random.SeedSequence(seed)``, so the result depends on
    ``seed`` and the settings only. ``progress`` is called with the points done and the
    best loss so far.
    """
    from sim.experiments.experiment import child_seeds
    from sim.experiments.runners import SequentialBackend

    space = tuple(space)
    run_seeds = child_seeds(seed, seeds)
    base = dump_scenario(scenario)
    d = len(space)
    streams = np.random.SeedSequence(seed).spawn(rounds + 1)
    records: list[dict[str, Any]] = []
    patterns: dict[int, pd.DataFrame] = {}
    best_u: np.ndarray | None = None
    best_loss = math.inf
    done = 0

    def run_stage(stage: int, units: np.ndarray) -> None:
        nonlocal best_u, best_loss, done
        start = len(records)
        tasks = []
        for k, u in enumerate(units):
            params = rounded(
                {fp.path: fp.from_unit(float(x)) for fp, x in zip(space, u, strict=True)}
            )
            tasks.append(EvalTask(start + k, apply_parameters(base, params), tuple(run_seeds)))
            records.append({"point": start + k, "stage": stage, **params, "_u": u})
        results = {}
        for index, table in (backend or SequentialBackend()).imap_unordered(evaluate, tasks):
            results[index] = table
            done += 1
            if progress is not None:
                progress(done, min(best_loss, loss(mean_patterns(table))))
        for index in sorted(results):  # in point order: ties go to the earliest point
            means = mean_patterns(results[index])
            value = loss(means)
            records[index].update({"loss": value, **{f"sim.{k}": v for k, v in means.items()}})
            patterns[index] = results[index]
            if value < best_loss:
                best_loss, best_u = value, records[index]["_u"]

    run_stage(0, _lhs(points, d, np.random.default_rng(streams[0])))
    for r in range(1, rounds + 1):
        assert best_u is not None
        half = 0.5 * shrink**r
        low = np.clip(best_u - half, 0.0, 1.0)
        high = np.clip(best_u + half, 0.0, 1.0)
        units = low + _lhs(round_points, d, np.random.default_rng(streams[r])) * (high - low)
        run_stage(r, units)
    table = pd.DataFrame([{k: v for k, v in rec.items() if k != "_u"} for rec in records])
    best_row = int(table["loss"].idxmin())
    best = {fp.path: float(table.loc[best_row, fp.path]) for fp in space}
    return CalibrationResult(
        space=space,
        evaluations=table,
        best=best,
        best_loss=float(table.loc[best_row, "loss"]),
        best_patterns=patterns[int(table.loc[best_row, "point"])],
        seeds=run_seeds,
        settings={
            "points": points,
            "rounds": rounds,
            "round_points": round_points,
            "shrink": shrink,
            "seeds": seeds,
            "seed": seed,
        },
        patterns=patterns,
    )


# ---------------------------------------------------------------------------------------
# Directional checks: the calibrated defaults must keep the countermeasures' directions


Check = tuple[str, str, Any, int]  # (scenario, outcome, window, expected sign)


def load_checks(path: str | Path) -> tuple[list[Check], list[Check], list[int]]:
    """The ``ROBUST`` and ``CONTESTED`` checks and the ``SEEDS`` of a directional test file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_direction_checks", Path(path))
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.ROBUST), list(module.CONTESTED), list(module.SEEDS)


def failed_checks(
    settings: dict[str, Any],
    checks: Sequence[Check],
    *,
    scenarios: str | Path,
    seeds: Sequence[int],
    base: str = "baseline",
    backend: Any = None,
) -> list[tuple[Check, int]]:
    """The checks that fail with ``settings`` as the package defaults, with the sign found.

    Each scenario of ``scenarios`` (a directory of TOML files) named by a check runs with
    ``settings`` as ``--set`` overrides on ``seeds``, paired with ``base`` (common random
    numbers), and a check passes when the 95% interval of the paired difference has the
    expected sign (0: spans zero), as in ``tests/test_directions.py``.
    """
    from sim.analysis.compare import direction, paired_differences
    from sim.experiments.runners import SequentialBackend, run_replications
    from sim.scenario.schema import load_scenario

    overrides = [f"{k}={v}" for k, v in settings.items()]
    tables: dict[str, pd.DataFrame] = {}
    backend = backend or SequentialBackend()
    for name in [base, *dict.fromkeys(c[0] for c in checks)]:
        if name not in tables:
            s = load_scenario(Path(scenarios) / f"{name}.toml", overrides)
            tables[name] = run_replications(s, list(seeds), backend=backend).outcomes
    failures = []
    for name, outcome, window, sign in checks:
        table = paired_differences(
            {base: tables[base], name: tables[name]}, base, outcomes=[outcome], window=window
        )
        got = direction(table[table["scenario"] == name].iloc[0])
        if got != sign:
            failures.append(((name, outcome, window, sign), got))
    return failures


def calibrated_scenario_text(
    params: dict[str, float], *, extends: str, name: str = "calibrated", header: Iterable[str] = ()
) -> str:
    """Fitted parameters (paths of :data:`SPACE`) as a scenario file that extends ``extends``.

    Values are rounded to 4 significant digits: the file is what ``sim report`` runs and
    what the package defaults are set from.
    """
    import tomli_w

    params = {path: _round(value) for path, value in params.items()}
    tree: dict[str, Any] = {"extends": extends, "name": name}
    tree["description"] = "History with the parameters fitted by sim calibrate"
    for path, value in parameter_settings(params).items():
        set_path(tree, path, _round(value))
    lines = [f"# {line}" if line else "#" for line in header]
    return "\n".join(lines) + ("\n" if lines else "") + tomli_w.dumps(tree)


def rounded(params: dict[str, float]) -> dict[str, float]:
    """``params`` rounded to 4 significant digits, as :func:`calibrated_scenario_text` writes."""
    return {k: _round(v) for k, v in params.items()}


def _round(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.4g}")
