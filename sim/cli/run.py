"""``sim run``, ``sim validate``, ``sim params`` and ``sim plot``.

Commands are thin: parse, call the library, print. The model, pandas, scipy and matplotlib
are imported inside the commands that use them, so that --help and validate answer at once.
"""

from __future__ import annotations

import json
import math
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.common import (
    DEFAULT_SEED,
    USAGE_ERROR,
    caption,
    check_memory,
    fail,
    finish,
    fmt,
    keep_incomplete,
    load,
    open_out_dir,
    replications_with_progress,
    sigterm_as_interrupt,
    start_year_of,
    wide_console,
)
from sim.cli.report import show_report
from sim.scenario.loading import ScenarioError, load_scenario, replaced_lists
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.runners import Replications


class ParamsFormat(StrEnum):
    """Output formats of ``sim params``."""

    table = "table"
    markdown = "markdown"
    json_schema = "json-schema"


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.", dir_okay=False)],
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Number of replications.")
    ] = 10,
    seed: Annotated[
        int, typer.Option(min=0, help="Base seed; replication i uses its i-th child seed.")
    ] = DEFAULT_SEED,
    steps: Annotated[
        int | None, typer.Option(help="Steps to run (overrides run.steps).", show_default=False)
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help="Output directory \\[default: runs/<scenario>-<YYYYmmdd-HHMMSS>].",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="PATH=VALUE", help="Override a parameter, e.g. run.enterprises=500."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out if it holds an earlier run.")
    ] = False,
    csv: Annotated[bool, typer.Option("--csv", help="Also write the tables as CSV.")] = False,
    charts: Annotated[bool, typer.Option(help="Draw the charts into charts/.")] = True,
    svg: Annotated[
        bool, typer.Option("--svg", help="Also write each chart as SVG (vector; slower).")
    ] = False,
) -> None:
    """Run replications of a scenario and write tables, summary, manifest and charts.

    The charts are drawn on every core (at most four) whatever --workers says: drawing
    them is most of a default run's time, and the files do not depend on it.
    """
    from sim.analysis.summary import summary_table
    from sim.experiments import store
    from sim.experiments.experiment import child_seeds
    from sim.experiments.runners import ReplicationsStopped

    started, clock = store.now_iso(), time.perf_counter()
    overrides = [*(set_ or []), *([f"run.steps={steps}"] if steps is not None else [])]
    resolved = load(scenario, set_ or [], steps=steps)
    check_memory(
        enterprises=resolved.run.enterprises,
        steps=resolved.run.steps,
        replications=replications,
        workers=workers,
    )
    stage = open_out_dir(out, resolved.name, force=force)
    seeds = child_seeds(seed, replications)

    def manifest(done_seeds: list[int]) -> dict:
        return store.build_manifest(
            resolved,
            scenario_path=scenario,
            overrides=overrides,
            base_seed=seed,
            seeds=done_seeds,
            workers=workers,
            started=started,
            ended=store.now_iso(),
            wall_seconds=time.perf_counter() - clock,
            command=[Path(sys.argv[0]).name, *sys.argv[1:]],
        )

    def write_tables(result: Replications, directory: Path) -> None:
        tables = {name: getattr(result, name) for name in store.TABLES}
        store.write_tables(directory, tables, csv=csv, metadata={"scenario": resolved.name})
        store.write_scenario(directory, resolved)

    try:
        with sigterm_as_interrupt():
            result = replications_with_progress(resolved, seeds, workers=workers)
    except ReplicationsStopped as stop:
        partial = stop.partial
        keep_incomplete(
            stage,
            stop,
            lambda d: (
                write_tables(partial, d) if partial.seeds else store.write_scenario(d, resolved)
            ),
            manifest(partial.seeds),
        )
    summary = summary_table(result.outcomes)  # every recorded outcome, registry order first

    def write(directory: Path) -> None:
        write_tables(result, directory)
        store.write_summary(directory, summary)
        if charts:
            draw_charts(
                result.outcomes,
                directory / store.CHARTS,
                caption=caption(resolved.name, len(seeds), seed),
                provinces=result.provinces,
                platforms=result.platforms,
                svg=svg,
                start_year=resolved.run.start_year,
            )
        store.write_manifest(directory, manifest(seeds))

    target = finish(stage, write)
    wide_console().print(key_outcome_table(summary, resolved, len(seeds), seed))
    typer.echo(f"Wrote {target}")


