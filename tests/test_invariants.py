"""Invariants that hold for any seed and any valid parameter values (hypothesis).

Short runs are checked after every step: no negative stock, shares within [0, 1], money
conserved between enterprises, lender and insurer (the change of money held in the
model equals the step's recorded external flows), the lender's and the insurer's books
(loans receivable and cash change only by interest, losses, premiums and payouts), and
freight conserved between enterprises, platforms and the outcome row.
"""

from __future__ import annotations

import numpy as np
from helpers import build_small, money
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model import mechanisms as mech
from sim.model.firms import ACTIVE

# --- choice --------------------------------------------------------------------------------

finite_cost = st.floats(min_value=0.0, max_value=1e5, allow_nan=False, allow_infinity=False)


@st.composite
def cost_matrices(draw):
    """Cost matrices with some unavailable (inf) entries, at least one finite per row."""
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 6))
    cost = draw(hnp.arrays(float, (rows, cols), elements=finite_cost))
    hidden = draw(hnp.arrays(bool, (rows, cols)))
    keep = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, cols - 1)))
    hidden[np.arange(rows), keep] = False
    return np.where(hidden, np.inf, cost)


@settings(max_examples=150, deadline=None)
@given(
    cost=cost_matrices(),
    scale=st.floats(min_value=1.0, max_value=5000.0),
    loyalty=st.floats(min_value=0.0, max_value=2000.0),
)
def test_logit_probabilities_are_a_distribution(cost, scale, loyalty):
    bonus = np.zeros_like(cost)
    bonus[:, 0] = loyalty
    for b in (None, bonus):
        probs, inclusive = mech.logit(cost, scale, bonus=b)
        assert np.isfinite(probs).all()
        assert (probs >= 0).all()
        assert np.allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert (probs[np.isinf(cost)] == 0).all()
        # the expected cost of choosing is at most the cheapest option's cost
        cheapest = np.min(cost, axis=1)
        assert (inclusive <= cheapest * (1 + 1e-12) + 1e-9).all()


@settings(max_examples=150, deadline=None)
@given(
    cost=cost_matrices(),
    scale=st.floats(min_value=1.0, max_value=5000.0),
    u=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), min_size=6, max_size=6),
)
def test_pick_returns_an_available_option(cost, scale, u):
    probs, _ = mech.logit(cost, scale)
    chosen = mech.pick(probs, np.array(u[: cost.shape[0]]))
    rows = np.arange(cost.shape[0])
    assert np.isfinite(cost[rows, chosen]).all()
    assert (probs[rows, chosen] > 0).all()


# --- short runs ----------------------------------------------------------------------------

SHARES = (
    "rail_share",
    "mean_load_factor",
    "idle_capacity",
    "hhi",
    "top5_share",
    "sichuan_share",
    "member_designated_share",
    "member_leakage",
    "mean_subsidy_rate",
    "sichuan_export_share",
    "approval_rate",
    "export_gini",
)
NON_NEGATIVE = (
    "rail_volume",
    "sea_volume",
    "trains",
    "capacity",
    "subsidy",
    "subsidy_per_feu",
    "exports",
    "export_value",
    "financing_demand",
    "lender_losses",
    "insurance_payouts",
    "overseas_assets",
    "welfare_subsidies",
    "welfare_fixed_costs",
)
TOL = 1e-9


def lender_book(model) -> float:
    """The lender's cash plus the loans it has disbursed and not yet recovered."""
    f = model.firms
    return float(model.lender.cash + f.outstanding[f.status == ACTIVE].sum())


def snapshot(model) -> dict[str, float]:
    """What the step's accounts are checked against, taken just before the step."""
    f = model.firms
    active = np.flatnonzero(f.status == ACTIVE)
    return {
        "money": money(model),
        "book": lender_book(model),
        "interest": float((f.outstanding[active] * f.loan_rate(active)).sum()),
        "insurer": float(model.lender.insurer_cash),
    }


