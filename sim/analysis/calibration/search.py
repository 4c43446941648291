"""The search: the free parameters, a seeded Latin hypercube and shrinking local rounds.

:data:`SPACE` declares the free parameters with the one parameter type
(:class:`~sim.scenario.parameters.Parameter`, role ``calibrated``): exactly the schema
fields whose source is :data:`~sim.scenario.fitted.CALIBRATED`, two of them sector
tables moved by one factor each. :func:`calibrate` is the seeded search: a Latin
hypercube over :data:`SPACE`, then rounds of Latin hypercubes in a shrinking box around
the best point, every point run with the same child seeds (common random numbers), so the
same seed gives the same result whatever the number of workers. The best point is
written as a scenario (:func:`calibrated_scenario_text`) and as the package's calibrated
defaults (:func:`calibrated_defaults_text`, ``sim/data/calibrated.toml``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from sim.analysis.calibration.fit import extract, loss, mean_patterns
from sim.experiments.experiment import child_seeds, run
from sim.experiments.runners import SequentialBackend
from sim.scenario.fields import SECTORS
from sim.scenario.loading import dump_scenario, set_path, validate
from sim.scenario.parameters import Parameter
from sim.scenario.schema import Scenario

# Shares of each sector's exports that are rail-eligible, before calibration: the search
# scales them by one factor (``RAIL_ELIGIBLE``), so it never depends on the defaults it
# sets.
RAIL_ELIGIBLE_REFERENCE = {
    "electronics": 0.35,
    "machinery": 0.15,
    "automotive": 0.20,
    "chemicals": 0.04,
    "consumer_goods": 0.04,
}
RAIL_ELIGIBLE = "freight.sectors.*.rail_eligible"
# Values of time before calibration (USD per FEU-day), scaled by one factor likewise.
VALUE_OF_TIME_REFERENCE = {
    "electronics": 400.0,
    "machinery": 150.0,
    "automotive": 220.0,
    "chemicals": 60.0,
    "consumer_goods": 40.0,
}
VALUE_OF_TIME = "freight.sectors.*.value_of_time"


def free(path: str, low: float, high: float, *, log: bool = False, meaning: str = "") -> Parameter:
    """A parameter the search moves, over ``low``..``high`` (log-uniform when ``log``).

    The path ``freight.sectors.*.rail_eligible`` is one factor that scales every sector's
    reference rail-eligible share (:data:`RAIL_ELIGIBLE_REFERENCE`), capped at 1;
    ``freight.sectors.*.value_of_time`` scales every sector's reference value of time
    (:data:`VALUE_OF_TIME_REFERENCE`).
    """
    return Parameter(path, "float", low, high, log=log, role="calibrated", meaning=meaning)


SPACE: tuple[Parameter, ...] = (
    # cost responses
    free("freight.export_elasticity", 0.3, 3.0, log=True, meaning="export response to cost"),
    free("freight.density_premium", 0.2, 2.0, meaning="cost response to frequency"),
    free("freight.congestion", 0.0, 2.0, meaning="cost response to overload"),
    free(VALUE_OF_TIME, 0.15, 1.5, log=True, meaning="values of time (factor)"),
    # logit scale and stickiness
    free("freight.logit_scale", 200.0, 4000.0, log=True, meaning="logit scale"),
    free("freight.contract_length", 1.0, 16.0, log=True, meaning="contract length"),
    # weight of relative standing and train targets
    free("strategy.rank_weight", 0.0, 1500.0, meaning="weight of relative standing"),
    free("strategy.train_value", 0.0, 50000.0, meaning="weight of train targets"),
    free("freight.min_trains", 1.0, 13.0, meaning="scheduled trains of a platform"),
    free("freight.initial_capacity", 20.0, 200.0, log=True, meaning="terminal size"),
    free("freight.expand_share", 0.25, 2.0, meaning="capacity expansion"),
    # herding, entry and learning
    free("strategy.herding", 0.02, 0.6, log=True, meaning="herding"),
    free("strategy.entry", 0.0, 0.03, meaning="entry on unused corridors"),
    free("strategy.subsidy_step", 0.005, 0.08, log=True, meaning="learning rate"),
    free("strategy.imitation", 0.02, 0.5, log=True, meaning="imitation"),
    # demand, rail-eligible share, scale
    free("partners.demand_growth", 0.0, 0.10, meaning="demand growth"),
    free(RAIL_ELIGIBLE, 0.2, 3.0, log=True, meaning="rail-eligible share (factor)"),
    free("freight.total_exports", 5e4, 2e7, log=True, meaning="scale"),
    # the city layer: nested logit, frequency, crossings, return cargo
    free("freight.nest_scale", 0.1, 1.0, meaning="rail hubs' dissimilarity (nested logit)"),
    free("freight.wait_weight", 0.0, 3.0, meaning="weight of the wait for a departure"),
    free("freight.crossing_km_cost", 0.05, 2.0, log=True, meaning="km cost, crossing choice"),
    free("freight.crossing_scale", 30.0, 3000.0, log=True, meaning="crossing logit scale"),
    free("freight.crossing_capacity", 200.0, 5000.0, log=True, meaning="crossing capacity"),
    free("freight.crossing_congestion", 0.0, 10.0, meaning="crossing congestion delay"),
    free("partners.inbound_ratio", 0.2, 1.5, meaning="return cargo per container out"),
)


def apply_parameters(scenario: dict[str, Any], params: dict[str, float]) -> dict[str, Any]:
    """A copy of a scenario dict with ``params`` (paths of :data:`SPACE`) set."""
    out = copy.deepcopy(scenario)
    for path, value in params.items():
        if path == RAIL_ELIGIBLE:
            for sector in SECTORS:
                share = min(RAIL_ELIGIBLE_REFERENCE[sector] * value, 1.0)
                set_path(out, f"freight.sectors.{sector}.rail_eligible", _round(share))
        elif path == VALUE_OF_TIME:
            for sector in SECTORS:
                vot = VALUE_OF_TIME_REFERENCE[sector] * value
                set_path(out, f"freight.sectors.{sector}.value_of_time", _round(vot))
        else:
            set_path(out, path, value)
    return out


def parameter_settings(params: dict[str, float]) -> dict[str, Any]:
    """``params`` as the scenario values they set (the factor spelled out by sector)."""
    return _flatten(apply_parameters({}, params))


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


@dataclass(frozen=True)
class EvalTask:
    """One point of the search: the scenario with its parameters, run on every seed."""

    index: int
    scenario: dict[str, Any]
    seeds: tuple[int, ...]


def evaluate(task: EvalTask) -> tuple[int, pd.DataFrame]:
    """Run the task's scenario on each seed; its simulated patterns, one row per seed."""
    s = validate(task.scenario, origin=f"calibration point {task.index}")
    rows = []
    for i, seed in enumerate(task.seeds):
        r = run(s, seed=seed)
        row = extract(
            r.outcomes, r.platforms, start_year=s.run.start_year, slots=s.freight.train_slots
        )
        rows.append({"replication": i, **row})
    return task.index, pd.DataFrame(rows).set_index("replication")


