"""The Solara page of ``sim app``: choose a scenario, move its levers, step the real model.

Solara serves it (``sim.cli.page`` starts the server); ``SIM_APP_SCENARIO`` names the
scenario it opens with, and the scenario list is the ``*.toml`` files beside it. Every
lever change rebuilds the models from quarter 0 with the new value (a scenario is fixed
for a run, as in ``sim run --set``). Every panel is an ECharts figure
(:mod:`sim.app.panels`), drawn in the browser from the numbers of the static charts' tables.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path
from typing import Any

import solara

from sim.app import panels
from sim.app.levers import Lever, levers, values
from sim.app.session import Session
from sim.cli.common import DEFAULT_SEED, fmt
from sim.scenario.loading import ScenarioError, load_scenario

PLAY_INTERVAL = 0.05  # seconds between quarters while running
CHART_STYLE = {"style": "height: 400px; width: 100%;"}
MAP_STYLE = {"style": "height: 520px; width: 100%;"}
SECTIONS = {"run": "Run size", "policy.subsidy": "Subsidies", "policy.coordination": "Coordination"}


def start_file() -> Path:
    """The scenario the page opens with (``SIM_APP_SCENARIO``)."""
    return Path(os.environ.get("SIM_APP_SCENARIO", "scenarios/coordination.toml"))


def scenario_files(start: Path) -> list[str]:
    """The scenario files beside the starting one, the starting one included."""
    found = sorted(str(p) for p in start.parent.glob("*.toml"))
    return found if str(start) in found else [str(start), *found]


def section(path: str) -> str:
    """The group a lever is shown in: its first two path parts."""
    parts = path.split(".")
    return ".".join(parts[:2]) if parts[0] == "policy" else parts[0]


def css_name(path: str) -> str:
    """A lever's CSS class: ``lever-`` and its path with dots as dashes."""
    return "lever-" + path.replace(".", "-").replace("_", "-")


def key_table_html(outcomes, base, step: int) -> str:
    """The key outcomes at this quarter as an HTML table the browser test reads."""
    table = panels.key_outcomes(outcomes, base)
    head = "<th>outcome</th><th>unit</th><th>scenario</th>"
    head += "<th>baseline</th>" if base is not None else ""
    rows = []
    for r in table.itertuples():
        cells = f"<td>{html.escape(r.label)}</td><td>{html.escape(r.unit)}</td>"
        cells += f'<td class="value" data-value="{r.value!r}">{fmt(r.value)}</td>'
        if base is not None:
            cells += f'<td class="baseline" data-value="{r.baseline!r}">{fmt(r.baseline)}</td>'
        rows.append(f'<tr data-outcome="{r.outcome}">{cells}</tr>')
    return (
        f'<div id="sim-step" data-step="{step}">quarter {step}</div>'
        f'<table id="key-outcomes" style="font-size: 13px"><tr>{head}</tr>{"".join(rows)}</table>'
    )


@solara.component
def LeverControl(lever: Lever, value: Any, on_value):
    """One lever: a slider, switch or choice, with its description as help text."""
    with solara.Div(classes=["sim-lever", css_name(lever.path)]):
        with solara.Tooltip(lever.help):
            if lever.kind == "bool":
                solara.Checkbox(label=lever.label, value=bool(value), on_value=on_value)
            elif lever.kind == "choice":
                solara.Select(
                    lever.label, value=value, values=list(lever.choices), on_value=on_value
                )
            elif lever.kind == "int":
                solara.SliderInt(
                    lever.label,
                    value=int(value),
                    min=int(lever.low),
                    max=int(lever.high),
                    step=int(lever.step),
                    on_value=on_value,
                )
            else:
                solara.SliderFloat(
                    lever.label,
                    value=float(value),
                    min=lever.low,
                    max=lever.high,
                    step=lever.step,
                    on_value=on_value,
                )
        solara.Text(lever.description, style={"font-size": "11px", "color": "#555"})


@solara.component
def Figures(session: Session, step: int):
    """Every panel at this quarter, with the table of key outcomes."""

    def draw():
        result, base = session.snapshot()
        options = panels.panels(result, base, caption=session.caption()) if step else {}
        return result, base, options

    result, base, options = solara.use_memo(draw, [session, step])
    base_out = base.outcomes if base is not None else None
    solara.HTML(unsafe_innerHTML=key_table_html(result.outcomes, base_out, step))
    if step == 0:
        solara.Info("Quarter 0: press Step or Run to start the model.")
        return
    with solara.Div(classes=["sim-panel-map"]):
        solara.FigureEcharts(option=options["map"], attributes=MAP_STYLE)
    names = [n for n in panels.NAMES[1:] if n in options]
    for pair in (names[i : i + 2] for i in range(0, len(names), 2)):
        with solara.Columns([1] * len(pair)):
            for name in pair:
                with solara.Div(classes=[f"sim-panel-{name}"]):
                    solara.FigureEcharts(option=options[name], attributes=CHART_STYLE)


