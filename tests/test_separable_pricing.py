"""The logit from small cost tables (route term + origin term) equals the full-matrix logit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import mechanisms as mech
from sim.model.pricing import CellPrices

INF = float("inf")


def test_two_hubs_by_hand():
    # one route (costs 1, 3 at two hubs) and one origin (costs 2, 1): totals 3 and 4;
    # t = 1: log(e^-3 + e^-4) = -3 + log(1 + e^-1)
    sums = mech.separable_log_sums([[1.0, 3.0]], [[2.0, 1.0]], 1.0)
    assert sums.log_sum[0, 0] == pytest.approx(-3.0 + math.log(1.0 + math.exp(-1.0)), rel=1e-14)
    # shifted factors: route [1, e^-2], origin [e^-1, 1]; their product sums to e^-1 + e^-2
    assert sums.sums[0, 0] == pytest.approx(math.exp(-1.0) + math.exp(-2.0), rel=1e-14)


def test_unavailable_options_add_nothing_and_none_gives_minus_infinity():
    sums = mech.separable_log_sums([[1.0, INF], [INF, INF]], [[0.0, 0.0]], 2.0)
    assert sums.log_sum[0, 0] == pytest.approx(-0.5, rel=1e-14)
    assert sums.log_sum[1, 0] == -INF


def test_separable_hub_choice_by_hand():
    # rail log-sum at t = scale * lambda; the sea's weight exp(-sea / scale)
    log_rail = math.log(math.exp(-2.0) + math.exp(-4.0))  # hubs 1 and 2, scale 1, lambda 0.5
    inclusive, rail, sea = mech.separable_hub_choice(
        np.array([log_rail]), np.array([1.5]), 1.0, 0.5
    )
    probs, direct = mech.nested_logit([1.0, 2.0, 1.5], 1.0, [0, 0, 1], 0.5)
    assert inclusive[0] == pytest.approx(float(direct), rel=1e-12)
    assert rail[0] == pytest.approx(probs[0] + probs[1], rel=1e-12)
    assert sea[0] == pytest.approx(probs[2], rel=1e-12)


def cell_prices(rng, n_routes, n_origins, n_plats, n_cells, spread, unavailable):
    by_route = rng.uniform(0.0, spread, (n_routes, n_plats))
    by_route[rng.random((n_routes, n_plats)) < unavailable] = INF
    by_origin = rng.uniform(0.0, spread, (n_origins, n_plats))
    route_row = rng.integers(0, n_routes, n_cells)
    return CellPrices(
        occupied=np.arange(n_cells),
        options=np.arange(n_plats + 1),
        by_route=by_route,
        by_origin=by_origin,
        route_row=route_row,
        origin_row=rng.integers(0, n_origins, n_cells),
        country=route_row,
        sea=rng.uniform(0.0, spread, n_cells),
        reach=np.isfinite(by_route),
    )


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    plats=st.integers(1, 8),
    scale=st.floats(1.0, 5000.0),
    lam=st.floats(0.05, 1.0),
    spread=st.sampled_from([10.0, 1e4, 1e6]),
    unavailable=st.floats(0.0, 1.0),
)
def test_tables_give_the_full_matrix_logit(seed, plats, scale, lam, spread, unavailable):
    """Inclusive value and probabilities from the tables equal hub_choice of the full costs.

    Includes costs far apart relative to the scale (the sums underflow and the cells are
    priced directly) and routes with no rail option at all.
    """
    prices = cell_prices(np.random.default_rng(seed), 4, 3, plats, 20, spread, unavailable)
    probs, inclusive = mech.hub_choice(prices.cost(), scale, lam)
    np.testing.assert_allclose(prices.inclusive_value(scale, lam), inclusive, rtol=1e-9, atol=1e-6)
    table_probs = prices.probabilities(scale, lam)
    np.testing.assert_allclose(table_probs, probs, atol=1e-12)
    np.testing.assert_allclose(table_probs.sum(axis=1), 1.0, atol=1e-12)


def test_availability_follows_the_cells_country():
    prices = cell_prices(np.random.default_rng(1), 3, 2, 4, 6, 10.0, 0.4)
    avail = prices.available()
    assert avail.shape == (6, 5) and avail[:, -1].all()
    np.testing.assert_array_equal(avail[:, :-1], np.isfinite(prices.by_route[prices.route_row]))
    cols = np.array([0, 1, 2, 3, 4, 0])
    np.testing.assert_array_equal(prices.available(np.arange(6), cols), avail[np.arange(6), cols])
