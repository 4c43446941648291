"""The page's hub map and subsidy race as ECharts options, from the static charts' tables.

The numbers are those of the static map and province chart: the hubs' volumes of
:func:`sim.plots.map.hub_volumes` (the last four quarters, FEU per year; designated and
member hubs marked) and the shares of :func:`sim.plots.provinces.province_shares`. Only
the drawing is the browser's: left, the flows to the partner regions across Eurasia;
right, the hubs in China, sized by volume and coloured by owner province.
"""

from __future__ import annotations

import math

import pandas as pd

from sim import data

MAX_SYMBOL = 46.0  # px, the diameter of the busiest city
PAYS, GAINS = "#D55E00", "#0072B2"


def _r(x: float, digits: int = 2) -> float:
    return round(float(x), digits)


def _axis(index: int, low: float, high: float, name: str, gap: int) -> dict:
    return {
        "type": "value",
        "gridIndex": index,
        "min": low,
        "max": high,
        "name": name,
        "nameLocation": "middle",
        "nameGap": gap,
        "splitLine": {"show": False},
    }


def _axes(extent: tuple[float, float, float, float], index: int, label: bool) -> tuple:
    x = _axis(index, extent[0], extent[1], "longitude (degrees east)" if label else "", 22)
    y = _axis(index, extent[2], extent[3], "latitude (degrees north)" if label else "", 30)
    return x, y