@solara.component
def Page():
    """The page: scenario, levers, run controls, export; the panels beside them."""
    start = solara.use_memo(start_file, [])
    files = solara.use_memo(lambda: scenario_files(start), [start])
    chosen = solara.use_memo(levers, [])
    scenario_file = solara.use_reactive(str(start))
    wanted = solara.use_reactive({})
    seed = solara.use_reactive(DEFAULT_SEED)
    with_baseline = solara.use_reactive(True)
    restarts = solara.use_reactive(0)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    exported = solara.use_reactive("")
    charts_too = solara.use_reactive(True)

    scenario_values = solara.use_memo(
        lambda: values(load_scenario(scenario_file.value), chosen), [scenario_file.value]
    )
    key = json.dumps(wanted.value, sort_keys=True, default=str)

    def build() -> Session | str:
        baseline = Path(scenario_file.value).parent / "baseline.toml"
        try:
            return Session(
                scenario_file.value,
                wanted.value,
                seed=seed.value,
                baseline=baseline if with_baseline.value and baseline.exists() else None,
            )
        except ScenarioError as err:
            return str(err)

    session = solara.use_memo(
        build, [scenario_file.value, key, seed.value, with_baseline.value, restarts.value]
    )

    def play():
        while playing.value and isinstance(session, Session) and session.running:
            session.step()
            tick.set(tick.value + 1)
            time.sleep(PLAY_INTERVAL)
        playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, session])

    def step():
        if isinstance(session, Session):
            session.step()
            tick.set(tick.value + 1)

    def set_lever(path: str, value: Any) -> None:
        playing.set(False)
        new = {**wanted.value, path: value}
        if scenario_values.get(path) == value:
            new.pop(path)
        wanted.set(new)

    def export():
        try:
            exported.set(f"Wrote {session.export(charts=charts_too.value)}")
        except (ValueError, OSError) as err:
            exported.set(f"Not exported: {err}")

    solara.Title("sim app")
    with solara.Columns([1, 3]):
        with solara.Column(classes=["sim-controls"]):
            solara.Select(
                "scenario file",
                value=scenario_file,
                values=files,
                on_value=lambda v: (wanted.set({}), playing.set(False)),
            )
            solara.InputInt("base seed", value=seed)
            solara.Checkbox(label="baseline beside it (same seed)", value=with_baseline)
            RunControls(session, tick, playing, step, export, exported, charts_too)
            with solara.Row():
                solara.Button(
                    "Restart",
                    on_click=lambda: restarts.set(restarts.value + 1),
                    classes=["sim-restart-button"],
                )
                solara.Button(
                    "Reset levers", on_click=lambda: wanted.set({}), classes=["sim-reset-button"]
                )
            groups: dict[str, list[Lever]] = {}
            for lever in chosen:
                groups.setdefault(section(lever.path), []).append(lever)
            for name, group in groups.items():
                title = SECTIONS.get(name, name.removeprefix("policy."))
                with solara.Details(title, expand=name in SECTIONS):
                    for lever in group:
                        value = wanted.value.get(lever.path, scenario_values[lever.path])
                        LeverControl(lever, value, lambda v, p=lever.path: set_lever(p, v))
        with solara.Column(classes=["sim-main"]):
            Main(session, scenario_file.value, wanted.value, seed.value, tick)


@solara.component
def RunControls(session, tick, playing, step, export, exported, charts_too):
    """Step, run or pause, and export; redrawn by every step (it reads ``tick``)."""
    tick.value  # noqa: B018 (subscribes: the buttons follow the quarters run)
    running = isinstance(session, Session) and session.running
    with solara.Row():
        solara.Button(
            "Step",
            on_click=step,
            disabled=playing.value or not running,
            classes=["sim-step-button"],
            color="primary",
        )
        solara.Button(
            "Pause" if playing.value else "Run",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
            classes=["sim-run-button"],
            color="primary",
        )
        solara.Button(
            "Export",
            on_click=export,
            classes=["sim-export-button"],
            disabled=not isinstance(session, Session) or session.steps == 0,
        )
        solara.Checkbox(label="with charts", value=charts_too)
    if exported.value:
        solara.Text(exported.value, classes=["sim-exported"])


@solara.component
def Main(session: Session | str, scenario_file: str, wanted: dict, seed: int, tick):
    """The scenario's name, the levers changed, and every panel.

    It reads ``tick`` (bumped by every step), so a step redraws this and the run
    controls, not the levers.
    """
    tick.value  # noqa: B018 (subscribes: a step redraws the panels)
    if isinstance(session, str):
        solara.Error(session)
        return
    changed = ", ".join(f"{p}={v}" for p, v in wanted.items()) or "none"
    solara.Markdown(
        f"### sim: provinces racing for Belt-and-Road platforms\n"
        f"**{session.scenario.name}** ({scenario_file}): {session.scenario.description}"
        f"  \nlevers changed: {changed} · seed {seed} (child seed {session.child})"
    )
    Figures(session, session.steps)
