"""Charts of what happens inside a run: a map of hubs and flows, who pays, the finance funnel.

They read the per-province and per-platform tables of a run (``provinces.parquet``,
``platforms.parquet``) and the outcome table, with one or many replications. Like
:mod:`sim.plots.over_time`, plot functions take ``ax=None`` (the current axes) and return the axes;
the ``*_figure`` functions draw whole figures on ``matplotlib.figure.Figure`` (Agg canvas,
nothing left open), and :func:`save_model_charts` writes them as PNG and SVG.

The map needs no GIS library: longitude and latitude are drawn as plain coordinates (an
equirectangular projection), and China's extent is shown as the convex hull of the
provincial hub cities, which is a reading aid and not a border.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from sim import data
from sim.analysis.summary import t_interval
from sim.experiments.store import write_file
from sim.plots.over_time import OKABE_ITO

FINAL_STEPS = 4  # the "final year": the last four quarters
# Okabe-Ito without black (black draws the rings of coordination members), then Paul
# Tol's "muted" scheme: colour-blind safe as far as so many colours can be; the largest
# hubs also carry direct labels, so no hub is identified by colour alone.
PROVINCE_COLORS = (
    *(c for c in OKABE_ITO if c != "#000000"),
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#EE8866",
    "#77AADD",
    "#BBCC33",
    "#FFAABB",
)
PAYS, GAINS = "#D55E00", "#0072B2"  # vermillion: subsidy paid; blue: freight credited
EURASIA = (-12.0, 140.0, -12.0, 60.0)  # lon min, lon max, lat min, lat max
CHINA = (72.0, 136.0, 17.0, 55.0)
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
WINDOW_TEXT = {"final": "final year (last 4 quarters)", "run": "whole run"}
MODEL_CHARTS = ("map", "subsidy_by_province", "funnel")
# Offsets (points) and alignment of region names whose centres lie close together.
REGION_LABELS = {"Western Europe": (-4, 10, "right"), "Eastern Europe": (4, -10, "left")}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _replicated(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a ``replication`` column (0 for the table of a single run)."""
    return table if "replication" in table.columns else table.assign(replication=0)


def _window(table: pd.DataFrame, window: str, final_steps: int = FINAL_STEPS) -> pd.DataFrame:
    """The rows of the last ``final_steps`` steps (``final``) or of every step (``run``)."""
    if window == "final":
        return table[table["step"] > table["step"].max() - final_steps]
    if window == "run":
        return table
    raise ValueError(f"window must be 'final' or 'run', not {window!r}")


def _caption(fig: Figure, caption: str, note: str) -> None:
    """The caption line (scenario, replications, seed) over a note, wrapped to the figure."""
    width = int(fig.get_figwidth() * 15)
    text = "\n".join(textwrap.fill(t, width) for t in (caption, note) if t)
    fig.supxlabel(text, fontsize="small", color="0.3")


def _summary(values: pd.Series, level: float) -> tuple[float, float, float]:
    """Mean and t-interval of per-replication values (NaN bounds with one replication)."""
    return t_interval(values.to_numpy(dtype=float), level)


def province_colors(provinces: Sequence[str]) -> dict[str, str]:
    """A colour per province, in the given order.

    The run's province order keeps colours stable across scenarios of the same provinces.
    """
    return {p: PROVINCE_COLORS[i % len(PROVINCE_COLORS)] for i, p in enumerate(provinces)}


# --- the map ------------------------------------------------------------------------------


def hub_volumes(
    platforms: pd.DataFrame,
    provinces: pd.DataFrame | None = None,
    *,
    final_steps: int = FINAL_STEPS,
    level: float = 0.95,
) -> pd.DataFrame:
    """Final-year rail volume of every platform, averaged over replications.

    Args:
        platforms: The platform table of a run (one row per step, platform and, with
            several replications, replication).
        provinces: The province table, for coordination membership (optional).
        final_steps: Quarters summed into the final year.
        level: Interval level.

    Returns:
        One row per platform: ``platform, city, province, corridor, crossing, lon, lat,
        volume`` (FEU per year, mean over replications), ``low, high`` (its interval),
        ``open`` (share of replications in which it ran at the last step), ``designated``
        and ``member``.
    """
    table = _replicated(platforms)
    last = _window(table, "final", final_steps)
    per_rep = last.groupby(["platform", "replication"])["volume"].sum().unstack()
    stats = pd.DataFrame(
        [_summary(row, level) for _, row in per_rep.iterrows()],
        index=per_rep.index,
        columns=["volume", "low", "high"],
    )
    end = table[table["step"] == table["step"].max()].groupby("platform")
    stats["open"] = end["open"].mean()
    stats["designated"] = end["designated"].any()
    geo = data.load_platforms().set_index("platform")[
        ["city", "province", "corridor", "crossing", "lon", "lat"]
    ]
    out = geo.join(stats, how="inner").reset_index()
    members: set[str] = set()
    if provinces is not None and "member" in provinces.columns:
        members = set(provinces.loc[provinces["member"].astype(bool), "province"])
    out["member"] = out["province"].isin(members)
    return out


