"""The map: hubs on longitude and latitude, sized by final-year volume, and their flows.

It reads the per-platform table of a run (``platforms.parquet``; one or many
replications) and, for membership and colour order, the per-province table. It needs no
GIS library: longitude and latitude are drawn as plain coordinates (an equirectangular
projection), and China's extent is shown as the convex hull of the provincial hub
cities, which is a reading aid and not a border.

Over 400 lines: :func:`plot_map` is one long drawing (outline, flows, partners, hubs,
labels), and its label layout and legend are drawn for it alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from sim import data
from sim.plots.common import (
    FINAL_STEPS,
    OKABE_ITO,
    add_caption,
    axes,
    in_window,
    mean_interval,
    text_width,
    with_replication,
)

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
EURASIA = (-12.0, 140.0, -12.0, 60.0)  # lon min, lon max, lat min, lat max
CHINA = (72.0, 136.0, 17.0, 55.0)
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
# Offsets (points) and alignment of region names whose centres lie close together.
REGION_LABELS = {"Western Europe": (-4, 10, "right"), "Eastern Europe": (4, -10, "left")}


def province_colors(provinces: Sequence[str]) -> dict[str, str]:
    """A colour per province, in the given order.

    The run's province order keeps colours stable across scenarios of the same provinces.
    """
    return {p: PROVINCE_COLORS[i % len(PROVINCE_COLORS)] for i, p in enumerate(provinces)}


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
    table = with_replication(platforms)
    last = in_window(table, "final", final_steps)
    per_rep = last.groupby(["platform", "replication"])["volume"].sum().unstack()
    stats = pd.DataFrame(
        [mean_interval(row, level) for _, row in per_rep.iterrows()],
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
    ax = axes(ax)
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
    add_caption(fig, caption, note, width=text_width(fig))
    return fig
