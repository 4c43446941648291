"""``sim calibrate`` and ``sim report``: fit the model to the record, and show the fit.

``sim calibrate`` runs the seeded search of
:func:`sim.analysis.calibration.search.calibrate` on a scenario (the ``history``
scenario) and writes the best point as a scenario file that extends it (and, with
``--defaults``, as the package's calibrated defaults). ``sim report`` runs replications of
a scenario, sets every pattern item of ``calibration.md`` observed against simulated (mean
and range over seeds), prints and writes the fit table and draws simulated against
observed national trains per year. :mod:`sim.cli.app` registers both.

Over 400 lines: two commands whose typer options (about half the module) are their
documented interface, and the candidate rule of ``sim calibrate`` that a later issue
replaces.
"""

from __future__ import annotations

import math
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sim.cli.common import (
    DEFAULT_SEED,
    check_memory,
    check_writable_file,
    fail,
    finish,
    keep_incomplete,
    load,
    open_out_dir,
    replications_with_progress,
    sigterm_as_interrupt,
    wide_console,
)
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

FIT_CSV = "fit.csv"
FIT_MD = "fit.md"
PATTERNS = "patterns.csv"
TRAINS_CHART = "trains_per_year.png"
SCENARIOS_DIR = Path("scenarios")
# The source label of the calibrated defaults (sim.scenario.fitted.CALIBRATED).
DEFAULTS_SOURCE = "calibrated: sim calibrate, {date}, fit in docs/ODD.md section 8"


def resolve_scenario(name: Path) -> Path:
    """A scenario file, or ``scenarios/<name>.toml`` when given a bare name like ``history``."""
    if name.is_file() or name.suffix or len(name.parts) > 1:
        return name
    candidate = SCENARIOS_DIR / f"{name}.toml"
    return candidate if candidate.is_file() else name


def check_history(s: Scenario) -> None:
    """Fail unless the scenario covers the calibration years (2015 to 2021)."""
    last = s.run.start_year + (s.run.steps - 1) // 4
    if s.run.start_year > 2015 or last < 2021:
        fail(
            f"{s.name}: runs {s.run.start_year} to {last}; the record's patterns need 2015"
            " to 2021 (run.start_year = 2015 and run.steps >= 28), e.g. scenarios/history.toml"
        )


def fit_rich_table(table: pd.DataFrame, title: str, caption: str) -> Table:
    """The fit table for the terminal: one line per item, grouped by pattern row."""
    from sim.analysis.calibration.record import PATTERN_BY_KEY, format_value

    out = Table(title=title, caption=caption, show_lines=False)
    out.add_column("pattern (calibration.md)", max_width=28, overflow="fold")
    out.add_column("item", max_width=34, overflow="fold")
    out.add_column("observed", justify="right")
    out.add_column("simulated", justify="right")
    out.add_column("range over seeds", justify="right")
    out.add_column("error", justify="right")
    out.add_column("verdict", max_width=34, overflow="fold")
    last = None
    styles = {"fits": "green", "misses": "red", "input": "dim"}
    for r in table.itertuples(index=False):
        p = PATTERN_BY_KEY[r.key]
        span = (
            f"{format_value(r.min, r.unit)} to {format_value(r.max, r.unit)}"
            if math.isfinite(r.min) and r.kind != "input"
            else ""
        )
        err = f"{r.error:+.2f}" if math.isfinite(r.error) else ""
        style = styles.get(r.verdict.split(" ")[0], "yellow")
        out.add_row(
            Text(r.row if r.row != last else ""),
            Text(r.item),
            Text(p.observed_text()),
            Text(format_value(r.simulated, r.unit)),
            Text(span),
            Text(err),
            Text(r.verdict, style=style),
        )
        last = r.row
    return out


def summary_line(table: pd.DataFrame) -> str:
    """How many fitted items fit, miss, and how many cannot be matched."""
    fitted = table[table["kind"] == "fitted"]
    fits = int((fitted["verdict"] == "fits").sum())
    cannot = int((table["kind"] == "not modelled").sum())
    return (
        f"{fits} of {len(fitted)} fitted items within one tolerance; {cannot} items the model"
        " cannot express; error = distance to the observed value (or range) in tolerances"
    )