def _hull(lon: np.ndarray, lat: np.ndarray, pad: float) -> np.ndarray:
    """The convex hull of the points, pushed ``pad`` degrees out from its centre."""
    from scipy.spatial import ConvexHull

    points = np.column_stack([lon, lat])
    corners = points[ConvexHull(points).vertices]
    centre = corners.mean(axis=0)
    away = corners - centre
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    return corners + pad * away


def _region_centres() -> pd.DataFrame:
    """Mean capital coordinates of the partner countries of each region."""
    return data.load_partners().groupby("region")[["lon", "lat"]].mean()


def plot_map(
    platforms: pd.DataFrame,
    provinces: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
    extent: tuple[float, float, float, float] | None = CHINA,
    colors: Mapping[str, str] | None = None,
    label_top: int = 8,
    max_size: float = 900.0,
    scale: float | None = None,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """Hubs on longitude and latitude, sized by final-year volume, with their flows.

    Hub cities (filled circles) are coloured by owner province, with area proportional
    to their rail volume in the final year; hollow grey circles are potential hubs that
    carried nothing. Lines run from each hub to its border crossing (width proportional
    to the platform's volume), and from each crossing to the partner regions its corridor
    reaches (width proportional to the crossing's volume; how it splits between the
    regions is not recorded). Hubs of coordination members have a black ring, designated
    hubs a black star. Partner capitals are grey squares.

    Args:
        platforms: The platform table of a run (one or more replications).
        provinces: The province table of the run, for membership and colour order.
        ax: Axes to draw on; the current pyplot axes if ``None``.
        extent: ``(lon_min, lon_max, lat_min, lat_max)``; ``None`` fits every point.
        colors: Colour per province; by default :func:`province_colors` in the run's order.
        label_top: Number of the largest hubs labelled with city and volume.
        max_size: Marker area (points squared) of the largest hub.
        scale: Volume (FEU per year) drawn with ``max_size`` and the widest hub line; by
            default the largest hub's. Give the same scale to maps meant to be compared
            (the crossings' lines stay relative to the busiest crossing of each map).
        legend: Whether to draw the legend of symbols and sizes.
        title: Axes title.
    """
    ax = _axes(ax)
    hubs = hub_volumes(platforms, provinces)
    order = (
        list(dict.fromkeys(provinces["province"]))
        if provinces is not None
        else list(dict.fromkeys(hubs["province"]))
    )
    colors = dict(colors) if colors is not None else province_colors(order)
    cities = (
        hubs.groupby(["city", "province", "lon", "lat"], as_index=False)
        .agg(volume=("volume", "sum"), member=("member", "any"), designated=("designated", "any"))
        .sort_values("volume", ascending=False)
    )
    vmax = scale or max(float(cities["volume"].max()), 1.0)
    pmax = scale or max(float(hubs["volume"].max()), 1.0)
    active = cities[cities["volume"] > 0]

    # outline: the area the provincial hub cities span (not a border)
    prov = data.load_provinces()
    hull = _hull(prov["hub_lon"].to_numpy(), prov["hub_lat"].to_numpy(), pad=2.0)
    ax.add_patch(Polygon(hull, closed=True, facecolor="0.94", edgecolor="0.75", zorder=0))

    # flows: hub -> crossing (the platform's volume), crossing -> regions (the crossing's)
    crossings = data.load_crossings().set_index("crossing")
    routes = data.load_routes()
    centres = _region_centres()
    moving = hubs[hubs["volume"] > 0]
    for r in moving.itertuples():
        cx, cy = crossings.loc[r.crossing, ["lon", "lat"]]
        width = 0.3 + 4.5 * r.volume / pmax
        color = colors.get(r.province, "0.4")
        ax.plot([r.lon, cx], [r.lat, cy], color=color, lw=width, alpha=0.55, zorder=1)
    through = moving.groupby(["crossing", "corridor"])["volume"].sum()
    cmax = max(float(through.max()), 1.0) if len(through) else 1.0  # within this map
    for (crossing, corridor), volume in through.items():
        cx, cy = crossings.loc[crossing, ["lon", "lat"]]
        for region in routes.loc[routes["corridor"] == corridor, "region"]:
            rx, ry = centres.loc[region, ["lon", "lat"]]
            width = 0.3 + 4.5 * volume / cmax
            ax.plot([cx, rx], [cy, ry], color="0.45", lw=width, alpha=0.35, zorder=1)
    ax.scatter(
        crossings["lon"], crossings["lat"], marker="^", s=28, color="0.3", zorder=3, linewidths=0
    )

    # partners: capitals, and region names at their centre
    partners = data.load_partners()
    ax.scatter(partners["lon"], partners["lat"], marker="s", s=10, color="0.55", zorder=2)
    for region, (x, y) in centres.iterrows():
        dx, dy, ha = REGION_LABELS.get(region, (0, -10, "center"))
        ax.annotate(
            region,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va="top" if dy < 0 else "bottom",
            fontsize="x-small",
            fontstyle="italic",
            color="0.25",
            path_effects=HALO,
            annotation_clip=True,
        )

    # hubs
    idle = cities[cities["volume"] <= 0]
    ax.scatter(idle["lon"], idle["lat"], s=14, facecolor="none", edgecolor="0.6", lw=0.7, zorder=3)
    sizes = 12 + max_size * active["volume"].to_numpy() / vmax
    ax.scatter(
        active["lon"],
        active["lat"],
        s=sizes,
        c=[colors.get(p, "0.4") for p in active["province"]],
        edgecolor="white",
        linewidths=0.6,
        alpha=0.9,
        zorder=4,
    )
    rings = active["member"].to_numpy()
    ax.scatter(
        active["lon"][rings],
        active["lat"][rings],
        s=sizes[rings] * 1.6 + 40,
        facecolor="none",
        edgecolor="black",
        linewidths=1.1,
        zorder=5,
    )
    stars = cities[cities["designated"]]
    ax.scatter(stars["lon"], stars["lat"], marker="*", s=40, color="black", zorder=6)

    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    mid = math.radians(float(np.mean(ax.get_ylim())))
    ax.set_aspect(1.0 / math.cos(mid))  # equirectangular: a degree of longitude is shorter
    labelled = active.head(label_top)
    if label_top > 0:  # members' hubs too: the coordination story is about them
        labelled = pd.concat([labelled, active[active["member"]]]).drop_duplicates("city")
    xs, ys = labelled["lon"].to_numpy(), labelled["lat"].to_numpy()
    split = float(np.median(cities["lon"])) if len(cities) else 0.0
    gap = 0.045 * (ax.get_ylim()[1] - ax.get_ylim()[0])
    for r, (tx, ty, ha) in zip(
        labelled.itertuples(), _label_columns(xs, ys, split=split, gap=gap), strict=True
    ):
        radius = math.sqrt(12 + max_size * r.volume / vmax) / 2
        ax.annotate(
            f"{r.city} {r.volume / 1e3:,.0f}k",
            (r.lon, r.lat),
            xytext=(tx, ty),
            ha=ha,
            va="center",
            fontsize="x-small",
            path_effects=HALO,
            zorder=7,
            annotation_clip=True,
            arrowprops={
                "arrowstyle": "-",
                "color": "0.35",
                "linewidth": 0.5,
                "shrinkA": 1,
                "shrinkB": radius,
            },
        )
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(True, linewidth=0.4, alpha=0.4)
    ax.set_title(title if title is not None else "Rail hubs by final-year volume, and their flows")
    if legend:
        ax.legend(
            handles=_map_legend(vmax, max_size),
            loc="lower left",
            fontsize="x-small",
            frameon=True,
            framealpha=0.9,
            labelspacing=1.1,
            borderpad=0.8,
        )
    return ax


def _label_columns(
    xs: np.ndarray, ys: np.ndarray, *, split: float, gap: float
) -> list[tuple[float, float, str]]:
    """Label positions in two columns, west and east of ``split``, spread ``gap`` apart.

    Hubs west of ``split`` are labelled in a column to the west of them, the others in a
    column to the east; in each column labels keep their hubs' order by latitude and are
    pushed apart to at least ``gap`` degrees, so leader lines do not cross much.
    """
    out: list[tuple[float, float, str]] = [(0.0, 0.0, "left")] * len(xs)
    for west in (True, False):
        idx = np.flatnonzero(xs < split) if west else np.flatnonzero(xs >= split)
        if not idx.size:
            continue
        column = xs[idx].min() - 3.0 if west else xs[idx].max() + 3.0
        order = idx[np.argsort(ys[idx])]
        spots = ys[order].astype(float).copy()
        for k in range(1, len(spots)):
            spots[k] = max(spots[k], spots[k - 1] + gap)
        spots -= (spots - ys[order]).mean()  # recentre on the hubs
        for i, y in zip(order, spots, strict=True):
            out[i] = (column, float(y), "right" if west else "left")
    return out


def _nice(x: float) -> float:
    """``x`` rounded down to one significant digit."""
    if x <= 0:
        return 0.0
    scale = 10 ** math.floor(math.log10(x))
    return math.floor(x / scale) * scale


def _map_legend(vmax: float, max_size: float) -> list[Line2D]:
    """Legend handles of the map: hub sizes, then the symbols."""
    handles = []
    for v in dict.fromkeys([_nice(vmax), _nice(vmax / 4)]):
        if v > 0:
            area = 12 + max_size * v / vmax
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markersize=math.sqrt(area),
                    markerfacecolor="0.6",
                    markeredgecolor="white",
                    label=f"{v:,.0f} FEU per year",
                )
            )
    style = {"linestyle": "none", "color": "0.3"}
    symbols = (
        ("o", 9, {"markerfacecolor": "none", "markeredgecolor": "black"}, "hub of a member"),
        ("*", 8, {}, "designated hub"),
        ("o", 4, {"markerfacecolor": "none"}, "potential hub, no freight"),
        ("^", 5, {}, "border crossing or exit"),
        ("s", 3, {}, "partner capital"),
    )
    handles += [
        Line2D([], [], marker=m, markersize=size, label=label, **style, **extra)
        for m, size, extra, label in symbols
    ]
    return handles


