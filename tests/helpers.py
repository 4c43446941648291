"""Small-scenario builders and comparisons shared by the model tests.

Tests build scenarios as plain dicts merged over a small base (200 enterprises, 8 steps)
and validate them through the library, so every test goes through the same schema the
TOML files do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.experiment import RunResult, run
from sim.model.model import BRIModel
from sim.scenario.loading import deep_merge, validate
from sim.scenario.schema import Scenario

SEED = 20240611
SMALL: dict[str, Any] = {"run": {"enterprises": 200, "steps": 8}}

# The coordination body of scenarios/coordination.toml, every lever on.
MEMBERS = ["Sichuan", "Chongqing", "Guizhou", "Yunnan", "Shaanxi", "Gansu"]
HUBS = ["Chengdu-west", "Chongqing-west", "Xi'an-west", "Chongqing-land_sea"]
COORDINATION: dict[str, Any] = {
    "policy": {
        "coordination": {
            "members": MEMBERS,
            "joint_cap": {"enabled": True, "rate": 0.15},
            "designated_hubs": {"enabled": True, "hubs": HUBS},
            "pooling": {"enabled": True, "share": 1.0},
        }
    }
}

# Finance made fast: many applications, short projects, no approval lag, so loans start,
# complete and fail within a few steps.
FAST_FINANCE: dict[str, Any] = {
    "run": {"enterprises": 600},
    "finance": {
        "go_abroad_rate": 0.3,
        "lending_budget": 1e6,
        "project_length": 2,
        "project_default": [0.05, 0.06, 0.08, 0.1, 0.12],
        "risk_appetite": 0.1,
    },
    "policy": {"finance": {"approval_lag": 0, "private_approval_lag": 1}},
}


def scenario_dict(*overrides: dict[str, Any]) -> dict[str, Any]:
    """The small base scenario with ``overrides`` merged over it, in order."""
    out: dict[str, Any] = dict(SMALL)
    for over in overrides:
        out = deep_merge(out, over)
    return out


def small_scenario(*overrides: dict[str, Any]) -> Scenario:
    """A validated small scenario with ``overrides`` merged over the base."""
    return validate(scenario_dict(*overrides), origin="test")


def run_small(*overrides: dict[str, Any], seed: int = SEED) -> RunResult:
    """Run a small scenario and return its tables."""
    return run(small_scenario(*overrides), seed=seed)


def build_small(*overrides: dict[str, Any], seed: int = SEED) -> BRIModel:
    """A fresh model of a small scenario, not yet stepped."""
    return BRIModel(small_scenario(*overrides), rng=seed)


def tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """The three output tables of a run by name."""
    return {
        "outcomes": result.outcomes,
        "provinces": result.provinces,
        "platforms": result.platforms,
    }


def differing_tables(a: RunResult, b: RunResult) -> list[str]:
    """Names of the output tables that differ between two runs (shape or any value)."""
    out = []
    for name, left in tables(a).items():
        right = tables(b)[name]
        if left.shape != right.shape or not left.equals(right):
            out.append(name)
    return out


def money(model: BRIModel) -> float:
    """Money held inside the model: firms' cash and collateral, lender and insurer cash."""
    f = model.firms
    return float(f.cash.sum() + f.collateral.sum() + model.lender.cash + model.lender.insurer_cash)


def enterprise_agents(model: BRIModel) -> list:
    """The model's Enterprise agents (as Mesa registers them)."""
    from sim.model.agents import Enterprise

    return list(model.agents_by_type.get(Enterprise, []))


def assert_all_finite(values: np.ndarray, what: str) -> None:
    """Fail with ``what`` in the message if any value is NaN or infinite."""
    bad = ~np.isfinite(np.asarray(values, dtype=float))
    assert not bad.any(), f"{what}: {int(bad.sum())} non-finite values"
