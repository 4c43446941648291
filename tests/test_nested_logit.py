"""Nested logit (rail hubs in one nest, the sea in the other) against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_invariants import cost_matrices

from sim.model import mechanisms as mech

INF = float("inf")
RAIL_SEA = [0, 0, 1]  # two rail hubs, then the sea

# two rail hubs of cost 1 and 2, the sea at 1.5, scale 1, lambda 0.5 (all by hand):
# rail u = -1, -2; u / lambda = -2, -4
#   P(hub 1 | rail) = e^-2 / (e^-2 + e^-4) = 1 / (1 + e^-2)            = 0.880797
#   I_rail = log(e^-2 + e^-4) = -2 + log(1 + e^-2) = -2 + 0.126928     = -1.873072
#   lambda I_rail = -0.936536; the sea alone: lambda I_sea = u_sea     = -1.5
#   P(rail) = e^-0.936536 / (e^-0.936536 + e^-1.5) = 1 / (1 + e^-0.563464) = 0.637254
#   inclusive = -log(e^-0.936536 + e^-1.5)                             = 0.485949
W_HUB1 = 1.0 / (1.0 + math.exp(-2.0))
LAM_I_RAIL = 0.5 * (-2.0 + math.log(1.0 + math.exp(-2.0)))
P_RAIL = math.exp(LAM_I_RAIL) / (math.exp(LAM_I_RAIL) + math.exp(-1.5))
HAND = [W_HUB1 * P_RAIL, (1.0 - W_HUB1) * P_RAIL, 1.0 - P_RAIL]
HAND_INCLUSIVE = -math.log(math.exp(LAM_I_RAIL) + math.exp(-1.5))


def test_two_hubs_and_sea_by_hand():
    probs, inclusive = mech.nested_logit([1.0, 2.0, 1.5], 1.0, RAIL_SEA, 0.5)
    np.testing.assert_allclose(HAND, [0.561291, 0.075962, 0.362746], atol=1e-6)  # as above
    assert probs == pytest.approx(HAND, rel=1e-12)
    assert float(inclusive) == pytest.approx(HAND_INCLUSIVE, rel=1e-12)
    assert float(inclusive) == pytest.approx(0.485949, abs=1e-6)
    # plain logit gives the sea less: e^-1.5 / (e^-1 + e^-2 + e^-1.5) = 0.307196 < 0.362746;
    # the second hub, a close substitute of the first, takes less from the sea
    assert mech.logit([1.0, 2.0, 1.5], 1.0)[0][2] == pytest.approx(0.307196, abs=1e-6)


def test_one_hub_and_sea_is_plain_logit_for_any_lambda():
    # each nest holds one option, so lambda_k I_k = u_i whatever lambda: plain logit,
    # p1 = 1 / (1 + e^-1) for utilities -1000/600 and -1600/600
    for lam in (0.05, 0.5, 1.0):
        probs, inclusive = mech.nested_logit([1000.0, 1600.0], 600.0, [0, 1], lam)
        p1 = 1.0 / (1.0 + math.exp(-1.0))
        assert probs == pytest.approx([p1, 1.0 - p1], rel=1e-12)
        expected = -600.0 * math.log(math.exp(-1000.0 / 600.0) + math.exp(-1600.0 / 600.0))
        assert float(inclusive) == pytest.approx(expected, rel=1e-12)


def test_three_options_scale_and_lambda_per_nest():
    # costs 0, 2 (rail) and 2 (sea), scale 2, lambda 0.5 for rail and 1 for the sea:
    # rail u = 0, -1; u / 0.5 = 0, -2: P(hub 1 | rail) = 1 / (1 + e^-2)         = 0.880797
    # lambda I_rail = 0.5 log(1 + e^-2) = 0.063464; sea u = -1
    # P(rail) = e^0.063464 / (e^0.063464 + e^-1)                                = 0.743352
    # inclusive = -2 log(e^0.063464 + e^-1)                                     = -0.720099
    probs, inclusive = mech.nested_logit([0.0, 2.0, 2.0], 2.0, RAIL_SEA, [0.5, 1.0])
    within = 1.0 / (1.0 + math.exp(-2.0))
    lam_i = 0.5 * math.log(1.0 + math.exp(-2.0))
    p_rail = math.exp(lam_i) / (math.exp(lam_i) + math.exp(-1.0))
    assert p_rail == pytest.approx(0.743352, abs=1e-6)
    assert probs == pytest.approx([within * p_rail, (1 - within) * p_rail, 1 - p_rail], rel=1e-12)
    assert float(inclusive) == pytest.approx(-2.0 * math.log(math.exp(lam_i) + math.exp(-1.0)))
    assert float(inclusive) == pytest.approx(-0.720099, abs=1e-6)


def test_nests_need_not_be_contiguous():
    # the sea first, then the two hubs: the hand case with its columns permuted
    probs, inclusive = mech.nested_logit([1.5, 2.0, 1.0], 1.0, [1, 0, 0], 0.5)
    assert probs == pytest.approx([HAND[2], HAND[1], HAND[0]], rel=1e-12)
    assert float(inclusive) == pytest.approx(HAND_INCLUSIVE, rel=1e-12)


def test_cells_by_options_with_the_sea_last():
    # the choice code's layout: one row per cell, platforms then the sea
    cost = np.array(
        [
            [1.0, 2.0, 1.5],  # the hand case
            [INF, INF, 3.0],  # no platform on offer: only the sea
            [INF, 2.0, 1.5],  # one platform: a nest of one, plain logit against the sea
            [1.0, INF, INF],  # rail only
        ]
    )
    nest = mech.rail_and_sea_nests(3)
    assert nest.tolist() == RAIL_SEA
    probs, inclusive = mech.nested_logit(cost, 1.0, nest, 0.5)
    assert probs[0] == pytest.approx(HAND, rel=1e-12)
    assert probs[1].tolist() == [0.0, 0.0, 1.0]
    p2 = 1.0 / (1.0 + math.exp(-0.5))  # hub at 2 against the sea at 1.5
    assert probs[2] == pytest.approx([0.0, 1.0 - p2, p2], rel=1e-12)
    assert probs[3].tolist() == [1.0, 0.0, 0.0]
    expected = [HAND_INCLUSIVE, 3.0, -math.log(math.exp(-2.0) + math.exp(-1.5)), 1.0]
    assert inclusive == pytest.approx(expected, rel=1e-12)
    assert not np.isnan(probs).any()


def test_bonus_shifts_choice_not_inclusive_value():
    # a bonus of 1 on hub 2 makes both hubs cost 1: even within the rail nest
    probs, inclusive = mech.nested_logit([1.0, 2.0, 1.5], 1.0, RAIL_SEA, 0.5, bonus=[0, 1, 0])
    assert probs[0] == pytest.approx(probs[1], rel=1e-12)
    # lambda I_rail = 0.5 log(2 e^-2) = -1 + 0.5 log 2; the sea -1.5
    p_rail = 1.0 / (1.0 + math.exp(-1.5 - (-1.0 + 0.5 * math.log(2.0))))
    assert probs[2] == pytest.approx(1.0 - p_rail, rel=1e-12)
    assert float(inclusive) == pytest.approx(HAND_INCLUSIVE, rel=1e-12)  # without the bonus
    alone = mech.nested_choice_probabilities([1.0, 2.0, 1.5], 1.0, RAIL_SEA, 0.5, bonus=[0, 1, 0])
    assert alone == pytest.approx(probs, rel=1e-15)


def test_huge_costs_and_small_lambda_do_not_overflow():
    # the hand case shifted by 1e6: the same probabilities
    probs, inclusive = mech.nested_logit([1e6 + 1.0, 1e6 + 2.0, 1e6 + 1.5], 1.0, RAIL_SEA, 0.5)
    assert probs == pytest.approx(HAND, rel=1e-9)
    assert float(inclusive) == pytest.approx(1e6 + HAND_INCLUSIVE, rel=1e-12)
    # u / lambda = -1000 for the second hub: exp would underflow unshifted, overflow negated
    probs, _ = mech.nested_logit([0.0, 10.0, 5.0], 1.0, RAIL_SEA, 0.01)
    assert probs[1] == pytest.approx(0.0, abs=1e-300)
    assert probs[0] == pytest.approx(1.0 / (1.0 + math.exp(-5.0)), rel=1e-12)


def test_duplicate_hub_barely_moves_rail_share_at_small_lambda():
    # a hub and the sea, both at cost 1: rail share 1/2. Add a copy of the hub:
    # plain logit: 2 / 3 (IIA: the copy takes from the sea as from the hub);
    # nested: lambda I_rail = -1 + lambda log 2, share 1 / (1 + 2^-lambda) -> 1/2 as lambda -> 0
    one = [1.0, 1.0]
    two = [1.0, 1.0, 1.0]

    def rail_rise(lam):
        before = mech.nested_logit(one, 1.0, [0, 1], lam)[0][0]
        after = mech.nested_logit(two, 1.0, RAIL_SEA, lam)[0][:2].sum()
        assert after == pytest.approx(1.0 / (1.0 + 2.0**-lam), rel=1e-12)
        return after - before

    plain_rise = mech.logit(two, 1.0)[0][:2].sum() - mech.logit(one, 1.0)[0][0]
    assert plain_rise == pytest.approx(2 / 3 - 1 / 2, rel=1e-12)
    assert rail_rise(1.0) == pytest.approx(plain_rise, rel=1e-12)
    assert 0.0 < rail_rise(0.05) < rail_rise(0.5) < plain_rise
    assert rail_rise(0.05) < 0.1 * plain_rise


def test_inclusive_value_limits():
    cost = [1.0, 2.0, 1.5]
    # one option: its cost
    assert float(mech.nested_inclusive_value([INF, 2.0, INF], 1.0, RAIL_SEA, 0.3)) == 2.0
    # lambda -> 0: each nest is worth its cheapest option, so logit over 1 (rail) and 1.5
    tiny = float(mech.nested_inclusive_value(cost, 1.0, RAIL_SEA, 1e-3))
    assert tiny == pytest.approx(float(mech.inclusive_value([1.0, 1.5], 1.0)), abs=1e-9)
    # lambda = 1: plain logit's
    one = float(mech.nested_inclusive_value(cost, 1.0, RAIL_SEA, 1.0))
    assert one == pytest.approx(float(mech.inclusive_value(cost, 1.0)), rel=1e-12)
    assert tiny > HAND_INCLUSIVE > one  # falls as lambda rises


@pytest.mark.parametrize("lam", [0.0, -0.5, 1.5, float("nan"), [0.5, 2.0]])
def test_lambda_outside_unit_interval_is_refused(lam):
    with pytest.raises(ValueError, match="lambda"):
        mech.nested_logit([1.0, 2.0, 1.5], 1.0, RAIL_SEA, lam)


def test_nest_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="nest"):
        mech.nested_logit([1.0, 2.0, 1.5], 1.0, [0, 1], 0.5)


# --- properties over random costs (hypothesis) -----------------------------------------------


@st.composite
def nested_cases(draw):
    """Cost matrices with some unavailable entries (one finite per row), nests, lambdas."""
    cost = draw(cost_matrices())
    nest = draw(hnp.arrays(np.int64, cost.shape[1], elements=st.integers(0, 2)))
    n_nests = int(nest.max()) + 1
    lam = draw(hnp.arrays(float, n_nests, elements=st.floats(0.01, 1.0)))
    scale = draw(st.floats(1.0, 1e4))
    return cost, nest, lam, scale


@settings(max_examples=150, deadline=None)
@given(case=nested_cases(), bonus=st.floats(0.0, 1e3))
def test_lambda_one_is_plain_logit(case, bonus):
    cost, nest, _, scale = case
    bonus = np.linspace(0.0, bonus, cost.shape[1])
    probs, inclusive = mech.nested_logit(cost, scale, nest, 1.0, bonus=bonus)
    plain, plain_inclusive = mech.logit(cost, scale, bonus=bonus)
    np.testing.assert_allclose(probs, plain, rtol=0.0, atol=1e-12)
    np.testing.assert_allclose(inclusive, plain_inclusive, rtol=1e-12, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(case=nested_cases())
def test_probabilities_and_inclusive_value(case):
    cost, nest, lam, scale = case
    probs, inclusive = mech.nested_logit(cost, scale, nest, lam)
    assert np.all((probs >= 0.0) & (probs <= 1.0))
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(probs[np.isinf(cost)] == 0.0)
    # choice has value: at most the cheapest cost ...
    cheapest = cost.min(axis=-1)
    assert np.all(inclusive <= cheapest + 1e-9 * np.maximum(cheapest, 1.0))
    # ... and more of it as the options within nests are less alike (lambda up)
    higher = mech.nested_inclusive_value(cost, scale, nest, np.minimum(lam * 1.5, 1.0))
    assert np.all(higher <= inclusive + 1e-9 * np.maximum(np.abs(inclusive), 1.0))
    # the inclusive value alone agrees
    np.testing.assert_array_equal(mech.nested_inclusive_value(cost, scale, nest, lam), inclusive)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    lam=st.floats(0.05, 0.99),
    n=st.integers(1, 12),
)
def test_hub_choice_is_the_general_nested_logit_with_two_nests(seed, lam, n):
    # the two-nest fast path against the general nested logit, with a loyalty bonus
    rng = np.random.default_rng(seed)
    cost = rng.uniform(500.0, 9000.0, (7, n + 1))
    cost[:, :-1][rng.random((7, n)) < 0.3] = np.inf  # some hubs unavailable, sea never
    bonus = np.zeros_like(cost)
    bonus[:, 0] = 300.0
    nest = mech.rail_and_sea_nests(n + 1)
    p0, i0 = mech.nested_logit(cost, 400.0, nest, lam, bonus=bonus)
    p1, i1 = mech.hub_choice(cost, 400.0, lam, bonus=bonus)
    np.testing.assert_allclose(p1, p0, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(i1, i0, rtol=1e-12)
    np.testing.assert_allclose(mech.hub_inclusive_value(cost, 400.0, lam), i0, rtol=1e-12)
