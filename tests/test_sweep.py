"""Sweeps: spec checks, designs, seeds, backends, failures, interruption and resume."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from sim.cli.app import app
from sim.cli.sweep import parse_param
from sim.experiments import store
from sim.experiments.runners import ProcessPoolBackend, SequentialBackend
from sim.experiments.sweep import (
    SweepError,
    make_design,
    plan_sweep,
    read_design,
    read_results,
    run_seed,
    run_sweep,
)
from sim.experiments.sweep.plan import FINAL_WINDOW, ID_COLUMNS
from sim.plots.sweep import plot_heatmap, plot_morris, plot_sobol
from sim.scenario.loading import ScenarioError, dump_scenario, load_scenario, validate
from sim.scenario.parameters import Parameter

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SIM = Path(sys.executable).with_name("sim")  # the console script of this environment
SMALL = ["run.enterprises=200", "run.steps=6"]
OUTCOMES = ["welfare_total", "mean_load_factor", "rail_volume"]
runner = CliRunner()


def scenario_with(sweep: dict, *overrides: str):
    base = load_scenario(BASELINE, [*SMALL, *overrides])
    return validate({**dump_scenario(base), "sweep": sweep}, origin="test")


def small_plan(method: str = "grid", **spec):
    params = spec.pop(
        "params",
        {"strategy.rank_weight": {"low": 0, "high": 600}, "freight.logit_scale": [300, 900]},
    )
    sweep = {"method": method, "outcomes": OUTCOMES, "params": params, **spec}
    return plan_sweep(scenario_with(sweep), seed=11)


def stable(df: pd.DataFrame) -> pd.DataFrame:
    """A results table without wall times, sorted by run id."""
    return df.drop(columns="wall_seconds").sort_values("run_id", ignore_index=True)


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


# --- the [sweep] table and its checks ---------------------------------------------------


def test_a_sweep_table_in_a_scenario_file_validates_and_round_trips(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        f'extends = "{BASELINE}"\n'
        "[sweep]\n"
        'method = "lhs"\nsamples = 6\nreplications = 2\noutcomes = ["welfare_total"]\n'
        "[sweep.params]\n"
        "strategy.rank_weight = { low = 0, high = 600 }\n"  # nested TOML keys
        '"freight.logit_scale" = "300:900"\n'  # a quoted path and a LO:HI string
        'policy.subsidy.basis = ["per_train", "per_container"]\n'
        "policy.finance.equal_terms = [true, false]\n"
        "run.steps = [6, 8]\n",
        encoding="utf-8",
    )
    s = load_scenario(path)
    params = s.sweep.params
    assert list(params) == [
        "strategy.rank_weight",
        "freight.logit_scale",
        "policy.subsidy.basis",
        "policy.finance.equal_terms",
        "run.steps",
    ]
    assert (params["freight.logit_scale"].low, params["freight.logit_scale"].high) == (300, 900)
    assert params["policy.finance.equal_terms"].values == [True, False]
    assert validate(dump_scenario(s)) == s
    factors = {f.path: f for f in plan_sweep(s, seed=1).factors}
    assert factors["run.steps"].kind == "int" and factors["run.steps"].values == (6, 8)
    assert factors["policy.subsidy.basis"].kind == "choice"


BAD_SPECS = [
    (
        {"strategy.rank_weigh": "0:600"},
        "sweep.params.strategy.rank_weigh: unknown key",
        "rank_weight",
    ),
    (
        {"strategy.rank_weight": "600:0"},
        "sweep.params.strategy.rank_weight",
        "low 600 is above high 0",
    ),
    ({"strategy.rank_weight": "5:5"}, "sweep.params.strategy.rank_weight", "empty range 5:5"),
    ({"strategy.rank_weight": []}, "sweep.params.strategy.rank_weight", "empty list of values"),
    (
        {"strategy.rank_weight": "a:b"},
        "sweep.params.strategy.rank_weight",
        "bounds must be numbers",
    ),
    (
        {"strategy.rank_weight": ["x", 3]},
        "sweep.params.strategy.rank_weight",
        "'x' is not a number",
    ),
    (
        {"strategy.fiscal_weight": "0:2"},
        "sweep.params.strategy.fiscal_weight",
        "allowed range [0, 1]",
    ),
    ({"freight.rail_cost": [0, 100]}, "sweep.params.freight.rail_cost", "[1, 100000]"),
    ({"run.steps": "1.5:4"}, "sweep.params.run.steps", "whole-number bounds"),
    ({"policy.subsidy.basis": "0:1"}, "sweep.params.policy.subsidy.basis", "not a range"),
    ({"policy.subsidy.basis": ["per_box"]}, "sweep.params.policy.subsidy.basis", "per_container"),
    ({"policy.finance.equal_terms": [1, 0]}, "equal_terms", "is not true or false"),
    ({"run.provinces": ["Sichuan", "Henan"]}, "sweep.params.run.provinces", "cannot be swept"),
    ({"strategy": "0:1"}, "sweep.params.strategy", "not a parameter"),
    ({"strategy.herding": [0.1, 0.1]}, "sweep.params.strategy.herding", "values repeat"),
]


@pytest.mark.parametrize(("params", "where", "what"), BAD_SPECS)
def test_bad_sweep_params_get_clear_errors(params, where, what):
    with pytest.raises(ScenarioError) as err:
        scenario_with({"params": params})
    assert where in str(err.value)
    assert what in str(err.value)


@pytest.mark.parametrize(
    ("sweep", "what"),
    [
        ({"method": "sobol", "samples": 100}, "power of 2 (got 100; try 64 or 128)"),
        ({"method": "design"}, "needs a design CSV"),
        ({"method": "grid", "design": "x.csv"}, "only read with method 'design'"),
        ({"method": "grid", "samples": 1}, "at least 2"),
        ({"outcomes": ["welfare"]}, "unknown outcome 'welfare'. Did you mean 'welfare_total'?"),
        ({"method": "magic"}, "sweep.method"),
        ({"replications": 0}, "sweep.replications"),
    ],
)
def test_bad_sweep_settings_get_clear_errors(sweep, what):
    with pytest.raises(ScenarioError, match=None) as err:
        scenario_with({"params": {"strategy.herding": "0:0.2"}} | sweep)
    assert what in str(err.value)


def test_a_sweep_needs_parameters():
    with pytest.raises(SweepError, match="no parameters to sweep"):
        plan_sweep(scenario_with({}), seed=1)


def test_parse_param():
    assert parse_param("a.b=1:2.5") == ("a.b", {"low": 1, "high": 2.5})
    assert parse_param("a.b = [1, 2]") == ("a.b", {"values": [1, 2]})
    assert parse_param("a.b=[per_train, per_container]") == (
        "a.b",
        {"values": ["per_train", "per_container"]},
    )
    for bad in ("a.b", "a.b=", "=1:2", "a.b=5"):
        with pytest.raises(ScenarioError, match="--param"):
            parse_param(bad)


# --- designs ------------------------------------------------------------------------------

RANGE = Parameter("freight.logit_scale", "float", low=300.0, high=900.0)
INT = Parameter("run.steps", "int", low=4.0, high=8.0)
CHOICE = Parameter("policy.subsidy.basis", "choice", values=("per_train", "per_container"))


def check_bounds(table: pd.DataFrame) -> None:
    assert table[RANGE.path].between(300.0, 900.0).all()
    assert table[INT.path].isin(range(4, 9)).all()
    assert table[CHOICE.path].isin(CHOICE.values).all()
    assert table["point"].tolist() == list(range(len(table)))


def test_grid_design_is_the_full_product():
    design = make_design([RANGE, INT, CHOICE], "grid", samples=3, seed=1)
    assert design.points == 3 * 3 * 2
    check_bounds(design.table)
    assert sorted(design.table[RANGE.path].unique()) == [300.0, 600.0, 900.0]
    assert sorted(design.table[INT.path].unique()) == [4, 6, 8]
    combos = set(design.table[[RANGE.path, INT.path, CHOICE.path]].itertuples(index=False))
    assert combos == set(product([300.0, 600.0, 900.0], [4, 6, 8], CHOICE.values))


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_random_and_lhs_designs_have_n_points_within_bounds(method):
    design = make_design([RANGE, INT, CHOICE], method, samples=40, seed=1)
    assert design.points == 40 and design.sample.shape == (40, 3)
    check_bounds(design.table)
    assert set(design.table[INT.path]) == set(range(4, 9))  # every integer is reachable
    assert set(design.table[CHOICE.path]) == set(CHOICE.values)


def test_lhs_design_hits_every_stratum_once():
    design = make_design(
        [RANGE, Parameter("x", "float", low=0.0, high=1.0)], "lhs", samples=20, seed=2
    )
    for j, (low, high) in enumerate(design.problem["bounds"]):
        strata = np.floor((design.sample[:, j] - low) / (high - low) * 20)
        assert sorted(strata) == list(range(20))


@pytest.mark.parametrize(("second_order", "per_base"), [(False, 3 + 2), (True, 2 * 3 + 2)])
def test_sobol_design_has_the_saltelli_size(second_order, per_base):
    design = make_design(
        [RANGE, INT, CHOICE], "sobol", samples=16, seed=1, second_order=second_order
    )
    assert design.points == 16 * per_base
    check_bounds(design.table)


def test_morris_design_has_n_trajectories_on_the_level_grid():
    design = make_design([RANGE, INT, CHOICE], "morris", samples=10, seed=1, levels=4)
    assert design.points == 10 * (3 + 1)
    check_bounds(design.table)
    assert set(design.table[RANGE.path]) <= {300.0, 500.0, 700.0, 900.0}


def test_designs_repeat_for_a_seed_and_differ_between_seeds():
    a = make_design([RANGE, INT], "lhs", samples=8, seed=1).table
    b = make_design([RANGE, INT], "lhs", samples=8, seed=1).table
    c = make_design([RANGE, INT], "lhs", samples=8, seed=2).table
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_design_csv_is_read_and_checked(tmp_path):
    s = scenario_with({})
    good = tmp_path / "good.csv"
    good.write_text(
        "point,strategy.herding,policy.subsidy.basis\n0,0.1,per_train\n1,0.2,per_container\n"
    )
    factors, design = read_design(good, s)
    assert [f.path for f in factors] == ["strategy.herding", "policy.subsidy.basis"]
    assert design.table["strategy.herding"].tolist() == [0.1, 0.2]
    bad = tmp_path / "bad.csv"
    bad.write_text("strategy.herdin,strategy.fiscal_weight,run.steps\n0.1,2.0,4\n0.2,0.5,\n")
    with pytest.raises(SweepError) as err:
        read_design(bad, s)
    text = str(err.value)
    assert "column 'strategy.herdin'" in text and "herding" in text
    assert "column 'strategy.fiscal_weight': value 2.0 is outside the allowed range [0, 1]" in text
    assert "column 'run.steps': empty cell on line 3" in text
    with pytest.raises(SweepError, match="file not found"):
        read_design(tmp_path / "missing.csv", s)


# --- seeds and tasks -------------------------------------------------------------------------


def test_run_seeds_are_spawned_children_of_the_base_seed():
    points, reps = 5, 3
    tree = [point.spawn(reps) for point in np.random.SeedSequence(42).spawn(points)]
    for i, r in product(range(points), range(reps)):
        child = tree[i][r]
        expected = int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        assert run_seed(42, i, r) == expected
    seeds = {run_seed(42, i, r) for i, r in product(range(50), range(4))}
    assert len(seeds) == 200


def test_tasks_have_stable_ids_seeds_and_values():
    plan = small_plan("grid", samples=2, replications=3)
    tasks = list(plan.tasks())
    assert [t.run_id for t in tasks] == list(range(plan.runs)) and plan.runs == 4 * 3
    assert [(t.point, t.replication) for t in tasks] == list(product(range(4), range(3)))
    assert all(t.seed == run_seed(plan.seed, t.point, t.replication) for t in tasks)
    assert dict(tasks[-1].values) == {"strategy.rank_weight": 600.0, "freight.logit_scale": 900}
    assert [t.run_id for t in plan.tasks(skip={0, 5, 11})] == [1, 2, 3, 4, 6, 7, 8, 9, 10]


# --- running, backends, failures, resume ------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A small uninterrupted sweep, in-process: the dataset other runs must reproduce."""
    plan = small_plan("grid", samples=2, replications=2)
    out = tmp_path_factory.mktemp("sweep") / "ref"
    with SequentialBackend() as backend:
        summary = run_sweep(plan, out, backend=backend, batch_size=3)
    return plan, out, summary


