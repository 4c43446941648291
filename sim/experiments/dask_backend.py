"""The Dask backend: tasks on a Dask distributed cluster, an existing one or a local one.

It follows the backend protocol of :mod:`sim.experiments.runners` (a context manager that
owns its workers and yields results as they finish), which re-exports it.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, Self, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while inside, so processes started meanwhile ignore it for good.

    An ignored signal stays ignored in a child across ``exec``, and Python then installs
    no KeyboardInterrupt handler in it; outside the main thread this does nothing.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskBackend:
    """Runs tasks on a Dask distributed cluster (``fn`` and tasks must pickle).

    Needs the ``dask`` extra (``pip install 'sim[dask]'``); on a remote cluster, every
    worker needs ``sim`` installed too.

    Args:
        scheduler: Address of a running scheduler (``tcp://host:8786``). ``None`` starts
            a ``LocalCluster`` of worker processes, closed again on exit.
        workers: Worker processes of the local cluster, one thread each (default: one per
            core). Ignored with ``scheduler``; ``workers`` then counts its threads.
        ahead: Tasks submitted ahead per worker thread.
    """

    def __init__(
        self, scheduler: str | None = None, *, workers: int | None = None, ahead: int = 2
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.scheduler = scheduler
        self.workers = workers or 0
        self.ahead = max(1, ahead)
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> Self:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise RuntimeError(
                "the Dask backend needs dask.distributed: pip install 'sim[dask]'"
            ) from err
        try:
            if self.scheduler is None:
                with interrupts_ignored():  # worker processes inherit it: Ctrl-C is ours
                    self._cluster = LocalCluster(
                        n_workers=self.workers or None,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,  # not the cancelled-task warnings of Ctrl-C
                    )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
            self._client.wait_for_workers(1, timeout=120)
        except BaseException:
            self.__exit__()
            raise
        info = self._client.scheduler_info()
        self.workers = sum(w["nthreads"] for w in info["workers"].values())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def address(self) -> str:
        """The scheduler's address (once entered)."""
        return self._client.scheduler.address if self._client is not None else ""

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as they finish (re-raises a task's error)."""
        from distributed import as_completed

        client = self._client
        if client is None:
            raise RuntimeError("use DaskBackend as a context manager: with ... as backend")
        todo = iter(tasks)
        pending = {
            client.submit(fn, task, pure=False)
            for task in islice(todo, max(1, self.workers) * self.ahead)
        }
        if not pending:
            return
        finished = as_completed(pending)
        try:
            for future in finished:
                pending.discard(future)
                for task in islice(todo, 1):
                    nxt = client.submit(fn, task, pure=False)
                    pending.add(nxt)
                    finished.add(nxt)
                result = future.result()
                future.release()
                yield result
        finally:
            if pending:
                client.cancel(list(pending))
