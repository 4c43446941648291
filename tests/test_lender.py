"""The lender's budget, queue and capital: hand-computed cases and invariants of whole runs.

Applications from every province compete for one budget a quarter. The lender ranks them
by risk-adjusted margin plus an ownership bonus (a lever), approves eligible ones while
the budget lasts, and its capital, which losses deplete and the interest margin rebuilds,
scales the budget.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import FAST_FINANCE, small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import mechanisms as mech
from sim.model.firms import ACTIVE
from sim.model.model import BRIModel


def test_queue_score_is_the_margin_after_expected_loss_plus_the_bonus():
    # 1.2% a quarter, 1% failure chance, 60% loss given default, 60% insured: the lender
    # keeps 0.01 * 0.6 * 0.4 = 0.0024 of expected loss
    assert mech.queue_score(0.012, 0.01, 0.6, 0.6, 0.0) == pytest.approx(0.0096)
    assert mech.queue_score(0.012, 0.01, 0.6, 0.6, 1.0) == pytest.approx(1.0096)


def test_queue_order_serves_the_best_score_first_and_breaks_ties_by_the_draw():
    place = mech.queue_order([0.01, 0.03, 0.01, 0.02], [0.9, 0.5, 0.1, 0.7])
    # 0.03 first, then 0.02, then the two 0.01 by their draws (0.1 before 0.9)
    assert place.tolist() == [3, 0, 2, 1]


def test_a_state_bonus_puts_a_lower_margin_state_firm_ahead_of_a_private_one():
    rate = np.array([0.012, 0.018])  # state firm, private firm (pays the spread)
    pd = np.array([0.008, 0.004])
    loans = np.array([100.0, 100.0])
    eligible = np.array([True, True])
    for bonus, winner in ((0.0, 1), (1.0, 0)):  # by margin alone the private firm wins
        score = mech.queue_score(rate, pd, 0.6, 0.6, np.array([bonus, 0.0]))
        approved = mech.ration(loans, eligible, mech.queue_order(score, [0.5, 0.5]), 150.0)
        assert np.flatnonzero(approved).tolist() == [winner]


def test_the_budget_shrinks_with_the_capital_and_is_restored_by_the_margin():
    model = BRIModel(small_scenario({"finance": {"lending_budget": 1000.0}}), rng=1)
    lender = model.lender
    start = model.p.finance.lender_capital
    lender.open_window()
    assert lender.capacity == 1000.0
    lender.close_books(interest=0.0, outstanding=0.0, losses=start / 2)  # half is lost
    lender.open_window()
    assert lender.capacity == pytest.approx(500.0)
    rate = model.p.finance.funding_rate
    lender.close_books(interest=start + rate * 100.0, outstanding=100.0, losses=0.0)
    lender.open_window()
    assert lender.capital == pytest.approx(1.5 * start)
    assert lender.capacity == 1000.0  # never above the budget


@settings(max_examples=8, deadline=None)
@given(
    budget=st.sampled_from([0.0, 200.0, 2000.0, 1e6]),
    capital=st.sampled_from([5.0, 500.0, 1e5]),
    priority=st.sampled_from([0.0, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_each_quarter_the_books_close_and_lending_stays_within_capacity(
    budget, capital, priority, seed
):
    s = small_scenario(
        FAST_FINANCE,
        {
            "run": {"steps": 6},
            "finance": {"lending_budget": budget, "lender_capital": capital},
            "policy": {"finance": {"state_priority": priority}},
        },
    )
    model = BRIModel(s, rng=seed)
    rate = s.finance.funding_rate
    for _ in range(s.run.steps):
        before = model.lender.capital
        model.step()
        f, flows, row = model.firms, model.flows, model.records[-1]
        disbursed = float(f.outstanding[f.status == ACTIVE].sum())
        change = flows.interest - rate * disbursed - flows.lender_loss
        assert model.lender.capital - before == pytest.approx(change, rel=1e-9, abs=1e-6)
        assert row["lending"] <= row["lending_capacity"] * (1 + 1e-12) + 1e-9
        assert row["lending_capacity"] <= budget * (1 + 1e-12)
        assert row["approved_state"] + row["approved_private"] == row["approved"]
        provinces = model.province_rows.records()
        last = [r for r in provinces if r["step"] == model.steps]
        assert sum(r["approved_loans"] for r in last) == row["approved"]
        assert row["rationed_demand"] >= 0.0


def test_the_premium_is_the_expected_claim_of_the_risk_class_loaded():
    # class failure chances 0.2% and 3% a quarter, 60% loss given default, 25% loading
    rate = mech.premium_rate([0.002, 0.03], 0.6, 0.25)
    assert rate == pytest.approx([1.25 * 0.002 * 0.6, 1.25 * 0.03 * 0.6])


def test_an_exhausted_insurer_is_refilled_to_zero_by_the_state():
    from sim.model.firms import StepFlows

    model = BRIModel(small_scenario({"finance": {"insurer_capital": 0.0}}), rng=1)
    lender = model.lender
    lender.insurer_cash = -120.0  # claims beyond its capital
    flows = StepFlows()
    lender.backstop(flows)
    assert (lender.insurer_cash, flows.backstop, flows.external["state_backstop"]) == (
        0.0,
        120.0,
        120.0,
    )
    lender.insurer_cash = 30.0
    lender.backstop(flows)
    assert (lender.insurer_cash, flows.backstop) == (30.0, 0.0)


# --- welfare: transfers net out ----------------------------------------------------------

amounts = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(amounts, min_size=12, max_size=12))
def test_transfers_net_out_so_the_parties_gains_sum_to_the_total(values):
    from sim.model.mechanisms.welfare import QuarterAccounts, welfare_by_party, welfare_total

    a = QuarterAccounts(*values)
    parties = welfare_by_party(a)
    assert sum(parties.values()) == pytest.approx(welfare_total(a), rel=1e-9, abs=1e-3)
    # a transfer alone moves gains between parties and leaves the total as it was
    more = QuarterAccounts(
        **{**a.__dict__, "interest": a.interest + 7.0, "premiums": a.premiums + 3.0}
    )
    assert welfare_total(more) == welfare_total(a)
    assert welfare_by_party(more)["exporters"] == pytest.approx(parties["exporters"] - 10.0)


def test_each_quarter_of_a_run_the_parties_gains_sum_to_the_recorded_welfare():
    from sim.model.collect import quarter_accounts
    from sim.model.mechanisms.welfare import welfare_by_party

    s = small_scenario(FAST_FINANCE, {"run": {"steps": 6}, "finance": {"lending_budget": 300.0}})
    model = BRIModel(s, rng=3)
    seen_transfers = 0.0
    for _ in range(s.run.steps):
        model.step()
        row = model.records[-1]
        flows = model.flows
        t = model.platform_table
        accounts = quarter_accounts(
            model,
            flows,
            surplus=float((t.revenue + t.subsidy - t.variable_cost).sum()),
            subsidies=float(t.subsidy.sum()),
            fixed=float(t.fixed_cost.sum()),
        )
        parties = welfare_by_party(accounts)
        assert sum(parties.values()) == pytest.approx(row["welfare_total"], rel=1e-9, abs=1e-6)
        seen_transfers += flows.interest + flows.premiums + flows.payouts
    assert seen_transfers > 0  # the run has interest, premiums and claims to net out


def test_innovation_varies_between_seeds_only_when_success_is_uncertain():
    def index(chance, seed):
        s = small_scenario({"run": {"steps": 6}, "innovation": {"success_chance": chance}})
        model = BRIModel(s, rng=seed)
        for _ in range(s.run.steps):
            model.step()
        return model.records[-1]["innovation_index"]

    assert index(1.0, 1) == index(1.0, 2)  # sure success: the same path on every seed
    assert index(0.5, 1) != index(0.5, 2)
