"""Sensitivity analysis of a sweep's results with SALib: Sobol, Morris and delta indices.

Sobol indices need a Saltelli design and Morris statistics a Morris design; every other
design (Latin hypercube, random, grid) gets given-data indices that need no special
sample: Borgonovo's delta moment-independent measure and a first-order Sobol estimate
from the same points (:func:`delta_indices`, SALib's ``delta`` method).

Every function takes the tidy results table first (one row per run: ``point``,
``replication``, ``status`` and one column per recorded statistic, e.g.
``welfare_total.final``), options keyword-only, and returns a DataFrame. Replications
are averaged per design point before the analysis (failed runs left out), and
:func:`replication_noise` reports how large the noise left in those means is compared
with the spread between points.

A design point with no successful run leaves a hole SALib cannot take: the Saltelli
block (Sobol) or the trajectory (Morris) it belongs to is dropped, and the number of
blocks used is reported with the indices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.sweep.plan import STATS

SOBOL_COLUMNS = ("outcome", "stat", "parameter", "S1", "S1_conf", "ST", "ST_conf", "base_n")
MORRIS_COLUMNS = (
    "outcome",
    "stat",
    "parameter",
    "mu",
    "mu_star",
    "mu_star_conf",
    "sigma",
    "trajectories",
)
DELTA_COLUMNS = ("outcome", "stat", "parameter", "delta", "delta_conf", "S1", "S1_conf", "points")
NOISE_COLUMNS = (
    "outcome",
    "stat",
    "replications",
    "within_sd",
    "between_sd",
    "noise_ratio",
    "noise_share",
)


def salib_seed(seed: int | None) -> int | None:
    """A non-zero seed for SALib's bootstrap (SALib's Sobol analysis ignores a seed of 0)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1


def split_column(column: str) -> tuple[str, str]:
    """``"welfare_total.final"`` -> ``("welfare_total", "final")``; other names: stat ``""``."""
    name, _, stat = column.rpartition(".")
    return (name, stat) if name and stat in STATS else (column, "")


def _ok(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["status"] == "ok"] if "status" in results.columns else results


def point_means(
    results: pd.DataFrame, *, columns: Sequence[str], points: int | None = None
) -> pd.DataFrame:
    """Mean over successful replications of each column at each design point.

    Returns:
        Indexed by ``point`` (``0 .. points - 1`` when ``points`` is given, NaN where a
        point has no successful run), one column per entry of ``columns`` and ``n``, the
        number of replications averaged.
    """
    ok = _ok(results)
    grouped = ok.groupby("point")
    out = grouped[list(columns)].mean()
    out["n"] = grouped.size()
    if points is not None:
        out = out.reindex(pd.RangeIndex(points, name="point"))
        out["n"] = out["n"].fillna(0).astype(int)
    return out


