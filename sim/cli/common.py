"""Helpers the commands share: failing, consoles, loading, output directories, progress.

The printed report of a sweep, which ``sim sweep``, ``sim sweep-report`` and ``sim plot``
of a sweep directory all print, is in :mod:`sim.cli.report`.

Problems with the user's input (a scenario that does not validate, an output directory in
the way, a run too big for memory) print one red message to stderr, with no traceback, and
exit with status 2. Output directories are staged and swapped in whole
(:func:`open_out_dir`, :func:`finish`); a run stopped by Ctrl-C (status 130) or by a
failing replication (status 1) is kept marked incomplete (:func:`keep_incomplete`).
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sim.scenario.loading import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiments.runners import ReplicationsStopped
    from sim.experiments.staging import StagedDir

DEFAULT_SEED = 20260101
USAGE_ERROR = 2
MODEL_FAILED = 1  # a replication failed (the model's error, or a bug)
INTERRUPTED = 130  # the shell's status for a process stopped by Ctrl-C


def fail(message: str) -> NoReturn:
    """Print ``message`` in red to stderr and exit with status 2."""
    print_error(message)
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


def open_out_dir(out: Path | None, name: str, *, force: bool) -> StagedDir:
    """The staged output directory: ``out`` or ``runs/<name>-<time>``; fail if in the way.

    Runs before anything is computed: the target is checked (a non-empty one is refused
    unless ``force``, which replaces it whole) and the staging directory created beside it,
    which proves its parent writable. Write into ``.path``; :func:`finish` swaps it in.
    """
    from sim.experiments import store
    from sim.experiments.staging import StagedDir

    stage = StagedDir(store.default_out_dir(name) if out is None else out, force=force)
    try:
        stage.open()
    except store.OutputError as err:
        fail(str(err))
    return stage


def check_memory(
    *, enterprises: int, steps: int, replications: int, workers: int, scenarios: int = 1
) -> None:
    """Fail with the figures if the run's estimated memory exceeds what is available."""
    from sim.experiments.resources import memory_problem

    problem = memory_problem(
        enterprises=enterprises,
        steps=steps,
        replications=replications,
        workers=workers,
        scenarios=scenarios,
    )
    if problem is not None:
        fail(problem)


def writable_problem(directory: Path) -> str | None:
    """Why files cannot be written in ``directory`` (made if missing); None if they can."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"{existing} is a file, not a directory"
    probe = directory / f".probe-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        return f"cannot write in {directory} ({err.strerror or err})"
    return None


def check_writable_file(path: Path, option: str) -> None:
    """Fail unless a file can be written at ``path`` (its folder made, a probe written)."""
    problem = writable_problem(path.parent)
    if problem is not None:
        fail(f"{option} {path}: {problem}")


def check_writable_dir(path: Path, option: str) -> None:
    """Fail unless files can be written in the directory ``path`` (made if missing)."""
    problem = writable_problem(path)
    if problem is not None:
        fail(f"{option} {path}: {problem}")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (a cluster job's time limit, ``kill``) like Ctrl-C while inside."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def print_error(message: str) -> None:
    """Print ``message`` in red to stderr, as :func:`fail` does, without exiting."""
    Console(stderr=True, highlight=False).print(
        Text("error: ", style="bold red") + Text(message, style="red"), soft_wrap=True
    )


def finish(stage: StagedDir, write: Callable[[Path], object]) -> Path:
    """Write the output with ``write(staging_dir)`` and swap it in; the target's path.

    Ctrl-C or an error while writing leaves the target as it was (the staging directory
    is removed) and exits with a message.
    """
    from sim.experiments.store import OutputError

    try:
        with sigterm_as_interrupt():
            write(stage.path)
            return stage.commit()
    except KeyboardInterrupt:
        stage.discard()
        print_note(f"interrupted while writing: nothing written, {stage.target} is as it was")
        raise typer.Exit(INTERRUPTED) from None
    except OutputError as err:
        stage.discard()
        fail(str(err))
    except OSError as err:
        stage.discard()
        fail(f"--out {stage.target}: cannot write: {err}")


def print_note(message: str) -> None:
    """Print ``message`` in yellow to stderr."""
    Console(stderr=True, highlight=False).print(Text(message, style="yellow"), soft_wrap=True)


def keep_incomplete(
    stage: StagedDir,
    stop: ReplicationsStopped,
    write: Callable[[Path], object],
    manifest: dict[str, Any],
    *,
    what: str = "",
) -> NoReturn:
    """Swap in the directory of a run stopped early, marked incomplete; say so and exit.

    Args:
        stage: The staged output directory.
        stop: Why the replications stopped, and those that finished.
        write: Writes the tables of the finished replications into a directory.
        manifest: The run's manifest, to be marked incomplete.
        what: Names the failed scenario in the message (for ``sim compare``).
    """
    from sim.experiments.staging import incomplete_manifest
    from sim.experiments.store import write_manifest

    reason = "interrupted" if stop.interrupted else f"{what}{stop.cause}"
    marked = incomplete_manifest(manifest, reason=reason, done=stop.done, total=stop.total)
    try:
        write(stage.path)
        write_manifest(stage.path, marked)
        stage.commit()
        if stop.done:
            kept = (
                f"kept the {len(stop.done)} of {stop.total} replications that finished in"
                f" {stage.target}, marked incomplete (sim plot refuses it); run the command"
                " again for a complete one"
            )
        else:
            kept = f"no replication finished; {stage.target} is marked incomplete"
    except Exception as err:  # keeping it must not hide why the run stopped
        stage.discard()
        kept = f"could not keep the finished replications: {err}"
    if stop.interrupted:
        print_note(f"interrupted: {kept}")
        raise typer.Exit(INTERRUPTED)
    print_error(reason)
    print_note(kept)
    raise typer.Exit(MODEL_FAILED)


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


class Bar:
    """A progress bar of runs done, failures and ETA (a line per tenth when not a terminal)."""

    def __init__(self, name: str) -> None:
        self.console = Console(stderr=True)
        self.name = name
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.task: Any = None
        self.clock = time.perf_counter()
        self.start = 0
        self.next_line = 0

    def __enter__(self) -> Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, done: int, failed: int, total: int) -> None:
        """Show ``done`` of ``total`` runs and ``failed``."""
        if self.task is None:
            self.start = done
            self.task = self.progress.add_task(
                f"{self.name}: runs", total=total, completed=done, failed=failed
            )
            self.next_line = done
        self.progress.update(self.task, completed=done, failed=failed)
        if self.console.is_terminal or done < self.next_line:
            return
        self.next_line = done + max(1, total // 10)
        elapsed = time.perf_counter() - self.clock
        new = done - self.start
        eta = elapsed / new * (total - done) if new else math.nan
        eta_text = f"{eta:.0f} s" if math.isfinite(eta) else "?"
        self.console.print(
            f"{self.name}: {done}/{total} runs, {failed} failed, {elapsed:.0f} s, ETA {eta_text}",
            highlight=False,
        )


def start_year_of(resolved: list[dict[str, Any] | None]) -> int | None:
    """The ``run.start_year`` the resolved scenarios of a manifest share; None if they differ.

    Time axes are in calendar years only where every scenario starts in the same year
    (an output directory older than the field has none: steps).
    """
    return shared_year([((s or {}).get("run") or {}).get("start_year") for s in resolved])


def shared_year(years: list[Any]) -> int | None:
    """The one calendar year all of ``years`` are; None if they differ or one is missing."""
    if not years or not all(isinstance(y, int) for y in years) or len(set(years)) != 1:
        return None
    return years[0]
