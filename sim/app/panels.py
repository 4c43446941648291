"""Every panel of the page at one quarter, and the table of key outcomes beside them.

:func:`panels` builds the ECharts option of each panel from a run's tables so far
(:mod:`sim.app.hubmap` for the map and the subsidy race, :mod:`sim.app.charts` for the
time series and the funnel); the browser draws them, so a quarter's redraw sends numbers,
not pictures. :func:`key_outcomes` is the table of numbers the page shows (the browser
test compares them with ``run``).
"""

from __future__ import annotations

import pandas as pd

from sim.app import charts, hubmap
from sim.experiments.experiment import RunResult
from sim.outcomes import KEY_OUTCOMES, OUTCOMES

NAMES = ("map", "subsidy", "load", "funnel", "welfare", "difference")


def panels(result: RunResult, base: RunResult | None, *, caption: str = "") -> dict[str, dict]:
    """The option of every panel, by name (no ``difference`` without a baseline)."""
    out = result.outcomes
    options = {
        "map": hubmap.map_chart(result.platforms, result.provinces, caption=caption),
        "subsidy": hubmap.subsidy_chart(result.provinces, caption=caption),
        "load": charts.load_chart(out, caption=caption),
        "funnel": charts.funnel_chart(out, caption=caption),
        "welfare": charts.welfare_chart(out, caption=caption),
    }
    if base is not None:
        options["difference"] = charts.difference_chart(out, base.outcomes, caption=caption)
    return options


def key_outcomes(outcomes: pd.DataFrame, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """The key outcomes at the last quarter run: label, unit, value (and the baseline's)."""
    rows = []
    for name in KEY_OUTCOMES:
        row = {"outcome": name, "label": OUTCOMES[name].label, "unit": OUTCOMES[name].unit}
        row["value"] = float(outcomes[name].iloc[-1]) if len(outcomes) else float("nan")
        if base is not None:
            row["baseline"] = float(base[name].iloc[-1]) if len(base) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
