"""The financing funnel: who applies for a loan to go abroad, and what becomes of it.

It reads the outcome table of a run (one or many replications, optionally a
``scenario`` column, the scenarios' bars then side by side).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.summary import interval_text
from sim.plots.common import (
    OKABE_ITO,
    add_caption,
    axes,
    error_bars,
    mean_interval,
    text_width,
    with_replication,
)

FUNNEL = (
    ("going_abroad", "applied for a loan", "total over the run"),
    ("approved", "approved", "total over the run"),
    ("projects_active", "projects running", "at the last step"),
    ("defaults", "defaulted", "total over the run"),
)


def funnel_table(outcomes: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """The financing funnel per replication, summarized: totals of flows, the final stock.

    Applications, approvals and defaults are summed over the run; running projects are
    counted at the last step. With a ``scenario`` column, one block of rows per scenario.

    Returns:
        ``scenario`` (if present), ``stage, label, basis, mean, low, high, share, of``:
        approvals as a share of applications, running projects and defaults as a share
        of approvals (``of`` names the stage the share is taken of).
    """
    table = with_replication(outcomes)
    by = ["scenario"] if "scenario" in table.columns else []
    rows = []
    for key, part in table.groupby(by, sort=False) if by else [((), table)]:
        last = part[part["step"] == part["step"].max()]
        means: dict[str, float] = {}
        for stage, label, basis in FUNNEL:
            if basis == "at the last step":
                values = last.groupby("replication")[stage].mean()
            else:
                values = part.groupby("replication")[stage].sum()
            mean, low, high = mean_interval(values, level)
            means[stage] = mean
            of = {"going_abroad": "", "approved": "going_abroad"}.get(stage, "approved")
            row = {"stage": stage, "label": label, "basis": basis}
            row |= {"mean": mean, "low": low, "high": high}
            row["share"] = mean / means[of] if of and means[of] else math.nan
            row["of"] = of
            if by:
                row = {"scenario": key[0] if isinstance(key, tuple) else key} | row
            rows.append(row)
    return pd.DataFrame(rows)


def plot_funnel(
    outcomes: pd.DataFrame,
    *,
    ax: Axes | None = None,
    level: float = 0.95,
    title: str | None = None,
) -> Axes:
    """The financing funnel: applications, approvals, running projects, defaults.

    Bars are means over replications with bootstrap-interval whiskers; each is labelled with
    its count and its share of the applications. With a ``scenario`` column, the
    scenarios' bars stand side by side (the first is the base, in black).

    Args:
        outcomes: The outcome table of a run (one or more replications, optionally a
            ``scenario`` column).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        level: Interval level.
        title: Axes title.
    """
    from sim.plots.compare import scenario_styles

    ax = axes(ax)
    table = funnel_table(outcomes, level=level)
    names = list(dict.fromkeys(table["scenario"])) if "scenario" in table else [""]
    colors = (
        {n: c for n, (c, _) in scenario_styles(names).items()}
        if len(names) > 1
        else {"": OKABE_ITO[0]}
    )
    stage_colors = [OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[5], OKABE_ITO[3]]
    height = 0.8 / len(names)
    top = float(np.nanmax(table["high"].fillna(table["mean"]).to_numpy()))
    for k, name in enumerate(names):
        rows = table[table["scenario"] == name] if name else table
        y = np.arange(len(rows)) - 0.4 + height * (k + 0.5)
        bar_colors = stage_colors if len(names) == 1 else colors[name]
        ax.barh(
            y,
            rows["mean"],
            height=height * 0.92,
            xerr=error_bars(rows["mean"], rows["low"], rows["high"]),
            color=bar_colors,
            label=name or None,
            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
        )
        for yy, r in zip(y, rows.itertuples(), strict=True):
            of = {"going_abroad": "applied", "approved": "approved"}.get(r.of, "")
            share = f" ({r.share:.0%} of {of})" if of and np.isfinite(r.share) else ""
            ax.annotate(
                f"{r.mean:,.0f}{share}",
                (max(r.high if np.isfinite(r.high) else r.mean, r.mean), yy),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="x-small" if len(names) > 1 else "small",
            )
    ax.set_yticks(np.arange(len(FUNNEL)), [f"{label}\n({basis})" for _, label, basis in FUNNEL])
    ax.set_ylim(len(FUNNEL) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.35 if top > 0 else 1.0)
    ax.set_xlabel("enterprises, loans or projects (count)")
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    if len(names) > 1:
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    ax.set_title(title if title is not None else "The financing funnel")
    return ax


def funnel_figure(outcomes: pd.DataFrame, *, caption: str = "", level: float = 0.95) -> Figure:
    """The financing funnel as a figure with its caption."""
    scenarios = outcomes["scenario"].nunique() if "scenario" in outcomes.columns else 1
    fig = Figure(figsize=(9.0, 3.6 + 0.5 * max(scenarios - 1, 0)), layout="constrained")
    plot_funnel(outcomes, ax=fig.subplots(), level=level, title="")
    fig.suptitle(
        "The financing funnel: who applies for a loan to go abroad, and what becomes of it",
        fontsize="large",
    )
    note = (
        f"bars: mean over replications; whiskers: {interval_text(level)}; a loan is approved"
        " within the lender's capacity, starts after the approval lag, and defaults when the"
        " project fails"
    )
    add_caption(fig, caption, note, width=text_width(fig))
    return fig
