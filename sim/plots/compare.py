"""Charts comparing scenarios: outcomes over time overlaid, and paired differences from a base.

Plot functions take ``ax=None`` (the current axes) and return the axes; the ``*_figure``
functions draw whole figures on ``matplotlib.figure.Figure`` (Agg canvas, nothing left
open); :func:`save_comparison_charts` writes them as PNG (SVG on request). Colours are
Okabe-Ito, with line styles and marker shapes as a second cue, so no chart relies on
colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.summary import interval_text, summarize
from sim.outcomes import OUTCOMES
from sim.plots.common import (
    LINE_COLORS,
    add_caption,
    axes,
    save_figure,
    set_time_axis,
    time_values,
)
from sim.plots.over_time import GROUP_TITLES, compact_number, groups, label

BASE_COLOR = "#000000"
LINESTYLES = ("-", "--", ":", "-.")
# Paired difference whose interval lies above zero, below zero, or spans it.
UP, DOWN, SPANS = ("#0072B2", "^"), ("#D55E00", "v"), ("#999999", "o")

Style = tuple[str, str]


def scenario_styles(names: Sequence[str]) -> dict[str, Style]:
    """Colour and line style per scenario: the first (the base) black and solid.

    The others take the Okabe-Ito colours in turn, with the next line style after each
    round of colours, so up to 24 scenarios stay distinct.
    """
    colors = [c for c in LINE_COLORS if c != BASE_COLOR]
    styles = {names[0]: (BASE_COLOR, "-")} if names else {}
    for i, name in enumerate(names[1:]):
        line = LINESTYLES[(i // len(colors)) % len(LINESTYLES)]
        styles[name] = (colors[i % len(colors)], line)
    return styles


def scenario_stats(outcomes: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mean and bootstrap interval across replications of every outcome, by scenario and step.

    Scenarios keep their order of appearance in ``outcomes`` (the base first).
    """
    order = list(dict.fromkeys(outcomes["scenario"]))
    ordered = outcomes.assign(scenario=pd.Categorical(outcomes["scenario"], categories=order))
    stats = summarize(ordered, by=("scenario", "step"), level=level)
    return stats.assign(scenario=stats["scenario"].astype(str))


def plot_scenarios_over_time(
    stats: pd.DataFrame,
    outcome: str,
    *,
    ax: Axes | None = None,
    styles: Mapping[str, Style] | None = None,
    band_alpha: float | None = None,
    title: str | None = None,
    start_year: int | None = None,
) -> Axes:
    """Overlay each scenario's mean and interval band over time for one outcome.

    Args:
        stats: A table from :func:`scenario_stats` (scenario, step, outcome, mean, low, high).
        outcome: The outcome to draw.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        styles: Colour and line style per scenario, in drawing order; by default
            :func:`scenario_styles` of the scenarios in ``stats`` in order of appearance.
        band_alpha: Opacity of the bands; fainter the more scenarios there are.
        title: Axes title; the outcome's label by default.
        start_year: Calendar year of step 1: the time axis in years (steps if ``None``).
    """
    ax = axes(ax)
    rows = stats[stats["outcome"] == outcome]
    if rows.empty:
        raise KeyError(f"no statistics for outcome '{outcome}'")
    styles = styles or scenario_styles(list(dict.fromkeys(stats["scenario"])))
    alpha = band_alpha if band_alpha is not None else (0.25 if len(styles) <= 4 else 0.1)
    for i, (name, (color, line)) in enumerate(styles.items()):
        these = rows[rows["scenario"] == name].sort_values("step")
        x = time_values(these["step"], start_year)
        ax.plot(
            x,
            these["mean"],
            color=color,
            linestyle=line,
            linewidth=1.4,
            label=name,
            zorder=3 if i == 0 else 2,  # the base stays visible above the others
        )
        ax.fill_between(x, these["low"], these["high"], color=color, alpha=alpha, linewidth=0)
    set_time_axis(ax, start_year)
    ax.set_ylabel(OUTCOMES[outcome].unit if outcome in OUTCOMES else "")
    ax.set_title(title if title is not None else label(outcome))
    ax.grid(True, linewidth=0.4, alpha=0.5)
    return ax


def comparison_group_figure(
    stats: pd.DataFrame,
    group: str,
    *,
    styles: Mapping[str, Style],
    caption: str = "",
    ncols: int = 4,
    level: float = 0.95,
    start_year: int | None = None,
) -> Figure:
    """A panel per outcome of ``group``, each overlaying the scenarios, with one legend."""
    present = set(stats["outcome"])
    names = [n for n, o in OUTCOMES.items() if o.group == group and n in present]
    if not names:
        raise KeyError(f"no outcomes of group '{group}' in the statistics")
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(3.3 * ncols + 2.2, 2.5 * nrows + 1.3), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, (name, ax) in enumerate(zip(names, axes, strict=False)):
        plot_scenarios_over_time(stats, name, ax=ax, styles=styles, start_year=start_year)
        ax.yaxis.set_major_formatter(FuncFormatter(compact_number))
        ax.title.set_fontsize("medium")
        if i + ncols < len(names):
            ax.set_xlabel("")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", frameon=False, fontsize="small")
    title = GROUP_TITLES.get(group, group.title())
    fig.suptitle(f"{title} outcomes over time, by scenario", fontsize="large")
    band = f"lines: mean over replications; bands: {interval_text(level)}"
    add_caption(fig, caption, band, width=150)
    return fig


