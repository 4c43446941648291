"""Execution backends, and many replications of a scenario run through one of them.

A backend maps a function over picklable tasks and yields results as they finish
(``imap_unordered``); it is a context manager that owns its workers, like the EMA
Workbench evaluators. :class:`SequentialBackend` runs in-process and is the default, so
tests and notebooks never need a pool; :class:`ProcessPoolBackend` runs tasks in worker
processes started by a ``forkserver`` that has already imported the model (or by
``spawn`` where there is no forkserver), never by ``fork``, which is unsafe with threads;
:class:`DaskBackend` (in :mod:`sim.experiments.dask_backend`, importable from here too)
runs them on a Dask distributed cluster, an existing one or a local one it starts. Pools
keep only a few tasks per worker submitted ahead, so a long stream of tasks never sits
in memory at once. A pool's workers watch the process that started
them and exit when it dies (SIGKILL included), so no worker outlives its parent.

A replication that raises stops :func:`run_replications` with :class:`ReplicationsStopped`,
which carries the replications that finished, so a caller can keep them; Ctrl-C does the
same. The model's own clear failure is :class:`~sim.model.errors.ModelError`.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import pandas as pd

from sim.experiments.dask_backend import DaskBackend, interrupts_ignored
from sim.experiments.experiment import RunResult, run
from sim.model.errors import ModelError
from sim.scenario.loading import dump_scenario, validate
from sim.scenario.schema import Scenario

__all__ = ["DaskBackend", "interrupts_ignored"]  # re-exported: their old home

T = TypeVar("T")
R = TypeVar("R")


class Backend(Protocol):
    """Runs ``fn`` over tasks; used as a context manager that owns its workers."""

    workers: int

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task, in the order they finish."""
        ...


class SequentialBackend:
    """Runs every task in this process, one after another."""

    workers = 1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task, in task order."""
        for task in tasks:
            yield fn(task)


class ProcessPoolBackend:
    """Runs tasks in a pool of worker processes (``fn`` and tasks must pickle).

    Args:
        workers: Number of worker processes.
        start_method: ``"forkserver"`` or ``"spawn"``; ``fork`` is refused. The default is
            the forkserver where the platform has one, else spawn.
        preload: Modules the forkserver imports once, so workers start without importing.
        initializer: Called in every worker as it starts (e.g. :func:`ignore_interrupts`).
        ahead: Tasks submitted ahead per worker; the rest wait in the task iterator.
    """

    def __init__(
        self,
        workers: int,
        *,
        start_method: str | None = None,
        preload: Sequence[str] = ("sim.experiments.runners",),
        initializer: Callable[[], object] | None = None,
        ahead: int = 2,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if start_method is None:
            methods = multiprocessing.get_all_start_methods()
            start_method = "forkserver" if "forkserver" in methods else "spawn"
        if start_method not in ("spawn", "forkserver"):
            raise ValueError(f"start_method must be 'spawn' or 'forkserver', got {start_method!r}")
        self.workers = workers
        self.start_method = start_method
        self.preload = list(preload)
        self.initializer = functools.partial(start_worker, initializer)
        self.ahead = max(1, ahead)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            context.set_forkserver_preload(self.preload)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=self.initializer
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as they finish (re-raises a task's error).

        A few tasks per worker are submitted ahead; the next is taken from ``tasks`` as
        each one finishes.
        """
        pool = self._pool
        if pool is None:
            raise RuntimeError("use ProcessPoolBackend as a context manager: with ... as backend")
        todo = iter(tasks)
        pending: set[Future[R]] = {
            pool.submit(fn, task) for task in islice(todo, self.workers * self.ahead)
        }
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.update(pool.submit(fn, task) for task in islice(todo, 1))
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def watch_parent() -> None:
    """In a worker process: exit at once when the process that started it dies.

    A pool's worker blocks on its task queue forever once its parent is gone (SIGKILL
    leaves no one to tell it), and with it the forkserver, which waits for its children.
    The worker's parent sentinel (a pipe the parent holds open) reads as ready when the
    parent dies; a daemon thread waits on it and ends the process. Does nothing outside a
    child process.
    """
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if parent is None or sentinel is None:
        return

    def wait_then_exit() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=wait_then_exit, name="sim-parent-watch", daemon=True).start()


def start_worker(initializer: Callable[[], object] | None) -> None:
    """What every pool worker runs as it starts: :func:`watch_parent`, then ``initializer``."""
    watch_parent()
    if initializer is not None:
        initializer()