def test_a_sweep_writes_one_row_per_run_with_its_point_seed_and_outcomes(reference):
    plan, out, summary = reference
    assert (summary.status, summary.done, summary.failures) == ("complete", 8, 0)
    assert summary.parts == 3  # batches of 3, 3 and 2 runs
    df = read_results(out)
    assert df["run_id"].tolist() == list(range(8))
    assert list(df.columns[:4]) == list(ID_COLUMNS)
    design = pd.read_csv(out / "design.csv")
    merged = df.merge(design, on="point", suffixes=("", "_design"))
    for path in ("strategy.rank_weight", "freight.logit_scale"):
        assert (merged[path] == merged[f"{path}_design"]).all()
    assert all(
        df["seed"]
        == [run_seed(plan.seed, p, r) for p, r in zip(df.point, df.replication, strict=True)]
    )
    for o in OUTCOMES:
        assert df[f"{o}.final"].notna().all() and df[f"{o}.mean"].notna().all()
    assert (df["status"] == "ok").all() and df["error"].isna().all()
    manifest = store.read_manifest(out)
    assert manifest["status"] == "complete" and manifest["runs"] == 8
    assert manifest["sweep"]["seed"] == plan.seed and manifest["fingerprint"] == plan.fingerprint
    assert manifest["packages"]["SALib"] != "not installed"
    assert load_scenario(out / "scenario.toml").sweep.params.keys() == {
        "strategy.rank_weight",
        "freight.logit_scale",
    }


