"""The ``sim`` command line through typer's CliRunner, and the output layer it writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from sim.analysis.summary import interval, over_time, summary_table
from sim.cli.app import COMMANDS, app
from sim.experiments.experiment import run
from sim.outcomes import KEY_OUTCOMES, OUTCOMES
from sim.plots.model import MODEL_CHARTS
from sim.plots.over_time import plot_over_time
from sim.scenario.json_schema import scenario_json_schema
from sim.scenario.loading import load_scenario, validate
from sim.scenario.params import parameter_table
from sim.scenario.paths import get_path
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
COORDINATION = ROOT / "scenarios" / "coordination.toml"
TINY = ["--steps", "4", "--replications", "2", "--set", "run.enterprises=200"]
GROUPS = {o.group for o in OUTCOMES.values()}
CHARTS = GROUPS | set(MODEL_CHARTS)  # what sim run and sim plot draw

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One small run with charts and CSV copies, shared by the tests that read its output."""
    out = tmp_path_factory.mktemp("run") / "out"
    result = invoke("run", COORDINATION, *TINY, "--out", out, "--csv")
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["params"], ["plot"]])
def test_help(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("sim ")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_flags_as_bare_switches(command):
    args = [command, "--help"] if command else ["--help"]
    result = runner.invoke(app, args, terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output and "BOOLEAN" not in result.output.upper()
    assert re.search(r"--help +Show this message", result.output)
    if command == "run":  # flags stand bare; options that take a value keep their type
        assert re.search(r"--force +Replace --out", result.output)
        assert re.search(r"--charts +--no-charts +Draw the charts", result.output)
        assert re.search(r"--replications +-r +<int range>", result.output)


def test_run_writes_every_file(good_run):
    out, _ = good_run
    for name in ("outcomes", "provinces", "platforms"):
        assert (out / f"{name}.parquet").is_file()
        assert (out / f"{name}.csv").is_file()
    for name in ("summary.csv", "scenario.toml", "manifest.json"):
        assert (out / name).is_file()
    assert {p.stem for p in (out / "charts").glob("*.png")} == CHARTS
    assert not list((out / "charts").glob("*.svg"))  # SVG only with --svg
    assert not list(out.glob(".*"))  # no temporary files left


def test_run_prints_the_key_outcomes_and_the_directory(good_run):
    out, result = good_run
    for name in KEY_OUTCOMES:
        assert name in result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"Wrote {out}"


def test_outcomes_are_tidy_and_summary_has_every_outcome(good_run):
    out, _ = good_run
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(outcomes.columns[:3]) == ["replication", "seed", "step"]
    assert len(outcomes) == 2 * 4
    summary = pd.read_csv(out / "summary.csv", index_col="outcome")
    assert set(KEY_OUTCOMES) <= set(summary.index)
    assert [name for name in summary.index if name in OUTCOMES] == list(OUTCOMES)
    assert summary.loc["rail_volume", "unit"] == OUTCOMES["rail_volume"].unit
    assert (summary["final_n"] == 2).all()
    ok = summary["final_std"] > 0
    assert (summary.loc[ok, "final_low"] < summary.loc[ok, "final_mean"]).all()


def test_manifest_reproduces_replication_zero(good_run):
    out, _ = good_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 2 and len(manifest["child_seeds"]) == 2
    assert manifest["base_seed"] == 20260101 and manifest["steps"] == 4
    assert manifest["overrides"] == ["run.enterprises=200", "run.steps=4"]
    assert {"mesa", "numpy", "pandas", "pydantic", "pyarrow", "matplotlib", "typer"} <= set(
        manifest["packages"]
    )
    scenario = load_scenario(out / "scenario.toml")
    assert scenario == validate(manifest["resolved_scenario"])
    again = run(scenario, seed=manifest["child_seeds"][0]).outcomes
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    first = outcomes[outcomes["replication"] == 0].drop(columns=["replication", "seed"])
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again, check_exact=True)


def test_plot_redraws_the_charts(good_run):
    out, _ = good_run
    for png in (out / "charts").glob("*.png"):
        png.unlink()
    result = invoke("plot", out)
    assert result.exit_code == 0, result.output
    assert {p.stem for p in (out / "charts").glob("*.png")} == CHARTS


def test_plot_of_a_directory_that_is_not_a_run(tmp_path):
    result = invoke("plot", tmp_path)
    assert result.exit_code == 2
    assert "manifest.json" in result.stderr


def test_workers_do_not_change_results(tmp_path):
    args = [COORDINATION, *TINY, "--replications", "3", "--no-charts"]
    for workers in (1, 2):
        result = invoke("run", *args, "--workers", workers, "--out", tmp_path / f"w{workers}")
        assert result.exit_code == 0, result.output
    for name in ("outcomes", "provinces", "platforms"):
        one = pd.read_parquet(tmp_path / "w1" / f"{name}.parquet")
        two = pd.read_parquet(tmp_path / "w2" / f"{name}.parquet")
        pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_default_out_dir_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", COORDINATION, *TINY, "--replications", "1", "--no-charts")
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "runs").iterdir()
    assert made.name.startswith("coordination-")
    assert (made / "manifest.json").is_file()


