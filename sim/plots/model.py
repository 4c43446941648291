"""The charts of what happens inside a run, as ``sim run`` and ``sim plot`` write them.

One module per chart family draws them: :mod:`sim.plots.map` (hubs and flows),
:mod:`sim.plots.provinces` (who pays, who gains) and :mod:`sim.plots.funnel` (the
financing funnel); :func:`model_figure` draws any of the three, and
:func:`sim.plots.run_charts.save_run_charts` writes them.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.plots.funnel import funnel_figure
from sim.plots.map import map_figure
from sim.plots.provinces import subsidy_figure

MODEL_CHARTS = ("map", "subsidy_by_province", "funnel")


def model_figure(
    name: str,
    outcomes: pd.DataFrame,
    provinces: pd.DataFrame,
    platforms: pd.DataFrame,
    *,
    caption: str,
    window: str = "run",
) -> Figure:
    """One of :data:`MODEL_CHARTS`, drawn (not written)."""
    if name == "map":
        return map_figure(platforms, provinces, caption=caption)
    if name == "subsidy_by_province":
        return subsidy_figure(provinces, caption=caption, window=window)
    if name == "funnel":
        return funnel_figure(outcomes, caption=caption)
    raise KeyError(f"no model chart '{name}' (known: {', '.join(MODEL_CHARTS)})")
