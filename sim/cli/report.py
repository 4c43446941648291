"""The printed report of a sweep: indices and replication noise as tables, files written.

``sim sweep``, ``sim sweep-report`` and ``sim plot`` of a sweep directory all print it.
The analysis (:mod:`sim.analysis.sweep_report`, which brings the sweep machinery with
it) is imported when a report is made, not with the command line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from sim.cli.common import fail, fmt, wide_console

if TYPE_CHECKING:
    from sim.analysis.sweep_report import SweepReport


def show_report(
    directory: Path,
    *,
    outcomes: list[str] | None = None,
    stat: str = "final",
    heatmap: tuple[str, str] | None = None,
    heatmap_outcome: str | None = None,
    charts: bool = True,
) -> SweepReport:
    """Compute, write and print the report of a sweep directory."""
    from sim.analysis.sweep_report import analyze_sweep, write_report
    from sim.experiments.store import OutputError

    try:
        rep = analyze_sweep(
            directory,
            outcomes=outcomes,
            stat=stat,
            heatmap=heatmap,
            heatmap_outcome=heatmap_outcome,
        )
        paths = write_report(rep, directory)
        if charts:
            from sim.plots.sweep import save_report_charts

            paths += save_report_charts(rep, directory)
    except OutputError as err:  # a SweepError is an OutputError
        fail(str(err))
    console = wide_console()
    if rep.indices is not None:
        console.print(index_table(rep))
    for line in rep.warnings:
        typer.echo(f"warning: {line}", err=True)
    if rep.noise["replications"].max() > 1:
        console.print(noise_table(rep))
    typer.echo(f"Wrote {len(paths)} report files to {Path(directory) / 'report'}")
    return rep


def index_table(rep: SweepReport) -> Table:
    """The sensitivity indices of a report as a table."""
    assert rep.indices is not None
    from sim.outcomes import FINAL_STEPS

    stat = f"mean of the last {FINAL_STEPS} steps" if rep.stat == "final" else "mean over all steps"
    from sim.plots.sweep import INDEX_TITLES

    kind = rep.index_kind
    caption = "± half-width of the 95% bootstrap interval; replications averaged per point"
    if kind == "delta":
        caption += (
            f"; given-data indices of the {rep.method} design's points: delta = how far fixing"
            " a parameter moves the outcome's distribution, S1 = variance share of its main"
            " effect"
        )
    table = Table(title=f"{INDEX_TITLES[kind]} ({stat})", caption=caption)
    table.add_column("outcome")
    table.add_column("parameter")
    heads = {"sobol": ("S1", "ST"), "delta": ("delta", "S1"), "morris": ("mu_star", "sigma", "mu")}
    for head in heads[kind]:
        table.add_column(head, justify="right")
    for row in rep.indices.itertuples(index=False):
        if kind == "sobol":
            cells = [f"{row.S1:.3f} ± {row.S1_conf:.3f}", f"{row.ST:.3f} ± {row.ST_conf:.3f}"]
        elif kind == "delta":
            cells = [f"{row.delta:.3f} ± {row.delta_conf:.3f}", f"{row.S1:.3f} ± {row.S1_conf:.3f}"]
        else:
            cells = [f"{fmt(row.mu_star)} ± {fmt(row.mu_star_conf)}", fmt(row.sigma), fmt(row.mu)]
        table.add_row(Text(row.outcome), Text(row.parameter), *map(Text, cells))
    return table


def noise_table(rep: SweepReport) -> Table:
    """Replication noise per outcome: within-point vs between-point spread."""
    table = Table(
        title="Replication noise",
        caption="within: mean SD across replications of a point; between: SD of point means;"
        " share: noise variance left in the point means over their variance (100%: the"
        " points differ no more than noise alone would make them)",
    )
    for column in ("outcome", "replications", "within SD", "between SD", "ratio", "share"):
        table.add_column(column, justify="left" if column == "outcome" else "right")
    for row in rep.noise.itertuples(index=False):
        cells = (
            row.outcome,
            f"{row.replications:g}",
            fmt(row.within_sd),
            fmt(row.between_sd),
            fmt(row.noise_ratio),
            f"{row.noise_share:.1%}" if math.isfinite(row.noise_share) else "n/a",
        )
        table.add_row(*map(Text, cells))
    return table