def ignore_interrupts() -> None:
    """Ignore Ctrl-C (SIGINT) in a worker, so that only the parent process handles it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_backend(workers: int = 1) -> Backend:
    """The sequential backend for one worker, else a process pool of ``workers``.

    The pool's workers ignore Ctrl-C: the parent handles it and keeps what finished.
    """
    if workers <= 1:
        return SequentialBackend()
    return ProcessPoolBackend(workers, initializer=ignore_interrupts)


@dataclass(frozen=True)
class ReplicationTask:
    """One replication to run: the scenario as plain data, its index, seed and steps."""

    scenario: dict[str, Any]
    replication: int
    seed: int
    steps: int | None = None


class ReplicationError(Exception):
    """A replication that raised: its index, seed and the error, as plain text (it pickles).

    Args:
        replication: The replication's index.
        seed: Its child seed.
        error: ``"TypeName: message"`` of the error it raised.
        model_error: True for the model's own :class:`ModelError` (a clear failure, not a bug).
    """

    def __init__(self, replication: int, seed: int, error: str, model_error: bool) -> None:
        super().__init__(replication, seed, error, model_error)
        self.replication, self.seed, self.error, self.model_error = (
            replication,
            seed,
            error,
            model_error,
        )

    def __str__(self) -> str:
        return f"replication {self.replication} (seed {self.seed}) failed: {self.error}"


def run_task(task: ReplicationTask, scenario: Scenario | None = None) -> tuple[int, RunResult]:
    """Validate the task's scenario, run it, and return its index and tagged tables.

    Raises:
        ReplicationError: The run raised; it names the replication and its seed.

    Args:
        task: The replication.
        scenario: The task's scenario, validated already in this process; it is then not
            validated again from the task's plain data (the model copies the scenario it
            is given, so one object serves every replication).
    """
    try:
        if scenario is None:
            scenario = validate(task.scenario, origin=f"replication {task.replication}")
        result = run(scenario, seed=task.seed, steps=task.steps)
    except Exception as err:
        text = str(err) if isinstance(err, ModelError) else f"{type(err).__name__}: {err}"
        raise ReplicationError(
            task.replication, task.seed, text, isinstance(err, ModelError)
        ) from err
    return task.replication, result.tagged(task.replication)


@dataclass
class Replications:
    """The tables of many replications, stacked and sorted by replication."""

    seeds: list[int]
    outcomes: pd.DataFrame
    provinces: pd.DataFrame
    platforms: pd.DataFrame


def combine(results: Iterable[tuple[int, RunResult]], seeds: Sequence[int]) -> Replications:
    """Stack tagged results in replication order (whatever order they finished in)."""
    ordered = [r for _, r in sorted(results, key=lambda pair: pair[0])]

    def stack(name: str) -> pd.DataFrame:
        frames = [getattr(r, name) for r in ordered]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    return Replications(list(seeds), stack("outcomes"), stack("provinces"), stack("platforms"))


class ReplicationsStopped(Exception):
    """Replications stopped before all finished: by Ctrl-C or by one that raised.

    Attributes:
        partial: The replications that finished (sorted), their seeds in ``partial.seeds``.
        done: Their indices.
        total: Replications asked for.
        cause: The :class:`ReplicationError`, or the KeyboardInterrupt.
    """

    def __init__(
        self, partial: Replications, done: list[int], total: int, cause: BaseException
    ) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        self.partial, self.done, self.total, self.cause = partial, done, total, cause

    @property
    def interrupted(self) -> bool:
        """True if Ctrl-C (or SIGTERM turned into it) stopped the replications."""
        return isinstance(self.cause, KeyboardInterrupt)


def run_replications(
    scenario: Scenario,
    seeds: Sequence[int],
    *,
    steps: int | None = None,
    workers: int = 1,
    backend: Backend | None = None,
    progress: Callable[[int], None] | None = None,
) -> Replications:
    """Run replication ``i`` of ``scenario`` with ``seeds[i]`` and stack the tables.

    Raises:
        ReplicationsStopped: Ctrl-C, or a replication that raised; it holds those finished.

    Args:
        scenario: The validated scenario.
        seeds: One seed per replication (e.g. from ``child_seeds``).
        steps: Steps to run; ``None`` runs ``scenario.run.steps``.
        workers: Worker processes of the backend made here when no ``backend`` is given.
        backend: An entered backend to use (the caller owns it, e.g. across a sweep).
        progress: Called with the replication index each time one finishes.
    """
    data = dump_scenario(scenario)
    tasks = [ReplicationTask(data, i, int(s), steps) for i, s in enumerate(seeds)]
    if backend is None:
        with make_backend(workers) as own:
            return run_replications(scenario, seeds, steps=steps, backend=own, progress=progress)
    # In this process the scenario needs no second validation (about 5 ms a replication);
    # worker processes validate the plain data they receive.
    in_process = isinstance(backend, SequentialBackend)
    fn = functools.partial(run_task, scenario=scenario) if in_process else run_task
    results: list[tuple[int, RunResult]] = []
    try:
        for replication, result in backend.imap_unordered(fn, tasks):
            results.append((replication, result))
            if progress is not None:
                progress(replication)
    except (KeyboardInterrupt, ReplicationError) as cause:
        done = sorted(i for i, _ in results)
        partial = combine(results, [int(seeds[i]) for i in done])
        raise ReplicationsStopped(partial, done, len(seeds), cause) from None
    return combine(results, seeds)
