"""``sim compare`` through typer's CliRunner and the console script, and its charts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from sim.analysis.compare import paired_differences
from sim.cli.app import app
from sim.cli.compare import unique_labels
from sim.experiments.experiment import child_seeds
from sim.outcomes import KEY_OUTCOMES, OUTCOMES
from sim.plots.compare import plot_differences, plot_scenarios_over_time, scenario_stats
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "baseline.toml"
OTHERS = [SCENARIOS / "coordination.toml", SCENARIOS / "subsidy_design.toml"]
NAMES = ["baseline", "coordination", "subsidy_design"]
# Six steps, so that the final window (the last four steps) differs from the whole run.
SMALL = ["--steps", "6", "-r", "3", "--set", "run.enterprises=200", "--no-charts"]
GROUPS = {o.group for o in OUTCOMES.values()}

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, ["compare", *(str(a) for a in args)])


def compare_into(out: Path, *args: str | Path):
    # the base given again, once by another spelling of its path: both repeats are dropped
    again = SCENARIOS / ".." / "scenarios" / "baseline.toml"
    result = invoke(BASE, OTHERS[0], BASE, again, OTHERS[1], *SMALL, *args, "--out", out)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """One small comparison of three scenarios, shared by the tests that read its output."""
    out = tmp_path_factory.mktemp("compare") / "out"
    return out, compare_into(out)


def test_help():
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Usage" in result.output and "--window" in result.output


def test_writes_every_file_and_no_charts(small):
    out, _ = small
    for name in ("outcomes.parquet", "comparison.csv", "summary.csv", "manifest.json"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == [f"{n}.toml" for n in NAMES]
    assert load_scenario(out / "scenarios" / "coordination.toml").name == "coordination"
    assert not (out / "charts").exists()
    assert not list(out.rglob(".*"))  # no temporary files left


def test_duplicates_of_the_base_are_dropped(small):
    out, _ = small
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(dict.fromkeys(outcomes["scenario"])) == NAMES
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["label"] for s in manifest["scenarios"]] == NAMES


def test_every_scenario_runs_with_the_same_seeds(small):
    out, _ = small
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(outcomes.columns[:4]) == ["scenario", "replication", "seed", "step"]
    assert len(outcomes) == len(NAMES) * 3 * 6
    seeds = outcomes.groupby("scenario")["seed"].apply(lambda s: sorted(set(s)))
    assert all(s == sorted(child_seeds(20260101, 3)) for s in seeds)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["child_seeds"] == child_seeds(20260101, 3)
    assert manifest["base"] == "baseline" and manifest["base_seed"] == 20260101
    assert manifest["overrides"] == ["run.enterprises=200", "run.steps=6"]
    assert {"mesa", "numpy", "pandas"} <= set(manifest["packages"])
    first = manifest["scenarios"][1]
    assert first["scenario_file_resolved"] == str(OTHERS[0].resolve())
    assert first["resolved_scenario"]["run"]["enterprises"] == 200


def test_comparison_has_a_row_per_scenario_outcome_and_window(small):
    out, _ = small
    comparison = pd.read_csv(out / "comparison.csv")
    keys = comparison[["scenario", "outcome", "window"]]
    assert not keys.duplicated().any()
    assert len(keys) == len(NAMES) * len(OUTCOMES) * 2
    assert set(comparison["window"]) == {"final", "run"}
    assert set(comparison["outcome"]) == set(OUTCOMES)


def test_the_base_differs_from_itself_by_exactly_zero(small):
    out, _ = small
    comparison = pd.read_csv(out / "comparison.csv")
    base = comparison[comparison["scenario"] == "baseline"]
    for column in ("diff", "diff_low", "diff_high"):
        assert (base[column] == 0.0).all(), column
    assert (base["direction"] == 0).all()


@pytest.mark.parametrize("window", ["final", "run"])
def test_paired_difference_is_the_mean_of_differences_by_hand(small, window):
    out, _ = small
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    comparison = pd.read_csv(out / "comparison.csv").set_index(["window", "scenario", "outcome"])
    steps = range(3, 7) if window == "final" else range(1, 7)  # last four of six steps
    chosen = outcomes[outcomes["step"].isin(steps)]
    for name in ("rail_volume", "mean_load_factor", "welfare_total"):
        by_hand = chosen.pivot_table(index="replication", columns="scenario", values=name)
        for scenario in NAMES[1:]:
            differences = by_hand[scenario] - by_hand["baseline"]
            row = comparison.loc[(window, scenario, name)]
            # summed in another order: rounding is relative to the values, not their difference
            scale = float(by_hand.abs().to_numpy().max())
            np.testing.assert_allclose(
                row["diff"], differences.mean(), rtol=1e-12, atol=1e-12 * scale
            )
            np.testing.assert_allclose(row["mean"], by_hand[scenario].mean(), rtol=1e-12)


def test_prints_a_table_per_key_outcome_and_the_directory(small):
    out, result = small
    for name in KEY_OUTCOMES:
        assert f"{name} ({OUTCOMES[name].unit})" in result.stdout
    assert "mean over the last 4 steps (steps 3-6)" in result.stdout
    assert "difference from baseline [95% CI]" in result.stdout
    assert "Cohen's d" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"Wrote {out}"


def test_workers_do_not_change_results(small, tmp_path):
    out, _ = small
    compare_into(tmp_path / "w2", "--workers", "2")
    for name in ("outcomes.parquet", "comparison.csv", "summary.csv"):
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        one, two = read(out / name), read(tmp_path / "w2" / name)
        pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_outcomes_and_window_choose_what_is_printed(tmp_path):
    result = invoke(
        BASE, OTHERS[0], *SMALL, "--outcomes", "hhi, exports", "--window", "run", "-o", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert "hhi (index 0-1)" in result.stdout and "exports (FEU per quarter)" in result.stdout
    assert "rail_volume (" not in result.stdout
    assert "the mean over every step (steps 1-6)" in result.stdout


def test_a_bad_scenario_stops_everything(tmp_path, monkeypatch):
    import sim.experiments.runners

    def never(*args, **kwargs):
        raise AssertionError("nothing may run")

    monkeypatch.setattr(sim.experiments.runners, "run_replications", never)
    (tmp_path / "bad.toml").write_text('extends = "baseline.toml"\n[run]\nstepz = 4\n')
    (tmp_path / "baseline.toml").write_text(BASE.read_text())
    (tmp_path / "worse.toml").write_text("[run\n")
    out = tmp_path / "out"
    result = invoke(BASE, OTHERS[0], tmp_path / "bad.toml", tmp_path / "worse.toml", "-o", out)
    assert result.exit_code == 2
    assert "run.stepz" in result.stderr and "Did you mean 'steps'" in result.stderr
    assert "worse.toml" in result.stderr and "malformed TOML" in result.stderr  # every problem
    assert "Traceback" not in result.output
    assert not out.exists()


BAD_ARGS = {
    "unknown outcome": (["--outcomes", "rail_volum"], ["rail_volum", "Did you mean 'rail_volume'"]),
    "bad --set": (["--set", "run.stepz=4"], ["run.stepz", "Did you mean 'steps'"]),
    "missing file": ([SCENARIOS / "absent.toml"], ["absent.toml: scenario file not found"]),
}


@pytest.mark.parametrize("args, expected", BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_bad_arguments(tmp_path, args, expected):
    result = invoke(BASE, OTHERS[0], *args, "--out", tmp_path / "out")
    assert result.exit_code == 2
    for text in expected:
        assert text in result.stderr
    assert result.stderr.count("error:") == 1  # a bad --set is reported once, not per file
    assert not (tmp_path / "out").exists()


def test_only_the_base_is_nothing_to_compare(tmp_path):
    result = invoke(BASE, BASE, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "nothing to compare" in result.stderr
    assert not (tmp_path / "out").exists()


def test_non_empty_out_is_refused_before_running(tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = invoke(BASE, OTHERS[0], *SMALL, "--out", tmp_path)
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_same_names_get_distinct_labels(tmp_path):
    assert unique_labels([("a", "x"), ("a", "y"), ("a", "y"), ("b", "z"), ("y", "w")]) == [
        "a",
        "y",
        "y-2",
        "b",
        "w",
    ]
    copy = tmp_path / "again.toml"
    copy.write_text(BASE.read_text())  # a second file named "baseline"
    result = invoke(BASE, copy, *SMALL, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    outcomes = pd.read_parquet(tmp_path / "out" / "outcomes.parquet")
    assert list(dict.fromkeys(outcomes["scenario"])) == ["baseline", "again"]
    comparison = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert (comparison["diff"] == 0).all()  # the same scenario with the same seeds


def test_console_script(tmp_path):
    script = Path(sys.executable).parent / "sim"
    out = tmp_path / "out"
    args = ["compare", BASE, OTHERS[0], "--steps", "2", "-r", "2", "--set", "run.enterprises=200"]
    done = subprocess.run(
        [script, *args, "--no-charts", "--out", out],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"Wrote {out}")
    assert (out / "comparison.csv").is_file()


def toy_outcomes() -> pd.DataFrame:
    rows = []
    for scenario, shift in (("base", 0.0), ("up", 2.0), ("same", 0.0)):
        for replication in range(3):
            for step in (1, 2):
                value = 10.0 + replication + step + shift * step
                rows.append((scenario, replication, step, value))
    return pd.DataFrame(rows, columns=["scenario", "replication", "step", "rail_volume"])


def test_plot_scenarios_over_time_draws_a_line_per_scenario():
    stats = scenario_stats(toy_outcomes())
    ax = Figure().subplots()
    assert plot_scenarios_over_time(stats, "rail_volume", ax=ax) is ax
    assert [line.get_label() for line in ax.lines] == ["base", "up", "same"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [14.0, 17.0])
    assert ax.get_ylabel() == OUTCOMES["rail_volume"].unit


def test_plot_differences_marks_each_scenario():
    outcomes = toy_outcomes()
    runs = {name: table for name, table in outcomes.groupby("scenario", sort=False)}
    table = paired_differences(runs, "base", outcomes=["rail_volume"], window="run")
    ax = Figure().subplots()
    assert plot_differences(table, "rail_volume", base="base", ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["up", "same"]
    markers = [line.get_marker() for line in ax.lines if line.get_marker() != "None"]
    assert markers == ["^", "o"]  # "up" is above zero; "same" spans it
    assert ax.get_xlabel() == f"difference ({OUTCOMES['rail_volume'].unit})"


@pytest.mark.slow
def test_charts_are_drawn(tmp_path):
    args = [arg for arg in SMALL if arg != "--no-charts"]
    result = invoke(BASE, *OTHERS, *args, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    pngs = {p.stem: p for p in (tmp_path / "charts").glob("*.png")}
    assert set(pngs) == GROUPS | {"difference_from_base"}
    for path in pngs.values():
        assert path.stat().st_size > 10_000, path