def test_every_column_of_a_part_file_carries_its_unit_and_meaning(reference):
    import pyarrow.parquet as pq

    from sim.outcomes import OUTCOMES as REGISTRY
    from sim.scenario.params import parameter_table

    _, out, _ = reference
    schema = pq.read_schema(next((out / "results").glob("part-*.parquet")))
    meta = {f.name: f.metadata or {} for f in schema}
    assert all(b"description" in m and m[b"description"] for m in meta.values()), [
        name for name, m in meta.items() if not m.get(b"description")
    ]
    params = parameter_table().set_index("path")
    assert meta["freight.logit_scale"][b"unit"].decode() == params.at["freight.logit_scale", "unit"]
    final = meta["rail_volume.final"]
    assert final[b"unit"] == REGISTRY["rail_volume"].unit.encode()
    assert final[b"description"].decode().startswith(REGISTRY["rail_volume"].description)


def test_a_row_reproduces_with_run_and_its_seed(reference):
    from sim.experiments.experiment import run

    plan, out, _ = reference
    row = read_results(out).iloc[5]
    data = dump_scenario(plan.scenario)
    data["strategy"]["rank_weight"] = row["strategy.rank_weight"]
    data["freight"]["logit_scale"] = row["freight.logit_scale"]
    result = run(validate(data), seed=int(row["seed"]))
    welfare = result.outcomes["welfare_total"]
    assert row["welfare_total.final"] == pytest.approx(welfare.tail(4).mean(), rel=1e-12)
    assert row["welfare_total.mean"] == pytest.approx(welfare.mean(), rel=1e-12)


