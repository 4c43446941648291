"""Charts of a sweep: sensitivity indices as bars with intervals, an outcome over two parameters.

Like :mod:`sim.plots.over_time`, plot functions take ``ax=None`` (the current axes) and return the
axes; :func:`save_sweep_charts` draws on ``matplotlib.figure.Figure`` objects and writes
PNG files atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.sweep_report import REPORT, SweepReport, caption
from sim.outcomes import FINAL_STEPS, OUTCOMES
from sim.plots.common import OKABE_ITO, add_caption, axes, save_figure

STAT_LABELS = {
    "final": f"mean of the last {FINAL_STEPS} steps",
    "mean": "mean over all steps",
    "": "",
}


INDEX_TITLES = {
    "sobol": "Sobol indices",
    "morris": "Morris screening",
    "delta": "Given-data indices: Borgonovo's delta and first-order S1",
}


def _rows(indices: pd.DataFrame, outcome: str, stat: str | None) -> pd.DataFrame:
    rows = indices[indices["outcome"] == outcome]
    if stat is not None:
        rows = rows[rows["stat"] == stat]
    if rows.empty:
        raise KeyError(f"no indices for outcome '{outcome}'")
    return rows


def outcome_title(outcome: str) -> str:
    """A panel title: the outcome's label with the sweep's own name for it (``a.final``)."""
    name = outcome.rsplit(".", 1)[0]
    label = OUTCOMES[name].label if name in OUTCOMES else ""
    return f"{label} ({outcome})" if label else outcome


def _index_axes(ax: Axes, rows: pd.DataFrame, title: str) -> tuple[np.ndarray, float]:
    """One row of bars per parameter, top down; returns the rows' positions and bar height."""
    y = np.arange(len(rows))
    ax.set_yticks(y, rows["parameter"])
    ax.invert_yaxis()
    ax.set_title(title)
    return y, 0.38


def _no_indices(ax: Axes, note: str) -> Axes:
    """Say on the axes why there is nothing to draw."""
    ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="0.3")
    ax.set_xticks([])
    return ax