def close_enough(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-9 * max(scale, 1.0)


def check_step(model, snap: dict[str, float]) -> None:
    """Every per-step invariant, after one step."""
    f = model.firms
    row = model.records[-1]
    step = row["step"]
    # enterprises: no negative stock (firms that ran out of cash were replaced)
    for name in ("cash", "collateral", "outstanding", "overseas_assets", "exports", "rail"):
        values = getattr(f, name)
        assert np.isfinite(values).all(), (step, name)
        assert (values >= 0).all(), (step, name, float(values.min()))
    assert (f.rail <= f.exports * (1 + TOL)).all()
    assert (f.outstanding[f.status == 0] == 0).all(), step  # no loan without a project
    # platforms
    for pl in model.platforms:
        assert pl.volume >= 0 and pl.trains >= 0 and pl.capacity >= 0, (step, pl.pid)
        assert 0.0 <= pl.load_factor <= 1.0 + TOL, (step, pl.pid, pl.load_factor)
        assert 0.0 <= pl.subsidy_rate <= 1.0, (step, pl.pid)
        assert pl.subsidy >= 0, (step, pl.pid)
        if not pl.is_open:  # (it may have run trains this step before closing)
            assert pl.capacity == 0, (step, pl.pid)
    # the outcome row
    for name in SHARES:
        assert -TOL <= row[name] <= 1.0 + TOL, (step, name, row[name])
    for name in NON_NEGATIVE:
        assert row[name] >= 0, (step, name, row[name])
    # freight: platforms carry what enterprises put on rail; exports are rail plus sea
    platform_volume = sum(pl.volume for pl in model.platforms)
    assert np.isclose(platform_volume, f.rail.sum(), rtol=TOL, atol=0)
    assert np.isclose(row["rail_volume"], f.rail.sum(), rtol=TOL, atol=0)
    assert np.isclose(row["exports"], f.exports.sum(), rtol=TOL, atol=0)
    assert np.isclose(row["exports"], row["rail_volume"] + row["sea_volume"], rtol=TOL, atol=0)
    # money: what entered or left the model this step explains the change inside it
    flows = model.flows
    before, after = snap["money"], money(model)
    external = sum(flows.external.values())
    assert close_enough(after - before, external, max(abs(before), abs(after))), (
        step,
        after - before,
        external,
        dict(flows.external),
    )
    # the lender: cash plus loans out change by interest earned less losses after insurance
    book = lender_book(model)
    assert close_enough(book - snap["book"], snap["interest"] - flows.lender_loss, abs(book)), (
        step,
        book - snap["book"],
        snap["interest"],
        flows.lender_loss,
    )
    # the insurer: premiums in, claims out, the state's backstop in; never below zero
    insurer = model.lender.insurer_cash
    change = flows.premiums - flows.payouts + flows.backstop
    assert close_enough(insurer - snap["insurer"], change, abs(snap["book"])), (
        step,
        insurer - snap["insurer"],
        flows.premiums,
        flows.payouts,
        flows.backstop,
    )
    assert insurer >= 0 and flows.backstop >= 0
    assert flows.payouts >= 0 and flows.lender_loss >= 0 and flows.premiums >= 0


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cover=st.sampled_from([0.0, 0.3, 1.0]),
    overseas=st.sampled_from([0.0, 1.0]),
    capacity=st.sampled_from([0.0, 200.0, 1e6]),
    hazard=st.sampled_from([0.0, 0.05, 0.5]),
    fund=st.sampled_from([0.0, 0.3]),
    fast=st.booleans(),
    thin=st.booleans(),
)
def test_short_runs_keep_invariants(seed, cover, overseas, capacity, hazard, fund, fast, thin):
    finance = {"lending_budget": capacity}
    lags = {"approval_lag": 0, "private_approval_lag": 1}
    if fast:  # projects start, complete and fail within the run
        finance |= {
            "go_abroad_rate": 0.3,
            "project_length": 2,
            "project_default": [0.05, 0.06, 0.08, 0.1, 0.12],
            "risk_appetite": 0.1,
        }
    if thin:  # little cash, no margin, small projects, slow approval: many exits
        finance |= {"initial_cash": 0.05, "export_margin": 0.0, "project_size": 0.1}
        lags = {"approval_lag": 3, "private_approval_lag": 4}
    model = build_small(
        {
            "run": {"enterprises": 150},
            "finance": finance,
            "partners": {"crisis_hazard": [hazard] * 5},
            "policy": {
                "finance": {
                    "insurance_cover": cover,
                    "overseas_collateral": overseas,
                    "joint_fund_share": fund,
                    "joint_fund_provinces": ["Sichuan", "Chongqing", "Henan", "Guangdong"],
                    **lags,
                }
            },
        },
        seed=seed,
    )
    for _ in range(8):
        snap = snapshot(model)
        model.step()
        check_step(model, snap)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), basis=st.sampled_from(["per_train", "per_container"]))
def test_coordinated_runs_keep_invariants(seed, basis):
    from helpers import COORDINATION

    model = build_small(
        COORDINATION,
        {"policy": {"subsidy": {"basis": basis, "empty_slot_cap": 0.2}}},
        seed=seed,
    )
    for _ in range(8):
        snap = snapshot(model)
        model.step()
        check_step(model, snap)


def test_money_check_detects_a_leak():
    """The conservation check is not vacuous: money created without a flow fails it."""
    model = build_small(seed=1)
    snap = snapshot(model)
    model.step()
    model.firms.cash[0] += 1.0  # a bookkeeping error of one USD mn
    try:
        check_step(model, snap)
    except AssertionError:
        return
    raise AssertionError("a leak of 1 USD mn went unnoticed")
