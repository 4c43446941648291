"""The mechanisms' pure functions against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import mechanisms as mech
from sim.scenario.sections import InnovationSettings

INF = float("inf")

# --- logit -----------------------------------------------------------------------------------


def test_logit_two_options():
    probs, inclusive = mech.logit([1000.0, 1600.0], 600.0)
    p1 = 1.0 / (1.0 + math.exp(-1.0))  # utilities -1000/600 and -1600/600 differ by 1
    assert probs == pytest.approx([p1, 1.0 - p1], rel=1e-12)
    expected = -600.0 * math.log(math.exp(-1000.0 / 600.0) + math.exp(-1600.0 / 600.0))
    assert float(inclusive) == pytest.approx(expected, rel=1e-12)
    # the inclusive value is below the cheapest cost: choice has value
    assert float(inclusive) < 1000.0


def test_logit_three_options():
    probs, inclusive = mech.logit([0.0, 600.0, 1200.0], 600.0)
    w = [1.0, math.exp(-1.0), math.exp(-2.0)]
    total = sum(w)
    assert probs == pytest.approx([x / total for x in w], rel=1e-12)
    assert float(inclusive) == pytest.approx(-600.0 * math.log(total), rel=1e-12)


def test_logit_rows_are_independent():
    cost = np.array([[1000.0, 1600.0], [1600.0, 1000.0]])
    probs, inclusive = mech.logit(cost, 600.0)
    p1 = 1.0 / (1.0 + math.exp(-1.0))
    assert probs[0] == pytest.approx([p1, 1 - p1])
    assert probs[1] == pytest.approx([1 - p1, p1])
    assert inclusive[0] == pytest.approx(inclusive[1])


def test_logit_unavailable_option_gets_zero():
    probs, inclusive = mech.logit([1000.0, INF, 1600.0], 600.0)
    p1 = 1.0 / (1.0 + math.exp(-1.0))
    assert probs[1] == 0.0
    assert probs == pytest.approx([p1, 0.0, 1.0 - p1], rel=1e-12)
    expected = -600.0 * math.log(math.exp(-1000.0 / 600.0) + math.exp(-1600.0 / 600.0))
    assert float(inclusive) == pytest.approx(expected, rel=1e-12)


def test_logit_only_one_available_option():
    probs, inclusive = mech.logit([INF, 2500.0, INF], 600.0)
    assert probs.tolist() == [0.0, 1.0, 0.0]
    assert float(inclusive) == pytest.approx(2500.0, rel=1e-12)


def test_logit_huge_costs_do_not_underflow():
    # exp(-1e6/600) underflows to 0 unless the utility is shifted before exp
    probs, inclusive = mech.logit([1e6, 1e6 + 600.0], 600.0)
    p1 = 1.0 / (1.0 + math.exp(-1.0))
    assert probs == pytest.approx([p1, 1 - p1], rel=1e-12)
    assert float(inclusive) == pytest.approx(1e6 - 600.0 * math.log(1 + math.exp(-1.0)))


def test_loyalty_bonus_shifts_probability():
    # a bonus of 300 on the dearer option: utility gap (1600 - 300 - 1000)/600 = 0.5
    probs, inclusive = mech.logit([1000.0, 1600.0], 600.0, bonus=[0.0, 300.0])
    p1 = 1.0 / (1.0 + math.exp(-0.5))
    assert probs == pytest.approx([p1, 1.0 - p1], rel=1e-12)
    # the inclusive value is the expected cost without the bonus
    expected = -600.0 * math.log(math.exp(-1000.0 / 600.0) + math.exp(-1600.0 / 600.0))
    assert float(inclusive) == pytest.approx(expected, rel=1e-12)


def test_loyalty_bonus_equal_to_gap_makes_options_even():
    probs, _ = mech.logit([1000.0, 1600.0], 600.0, bonus=[0.0, 600.0])
    assert probs == pytest.approx([0.5, 0.5], rel=1e-12)


# --- pick ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("u", "expected"),
    [(0.0, 0), (0.1, 0), (0.19, 0), (0.21, 1), (0.5, 1), (0.69, 1), (0.71, 2), (0.999, 2)],
)
def test_pick_inverse_cdf(u, expected):
    probs = np.array([[0.2, 0.5, 0.3]])
    assert mech.pick(probs, np.array([u])).tolist() == [expected]


def test_pick_rows_and_unnormalized_weights():
    probs = np.array([[1.0, 3.0], [0.0, 2.0], [2.0, 0.0]])  # rows need not sum to one
    u = np.array([0.3, 0.1, 0.9])
    # row 0: cdf 1, 4 -> 0.3 * 4 = 1.2 > 1 -> option 1
    assert mech.pick(probs, u).tolist() == [1, 1, 0]


def test_pick_skips_zero_probability_options():
    probs = np.array([[0.0, 0.5, 0.0, 0.5, 0.0]] * 5)
    u = np.array([0.0, 0.25, 0.49, 0.51, 0.99])
    assert mech.pick(probs, u).tolist() == [1, 1, 1, 3, 3]


# --- platform cost and trains ---------------------------------------------------------------

COST = {"rail_cost": 6000.0, "density_premium": 0.6, "saturation": 90.0, "congestion": 1.0}


@pytest.mark.parametrize(
    ("trains", "capacity", "expected"),
    [
        (0.0, 60.0, 6000.0 * (1 + 0.6 * 1.0)),  # no trains: the full density premium
        (45.0, 60.0, 6000.0 * (1 + 0.6 * 0.5)),  # half the saturation frequency
        (90.0, 100.0, 6000.0),  # at saturation, below capacity
        (150.0, 150.0, 6000.0),  # beyond saturation, at capacity: no premium, no congestion
        (120.0, 100.0, 6000.0 * (1 + 1.0 * 0.2**2)),  # 20% over capacity
        (30.0, 20.0, 6000.0 * (1 + 0.6 * (1 - 30 / 90)) * (1 + 0.5**2)),  # both at once
        (30.0, 0.0, 6000.0 * (1 + 0.6 * (1 - 30 / 90))),  # no terminal: no congestion term
    ],
)
def test_cost_per_feu(trains, capacity, expected):
    assert float(mech.cost_per_feu(trains, capacity, **COST)) == pytest.approx(expected, rel=1e-12)


def test_cost_per_feu_broadcasts_and_congestion_scales():
    got = mech.cost_per_feu([45.0, 120.0], [60.0, 100.0], **{**COST, "congestion": 2.5})
    assert got == pytest.approx([7800.0, 6000.0 * (1 + 2.5 * 0.04)], rel=1e-12)


def test_trains_run_without_cap():
    # 410 containers fill 10 trains of 41; a target of 13 runs 3 more, a target of 5 none
    assert float(mech.trains_run(410.0, 13.0, slots=41, empty_slot_cap=1.0)) == 13.0
    assert float(mech.trains_run(410.0, 5.0, slots=41, empty_slot_cap=1.0)) == 10.0
    assert float(mech.trains_run(0.0, 13.0, slots=41, empty_slot_cap=1.0)) == 13.0


def test_trains_run_with_empty_slot_cap():
    # at most 10% empty slots: at most 10 / 0.9 trains for 10 trains of cargo
    got = float(mech.trains_run(410.0, 13.0, slots=41, empty_slot_cap=0.1))
    assert got == pytest.approx(10.0 / 0.9, rel=1e-12)
    # a cap that does not bind leaves the target
    assert float(mech.trains_run(410.0, 13.0, slots=41, empty_slot_cap=0.5)) == 13.0
    # no empty slots allowed: trains for the cargo only; none without cargo
    assert float(mech.trains_run(410.0, 13.0, slots=41, empty_slot_cap=0.0)) == 10.0
    assert float(mech.trains_run(0.0, 13.0, slots=41, empty_slot_cap=0.5)) == 0.0
    # the cap never runs fewer trains than the cargo needs
    assert float(mech.trains_run(820.0, 5.0, slots=41, empty_slot_cap=0.1)) == 20.0


def test_load_factor():
    assert float(mech.load_factor(820.0, 25.0, 41)) == pytest.approx(0.8, rel=1e-12)
    assert float(mech.load_factor(410.0, 10.0, 41)) == 1.0
    assert float(mech.load_factor(0.0, 0.0, 41)) == 0.0  # no train, no division by zero
    assert mech.load_factor([41.0, 0.0], [2.0, 3.0], 41).tolist() == [0.5, 0.0]


# --- the lender ------------------------------------------------------------------------------

LEND = {"pd": 0.25, "lgd": 0.5, "cover": 0.5, "appetite": 0.1, "cash": 10.0, "equity": 10.0}


def test_lender_collateral_boundary():
    # ratio 1.5 on a loan of 100 needs collateral 150: equal passes, a hair less fails
    hair_less = np.nextafter(150.0, 0.0)
    ok = mech.lender_eligible(
        np.array([100.0, 100.0, 100.0]), np.array([150.0, hair_less, 1e9]), 1.5, **LEND
    )
    assert ok.tolist() == [True, False, True]


def test_lender_private_ratio_per_request():
    ok = mech.lender_eligible(
        np.array([100.0, 100.0]), np.array([120.0, 120.0]), np.array([1.0, 1.5]), **LEND
    )
    assert ok.tolist() == [True, False]


def test_lender_risk_appetite_boundary():
    # expected loss after insurance: 0.25 * 0.5 * (1 - 0.5) = 0.0625 (exact in binary)
    risky = {**LEND, "pd": 0.25}
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**risky, "appetite": 0.0625}).item() is True
    hair_less = np.nextafter(0.0625, 0.0)
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**risky, "appetite": hair_less}).item() is False
    # per-request default probabilities against one appetite
    ok = mech.lender_eligible(
        np.ones(2), np.full(2, 9.0), 1.0, **{**risky, "pd": np.array([0.25, 0.5]), "appetite": 0.1}
    )
    assert ok.tolist() == [True, False]  # 0.0625 <= 0.1 < 0.125


def test_lender_cover_lowers_expected_loss():
    base = {**LEND, "appetite": 0.0625, "pd": 0.25}
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**base, "cover": 0.4}).item() is False
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**base, "cover": 0.6}).item() is True


def test_lender_needs_the_equity_share_in_cash():
    base = {**LEND, "equity": 30.0}
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**base, "cash": 30.0}).item() is True
    assert mech.lender_eligible(1.0, 9.0, 1.0, **{**base, "cash": 29.999}).item() is False


def test_ration_priority_order():
    amounts = [30.0, 50.0, 20.0, 40.0]
    priority = [0.4, 0.1, 0.3, 0.2]  # order: 1 (50), 3 (40), 2 (20), 0 (30)
    got = mech.ration(amounts, [True] * 4, priority, 100.0)
    assert got.tolist() == [False, True, False, True]  # 90 used; neither 20 nor 30 fits in 10


def test_ration_smaller_later_request_fits():
    amounts = [10.0, 50.0, 60.0, 40.0]
    priority = [0.4, 0.1, 0.3, 0.2]  # order: 1 (50), 3 (40), 2 (60: skipped), 0 (10)
    got = mech.ration(amounts, [True] * 4, priority, 100.0)
    assert got.tolist() == [True, True, False, True]


def test_ration_first_too_big_is_skipped():
    got = mech.ration([50.0, 40.0], [True, True], [0.0, 1.0], 45.0)
    assert got.tolist() == [False, True]


def test_ration_capacity_exhausted_and_eligibility():
    assert not mech.ration([10.0, 10.0], [True, True], [0, 1], 0.0).any()
    assert not mech.ration([10.0, 10.0], [False, False], [0, 1], 100.0).any()
    got = mech.ration([10.0, 10.0, 10.0], [True, False, True], [2, 0, 1], 15.0)
    assert got.tolist() == [False, False, True]  # the ineligible first in line gets nothing
    exact = mech.ration([60.0, 40.0], [True, True], [0, 1], 100.0)
    assert exact.tolist() == [True, True]  # capacity used exactly


# --- receivables, innovation -----------------------------------------------------------------


def test_receivables_factor():
    got = mech.receivables_factor(
        np.array([True, True, False, True]), np.array([2, 4, 4, 0]), 0.6, 0.25
    )
    # constrained: 1 - 0.25 * class/4 * (1 - 0.6); unconstrained firms lose nothing
    assert got == pytest.approx([1 - 0.25 * 0.5 * 0.4, 1 - 0.25 * 1.0 * 0.4, 1.0, 1.0])
    assert mech.receivables_factor(np.array([True]), np.array([4]), 1.0, 0.25).tolist() == [1.0]


def test_innovation_growth():
    p = InnovationSettings(rd_effect=0.006, talent_effect=0.01, conversion=0.002, depreciation=0.01)
    got = mech.innovation_growth(2.0, 2.5, 1.0, 1.0, 3.0, p=p, conversion_mult=2.0, spillover=0.1)
    growth = 0.006 * 2.5 + 0.01 * 1.0 + 0.002 * 2.0 * 1.0 - 0.01  # 0.019
    assert float(got) == pytest.approx(2.0 * (1 + growth) + 0.1 * (3.0 - 2.0), rel=1e-12)
    # outside a sharing group (group mean = own stock) the spillover term vanishes
    alone = mech.innovation_growth(2.0, 2.5, 1.0, 1.0, 2.0, p=p, conversion_mult=2.0, spillover=0.1)
    assert float(alone) == pytest.approx(2.0 * (1 + growth), rel=1e-12)


# --- inequality and concentration -----------------------------------------------------------


def gini_by_pairs(values):
    """Gini as mean absolute difference over all ordered pairs, over twice the mean."""
    v = list(values)
    n = len(v)
    return sum(abs(a - b) for a in v for b in v) / (2 * n * n * (sum(v) / n))


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 1, 1], 0.0), ([0, 0, 0, 1], 0.75), ([1, 2, 3, 4], 0.25), ([4, 1, 3, 2], 0.25)],
)
def test_gini_known_vectors(values, expected):
    assert mech.gini(values) == pytest.approx(expected, abs=1e-12)
    assert gini_by_pairs(values) == pytest.approx(expected, abs=1e-12)  # the hand values


def test_gini_against_pairwise_definition():
    v = [3.0, 0.5, 7.0, 2.0, 2.0, 11.0]
    assert mech.gini(v) == pytest.approx(gini_by_pairs(v), rel=1e-12)


def test_gini_degenerate():
    assert mech.gini([]) == 0.0
    assert mech.gini([0.0, 0.0]) == 0.0


def test_herfindahl():
    assert mech.herfindahl([1.0, 1.0, 2.0]) == pytest.approx(0.25**2 * 2 + 0.5**2)
    assert mech.herfindahl([5.0, 0.0, 0.0]) == 1.0
    assert mech.herfindahl([1.0] * 4) == pytest.approx(0.25)
    assert mech.herfindahl([0.0, 0.0]) == 0.0


# --- distance --------------------------------------------------------------------------------


def test_haversine_chengdu_chongqing():
    # about 267 km great circle; a planar or radians-less formula is off by tens of km
    d = float(mech.haversine_km(104.06, 30.67, 106.54, 29.59))
    assert d == pytest.approx(267.0, abs=3.0)


def test_haversine_known_arcs():
    quarter = math.pi / 2 * 6371.0
    assert float(mech.haversine_km(0.0, 0.0, 0.0, 90.0)) == pytest.approx(quarter, rel=1e-9)
    assert float(mech.haversine_km(0.0, 0.0, 90.0, 0.0)) == pytest.approx(quarter, rel=1e-9)
    assert float(mech.haversine_km(10.0, 0.0, -170.0, 0.0)) == pytest.approx(2 * quarter)
    assert float(mech.haversine_km(104.06, 30.67, 104.06, 30.67)) == 0.0
    # one degree of longitude at 60 N is half a degree at the equator (to first order)
    at60 = float(mech.haversine_km(0.0, 60.0, 1.0, 60.0))
    assert at60 == pytest.approx(quarter / 90 * 0.5, rel=1e-4)


def test_haversine_broadcasts():
    d = mech.haversine_km(np.array([[104.06], [0.0]]), np.array([[30.67], [0.0]]), 0.0, 0.0)
    assert d.shape == (2, 1)
    assert d[1, 0] == 0.0


# --- innovation: chance, projects brought home, sharing that lifts laggards only ---------


def test_sharing_lifts_a_laggard_and_leaves_the_leader_as_it_is():
    p = InnovationSettings(rd_effect=0.0, talent_effect=0.0, conversion=0.0, depreciation=0.0)
    kw = {"p": p, "conversion_mult": 1.0, "spillover": 0.5}
    assert float(mech.innovation_growth(1.0, 0, 0, 0, 2.0, **kw)) == pytest.approx(1.5)
    assert float(mech.innovation_growth(3.0, 0, 0, 0, 2.0, **kw)) == 3.0  # the leader keeps it


def test_a_failed_quarter_of_rd_adds_nothing_and_a_success_adds_its_expected_share():
    p = InnovationSettings(rd_effect=0.01, talent_effect=0.0, conversion=0.0, depreciation=0.0)
    kw = {"p": p, "conversion_mult": 1.0, "spillover": 0.0}
    # R&D intensity 2%: 2% growth when sure; with a 50% chance, 0 or 4%
    assert float(mech.innovation_growth(1.0, 2.0, 0, 0, 1.0, **kw)) == pytest.approx(1.02)
    assert float(mech.innovation_growth(1.0, 2.0, 0, 0, 1.0, rd_factor=0.0, **kw)) == 1.0
    assert float(mech.innovation_growth(1.0, 2.0, 0, 0, 1.0, rd_factor=2.0, **kw)) == (
        pytest.approx(1.04)
    )


def test_projects_completed_abroad_feed_the_home_stock():
    p = InnovationSettings(
        rd_effect=0.0, talent_effect=0.0, conversion=0.0, depreciation=0.0, project_feedback=0.5
    )
    kw = {"p": p, "conversion_mult": 1.0, "spillover": 0.0}
    # one project per ten firms this quarter: 0.5 * 0.1 = 5% growth
    assert float(mech.innovation_growth(2.0, 0, 0, 0, 2.0, projects=0.1, **kw)) == (
        pytest.approx(2.1)
    )