def map_figure(
    platforms: pd.DataFrame, provinces: pd.DataFrame | None = None, *, caption: str = ""
) -> Figure:
    """Two maps: the flows across Eurasia, and the hubs in China with their provinces."""
    fig = Figure(figsize=(14.0, 5.6), layout="constrained")
    wide, near = fig.subplots(1, 2, width_ratios=[1.35, 1.0])
    order = (
        list(dict.fromkeys(provinces["province"]))
        if provinces is not None
        else list(dict.fromkeys(platforms["province"]))
    )
    colors = province_colors(order)
    plot_map(
        platforms,
        provinces,
        ax=wide,
        extent=EURASIA,
        colors=colors,
        label_top=0,
        max_size=350.0,
        legend=False,
        title="Flows to the partner regions",
    )
    plot_map(
        platforms,
        provinces,
        ax=near,
        colors=colors,
        max_size=600.0,
        legend=False,
        title="Hubs in China",
    )
    hubs = hub_volumes(platforms, provinces)
    volume = hubs.groupby("province")["volume"].sum()
    shown = [p for p in order if volume.get(p, 0) > 0]
    handles = [
        Line2D([], [], marker="o", linestyle="none", color=colors[p], markersize=7, label=p)
        for p in shown
    ]
    vmax = float(hubs.groupby("city")["volume"].sum().max())
    fig.legend(
        handles=[*_map_legend(max(vmax, 1.0), 600.0), *handles],
        title="symbols; owner province",
        loc="outside right upper",
        fontsize="x-small",
        title_fontsize="small",
        frameon=False,
        labelspacing=0.9,
    )
    fig.suptitle(
        "Where the rail freight goes: hubs sized by final-year volume, flows to partner regions",
        fontsize="large",
    )
    note = (
        "volume: FEU (40-foot containers) in the last 4 quarters, mean over replications;"
        " line width ∝ volume; shaded area: the span of the provincial hub cities, not a border"
    )
    _caption(fig, caption, note)
    return fig


