"""The ``sim sweep`` and ``sim sweep-report`` commands: parameter sweeps and their reports.

:mod:`sim.cli.app` registers them; they share the helpers of :mod:`sim.cli.common`. Like
the other commands they are thin (parse, call :mod:`sim.experiments.sweep`, print the
report with :func:`sim.cli.report.show_report`), print problems with the user's input in red
with exit status 2, and exit with 130 after Ctrl-C, having kept the runs that finished.

A little over 400 lines: the typer signature of ``sim sweep``, one annotated parameter
per option with its help text, is a third of the module.
"""

from __future__ import annotations

import math
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from sim.cli.common import (
    DEFAULT_SEED,
    INTERRUPTED,
    Bar,
    check_memory,
    check_writable_dir,
    fail,
    load,
    sigterm_as_interrupt,
)
from sim.cli.report import show_report
from sim.scenario.loading import ScenarioError, dump_scenario, validate
from sim.scenario.paths import parse_value

if TYPE_CHECKING:
    from sim.experiments.runners import Backend


class Method(StrEnum):
    """Design methods of ``sim sweep``."""

    grid = "grid"
    random = "random"
    lhs = "lhs"
    sobol = "sobol"
    morris = "morris"
    design = "design"


class Cluster(StrEnum):
    """Dask clusters ``sim sweep`` can start."""

    local = "local"


class Stat(StrEnum):
    """Per-run statistic analyzed by the report."""

    final = "final"
    mean = "mean"


def parse_param(item: str) -> tuple[str, dict[str, Any]]:
    """``PATH=LO:HI`` or ``PATH=[v1,v2,...]`` as a ``[sweep.params]`` entry.

    Bounds and values are read as TOML (numbers, booleans, quoted strings); unquoted
    words in a list are kept as strings, so ``[per_train, per_container]`` works.
    """
    path, sep, text = item.partition("=")
    path, text = path.strip(), text.strip()
    if not sep or not path or not text:
        raise ScenarioError(
            f"--param {item}: expected PATH=LO:HI or PATH=[v1,v2,...],"
            " e.g. freight.logit_scale=300:900"
        )
    if text.startswith("["):
        value = parse_value(text)
        if not isinstance(value, list):  # not TOML: split the items by hand
            inner = text.strip("[]")
            value = [parse_value(v.strip()) for v in inner.split(",") if v.strip()]
        return path, {"values": value}
    low, colon, high = text.partition(":")
    if not colon:
        raise ScenarioError(
            f"--param {item}: expected a range LO:HI or a list [v1,v2,...] after '=';"
            " to fix a single value use --set"
        )
    return path, {"low": parse_value(low.strip()), "high": parse_value(high.strip())}


def cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def make_sweep_backend(
    workers: int | None, scheduler: str | None, cluster: Cluster | None
) -> tuple[Backend, str]:
    """The backend the options ask for, and a description for the manifest."""
    from sim.experiments.runners import (
        DaskBackend,
        ProcessPoolBackend,
        SequentialBackend,
        ignore_interrupts,
    )

    if scheduler and cluster:
        fail("--scheduler and --cluster are alternatives: connect to one cluster or start one")
    if scheduler:
        if workers is not None:
            fail("--workers sizes a local pool or --cluster local; a --scheduler has its own")
        return DaskBackend(scheduler), f"dask {scheduler}"
    n = workers if workers is not None else cores()
    if cluster is Cluster.local:
        return DaskBackend(workers=n), f"dask LocalCluster, {n} workers"
    if n == 1:
        return SequentialBackend(), "in-process"
    backend = ProcessPoolBackend(
        n,
        preload=("sim.experiments.runners", "sim.experiments.sweep"),
        initializer=ignore_interrupts,
    )
    return backend, f"process pool, {n} workers"


