"""Parameter sweeps: the spec's checks, designs, seeds, the task list, and a resumable loop.

A sweep is a design (one row per *point*: a value for every swept parameter) run ``R``
times per point. Run ``(point, replication)`` has the stable id ``point * R +
replication`` and the seed ``SeedSequence(seed).spawn(points)[point].spawn(R)[replication]``
(computed directly as ``SeedSequence(seed, spawn_key=(point, replication))``), so a
result never depends on the backend, the number of workers, the order runs finish in, or
how often the sweep was interrupted and resumed.

Designs: full grid, random, Latin hypercube, Sobol (Saltelli) and Morris samples drawn
with SALib, or points read from a CSV. Numeric ranges are sampled in their own units;
an integer range ``a:b`` is sampled on ``[a - 0.5, b + 0.5]`` and rounded, and a list of
values on ``[0, k)`` and floored to an index, so every value is equally likely.

The output directory::

    manifest.json        what the sweep is (scenario, design, seeds, versions) and sessions
    scenario.toml        the resolved scenario, with its [sweep] table
    design.parquet/.csv  the design points (parquet adds the raw sample, ``x.<path>``)
    results/part-NNNNNN.parquet   one file per batch of finished runs

A run is done if and only if its row is in a part file. Part files are written to a
hidden temporary name and renamed, and each carries the sweep's fingerprint in its
Parquet metadata, so ``resume`` needs nothing but the part files to know what is left.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import sim
from sim.outcomes import OUTCOMES
from sim.scenario.loading import dump_scenario, set_path, validate
from sim.scenario.parameters import Parameter, parameter_for
from sim.scenario.policy import SweepParam
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.experiments.runners import Backend

FORMAT = 1
FINAL_WINDOW = 4  # steps averaged for an outcome's "final" value
DEFAULT_SAMPLES = {"grid": 5, "random": 64, "lhs": 64, "sobol": 64, "morris": 10}
MANIFEST = "manifest.json"
SCENARIO = "scenario.toml"
DESIGN = "design.parquet"
DESIGN_CSV = "design.csv"
RESULTS = "results"
LOCK = ".lock"
META_KEY = b"sim.experiments.sweep"
STATS = ("final", "mean")
ID_COLUMNS = ("run_id", "point", "replication", "seed")
RUN_COLUMNS = ("status", "error", "wall_seconds")
VERSIONED = ("mesa", "numpy", "pandas", "pydantic", "pyarrow", "SALib", "scipy", "dask")


class SweepError(Exception):
    """A sweep that cannot be run or resumed, with a message meant for the user."""


# ---------------------------------------------------------------------------------------
# Designs and seeds


@dataclass(frozen=True)
class Design:
    """Design points and the sample they were drawn from.

    Attributes:
        table: ``point`` and one column per parameter path: the values run.
        sample: The raw sample in the sampler's units, for SALib (None for grid and CSV
            designs).
        problem: The SALib problem (names and bounds in the sampler's units).
    """

    table: pd.DataFrame
    sample: np.ndarray | None
    problem: dict[str, Any]

    @property
    def points(self) -> int:
        """Number of design points."""
        return len(self.table)


def salib_problem(factors: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem dict of ``factors`` (bounds in the sampler's units)."""
    return {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [f.bounds() for f in factors],
    }


def design_rng(seed: int) -> np.random.Generator:
    """The generator the design is drawn with: a stream apart from every run's seed."""
    return np.random.default_rng(np.random.SeedSequence([seed, 0xDE5167]))


def run_seed(seed: int, point: int, replication: int) -> int:
    """The 63-bit seed of run ``(point, replication)``, as ``child_seeds`` makes them."""
    child = np.random.SeedSequence(seed, spawn_key=(point, replication))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def make_design(
    factors: Sequence[Parameter],
    method: str,
    *,
    samples: int | None = None,
    seed: int,
    second_order: bool = False,
    levels: int = 4,
) -> Design:
    """Draw the design points of ``method`` over ``factors``.

    Args:
        factors: The swept parameters.
        method: ``grid``, ``random``, ``lhs``, ``sobol`` or ``morris``.
        samples: grid: levels per range; random, lhs: points; sobol: base sample ``N``
            (``N(D+2)`` points, ``N(2D+2)`` with ``second_order``); morris: trajectories
            (``N(D+1)`` points). ``None`` takes :data:`DEFAULT_SAMPLES`.
        seed: Base seed; the design uses its own stream (:func:`design_rng`).
        second_order: Sobol: sample for second-order indices too.
        levels: Morris: number of grid levels.
    """
    if not factors:
        raise SweepError("no parameters to sweep")
    n = samples if samples is not None else DEFAULT_SAMPLES[method]
    problem = salib_problem(factors)
    rng = design_rng(seed)
    if method == "grid":
        rows = list(product(*(f.levels(n) for f in factors)))
        table = pd.DataFrame(rows, columns=[f.path for f in factors])
        table.insert(0, "point", np.arange(len(table)))
        return Design(_typed(table, factors), None, problem)
    low, high = np.array(problem["bounds"]).T
    if method == "random":
        x = rng.uniform(low, high, size=(n, len(factors)))
    elif method == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, n, seed=rng)
    elif method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=rng)
    elif method == "morris":
        from SALib.sample import morris

        x = morris.sample(problem, n, num_levels=levels, seed=rng)
    else:
        raise SweepError(f"unknown design method {method!r}")
    table = pd.DataFrame({f.path: [f.value(v) for v in x[:, j]] for j, f in enumerate(factors)})
    table.insert(0, "point", np.arange(len(table)))
    return Design(_typed(table, factors), x, problem)


