"""The ``sim`` command line: one typer app, one module per command group.

The command modules (:mod:`sim.cli.run`, :mod:`sim.cli.compare`, :mod:`sim.cli.sweep`,
:mod:`sim.cli.calibrate`) define plain functions; this module registers them, so that none
of them imports the app or another command's module.
"""

from __future__ import annotations

import atexit
import gc
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

import sim
from sim.cli import calibrate, compare, page, run, sweep


def plain_flags(params: list) -> list:
    """Mark on/off options (``--force``, ``--charts/--no-charts``, ``--help``) as taking no value.

    Typer's rich help lists every option's type beside it, flags included, so that
    ``--force`` reads as ``--force <bool>`` as if it took a value; an empty metavar shows
    a flag as the bare switch it is. Options that take a value keep their type.
    """
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help shows flags as bare switches (:func:`plain_flags`)."""

    def get_params(self, ctx):  # noqa: D102 (the parent's)
        return plain_flags(super().get_params(ctx))


class Group(TyperGroup):
    """The ``sim`` group, whose help shows flags as bare switches (:func:`plain_flags`)."""

    def get_params(self, ctx):  # noqa: D102 (the parent's)
        return plain_flags(super().get_params(ctx))


class App(typer.Typer):
    """The ``sim`` app, which spares its process most garbage collection of long-lived objects.

    Calling it (``sim`` and ``python -m sim`` do; typer's test runner does not) first
    freezes every object alive then (:func:`gc.freeze`): what the imports made, which lives
    until exit, so that no full collection walks it again. It freezes again at exit, where
    the interpreter would otherwise collect every object as it tears the modules down:
    about 0.35 s once Mesa, pandas and scipy are loaded, more than a one-step run's
    simulation. The system frees the process's memory at exit all the same; only the
    finalizers of objects in reference cycles alive at exit do not run (every file a
    command writes is closed when written).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line; freeze the objects alive now, and again at exit."""
        gc.freeze()
        atexit.register(gc.freeze)
        return super().__call__(*args, **kwargs)


app = App(
    name="sim",
    cls=Group,
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


COMMANDS = {
    "run": run.run,
    "compare": compare.compare,
    "sweep": sweep.sweep,
    "sweep-report": sweep.sweep_report,
    "validate": run.validate,
    "params": run.params,
    "plot": run.plot,
    "calibrate": calibrate.calibrate,
    "report": calibrate.report,
    "app": page.app,
}
for _name, _function in COMMANDS.items():
    app.command(_name, cls=Command)(_function)
