"""Every chart of a run, drawn one figure per task, on several processes where it helps.

Drawing is most of the time of ``sim run`` (matplotlib lays out and renders each figure
in Python); the figures are independent, so :func:`save_run_charts` shares them out over
forked worker processes, which inherit the tables instead of receiving copies. Each
figure is drawn and written by exactly the same code whatever the number of processes,
so the files are byte-identical either way (``tests/test_charts.py``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis.summary import over_time
from sim.outcomes import OUTCOMES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS: tuple[str, ...] = ("png",)  # SVG on request: it renders every figure again


@dataclass(frozen=True)
class RunCharts:
    """What the charts of a run are drawn from."""

    outcomes: pd.DataFrame
    provinces: pd.DataFrame | None
    platforms: pd.DataFrame | None
    out_dir: Path
    caption: str
    formats: tuple[str, ...]
    level: float = 0.95
    dpi: int = 110
    start_year: int | None = None

    def names(self) -> list[str]:
        """The charts to draw: one per outcome group present, then the model's three."""
        from sim.plots.model import MODEL_CHARTS
        from sim.plots.over_time import groups

        names = [g for g in groups() if self._group(g)]
        if self.provinces is not None and self.platforms is not None:
            names += list(MODEL_CHARTS)
        return names

    def figure(self, name: str) -> Figure:
        """Draw one chart (a name of :meth:`names`)."""
        from sim.plots.model import MODEL_CHARTS, model_figure
        from sim.plots.over_time import plot_group

        if name in MODEL_CHARTS:
            return model_figure(
                name, self.outcomes, self.provinces, self.platforms, caption=self.caption
            )
        stats = over_time(self.outcomes, columns=self._group(name), level=self.level)
        return plot_group(
            stats, name, caption=self.caption, level=self.level, start_year=self.start_year
        )

    def draw(self, name: str) -> list[Path]:
        """Draw and write one chart; return its files."""
        from sim.plots.common import save_figure

        fig = self.figure(name)
        return save_figure(fig, self.out_dir / name, formats=self.formats, dpi=self.dpi)

    def _group(self, group: str) -> list[str]:
        present = set(self.outcomes.columns)
        return [n for n, o in OUTCOMES.items() if o.group == group and n in present]


_JOB: RunCharts | None = None  # set before forking: the workers inherit it


def _draw_inherited(name: str) -> list[Path]:
    assert _JOB is not None
    return _JOB.draw(name)


def chart_workers(requested: int | None = None) -> int:
    """Processes to draw on: ``requested``, else every core (at most 4)."""
    if requested is not None:
        return max(1, requested)
    return max(1, min(os.cpu_count() or 1, 4))


def save_run_charts(
    outcomes: pd.DataFrame,
    out_dir: str | Path,
    *,
    caption: str,
    provinces: pd.DataFrame | None = None,
    platforms: pd.DataFrame | None = None,
    formats: Sequence[str] = FORMATS,
    workers: int | None = None,
    on_done: Callable[[str], None] | None = None,
    start_year: int | None = None,
) -> list[Path]:
    """Write every chart of a run into ``out_dir``; return the files in chart order.

    Args:
        outcomes: The outcome table (``replication``, ``step`` and one column per outcome).
        out_dir: Directory for the charts (made if missing).
        caption: Line under every chart (scenario, replications, seed).
        provinces: The run's province table; without it and ``platforms``, the map,
            subsidy and funnel charts are left out.
        platforms: The run's platform table.
        formats: File formats (``png``, ``svg``).
        workers: Processes to draw on (:func:`chart_workers`); forked, so only where the
            platform can fork, else one.
        on_done: Called with each chart's name as it is written (progress).
        start_year: Calendar year of step 1 (the scenario's ``run.start_year``): time
            axes in years; in steps if ``None``.
    """
    global _JOB
    job = RunCharts(
        outcomes,
        provinces,
        platforms,
        Path(out_dir),
        caption,
        tuple(formats),
        start_year=start_year,
    )
    job.out_dir.mkdir(parents=True, exist_ok=True)
    names = job.names()
    n = min(chart_workers(workers), len(names))
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    results: dict[str, list[Path]] = {}
    if n <= 1 or not can_fork:
        for name in names:
            results[name] = job.draw(name)
            if on_done:
                on_done(name)
    else:
        _JOB = job
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
                futures = {name: pool.submit(_draw_inherited, name) for name in names}
                for name, future in futures.items():
                    results[name] = future.result()
                    if on_done:
                        on_done(name)
        finally:
            _JOB = None
    return [path for name in names for path in results[name]]
