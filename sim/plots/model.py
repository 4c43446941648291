"""The charts of what happens inside a run, as ``sim run`` and ``sim plot`` write them.

One module per chart family draws them: :mod:`sim.plots.map` (hubs and flows),
:mod:`sim.plots.provinces` (who pays, who gains) and :mod:`sim.plots.funnel` (the
financing funnel); :func:`save_model_charts` writes the three (PNG; SVG on request).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.plots.common import save_figure
from sim.plots.funnel import funnel_figure
from sim.plots.map import map_figure
from sim.plots.provinces import subsidy_figure

MODEL_CHARTS = ("map", "subsidy_by_province", "funnel")


def save_model_charts(
    outcomes: pd.DataFrame,
    provinces: pd.DataFrame,
    platforms: pd.DataFrame,
    out_dir: str | Path,
    *,
    caption: str,
    window: str = "run",
    formats: Sequence[str] = ("png",),
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
    paths = []
    for name in MODEL_CHARTS:
        fig = model_figure(name, outcomes, provinces, platforms, caption=caption, window=window)
        paths += save_figure(fig, out_dir / name, formats=formats, dpi=dpi)
    return paths


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