def largest(plan: Any, path: str, default: int) -> int:
    """The largest value of ``path`` over the design's points, or ``default`` if not swept."""
    table = plan.design.table
    if path in table.columns:
        return max(default, int(table[path].max()))
    return default


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.", dir_okay=False)],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="PATH=LO:HI|PATH=[v1,...]",
            help="A swept parameter: a range or a list of values (repeat for more)."
            " Replaces the scenario's \\[sweep.params] table.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        Method | None,
        typer.Option(
            help="Design \\[default: the scenario's sweep.method, else grid].", show_default=False
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="grid: levels per range; random, lhs: points; sobol: base N, a power of 2"
            " (N(D+2) points); morris: trajectories (N(D+1) points).",
            show_default=False,
        ),
    ] = None,
    design: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="CSV of design points, one column per parameter path (sets --method design).",
            show_default=False,
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-r",
            min=1,
            help="Replications per point \\[default: 1].",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=f"Base seed \\[default: sweep.seed, else {DEFAULT_SEED}].",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes \\[default: all cores].", show_default=False),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on a Dask cluster: its scheduler's address, tcp://HOST:PORT."),
    ] = None,
    cluster: Annotated[
        Cluster | None,
        typer.Option(help="Start a Dask cluster: 'local' (--workers worker processes)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help="Sweep directory \\[default: runs/<scenario>-sweep-<YYYYmmdd-HHMMSS>].",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep in --out, skipping finished runs.")
    ] = False,
    outcomes: Annotated[
        str | None,
        typer.Option(
            metavar="NAME,...", help="Outcomes to record \\[default: all].", show_default=False
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter of the scenario."),
    ] = None,
    second_order: Annotated[
        bool | None,
        typer.Option(
            "--second-order/--no-second-order",
            help="Sobol: sample for second-order indices too (2D+2 points per base sample).",
            show_default=False,
        ),
    ] = None,
    levels: Annotated[
        int | None,
        typer.Option(min=2, help="Morris: grid levels \\[default: 4].", show_default=False),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Finished runs per part file.")] = 64,
    report: Annotated[
        bool, typer.Option(help="Write the report (tables, indices, charts) at the end.")
    ] = True,
) -> None:
    """Sweep parameters of a scenario: run a design, stream results to Parquet, resumable.

    The sweep can also be declared in the scenario's sweep table; options given here
    override it. Results are written as runs finish (results/part-*.parquet); Ctrl-C
    keeps them, and --resume continues without redoing a finished run.
    """
    from sim.experiments import store
    from sim.experiments.sweep import plan_sweep, run_sweep

    base = load(scenario, set_ or [])
    spec = base.sweep.model_dump(exclude_none=True)
    try:
        if param:
            spec["params"] = dict(parse_param(item) for item in param)
    except ScenarioError as err:
        fail(str(err))
    if design is not None:  # the CSV's columns replace the scenario's [sweep.params]
        spec["design"] = str(design.resolve())
        spec["method"] = "design"
        if not param:
            spec.pop("params", None)
    if method is not None:
        spec["method"] = method.value
        if method is not Method.design and design is None:
            spec.pop("design", None)  # a design CSV of the scenario's table is not used
    for key, value in (
        ("samples", samples),
        ("replications", replications),
        ("seed", seed),
        ("second_order", second_order),
        ("levels", levels),
    ):
        if value is not None:
            spec[key] = value
    if outcomes is not None:
        spec["outcomes"] = [o.strip() for o in outcomes.split(",") if o.strip()]
    try:
        resolved = validate(
            {**dump_scenario(base), "sweep": spec}, origin=f"{scenario} with the sweep options"
        )
        plan = plan_sweep(resolved, seed=DEFAULT_SEED, design_dir=scenario.resolve().parent)
    except (ScenarioError, store.OutputError) as err:  # a SweepError is an OutputError
        fail(str(err))
    if resume and out is None:
        fail("--resume needs --out DIR: the directory of the sweep to continue")
    if out is None:
        out = store.default_out_dir(f"{resolved.name}-sweep")
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a directory")
    check_writable_dir(out, "--out")

    backend, described = make_sweep_backend(workers, scheduler, cluster)
    check_memory(  # a sweep keeps no tables: one model per worker
        enterprises=largest(plan, "run.enterprises", resolved.run.enterprises),
        steps=largest(plan, "run.steps", resolved.run.steps),
        replications=0,
        workers=backend.workers if scheduler is None else 1,
    )
    kind = "CSV" if plan.method == "design" else plan.method
    typer.echo(
        f"{resolved.name}: {kind} design, {plan.points} points x {plan.replications}"
        f" replications = {plan.runs} runs, {len(plan.outcomes)} outcomes; {described}",
        err=True,
    )
    try:
        with sigterm_as_interrupt(), Bar(resolved.name) as bar:
            try:
                with backend:
                    summary = run_sweep(
                        plan,
                        out,
                        backend=backend,
                        resume=resume,
                        batch_size=batch_size,
                        progress=bar,
                        scenario_file=str(scenario),
                        overrides=set_ or [],
                        command=[Path(sys.argv[0]).name, *sys.argv[1:]],
                        backend_name=described,
                    )
            except KeyboardInterrupt:  # while the backend started or shut down
                fail_interrupted(out)
    except store.OutputError as err:
        fail(str(err))
    except Exception as err:  # the backend failed: no scheduler there, a worker lost, ...
        stopped(out, described, err)

    for warning in summary.warnings:
        Console(stderr=True, highlight=False).print(
            Text(f"warning: {warning}", style="yellow"), soft_wrap=True
        )
    rate = summary.runs_per_minute
    typer.echo(
        f"{summary.new_runs} runs in {summary.wall_seconds:.1f} s"
        + (f" ({rate:,.0f} runs/min)" if math.isfinite(rate) else "")
        + f"; {summary.done}/{summary.runs} done, {summary.failures} failed"
        + f"; wrote {out}"
    )
    if summary.status == "interrupted":
        fail_interrupted(out)
    if summary.failures:
        where = f"{out}/report/failures.csv" if report else f"the error column of {out}/results"
        typer.echo(f"{summary.failures} runs failed: their errors are in {where}", err=True)
    if report and summary.done:
        show_report(out)


def stopped(out: Path, described: str, err: Exception) -> NoReturn:
    """Report a sweep stopped by its backend, and exit with status 1."""
    kept = (out / "manifest.json").is_file()
    Console(stderr=True, highlight=False).print(
        Text("error: ", style="bold red")
        + Text(f"{described}: {type(err).__name__}: {err}", style="red")
        + Text(
            f"\nfinished runs are kept in {out}; continue with --resume --out {out}"
            if kept
            else "",
            style="yellow",
        ),
        soft_wrap=True,
    )
    raise typer.Exit(1)


def fail_interrupted(out: Path) -> NoReturn:
    """Say how to resume an interrupted sweep and exit with status 130."""
    Console(stderr=True, highlight=False).print(
        Text(
            f"interrupted: finished runs are kept in {out}; continue with the same command"
            f" and --resume --out {out}",
            style="yellow",
        ),
        soft_wrap=True,
    )
    raise typer.Exit(INTERRUPTED)


def sweep_report(
    directory: Annotated[
        Path,
        typer.Argument(help="A sweep directory (sim sweep --out).", file_okay=False, exists=True),
    ],
    outcomes: Annotated[
        str | None,
        typer.Option(
            metavar="NAME,...",
            help="Outcomes to analyze \\[default: key outcomes].",
            show_default=False,
        ),
    ] = None,
    stat: Annotated[
        Stat, typer.Option(help="Per-run statistic: final (last 4 steps) or mean (all steps).")
    ] = Stat.final,
    heatmap: Annotated[
        str | None,
        typer.Option(
            metavar="PATH_X,PATH_Y",
            help="Parameters of the heatmap \\[default: the first two].",
            show_default=False,
        ),
    ] = None,
    heatmap_outcome: Annotated[
        str | None,
        typer.Option(help="Outcome of the heatmap \\[default: welfare_total].", show_default=False),
    ] = None,
    charts: Annotated[bool, typer.Option(help="Draw the charts.")] = True,
) -> None:
    """Redraw the tables and charts of a sweep directory without running anything."""
    chosen = [o.strip() for o in outcomes.split(",") if o.strip()] if outcomes else None
    pair = None
    if heatmap is not None:
        names = [p.strip() for p in heatmap.split(",") if p.strip()]
        if len(names) != 2:
            fail(f"--heatmap {heatmap}: expected two parameter paths, PATH_X,PATH_Y")
        pair = (names[0], names[1])
    show_report(
        directory,
        outcomes=chosen,
        stat=stat.value,
        heatmap=pair,
        heatmap_outcome=heatmap_outcome,
        charts=charts,
    )
