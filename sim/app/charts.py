"""The page's time-series panels as ECharts options, drawn in the browser.

Load factor and empty slots in both directions, the financing funnel
(:func:`sim.plots.funnel.funnel_table`), welfare by component, and the difference from the
baseline, each with the labels and units of :data:`sim.outcomes.OUTCOMES` and the caption
of the static charts. An option is a plain dict (JSON), so building one costs little and
the browser draws it: a quarter's step sends numbers, not pictures.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.outcomes import OUTCOMES

# Welfare's components as the registry lists them; a cost is labelled "(cost)" there.
WELFARE = tuple(n for n, o in OUTCOMES.items() if o.group == "welfare" and n != "welfare_total")
COSTS = frozenset(n for n in WELFARE if "(cost)" in OUTCOMES[n].label)
COLORS = ("#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#CC79A7", "#999999", "#009E73")
DIFFERENCE = ("rail_volume", "active_platforms", "mean_load_factor", "subsidy_per_feu")
FONT = {"fontSize": 11}


def _num(x: Any) -> float | None:
    """A JSON number, or None (a gap) for NaN."""
    x = float(x)
    return x if math.isfinite(x) else None


def _points(steps: pd.Series, values: pd.Series) -> list[list[float | None]]:
    return [[int(s), _num(v)] for s, v in zip(steps, values, strict=True)]


def _label(name: str) -> str:
    o = OUTCOMES[name]
    return f"{o.label} ({o.unit})"


def _title(text: str, caption: str) -> dict:
    return {"text": text, "subtext": caption, "left": "center", "textStyle": {"fontSize": 13}}


def _line(name: str, data: list, color: str, **extra: Any) -> dict:
    return {
        "type": "line",
        "name": name,
        "data": data,
        "color": color,
        "showSymbol": True,
        "animation": False,
        **extra,
    }


def load_chart(outcomes: pd.DataFrame, *, caption: str = "") -> dict:
    """Load factor (left) and empty slots (right), outbound and on return trains, by quarter."""
    steps = outcomes["step"] if len(outcomes) else pd.Series(dtype=int)
    out = outcomes.get("mean_load_factor", pd.Series(dtype=float))
    back = outcomes.get("return_load_factor", pd.Series(dtype=float))
    running = outcomes.get("return_trains", pd.Series(dtype=float)) > 0
    back = back.where(running)
    axis = {"type": "value", "min": 0, "max": 1, "nameLocation": "middle", "nameGap": 34}
    x = {"type": "value", "name": "quarter", "nameLocation": "middle", "nameGap": 22}
    return {
        "title": _title("Load factor and empty slots, both directions", caption),
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 44, "textStyle": FONT},
        "grid": [
            {"left": "9%", "right": "55%", "top": 80, "bottom": 44},
            {"left": "57%", "right": "3%", "top": 80, "bottom": 44},
        ],
        "xAxis": [{**x, "gridIndex": 0}, {**x, "gridIndex": 1}],
        "yAxis": [
            {**axis, "gridIndex": 0, "name": "load factor (share of slots loaded)"},
            {**axis, "gridIndex": 1, "name": "empty slots (share of slots run)"},
        ],
        "series": [
            _line("outbound, all trains", _points(steps, out), "#0072B2"),
            _line("return trains", _points(steps, back), "#D55E00"),
            _line(
                "outbound, all trains",
                _points(steps, 1 - out),
                "#0072B2",
                xAxisIndex=1,
                yAxisIndex=1,
            ),
            _line("return trains", _points(steps, 1 - back), "#D55E00", xAxisIndex=1, yAxisIndex=1),
        ],
    }


def funnel_chart(outcomes: pd.DataFrame, *, caption: str = "") -> dict:
    """The financing funnel so far: applications, approvals, projects running, defaults."""
    from sim.plots.funnel import funnel_table

    table = funnel_table(outcomes) if len(outcomes) else pd.DataFrame(columns=["label", "mean"])
    labels = [
        f"{lab} ({basis})"
        for lab, basis in zip(table["label"], table.get("basis", []), strict=False)
    ]
    return {
        "title": _title("The financing funnel, so far", caption),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 190, "right": 40, "top": 70, "bottom": 44},
        "xAxis": {
            "type": "value",
            "name": "enterprises, loans or projects (count)",
            "nameLocation": "middle",
            "nameGap": 24,
        },
        "yAxis": {
            "type": "category",
            "data": labels,
            "inverse": True,
            "axisLabel": {"fontSize": 10},
        },
        "series": [
            {
                "type": "bar",
                "data": [_num(v) for v in table["mean"]],
                "color": "#0072B2",
                "label": {"show": True, "position": "right"},
                "animation": False,
            }
        ],
    }


def welfare_chart(outcomes: pd.DataFrame, *, caption: str = "") -> dict:
    """Welfare by component, by quarter: gains stacked above zero, costs below, the total."""
    steps = [int(s) for s in outcomes["step"]] if len(outcomes) else []
    series = []
    for i, name in enumerate(WELFARE):
        color = COLORS[i % len(COLORS)]
        values = outcomes[name] if name in outcomes else pd.Series(dtype=float)
        values = -values if name in COSTS else values
        series.append(
            {
                "type": "bar",
                "name": OUTCOMES[name].label,
                "stack": "welfare",
                "color": color,
                "data": [_num(v) for v in values],
                "animation": False,
            }
        )
    total = outcomes.get("welfare_total", [])
    series.append(_line("Total welfare", [_num(v) for v in total], "#000000"))
    return {
        "title": _title("Welfare by component (costs below zero)", caption),
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 44, "textStyle": {"fontSize": 10}},
        "grid": {"left": 70, "right": 20, "top": 100, "bottom": 44},
        "xAxis": {
            "type": "category",
            "data": steps,
            "name": "quarter",
            "nameLocation": "middle",
            "nameGap": 24,
        },
        "yAxis": {
            "type": "value",
            "name": OUTCOMES["welfare_total"].unit,
            "nameLocation": "middle",
            "nameGap": 52,
        },
        "series": series,
    }


def difference_chart(
    outcomes: pd.DataFrame, base: pd.DataFrame | None, *, caption: str = ""
) -> dict:
    """The scenario minus the baseline on the same seed, by quarter, for a few outcomes."""
    grids, xs, ys, series = [], [], [], []
    for i, name in enumerate(DIFFERENCE):
        left, top = ("8%", "58%")[i % 2], (90, "62%")[i // 2]
        grids.append({"left": left, "top": top, "width": "36%", "height": "22%"})
        xs.append(
            {
                "type": "value",
                "gridIndex": i,
                "name": "quarter" if i >= 2 else "",
                "nameLocation": "middle",
                "nameGap": 22,
                "minInterval": 1,
            }
        )
        ys.append({"type": "value", "gridIndex": i, "scale": True})
        data = []
        if base is not None and len(base) and len(outcomes):
            n = min(len(outcomes), len(base))
            diff = outcomes[name].to_numpy()[:n] - base[name].to_numpy()[:n]
            data = _points(outcomes["step"].iloc[:n], pd.Series(diff))
        series.append(
            _line(
                _label(name),
                data,
                "#0072B2",
                xAxisIndex=i,
                yAxisIndex=i,
                markLine={
                    "silent": True,
                    "symbol": "none",
                    "data": [{"yAxis": 0}],
                    "lineStyle": {"color": "#666"},
                },
            )
        )
    sub = [
        {
            "text": _label(name),
            "left": ("8%", "58%")[i % 2],
            "top": (70, "57%")[i // 2],
            "textStyle": {"fontSize": 11},
        }
        for i, name in enumerate(DIFFERENCE)
    ]
    return {
        "title": [
            _title("Difference from the baseline (scenario - baseline, same seed)", caption),
            *sub,
        ],
        "tooltip": {"trigger": "axis"},
        "grid": grids,
        "xAxis": xs,
        "yAxis": ys,
        "series": series,
    }
