"""Same scenario and seed, same output; randomness only from the model's own streams."""

# The legacy global generators are used on purpose: the tests show the model ignores them.
# ruff: noqa: NPY002

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from helpers import COORDINATION, FAST_FINANCE, SEED, build_small, run_small, small_scenario

from sim.experiments.experiment import child_seeds, run


@pytest.fixture(autouse=True)
def _restore_global_generators():
    """The tests below seed and draw from the global generators; leave them as found."""
    np_state, py_state = np.random.get_state(), random.getstate()
    yield
    np.random.set_state(np_state)
    random.setstate(py_state)


CASES = {"baseline": (), "coordination": (COORDINATION,), "finance": (FAST_FINANCE,)}


@pytest.mark.parametrize("case", CASES)
def test_same_seed_same_tables(case):
    a = run_small(*CASES[case], seed=7)
    b = run_small(*CASES[case], seed=7)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    pd.testing.assert_frame_equal(a.provinces, b.provinces)
    pd.testing.assert_frame_equal(a.platforms, b.platforms)
    assert len(a.outcomes) == 8


def test_different_seeds_differ():
    a = run_small(seed=7)
    b = run_small(seed=8)
    assert not a.outcomes.equals(b.outcomes)
    # not only a label: the freight itself differs at every step
    assert (a.outcomes["exports"] != b.outcomes["exports"]).all()


def test_child_seeds_deterministic_and_distinct():
    seeds = child_seeds(12345, 20)
    assert seeds == child_seeds(12345, 20)
    assert len(set(seeds)) == 20
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in seeds)
    assert set(seeds).isdisjoint(child_seeds(12346, 20))
    # more replications leave the first ones unchanged (a run can be extended)
    assert child_seeds(12345, 5) == seeds[:5]


def test_built_twice_same_enterprises():
    a = build_small(seed=11)
    b = build_small(seed=11)
    for name, values in a.firms.arrays.items():
        np.testing.assert_array_equal(values, b.firms.arrays[name], err_msg=name)
    assert [c.trend for c in a.partners] == [c.trend for c in b.partners]
    c = build_small(seed=12)
    assert not np.array_equal(a.firms.size, c.firms.size)


def test_randomness_only_from_model_streams():
    scenario = small_scenario(FAST_FINANCE, {"partners": {"crisis_hazard": [0.1] * 5}})
    clean = run(scenario, seed=SEED)

    from sim.experiments.experiment import build_model

    # the global generators are seeded and drawn from between every step: a model that
    # used them would change its output
    np.random.seed(0)
    random.seed(0)
    model = build_model(scenario, seed=SEED)
    for _ in range(scenario.run.steps):
        np.random.random(17)
        random.random()
        model.step()
        np.random.standard_normal(3)
        random.random()
    pd.testing.assert_frame_equal(clean.outcomes, pd.DataFrame.from_records(model.records))
    pd.testing.assert_frame_equal(
        clean.platforms, pd.DataFrame.from_records(model.platform_records)
    )


def test_stepping_does_not_touch_global_generators():
    np.random.seed(3)
    random.seed(3)
    expected_np, expected_py = np.random.random(), random.random()
    np.random.seed(3)
    random.seed(3)
    run_small(FAST_FINANCE, seed=SEED)
    assert np.random.random() == expected_np
    assert random.random() == expected_py