def test_results_are_identical_in_process_and_in_a_two_process_pool(reference):
    plan, out, _ = reference
    with ProcessPoolBackend(
        2, preload=("sim.experiments.runners", "sim.experiments.sweep")
    ) as backend:
        run_sweep(plan, out.with_name("pool"), backend=backend, batch_size=3)
    pd.testing.assert_frame_equal(
        stable(read_results(out)), stable(read_results(out.with_name("pool")))
    )


@pytest.mark.slow
def test_results_are_identical_on_a_dask_local_cluster(reference):
    pytest.importorskip("distributed")
    from sim.experiments.runners import DaskBackend

    plan, out, _ = reference
    with DaskBackend(workers=2) as backend:  # --cluster local
        assert backend.workers == 2
        run_sweep(plan, out.with_name("dask"), backend=backend, batch_size=3)
    pd.testing.assert_frame_equal(
        stable(read_results(out)), stable(read_results(out.with_name("dask")))
    )


@pytest.mark.slow
def test_results_are_identical_on_a_running_dask_scheduler(reference):
    distributed = pytest.importorskip("distributed")
    from sim.experiments.runners import DaskBackend

    plan, out, _ = reference
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
        ) as cluster,
        DaskBackend(cluster.scheduler_address) as backend,  # --scheduler tcp://...
    ):
        assert backend.workers == 2 and backend.address == cluster.scheduler_address
        run_sweep(plan, out.with_name("scheduler"), backend=backend, batch_size=3)
    pd.testing.assert_frame_equal(
        stable(read_results(out)), stable(read_results(out.with_name("scheduler")))
    )


