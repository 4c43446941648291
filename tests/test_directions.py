"""Directional effects of the countermeasures, as statistics over paired seeds.

Each test runs the base and a countermeasure with the same child seeds (common random
numbers) and asserts that the 95% interval of the paired difference excludes zero in the
expected direction. Robust effects come from MODEL.md; contested ones test what the model
was found to do, with the mechanism explained in scenarios/README.md. No number here was
tuned: the expectations are signs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.calibration.directions import load_checks, load_missed
from sim.analysis.compare import direction, paired_differences
from sim.experiments.experiment import run
from sim.scenario.loading import load_scenario

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
# The checks (scenario, outcome, window, expected sign) and their seeds live in
# sim/data/directions.toml, which `sim calibrate` reads too: robust effects from MODEL.md,
# and contested ones (what the model does, explained in scenarios/README.md; 0: no
# detectable effect).
ROBUST, CONTESTED, SEEDS = load_checks()
# robust effects the model misses: strict expected failures, with the reason of the file
MISSED = [
    pytest.param(*check, marks=pytest.mark.xfail(strict=True, reason=why))
    for check, why in load_missed()
]
SIZE: list[str] = []  # the scenarios' own sizes: the finance effects need enough projects


@cache
def runs(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcome and platform tables of ``name`` over the paired seeds."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml", SIZE)
    results = [run(scenario, seed=s).tagged(i) for i, s in enumerate(SEEDS)]
    return (
        pd.concat([r.outcomes for r in results], ignore_index=True),
        pd.concat([r.platforms for r in results], ignore_index=True),
    )


def effect(name: str, outcome: str, window="final", base: str = "baseline") -> int:
    """Sign of the paired difference of ``outcome`` (0 when its interval spans zero)."""
    table = paired_differences(
        {base: runs(base)[0], name: runs(name)[0]}, base, outcomes=[outcome], window=window
    )
    row = table[table["scenario"] == name].iloc[0]
    return direction(row)


@pytest.mark.parametrize(("scenario", "outcome", "window", "sign"), ROBUST + MISSED)
def test_robust_direction(scenario: str, outcome: str, window: str, sign: int) -> None:
    assert effect(scenario, outcome, window) == sign


@pytest.mark.parametrize(("scenario", "outcome", "window", "sign"), CONTESTED)
def test_contested_behaviour(scenario: str, outcome: str, window: str, sign: int) -> None:
    assert effect(scenario, outcome, window) == sign


def test_every_scenario_runs_briefly() -> None:
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = load_scenario(path, ["run.enterprises=100", "run.steps=3"])
        assert len(run(scenario, seed=1).outcomes) == 3, path.name
