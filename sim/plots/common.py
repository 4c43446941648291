"""What every chart module shares: the palette, axes, captions, saving, run-table helpers.

Plot functions take ``ax=None`` (the current axes, :func:`axes`) and return the axes;
``*_figure`` functions draw whole figures on ``matplotlib.figure.Figure`` (Agg canvas,
nothing left open), captioned with :func:`add_caption` and written with
:func:`save_figure`, atomically and with reproducible bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.summary import bootstrap_interval
from sim.experiments.store import write_file
from sim.outcomes import FINAL_STEPS

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
# Lines skip the yellow, which is too pale on white for a thin line.
LINE_COLORS = tuple(c for c in OKABE_ITO if c != "#F0E442")
WINDOW_TEXT = {"final": f"final year (last {FINAL_STEPS} quarters)", "run": "whole run"}


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current pyplot axes if ``None``."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def text_width(fig: Figure) -> int:
    """Characters of small text that fit across ``fig``, for wrapping captions."""
    return int(fig.get_figwidth() * 15)


def add_caption(fig: Figure, caption: str, note: str = "", *, width: int | None = None) -> None:
    """The caption line (scenario, replications, seed) over a note, under the figure.

    Args:
        fig: The figure.
        caption: The caption line; may be empty.
        note: What the marks mean; may be empty.
        width: Wrap each of the two to this many characters, e.g. :func:`text_width`
            (None: no wrapping).
    """
    parts = [t for t in (caption, note) if t]
    if not parts:
        return
    if width is not None:
        parts = [textwrap.fill(t, width) for t in parts]
    fig.supxlabel("\n".join(parts), fontsize="small", color="0.3")


def save_figure(
    fig: Figure, stem: Path, *, formats: Sequence[str] = ("png",), dpi: int = 110
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


def with_replication(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a ``replication`` column (0 for the table of a single run)."""
    return table if "replication" in table.columns else table.assign(replication=0)


def in_window(table: pd.DataFrame, window: str, final_steps: int = FINAL_STEPS) -> pd.DataFrame:
    """The rows of the last ``final_steps`` steps (``final``) or of every step (``run``)."""
    if window == "final":
        return table[table["step"] > table["step"].max() - final_steps]
    if window == "run":
        return table
    raise ValueError(f"window must be 'final' or 'run', not {window!r}")


def mean_interval(values: pd.Series, level: float) -> tuple[float, float, float]:
    """Mean and bootstrap interval of per-replication values (NaN bounds with one replication).

    The interval of a level everywhere (:func:`sim.analysis.summary.bootstrap_bounds`):
    it stays within the values' range, so a count's whisker never crosses zero.
    """
    return bootstrap_interval(values.to_numpy(dtype=float), level)


STEP_LABEL = "step (quarter)"
YEAR_LABEL = "year"


def time_values(steps: pd.Series | np.ndarray, start_year: int | None) -> np.ndarray:
    """The x of each step: its calendar time when the run has a start year, else the step.

    Step 1 is the first quarter of ``start_year``, drawn at ``start_year + 0``; step 5 the
    first quarter of the next year; so a year's tick falls on its first quarter.
    """
    steps = np.asarray(steps, dtype=float)
    return steps if start_year is None else start_year + (steps - 1) / 4


def set_time_axis(ax: Axes, start_year: int | None, *, label: bool = True) -> None:
    """Integer ticks in steps or calendar years, and the axis label saying which."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4 if start_year else "auto"))
    ax.set_xlabel((YEAR_LABEL if start_year is not None else STEP_LABEL) if label else "")


def error_bars(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray | None:
    """Asymmetric error bars for ``errorbar``/``barh``; None when no interval is defined."""
    if low.isna().all():
        return None
    return np.vstack([(mean - low).fillna(0.0), (high - mean).fillna(0.0)]).clip(min=0.0)