class Breaking(SequentialBackend):
    """Loses its workers (raises) after ``after`` runs."""

    def __init__(self, after: int) -> None:
        self.after = after

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        for i, task in enumerate(tasks):
            if i == self.after:
                raise RuntimeError("a worker was lost")
            yield fn(task)


def test_a_backend_failure_keeps_the_finished_runs(reference, tmp_path):
    plan, ref, _ = reference
    out = tmp_path / "sweep"
    with pytest.raises(RuntimeError, match="worker was lost"):
        run_sweep(plan, out, backend=Breaking(after=3), batch_size=100)
    assert len(read_results(out)) == 3
    assert store.read_manifest(out)["status"] == "failed: RuntimeError: a worker was lost"
    run_sweep(plan, out, backend=SequentialBackend(), resume=True)
    pd.testing.assert_frame_equal(stable(read_results(out)), stable(read_results(ref)))


class Interrupting(SequentialBackend):
    """Raises KeyboardInterrupt (as Ctrl-C would) after ``after`` runs."""

    def __init__(self, after: int) -> None:
        self.after = after

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        for i, task in enumerate(tasks):
            if i == self.after:
                raise KeyboardInterrupt
            yield fn(task)


def test_an_interrupted_sweep_keeps_its_runs_and_resumes_to_the_same_dataset(reference, tmp_path):
    plan, ref, _ = reference
    out = tmp_path / "sweep"
    first = run_sweep(plan, out, backend=Interrupting(after=5), batch_size=2)
    assert (first.status, first.done) == ("interrupted", 5)  # 2 + 2 written, 1 flushed at stop
    assert store.read_manifest(out)["status"] == "interrupted"
    assert sorted(read_results(out)["run_id"]) == [0, 1, 2, 3, 4]
    with pytest.raises(SweepError, match="pass --resume"):
        run_sweep(plan, out, backend=SequentialBackend())
    second = run_sweep(plan, out, backend=SequentialBackend(), resume=True, batch_size=2)
    assert (second.status, second.new_runs, second.done) == ("complete", 3, 8)
    pd.testing.assert_frame_equal(stable(read_results(out)), stable(read_results(ref)))
    sessions = store.read_manifest(out)["sessions"]
    assert [s["status"] for s in sessions] == ["interrupted", "complete"]
    again = run_sweep(plan, out, backend=SequentialBackend(), resume=True)
    assert again.new_runs == 0 and again.parts == 0


def test_resume_refuses_another_sweep_and_cleans_stale_temporary_files(reference, tmp_path):
    plan, _, _ = reference
    out = tmp_path / "sweep"
    run_sweep(plan, out, backend=Interrupting(after=2), batch_size=1)
    stale = out / "results" / ".part-000009.parquet.123.tmp"
    stale.write_bytes(b"half a file")
    other = small_plan("grid", samples=2, replications=3)
    with pytest.raises(
        SweepError, match=r"not the one in the directory \(differs in sweep.replications"
    ):
        run_sweep(other, out, backend=SequentialBackend(), resume=True)
    run_sweep(plan, out, backend=SequentialBackend(), resume=True)
    assert not stale.exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not empty"):
        run_sweep(plan, tmp_path / "busy", backend=SequentialBackend())