def report(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario file, or a name in scenarios/ (e.g. history).",
            dir_okay=False,
            metavar="SCENARIO",
        ),
    ],
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Replications (seeds).")
    ] = 10,
    seed: Annotated[
        int, typer.Option(min=0, help="Base seed; replication i uses its i-th child seed.")
    ] = DEFAULT_SEED,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help=r"Output directory \[default: runs/<scenario>-report-<YYYYmmdd-HHMMSS>].",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out if it holds an earlier report.")
    ] = False,
) -> None:
    """Fit table of a history scenario against the record, and the trains-per-year chart."""
    from sim.analysis.calibration.fit import fit_table, markdown_fit_table, simulate_patterns
    from sim.experiments import store
    from sim.experiments.experiment import child_seeds
    from sim.experiments.runners import ReplicationsStopped
    from sim.plots.calibration import event_marks, plot_trains

    started, clock = store.now_iso(), time.perf_counter()
    path = resolve_scenario(scenario)
    overrides = list(set_ or [])
    resolved = load(path, overrides)
    check_history(resolved)
    check_memory(
        enterprises=resolved.run.enterprises,
        steps=resolved.run.steps,
        replications=replications,
        workers=workers,
    )
    stage = open_out_dir(out, f"{resolved.name}-report", force=force)
    seeds = child_seeds(seed, replications)

    def manifest(done_seeds: list[int]) -> dict:
        made = store.build_manifest(
            resolved,
            scenario_path=path,
            overrides=overrides,
            base_seed=seed,
            seeds=done_seeds,
            workers=workers,
            started=started,
            ended=store.now_iso(),
            wall_seconds=time.perf_counter() - clock,
            command=[Path(sys.argv[0]).name, *sys.argv[1:]],
        )
        return {"kind": "calibration-report", **made}

    try:
        with sigterm_as_interrupt():
            result = replications_with_progress(resolved, seeds, workers=workers)
    except ReplicationsStopped as stop:
        keep_incomplete(
            stage,
            stop,
            lambda d: store.write_scenario(d, resolved),
            manifest(stop.partial.seeds),
        )
    simulated = simulate_patterns(
        result.outcomes,
        result.platforms,
        start_year=resolved.run.start_year,
        slots=resolved.freight.train_slots,
    )
    table = fit_table(simulated, resolved)
    text = f"scenario {resolved.name} · {replications} replications · base seed {seed}"

    def write(out: Path) -> None:
        tables = {n: getattr(result, n) for n in store.TABLES}
        store.write_tables(out, tables, csv=False, metadata={"scenario": resolved.name})
        store.write_file(out / FIT_CSV, lambda p: table.to_csv(p, index=False))
        store.write_file(out / PATTERNS, lambda p: simulated.to_csv(p))
        md = f"{markdown_fit_table(table)}\n\n{summary_line(table)}; {text}.\n"
        store.write_file(out / FIT_MD, lambda p: p.write_text(md, encoding="utf-8"))
        fig = plot_trains(
            result.outcomes,
            start_year=resolved.run.start_year,
            caption=text,
            events=event_marks(resolved),
        )
        store.write_file(out / TRAINS_CHART, lambda p: fig.savefig(p, dpi=150, format="png"))
        store.write_scenario(out, resolved)
        store.write_manifest(out, manifest(seeds))

    out = finish(stage, write)
    console_out = wide_console(150)
    console_out.print(
        fit_rich_table(table, f"{resolved.name}: fit to the record", f"{summary_line(table)}")
    )
    typer.echo(f"Wrote {out}")


