"""Backends, replications and the output store: order, reproducibility, atomic files."""

from __future__ import annotations

import math
import operator
import pickle
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import store
from sim.experiments.experiment import child_seeds, run
from sim.experiments.runners import (
    ProcessPoolBackend,
    SequentialBackend,
    make_backend,
    run_replications,
)
from sim.scenario.loading import dump_scenario, load_scenario, validate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
TINY = ["run.steps=3", "run.enterprises=200"]


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(ROOT / "scenarios" / "coordination.toml", TINY)


class ReversedBackend(SequentialBackend):
    """Finishes tasks in reverse order, as a pool might."""

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        yield from (fn(t) for t in reversed(list(tasks)))


def test_sequential_backend_keeps_task_order():
    with SequentialBackend() as backend:
        assert list(backend.imap_unordered(operator.neg, [1, 2, 3])) == [-1, -2, -3]


def test_make_backend_is_sequential_for_one_worker():
    assert isinstance(make_backend(1), SequentialBackend)
    assert isinstance(make_backend(2), ProcessPoolBackend)


def test_process_pool_returns_every_result():
    with ProcessPoolBackend(2) as backend:
        assert sorted(backend.imap_unordered(operator.neg, range(5))) == [-4, -3, -2, -1, 0]


def test_process_pool_reraises_a_task_error():
    with ProcessPoolBackend(1) as backend, pytest.raises(ValueError, match="domain"):
        list(backend.imap_unordered(math.sqrt, [4.0, -1.0]))


def test_process_pool_needs_a_with_block_and_refuses_fork():
    with pytest.raises(RuntimeError, match="context manager"):
        list(ProcessPoolBackend(1).imap_unordered(operator.neg, [1]))
    with pytest.raises(ValueError, match="fork"):
        ProcessPoolBackend(1, start_method="fork")
    with pytest.raises(ValueError, match="at least 1"):
        ProcessPoolBackend(0)


def test_replications_are_sorted_and_tagged_whatever_the_finishing_order(tiny):
    seeds = child_seeds(7, 3)
    result = run_replications(tiny, seeds, backend=ReversedBackend())
    assert result.seeds == seeds
    for name in ("outcomes", "provinces", "platforms"):
        df = getattr(result, name)
        assert list(df.columns[:2]) == ["replication", "seed"]
        assert df["replication"].is_monotonic_increasing
        assert sorted(df["replication"].unique()) == [0, 1, 2]
        assert df.groupby("replication")["seed"].first().tolist() == seeds
    assert result.outcomes.groupby("replication")["step"].max().tolist() == [3, 3, 3]


def test_replication_zero_reproduces_from_its_child_seed(tiny):
    seeds = child_seeds(11, 2)
    done = []
    result = run_replications(tiny, seeds, progress=done.append)
    assert sorted(done) == [0, 1]
    alone = run(tiny, seed=seeds[0]).outcomes
    first = result.outcomes[result.outcomes["replication"] == 0]
    pd.testing.assert_frame_equal(
        first.drop(columns=["replication", "seed"]).reset_index(drop=True), alone, check_exact=True
    )


def test_process_pool_gives_the_sequential_tables(tiny):
    seeds = child_seeds(3, 3)
    one = run_replications(tiny, seeds, workers=1)
    two = run_replications(tiny, seeds, workers=2)
    with ProcessPoolBackend(2) as backend:  # one pool shared by several calls, as in a sweep
        shared = [run_replications(tiny, seeds, backend=backend) for _ in range(2)]
    for other in (two, *shared):
        for name in ("outcomes", "provinces", "platforms"):
            pd.testing.assert_frame_equal(
                getattr(one, name), getattr(other, name), check_exact=True
            )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenarios_round_trip_as_data_and_pickle(path):
    s = load_scenario(path)
    assert validate(dump_scenario(s)) == s
    assert pickle.loads(pickle.dumps(s)) == s


def test_default_out_dir_adds_a_suffix_when_taken(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    first = store.default_out_dir("base", root=tmp_path, now=now)
    assert first == tmp_path / "base-20260102-030405"
    first.mkdir()
    assert store.default_out_dir("base", root=tmp_path, now=now).name == "base-20260102-030405-2"


def test_check_out_dir(tmp_path):
    store.check_out_dir(tmp_path / "new")  # absent: fine
    store.check_out_dir(tmp_path)  # empty: fine
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(store.OutputError, match="not empty"):
        store.check_out_dir(tmp_path)
    store.check_out_dir(tmp_path, force=True)
    with pytest.raises(store.OutputError, match="not a directory"):
        store.check_out_dir(tmp_path / "keep.txt", force=True)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "outcomes.parquet"
    target.write_text("old")

    def crash(path: Path) -> None:
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.write_file(target, crash)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["outcomes.parquet"]


def test_git_info_ignores_places_outside_a_checkout(tmp_path):
    assert store.git_info(tmp_path) is None
