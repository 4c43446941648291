"""The fast (bulk) path against the per-agent reference, step by step.

Both models start from the same seed and consume the same draws. After every step the
enterprises' arrays, every platform's and province's state and accounts, the lender's
books, the step's finance flows and the recorded rows must agree: exactly for discrete
state (routes, project status and due steps, exits and who entered, platforms open or
closed), to floating-point tolerance for amounts, because the reference adds up totals
one agent at a time while the fast path sums arrays in another order. The
reference's platforms and provinces call the rules of :mod:`sim.model.mechanisms` on
themselves one at a time; the fast model calls the same functions over arrays.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import COORDINATION, FAST_FINANCE, small_scenario

from sim.model import mechanisms as mech
from sim.model.agents import City, Platform
from sim.model.model import BRIModel
from sim.model.reference import ReferenceEnterprise, ReferenceModel
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
STEPS = 12
# amounts: sums in a different order (a deficit is cost less revenue, so its rounding is
# that of amounts of thousands: 1e-6 USD mn is one dollar); state: exact
RTOL, ATOL = 1e-9, 1e-6

# Firms run out of cash under ruinous interest: exits, defaults and entrants every step.
RUINOUS: dict[str, Any] = {"finance": {"interest_rate": 1.0}}
CLOSURE: dict[str, Any] = {
    "events": [{"step": 3, "kind": "route_closure", "corridor": "west", "duration": 3}]
}


def from_file(name: str, steps: int = STEPS) -> Scenario:
    """A scenario file at 200 enterprises and ``steps`` steps."""
    return load_scenario(SCENARIOS / f"{name}.toml", ["run.enterprises=200", f"run.steps={steps}"])


CASES = {
    "baseline": lambda: from_file("baseline"),
    "coordination": lambda: from_file("coordination"),
    "financing_reform": lambda: from_file("financing_reform"),
    "partner_crisis": lambda: from_file("partner_crisis", steps=16),  # crisis at step 12
    "subsidy_phaseout": lambda: from_file("subsidy_phaseout"),  # policies set mid-run
    "all_countermeasures": lambda: from_file("all_countermeasures"),
    "coordination_small": lambda: small_scenario(COORDINATION, {"run": {"steps": STEPS}}),
    "route_closure": lambda: small_scenario(CLOSURE, {"run": {"steps": STEPS}}),
    "exits_and_entrants": lambda: small_scenario(FAST_FINANCE, RUINOUS, {"run": {"steps": STEPS}}),
    "cities_nested_frequency": lambda: load_scenario(
        SCENARIOS / "baseline.toml",
        [
            "run.enterprises=200",
            f"run.steps={STEPS}",
            "run.platform_layer=cities",
            "freight.nest_scale=0.4",
            "freight.wait_weight=1.5",
            "freight.domestic_rail_cost=0.5",
            "freight.domestic_rail_days=1.2",
        ],
    ),
    "cities_wait_by_destination": lambda: load_scenario(
        SCENARIOS / "baseline.toml",
        [
            "run.enterprises=200",
            f"run.steps={STEPS}",
            "run.platform_layer=cities",
            "freight.wait_weight=1.5",
            "freight.wait_by=destination",
        ],
    ),
}


def close(a: float, b: float) -> bool:
    """Equal to floating-point tolerance."""
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


# Platform and province state after a step: amounts (to tolerance) and discrete state.
PLATFORM_AMOUNTS = (
    "volume",
    "trains",
    "unit_cost",
    "subsidy_rate",
    "target",
    "revenue",
    "subsidy",
    "variable_cost",
    "fixed_cost",
    "deficit_cover",
    "unfunded",
    "smoothed_volume",
    "capacity",
)
PLATFORM_STATE = ("is_open", "closed_for_good", "low_use", "losing", "unfunded_quarters")
CITY_AMOUNTS = (
    "subsidy",
    "markup",
    "direction_subsidy",
    "direction_markup",
    "objective",
    "previous_objective",
    "credited_trains",
    "credited_volume",
    "subsidy_paid",
    "fixed_paid",
    "deficit_paid",
)


def agent_differences(fast: BRIModel, ref: ReferenceModel) -> list[str]:
    """What differs between the two models' platforms, cities and provinces (empty if none)."""
    out = []
    for a, b in zip(fast.platforms, ref.platforms, strict=True):
        out += [f"{a.pid}.{k}" for k in PLATFORM_STATE if getattr(a, k) != getattr(b, k)]
        out += [f"{a.pid}.{k}" for k in PLATFORM_AMOUNTS if not close(getattr(a, k), getattr(b, k))]
        pending_a, pending_b = a.pending, b.pending
        if [t for t, _ in pending_a] != [t for t, _ in pending_b] or not all(
            close(x, y) for (_, x), (_, y) in zip(pending_a, pending_b, strict=True)
        ):
            out.append(f"{a.pid}.pending")
    for a, b in zip(fast.provinces, ref.provinces, strict=True):
        if not close(a.innovation, b.innovation):
            out.append(f"{a.name}.innovation: {a.innovation!r} != {b.innovation!r}")
    for a, b in zip(fast.cities, ref.cities, strict=True):
        for k in CITY_AMOUNTS:
            x, y = getattr(a, k), getattr(b, k)
            if (x is None) != (y is None) or (x is not None and not close(x, y)):
                out.append(f"{a.name}.{k}: {x!r} != {y!r}")
        if not all(close(x, y) for x, y in zip(a.volume_history, b.volume_history, strict=True)):
            out.append(f"{a.name}.volume_history")
    return out


