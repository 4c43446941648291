"""Charts of replicated outcomes over time: mean line and interval band per outcome.

Plot functions take ``ax=None`` (the current axes) and return the axes, so notebooks can
compose them; :func:`plot_group` draws one figure per outcome group on
``matplotlib.figure.Figure`` objects (Agg canvas, no display, nothing left open).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.analysis.summary import interval_text
from sim.outcomes import OUTCOMES
from sim.plots.common import LINE_COLORS, add_caption, axes, set_time_axis, time_values

GROUP_TITLES = {
    "platforms": "Platforms and freight",
    "crossings": "Trains both ways and border crossings",
    "trade": "Trade",
    "finance": "Finance for going abroad",
    "innovation": "Innovation",
    "welfare": "Welfare",
}


def groups() -> list[str]:
    """The outcome groups, in the order of the outcome registry."""
    return list(dict.fromkeys(o.group for o in OUTCOMES.values()))


def compact_number(value: float, _pos: object = None) -> str:
    """A tick label: ``12k``, ``4.5M``, ``1.2bn`` from ten thousand up, else as it is."""
    size = abs(value)
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e4, "k")):
        if size >= scale:
            unit = 1e3 if suffix == "k" else scale
            return f"{value / unit:.3g}{suffix}"
    return f"{value:.4g}"


def label(name: str) -> str:
    """An outcome's label from the registry (its name if it has none)."""
    return OUTCOMES[name].label if name in OUTCOMES else name


def plot_over_time(
    stats: pd.DataFrame,
    outcomes: str | Sequence[str],
    *,
    ax: Axes | None = None,
    colors: Sequence[str] = LINE_COLORS,
    band_alpha: float = 0.25,
    title: str | None = None,
    start_year: int | None = None,
) -> Axes:
    """Plot the mean and interval band over time of one or more outcomes.

    Args:
        stats: A table from :func:`sim.analysis.summary.over_time` (step, outcome, mean, low, high).
        outcomes: The outcome name(s) to draw; several share the axes and get a legend.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        colors: Line colours, used in turn.
        band_alpha: Opacity of the interval band.
        title: Axes title; the outcome's label (``sim.outcomes.OUTCOMES``) when only one
            is drawn.
        start_year: Calendar year of step 1 (the scenario's ``run.start_year``): the time
            axis is then in years; in steps if ``None``.
    """
    ax = axes(ax)
    names = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    for i, name in enumerate(names):
        rows = stats[stats["outcome"] == name].sort_values("step")
        if rows.empty:
            raise KeyError(f"no statistics for outcome '{name}'")
        color = colors[i % len(colors)]
        x = time_values(rows["step"], start_year)
        ax.plot(x, rows["mean"], color=color, linewidth=1.6, label=label(name))
        ax.fill_between(x, rows["low"], rows["high"], color=color, alpha=band_alpha, linewidth=0)
    units = {OUTCOMES[n].unit for n in names if n in OUTCOMES}
    set_time_axis(ax, start_year)
    ax.set_ylabel(units.pop() if len(units) == 1 else "")
    ax.set_title(title if title is not None else (label(names[0]) if len(names) == 1 else ""))
    if len(names) > 1:
        ax.legend(frameon=False, fontsize="small")
    ax.grid(True, linewidth=0.4, alpha=0.5)
    return ax


def constants(stats: pd.DataFrame, names: Sequence[str]) -> dict[str, float]:
    """The outcomes among ``names`` whose mean and bounds are one value throughout."""
    out = {}
    for name in names:
        values = stats.loc[stats["outcome"] == name, ["mean", "low", "high"]].to_numpy()
        values = values[~np.isnan(values)]
        if values.size and np.ptp(values) <= 1e-12 * max(1.0, float(np.abs(values).max())):
            out[name] = float(values[0])
    return out


def plot_group(
    stats: pd.DataFrame,
    group: str,
    *,
    caption: str = "",
    ncols: int = 4,
    level: float = 0.95,
    start_year: int | None = None,
) -> Figure:
    """A figure with one small panel per outcome of ``group`` present in ``stats``.

    Panels are titled with the outcomes' labels, their y axes in the outcomes' units, the
    time axis in calendar years from ``start_year`` (steps if ``None``). An outcome that
    is the same in every step and replication (a mechanism switched off, a fixed count)
    gets no panel: the caption names it with its value, unless every outcome is constant.
    """
    names = [n for n, o in OUTCOMES.items() if o.group == group and n in set(stats["outcome"])]
    if not names:
        raise KeyError(f"no outcomes of group '{group}' in the statistics")
    constant = constants(stats, names)
    if constant and len(constant) < len(names):
        names = [n for n in names if n not in constant]
        listed = "; ".join(f"{label(n)} = {compact_number(v)}" for n, v in constant.items())
        caption = "; ".join(filter(None, [caption, f"constant throughout: {listed}"]))
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    width, height = 3.3 * ncols, 2.5 * nrows + 1.2
    fig = Figure(figsize=(width, height))
    # Fixed margins in inches instead of constrained layout, which spent about half of the
    # drawing time of a many-panel figure re-measuring every tick label: room on the left
    # for compact tick labels and the unit, on top for the title, below for the caption.
    fig.subplots_adjust(
        left=1.0 / width,
        right=1 - 0.15 / width,
        top=1 - 0.8 / height,
        bottom=1.05 / height,
        wspace=0.45,
        hspace=0.62,
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, (name, ax) in enumerate(zip(names, axes, strict=False)):
        color = [LINE_COLORS[i % len(LINE_COLORS)]]
        plot_over_time(stats, name, ax=ax, colors=color, start_year=start_year)
        ax.yaxis.set_major_formatter(FuncFormatter(compact_number))
        # four or five ticks are enough to read a small panel, and each tick is an object
        # matplotlib builds while drawing: the ticks were half of a panel's drawing time
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.title.set_fontsize("medium")
        if i + ncols < len(names):
            ax.set_xlabel("")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    band = f"lines: mean over replications; bands: {interval_text(level)}"
    fig.suptitle(f"{GROUP_TITLES.get(group, group.title())} outcomes over time", fontsize="large")
    add_caption(fig, caption, band)
    return fig