def test_existing_out_is_refused_before_running_and_kept(tmp_path):
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    result = invoke("run", COORDINATION, *TINY, "--out", tmp_path)
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    assert keep.read_text() == "precious"
    forced = invoke("run", COORDINATION, *TINY, "--out", tmp_path, "--force", "--no-charts")
    assert forced.exit_code == 2  # --force replaces only an output directory of sim
    assert "no manifest.json" in forced.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_force_replaces_the_whole_directory(tmp_path):
    out = tmp_path / "out"
    first = invoke("run", COORDINATION, *TINY, "--out", out, "--csv", "--no-charts")
    assert first.exit_code == 0, first.output
    assert (out / "outcomes.csv").is_file()
    again = invoke(
        "run", COORDINATION, *TINY, "--replications", "1", "--out", out, "--force", "--no-charts"
    )
    assert again.exit_code == 0, again.output
    assert not (out / "outcomes.csv").exists()  # no stale table of the earlier run
    assert json.loads((out / "manifest.json").read_text())["replications"] == 1
    assert pd.read_parquet(out / "outcomes.parquet")["replication"].unique().tolist() == [0]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging directory left


BAD_FILES = {
    "unknown key": ({"s.toml": "[run]\nstepz = 4\n"}, ["run.stepz", "Did you mean 'steps'"]),
    "wrong type": (
        {"s.toml": '[freight]\ntrain_slots = "many"\n'},
        ["freight.train_slots", "valid integer"],
    ),
    "out of range": (
        {"s.toml": "[policy.finance]\ninsurance_cover = 1.5\n"},
        ["policy.finance.insurance_cover", "less than or equal to 1"],
    ),
    "unknown province": (
        {"s.toml": '[run]\nprovinces = ["Sichuan", "Sichaun"]\n'},
        ["unknown province 'Sichaun'", "Did you mean 'Sichuan'"],
    ),
    "missing extends": ({"s.toml": 'extends = "nope.toml"\n'}, ["nope.toml", "not found"]),
    "cyclic extends": (
        {"s.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "s.toml"\n'},
        ["cyclic 'extends'"],
    ),
    "malformed toml": ({"s.toml": "[run\nsteps = 4\n"}, ["malformed TOML", "line 1, column 5"]),
}


@pytest.mark.parametrize("files, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_scenario_files(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for command in (["run", *TINY, "--out", tmp_path / "out"], ["validate"]):
        result = invoke(command[0], tmp_path / "s.toml", *command[1:])
        assert result.exit_code == 2
        for text in expected:
            assert text in result.stderr
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


BAD_ARGS = {
    "bad --set path": (["--set", "run.stepz=4"], ["run.stepz", "Did you mean 'steps'"]),
    "--set without =": (["--set", "run.steps"], ["expected PATH=VALUE"]),
    "bad --set value": (["--set", "run.enterprises=few"], ["run.enterprises", "valid integer"]),
    "--steps out of range": (["--steps", "0"], ["run.steps", "greater than or equal to 1"]),
}


@pytest.mark.parametrize("args, expected", BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_bad_arguments(tmp_path, args, expected):
    result = invoke("run", COORDINATION, *args, "--out", tmp_path / "out")
    assert result.exit_code == 2
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_scenario_file(tmp_path):
    result = invoke("run", tmp_path / "absent.toml")
    assert result.exit_code == 2
    assert "absent.toml: scenario file not found" in result.stderr
    assert "Traceback" not in result.output


def test_out_that_is_a_file(tmp_path):
    (tmp_path / "taken").write_text("")
    result = invoke("run", COORDINATION, *TINY, "--out", tmp_path / "taken")
    assert result.exit_code == 2
    assert "taken" in result.output


def test_validate_reports_each_file(tmp_path):
    (tmp_path / "bad.toml").write_text("[run]\nsteps = 0\n")
    good = sorted((ROOT / "scenarios").glob("*.toml"))
    result = invoke("validate", *good)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok  ") == len(good)
    assert f"ok  {COORDINATION}  (coordination)" in result.stdout
    mixed = invoke("validate", COORDINATION, tmp_path / "bad.toml")
    assert mixed.exit_code == 2
    assert "ok  " in mixed.stdout and "run.steps" in mixed.stderr


def test_validate_notes_a_list_that_replaces_the_parent_s(tmp_path):
    # extends merges tables, but a list replaces the parent's whole: validate says so
    (tmp_path / "parent.toml").write_text(
        'name = "p"\n[[events]]\nstep = 2\nkind = "crisis"\ncountries = ["Laos"]\nduration = 2\n'
        '[[events]]\nstep = 3\nkind = "crisis"\ncountries = ["Laos"]\nduration = 2\n'
    )
    (tmp_path / "child.toml").write_text(
        'extends = "parent.toml"\nname = "c"\n'
        '[[events]]\nstep = 5\nkind = "crisis"\ncountries = ["Laos"]\nduration = 1\n'
    )
    (tmp_path / "same.toml").write_text('extends = "parent.toml"\nname = "s"\n')
    result = invoke("validate", tmp_path / "child.toml", tmp_path / "same.toml")
    assert result.exit_code == 0, result.output
    assert "note: events: this file's list (1 items) replaces the 2 it extends" in result.stdout
    assert result.stdout.count("note:") == 1  # the file that inherits its list: no note


def test_params_table_and_markdown():
    table = invoke("params")
    assert table.exit_code == 0
    assert "policy.finance.insurance_cover" in table.stdout
    markdown = invoke("params", "--format", "markdown")
    assert markdown.exit_code == 0
    lines = markdown.stdout.splitlines()
    assert lines[0].startswith("| path | type | default | unit | range | source | description")
    (row,) = [line for line in lines if line.startswith("| `policy.finance.insurance_cover` |")]
    assert "| float | `0.6` | share | [0, 1] |" in row


def test_params_json_schema_parses():
    result = invoke("params", "--format", "json-schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == scenario_json_schema()
    assert invoke("params", "--format", "yaml").exit_code == 2


def test_parameter_table_matches_the_schema_defaults():
    table = parameter_table().set_index("path")
    defaults = Scenario()
    for path, row in table.iterrows():
        if not path.startswith("events[]"):
            assert get_path(defaults, path) == row["default"], path
    sector = table.loc["freight.sectors.electronics.value_of_time"]
    assert (sector["unit"], sector["range"]) == ("USD per FEU-day", "[0, 100000]")
    assert table.loc["run.steps", "range"] == "[1, 400]"
    assert table.loc["freight.rail_cost", "range"] == "[1, 100000]"
    assert table.loc["partners.friction", "range"] == "each in [0, 3]; 5 items"
    assert table.loc["policy.subsidy.basis", "range"] == "per_train, per_container"
    assert table.loc["events[].step", "required"]
    assert (table["description"] != "").all()


def test_interval_known_answer_and_single_value():
    low, high = interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 / np.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd = 1
    np.testing.assert_allclose([low, high], [2 - half, 2 + half])
    assert all(np.isnan(interval([5.0])))
    assert all(np.isnan(interval([])))


def test_summaries_of_one_replication_have_nan_bounds():
    volume = [1.0, 2.0, 6.0, 3.0, 4.0]
    df = pd.DataFrame({"replication": 0, "seed": 1, "step": range(1, 6), "rail_volume": volume})
    table = summary_table(df)
    assert table.loc["rail_volume", "final_mean"] == (2 + 6 + 3 + 4) / 4  # the final year
    assert table.loc["rail_volume", "run_mean_mean"] == 16 / 5
    assert np.isnan(table.loc["rail_volume", "final_low"])
    short = summary_table(df[df["step"] <= 3])  # shorter than a year: all its steps
    assert short.loc["rail_volume", "final_mean"] == 3.0
    stats = over_time(df)
    assert list(stats.columns) == ["step", "outcome", "mean", "std", "low", "high", "n"]
    assert stats["n"].tolist() == [1] * 5


def test_plot_over_time_draws_on_the_given_axes():
    df = pd.DataFrame(
        {
            "replication": [0, 0, 1, 1],
            "step": [1, 2, 1, 2],
            "rail_volume": [1.0, 2.0, 3.0, 4.0],
            "sea_volume": [5.0, 5.0, 6.0, 7.0],
        }
    )
    ax = Figure().subplots()
    assert plot_over_time(over_time(df), "rail_volume", ax=ax) is ax
    assert ax.get_ylabel() == OUTCOMES["rail_volume"].unit
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [2.0, 3.0])
    both = plot_over_time(over_time(df), ["rail_volume", "sea_volume"], ax=Figure().subplots())
    assert len(both.lines) == 2 and both.get_legend() is not None


def test_console_script_and_python_dash_m(tmp_path):
    script = Path(sys.executable).parent / "sim"
    out = tmp_path / "out"
    done = subprocess.run(
        [script, "run", COORDINATION, "--steps", "2", "-r", "1", "--out", out, "--no-charts"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"Wrote {out}")
    assert (out / "outcomes.parquet").is_file()
    module = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, check=False
    )
    assert module.returncode == 0 and "validate" in module.stdout