def test_a_failing_run_is_recorded_and_the_sweep_completes(tmp_path):
    # a sector share of 0.5 breaks "shares sum to 1": those runs fail validation
    plan = small_plan(
        "grid",
        replications=2,
        params={"freight.sectors.electronics.share": [0.15, 0.5], "strategy.herding": [0.05, 0.1]},
    )
    summary = run_sweep(plan, tmp_path / "s", backend=SequentialBackend())
    assert (summary.status, summary.done, summary.failures) == ("complete", 8, 4)
    df = read_results(tmp_path / "s")
    failed = df[df["status"] == "error"]
    assert (failed["freight.sectors.electronics.share"] == 0.5).all()
    assert failed["error"].str.contains("sector shares must sum to 1").all()
    assert failed["welfare_total.final"].isna().all()
    assert df.loc[df["status"] == "ok", "welfare_total.final"].notna().all()
    assert store.read_manifest(tmp_path / "s")["failures"] == 4


def test_an_error_inside_a_run_is_recorded(tmp_path, monkeypatch):
    import sim.experiments.experiment

    real = sim.experiments.experiment.run
    plan = small_plan("grid", samples=2)

    def flaky(scenario, *, seed):
        if scenario.strategy.rank_weight > 0:
            raise FloatingPointError("overflow in step 3")
        return real(scenario, seed=seed)

    monkeypatch.setattr(sim.experiments.experiment, "run", flaky)
    summary = run_sweep(plan, tmp_path / "s", backend=SequentialBackend())
    df = read_results(tmp_path / "s")
    assert summary.failures == 2 and summary.status == "complete"
    assert set(df.loc[df.status == "error", "error"]) == {"FloatingPointError: overflow in step 3"}


# --- the command line, killed and resumed ------------------------------------------------------

KILL_ARGS = [
    "sweep",
    str(BASELINE),
    "--set",
    "run.enterprises=200",
    "--set",
    "run.steps=8",
    "--param",
    "strategy.rank_weight=0:600",
    "--param",
    "strategy.herding=[0.04,0.08,0.12]",
    "--method",
    "lhs",
    "--samples",
    "64",
    "--replications",
    "3",
    "--outcomes",
    "welfare_total,mean_load_factor",
    "--batch-size",
    "4",
    "--no-report",
]
# Long enough (about 12 s on two workers) that a signal sent once the first parts are
# written still finds the sweep running, even on a loaded machine.
N_RUNS = 64 * 3


