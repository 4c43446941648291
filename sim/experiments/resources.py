"""What a run needs before it starts: memory, estimated from its sizes, against what is free.

The figures were measured on the baseline (``benchmarks/``-style, peak RSS of one
replication): a model costs about 0.6 kB per enterprise on top of a worker process of
about 160 MB, and a replication's recorded tables (outcomes, provinces, platforms) about
6.2 kB per step, held twice in the parent while they are stacked. The estimate rounds
these up, so it refuses only what cannot fit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PROCESS_BYTES = 200e6  # a worker process with the model imported
ENTERPRISE_BYTES = 1_000.0  # one enterprise's arrays and agent
STEP_BYTES = 2 * 6_500.0  # one replication's tables per step, twice while stacked
REPLICATION_BYTES = 2_000.0  # a replication's seed, task and bookkeeping


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run needs, by part."""

    models: float
    tables: float
    workers: int
    per_model: float

    @property
    def total(self) -> float:
        """All of it."""
        return self.models + self.tables


def estimate(
    *, enterprises: int, steps: int, replications: int, workers: int = 1, scenarios: int = 1
) -> MemoryEstimate:
    """The memory of ``scenarios`` x ``replications`` runs kept in the parent, on ``workers``."""
    per_model = ENTERPRISE_BYTES * enterprises + STEP_BYTES / 2 * steps
    kept = scenarios * replications
    tables = kept * (STEP_BYTES * steps + REPLICATION_BYTES)
    return MemoryEstimate(max(1, workers) * per_model, tables, max(1, workers), per_model)


def available_memory() -> float | None:
    """Bytes of memory available to a new process (MemAvailable); None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def size(n: float) -> str:
    """Bytes in human units: ``1.2 GB``, ``350 MB``."""
    if n >= 1e15:
        return "over 1,000 TB"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 1e3:,.0f} kB"


def memory_problem(
    *,
    enterprises: int,
    steps: int,
    replications: int,
    workers: int = 1,
    scenarios: int = 1,
    available: float | None = None,
) -> str | None:
    """Why the run cannot fit in memory, with the figures; None if it fits (or is unknown)."""
    need = estimate(
        enterprises=enterprises,
        steps=steps,
        replications=replications,
        workers=workers,
        scenarios=scenarios,
    )
    free = available_memory() if available is None else available
    if free is None or need.total + PROCESS_BYTES <= free:
        return None
    runs = f"{scenarios} scenarios x " if scenarios > 1 else ""
    models = f"{need.workers} models" if need.workers > 1 else "one model"
    parts = [f"{size(need.models)} for {models} of {enterprises:,} enterprises"]
    if need.workers > 1:
        parts[0] += f" ({size(need.per_model)} each, one per worker)"
    if replications:
        parts.insert(
            0,
            f"{size(need.tables)} for the tables of {runs}{replications:,} replications"
            f" x {steps} steps",
        )
    text = (
        f"this run needs about {size(need.total)} of memory and {size(free)} is available:"
        f" {' and '.join(parts)}"
    )
    room = free - PROCESS_BYTES - need.models
    per_rep = need.tables / max(1, scenarios * replications)
    fit = int(room // per_rep // max(1, scenarios)) if room > 0 else 0
    if need.tables > need.models and fit >= 1:
        return f"{text}; at most about {fit:,} replications fit, pass -r {fit} or fewer"
    return f"{text}; use fewer enterprises (run.enterprises), workers or steps"