@dataclass
class CalibrationResult:
    """What a search found: every point evaluated and the best one."""

    space: tuple[Parameter, ...]
    evaluations: pd.DataFrame  # one row per point: stage, parameters, loss, mean patterns
    best: dict[str, float]
    best_loss: float
    best_patterns: pd.DataFrame  # the best point's simulated patterns, one row per seed
    seeds: list[int]
    settings: dict[str, Any] = field(default_factory=dict)
    patterns: dict[int, pd.DataFrame] = field(default_factory=dict)  # every point's, by point

    def ranked(self) -> list[tuple[int, dict[str, float], float]]:
        """Every point as (point, parameters, loss), best first (ties: earliest point)."""
        table = self.evaluations.sort_values(["loss", "point"], kind="stable")
        return [
            (int(r["point"]), {fp.path: float(r[fp.path]) for fp in self.space}, float(r["loss"]))
            for _, r in table.iterrows()
        ]


def _lhs(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=rng).random(n)


def calibrate(
    scenario: Scenario,
    *,
    space: Sequence[Parameter] = SPACE,
    points: int = 320,
    rounds: int = 3,
    round_points: int = 50,
    shrink: float = 0.5,
    seeds: int = 2,
    seed: int = 0,
    backend: Any = None,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit ``space`` to the patterns: a Latin hypercube, then shrinking local rounds.

    Stage 0 draws ``points`` points over the whole box; each later round draws
    ``round_points`` in a box around the best point so far whose half-width (on the unit
    scale of each parameter) is ``0.5 * shrink**round``. Every point runs on the same
    ``seeds`` child seeds of ``seed`` and is scored by :func:`loss` on the mean patterns.
    The draws come from ``numpy.random.SeedSequence(seed)``, so the result depends on
    ``seed`` and the settings only. ``progress`` is called with the points done and the
    best loss so far.
    """
    space = tuple(space)
    run_seeds = child_seeds(seed, seeds)
    base = dump_scenario(scenario)
    d = len(space)
    streams = np.random.SeedSequence(seed).spawn(rounds + 1)
    records: list[dict[str, Any]] = []
    patterns: dict[int, pd.DataFrame] = {}
    best_u: np.ndarray | None = None
    best_loss = math.inf
    done = 0

    def run_stage(stage: int, units: np.ndarray) -> None:
        nonlocal best_u, best_loss, done
        start = len(records)
        tasks = []
        for k, u in enumerate(units):
            params = rounded(
                {fp.path: fp.from_unit(float(x)) for fp, x in zip(space, u, strict=True)}
            )
            tasks.append(EvalTask(start + k, apply_parameters(base, params), tuple(run_seeds)))
            records.append({"point": start + k, "stage": stage, **params, "_u": u})
        results = {}
        for index, table in (backend or SequentialBackend()).imap_unordered(evaluate, tasks):
            results[index] = table
            done += 1
            if progress is not None:
                progress(done, min(best_loss, loss(mean_patterns(table))))
        for index in sorted(results):  # in point order: ties go to the earliest point
            means = mean_patterns(results[index])
            value = loss(means)
            records[index].update({"loss": value, **{f"sim.{k}": v for k, v in means.items()}})
            patterns[index] = results[index]
            if value < best_loss:
                best_loss, best_u = value, records[index]["_u"]

    run_stage(0, _lhs(points, d, np.random.default_rng(streams[0])))
    for r in range(1, rounds + 1):
        assert best_u is not None
        half = 0.5 * shrink**r
        low = np.clip(best_u - half, 0.0, 1.0)
        high = np.clip(best_u + half, 0.0, 1.0)
        units = low + _lhs(round_points, d, np.random.default_rng(streams[r])) * (high - low)
        run_stage(r, units)
    table = pd.DataFrame([{k: v for k, v in rec.items() if k != "_u"} for rec in records])
    best_row = int(table["loss"].idxmin())
    best = {fp.path: float(table.loc[best_row, fp.path]) for fp in space}
    return CalibrationResult(
        space=space,
        evaluations=table,
        best=best,
        best_loss=float(table.loc[best_row, "loss"]),
        best_patterns=patterns[int(table.loc[best_row, "point"])],
        seeds=run_seeds,
        settings={
            "points": points,
            "rounds": rounds,
            "round_points": round_points,
            "shrink": shrink,
            "seeds": seeds,
            "seed": seed,
        },
        patterns=patterns,
    )


def calibrated_scenario_text(
    params: dict[str, float], *, extends: str, name: str = "calibrated", header: Iterable[str] = ()
) -> str:
    """Fitted parameters (paths of :data:`SPACE`) as a scenario file that extends ``extends``.

    Values are rounded to 4 significant digits: the file is what ``sim report`` runs; the
    package defaults hold the same values (:func:`calibrated_defaults_text`).
    """
    tree: dict[str, Any] = {"extends": extends, "name": name}
    tree["description"] = "History with the parameters fitted by sim calibrate"
    return _toml_text(_with_fitted(tree, params), header)


def calibrated_defaults_text(
    params: dict[str, float], *, source: str, header: Iterable[str] = ()
) -> str:
    """Fitted parameters as the package's calibrated defaults (``sim/data/calibrated.toml``).

    The same values as :func:`calibrated_scenario_text` writes, with ``source`` the label
    the parameter table prints for them (:data:`~sim.scenario.fitted.CALIBRATED`).
    """
    return _toml_text(_with_fitted({"source": source}, params), header)


def _with_fitted(tree: dict[str, Any], params: dict[str, float]) -> dict[str, Any]:
    """``tree`` with ``params`` (rounded to 4 significant digits) set at their paths."""
    params = {path: _round(value) for path, value in params.items()}
    for path, value in parameter_settings(params).items():
        set_path(tree, path, _round(value))
    return tree


def _toml_text(tree: dict[str, Any], header: Iterable[str]) -> str:
    lines = [f"# {line}" if line else "#" for line in header]
    return "\n".join(lines) + ("\n" if lines else "") + tomli_w.dumps(tree)


def rounded(params: dict[str, float]) -> dict[str, float]:
    """``params`` rounded to 4 significant digits, as :func:`calibrated_scenario_text` writes."""
    return {k: _round(v) for k, v in params.items()}


def _round(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.4g}")
