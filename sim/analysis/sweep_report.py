"""The report of a sweep directory: point means, indices, noise and failures.

:func:`analyze_sweep` reads a sweep directory (manifest, design, part files) and returns
the tables; :func:`write_report` writes them as CSV files into ``<dir>/report/`` (the
charts come from :mod:`sim.plots.sweep`). Both read only what the sweep wrote, so a report
can be redrawn at any time, also of a sweep still running or interrupted (from the runs
finished so far).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.sensitivity import (
    delta_indices,
    morris_indices,
    point_means,
    replication_noise,
    sobol_indices,
    sobol_warnings,
)
from sim.experiments import store
from sim.experiments.sweep.design import SweepError
from sim.experiments.sweep.directory import read_design_table, read_results
from sim.experiments.sweep.plan import ID_COLUMNS, STATS
from sim.outcomes import KEY_OUTCOMES

REPORT = "report"
HEATMAP_OUTCOME = "welfare_total"


@dataclass
class SweepReport:
    """The tables of a sweep's report."""

    manifest: dict
    params: list[str]
    outcomes: list[str]
    stat: str
    runs: int
    failures: int
    points: pd.DataFrame
    indices: pd.DataFrame | None
    noise: pd.DataFrame
    failed: pd.DataFrame
    heatmap: tuple[str, str, str] | None
    warnings: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        """The sweep's design method."""
        return self.manifest["sweep"]["method"]

    @property
    def index_kind(self) -> str:
        """Which indices the report holds: ``sobol``, ``morris`` or ``delta`` (the rest)."""
        return self.method if self.method in ("sobol", "morris") else "delta"


def default_outcomes(manifest: dict) -> list[str]:
    """Outcomes analyzed by default: those the sweep was asked to record, else the key ones."""
    recorded = list(manifest["sweep"]["outcomes"])
    if manifest["resolved_scenario"]["sweep"].get("outcomes"):  # chosen with --outcomes
        return recorded
    return [o for o in KEY_OUTCOMES if o in recorded] or recorded


def analyze_sweep(
    out_dir: str | Path,
    *,
    outcomes: list[str] | None = None,
    stat: str = "final",
    heatmap: tuple[str, str] | None = None,
    heatmap_outcome: str | None = None,
    seed: int | None = None,
) -> SweepReport:
    """Read a sweep directory and compute its report tables.

    Args:
        out_dir: The sweep directory.
        outcomes: Outcomes to analyze (default: see :func:`default_outcomes`).
        stat: ``final`` (mean of the last steps) or ``mean`` (whole run).
        heatmap: Two parameter paths for the heatmap (default: the first two).
        heatmap_outcome: Outcome of the heatmap (default: welfare_total, else the first).
        seed: Seed of the bootstrap intervals (default: the sweep's seed, so a report
            redrawn is the same report).
    """
    if stat not in STATS:
        raise SweepError(f"unknown statistic {stat!r}; use one of {', '.join(STATS)}")
    manifest = store.read_manifest(out_dir, kind="sweep")
    spec = manifest["sweep"]
    seed = spec["seed"] if seed is None else seed
    params = list(spec["params"])
    recorded = list(spec["outcomes"])
    chosen = list(outcomes) if outcomes else default_outcomes(manifest)
    unknown = [o for o in chosen if o not in recorded]
    if unknown:
        raise SweepError(
            f"outcomes not recorded by this sweep: {', '.join(unknown)}"
            f" (recorded: {', '.join(recorded)})"
        )
    columns = [f"{o}.{stat}" for o in chosen]
    every = [f"{o}.{s}" for o in chosen for s in STATS]
    results = read_results(out_dir, columns=[*ID_COLUMNS, *params, *every, "status", "error"])
    design = read_design_table(out_dir)
    n_points = int(manifest["points"])

    means = point_means(results, columns=every, points=n_points)
    points = design[["point", *params]].set_index("point").join(means).reset_index()
    noise = replication_noise(results, columns=columns)
    failed = results.loc[results["status"] != "ok", [*ID_COLUMNS, *params, "error"]]

    problem = manifest["problem"]
    indices = None
    if spec["method"] == "sobol":
        indices = sobol_indices(
            results,
            problem,
            columns=columns,
            second_order=spec["second_order"],
            seed=seed,
        )
    elif spec["method"] == "morris":
        sample = design[[f"x.{p}" for p in params]].to_numpy(dtype=float)
        indices = morris_indices(
            results, problem, sample, columns=columns, num_levels=spec["levels"], seed=seed
        )
    else:  # Latin hypercube, random, grid, a CSV design: given-data indices of its points
        sample = _numeric_sample(design, params)
        if sample is not None:
            indices = delta_indices(results, problem, sample, columns=columns, seed=seed)
    warnings = sobol_warnings(indices) if spec["method"] == "sobol" else []

    pair = None
    if heatmap is not None:
        missing = [p for p in heatmap if p not in params]
        if missing:
            raise SweepError(
                f"heatmap parameters not swept: {', '.join(missing)} (swept: {', '.join(params)})"
            )
        pair = tuple(heatmap)
    elif len(params) >= 2:
        pair = (params[0], params[1])
    target = heatmap_outcome or (HEATMAP_OUTCOME if HEATMAP_OUTCOME in chosen else chosen[0])
    if target not in recorded:
        raise SweepError(f"heatmap outcome '{target}' not recorded by this sweep")
    return SweepReport(
        manifest=manifest,
        params=params,
        outcomes=chosen,
        stat=stat,
        runs=len(results),
        failures=len(failed),
        points=points,
        indices=indices,
        noise=noise,
        failed=failed.reset_index(drop=True),
        heatmap=(pair[0], pair[1], f"{target}.{stat}") if pair else None,
        warnings=warnings,
    )


def _numeric_sample(design: pd.DataFrame, params: list[str]):
    """The design's points as numbers: the sampler's ``x.`` columns, else the values.

    None when a parameter has neither (e.g. a CSV design of a list-valued parameter).
    """
    raw = [f"x.{p}" for p in params]
    if all(c in design.columns for c in raw):
        return design[raw].to_numpy(dtype=float)
    values = design[params]
    if all(pd.api.types.is_numeric_dtype(values[p]) for p in params):
        return values.to_numpy(dtype=float)
    return None


def caption(report: SweepReport) -> str:
    """The caption line under every chart of a sweep."""
    m = report.manifest
    spec = m["sweep"]
    return (
        f"scenario {m['scenario']} · {spec['method']} design, {m['points']} points"
        f" × {spec['replications']} replications · {report.runs} runs"
        f" ({report.failures} failed) · seed {spec['seed']}"
    )


def write_report(report: SweepReport, out_dir: str | Path) -> list[Path]:
    """Write the report's tables as CSV files into ``<out_dir>/report``.

    The charts are drawn by :func:`sim.plots.sweep.save_report_charts`, one layer up.
    """
    where = Path(out_dir) / REPORT
    where.mkdir(parents=True, exist_ok=True)
    paths = [
        store.write_csv(where / "points.csv", report.points),
        store.write_csv(where / "noise.csv", report.noise),
        store.write_csv(where / "failures.csv", report.failed),
    ]
    if report.indices is not None:
        paths.append(store.write_csv(where / f"{report.index_kind}_indices.csv", report.indices))
    return paths
