"""The fit: simulated patterns from a run's tables, their errors, the loss and the fit table.

* :func:`extract` turns the tables of one run (outcomes and platforms) into the simulated
  value of every item of :data:`~sim.analysis.calibration.record.PATTERNS`;
  :func:`simulate_patterns` does it for each replication.
* :func:`fit_table` sets simulated (mean and range over seeds) against observed and says
  which items fit, which miss, and which the model cannot express (:func:`verdict`);
  :func:`loss` is the weighted sum of squared errors the search minimises.
* :func:`yearly_trains` gives the China-Europe trains per year that the trains chart
  (:func:`sim.plots.calibration.plot_trains`) draws.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from sim import data
from sim.analysis.calibration.record import (
    CAP_YEARS,
    CITY_TRAINS,
    CITY_YEARS,
    CROSSING_CORRIDOR,
    CROSSING_CORRIDORS,
    CROSSING_NAMES,
    FITTED,
    FIVE_HUBS,
    INPUT,
    PATTERN_BY_KEY,
    PATTERNS,
    ROWS,
    SHANDONG,
    SHANDONG_STEPS,
    STRUCTURAL,
    TRAIN_YEARS,
    Pattern,
    format_value,
)
from sim.outcomes import CROSSING_OUTCOMES
from sim.scenario.paths import assign_path
from sim.scenario.schema import Scenario

# ---------------------------------------------------------------------------------------
# Simulated patterns


@functools.cache
def _platform_places() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """City, crossing and province of every platform id of either platform layer."""
    table = pd.concat([data.load_platforms(), data.load_city_platforms()])
    table = table.drop_duplicates("platform")
    return tuple(
        dict(zip(table["platform"], table[column], strict=True))
        for column in ("city", "crossing", "province")
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
    city, crossing, province = _platform_places()
    p = p.assign(
        city=p["platform"].map(city),
        crossing=p["platform"].map(crossing),
        province=p["platform"].map(province),
    )
    p = p.assign(both_ways=p["trains"] + p.get("return_trains", 0.0))
    by_year = o.groupby("year")
    trains = by_year["trains"].sum()
    back = by_year["return_trains"].sum() if "return_trains" in o else None
    inbound = by_year["inbound_volume"].sum() if "inbound_volume" in o else None
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
        y18.loc[y18["city"].isin(FIVE_HUBS), "both_ways"].sum(), y18["both_ways"].sum()
    )
    weighted = (y18["unit_cost"] * y18["volume"]).sum()
    out["rail_cost_2018"] = ratio(weighted, y18["volume"].sum())
    out["sea_cost_2018"] = nan  # an input: filled from the scenario by fit_table
    out["subsidy_per_feu_2018"] = ratio(at(subsidy, 2018), at(rail, 2018))
    y17 = running[running["year"] == 2017]
    out["subsidy_max_2017"] = (
        float(y17.groupby("step")["subsidy_rate"].max().mean()) if len(y17) else nan
    )
    for year in (2016, 2021):  # loaded rate over both directions (the record's combined rate)
        if back is not None and inbound is not None:
            loaded = at(rail, year) + at(inbound, year)
            out[f"load_factor_{year}"] = ratio(loaded, (at(trains, year) + at(back, year)) * slots)
        else:
            out[f"load_factor_{year}"] = ratio(at(rail, year), at(trains, year) * slots)
        out[f"return_trains_{year}"] = (
            ratio(at(back, year), at(trains, year)) if back is not None else nan
        )
    highest = running.groupby("year")["subsidy_rate"].max()
    for year in CAP_YEARS:
        out[f"cap_{year}"] = float(highest.get(year, 0.0)) if year in years else nan
    europe = by_year["rail_value_share_europe"].mean() if "rail_value_share_europe" in o else None
    out["rail_value_share_2019"] = at(europe, 2019) if europe is not None else nan
    columns = {CROSSING_OUTCOMES[n]: n for n in CROSSING_NAMES}
    if set(columns) <= set(o):  # trains each crossing cleared, both ways, by the splits
        by_crossing = o[o["year"] == 2020][list(columns)].sum().rename(columns)
    else:  # an older run: each platform's trains at its listed crossing
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
    city_year = p.groupby(["city", "year"])["both_ways"].sum()
    for name, _fact, year in CITY_TRAINS:
        key = f"city_{name.lower().replace(chr(39), '')}_{year}"
        out[key] = float(city_year.get((name, year), 0.0)) if year in years else nan
    first, last = SHANDONG_STEPS
    shandong = p[(p["province"] == SHANDONG) & p["step"].between(first, last)]
    covered = set(range(first, last + 1)) <= set(o["step"])
    out["shandong_trains"] = float(shandong["both_ways"].sum()) if covered else nan
    before = shandong[(shandong["year"] == 2018) & (shandong["trains"] > 0)]
    out["shandong_cities"] = float(before["city"].nunique()) if covered else nan
    out["unified_2021"] = nan  # an input: filled from the scenario by fit_table
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
    end_2021 = (2022 - s.run.start_year) * 4
    return {
        "sea_cost_2018": scenario_at(s, step_2018).freight.sea_cost,
        "unified_2021": float(len(scenario_at(s, end_2021).policy.unification.units)),
    }


# ---------------------------------------------------------------------------------------
# The fit


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
            f"{format_value(r.min, r.unit)} to {format_value(r.max, r.unit)}"
            if math.isfinite(r.min) and r.kind != INPUT
            else ""
        )
        sim = format_value(r.simulated, r.unit)
        err = f"{r.error:+.2f}" if math.isfinite(r.error) else ""
        lines.append(
            f"| {row} | {r.item} | {p.observed_text()} | {sim} | {span} | {err} | {r.verdict} |"
        )
    return "\n".join(lines)


def europe_equivalent(outcomes: pd.DataFrame) -> pd.Series:
    """China-Europe trains of each row, both ways: trains times Europe's share of the cargo.

    The record counts China-Europe trains in both directions (2016's 1,702 are 1,130 out
    and 572 back, the 50.6% return ratio of the same source) and China-Central Asia trains
    apart; a model train carries containers to every partner its corridor reaches, so the
    trains to Europe are the trains run out and back (``return_trains``, where the table
    has it) in proportion to the outbound containers bound for Western and Eastern Europe.
    Tables without ``rail_volume_europe`` count every train.
    """
    trains = outcomes["trains"]
    if "return_trains" in outcomes:
        trains = trains + outcomes["return_trains"]
    if "rail_volume_europe" not in outcomes:
        return trains
    rail = outcomes["rail_volume"].where(outcomes["rail_volume"] > 0)
    return (trains * outcomes["rail_volume_europe"] / rail).fillna(0.0)


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
