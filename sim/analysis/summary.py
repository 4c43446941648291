"""Summaries of replicated outcomes with t-intervals, as tidy DataFrames.

Every function takes a tidy table first (one row per replication and step, one column
per outcome, as written to ``outcomes.parquet``), options keyword-only, and returns a
DataFrame. Intervals are Student-t intervals for the mean over replications; with one
replication they are NaN rather than an error.

The t quantile is ``scipy.special.stdtrit`` (what ``scipy.stats.t.ppf`` computes),
imported when an interval is first computed: ``scipy.stats`` alone takes about a second
to import, longer than a short run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sim.outcomes import OUTCOMES

ID_COLUMNS = ("replication", "seed", "step")
STATS = ("mean", "std", "low", "high", "n")


def half_width(std: np.ndarray | float, n: np.ndarray | int, level: float) -> np.ndarray:
    """Half-width of the Student-t interval for a mean of ``n`` values; NaN where n < 2.

    The one t-interval of the package: :func:`t_interval`, :func:`interval` and
    :func:`summarize` (and through them the comparisons and charts) all call it.
    """
    from scipy.special import stdtrit  # the t quantile; Mesa has imported it already

    n = np.asarray(n, dtype=float)
    dof = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(invalid="ignore"):
        return stdtrit(dof, 0.5 + level / 2) * np.asarray(std) / np.sqrt(n)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of ``values`` (NaN bounds when fewer than two)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if values.size else float("nan")
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = half_width(values.std(ddof=1), values.size, level)
    return mean, float(mean - half), float(mean + half)


def interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float]:
    """Student-t interval for the mean of ``values`` (NaNs dropped; NaN bounds if n < 2)."""
    x = np.asarray(list(values), dtype=float)
    _, low, high = t_interval(x[~np.isnan(x)], level)
    return low, high


def outcome_columns(outcomes: pd.DataFrame) -> list[str]:
    """The outcome columns of a tidy table: registered ones in registry order, then others."""
    known = [c for c in OUTCOMES if c in outcomes.columns]
    others = [
        c
        for c in outcomes.columns
        if c not in OUTCOMES and c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(outcomes[c])
    ]
    return known + others


def summarize(
    outcomes: pd.DataFrame,
    *,
    by: Sequence[str] = ("step",),
    columns: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean, std, t-interval and n of each outcome over the rows of each ``by`` group.

    Returns:
        A long table: the ``by`` columns, ``outcome``, then ``mean, std, low, high, n``.
    """
    columns = list(columns) if columns is not None else outcome_columns(outcomes)
    long = outcomes.melt(id_vars=list(by), value_vars=columns, var_name="outcome")
    long["outcome"] = pd.Categorical(long["outcome"], categories=columns)
    keys = [*by, "outcome"]
    grouped = long.groupby(keys, observed=True, sort=True)["value"]
    out = grouped.agg(["mean", "std", "count"]).rename(columns={"count": "n"}).reset_index()
    half = half_width(out["std"].to_numpy(), out["n"].to_numpy(), level)
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    out["outcome"] = out["outcome"].astype(str)
    return out[[*keys, *STATS]]


def over_time(
    outcomes: pd.DataFrame, *, columns: Sequence[str] | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Mean and t-interval across replications of each outcome at each step."""
    return summarize(outcomes, by=("step",), columns=columns, level=level)


def final_values(outcomes: pd.DataFrame, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Each replication's final value of every outcome: its mean over the final year.

    The final year is the replication's last ``FINAL_STEPS`` steps
    (:data:`sim.outcomes.FINAL_STEPS`, four quarters), or all of them in a shorter run:
    what "final" means in every table, chart and sweep.
    """
    from sim.outcomes import FINAL_STEPS

    columns = list(columns) if columns is not None else outcome_columns(outcomes)
    last = outcomes.groupby("replication")["step"].transform("max")
    final = outcomes[outcomes["step"] > last - FINAL_STEPS]
    return final.groupby("replication", as_index=False)[columns].mean()


def run_means(outcomes: pd.DataFrame, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Each replication's mean of every outcome over all its steps."""
    columns = list(columns) if columns is not None else outcome_columns(outcomes)
    return outcomes.groupby("replication", as_index=False)[columns].mean()


def summary_table(
    outcomes: pd.DataFrame, *, columns: Sequence[str] | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Final-year and whole-run-mean statistics over replications, one row per outcome.

    Returns:
        Indexed by ``outcome``, with ``group`` and ``unit`` (from ``OUTCOMES``), then
        ``final_mean, final_std, final_low, final_high, final_n`` and the same five for
        ``run_mean_`` (the mean over steps of each replication, summarized).
    """
    columns = list(columns) if columns is not None else outcome_columns(outcomes)
    parts = {
        "final": final_values(outcomes, columns=columns).assign(_all=0),
        "run_mean": run_means(outcomes, columns=columns).assign(_all=0),
    }
    table = pd.DataFrame(index=pd.Index(columns, name="outcome"))
    table["group"] = [OUTCOMES[c].group if c in OUTCOMES else "" for c in columns]
    table["unit"] = [OUTCOMES[c].unit if c in OUTCOMES else "" for c in columns]
    for prefix, frame in parts.items():
        stats_ = summarize(frame, by=("_all",), columns=columns, level=level).set_index("outcome")
        for stat in STATS:
            table[f"{prefix}_{stat}"] = stats_[stat].reindex(columns).to_numpy()
    return table