def calibrate(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario to fit (a file, or a name in scenarios/).",
            dir_okay=False,
            metavar="SCENARIO",
        ),
    ] = Path("history"),
    points: Annotated[
        int, typer.Option(min=2, help="Latin-hypercube points over the whole box.")
    ] = 320,
    rounds: Annotated[
        int, typer.Option(min=0, help="Local rounds around the best point, each box halved.")
    ] = 3,
    round_points: Annotated[int, typer.Option(min=2, help="Points per local round.")] = 50,
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per point (common random numbers).")] = 2,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed of the design and of the runs.")
    ] = DEFAULT_SEED,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", dir_okay=False, help="Scenario file to write the fitted values to."
        ),
    ] = SCENARIOS_DIR / "calibrated.toml",
    trace: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Also write every point evaluated (parameters, loss, patterns) as CSV.",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter of the scenario."),
    ] = None,
    defaults: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Also write the fitted values as the package's calibrated defaults"
            " (sim/data/calibrated.toml, which the schema's defaults read).",
            show_default=False,
        ),
    ] = None,
    directions: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Directional checks (a TOML of robust and contested checks and their seeds)"
            " the fitted defaults must keep; the best points are tried in order"
            r" \[default: the package's sim/data/directions.toml].",
            show_default=False,
        ),
    ] = None,
    candidates: Annotated[
        int,
        typer.Option(min=0, help="Best points tried against the directional checks (0: none)."),
    ] = 5,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
) -> None:
    """Fit the free parameters to the record's patterns; write them as a scenario file.

    The best points, in order of loss, are run through the countermeasures' directional
    checks with their values as the package defaults; the first that keeps every check is
    written (else the first that keeps the robust ones, else the best, with a warning).
    """
    import tomllib

    from sim.analysis.calibration import search
    from sim.analysis.calibration.directions import load_checks
    from sim.analysis.calibration.fit import fit_table
    from sim.experiments.runners import make_backend

    path = resolve_scenario(scenario)
    resolved = load(path, list(set_ or []))
    check_history(resolved)
    if out.exists() and out.is_dir():
        fail(f"--out {out}: is a directory; name a .toml file")
    if out.exists() and not force:
        fail(f"--out {out}: exists; pass --force to overwrite it")
    if defaults is not None and defaults.exists() and defaults.is_dir():
        fail(f"--defaults {defaults}: is a directory; name a .toml file")
    for option, target in (("--out", out), ("--defaults", defaults), ("--trace", trace)):
        if target is not None:
            check_writable_file(target, option)
    checks = None
    if candidates:
        try:
            checks = load_checks(directions)
        except (OSError, tomllib.TOMLDecodeError, ValueError) as err:
            fail(f"--directions {directions}: cannot read the checks: {err}")
    clock = time.perf_counter()
    total = points + rounds * round_points
    console = Console(stderr=True)
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("best loss {task.fields[best]}"),
            console=console,
            disable=not console.is_terminal,
        ) as bar,
        make_backend(workers) as backend,
    ):
        task = bar.add_task(f"{resolved.name}: points", total=total, best="-")
        result = search.calibrate(
            resolved,
            points=points,
            rounds=rounds,
            round_points=round_points,
            seeds=seeds,
            seed=seed,
            backend=backend,
            progress=lambda done, best: bar.update(task, completed=done, best=f"{best:.2f}"),
        )
        chosen, params, chosen_loss, note = result.ranked()[0] + ("best point",)
        if checks is not None:
            chosen, params, chosen_loss, note = choose_candidate(
                result, checks, candidates, scenarios=path.resolve().parent, backend=backend
            )
    try:
        extends = Path(path.resolve()).relative_to(out.resolve().parent).as_posix()
    except ValueError:
        extends = str(path.resolve())
    command = " ".join(["sim", *sys.argv[1:]]) if sys.argv[1:] else "sim calibrate"
    header = [
        f"Written by `sim calibrate` on {date.today().isoformat()}: the free parameters of",
        f"{path.name} fitted to the record's patterns (docs/ODD.md section 8).",
        f"Command: {command}",
        f"Search: Latin hypercube of {points} points, {rounds} local rounds of {round_points},"
        f" {seeds} seeds per point, seed {seed}; best loss {result.best_loss:.3f}.",
        f"Written: point {chosen}, loss {chosen_loss:.3f} ({note}).",
        "The package defaults (sim/data/calibrated.toml) hold the same values.",
        "",
    ]
    text = search.calibrated_scenario_text(params, extends=extends, header=header)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        if defaults is not None:
            source = DEFAULTS_SOURCE.format(date=date.today().isoformat())
            defaults_header = [
                "The calibrated defaults: the package's schema reads every field whose source is",
                "`source` from here (sim.scenario.fitted).",
                *header[:-2],
                f"The same values as {out.name}, a scenario that extends {path.name}.",
                "",
            ]
            text = search.calibrated_defaults_text(params, source=source, header=defaults_header)
            defaults.parent.mkdir(parents=True, exist_ok=True)
            defaults.write_text(text, encoding="utf-8")
        if trace is not None:
            result.evaluations.to_csv(trace, index=False)
    except OSError as err:
        fail(f"cannot write: {err}")
    table = fit_table(result.patterns[chosen], resolved)
    console_out = wide_console(150)
    shown = Table(title=f"fitted parameters (point {chosen}, loss {chosen_loss:.3f}: {note})")
    shown.add_column("parameter")
    shown.add_column("meaning")
    shown.add_column("range searched", justify="right")
    shown.add_column("fitted", justify="right")
    for fp in result.space:
        shown.add_row(
            Text(fp.path),
            Text(fp.meaning),
            Text(f"{fp.low:g} to {fp.high:g}" + (" (log)" if fp.log else "")),
            Text(f"{params[fp.path]:.4g}"),
        )
    console_out.print(shown)
    console_out.print(
        fit_rich_table(
            table,
            f"{resolved.name}: fit at the best point ({seeds} search seeds)",
            summary_line(table),
        )
    )
    typer.echo(
        f"Wrote {out} ({total} points in {time.perf_counter() - clock:.0f} s);"
        f" report it with: sim report {out}"
    )


