"""The ``sim`` command line: one typer app, one module per command group.

The command modules (:mod:`sim.cli.run`, :mod:`sim.cli.compare`, :mod:`sim.cli.sweep`,
:mod:`sim.cli.calibrate`) define plain functions; this module registers them, so that none
of them imports the app or another command's module.
"""

from __future__ import annotations

from typing import Annotated

import typer

import sim
from sim.cli import calibrate, compare, run, sweep

app = typer.Typer(
    name="sim",
    help="Agent-based simulation of provinces competing for Belt-and-Road platforms.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def version_callback(value: bool) -> None:
    """Print the package version and exit."""
    if value:
        typer.echo(f"sim {sim.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Agent-based simulation of provinces competing for Belt-and-Road platforms."""


app.command("run")(run.run)
app.command("compare")(compare.compare)
app.command("sweep")(sweep.sweep)
app.command("sweep-report")(sweep.sweep_report)
app.command("validate")(run.validate)
app.command("params")(run.params)
app.command("plot")(run.plot)
app.command("calibrate")(calibrate.calibrate)
app.command("report")(calibrate.report)