def draw_charts(
    outcomes,
    out_dir: Path,
    *,
    caption: str,
    provinces,
    platforms,
    svg: bool,
    start_year: int | None,
):
    """Draw a run's charts on every core, a plain line on stderr per chart as it is written."""
    from sim.plots.run_charts import chart_workers, save_run_charts

    workers = chart_workers()
    typer.echo(f"Drawing charts on {workers} process{'es' if workers > 1 else ''}...", err=True)
    return save_run_charts(
        outcomes,
        out_dir,
        caption=caption,
        provinces=provinces,
        platforms=platforms,
        formats=("png", "svg") if svg else ("png",),
        workers=workers,
        on_done=lambda name: typer.echo(f"  charts/{name}", err=True),
        start_year=start_year,
    )


def key_outcome_table(summary: pd.DataFrame, s: Scenario, replications: int, seed: int) -> Table:
    """A table of the key outcomes: final-year mean and interval, and whole-run mean."""
    from sim.analysis.summary import interval_text
    from sim.outcomes import FINAL_TEXT, KEY_OUTCOMES

    table = Table(
        title=f"{s.name}: key outcomes, {replications} replications, seed {seed}",
        caption=f"{FINAL_TEXT}; interval = {interval_text()}",
    )
    table.add_column("outcome")
    table.add_column("column", style="dim")
    table.add_column("unit")
    table.add_column("final mean", justify="right")
    table.add_column("final 95% interval", justify="right")
    table.add_column("run mean", justify="right")
    for name in KEY_OUTCOMES:
        row = summary.loc[name]
        low, high = row["final_low"], row["final_high"]
        span = f"{fmt(low)} .. {fmt(high)}" if math.isfinite(low) else "n/a"
        cells = (
            row["label"],
            name,
            row["unit"],
            fmt(row["final_mean"]),
            span,
            fmt(row["run_mean_mean"]),
        )
        table.add_row(*map(Text, cells))
    return table


def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.", dir_okay=False)],
) -> None:
    """Validate scenario files without running them."""
    failed = 0
    for path in scenarios:
        try:
            s = load_scenario(path)
        except ScenarioError as err:
            failed += 1
            Console(stderr=True, highlight=False).print(
                Text("error: ", style="bold red") + Text(str(err), style="red"), soft_wrap=True
            )
        else:
            typer.echo(f"ok  {path}  ({s.name})")
            for note in replaced_lists(path):
                typer.echo(f"    note: {note}")
    if failed:
        raise typer.Exit(USAGE_ERROR)


def params(
    format_: Annotated[
        ParamsFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format; json-schema is the schema of a scenario file, for editors.",
        ),
    ] = ParamsFormat.table,
) -> None:
    """List every scenario parameter: path, type, default, unit, range, source, description."""
    from sim.scenario.params import format_value, markdown_table, parameter_table

    if format_ is ParamsFormat.json_schema:
        from sim.scenario.json_schema import scenario_json_schema

        typer.echo(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
        return
    rows = parameter_table()
    rows["default"] = [
        format_value(v, required=r) for v, r in zip(rows.default, rows.required, strict=True)
    ]
    columns = ["path", "type", "default", "unit", "range", "source", "description"]
    if format_ is ParamsFormat.markdown:
        typer.echo(markdown_table(rows[columns], code=("path", "default")))
        return
    table = Table(title="Scenario parameters")
    for column in columns:
        table.add_column(
            column,
            overflow="fold",
            no_wrap=column == "path",
            max_width=None if column in ("path", "description") else 18,
        )
    for row in rows[columns].itertuples(index=False):
        table.add_row(*(Text(str(v)) for v in row))  # Text: "list[str]" is not markup
    wide_console(200).print(table)


def plot(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Output directory of sim run, sim compare or sim sweep.",
            file_okay=False,
            exists=True,
        ),
    ],
    svg: Annotated[
        bool, typer.Option("--svg", help="Also write each chart as SVG (vector; slower).")
    ] = False,
) -> None:
    """Redraw the charts of an output directory from its tables and manifest."""
    from sim.experiments import store

    try:
        manifest = store.read_manifest(directory)
        if manifest.get("kind") == "sweep":  # a sweep directory: same as sim sweep-report
            show_report(directory)
            return
        if manifest.get("kind") == "compare":
            from sim.cli.compare import redraw

            paths = redraw(directory, manifest)
        outcomes = store.read_table(directory, "outcomes")
    except store.OutputError as err:
        fail(str(err))
    if manifest.get("kind") == "compare":
        for path in paths:
            typer.echo(f"Wrote {path}")
        return
    text = caption(manifest["scenario"], manifest["replications"], manifest["base_seed"])
    both = all((directory / f"{t}.parquet").is_file() for t in ("provinces", "platforms"))
    paths = draw_charts(
        outcomes,
        directory / store.CHARTS,
        caption=text,
        provinces=store.read_table(directory, "provinces") if both else None,
        platforms=store.read_table(directory, "platforms") if both else None,
        svg=svg,
        start_year=start_year_of([manifest.get("resolved_scenario")]),
    )
    for path in paths:
        typer.echo(f"Wrote {path}")
