"""Who pays, who gains: each province's share of subsidy and freight, subsidy per FEU.

They read the per-province table of a run (``provinces.parquet``; one or many
replications): shares are taken within each replication, then averaged over them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.summary import interval_text
from sim.plots.common import (
    OKABE_ITO,
    WINDOW_TEXT,
    add_caption,
    axes,
    error_bars,
    in_window,
    mean_interval,
    text_width,
    with_replication,
)
from sim.plots.over_time import compact_number

PAYS, GAINS = "#D55E00", "#0072B2"  # vermillion: subsidy paid; blue: freight credited
OFF_SCALE = 4.0  # the per-container axis ends at this many times the national average


def province_shares(
    provinces: pd.DataFrame, *, window: str = "run", level: float = 0.95
) -> pd.DataFrame:
    """Each province's share of subsidy paid and of rail freight credited, with intervals.

    Shares are taken within each replication (the province's total over the window over
    the national total), then averaged over replications. Subsidy per container is the
    province's subsidy over the freight credited to it.

    Returns:
        One row per province with any subsidy or freight: ``province, member,
        subsidy_share, subsidy_low, subsidy_high, volume_share, volume_low, volume_high,
        per_feu, per_feu_low, per_feu_high`` (shares 0-1; ``per_feu`` in USD per FEU),
        sorted by subsidy share.
    """
    table = in_window(with_replication(provinces), window)
    totals = table.groupby(["replication", "province"])[["subsidy_paid", "credited_volume"]].sum()
    national = totals.groupby("replication").transform("sum")
    shares = (totals / national.where(national > 0)).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_feu = (
            1e6
            * totals["subsidy_paid"]
            / totals["credited_volume"].where(totals["credited_volume"] > 0)
        )
    rows = []
    for name, part in shares.groupby(level="province"):
        sub = mean_interval(part["subsidy_paid"], level)
        vol = mean_interval(part["credited_volume"], level)
        cost = per_feu.loc[part.index].dropna()
        per = mean_interval(cost, level) if len(cost) else (math.nan, math.nan, math.nan)
        rows.append((name, *sub, *vol, *per))
    columns = [
        "province",
        *("subsidy_share", "subsidy_low", "subsidy_high"),
        *("volume_share", "volume_low", "volume_high"),
        *("per_feu", "per_feu_low", "per_feu_high"),
    ]
    out = pd.DataFrame(rows, columns=columns)
    members = (
        set(table.loc[table["member"].astype(bool), "province"]) if "member" in table else set()
    )
    out.insert(1, "member", out["province"].isin(members))
    out = out[(out["subsidy_share"] > 0) | (out["volume_share"] > 0)]
    return out.sort_values("subsidy_share", ascending=False).reset_index(drop=True)


def national_per_feu(provinces: pd.DataFrame, window: str = "run") -> float:
    """All subsidy paid over all freight credited in the window, in USD per FEU."""
    frame = in_window(with_replication(provinces), window)
    return 1e6 * frame["subsidy_paid"].sum() / max(frame["credited_volume"].sum(), 1e-9)


def _province_labels(table: pd.DataFrame) -> list[str]:
    return [f"{p} ●" if m else p for p, m in zip(table["province"], table["member"], strict=True)]


def plot_subsidy_by_province(
    provinces: pd.DataFrame,
    *,
    ax: Axes | None = None,
    window: str = "run",
    level: float = 0.95,
    title: str | None = None,
) -> Axes:
    """Who pays, who gains: each province's share of subsidy paid and of freight credited.

    A province whose vermillion bar (its share of all subsidies) is longer than its blue
    bar (its share of all rail freight credited to provinces) pays more per container than
    the national average. Bars: mean over replications; whiskers: bootstrap interval. Members of
    the coordination body are marked ●.

    Args:
        provinces: The province table of a run (one or more replications).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        window: ``run`` (totals over every step) or ``final`` (the last four quarters).
        level: Interval level.
        title: Axes title.
    """
    ax = axes(ax)
    table = province_shares(provinces, window=window, level=level)
    y = np.arange(len(table))
    height = 0.4
    bars = (
        ("subsidy", PAYS, "share of subsidy paid", -height / 2),
        ("volume", GAINS, "share of rail freight credited", height / 2),
    )
    for key, color, label, offset in bars:
        mean = 100 * table[f"{key}_share"]
        err = error_bars(mean, 100 * table[f"{key}_low"], 100 * table[f"{key}_high"])
        ax.barh(
            y + offset,
            mean,
            height=height,
            xerr=err,
            color=color,
            label=label,
            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
        )
    ax.set_yticks(y, _province_labels(table), fontsize="small")
    ax.set_ylim(len(table) - 0.5, -0.5)  # the largest payer on top
    ax.set_xlabel("share of the national total (%)")
    ax.set_xlim(left=0)
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    ax.set_title(
        title
        if title is not None
        else f"Who pays, who gains: shares by province, {WINDOW_TEXT[window]}"
    )
    return ax


def plot_subsidy_per_feu(
    provinces: pd.DataFrame,
    *,
    ax: Axes | None = None,
    window: str = "run",
    level: float = 0.95,
    order: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Subsidy each province pays per container credited to it, with the national average.

    A province that pays for trains but is credited almost no freight has a per-container
    figure many times the national one; the axis stops at :data:`OFF_SCALE` times the
    national average and such a bar ends in an arrow labelled with its value, so the
    others stay readable.

    Args:
        provinces: The province table of a run (one or more replications).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        window: ``run`` (totals over every step) or ``final`` (the last four quarters).
        level: Interval level.
        order: Provinces top to bottom; by default by share of subsidy paid.
        title: Axes title.
    """
    ax = axes(ax)
    table = province_shares(provinces, window=window, level=level).set_index("province")
    if order is not None:
        table = table.reindex([p for p in order if p in table.index])
    table = table.reset_index()
    y = np.arange(len(table))
    average = national_per_feu(provinces, window)
    value = table["per_feu"].fillna(0.0)
    limit = OFF_SCALE * average if average > 0 else math.inf
    off = value > limit
    shown = value.clip(upper=limit)
    low = table["per_feu_low"].clip(upper=limit)
    err = error_bars(shown, low, table["per_feu_high"].clip(upper=limit))
    if err is not None:
        err[:, off.to_numpy()] = 0.0  # an off-scale bar's interval is off the scale too
    ax.barh(
        y,
        shown,
        height=0.6,
        xerr=err,
        color=OKABE_ITO[4],
        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
    )
    for row in np.flatnonzero(off.to_numpy()):
        ax.annotate(
            f"{compact_number(value.iloc[row])} ▸",
            (limit, y[row]),
            xytext=(-3, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize="x-small",
            color="white",
            fontweight="bold",
        )
    ax.axvline(average, color="0.2", linestyle="--", linewidth=1.0, label="national average")
    ax.set_yticks(y, _province_labels(table), fontsize="small")
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlabel("subsidy per container credited (USD per FEU)")
    ax.set_xlim(0, limit * 1.02 if off.any() else None)
    ax.xaxis.set_major_formatter(FuncFormatter(compact_number))
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    ax.set_title(
        title
        if title is not None
        else f"Subsidy per container, by province (dashed: national {average:,.0f})"
    )
    return ax


def subsidy_figure(
    provinces: pd.DataFrame, *, caption: str = "", window: str = "run", level: float = 0.95
) -> Figure:
    """Shares of subsidy and freight by province beside subsidy per container."""
    n = len(province_shares(provinces, window=window, level=level))
    fig = Figure(figsize=(12.0, 0.36 * n + 2.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1.5, 1.0])
    plot_subsidy_by_province(provinces, ax=left, window=window, level=level, title="")
    plot_subsidy_per_feu(provinces, ax=right, window=window, level=level, title="")
    left.set_title("share of the national total", fontsize="medium")
    average = national_per_feu(provinces, window)
    right.set_title(f"subsidy per container (dashed: national {average:,.0f})", fontsize="medium")
    right.tick_params(labelleft=False)
    fig.suptitle(
        f"Who pays, who gains: subsidies and rail freight by province, {WINDOW_TEXT[window]}",
        fontsize="large",
    )
    note = (
        f"bars: mean over replications; whiskers: {interval_text(level)}; ● coordination"
        " member; freight is credited to the province that owns the hub (with pooling, to"
        f" the freight's origin); ▸ a bar beyond {OFF_SCALE:g}x the national figure, its"
        " value written in it"
    )
    add_caption(fig, caption, note, width=text_width(fig))
    return fig