def map_chart(platforms: pd.DataFrame, provinces: pd.DataFrame, *, caption: str = "") -> dict:
    """Flows to the partner regions (left) and hubs in China (right)."""
    # sim.plots.map brings matplotlib: imported at the first quarter drawn, not at start
    from sim.plots.map import CHINA, EURASIA, hub_volumes, province_colors

    hubs = hub_volumes(platforms, provinces)
    order = list(dict.fromkeys(provinces["province"]))
    colors = province_colors(order)
    cities = (
        hubs.groupby(["city", "province", "lon", "lat"], as_index=False)
        .agg(volume=("volume", "sum"), member=("member", "any"), designated=("designated", "any"))
        .sort_values("volume", ascending=False)
    )
    vmax = max(float(cities["volume"].max()) if len(cities) else 0.0, 1.0)
    crossings = data.load_crossings().set_index("crossing")
    routes = data.load_routes()
    centres = data.load_partners().groupby("region")[["lon", "lat"]].mean()
    moving = hubs[hubs["volume"] > 0]
    series: list[dict] = []
    for grid in (0, 1):
        on = {"xAxisIndex": grid, "yAxisIndex": grid, "clip": True}
        feeders = [
            {
                "coords": [
                    [_r(r.lon), _r(r.lat)],
                    list(map(_r, crossings.loc[r.crossing, ["lon", "lat"]])),
                ],
                "lineStyle": {
                    "width": _r(0.5 + 5 * r.volume / vmax, 1),
                    "color": colors.get(r.province, "#777"),
                },
            }
            for r in moving.itertuples()
        ]
        series.append(
            {
                "type": "lines",
                "coordinateSystem": "cartesian2d",
                "data": feeders,
                "lineStyle": {"opacity": 0.55},
                "silent": True,
                "animation": False,
                "z": 1,
                **on,
            }
        )
        through = moving.groupby(["crossing", "corridor"])["volume"].sum()
        cmax = max(float(through.max()), 1.0) if len(through) else 1.0
        flows = []
        for (crossing, corridor), volume in through.items():
            start = list(map(_r, crossings.loc[crossing, ["lon", "lat"]]))
            for region in routes.loc[routes["corridor"] == corridor, "region"]:
                end = list(map(_r, centres.loc[region, ["lon", "lat"]]))
                flows.append(
                    {"coords": [start, end], "lineStyle": {"width": _r(0.5 + 5 * volume / cmax, 1)}}
                )
        series.append(
            {
                "type": "lines",
                "coordinateSystem": "cartesian2d",
                "data": flows,
                "lineStyle": {"color": "#777", "opacity": 0.35},
                "silent": True,
                "animation": False,
                "z": 1,
                **on,
            }
        )
        series.append(
            {
                "type": "scatter",
                "name": "border crossing",
                "symbol": "triangle",
                "symbolSize": 8,
                "color": "#444",
                "animation": False,
                **on,
                "data": [
                    [_r(x), _r(y), name] for name, x, y in crossings[["lon", "lat"]].itertuples()
                ],
            }
        )
        series.append(
            {
                "type": "scatter",
                "name": "partner region",
                "symbol": "rect",
                "symbolSize": 6,
                "color": "#999",
                "animation": False,
                **on,
                "label": {
                    "show": grid == 0,
                    "formatter": "{@[2]}",
                    "position": "bottom",
                    "fontSize": 9,
                    "fontStyle": "italic",
                },
                "data": [[_r(x), _r(y), name] for name, x, y in centres.itertuples()],
            }
        )
        points = []
        for rank, c in enumerate(cities.itertuples()):
            size = 5 + MAX_SYMBOL * math.sqrt(max(c.volume, 0.0) / vmax)
            active = c.volume > 0
            points.append(
                {
                    "value": [_r(c.lon), _r(c.lat), c.city, c.province, round(float(c.volume))],
                    "symbolSize": _r(size if active else 6, 1),
                    "itemStyle": {
                        "color": colors.get(c.province, "#777") if active else "rgba(0,0,0,0)",
                        "borderColor": "#000" if c.member else ("#fff" if active else "#999"),
                        "borderWidth": 2 if c.member else 1,
                        "opacity": 0.9,
                    },
                    "label": {
                        "show": grid == 1 and active and rank < 6,
                        "formatter": f"{c.city} {c.volume / 1000:.0f}k",
                        "position": "right",
                        "fontSize": 10,
                    },
                }
            )
        series.append(
            {
                "type": "scatter",
                "name": "hub city",
                "data": points,
                "animation": False,
                "z": 4,
                **on,
                "tooltip": {"formatter": "{@[2]} ({@[3]}): {@[4]} FEU per year"},
            }
        )
        stars = cities[cities["designated"]]
        series.append(
            {
                "type": "scatter",
                "name": "designated hub",
                "symbol": "diamond",
                "symbolSize": 11,
                "color": "#000",
                "z": 6,
                "animation": False,
                **on,
                "data": [[_r(x), _r(y)] for x, y in stars[["lon", "lat"]].to_numpy()],
            }
        )
    x0, y0 = _axes(EURASIA, 0, True)
    x1, y1 = _axes(CHINA, 1, True)
    return {
        "title": [
            {
                "text": "Where the rail freight goes: hubs sized by volume of the last 4 quarters",
                "subtext": f"{caption} · volume: FEU per year; ring: coordination member;"
                " ◆ designated hub; ▲ border crossing; ■ partner region; hollow:"
                " potential hub with no freight",
                "left": "center",
                "textStyle": {"fontSize": 13},
                "subtextStyle": {"fontSize": 10},
            },
        ],
        "tooltip": {"trigger": "item"},
        "grid": [
            {"left": 50, "width": "50%", "top": 80, "bottom": 40},
            {"left": "60%", "right": 15, "top": 80, "bottom": 40},
        ],
        "xAxis": [x0, x1],
        "yAxis": [y0, y1],
        "series": series,
    }


def subsidy_chart(provinces: pd.DataFrame, *, caption: str = "") -> dict:
    """Who pays, who gains: each province's share of subsidy paid and of freight credited."""
    from sim.plots.provinces import province_shares

    table = province_shares(provinces, window="run")
    names = [f"{p} ●" if m else p for p, m in zip(table["province"], table["member"], strict=True)]
    return {
        "title": {
            "text": "Who pays, who gains: shares by province, over the quarters run",
            "subtext": f"{caption} · vermillion longer than blue: pays more per container"
            " than the national average; ● coordination member",
            "left": "center",
            "textStyle": {"fontSize": 13},
            "subtextStyle": {"fontSize": 10},
        },
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "grid": {"left": 100, "right": 20, "top": 80, "bottom": 60},
        "xAxis": {
            "type": "value",
            "name": "share of the national total (%)",
            "nameLocation": "middle",
            "nameGap": 22,
        },
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"fontSize": 10},
        },
        "series": [
            {
                "type": "bar",
                "name": "share of subsidy paid",
                "color": PAYS,
                "data": [_r(100 * v) for v in table["subsidy_share"]],
                "animation": False,
            },
            {
                "type": "bar",
                "name": "share of rail freight credited",
                "color": GAINS,
                "data": [_r(100 * v) for v in table["volume_share"]],
                "animation": False,
            },
        ],
    }
