"""Destinations drawn by market size (partners.destinations, ODD 7.1)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build_small

from sim import data
from sim.model.draws import EntrantDraws

EXPORTS = {"partners": {"destinations": "exports"}}
UNIFORM = {"partners": {"destinations": "uniform"}}


def table_weights(year: int, partners: list[str]) -> np.ndarray:
    e = data.load_partner_exports()
    v = e[e["year"] == year].set_index("partner").loc[partners, "china_exports_usd_bn"]
    return v.to_numpy() / v.sum()


def test_exports_is_the_default():
    assert build_small().p.partners.destinations == "exports"


def test_uniform_draws_integers():
    m = build_small(UNIFORM)
    assert m.partner_weights is None
    # the uniform draw is exactly the integer draw it always was, in the same place
    d = EntrantDraws.draw(np.random.default_rng(7), 500, m)
    rng = np.random.default_rng(7)
    rng.choice(len(m.province_list), size=500, p=m.province_weights)
    rng.choice(len(m.sector_names), size=500, p=m.sector_shares)
    np.testing.assert_array_equal(d.country, rng.integers(0, len(m.partner_list), size=500))


@pytest.mark.parametrize(
    ("start", "year"), [(2015, 2015), (2019, 2019), (2008, 2015), (2030, 2021)]
)
def test_weights_are_exports_of_the_start_year_or_the_nearest(start, year):
    m = build_small(EXPORTS, {"run": {"start_year": start}})
    np.testing.assert_allclose(m.partner_weights, table_weights(year, m.partner_list))
    assert m.partner_weights.sum() == pytest.approx(1.0)


def test_weights_are_restricted_to_the_modelled_partners():
    partners = ["Germany", "Kazakhstan", "Tajikistan"]
    m = build_small(EXPORTS, {"run": {"partners": partners, "start_year": 2020}})
    assert m.partner_list == partners
    np.testing.assert_allclose(m.partner_weights, table_weights(2020, partners))
    assert m.partner_weights[0] > 50 * m.partner_weights[2]  # Germany against Tajikistan


def test_draw_frequencies_follow_the_export_weights():
    m = build_small(EXPORTS, {"run": {"start_year": 2020}})
    n = 400_000
    d = EntrantDraws.draw(np.random.default_rng(11), n, m)
    freq = np.bincount(d.country, minlength=len(m.partner_list)) / n
    w = m.partner_weights
    se = np.sqrt(w * (1 - w) / n)
    assert np.all(np.abs(freq - w) < 5 * se + 1e-12), np.max(np.abs(freq - w) / se)


def test_initial_population_is_weighted():
    m = build_small(EXPORTS, {"run": {"enterprises": 5000, "start_year": 2020}})
    freq = np.bincount(m.firms.country, minlength=len(m.partner_list)) / m.firms.n
    w = m.partner_weights
    assert np.all(np.abs(freq - w) < 5 * np.sqrt(w * (1 - w) / m.firms.n) + 1e-12)
    uniform = build_small(UNIFORM, {"run": {"enterprises": 5000, "start_year": 2020}})
    top = int(np.argmax(w))
    assert freq[top] > 3 * np.mean(uniform.firms.country == top)


def test_only_the_entrant_stream_changes():
    a, b = build_small(UNIFORM), build_small(EXPORTS)
    for _ in range(3):
        a.step()
        b.step()
    # partner shocks come from their own stream, drawn the same whatever the destinations
    assert [c.trend for c in a.partners] == [c.trend for c in b.partners]
    assert [c.log_fx for c in a.partners] == [c.log_fx for c in b.partners]
    assert [c.demand for c in a.partners] == [c.demand for c in b.partners]
    assert not np.array_equal(a.firms.country, b.firms.country)
