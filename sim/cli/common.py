"""Helpers every command shares: failing cleanly, consoles, loading, output directories.

Problems with the user's input (a scenario that does not validate, an output directory in
the way) print one red message to stderr, with no traceback, and exit with status 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sim.scenario.loading import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

DEFAULT_SEED = 20260101
USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    """Print ``message`` in red to stderr and exit with status 2."""
    Console(stderr=True, highlight=False).print(
        Text("error: ", style="bold red") + Text(message, style="red"), soft_wrap=True
    )
    raise typer.Exit(USAGE_ERROR)


def wide_console(width: int = 120) -> Console:
    """A stdout console: the terminal's width, or ``width`` columns when not a terminal."""
    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, width))


def load(path: Path, overrides: list[str], *, steps: int | None = None) -> Scenario:
    """Load and validate a scenario (``--set`` overrides, ``--steps``), or fail with the problem."""
    try:
        return load_scenario(path, overrides, steps=steps)
    except ScenarioError as err:
        fail(str(err))


def prepare_out_dir(out: Path | None, name: str, *, force: bool) -> Path:
    """The output directory, created: ``out`` or ``runs/<name>-<time>``; fail if in the way.

    A non-empty ``out`` is refused unless ``force``; this runs before anything is computed.
    """
    from sim.experiments import store

    try:
        if out is None:
            out = store.default_out_dir(name)
        store.check_out_dir(out, force=force)
        out.mkdir(parents=True, exist_ok=True)
    except store.OutputError as err:
        fail(str(err))
    except OSError as err:
        fail(f"--out {out}: cannot create: {err}")
    return out


def replications_with_progress(scenario: Scenario, seeds: list[int], *, workers: int):
    """Run one replication per seed with a progress bar on stderr; return the tables."""
    from sim.experiments.runners import run_replications

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(f"{scenario.name}: replications", total=len(seeds))
        return run_replications(
            scenario, seeds, workers=workers, progress=lambda _: bar.advance(task)
        )


def caption(name: str, replications: int, seed: int) -> str:
    """The caption line under every chart."""
    return f"scenario {name} · {replications} replications · base seed {seed}"


def fmt(x: float) -> str:
    """A number with about four significant digits, thousands separated, no exponent."""
    if not math.isfinite(x):
        return "n/a"
    size = abs(x)
    if size >= 1e4:
        return f"{x:,.0f}"
    if size >= 100:
        return f"{x:,.1f}"
    if size >= 1 or size == 0:
        return f"{x:.2f}"
    return f"{x:.3g}"