def _typed(table: pd.DataFrame, factors: Sequence[Parameter]) -> pd.DataFrame:
    dtypes = {"float": "float64", "int": "int64", "bool": "bool", "choice": "object"}
    return table.astype({f.path: dtypes[f.kind] for f in factors})


def read_design(path: Path, s: Scenario) -> tuple[list[Parameter], Design]:
    """Read design points from a CSV: one column per parameter path, one row per point.

    A ``point`` column, if present, is ignored: points are numbered in file order.
    Every value is checked like a list of values in the ``[sweep]`` table.
    """
    try:
        raw = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise SweepError(f"--design {path}: file not found") from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise SweepError(f"--design {path}: cannot read as CSV: {err}") from None
    raw = raw.drop(columns=[c for c in raw.columns if str(c).strip() == "point"])
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty or not len(raw.columns):
        raise SweepError(f"--design {path}: no design points (need a header and rows)")
    problems, factors = [], []
    for column in raw.columns:
        cells = raw[column]
        if cells.isna().any():
            row = int(np.flatnonzero(cells.isna().to_numpy())[0]) + 2  # 1-based, after header
            problems.append(f"column '{column}': empty cell on line {row}")
            continue
        unique = list(dict.fromkeys(cells.tolist()))
        try:
            factors.append(parameter_for(s, column, SweepParam(values=unique)))
        except ValueError as err:
            problems.append(f"column '{column}': {err}")
    if problems:
        raise SweepError(f"--design {path}: invalid design\n  " + "\n  ".join(problems))
    table = raw.copy()
    table.insert(0, "point", np.arange(len(table)))
    return factors, Design(_typed(table, factors), None, salib_problem(factors))


# ---------------------------------------------------------------------------------------
# The plan: a validated scenario and its sweep, resolved into factors, design and tasks


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


# ---------------------------------------------------------------------------------------
# The output directory: manifest, design, part files, lock


def arrow_schema(plan: SweepPlan) -> pa.Schema:
    """The schema of every part file, with the sweep's fingerprint in its metadata."""
    import pyarrow as pa

    types = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "choice": pa.string()}
    fields = [pa.field(c, pa.int64()) for c in ID_COLUMNS]
    fields += [pa.field(f.path, types[f.kind]) for f in plan.factors]
    fields += [pa.field(c, pa.float64()) for c in outcome_columns(plan.outcomes)]
    fields += [
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("wall_seconds", pa.float64()),
    ]
    meta = {
        "format": FORMAT,
        "fingerprint": plan.fingerprint,
        "replications": plan.replications,
        "params": [f.path for f in plan.factors],
        "outcomes": list(plan.outcomes),
        "final_window": FINAL_WINDOW,
    }
    return pa.schema(fields, metadata={META_KEY: json.dumps(meta).encode()})


