"""Trains both ways and border crossings in the model: invariants over whole runs.

The mechanisms are tested by hand in test_service.py; here the model's own stages must
conserve return cargo and trains, whatever the seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build_small, run_small

BOTH_WAYS = {
    "run": {"platform_layer": "cities", "steps": 10},
    "partners": {"inbound_ratio": 0.6},
    "freight": {
        "return_target": 0.3,
        "crossing_choice": "logit",
        "crossing_congestion": 2.0,
        "crossing_capacity": 20.0,
    },
}


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_return_cargo_and_trains_are_conserved(seed):
    m = build_small(BOTH_WAYS, seed=seed)
    slots = m.p.freight.train_slots
    for _ in range(m.p.run.steps):
        m.step()
        # every cell's return cargo is shared out over the options in full (the sea last)
        np.testing.assert_allclose(m.inbound_state.sum(axis=1), 1.0, atol=1e-9)
        assert (m.inbound_state >= -1e-12).all()
        inbound = np.array([pl.inbound for pl in m.platforms])
        back = np.array([pl.return_trains for pl in m.platforms])
        out = np.array([pl.trains for pl in m.platforms])
        eligible = float((m.rail_eligible[m.firms.sector] * m.firms.exports).sum())
        assert inbound.sum() <= 0.6 * eligible + 1e-6  # the rest goes by sea
        # empty plus loaded slots are the return slots run; the target is met
        empty = np.maximum(back * slots - inbound, 0.0)
        np.testing.assert_allclose(empty + inbound, back * slots, rtol=1e-9, atol=1e-9)
        assert (back >= 0.3 * out - 1e-9).all()
        # each platform's trains both ways pass its corridor's crossings, none lost
        assert m.crossing_trains.sum() == pytest.approx((out + back).sum(), rel=1e-9)
        np.testing.assert_allclose(m.crossing_split.sum(axis=1), 1.0)


OUTBOUND_ONLY = {
    "run": {"steps": 4},
    "partners": {"inbound_ratio": 0.0},
    "freight": {"crossing_choice": "listed", "crossing_congestion": 0.0},
}


def test_outbound_only_without_return_cargo():
    o = run_small(OUTBOUND_ONLY).outcomes
    assert (o["return_trains"] == 0).all() and (o["inbound_volume"] == 0).all()
    assert (o["max_crossing_delay"] == 0).all()
    # every platform's trains at its listed crossing: the five crossings add up to trains
    crossing = [c for c in o if c.startswith("trains_")]
    np.testing.assert_allclose(o[crossing].sum(axis=1), o["trains"], rtol=1e-9)


def test_a_congested_crossing_sheds_trains_to_its_neighbour():
    # the same runs with and without congestion: Khorgos (the further west crossing
    # from most hubs) carries a larger share when Alashankou's delay counts
    free = run_small(BOTH_WAYS, {"freight": {"crossing_congestion": 0.0}}).outcomes
    congested = run_small(BOTH_WAYS, {"freight": {"crossing_congestion": 20.0}}).outcomes

    def khorgos_share(o):
        return o["trains_khorgos"].sum() / (o["trains_khorgos"] + o["trains_alashankou"]).sum()

    assert khorgos_share(congested) > khorgos_share(free)