def start(out: Path, *extra: str) -> subprocess.Popen:
    """``sim sweep`` in its own process group (as a shell job is), workers included."""
    return subprocess.Popen(
        [str(SIM), *KILL_ARGS, "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_parts(out: Path, proc: subprocess.Popen, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(list((out / "results").glob("part-*.parquet"))) < n:
        assert proc.poll() is None, f"sweep ended before it was stopped: {proc.communicate()}"
        assert time.monotonic() < deadline, "no part files appeared"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "whole"
    result = invoke(*KILL_ARGS, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_to_the_same_dataset(uninterrupted, tmp_path):
    out = tmp_path / "killed"
    proc = start(out, "--workers", "2")
    wait_for_parts(out, proc, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the process and its pool, as an OOM kill would
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    kept = read_results(out)
    assert 12 <= len(kept) < N_RUNS
    assert store.read_manifest(out)["status"] == "running"  # it never got to say otherwise

    result = invoke(*KILL_ARGS, "--out", out, "--workers", "2", "--resume")
    assert result.exit_code == 0, result.output
    resumed, whole = read_results(out), read_results(uninterrupted)
    assert resumed["run_id"].tolist() == list(range(N_RUNS))  # none missing, none repeated
    pd.testing.assert_frame_equal(stable(resumed), stable(whole))
    manifest = store.read_manifest(out)
    assert manifest["status"] == "complete"
    assert manifest["sessions"][-1]["runs_before"] == len(kept)
    assert manifest["sessions"][-1]["runs"] == N_RUNS - len(kept)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeping_finished_runs(uninterrupted, tmp_path):
    out = tmp_path / "stopped"
    proc = start(out, "--workers", "2")
    wait_for_parts(out, proc, 2)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: finished runs are kept" in err and "Traceback" not in err
    manifest = store.read_manifest(out)
    assert manifest["status"] == "interrupted"
    assert manifest["runs_done"] == len(read_results(out))
    result = invoke(*KILL_ARGS, "--out", out, "--workers", "1", "--resume")
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(stable(read_results(out)), stable(read_results(uninterrupted)))


def test_sweep_command_writes_the_report(tmp_path):
    out = tmp_path / "s"
    result = invoke(
        "sweep", BASELINE, "--set", "run.enterprises=200", "--set", "run.steps=6",
        "-p", "strategy.rank_weight=0:600", "-p", "freight.logit_scale=300:900",
        "--method", "sobol", "--samples", "4", "-r", "2", "--workers", "1",
        "--outcomes", "welfare_total,mean_load_factor", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "16 points x 2 replications = 32 runs" in result.output
    assert "Sobol indices" in result.output and "Replication noise" in result.output
    report = out / "report"
    for name in ("points.csv", "noise.csv", "failures.csv", "sobol_indices.csv"):
        assert (report / name).is_file(), name
    for name in ("sobol_indices.png", "heatmap.png"):
        assert (report / name).stat().st_size > 10_000, name
    indices = pd.read_csv(report / "sobol_indices.csv")
    assert len(indices) == 2 * 2 and set(indices["stat"]) == {"final"}
    points = pd.read_csv(report / "points.csv")
    assert len(points) == 16 and (points["n"] == 2).all()

    for name in ("heatmap.png", "sobol_indices.csv"):
        (report / name).unlink()
    redrawn = invoke("sweep-report", out, "--stat", "mean", "--outcomes", "welfare_total")
    assert redrawn.exit_code == 0, redrawn.output
    assert (report / "heatmap.png").is_file()
    indices = pd.read_csv(report / "sobol_indices.csv")
    assert set(indices["stat"]) == {"mean"}
    again = invoke("sweep-report", out, "--stat", "mean", "--outcomes", "welfare_total")
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_csv(report / "sobol_indices.csv"), indices)
    via_plot = invoke("plot", out)
    assert via_plot.exit_code == 0, via_plot.output
    assert "Sobol indices" in via_plot.output


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["-p", "strategy.rank_weigh=0:1"], "Did you mean 'rank_weight'?"),
        (["-p", "strategy.rank_weight=9:1"], "low 9 is above high 1"),
        (["-p", "strategy.rank_weight=1:1"], "empty range"),
        (["-p", "strategy.rank_weight=lo:hi"], "range bounds must be numbers"),
        (["-p", "strategy.fiscal_weight=0:3"], "outside the allowed range [0, 1]"),
        (
            ["-p", "strategy.herding=0:0.1", "--scheduler", "tcp://x:1", "--cluster", "local"],
            "alternatives",
        ),
        (["-p", "strategy.herding=0:0.1", "--resume"], "--resume needs --out"),
        (["-p", "strategy.herding=0:0.1", "--outcomes", "welfare"], "unknown outcome 'welfare'"),
        ([], "no parameters to sweep"),
    ],
)
def test_sweep_command_rejects_bad_specs_with_status_2(args, what):
    result = invoke("sweep", BASELINE, "--workers", "1", *args)
    assert result.exit_code == 2
    assert what in " ".join(result.output.split())  # rich may wrap the message


def test_sweep_report_errors(tmp_path, reference):
    _, out, _ = reference
    assert invoke("sweep-report", tmp_path).exit_code == 2
    bad = invoke("sweep-report", out, "--heatmap", "strategy.rank_weight")
    assert bad.exit_code == 2 and "two parameter paths" in bad.output
    bad = invoke("sweep-report", out, "--outcomes", "hhi")
    assert bad.exit_code == 2 and "not recorded" in bad.output


@pytest.mark.parametrize("command", [["sweep"], ["sweep-report"]])
def test_help(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


# --- charts --------------------------------------------------------------------------------------


def test_chart_functions_draw_on_given_axes():
    sobol = pd.DataFrame(
        {"outcome": "y", "stat": "final", "parameter": ["a", "b"], "S1": [0.5, 0.1],
         "S1_conf": [0.05, 0.02], "ST": [0.6, 0.2], "ST_conf": [0.05, 0.03], "base_n": 8}
    )  # fmt: skip
    morris = pd.DataFrame(
        {"outcome": "y", "stat": "final", "parameter": ["a", "b"], "mu": [1.0, -0.5],
         "mu_star": [1.0, 0.7], "mu_star_conf": [0.1, 0.1], "sigma": [0.2, 0.6], "trajectories": 10}
    )  # fmt: skip
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"a": rng.uniform(0, 1, 200), "b": rng.choice([1, 2, 3], 200)})
    points["y.final"] = points["a"] * points["b"]
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot_sobol(sobol, "y", ax=axes[0]) is axes[0]
    assert plot_morris(morris, "y", ax=axes[1]) is axes[1]
    assert plot_heatmap(points, "a", "b", "y.final", ax=axes[2]) is axes[2]
    assert [t.get_text() for t in axes[2].get_yticklabels()] == ["1", "2", "3"]
    with pytest.raises(KeyError, match="no indices for outcome 'z'"):
        plot_sobol(sobol, "z", ax=axes[0])