def plot_differences(
    table: pd.DataFrame,
    outcome: str,
    *,
    base: str,
    ax: Axes | None = None,
    scenarios: Sequence[str] | None = None,
) -> Axes:
    """A forest plot: each scenario's mean paired difference from ``base`` and its interval.

    Args:
        table: A table from :func:`sim.analysis.compare.paired_differences` (one window).
        outcome: The outcome to draw.
        base: The base scenario, left out (its difference from itself is zero).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        scenarios: The scenarios top to bottom; by default their order in ``table``.
    """
    ax = axes(ax)
    rows = table[(table["outcome"] == outcome) & (table["scenario"] != base)]
    if rows.empty:
        raise KeyError(f"no differences for outcome '{outcome}'")
    rows = rows.set_index("scenario")
    order = [s for s in (scenarios or rows.index) if s in rows.index and s != base]
    for y, name in enumerate(order):
        row = rows.loc[name]
        diff, low, high = float(row["diff"]), float(row["diff_low"]), float(row["diff_high"])
        color, marker = UP if low > 0 else DOWN if high < 0 else SPANS
        if np.isfinite(low) and np.isfinite(high):
            ax.hlines(y, low, high, color=color, linewidth=1.8)
        ax.plot([diff], [y], marker=marker, color=color, markersize=6, linestyle="none")
    ax.axvline(0.0, color="0.2", linewidth=0.8)
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first scenario on top
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    ax.set_xlabel(f"difference ({unit})" if unit else "difference")
    ax.set_title(label(outcome))
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    return ax


def differences_figure(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    base: str,
    scenarios: Sequence[str] | None = None,
    window_text: str = "",
    caption: str = "",
    level: float = 0.95,
    ncols: int = 5,
) -> Figure:
    """A forest-plot panel per outcome: every scenario's paired difference from ``base``."""
    names = [o for o in outcomes if o in set(table["outcome"])]
    if not names:
        raise KeyError("none of the outcomes is in the differences table")
    others = [s for s in (scenarios or dict.fromkeys(table["scenario"])) if s != base]
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    height = 0.28 * len(others) + 1.3
    fig = Figure(figsize=(2.9 * ncols + 1.8, height * nrows + 1.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for name, ax in zip(names, axes, strict=False):
        plot_differences(table, name, base=base, ax=ax, scenarios=others)
        ax.title.set_fontsize("medium")
        ax.xaxis.label.set_fontsize("small")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    over = f", {window_text}" if window_text else ""
    fig.suptitle(f"Difference from {base}: mean paired difference{over}", fontsize="large")
    key = (
        f"bars: {level:.0%} t-interval of the paired difference; ▲ blue: above zero,"
        " ▼ vermillion: below zero, ● grey: spans zero"
    )
    add_caption(fig, caption, key, width=150)
    return fig


def save_comparison_charts(
    outcomes: pd.DataFrame,
    differences: pd.DataFrame,
    out_dir: str | Path,
    *,
    base: str,
    shown: Sequence[str],
    caption: str,
    window_text: str,
    level: float = 0.95,
    dpi: int = 110,
    start_year: int | None = None,
) -> list[Path]:
    """Write ``<group>.png`` (scenarios over time) and ``difference_from_base.png``.

    Args:
        outcomes: Tidy outcomes of every scenario, with a ``scenario`` column.
        differences: Paired differences of one window
            (:func:`sim.analysis.compare.paired_differences`).
        out_dir: Directory for the PNGs (made if missing).
        base: The base scenario.
        shown: Outcomes for the difference chart, one panel each.
        caption: Line under every chart (scenarios, replications, seed).
        window_text: What the differences are taken over, for the difference chart's title.
        level: Interval level, for the notes.
        dpi: Resolution of the PNGs.
        start_year: Calendar year of step 1 (the scenarios' ``run.start_year``), for
            time axes in years; in steps if ``None``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(outcomes["scenario"]))
    styles = scenario_styles([base, *(n for n in names if n != base)])
    stats = scenario_stats(outcomes, level=level)
    present = set(stats["outcome"])
    paths = []
    for group in groups():
        if any(n in present for n, o in OUTCOMES.items() if o.group == group):
            fig = comparison_group_figure(
                stats, group, styles=styles, caption=caption, level=level, start_year=start_year
            )
            paths += save_figure(fig, out_dir / group, dpi=dpi)[:1]
    fig = differences_figure(
        differences,
        shown,
        base=base,
        scenarios=names,
        window_text=window_text,
        caption=caption,
        level=level,
    )
    paths += save_figure(fig, out_dir / "difference_from_base", dpi=dpi)[:1]
    return paths