def plot_sobol(
    indices: pd.DataFrame,
    outcome: str,
    *,
    stat: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Horizontal bars of first-order (S1) and total (ST) Sobol indices with intervals.

    The axis spans the estimates (at least -0.1 to 1.1, at most -0.5 to 1.5); wider
    intervals are cut at its edge, and the axes say so.

    Args:
        indices: A table from :func:`sim.analysis.sensitivity.sobol_indices`.
        outcome: The outcome to draw.
        stat: ``final`` or ``mean`` when the table holds both.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        title: Axes title; the outcome's name by default.
        legend: Draw a legend on the axes.
    """
    ax = axes(ax)
    rows = _rows(indices, outcome, stat)
    y, height = _index_axes(ax, rows, title if title is not None else outcome_title(outcome))
    estimates = rows[["S1", "ST"]].to_numpy(dtype=float)
    if not np.isfinite(estimates).any():
        return _no_indices(ax, "no indices: the outcome does not vary")
    for offset, key, color in ((-height / 2, "S1", OKABE_ITO[0]), (height / 2, "ST", OKABE_ITO[1])):
        ax.barh(
            y + offset,
            rows[key],
            height=height,
            xerr=rows[f"{key}_conf"],
            color=color,
            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
            label={"S1": "first order (S1)", "ST": "total (ST)"}[key],
        )
    low = float(np.clip(np.nanmin(estimates) - 0.1, -0.5, -0.1))
    high = float(np.clip(np.nanmax(estimates) + 0.1, 1.1, 1.5))
    ax.set_xlim(low, high)
    conf = rows[["S1_conf", "ST_conf"]].to_numpy(dtype=float)
    if np.nanmin(estimates - conf) < low or np.nanmax(estimates + conf) > high:
        note = "some intervals are wider than shown"
        ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", fontsize="x-small")
    ax.axvline(0, color="0.4", linewidth=0.6)
    ax.set_xlabel("Sobol index (whiskers: 95% bootstrap interval)")
    if legend:
        ax.legend(frameon=False, fontsize="small", loc="best")
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    return ax


def plot_delta(
    indices: pd.DataFrame,
    outcome: str,
    *,
    stat: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Horizontal bars of the given-data indices: Borgonovo's delta and S1, with intervals.

    Args:
        indices: A table from :func:`sim.analysis.sensitivity.delta_indices`.
        outcome: The outcome to draw.
        stat: ``final`` or ``mean`` when the table holds both.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        title: Axes title; the outcome's name by default.
        legend: Draw a legend on the axes.
    """
    ax = axes(ax)
    rows = _rows(indices, outcome, stat)
    y, height = _index_axes(ax, rows, title if title is not None else outcome_title(outcome))
    if not np.isfinite(rows[["delta", "S1"]].to_numpy(dtype=float)).any():
        return _no_indices(ax, "no indices: too few points, or the outcome does not vary")
    labels = {"delta": "delta (whole distribution)", "S1": "first order (S1, variance)"}
    for offset, key, color in (
        (-height / 2, "delta", OKABE_ITO[2]),
        (height / 2, "S1", OKABE_ITO[0]),
    ):
        ax.barh(
            y + offset,
            rows[key].clip(lower=0.0),
            height=height,
            xerr=rows[f"{key}_conf"],
            color=color,
            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
            label=labels[key],
        )
    ax.set_xlim(0.0, 1.05)
    ax.set_xlabel("index, 0 to 1 (whiskers: 95% bootstrap interval)")
    if legend:
        ax.legend(frameon=False, fontsize="small", loc="best")
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    return ax


def plot_morris(
    indices: pd.DataFrame,
    outcome: str,
    *,
    stat: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Horizontal bars of Morris mu* (with its interval) and sigma per parameter.

    Args:
        indices: A table from :func:`sim.analysis.sensitivity.morris_indices`.
        outcome: The outcome to draw.
        stat: ``final`` or ``mean`` when the table holds both.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        title: Axes title; the outcome's name by default.
        legend: Draw a legend on the axes.
    """
    ax = axes(ax)
    rows = _rows(indices, outcome, stat)
    y = np.arange(len(rows))
    height = 0.38
    ax.barh(
        y - height / 2,
        rows["mu_star"],
        height=height,
        xerr=rows["mu_star_conf"],
        color=OKABE_ITO[0],
        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
        label="mu* (mean |effect|)",
    )
    ax.barh(y + height / 2, rows["sigma"], height=height, color=OKABE_ITO[1], label="sigma")
    ax.set_yticks(y, rows["parameter"])
    ax.invert_yaxis()
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    ax.set_xlabel(f"elementary effect ({unit} per parameter range)" if unit else "effect")
    ax.set_title(title if title is not None else outcome_title(outcome))
    if legend:
        ax.legend(frameon=False, fontsize="small", loc="best")
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    return ax


EXACT_LEVELS = 12  # a parameter with at most this many values gets a cell per value


def _bins(values: pd.Series, bins: int) -> tuple[pd.Series, list[str]]:
    """Cell of each value and cell labels: the values themselves if few, else equal bins."""
    unique = np.sort(values.dropna().unique())
    if len(unique) <= EXACT_LEVELS or not pd.api.types.is_numeric_dtype(values):
        codes = pd.Series(np.searchsorted(unique, values), index=values.index)
        return codes, [f"{v:g}" if isinstance(v, int | float) else str(v) for v in unique]
    edges = np.linspace(float(unique[0]), float(unique[-1]), bins + 1)
    codes = pd.Series(np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1))
    codes.index = values.index
    centers = (edges[:-1] + edges[1:]) / 2
    return codes, [f"{c:.3g}" for c in centers]


def plot_heatmap(
    points: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    *,
    bins: int | None = None,
    ax: Axes | None = None,
    cmap: str = "viridis",
    title: str | None = None,
    robust: bool = True,
) -> Axes:
    """The mean of ``outcome`` over cells of two parameters, as a heatmap.

    Args:
        points: One row per design point (or per run) with columns ``x``, ``y`` and
            ``outcome``, e.g. point means.
        x: Parameter on the horizontal axis.
        y: Parameter on the vertical axis.
        outcome: Column to average in each cell.
        bins: Cells per axis for a parameter with more than 12 distinct values (equal
            widths, labelled by their centre); fewer values get one cell each. ``None``
            picks about three points per cell on average, between 3 and 10 cells.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        cmap: A perceptually uniform colour map.
        title: Axes title; the outcome's name by default.
        robust: Scale colours to the 2nd to 98th percentile of the cells (with 20 cells
            or more), so that one extreme cell does not wash out the rest; the colour
            bar's arrows mark cells beyond.
    """
    ax = axes(ax)
    for column in (x, y, outcome):
        if column not in points.columns:
            raise KeyError(f"no column '{column}' to draw")
    if bins is None:
        bins = int(np.clip(round(math.sqrt(len(points) / 3)), 3, 10))
    cx, xlabels = _bins(points[x], bins)
    cy, ylabels = _bins(points[y], bins)
    cells = (
        pd.DataFrame({"cx": cx, "cy": cy, "v": points[outcome]})
        .groupby(["cy", "cx"])["v"]
        .mean()
        .unstack()
        .reindex(index=range(len(ylabels)), columns=range(len(xlabels)))
    )
    values = cells.to_numpy(dtype=float)
    vmin, vmax = np.nanmin(values), np.nanmax(values)
    if robust and np.isfinite(values).sum() >= 20:
        vmin, vmax = np.nanpercentile(values, [2, 98])
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(
        (bool(np.nanmin(values) < vmin), bool(np.nanmax(values) > vmax)), "both"
    )
    image = ax.imshow(
        np.ma.masked_invalid(values),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        interpolation="nearest",
        vmin=vmin,
        vmax=vmax,
    )
    ax.set_xticks(range(len(xlabels)), xlabels, rotation=45, ha="right", fontsize="small")
    ax.set_yticks(range(len(ylabels)), ylabels, fontsize="small")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    name = outcome.rsplit(".", 1)[0]
    unit = OUTCOMES[name].unit if name in OUTCOMES else ""
    bar = ax.figure.colorbar(image, ax=ax, extend=extend)
    bar.set_label(f"{outcome} ({unit})" if unit else outcome)
    ax.set_title(title if title is not None else outcome_title(outcome))
    return ax


def index_figure(
    indices: pd.DataFrame, method: str, outcomes: Sequence[str], *, caption: str = ""
) -> Figure:
    """One panel of index bars per outcome (``method``: ``sobol``, ``morris`` or ``delta``)."""
    ncols = min(2, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    n_params = indices["parameter"].nunique()
    fig = Figure(figsize=(6.0 * ncols, (0.45 * n_params + 1.4) * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    draw = {"sobol": plot_sobol, "morris": plot_morris, "delta": plot_delta}[method]
    for i, (outcome, ax) in enumerate(zip(outcomes, axes, strict=False)):
        draw(indices, outcome, ax=ax, legend=i == 0)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    name = INDEX_TITLES[method]
    fig.suptitle(name, fontsize="large")
    add_caption(fig, caption)
    return fig


def save_sweep_charts(
    out_dir: str | Path,
    *,
    method: str,
    indices: pd.DataFrame | None,
    outcomes: Sequence[str],
    points: pd.DataFrame | None = None,
    heatmap: tuple[str, str, str] | None = None,
    caption: str = "",
    dpi: int = 110,
) -> list[Path]:
    """Write ``<method>_indices.png`` and ``heatmap.png`` into ``out_dir``; return the paths.

    Args:
        out_dir: Directory for the charts (created if missing).
        method: The design method: Sobol or Morris bars for those designs, given-data
            (delta) bars for the others.
        indices: The index table (None: no index chart).
        outcomes: Outcomes to draw index panels for.
        points: Point means for the heatmap.
        heatmap: ``(x, y, column)`` of the heatmap, or None.
        caption: Line under each chart.
        dpi: Resolution of the PNG files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    present = [o for o in outcomes if indices is not None and o in set(indices["outcome"])]
    kind = method if method in ("sobol", "morris") else "delta"
    if indices is not None and present:
        fig = index_figure(indices, kind, present, caption=caption)
        paths += save_figure(fig, out_dir / f"{kind}_indices", formats=("png",), dpi=dpi)
    if heatmap is not None and points is not None:
        x, y, column = heatmap
        fig = Figure(figsize=(6.4, 5.0), layout="constrained")
        plot_heatmap(points, x, y, column, ax=fig.subplots())
        name, _, stat = column.rpartition(".")
        note = f"cell: mean over design points of {name}, {STAT_LABELS.get(stat, stat)}"
        add_caption(fig, caption, note)
        paths += save_figure(fig, out_dir / "heatmap", formats=("png",), dpi=dpi)
    return paths


def save_report_charts(report: SweepReport, out_dir: str | Path) -> list[Path]:
    """Draw the charts of a sweep report into ``<out_dir>/report`` (PNG).

    Points whose heatmap outcome is not finite (a failed run) are left out of the heatmap.
    """
    points = report.points
    if report.heatmap is not None:
        points = points[np.isfinite(points[report.heatmap[2]].to_numpy(dtype=float))]
    return save_sweep_charts(
        Path(out_dir) / REPORT,
        method=report.method,
        indices=report.indices,
        outcomes=report.outcomes,
        points=points,
        heatmap=report.heatmap,
        caption=caption(report),
    )
