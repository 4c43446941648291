"""Summaries of replicated outcomes with intervals for their mean, as tidy DataFrames.

Every function takes a tidy table first (one row per replication and step, one column
per outcome, as written to ``outcomes.parquet``), options keyword-only, and returns a
DataFrame. With one replication an interval is NaN rather than an error.

Two intervals, each for one kind of quantity:

- **Levels** (an outcome's mean over replications, in tables and chart bands) get the
  bootstrap percentile interval of the mean (:func:`bootstrap_bounds`). It lies between
  the smallest and the largest replication, so it respects whatever bounds the outcome
  has: a count's band never goes below zero, a share's never leaves [0, 1] (a t-interval
  of a skewed count did, to -250 for default losses). With few replications it is a
  little narrower than a t-interval (about 92% coverage for a nominal 95% at 10).
- **Paired differences** (:mod:`sim.analysis.compare`) have no bound and keep the
  Student-t interval (:func:`t_interval`).

The t quantile is ``scipy.special.stdtrit`` (what ``scipy.stats.t.ppf`` computes),
imported when a t-interval is first computed: ``scipy.stats`` alone takes about a second
to import, longer than a short run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sim.outcomes import OUTCOMES

ID_COLUMNS = ("replication", "seed", "step")
STATS = ("mean", "std", "low", "high", "n")

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20260101  # fixed: the same table always gets the same interval


def interval_text(level: float = 0.95) -> str:
    """What the interval of a level is, for captions and table notes."""
    return f"{level:.0%} bootstrap interval of the mean over replications"


def bootstrap_bounds(
    values: np.ndarray, level: float = 0.95, *, resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the mean of each row of ``values`` (rows x n).

    The same ``resamples`` resamples of the n columns serve every row: multinomial counts
    drawn from a generator seeded by :data:`BOOTSTRAP_SEED` and n alone, so a row's
    interval does not depend on the other rows, the process or the call order. Bounds are
    NaN where n < 2. They always lie within the row's range, and around its mean.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    rows, n = values.shape
    if n < 2 or rows == 0:
        nan = np.full(rows, np.nan)
        return nan, nan.copy()
    weights = _resample_weights(n, resamples)
    # einsum, not BLAS: a fixed order of summation, so a row gets the same bounds bit for
    # bit whatever rows come with it and however many threads BLAS would use
    means = np.einsum("rn,bn->rb", values, weights, optimize=False)  # rows x resamples
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail], axis=1)
    center = values.mean(axis=1)
    return np.minimum(low, center), np.maximum(high, center)


@functools.lru_cache(maxsize=64)
def _resample_weights(n: int, resamples: int) -> np.ndarray:
    """Each resample's weight on each of n values (multinomial counts / n), read-only.

    Drawn once per ``(n, resamples)`` from a generator seeded by :data:`BOOTSTRAP_SEED`
    and n: the charts of a run ask for hundreds of intervals of the same n.
    """
    rng = np.random.default_rng([BOOTSTRAP_SEED, n])
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples) / n  # resamples x n
    weights.setflags(write=False)
    return weights


def bootstrap_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and bootstrap percentile interval of ``values`` (NaNs dropped; NaN bounds if n < 2)."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    mean = float(x.mean()) if x.size else float("nan")
    low, high = bootstrap_bounds(x[None, :], level)
    return mean, float(low[0]), float(high[0])


def half_width(std: np.ndarray | float, n: np.ndarray | int, level: float) -> np.ndarray:
    """Half-width of the Student-t interval for a mean of ``n`` values; NaN where n < 2.

    The one t-interval of the package: :func:`t_interval` and :func:`interval` (and
    through them the paired differences of comparisons) call it.
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
    """Mean, std, bootstrap interval of the mean and n of each outcome in each ``by`` group.

    ``low`` and ``high`` are :func:`bootstrap_bounds` of the group's values (NaNs left
    out): they respect the outcome's bounds.

    Returns:
        A long table: the ``by`` columns, ``outcome``, then ``mean, std, low, high, n``.
    """
    columns = list(columns) if columns is not None else outcome_columns(outcomes)
    long = outcomes.melt(id_vars=list(by), value_vars=columns, var_name="outcome")
    long["outcome"] = pd.Categorical(long["outcome"], categories=columns)
    keys = [*by, "outcome"]
    groups = long.groupby(keys, observed=True, sort=True)
    out = groups["value"].agg(["mean", "std", "count"]).rename(columns={"count": "n"})
    out = out.reset_index()
    out["low"], out["high"] = _group_bounds(
        groups.ngroup().to_numpy(), long["value"].to_numpy(dtype=float), len(out), level
    )
    out["outcome"] = out["outcome"].astype(str)
    return out[[*keys, *STATS]]


def _group_bounds(
    codes: np.ndarray, values: np.ndarray, groups: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bootstrap_bounds` of each group's non-NaN values; groups of one size at once."""
    ok = ~np.isnan(values)
    order = np.argsort(codes[ok], kind="stable")
    ordered = values[ok][order]
    sizes = np.bincount(codes[ok], minlength=groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    low, high = np.full(groups, np.nan), np.full(groups, np.nan)
    for size in np.unique(sizes[sizes >= 2]):
        rows = np.flatnonzero(sizes == size)
        block = ordered[starts[rows][:, None] + np.arange(size)]
        low[rows], high[rows] = bootstrap_bounds(block, level)
    return low, high


def over_time(
    outcomes: pd.DataFrame, *, columns: Sequence[str] | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Mean and bootstrap interval across replications of each outcome at each step."""
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
        Indexed by ``outcome``, with ``group``, ``label`` and ``unit`` (from ``OUTCOMES``), then
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
    table["label"] = [OUTCOMES[c].label if c in OUTCOMES else c for c in columns]
    table["unit"] = [OUTCOMES[c].unit if c in OUTCOMES else "" for c in columns]
    for prefix, frame in parts.items():
        stats_ = summarize(frame, by=("_all",), columns=columns, level=level).set_index("outcome")
        for stat in STATS:
            table[f"{prefix}_{stat}"] = stats_[stat].reindex(columns).to_numpy()
    return table