def test_manifest_is_plain_json(reference):
    _, out, _ = reference
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and math.isfinite(manifest["sessions"][0]["wall_seconds"])
    assert manifest["problem"]["names"] == ["strategy.rank_weight", "freight.logit_scale"]
    assert manifest["final_window"] == FINAL_WINDOW


def test_resuming_with_changed_code_is_flagged(reference, tmp_path, monkeypatch):
    plan, _, _ = reference
    out = tmp_path / "sweep"
    run_sweep(plan, out, backend=Interrupting(after=2), batch_size=1)
    monkeypatch.setattr(store, "code_hash", lambda: "edited")
    summary = run_sweep(plan, out, backend=SequentialBackend(), resume=True)
    assert summary.status == "complete"
    assert len(summary.warnings) == 1 and "the sim code changed" in summary.warnings[0]
    assert store.read_manifest(out)["sessions"][-1]["code"] == "edited"


def test_morris_and_csv_designs_through_the_command_line(tmp_path):
    small = ["--set", "run.enterprises=200", "--set", "run.steps=4", "--workers", "1"]
    morris = invoke(
        "sweep", BASELINE, *small, "-p", "strategy.herding=0:0.2",
        "-p", "policy.subsidy.basis=[per_train, per_container]", "--method", "morris",
        "--samples", "3", "--outcomes", "welfare_total,hhi", "--out", tmp_path / "m",
    )  # fmt: skip
    assert morris.exit_code == 0, morris.output
    assert "Morris screening" in morris.output and "3 x 1 replications" not in morris.output
    indices = pd.read_csv(tmp_path / "m" / "report" / "morris_indices.csv")
    assert len(indices) == 2 * 2 and (indices["trajectories"] == 3).all()
    assert (tmp_path / "m" / "report" / "morris_indices.png").is_file()

    csv = tmp_path / "points.csv"
    csv.write_text("strategy.herding,policy.finance.equal_terms\n0.05,true\n0.1,false\n0.15,true\n")
    design = invoke("sweep", BASELINE, *small, "--design", csv, "--out", tmp_path / "d")
    assert design.exit_code == 0, design.output
    assert "CSV design, 3 points x 1 replications" in design.output
    df = read_results(tmp_path / "d")
    assert df["policy.finance.equal_terms"].tolist() == [True, False, True]
    assert store.read_manifest(tmp_path / "d")["sweep"]["design_file"] == str(csv.resolve())


def test_pools_take_tasks_lazily():
    import operator

    taken = []

    def tasks():
        for i in range(10_000):
            taken.append(i)
            yield i

    with ProcessPoolBackend(2, ahead=2) as backend:
        results = backend.imap_unordered(operator.neg, tasks())
        first = [next(results) for _ in range(3)]
        results.close()
    assert len(first) == 3 and len(taken) <= 3 + 2 * 2