def choose_candidate(
    result, checks, candidates: int, *, scenarios: Path, backend
) -> tuple[int, dict[str, float], float, str]:
    """The first of the best ``candidates`` points that keeps the directional checks.

    Every check (robust and contested) if one does; else every robust check; else the best
    point, with a warning naming the checks it fails.
    """
    from sim.analysis.calibration.directions import failed_checks
    from sim.analysis.calibration.search import parameter_settings

    robust, contested, seeds = checks
    console = Console(stderr=True)
    ranked = result.ranked()[:candidates]
    robust_ok = None
    report = []
    for k, (point, params, value) in enumerate(ranked, 1):
        settings = parameter_settings(params)
        console.print(
            f"directional checks: candidate {k}/{len(ranked)} (point {point}, loss {value:.3f})",
            highlight=False,
        )
        failed = failed_checks(
            settings, [*robust, *contested], scenarios=scenarios, seeds=seeds, backend=backend
        )
        failed_robust = [f for f in failed if f[0] in robust]
        report.append((point, failed))
        if not failed:
            return (
                point,
                params,
                value,
                f"keeps all {len(robust) + len(contested)} directional checks",
            )
        if not failed_robust and robust_ok is None:
            robust_ok = (point, params, value, failed)
    if robust_ok is not None:
        point, params, value, failed = robust_ok
        names = "; ".join(f"{c[0]} {c[1]} expected {c[3]:+d}, got {got:+d}" for c, got in failed)
        console.print(
            f"[yellow]warning:[/] no candidate keeps every contested check; point"
            f" {point} keeps the robust ones and changes: {names}"
        )
        return point, params, value, f"keeps the robust checks; contested changed: {names}"
    point, params, value = ranked[0]
    names = "; ".join(f"{c[0]} {c[1]}" for c, _ in report[0][1])
    console.print(f"[yellow]warning:[/] no candidate keeps the robust checks; best fails: {names}")
    return point, params, value, f"fails directional checks: {names}"
