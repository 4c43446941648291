"""Mesa's own tools work on the model: ``mesa.batch_run`` over :class:`BatchModel`.

``batch_run`` builds ``BatchModel(**parameters, rng=seed)``, steps it while ``running``
(up to ``max_steps``) and reads its ``datacollector``. The results must not depend on the
number of processes, and must be the numbers ``sim.experiments`` gives for the same
scenario and seed.
"""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.experiments import BatchModel as Exported
from sim.experiments.experiment import run
from sim.model.mesa_api import BatchModel, resolve_scenario
from sim.outcomes import OUTCOMES
from sim.scenario.loading import ScenarioError, load_scenario

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
SEEDS = [11, 12]
RAIL_COSTS = [5000.0, 7000.0]
STEPS = 3
PARAMETERS = {
    "scenario": BASELINE,
    "run__enterprises": 200,
    "run__steps": STEPS,
    "freight__rail_cost": RAIL_COSTS,
}


@pytest.fixture
def start_method():
    """batch_run sets the spawn start method for the whole process; put it back after."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def batch(processes: int, **options) -> pd.DataFrame:
    rows = mesa.batch_run(
        BatchModel,
        parameters=PARAMETERS,
        number_processes=processes,
        rng=SEEDS,
        data_collection_period=1,
        display_progress=False,
        **options,
    )
    return pd.DataFrame(rows).sort_values(["RunId", "Step"]).reset_index(drop=True)


def test_batch_run_gives_the_same_results_on_one_and_two_processes_as_sim_experiments(
    start_method,
):
    one = batch(1)
    two = batch(2)
    pd.testing.assert_frame_equal(one, two)

    assert len(one) == len(SEEDS) * len(RAIL_COSTS) * STEPS
    assert set(OUTCOMES) <= set(one.columns)
    assert sorted(one["rng"].unique()) == SEEDS
    assert sorted(one["freight__rail_cost"].unique()) == RAIL_COSTS
    for (seed, cost), rows in one.groupby(["rng", "freight__rail_cost"]):
        scenario = load_scenario(
            BASELINE, ["run.enterprises=200", f"run.steps={STEPS}", f"freight.rail_cost={cost}"]
        )
        expected = run(scenario, seed=int(seed)).outcomes
        assert rows["Step"].tolist() == expected["step"].tolist() == [1, 2, 3]
        got = rows[list(OUTCOMES)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected[list(OUTCOMES)], check_dtype=False)
    # the varied parameter matters: the two rail costs differ for the same seed
    by_cost = one[one["Step"] == STEPS].set_index(["rng", "freight__rail_cost"])["rail_volume"]
    assert by_cost[(SEEDS[0], RAIL_COSTS[0])] != by_cost[(SEEDS[0], RAIL_COSTS[1])]


def test_the_model_stops_after_its_steps_or_at_max_steps(start_method):
    model = BatchModel(BASELINE, rng=1, run__enterprises=200, run__steps=2)
    while model.running:
        model.step()
    assert model.steps == 2
    assert len(model.datacollector.get_model_vars_dataframe()) == 2

    rows = mesa.batch_run(
        BatchModel,
        parameters={"scenario": BASELINE, "run__enterprises": 200, "run__steps": 4},
        rng=[1],
        max_steps=2,
        display_progress=False,
    )
    assert [r["Step"] for r in rows] == [2]  # the last collected step only (period -1)


def test_parameters_by_dots_underscores_or_params_give_one_scenario():
    a = resolve_scenario(BASELINE, {"freight.rail_cost": 5000.0, "run__enterprises": 200})
    b = BatchModel(BASELINE, params={"freight.rail_cost": 5000.0}, run__enterprises=200).p
    c = BatchModel(load_scenario(BASELINE), **{"freight.rail_cost": 5000.0}, run__enterprises=200)
    assert a == b == c.p
    assert a.freight.rail_cost == 5000.0 and a.run.enterprises == 200
    assert resolve_scenario(None).run.steps > 0  # the package defaults
    with pytest.raises(ScenarioError, match="rail_cots"):
        BatchModel(BASELINE, freight__rail_cots=1.0)


def test_the_model_uses_its_rng_and_never_the_global_random_state():
    def outcomes() -> list[dict]:
        model = BatchModel(BASELINE, rng=5, run__enterprises=200, run__steps=2)
        while model.running:
            model.step()
        return model.records

    saved = random.getstate(), np.random.get_state()  # noqa: NPY002 (the legacy global state)
    try:
        random.seed(1)
        np.random.seed(1)  # noqa: NPY002 (seeding the global state is what is tested)
        first = outcomes()
        random.seed(2)
        np.random.seed(2)  # noqa: NPY002
        assert outcomes() == first
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])  # noqa: NPY002


def test_batch_model_is_exported_by_sim_experiments():
    assert Exported is BatchModel


def test_numpy_scalars_are_accepted_as_parameter_values():
    from pathlib import Path

    import numpy as np

    from sim.model.mesa_api import resolve_scenario

    s = resolve_scenario(
        Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml",
        {"policy.coordination.joint_cap.enabled": np.bool_(True), "run__steps": np.int64(3)},
    )
    assert s.policy.coordination.joint_cap.enabled is True and s.run.steps == 3