def differences(fast: BRIModel, ref: ReferenceModel) -> list[str]:
    """What differs between the two models after a step (empty when they agree)."""
    out = agent_differences(fast, ref)
    for name, x in fast.firms.arrays.items():
        y = ref.firms.arrays[name]
        if x.dtype.kind in "biu":
            if not np.array_equal(x, y):
                out.append(f"firms.{name} at slots {np.flatnonzero(x != y)[:5].tolist()}")
        elif not np.allclose(x, y, rtol=RTOL, atol=ATOL):
            bad = np.flatnonzero(~np.isclose(x, y, rtol=RTOL, atol=ATOL))
            out.append(f"firms.{name} at slots {bad[:5].tolist()}")
    for name in ("cash", "insurer_cash", "capacity_left", "losses", "payouts"):
        if not close(getattr(fast.lender, name), getattr(ref.lender, name)):
            out.append(f"lender.{name}")
    a, b = fast.flows, ref.flows
    for name in ("applications", "approved", "activated", "defaults", "completed", "exits"):
        if getattr(a, name) != getattr(b, name):
            out.append(f"flows.{name}: {getattr(a, name)} != {getattr(b, name)}")
    for name in ("demand", "lender_loss", "payouts", "premiums", "fund"):
        if not close(getattr(a, name), getattr(b, name)):
            out.append(f"flows.{name}")
    if a.external.keys() != b.external.keys():
        out.append("flows.external keys")
    out += [f"flows.external.{k}" for k in a.external if not close(a.external[k], b.external[k])]
    for table in ("records", "province_records", "platform_records"):
        left, right = getattr(fast, table), getattr(ref, table)
        for row_a, row_b in zip(left, right, strict=True):
            for key, value in row_a.items():
                other = row_b[key]
                same = close(value, other) if isinstance(value, float) else value == other
                if not same:
                    out.append(f"{table}.{key}: {value!r} != {other!r}")
    return out


def step_both(scenario: Scenario, seed: int):
    """Yield (step, fast, reference) after each step of two models from one seed."""
    fast, ref = BRIModel(scenario, rng=seed), ReferenceModel(scenario, rng=seed)
    for _ in range(scenario.run.steps):
        fast.step()
        ref.step()
        yield fast.steps, fast, ref


@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_matches_the_reference(case):
    scenario = CASES[case]()
    exits = 0
    for step, fast, ref in step_both(scenario, seed=11):
        diff = differences(fast, ref)
        assert not diff, f"{case}, step {step}: {diff[:8]}"
        exits += fast.flows.exits
    if case == "exits_and_entrants":
        assert exits > 0  # the entrant rule was exercised


def test_every_route_state_is_exercised():
    # the cases above move firms between routes, keep some on rail, and re-choose often
    scenario = CASES["baseline"]()
    routes = set()
    for _, fast, _ in step_both(scenario, seed=11):
        routes |= set(np.unique(fast.firms.route).tolist())
    assert len(routes) > 3


def test_reference_agents_decide_by_themselves():
    model = ReferenceModel(small_scenario(), rng=3)
    model.step()
    agents = model.enterprise_agents
    assert all(isinstance(a, ReferenceEnterprise) for a in agents)
    assert len(model.agents_by_type[ReferenceEnterprise]) == model.firms.n
    for a in agents[:20]:
        assert a.route == model.firms.route[a.slot]
        assert a.cash == model.firms.cash[a.slot]


def test_the_comparison_detects_a_changed_rule(monkeypatch):
    # the reference without the loyalty bonus: the two paths must part ways
    def choose_route_without_loyalty(self, costs, available, draws):
        f = self.model.p.freight
        if draws.contract[self.slot] < 1.0 / f.contract_length or not available[self.route]:
            probs, _ = mech.logit(costs, f.logit_scale)
            self.route = int(mech.pick(probs, draws.pick[self.slot]))

    monkeypatch.setattr(ReferenceEnterprise, "choose_route", choose_route_without_loyalty)
    found: list[str] = []
    for _, fast, ref in step_both(CASES["baseline"](), seed=11):
        found = differences(fast, ref)
        if found:
            break
    assert any(d.startswith("firms.route") for d in found)


def test_the_reference_runs_platforms_and_provinces_by_itself():
    # the fast model's bulk stages are replaced, not inherited
    for stage in ("ship_exports", "run_platforms", "settle_province_accounts"):
        assert getattr(ReferenceModel, stage) is not getattr(BRIModel, stage), stage


def first_differences(case: str) -> list[str]:
    """The first step's differences between the fast path and the (patched) reference."""
    for _, fast, ref in step_both(CASES[case](), seed=11):
        found = agent_differences(fast, ref)
        if found:
            return found
    return []


def test_the_comparison_detects_a_changed_platform_rule(monkeypatch):
    # the reference's platforms without deficit cover: accounts part ways
    def book_without_cover(self, *args):
        original_book(self, *args)
        self.unfunded += self.deficit_cover
        self.deficit_cover = 0.0

    original_book = Platform.book
    found = []
    monkeypatch.setattr(Platform, "book", book_without_cover)
    found = first_differences("baseline")
    assert any(d.endswith(".deficit_cover") for d in found), found[:5]


def test_the_comparison_detects_a_changed_city_rule(monkeypatch):
    # the reference's cities that forget the fiscal cost: objectives part ways
    def evaluate_without_cost(self, national_credit):
        self.subsidy_paid = self.fixed_paid = self.deficit_paid = 0.0
        original_evaluate(self, national_credit)

    original_evaluate = City.evaluate
    monkeypatch.setattr(City, "evaluate", evaluate_without_cost)
    found = first_differences("baseline")
    assert any(".objective" in d for d in found), found[:5]
