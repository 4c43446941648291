"""The plan of a sweep: the validated scenario resolved into factors, design and tasks.

A sweep is a design (one row per *point*: a value for every swept parameter) run ``R``
times per point. Run ``(point, replication)`` has the stable id ``point * R +
replication`` and a seed computed from those two numbers alone
(:func:`sim.experiments.sweep.design.run_seed`), so a result never depends on the
backend, the number of workers, the order runs finish in, or how often the sweep was
interrupted and resumed. :func:`run_sweep_task` is what a worker runs for one task.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.sweep.design import (
    DEFAULT_SAMPLES,
    Design,
    SweepError,
    make_design,
    read_design,
    run_seed,
)
from sim.outcomes import FINAL_STEPS, OUTCOMES
from sim.scenario.loading import dump_scenario, set_path, validate
from sim.scenario.parameters import Parameter, parameter_for
from sim.scenario.schema import Scenario

FORMAT = 1
FINAL_WINDOW = FINAL_STEPS  # steps averaged for an outcome's "final" value
STATS = ("final", "mean")
ID_COLUMNS = ("run_id", "point", "replication", "seed")
RUN_COLUMNS = ("status", "error", "wall_seconds")


@dataclass(frozen=True)
class SweepTask:
    """One run: the base scenario as plain data, the point's values, seed and outcomes."""

    base: dict[str, Any]
    run_id: int
    point: int
    replication: int
    seed: int
    values: tuple[tuple[str, Any], ...]
    outcomes: tuple[str, ...]
    window: int = FINAL_WINDOW


@dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep runs: the scenario, factors, design, replications and seeds."""

    scenario: Scenario
    factors: tuple[Parameter, ...]
    design: Design
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    design_file: str = ""
    base: dict[str, Any] = field(default_factory=dict, repr=False)
    fingerprint: str = ""

    @property
    def method(self) -> str:
        """The design method."""
        return self.scenario.sweep.method

    @property
    def points(self) -> int:
        """Number of design points."""
        return self.design.points

    @property
    def runs(self) -> int:
        """Number of runs: points times replications."""
        return self.points * self.replications

    def tasks(self, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[SweepTask]:
        """The runs not in ``skip`` (run ids), by point then replication."""
        paths = [f.path for f in self.factors]
        for point, *values in self.design.table[["point", *paths]].itertuples(index=False):
            pairs = tuple((p, _plain(v)) for p, v in zip(paths, values, strict=True))
            for r in range(self.replications):
                run_id = int(point) * self.replications + r
                if run_id in skip:
                    continue
                seed = run_seed(self.seed, int(point), r)
                yield SweepTask(self.base, run_id, int(point), r, seed, pairs, self.outcomes)

    def sweep_spec(self) -> dict[str, Any]:
        """The resolved sweep, as recorded in the manifest and fingerprinted."""
        sw = self.scenario.sweep
        return {
            "method": sw.method,
            "samples": sw.samples if sw.samples is not None else DEFAULT_SAMPLES.get(sw.method),
            "replications": self.replications,
            "seed": self.seed,
            "second_order": sw.second_order,
            "levels": sw.levels,
            "outcomes": list(self.outcomes),
            "design_file": self.design_file,
            "params": {f.path: f.spec() for f in self.factors},
        }


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (for TOML, JSON and pydantic)."""
    return value.item() if isinstance(value, np.generic) else value


def plan_sweep(s: Scenario, *, seed: int, design_dir: Path | None = None) -> SweepPlan:
    """Resolve the validated scenario's ``[sweep]`` into factors, design points and tasks.

    Args:
        s: The scenario, its ``sweep`` table already validated with it.
        seed: The base seed used when ``s.sweep.seed`` is unset.
        design_dir: Directory a relative ``sweep.design`` path is read from (default: cwd).
    """
    if s.sweep.seed is None:  # record the seed used, so scenario.toml reproduces the sweep
        sweep = s.sweep.model_dump(exclude_none=True) | {"seed": seed}
        s = validate(dump_scenario(s) | {"sweep": sweep}, origin=s.name)
    sw = s.sweep
    seed = sw.seed if sw.seed is not None else seed
    design_file = ""
    if sw.method == "design":
        path = Path(sw.design)
        if not path.is_absolute() and design_dir is not None:
            path = design_dir / path
        design_file = str(path)
        factors, design = read_design(path, s)
    else:
        if not sw.params:
            raise SweepError(
                "no parameters to sweep: give --param PATH=LO:HI or PATH=[v1,v2,...],"
                " or a [sweep.params] table in the scenario"
            )
        factors = [parameter_for(s, p, param) for p, param in sw.params.items()]
        design = make_design(
            factors,
            sw.method,
            samples=sw.samples,
            seed=seed,
            second_order=sw.second_order,
            levels=sw.levels,
        )
    outcomes = tuple(o for o in OUTCOMES if o in sw.outcomes) if sw.outcomes else tuple(OUTCOMES)
    base = dump_scenario(s)
    base.pop("sweep", None)
    plan = SweepPlan(s, tuple(factors), design, sw.replications, seed, outcomes, design_file, base)
    return replace(plan, fingerprint=fingerprint(plan))


def fingerprint(plan: SweepPlan) -> str:
    """A hash of everything that decides the sweep's rows (not its labels or workers)."""
    scenario = {k: v for k, v in plan.base.items() if k not in ("name", "description")}
    spec = {k: v for k, v in plan.sweep_spec().items() if k != "design_file"}
    design = plan.design.table.to_csv(index=False)
    text = json.dumps({"format": FORMAT, "scenario": scenario, "sweep": spec, "design": design})
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# ---------------------------------------------------------------------------------------
# One run, as executed by a worker


def outcome_columns(outcomes: Sequence[str]) -> list[str]:
    """Result columns of ``outcomes``: ``<outcome>.final`` and ``<outcome>.mean`` each."""
    return [f"{o}.{stat}" for o in outcomes for stat in STATS]


def summarize_outcomes(
    outcomes: pd.DataFrame, names: Sequence[str], *, window: int = FINAL_WINDOW
) -> dict[str, float]:
    """Per outcome: the mean of the last ``window`` steps (``.final``) and of all steps."""
    out = {}
    for name in names:
        if name in outcomes.columns:
            x = outcomes[name].to_numpy(dtype=float)
            seen = np.isfinite(x)
            out[f"{name}.final"] = (
                float(np.nanmean(x[-window:])) if seen[-window:].any() else math.nan
            )
            out[f"{name}.mean"] = float(np.nanmean(x)) if seen.any() else math.nan
        else:
            out[f"{name}.final"] = out[f"{name}.mean"] = math.nan
    return out


def run_sweep_task(task: SweepTask) -> dict[str, Any]:
    """Run one task and return its result row; an error is recorded, not raised."""
    from sim.experiments.experiment import run

    clock = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        **dict(task.values),
    }
    stats = dict.fromkeys(outcome_columns(task.outcomes), math.nan)
    status, error = "ok", None
    try:
        data = copy.deepcopy(task.base)
        for path, value in task.values:
            set_path(data, path, value)
        scenario = validate(data, origin=f"point {task.point}")
        result = run(scenario, seed=task.seed)
        stats.update(summarize_outcomes(result.outcomes, task.outcomes, window=task.window))
    except Exception as err:  # a failing run is recorded with its error; the sweep goes on
        status, error = "error", f"{type(err).__name__}: {err}"
    row.update(stats)
    row.update(status=status, error=error, wall_seconds=time.perf_counter() - clock)
    return row