def replication_noise(results: pd.DataFrame, *, columns: Sequence[str]) -> pd.DataFrame:
    """How much replication noise is left in the point means, per column.

    ``within_sd`` is the mean over points of the standard deviation across replications;
    ``between_sd`` the standard deviation of the point means across points;
    ``noise_ratio`` their ratio; ``noise_share`` the share of the variance of the point
    means that the noise explains (mean of ``within variance / n`` over the variance
    of the point means), at most 1. Both variances are estimates, so the raw quotient
    can exceed 1 when the noise is all there is (the point means differ no more than
    the noise alone would make them); it is then reported as 1: the design cannot tell
    its points apart at this many replications. With one replication the noise cannot
    be seen and is NaN.
    """
    ok = _ok(results)
    grouped = ok.groupby("point")
    n = grouped.size()
    rows = []
    for column in columns:
        means = grouped[column].mean()
        var = grouped[column].var(ddof=1)
        within = var[n >= 2]
        between_sd = float(means.std(ddof=1)) if len(means) >= 2 else math.nan
        within_sd = float(np.sqrt(within).mean()) if len(within) else math.nan
        noise_var = float((within / n[n >= 2]).mean()) if len(within) else math.nan
        between_var = between_sd**2
        outcome, stat = split_column(column)
        rows.append(
            {
                "outcome": outcome,
                "stat": stat,
                "replications": float(n.mean()) if len(n) else math.nan,
                "within_sd": within_sd,
                "between_sd": between_sd,
                "noise_ratio": within_sd / between_sd if between_sd > 0 else math.nan,
                "noise_share": min(noise_var / between_var, 1.0) if between_var > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(NOISE_COLUMNS))


def _complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """A mask of the rows of blocks of ``size`` rows in which every value is finite."""
    blocks = np.isfinite(y).reshape(-1, size).all(axis=1)
    return np.repeat(blocks, size)


def sobol_indices(
    results: pd.DataFrame,
    problem: dict[str, Any],
    *,
    columns: Sequence[str],
    second_order: bool = False,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    seed: int | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol indices, with confidence intervals, per column.

    Args:
        results: Tidy results of a Sobol (Saltelli) design, points numbered in the
            sampler's order.
        problem: The SALib problem the design was drawn from.
        columns: The result columns to analyze.
        second_order: Whether the design was drawn for second-order indices.
        conf_level: Confidence level of the bootstrap intervals.
        num_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap (None: a fresh one each call).

    Returns:
        One row per column and parameter: ``outcome, stat, parameter, S1, S1_conf, ST,
        ST_conf, base_n`` (``*_conf`` is the half-width of the interval; ``base_n`` the
        Saltelli blocks used). A column that does not vary gets NaN indices.
    """
    from SALib.analyze import sobol

    d = problem["num_vars"]
    size = 2 * d + 2 if second_order else d + 2
    rows = []
    for column in columns:
        y = _design_means(results, column, size)
        keep = _complete_blocks(y, size)
        y = y[keep]
        base_n = len(y) // size
        outcome, stat = split_column(column)
        if base_n >= 2 and np.ptp(y) > 0:
            si = sobol.analyze(
                problem,
                y,
                calc_second_order=second_order,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=salib_seed(seed),
            )
            values = {k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            values = {k: np.full(d, math.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        rows += parameter_rows(problem["names"], values, outcome=outcome, stat=stat, base_n=base_n)
    return pd.DataFrame(rows, columns=list(SOBOL_COLUMNS))


def parameter_rows(
    names: Sequence[str], values: dict[str, np.ndarray], **fixed: Any
) -> list[dict[str, Any]]:
    """One row per parameter: the ``fixed`` entries, its name and its value of each index."""
    return [
        {**fixed, "parameter": name, **{k: float(v[j]) for k, v in values.items()}}
        for j, name in enumerate(names)
    ]


def morris_indices(
    results: pd.DataFrame,
    problem: dict[str, Any],
    sample: np.ndarray,
    *,
    columns: Sequence[str],
    num_levels: int = 4,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    seed: int | None = None,
) -> pd.DataFrame:
    """Morris elementary-effect statistics per column: mu, mu*, its interval, sigma.

    Args:
        results: Tidy results of a Morris design, points numbered in the sampler's order.
        problem: The SALib problem the design was drawn from.
        sample: The raw Morris sample (points by parameters, in the sampler's units).
        columns: The result columns to analyze.
        num_levels: The number of grid levels the design used.
        conf_level: Confidence level of the bootstrap interval of mu*.
        num_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.

    Returns:
        One row per column and parameter: ``outcome, stat, parameter, mu, mu_star,
        mu_star_conf, sigma, trajectories`` (the trajectories used).
    """
    from SALib.analyze import morris

    d = problem["num_vars"]
    size = d + 1
    keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    rows = []
    for column in columns:
        y = _design_means(results, column, size, points=len(sample))
        keep = _complete_blocks(y, size)
        trajectories = int(keep.sum()) // size
        outcome, stat = split_column(column)
        if trajectories >= 2:
            si = morris.analyze(
                problem,
                sample[keep],
                y[keep],
                num_resamples=num_resamples,
                conf_level=conf_level,
                num_levels=num_levels,
                seed=salib_seed(seed),
            )
            values = {k: np.asarray(si[k], dtype=float) for k in keys}
        else:
            values = {k: np.full(d, math.nan) for k in keys}
        rows += parameter_rows(
            problem["names"], values, outcome=outcome, stat=stat, trajectories=trajectories
        )
    return pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))


def delta_indices(
    results: pd.DataFrame,
    problem: dict[str, Any],
    sample: np.ndarray,
    *,
    columns: Sequence[str],
    conf_level: float = 0.95,
    num_resamples: int = 100,
    seed: int | None = None,
) -> pd.DataFrame:
    """Given-data indices of any design: Borgonovo's delta and a first-order Sobol index.

    SALib's ``delta.analyze`` on the design points and their replication means: delta
    (0 to 1) is how far, on average, fixing a parameter moves the whole distribution of
    the outcome (moment-independent, so it also sees effects on spread or shape); S1 the
    share of the outcome's variance its main effect explains, estimated from the same
    points. The raw (unbalanced) estimator is reported. Points without a successful run
    are left out.

    Args:
        results: Tidy results of the design.
        problem: The SALib problem the design was drawn from.
        sample: The design's points (points by parameters, in the sampler's units).
        columns: The result columns to analyze.
        conf_level: Confidence level of the bootstrap intervals.
        num_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.

    Returns:
        One row per column and parameter: ``outcome, stat, parameter, delta,
        delta_conf, S1, S1_conf, points`` (``*_conf`` the half-width of the interval;
        ``points`` the points used). Fewer than 10 points, or an outcome that does not
        vary, give NaN.
    """
    import contextlib
    import io

    from SALib.analyze import delta

    d = problem["num_vars"]
    keys = {"delta": "delta_raw", "delta_conf": "delta_raw_conf", "S1": "S1", "S1_conf": "S1_conf"}
    rows = []
    for column in columns:
        y = point_means(results, columns=[column], points=len(sample))[column].to_numpy(float)
        keep = np.isfinite(y)
        outcome, stat = split_column(column)
        if keep.sum() >= 10 and np.ptp(y[keep]) > 0:
            quiet = io.StringIO()  # SALib prints its bin merging as it goes
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                si = delta.analyze(
                    problem,
                    np.asarray(sample, dtype=float)[keep],
                    y[keep],
                    num_resamples=num_resamples,
                    conf_level=conf_level,
                    seed=salib_seed(seed),
                )
            values = {k: np.asarray(si[v], dtype=float) for k, v in keys.items()}
        else:
            values = {k: np.full(d, math.nan) for k in keys}
        rows += parameter_rows(
            problem["names"], values, outcome=outcome, stat=stat, points=int(keep.sum())
        )
    return pd.DataFrame(rows, columns=list(DELTA_COLUMNS))


def sobol_warnings(indices: pd.DataFrame, *, width: float = 0.2) -> list[str]:
    """Why a Sobol table cannot be read yet: intervals too wide, or indices below zero.

    Indices lie in 0..1, so an interval half-width above ``width``, or a first-order
    index below zero beyond its own interval, means the base sample N is too small for
    the estimates (Saltelli's estimators need hundreds of base samples for most models).
    Returns one line per outcome affected, empty when none is.
    """
    lines = []
    for (outcome, stat), part in indices.groupby(["outcome", "stat"], sort=False):
        widest = float(np.nanmax(part[["S1_conf", "ST_conf"]].to_numpy(float), initial=0.0))
        negative = part["S1"] + part["S1_conf"] < 0
        reasons = []
        if widest > width:
            reasons.append(f"intervals up to ±{widest:.2f} on indices that lie in 0..1")
        if negative.any():
            reasons.append(f"S1 below zero for {', '.join(part.loc[negative, 'parameter'])}")
        if reasons:
            n = int(part["base_n"].max())
            name = f"{outcome}.{stat}" if stat else outcome
            lines.append(
                f"{name}: {'; '.join(reasons)}: N = {n} base samples is too few; try"
                f" {max(256, 4 * n)} or more"
            )
    return lines


def _design_means(
    results: pd.DataFrame, column: str, size: int, *, points: int | None = None
) -> np.ndarray:
    """Point means of ``column`` in point order, padded with NaN to whole blocks."""
    if points is None:
        top = int(results["point"].max()) + 1 if len(results) else 0
        points = -(-top // size) * size
    return point_means(results, columns=[column], points=points)[column].to_numpy(dtype=float)