def part_files(out_dir: str | Path) -> list[Path]:
    """The finished part files of a sweep directory, in order."""
    return sorted((Path(out_dir) / RESULTS).glob("part-*.parquet"))


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_part(out_dir: Path, rows: list[dict[str, Any]], schema: pa.Schema, seq: int) -> Path:
    """Write ``rows`` as part file number ``seq``, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema)
    path = Path(out_dir) / RESULTS / f"part-{seq:06d}.parquet"
    _atomic_write(path, lambda p: pq.write_table(table, p))
    return path


@dataclass
class PartsState:
    """Counts of a sweep directory: runs done (ids), failures and the next part number."""

    done: set[int]
    failures: int
    next_part: int


def scan_parts(out_dir: str | Path, fingerprint: str | None = None) -> PartsState:
    """Read the run ids and statuses of every part file, checking they belong together."""
    import pyarrow.parquet as pq

    done: set[int] = set()
    failures, last = 0, -1
    for path in part_files(out_dir):
        try:
            meta = json.loads((pq.read_schema(path).metadata or {}).get(META_KEY, b"{}"))
            table = pq.read_table(path, columns=["run_id", "status"])
        except (OSError, ValueError) as err:
            raise SweepError(f"{path}: unreadable part file: {err}") from None
        if fingerprint is not None and meta.get("fingerprint") != fingerprint:
            raise SweepError(f"{path}: belongs to another sweep (fingerprint differs)")
        ids = table["run_id"].to_pylist()
        repeated = done.intersection(ids)
        if repeated or len(set(ids)) != len(ids):
            raise SweepError(f"{path}: repeats runs already recorded (e.g. {sorted(repeated)[:3]})")
        done.update(ids)
        failures += sum(s != "ok" for s in table["status"].to_pylist())
        last = max(last, int(path.stem.split("-")[1]))
    return PartsState(done, failures, last + 1)


def read_results(out_dir: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every finished run of a sweep directory, one row per run, sorted by ``run_id``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = part_files(out_dir)
    if not parts:
        raise SweepError(f"{out_dir}: no finished runs (no {RESULTS}/part-*.parquet)")
    cols = None if columns is None else list(dict.fromkeys(["run_id", *columns]))
    table = pa.concat_tables([pq.read_table(p, columns=cols) for p in parts])
    return table.to_pandas().sort_values("run_id", ignore_index=True)


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The manifest of a sweep directory."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise SweepError(f"{out_dir}: no {MANIFEST} (not a sweep directory)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SweepError(f"{path}: cannot read: {err}") from None
    if manifest.get("kind") != "sweep":
        raise SweepError(f"{out_dir}: not a sweep directory (its manifest is not a sweep's)")
    return manifest


def read_design_table(out_dir: str | Path) -> pd.DataFrame:
    """The design points of a sweep directory (with the raw sample as ``x.<path>``)."""
    path = Path(out_dir) / DESIGN
    if not path.is_file():
        raise SweepError(f"{out_dir}: no {DESIGN}")
    return pd.read_parquet(path)


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` atomically."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    _atomic_write(out_dir / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))


def write_design(out_dir: Path, plan: SweepPlan) -> None:
    """Write the design points (``design.parquet`` with the raw sample, ``design.csv``)."""
    table = plan.design.table
    _atomic_write(out_dir / DESIGN_CSV, lambda p: table.to_csv(p, index=False))
    full = table.copy()
    if plan.design.sample is not None:
        for j, f in enumerate(plan.factors):
            full[f"x.{f.path}"] = plan.design.sample[:, j]
    _atomic_write(out_dir / DESIGN, lambda p: full.to_parquet(p, index=False))


def write_scenario(out_dir: Path, plan: SweepPlan) -> None:
    """Write the resolved scenario, with its ``[sweep]`` table, as ``scenario.toml``."""
    import tomli_w

    text = tomli_w.dumps(dump_scenario(plan.scenario))
    _atomic_write(out_dir / SCENARIO, lambda p: p.write_text(text, encoding="utf-8"))


def code_hash() -> str:
    """A hash of the ``sim`` package's source and data files: the model that runs.

    Unlike the git revision, it also sees edits not committed yet.
    """
    root = Path(sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict[str, str]:
    """Installed versions of the packages that shape a sweep's results."""
    out = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def new_manifest(plan: SweepPlan, *, scenario_file: str, overrides: Sequence[str]) -> dict:
    """The manifest of a new sweep: what it runs, how seeds are made, versions."""
    from sim.experiments.store import git_info, now_iso

    return {
        "kind": "sweep",
        "format": FORMAT,
        "status": "new",
        "fingerprint": plan.fingerprint,
        "scenario": plan.scenario.name,
        "scenario_file": scenario_file,
        "overrides": list(overrides),
        "sweep": plan.sweep_spec(),
        "problem": plan.design.problem,
        "points": plan.points,
        "runs": plan.runs,
        "final_window": FINAL_WINDOW,
        "run_id": "point * replications + replication",
        "seed_rule": (
            "SeedSequence(seed).spawn(points)[point].spawn(replications)[replication]"
            ".generate_state(1, uint64)[0] >> 1"
        ),
        "runs_done": 0,
        "failures": 0,
        "created": now_iso(),
        "sim_version": sim.__version__,
        "code": code_hash(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions(),
        "git": git_info(Path(scenario_file).resolve(), Path.cwd()) if scenario_file else None,
        "sessions": [],
        "resolved_scenario": dump_scenario(plan.scenario),
    }


def _differences(old: dict[str, Any], plan: SweepPlan) -> str:
    new = plan.sweep_spec()
    keys = [k for k in new if k != "design_file" and old.get("sweep", {}).get(k) != new[k]]
    if dump_scenario(plan.scenario) != old.get("resolved_scenario") and not keys:
        return "the scenario's parameters differ"
    return "differs in " + ", ".join(f"sweep.{k}" for k in keys) if keys else "the design differs"


@contextlib.contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory, so two sweeps never write into one."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): run unlocked
        yield
        return
    with open(out_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(f"{out_dir}: another sweep is writing to this directory") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare(out_dir: Path, plan: SweepPlan, *, resume: bool, manifest: dict) -> dict:
    """Start a new sweep directory, or check that the one there is this sweep."""
    if (out_dir / MANIFEST).is_file():
        old = read_manifest(out_dir)
        if not resume:
            raise SweepError(
                f"--out {out_dir}: holds a sweep already; pass --resume to continue it,"
                " or choose another directory"
            )
        if old.get("fingerprint") != plan.fingerprint:
            raise SweepError(
                f"--resume {out_dir}: this sweep is not the one in the directory"
                f" ({_differences(old, plan)}); use the same scenario and options, or another"
                " --out"
            )
        manifest = old
    else:
        others = [p.name for p in out_dir.iterdir() if p.name != LOCK]
        if others:
            raise SweepError(
                f"--out {out_dir}: directory is not empty and holds no sweep; choose another"
            )
    (out_dir / RESULTS).mkdir(exist_ok=True)
    for stale in (out_dir / RESULTS).glob(".part-*.tmp"):  # left by a killed process
        stale.unlink(missing_ok=True)
    write_manifest(out_dir, manifest)  # first, so a killed start can be resumed
    if not (out_dir / DESIGN).is_file() or not (out_dir / DESIGN_CSV).is_file():
        write_design(out_dir, plan)
    if not (out_dir / SCENARIO).is_file():
        write_scenario(out_dir, plan)
    return manifest


# ---------------------------------------------------------------------------------------
# The loop


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
    from sim.experiments.store import now_iso

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"--out {out_dir}: exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    clock, started = time.perf_counter(), now_iso()
    with _lock(out_dir):
        fresh = new_manifest(plan, scenario_file=scenario_file, overrides=overrides)
        manifest = _prepare(out_dir, plan, resume=resume, manifest=fresh)
        state = scan_parts(out_dir, plan.fingerprint)
        schema = arrow_schema(plan)
        code = code_hash()
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
        write_manifest(out_dir, manifest)

        done, failures, total = len(state.done), state.failures, plan.runs
        new = new_failures = parts = 0
        buffer: list[dict[str, Any]] = []
        last_flush = time.monotonic()
        status = "running"

        def flush() -> None:
            nonlocal buffer, parts, last_flush
            if buffer:
                write_part(out_dir, buffer, schema, state.next_part + parts)
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
                ended=now_iso(),
                status=status,
                runs=new,
                failures=new_failures,
                parts=parts,
                wall_seconds=round(wall, 3),
            )
            manifest.update(status=status, runs_done=done, failures=failures, updated=now_iso())
            write_manifest(out_dir, manifest)
    return SweepSummary(
        out_dir, total, done, failures, new, new_failures, parts, wall, status, warnings
    )
