"""``sim compare``: run scenarios with common random numbers and compare each with the base.

Every scenario runs with the same child seeds, so replication ``i`` of each shares its
random draws with replication ``i`` of the base and their paired difference measures the
levers, not noise (see :mod:`sim.analysis.compare`). :mod:`sim.cli.app` registers
the command; it shares the helpers of :mod:`sim.cli.common`.
"""

from __future__ import annotations

import difflib
import math
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.common import (
    DEFAULT_SEED,
    check_memory,
    fail,
    finish,
    fmt,
    open_out_dir,
    print_error,
    shared_year,
    sigterm_as_interrupt,
    start_year_of,
    wide_console,
)
from sim.cli.compare_runs import (
    SCENARIOS,
    ScenariosStopped,
    keep_incomplete_compare,
    run_scenarios,
    stack,
    unique_labels,
    unique_paths,
    write_scenarios,
)
from sim.outcomes import FINAL_STEPS, KEY_OUTCOMES, OUTCOMES
from sim.scenario.loading import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

COMPARISON = "comparison.csv"
# Keys of store.build_manifest that belong to one scenario; the rest are shared.
SCENARIO_KEYS = (
    "scenario",
    "scenario_file",
    "scenario_file_resolved",
    "steps",
    "resolved_scenario",
)


class Window(StrEnum):
    """The steps a scenario's per-replication value is averaged over."""

    final = "final"
    run = "run"


WINDOW_TEXT = {
    Window.final: f"the mean over the last {FINAL_STEPS} steps",
    Window.run: "the mean over every step",
}


def load_all(
    paths: list[Path], overrides: list[str], *, steps: int | None = None
) -> list[Scenario]:
    """Load and validate every scenario; report every problem and fail if there is any."""
    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load_scenario(path, overrides, steps=steps))
        except ScenarioError as err:
            problems.append(str(err))
    problems = list(dict.fromkeys(problems))  # a bad --set is the same problem in every file
    if problems:
        for message in problems[:-1]:
            print_error(message)
        fail(problems[-1])
    return scenarios


def pick_outcomes(text: str | None) -> list[str]:
    """The outcomes named in ``--outcomes a,b,c``; the key outcomes when not given."""
    if text is None:
        return list(KEY_OUTCOMES)
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in OUTCOMES:
            hint = difflib.get_close_matches(name, list(OUTCOMES), n=1, cutoff=0.5)
            tip = f" Did you mean '{hint[0]}'?" if hint else " `sim compare --help` lists them."
            fail(f"--outcomes: unknown outcome '{name}'.{tip}")
    if not names:
        fail("--outcomes: name at least one outcome, e.g. --outcomes rail_volume,hhi")
    return names


