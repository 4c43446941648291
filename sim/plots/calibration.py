"""The calibration chart: simulated against observed China-Europe trains per year.

:func:`plot_trains` draws the mean and range over seeds of the simulated trains
(:func:`sim.analysis.calibration.fit.yearly_trains`) against the record, with the
scenario's policy events (:func:`event_marks`) as dotted lines; ``sim report`` saves it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.calibration.fit import yearly_trains
from sim.analysis.calibration.record import NATIONAL, source_csv
from sim.plots.common import OKABE_ITO
from sim.scenario.schema import Scenario


def plot_trains(
    outcomes: pd.DataFrame,
    *,
    start_year: int = 2015,
    caption: str = "",
    events: Sequence[tuple[float, str]] = (),
):
    """Simulated (mean and range over seeds) against observed national trains per year.

    ``events`` are (position, label) pairs (:func:`event_marks`) drawn as dotted vertical
    lines. Returns the figure.
    """
    years = yearly_trains(outcomes, start_year)
    observed = source_csv(NATIONAL).astype({"year": int, "trains": float})
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    x = years.index.to_numpy()
    ax.fill_between(
        x,
        years.min(axis=1),
        years.max(axis=1),
        color=OKABE_ITO[0],
        alpha=0.25,
        label=f"simulated, range over {years.shape[1]} seeds",
    )
    ax.plot(x, years.mean(axis=1), color=OKABE_ITO[0], lw=2, label="simulated, mean")
    ax.plot(
        observed["year"],
        observed["trains"],
        "o",
        color=OKABE_ITO[3],
        ms=7,
        label="observed (China-Europe Railway Express)",
    )
    for x_event, label in events:
        ax.axvline(x_event, color="0.5", ls=":", lw=1)
        ax.text(
            x_event + 0.04,
            0.02,
            label,
            rotation=90,
            va="bottom",
            ha="left",
            fontsize=7,
            color="0.35",
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xlabel("year")
    ax.set_ylabel("trains per year")
    ax.set_title("China-Europe trains per year: simulated against observed")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    if caption:
        fig.text(0.01, 0.0, caption, fontsize=7, color="0.4", ha="left", va="bottom")
    return fig


EVENT_LABELS = {
    "policy.subsidy.national_cap": "subsidy cap {value:.0%}",
    "policy.subsidy.empty_slot_cap": "empty slots at most {value:.0%}",
    "freight.sea_cost": "sea cost {value:,.0f}",
    "policy.assembly_centres.enabled": "assembly centres",
    "policy.coordination.pooling.enabled": "Chengdu-Chongqing mechanism",
}


def event_marks(s: Scenario) -> list[tuple[float, str]]:
    """(position, label) of the scenario's policy events worth marking on the trains chart.

    The position is on the chart's year axis, where year ``Y`` is plotted at ``Y`` for the
    whole year: the start of quarter ``q`` of ``Y`` is at ``Y - 0.5 + (q - 1) / 4``.
    """
    marks: dict[float, list[str]] = {}
    for ev in s.events:
        template = EVENT_LABELS.get(ev.path) if ev.kind == "set" else None
        if template is None:
            continue
        x = s.run.start_year + (ev.step - 1) / 4 - 0.5
        try:
            label = template.format(value=ev.value)
        except (TypeError, ValueError):
            label = template
        if label not in marks.setdefault(x, []):
            marks[x].append(label)
    return [(x, "; ".join(labels)) for x, labels in sorted(marks.items())]
