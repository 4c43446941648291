"""The directory of a sweep: what goes where, its manifest, and reading its results.

The files (written with :mod:`sim.experiments.store`, which does every write)::

    manifest.json        what the sweep is (scenario, design, seeds, versions) and sessions
    scenario.toml        the resolved scenario, with its [sweep] table
    design.parquet/.csv  the design points (parquet adds the raw sample, ``x.<path>``)
    results/part-NNNNNN.parquet   one file per batch of finished runs

A run is done if and only if its row is in a part file. Part files are written to a
hidden temporary name and renamed, and each carries the sweep's fingerprint in its
Parquet metadata, so ``resume`` needs nothing but the part files to know what is left.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import sim
from sim.experiments import store
from sim.experiments.store import MANIFEST, SCENARIO
from sim.experiments.sweep.design import SweepError
from sim.experiments.sweep.plan import FINAL_WINDOW, FORMAT, ID_COLUMNS, SweepPlan, outcome_columns
from sim.scenario.loading import dump_scenario

if TYPE_CHECKING:
    import pyarrow as pa

DESIGN = "design.parquet"
DESIGN_CSV = "design.csv"
RESULTS = "results"
META_KEY = b"sim.experiments.sweep"


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
    fields = store.documented(fields, column_docs(plan))
    meta = {
        "format": FORMAT,
        "fingerprint": plan.fingerprint,
        "replications": plan.replications,
        "params": [f.path for f in plan.factors],
        "outcomes": list(plan.outcomes),
        "final_window": FINAL_WINDOW,
    }
    return pa.schema(fields, metadata={META_KEY: json.dumps(meta).encode()})


def column_docs(plan: SweepPlan) -> dict[str, tuple[str, str]]:
    """Unit and meaning of each column of the part files, as Parquet field metadata."""
    from sim.outcomes import OUTCOMES
    from sim.scenario.params import parameter_table

    docs = {
        "run_id": ("", "Run number: design point times replications plus replication."),
        "point": ("", "Design point (row of design.csv), from 0."),
        "replication": ("", "Replication of the point, from 0."),
        "seed": ("", "Seed of the run: sim.experiments.experiment.run(scenario, seed=SEED)."),
        "status": ("", "ok, or failed (then error says why)."),
        "error": ("", "Why the run failed; empty when it finished."),
        "wall_seconds": ("s", "Wall time of the run."),
    }
    table = parameter_table().set_index("path")
    for factor in plan.factors:
        key = re.sub(r"\[\d+\]", "[]", factor.path)
        if key in table.index:
            docs[factor.path] = (str(table.at[key, "unit"]), str(table.at[key, "description"]))
    for name in plan.outcomes:
        unit, meaning = (
            (OUTCOMES[name].unit, OUTCOMES[name].description) if name in OUTCOMES else ("", "")
        )
        docs[f"{name}.final"] = (unit, f"{meaning} Mean of the run's last {FINAL_WINDOW} steps.")
        docs[f"{name}.mean"] = (unit, f"{meaning} Mean of all the run's steps.")
    return docs


def scan_results(out_dir: str | Path, fingerprint: str | None = None) -> store.PartsState:
    """The runs done and failed in a sweep directory, checking every part is this sweep's."""
    return store.scan_parts(Path(out_dir) / RESULTS, META_KEY, fingerprint)


def read_results(out_dir: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every finished run of a sweep directory, one row per run, sorted by ``run_id``."""
    results = store.read_parts(Path(out_dir) / RESULTS, columns)
    if results is None:
        raise SweepError(f"{out_dir}: no finished runs (no {RESULTS}/{store.PART_GLOB})")
    return results


def read_design_table(out_dir: str | Path) -> pd.DataFrame:
    """The design points of a sweep directory (with the raw sample as ``x.<path>``)."""
    return store.read_table(out_dir, Path(DESIGN).stem)


def write_design(out_dir: Path, plan: SweepPlan) -> None:
    """Write the design points (``design.parquet`` with the raw sample, ``design.csv``)."""
    table = plan.design.table
    store.write_csv(out_dir / DESIGN_CSV, table)
    full = table.copy()
    if plan.design.sample is not None:
        for j, f in enumerate(plan.factors):
            full[f"x.{f.path}"] = plan.design.sample[:, j]
    store.write_file(out_dir / DESIGN, lambda p: full.to_parquet(p, index=False))


def new_manifest(plan: SweepPlan, *, scenario_file: str, overrides: Sequence[str]) -> dict:
    """The manifest of a new sweep: what it runs, how seeds are made, versions."""
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
        "created": store.now_iso(),
        "sim_version": sim.__version__,
        "code": store.code_hash(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": store.package_versions((*store.dependencies(), "dask")),
        "git": (
            store.git_info(Path(scenario_file).resolve(), Path.cwd()) if scenario_file else None
        ),
        "sessions": [],
        "resolved_scenario": dump_scenario(plan.scenario),
    }


def _differences(old: dict[str, Any], plan: SweepPlan) -> str:
    new = plan.sweep_spec()
    keys = [k for k in new if k != "design_file" and old.get("sweep", {}).get(k) != new[k]]
    if dump_scenario(plan.scenario) != old.get("resolved_scenario") and not keys:
        return "the scenario's parameters differ"
    return "differs in " + ", ".join(f"sweep.{k}" for k in keys) if keys else "the design differs"


def prepare(out_dir: Path, plan: SweepPlan, *, resume: bool, manifest: dict) -> dict:
    """Start a new sweep directory, or check that the one there is this sweep."""
    if (out_dir / MANIFEST).is_file():
        old = store.read_manifest(out_dir, kind="sweep")
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
        others = [p.name for p in out_dir.iterdir() if p.name != store.LOCK]
        if others:
            raise SweepError(
                f"--out {out_dir}: directory is not empty and holds no sweep; choose another"
            )
    (out_dir / RESULTS).mkdir(exist_ok=True)
    store.remove_stale_parts(out_dir / RESULTS)  # left by a killed process
    store.write_manifest(out_dir, manifest)  # first, so a killed start can be resumed
    if not (out_dir / DESIGN).is_file() or not (out_dir / DESIGN_CSV).is_file():
        write_design(out_dir, plan)
    if not (out_dir / SCENARIO).is_file():
        store.write_scenario(out_dir, plan.scenario)
    return manifest