def compare(
    base: Annotated[
        Path,
        typer.Argument(help="The base scenario TOML file.", dir_okay=False, metavar="BASE.toml"),
    ],
    others: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files to compare with the base (repeats of a file are dropped).",
            dir_okay=False,
            metavar="OTHER.toml",
        ),
    ],
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Replications per scenario.")
    ] = 10,
    seed: Annotated[
        int, typer.Option(min=0, help="Base seed; replication i of every scenario uses child i.")
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
            help=r"Output directory \[default: runs/compare-<YYYYmmdd-HHMMSS>].",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter in every scenario."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out if it holds an earlier compare.")
    ] = False,
    charts: Annotated[bool, typer.Option(help="Draw the charts into charts/.")] = True,
    window: Annotated[
        Window,
        typer.Option(help=f"Printed and charted: final = last {FINAL_STEPS} steps, run = all."),
    ] = Window.final,
    outcomes: Annotated[
        str | None,
        typer.Option(
            metavar="A,B,...",
            help=r"Outcomes to print and chart \[default: the key outcomes].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run scenarios with the same seeds and compare each with the first (the base)."""
    import pandas as pd

    from sim.analysis.summary import summary_table
    from sim.experiments import store
    from sim.experiments.experiment import child_seeds

    started, clock = store.now_iso(), time.perf_counter()
    overrides = [*(set_ or []), *([f"run.steps={steps}"] if steps is not None else [])]
    shown = pick_outcomes(outcomes)
    paths = unique_paths([base, *others])
    scenarios = load_all(paths, set_ or [], steps=steps)
    if len(scenarios) < 2:
        fail(f"nothing to compare: every file given is {base}; name another scenario")
    labels = unique_labels([(s.name, p.stem) for s, p in zip(scenarios, paths, strict=True)])
    check_memory(
        enterprises=max(s.run.enterprises for s in scenarios),
        steps=max(s.run.steps for s in scenarios),
        replications=replications,
        workers=workers,
        scenarios=len(scenarios),
    )
    stage = open_out_dir(out, "compare", force=force)
    seeds = child_seeds(seed, replications)

    def manifest(done_seeds: list[int]) -> dict[str, Any]:
        manifests = [
            store.build_manifest(
                s,
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
            for s, path in zip(scenarios, paths, strict=True)
        ]
        return comparison_manifest(labels, manifests, window=window)

    try:
        with sigterm_as_interrupt():
            tables = run_scenarios(labels, scenarios, seeds, workers=workers)
    except ScenariosStopped as stopped:
        keep_incomplete_compare(stage, stopped, labels, scenarios, manifest(seeds))
    if len({s.run.steps for s in scenarios}) > 1:
        Console(stderr=True).print(
            "[yellow]warning:[/] the scenarios run different numbers of steps; each window"
            " is taken over each scenario's own steps"
        )
    stacked = stack(tables, labels)
    comparison = comparison_table(tables, labels[0])
    summary = pd.concat({k: summary_table(t) for k, t in tables.items()}, names=["scenario"])
    chosen = comparison[comparison["window"] == window.value]
    over = window_text(window, scenarios)

    def write(directory: Path) -> None:
        names = {"scenario": ", ".join(labels)}
        store.write_tables(directory, {"outcomes": stacked}, csv=False, metadata=names)
        store.write_csv(directory / COMPARISON, comparison)
        store.write_summary(directory, summary)
        write_scenarios(directory / SCENARIOS, labels, scenarios)
        if charts:
            from sim.plots.compare import save_comparison_charts

            text = caption(labels, len(seeds), seed)
            save_comparison_charts(
                stacked,
                chosen,
                directory / store.CHARTS,
                base=labels[0],
                shown=shown,
                caption=text,
                window_text=over,
                start_year=shared_year([s.run.start_year for s in scenarios]),
            )
        store.write_manifest(directory, manifest(seeds))

    out = finish(stage, write)

    console = wide_console()
    console.print(
        f"Compared with [bold]{labels[0]}[/]: {len(seeds)} replications of each scenario with"
        f" the same child seeds (common random numbers), base seed {seed}.\n"
        f"Window {window.value}: {over}; intervals over replications: 95% bootstrap for a"
        " scenario's mean, 95% t for the paired difference;"
        " d = Cohen's d (difference / pooled SD); ▲/▼ = the difference's interval excludes zero.",
        highlight=False,
    )
    for name in shown:
        console.print(outcome_table(chosen, name, labels=labels))
    typer.echo(f"Wrote {out}")


def redraw(directory: Path, manifest: dict[str, Any]) -> list[Path]:
    """Redraw the charts of a ``sim compare`` directory from its tables and manifest."""
    import pandas as pd

    from sim.experiments import store
    from sim.plots.compare import save_comparison_charts

    outcomes = store.read_table(directory, "outcomes")
    path = directory / COMPARISON
    if not path.is_file():
        raise store.OutputError(f"{directory}: no {COMPARISON}")
    try:
        labels = [s["label"] for s in manifest["scenarios"]]
        lengths = {s["steps"] for s in manifest["scenarios"]}
        window = Window(manifest.get("window", Window.final.value))
        comparison = pd.read_csv(path)
        chosen = comparison[comparison["window"] == window.value]
        over = WINDOW_TEXT[window]
        if len(lengths) == 1:
            (last,) = lengths
            first = max(1, last - FINAL_STEPS + 1) if window is Window.final else 1
            over = f"{over} (steps {first}-{last})"
        text = caption(labels, manifest["replications"], manifest["base_seed"])
    except (KeyError, ValueError, TypeError) as err:
        raise store.OutputError(f"{directory}: not a readable compare directory ({err})") from None
    shown = [o for o in KEY_OUTCOMES if o in set(chosen["outcome"])]
    return save_comparison_charts(
        outcomes,
        chosen,
        directory / store.CHARTS,
        base=labels[0],
        shown=shown,
        caption=text,
        window_text=over,
        start_year=start_year_of([s.get("resolved_scenario") for s in manifest["scenarios"]]),
    )


def comparison_table(tables: dict[str, pd.DataFrame], base: str) -> pd.DataFrame:
    """Paired differences from ``base`` of every outcome in both windows, with a direction."""
    import pandas as pd

    from sim.analysis.compare import direction, paired_differences

    parts = [
        paired_differences(tables, base, window=w.value, final_steps=FINAL_STEPS).assign(
            window=w.value
        )
        for w in Window
    ]
    table = pd.concat(parts, ignore_index=True)
    table["direction"] = table.apply(direction, axis=1)
    return table[["window", *table.columns.drop("window")]]


def comparison_manifest(
    labels: list[str], manifests: list[dict[str, Any]], *, window: Window
) -> dict[str, Any]:
    """One manifest from each scenario's ``store.build_manifest``: shared keys once."""
    shared = {k: v for k, v in manifests[0].items() if k not in SCENARIO_KEYS}
    return {
        "kind": "compare",
        "base": labels[0],
        "window": window.value,
        "final_steps": FINAL_STEPS,
        **shared,
        "scenarios": [
            {"label": label, **{k: m[k] for k in SCENARIO_KEYS}}
            for label, m in zip(labels, manifests, strict=True)
        ],
    }


def caption(labels: list[str], replications: int, seed: int) -> str:
    """The caption line under every comparison chart."""
    names = ", ".join([f"{labels[0]} (base)", *labels[1:]])
    return f"scenarios {names} · {replications} paired replications · base seed {seed}"


def window_text(window: Window, scenarios: list[Scenario]) -> str:
    """What a window averages over, with its steps when every scenario runs as long."""
    lengths = {s.run.steps for s in scenarios}
    if len(lengths) != 1:
        return WINDOW_TEXT[window]
    (last,) = lengths
    first = max(1, last - FINAL_STEPS + 1) if window is Window.final else 1
    return f"{WINDOW_TEXT[window]} (steps {first}-{last})"


def signed(x: float) -> str:
    """:func:`sim.cli.common.fmt` with a ``+`` in front of positive numbers."""
    return ("+" if math.isfinite(x) and x > 0 else "") + fmt(x)


def span(low: float, high: float, form: Any = fmt) -> str:
    """`` [low, high]``, or nothing when the interval is undefined."""
    return f" [{form(low)}, {form(high)}]" if math.isfinite(low) else ""


def outcome_table(comparison: pd.DataFrame, outcome: str, *, labels: list[str]) -> Table:
    """One outcome: each scenario's mean, difference from the base, mark and Cohen's d."""
    rows = comparison[comparison["outcome"] == outcome].set_index("scenario")
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    table = Table(title=f"{outcome} ({unit})", title_justify="left", title_style="bold")
    table.add_column("scenario")
    table.add_column("mean [95% CI]", justify="right")
    table.add_column(f"difference from {labels[0]} [95% CI]", justify="right")
    table.add_column("", justify="center")
    table.add_column("d", justify="right")
    for i, label in enumerate(labels):
        r = rows.loc[label]
        mean = fmt(r["mean"]) + span(r["low"], r["high"])
        if i == 0:
            table.add_row(Text(label), Text(mean), Text("(base)", style="dim"), Text(""), Text(""))
            continue
        diff = signed(r["diff"]) + span(r["diff_low"], r["diff_high"], signed)
        mark = {1: "▲", -1: "▼"}.get(int(r["direction"]), "")
        d = f"{r['effect_size']:+.2f}" if math.isfinite(r["effect_size"]) else "n/a"
        table.add_row(Text(label), Text(mean), Text(diff), Text(mark, style="bold"), Text(d))
    return table
