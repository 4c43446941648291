"""The resumable loop of a sweep: run every task not yet done over a backend.

Finished runs stream into part files of the sweep directory
(:mod:`sim.experiments.sweep.directory`); each call of :func:`run_sweep` is a *session*
recorded in the manifest, and a session interrupted (Ctrl-C, SIGTERM, a worker lost)
keeps what finished, so the next one resumes from the part files alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiments import store
from sim.experiments.sweep.design import SweepError
from sim.experiments.sweep.directory import (
    RESULTS,
    arrow_schema,
    new_manifest,
    prepare,
    scan_results,
)
from sim.experiments.sweep.plan import SweepPlan, run_sweep_task

if TYPE_CHECKING:
    from sim.experiments.runners import Backend


@dataclass
class SweepSummary:
    """What a call of :func:`run_sweep` did, and the state of the directory after it."""

    out_dir: Path
    runs: int
    done: int
    failures: int
    new_runs: int
    new_failures: int
    parts: int
    wall_seconds: float
    status: str
    warnings: list[str] = field(default_factory=list)

    @property
    def runs_per_minute(self) -> float:
        """Runs finished in this call per minute of wall time."""
        return 60.0 * self.new_runs / self.wall_seconds if self.wall_seconds > 0 else math.nan


def run_sweep(
    plan: SweepPlan,
    out_dir: str | Path,
    *,
    backend: Backend,
    resume: bool = False,
    batch_size: int = 64,
    flush_seconds: float = 30.0,
    progress: Callable[[int, int, int], None] | None = None,
    scenario_file: str = "",
    overrides: Sequence[str] = (),
    command: Sequence[str] = (),
    backend_name: str = "",
) -> SweepSummary:
    """Run every run of ``plan`` not yet in ``out_dir``, writing part files as runs finish.

    Finished runs are buffered and written as one part file every ``batch_size`` runs or
    ``flush_seconds``, whichever comes first. Ctrl-C (KeyboardInterrupt) stops the loop:
    the runs finished so far are written and the summary's status is ``interrupted``.
    Any other error of the backend (a worker lost) also writes what finished, then
    propagates.

    Args:
        plan: The sweep (see :func:`plan_sweep`).
        out_dir: The sweep directory; created if missing.
        backend: An entered backend (the caller owns its workers).
        resume: Continue the sweep already in ``out_dir`` (it must be the same sweep).
        batch_size: Runs per part file.
        flush_seconds: Longest time finished runs wait in memory.
        progress: Called with ``(done, failures, total)`` after every run.
        scenario_file: The scenario file, recorded in the manifest.
        overrides: The ``--set`` overrides, recorded in the manifest.
        command: The command line, recorded in the session.
        backend_name: A description of the backend, recorded in the session.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"--out {out_dir}: exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    clock, started = time.perf_counter(), store.now_iso()
    with store.lock(out_dir):
        fresh = new_manifest(plan, scenario_file=scenario_file, overrides=overrides)
        manifest = prepare(out_dir, plan, resume=resume, manifest=fresh)
        state = scan_results(out_dir, plan.fingerprint)
        schema = arrow_schema(plan)
        code = store.code_hash()
        session: dict[str, Any] = {
            "started": started,
            "backend": backend_name or type(backend).__name__,
            "workers": backend.workers,
            "command": list(command),
            "code": code,
            "runs_before": len(state.done),
        }
        warnings = []
        before = [s["code"] for s in manifest["sessions"] if "code" in s]
        if state.done and before and before[-1] != code:
            warnings.append(
                f"the sim code changed since the last session (code {before[-1]} -> {code}):"
                " the runs of this session use the new code"
            )
        manifest["sessions"].append(session)
        manifest["status"] = "running"
        store.write_manifest(out_dir, manifest)

        done, failures, total = len(state.done), state.failures, plan.runs
        new = new_failures = parts = 0
        buffer: list[dict[str, Any]] = []
        last_flush = time.monotonic()
        status = "running"

        def flush() -> None:
            nonlocal buffer, parts, last_flush
            if buffer:
                store.write_part(out_dir / RESULTS, buffer, schema, state.next_part + parts)
                parts += 1
                buffer = []
            last_flush = time.monotonic()

        if progress is not None:
            progress(done, failures, total)
        try:
            for row in backend.imap_unordered(run_sweep_task, plan.tasks(skip=state.done)):
                buffer.append(row)
                done, new = done + 1, new + 1
                if row["status"] != "ok":
                    failures, new_failures = failures + 1, new_failures + 1
                if progress is not None:
                    progress(done, failures, total)
                if len(buffer) >= batch_size or time.monotonic() - last_flush >= flush_seconds:
                    flush()
            status = "complete" if done == total else "incomplete"
        except KeyboardInterrupt:
            status = "interrupted"
        except BaseException as err:
            status = f"failed: {type(err).__name__}: {err}"
            raise
        finally:
            flush()
            wall = time.perf_counter() - clock
            session.update(
                ended=store.now_iso(),
                status=status,
                runs=new,
                failures=new_failures,
                parts=parts,
                wall_seconds=round(wall, 3),
            )
            manifest.update(
                status=status, runs_done=done, failures=failures, updated=store.now_iso()
            )
            store.write_manifest(out_dir, manifest)
    return SweepSummary(
        out_dir, total, done, failures, new, new_failures, parts, wall, status, warnings
    )