# --- who pays, who gains -----------------------------------------------------------------


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
    table = _window(_replicated(provinces), window)
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
        sub = _summary(part["subsidy_paid"], level)
        vol = _summary(part["credited_volume"], level)
        cost = per_feu.loc[part.index].dropna()
        per = _summary(cost, level) if len(cost) else (math.nan, math.nan, math.nan)
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


def _errors(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray | None:
    """Asymmetric error bars for ``errorbar``/``barh``; None when no interval is defined."""
    if low.isna().all():
        return None
    return np.vstack([(mean - low).fillna(0.0), (high - mean).fillna(0.0)]).clip(min=0.0)


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
    the national average. Bars: mean over replications; whiskers: t-interval. Members of
    the coordination body are marked ●.

    Args:
        provinces: The province table of a run (one or more replications).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        window: ``run`` (totals over every step) or ``final`` (the last four quarters).
        level: Interval level.
        title: Axes title.
    """
    ax = _axes(ax)
    table = province_shares(provinces, window=window, level=level)
    y = np.arange(len(table))
    height = 0.4
    bars = (
        ("subsidy", PAYS, "share of subsidy paid", -height / 2),
        ("volume", GAINS, "share of rail freight credited", height / 2),
    )
    for key, color, label, offset in bars:
        mean = 100 * table[f"{key}_share"]
        err = _errors(mean, 100 * table[f"{key}_low"], 100 * table[f"{key}_high"])
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

    Args:
        provinces: The province table of a run (one or more replications).
        ax: Axes to draw on; the current pyplot axes if ``None``.
        window: ``run`` (totals over every step) or ``final`` (the last four quarters).
        level: Interval level.
        order: Provinces top to bottom; by default by share of subsidy paid.
        title: Axes title.
    """
    ax = _axes(ax)
    table = province_shares(provinces, window=window, level=level).set_index("province")
    if order is not None:
        table = table.reindex([p for p in order if p in table.index])
    table = table.reset_index()
    y = np.arange(len(table))
    err = _errors(table["per_feu"], table["per_feu_low"], table["per_feu_high"])
    ax.barh(
        y,
        table["per_feu"].fillna(0.0),
        height=0.6,
        xerr=err,
        color=OKABE_ITO[4],
        error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
    )
    frame = _window(_replicated(provinces), window)
    average = 1e6 * frame["subsidy_paid"].sum() / max(frame["credited_volume"].sum(), 1e-9)
    ax.axvline(average, color="0.2", linestyle="--", linewidth=1.0)
    ax.annotate(
        f"national {average:,.0f}",
        (average, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        va="top",
        fontsize="x-small",
    )
    ax.set_yticks(y, _province_labels(table), fontsize="small")
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlabel("subsidy per container credited (USD per FEU)")
    ax.set_xlim(left=0)
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    ax.set_title(title if title is not None else "Subsidy per container, by province")
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
    right.set_title("subsidy per container", fontsize="medium")
    right.tick_params(labelleft=False)
    fig.suptitle(
        f"Who pays, who gains: subsidies and rail freight by province, {WINDOW_TEXT[window]}",
        fontsize="large",
    )
    note = (
        f"bars: mean over replications; whiskers: {level:.0%} t-interval; ● coordination"
        " member; freight is credited to the province that owns the hub (with pooling, to"
        " the freight's origin)"
    )
    _caption(fig, caption, note)
    return fig


# --- the financing funnel ------------------------------------------------------------------

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
    table = _replicated(outcomes)
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
            mean, low, high = _summary(values, level)
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

    Bars are means over replications with t-interval whiskers; each is labelled with
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

    ax = _axes(ax)
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
            xerr=_errors(rows["mean"], rows["low"], rows["high"]),
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
        f"bars: mean over replications; whiskers: {level:.0%} t-interval; a loan is approved"
        " within the lender's capacity, starts after the approval lag, and defaults when the"
        " project fails"
    )
    _caption(fig, caption, note)
    return fig


# --- saving ---------------------------------------------------------------------------------


def save_figure(
    fig: Figure, stem: Path, *, formats: Sequence[str] = ("png", "svg"), dpi: int = 110
) -> list[Path]:
    """Write ``fig`` as ``<stem>.<format>`` for each format, atomically; return the paths."""
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        meta = {"Software": None} if fmt == "png" else {"Date": None}  # reproducible bytes
        paths.append(
            write_file(path, lambda p, f=fmt, m=meta: fig.savefig(p, format=f, dpi=dpi, metadata=m))
        )
    return paths


def save_model_charts(
    outcomes: pd.DataFrame,
    provinces: pd.DataFrame,
    platforms: pd.DataFrame,
    out_dir: str | Path,
    *,
    caption: str,
    window: str = "run",
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 110,
) -> list[Path]:
    """Write ``map``, ``subsidy_by_province`` and ``funnel`` charts; return the paths.

    Args:
        outcomes: The outcome table of the run.
        provinces: The province table of the run.
        platforms: The platform table of the run.
        out_dir: Directory for the charts (made if missing).
        caption: Line under every chart (scenario, replications, seed).
        window: Window of the subsidy chart: ``run`` or ``final``.
        formats: File formats to write.
        dpi: Resolution of raster formats.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "map": map_figure(platforms, provinces, caption=caption),
        "subsidy_by_province": subsidy_figure(provinces, caption=caption, window=window),
        "funnel": funnel_figure(outcomes, caption=caption),
    }
    paths = []
    for name, fig in figures.items():
        paths += save_figure(fig, out_dir / name, formats=formats, dpi=dpi)
    return paths
