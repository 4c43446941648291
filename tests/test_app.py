"""The page's parts without a browser: levers, session, every panel, the page component."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "coordination.toml"
SMALL = {"run.enterprises": 200, "run.steps": 6}

pytest.importorskip("solara", reason="the page needs the app extra: pip install -e '.[app]'")


@pytest.fixture(scope="module")
def session():
    from sim.app.session import Session

    s = Session(SCENARIO, SMALL, seed=7, baseline=ROOT / "scenarios" / "baseline.toml")
    for _ in range(4):
        s.step()
    return s


def test_levers_come_from_the_schema_with_bounds_units_and_help():
    from sim.app.levers import levers

    by_path = {lever.path: lever for lever in levers()}
    rate = by_path["policy.coordination.joint_cap.rate"]
    assert (rate.kind, rate.low, rate.high, rate.unit) == ("float", 0.0, 1.0, "share of cost")
    assert rate.description and "Range 0 to 1" in rate.help
    assert by_path["policy.subsidy.basis"].choices == ("per_train", "per_container")
    assert by_path["policy.coordination.pooling.enabled"].kind == "bool"
    assert "policy.coordination.members" not in by_path  # lists stay in scenario files
    enterprises = by_path["run.enterprises"]
    assert (enterprises.default - enterprises.low) % enterprises.step == 0  # on the grid


def test_the_session_steps_the_real_model_as_run_does(session):
    from sim.experiments.experiment import child_seeds, run
    from sim.scenario.loading import load_scenario

    assert session.child == child_seeds(7, 1)[0]
    sets = [f"{k}={v}" for k, v in SMALL.items()]
    expected = run(load_scenario(SCENARIO, sets), seed=session.child, steps=4)
    result = session.result()
    assert session.steps == 4 and session.running
    assert result.outcomes.equals(expected.outcomes)
    assert result.platforms.equals(expected.platforms)
    base = run(load_scenario(ROOT / "scenarios/baseline.toml", sets), seed=session.child, steps=4)
    assert session.base_result().outcomes.equals(base.outcomes)


def test_every_panel_is_json_with_titles_units_and_data(session):
    from sim.app import panels

    result, base = session.snapshot()
    options = panels.panels(result, base, caption=session.caption())
    assert set(options) == set(panels.NAMES)
    json.dumps(options)  # what the browser receives
    for option in options.values():
        titles = option["title"] if isinstance(option["title"], list) else [option["title"]]
        assert titles[0]["text"] and "quarter 4" in titles[0]["subtext"]


def test_the_map_sizes_cities_by_volume_and_marks_designated_and_member_hubs(session):
    from sim.app.hubmap import map_chart

    result = session.result()
    option = map_chart(result.platforms, result.provinces)
    cities = [s for s in option["series"] if s.get("name") == "hub city"][0]["data"]
    busiest = max(cities, key=lambda c: c["value"][4])
    assert busiest["symbolSize"] == max(c["symbolSize"] for c in cities)
    assert any(c["itemStyle"]["borderColor"] == "#000" for c in cities)  # a member's ring
    designated = [s for s in option["series"] if s.get("name") == "designated hub"][0]
    assert designated["data"]  # coordination designates hubs
    assert "FEU per year" in option["title"][0]["subtext"]


def test_the_subsidy_race_has_a_bar_pair_per_province(session):
    from sim.app.hubmap import subsidy_chart

    option = subsidy_chart(session.result().provinces)
    pays, gains = option["series"]
    assert len(pays["data"]) == len(gains["data"]) == len(option["yAxis"]["data"]) > 3
    assert sum(pays["data"]) == pytest.approx(100, abs=1)
    assert "%" in option["xAxis"]["name"]


def test_load_welfare_funnel_and_difference_follow_the_outcomes(session):
    from sim.app import charts

    result, base = session.snapshot()
    out = result.outcomes
    load = charts.load_chart(out)
    assert [p[1] for p in load["series"][0]["data"]] == pytest.approx(list(out["mean_load_factor"]))
    assert [p[1] for p in load["series"][2]["data"]] == pytest.approx(
        list(1 - out["mean_load_factor"])
    )
    welfare = charts.welfare_chart(out)
    assert len(welfare["series"]) == len(charts.WELFARE) + 1
    assert welfare["series"][-1]["data"] == pytest.approx(list(out["welfare_total"]))
    cost = next(s for s in welfare["series"] if s["name"].endswith("(cost)"))
    assert all(v <= 0 for v in cost["data"])  # costs below zero
    funnel = charts.funnel_chart(out)
    assert funnel["series"][0]["data"][0] == pytest.approx(out["going_abroad"].sum())
    diff = charts.difference_chart(out, base.outcomes)
    rail = [p[1] for p in diff["series"][0]["data"]]
    assert rail == pytest.approx(list(out["rail_volume"] - base.outcomes["rail_volume"]))


def test_the_key_outcomes_are_the_last_quarters(session):
    from sim.app.panels import key_outcomes
    from sim.outcomes import KEY_OUTCOMES

    result, base = session.snapshot()
    table = key_outcomes(result.outcomes, base.outcomes)
    assert list(table["outcome"]) == list(KEY_OUTCOMES)
    last = result.outcomes.iloc[-1]
    assert list(table["value"]) == [float(last[n]) for n in KEY_OUTCOMES]


def test_export_writes_the_directory_sim_run_writes(session, tmp_path):
    from sim.experiments import store

    target = session.export(tmp_path / "out", charts=False)
    manifest = store.read_manifest(target)
    assert manifest["status"] == "complete" and manifest["child_seeds"] == [session.child]
    assert manifest["steps"] == 4 and manifest["base_seed"] == 7
    outcomes = store.read_table(target, "outcomes")
    assert list(outcomes["step"]) == [1, 2, 3, 4]
    for name in ("summary.csv", "scenario.toml", "provinces.parquet", "platforms.parquet"):
        assert (target / name).is_file()


def test_the_page_steps_and_rebuilds_when_a_lever_moves(monkeypatch):
    import ipyvuetify as v
    import solara
    import solara.widgets

    from sim.app.page import Page

    monkeypatch.setenv("SIM_APP_SCENARIO", str(SCENARIO))
    _, rc = solara.render(Page(), handle_error=False)

    def step_shown() -> str:
        shown = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
        return next(h for h in shown if 'id="sim-step"' in h)

    assert 'data-step="0"' in step_shown()
    for _ in range(2):
        rc.find(v.Btn, children=["Step"]).widget.click()
    deadline = time.monotonic() + 30
    while 'data-step="2"' not in step_shown() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 'data-step="2"' in step_shown()
    from solara.components.echarts import EchartsWidget

    shown = rc.find(EchartsWidget).widgets
    assert len(shown) == 6  # the map, the subsidy race, load, funnel, welfare, difference
    assert all(w.option["series"] for w in shown)
    slider = rc.find(v.Slider, label="coordination.joint_cap.rate (share of cost)").widget
    slider.v_model = 0.3
    assert 'data-step="0"' in step_shown()  # a new lever value starts again from quarter 0
    templates = [w.template for w in rc.find(v.VuetifyTemplate).widgets]
    markdown = " ".join(getattr(t, "template", t) or "" for t in templates)
    assert "policy.coordination.joint_cap.rate=0.3" in markdown
