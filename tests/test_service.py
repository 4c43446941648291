"""Service frequency, border crossings and trains both ways, against cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import mechanisms as mech

# --- frequency (Mohring effect) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("trains", "expected"),
    [
        (91.25, 0.5),  # daily: half a day
        (182.5, 0.25),  # twice a day
        (13.0, 91.25 / 26.0),  # about weekly: 3.51 days
        (2.0, 91.25 / 4.0),  # two a quarter: 22.8 days
        (1.0, 45.625),  # one a quarter: half the quarter, the default cap
        (0.5, 45.625),  # rarer still: capped
        (0.0, 45.625),  # no trains: the cap
    ],
)
def test_frequency_wait_days(trains, expected):
    assert float(mech.frequency_wait_days(trains)) == pytest.approx(expected, rel=1e-12)


def test_frequency_wait_cap_and_period():
    # a 7-day cap binds below 91.25 / 14 = 6.52 trains a quarter
    got = mech.frequency_wait_days([0.0, 5.0, 6.5178571428571, 13.0], cap_days=7.0)
    assert got == pytest.approx([7.0, 7.0, 7.0, 91.25 / 26.0], rel=1e-9)
    # a week's period: 7 trains a week is daily
    assert float(mech.frequency_wait_days(7.0, 7.0)) == 0.5


def test_frequency_cost_broadcasts():
    # daily trains at USD 100 per FEU-day: 50; weekly (13 a quarter): 100 * 3.51
    assert float(mech.frequency_cost(91.25, 100.0)) == pytest.approx(50.0, rel=1e-12)
    got = mech.frequency_cost(np.array([91.25, 13.0]), np.array([[100.0], [40.0]]))
    assert got.shape == (2, 2)  # sectors x platforms
    assert got == pytest.approx(np.array([[50.0, 100.0 * 3.5096153846], [20.0, 40 * 3.5096153846]]))
    # no trains: the cap's cost
    assert float(mech.frequency_cost(0.0, 100.0, cap_days=10.0)) == 1000.0


# --- border crossings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trains", "capacity", "delay"),
    [
        (80.0, 100.0, 0.0),  # below capacity
        (100.0, 100.0, 0.0),  # at capacity
        (120.0, 100.0, 3.0 * 0.2**2),  # 20% over: 0.12 days
        (200.0, 100.0, 3.0),  # twice capacity: overload 1, the congestion parameter
        (50.0, 0.0, 0.0),  # no capacity given: no delay
    ],
)
def test_crossing_delay(trains, capacity, delay):
    got = float(mech.crossing_delay(trains, capacity, congestion=3.0))
    assert got == pytest.approx(delay, rel=1e-12, abs=0.0)


# --- trains both ways ------------------------------------------------------------------------


def test_return_trains_cargo_or_target():
    # 410 containers back fill 10 trains of 41; half of 20 trains out is also 10
    assert float(mech.return_trains(410.0, 20.0, slots=41, target_share=0.5)) == 10.0
    assert float(mech.return_trains(820.0, 20.0, slots=41, target_share=0.5)) == 20.0  # cargo
    assert float(mech.return_trains(0.0, 20.0, slots=41, target_share=0.5)) == 10.0  # target
    assert float(mech.return_trains(0.0, 20.0, slots=41, target_share=0.0)) == 0.0  # no target
    got = mech.return_trains([41.0, 4100.0], [30.0, 30.0], slots=41, target_share=0.2)
    assert got.tolist() == [6.0, 100.0]


def test_empty_containers_and_loaded_share():
    # 13 trains of 41 = 533 slots for 410 containers: 123 empty, loaded share 410 / 533
    assert float(mech.empty_containers(410.0, 13.0, 41)) == 123.0
    assert float(mech.load_factor(410.0, 13.0, 41)) == pytest.approx(410.0 / 533.0)
    assert float(mech.empty_containers(0.0, 0.0, 41)) == 0.0  # no trains, nothing empty
    assert float(mech.load_factor(0.0, 0.0, 41)) == 0.0
    assert float(mech.empty_containers(410.0, 10.0, 41)) == 0.0  # full trains


# no subnormal volumes: a container count of 1e-311 is no cargo, and its ratios round
volumes = st.floats(0.0, 1e6, allow_nan=False, allow_subnormal=False)


@settings(max_examples=200, deadline=None)
@given(
    inbound=volumes,
    outbound=st.floats(0.0, 1e4),
    share=st.floats(0.0, 1.0),
    slots=st.integers(1, 100),
)
def test_return_trains_invariants(inbound, outbound, share, slots):
    trains = float(mech.return_trains(inbound, outbound, slots=slots, target_share=share))
    assert trains >= inbound / slots  # never fewer than the cargo needs
    assert trains >= share * outbound  # at least the return target
    assert trains == max(inbound / slots, share * outbound)
    empty = float(mech.empty_containers(inbound, trains, slots))
    loaded = float(mech.load_factor(inbound, trains, slots))
    assert empty >= 0.0
    assert 0.0 <= loaded <= 1.0 + 1e-12
    run = trains * slots
    # empty plus loaded slots are the slots run
    assert empty + loaded * run == pytest.approx(run, rel=1e-9, abs=1e-9)
    assert empty + inbound == pytest.approx(run, rel=1e-9, abs=1e-9)


def test_return_trains_under_the_empty_slot_rule():
    # 410 FEU back (10 full trains), target 0.5 of 40 = 20 trains; at most 20% empty
    # slots: 410 / (41 * 0.8) = 12.5 trains
    got = mech.return_trains(410.0, 40.0, slots=41, target_share=0.5, empty_slot_cap=0.2)
    assert float(got) == pytest.approx(12.5)
    # a closed platform runs none back
    got = mech.platform_return_trains(
        [410.0, 410.0], [40.0, 40.0], [True, False], slots=41, target_share=0.5, empty_slot_cap=1.0
    )
    assert got.tolist() == [20.0, 0.0]


def test_both_ways_books_return_cargo_at_the_outbound_haul():
    volume, haul, trains = mech.both_ways([100.0, 0.0], [150.0, 0.0], [3.0, 0.0], [40.0, 8.0], 2.0)
    assert volume.tolist() == [140.0, 8.0]
    assert haul.tolist() == [150.0 + 40.0 * 1.5, 8.0]  # mean haul 1.5; 1 without cargo
    assert trains.tolist() == [5.0, 2.0]


# --- the crossing choice -----------------------------------------------------------------------


def test_crossing_shares_by_hand():
    # platform 0: two crossings 1,000 and 1,200 km away at 0.5 USD/km, scale 100:
    # costs 500 and 600, shares e^0 : e^-1; platform 1: one crossing only
    inf = np.inf
    via = np.array([[1000.0, 1200.0, inf], [inf, inf, 300.0]])
    got = mech.crossing_shares(via, [0.0, 0.0, 0.0], km_cost=0.5, day_value=0.0, scale=100.0)
    e = np.exp(-1.0)
    np.testing.assert_allclose(got, [[1 / (1 + e), e / (1 + e), 0.0], [0.0, 0.0, 1.0]])
    # a delay of 2 days at 50 USD a day at the near crossing evens the two
    got = mech.crossing_shares(via, [2.0, 0.0, 0.0], km_cost=0.5, day_value=50.0, scale=100.0)
    np.testing.assert_allclose(got[0], [0.5, 0.5, 0.0])
    # trains through each crossing: each platform's trains by its split
    np.testing.assert_allclose(mech.crossing_trains(got, [10.0, 4.0]), [5.0, 5.0, 4.0])


@settings(max_examples=100, deadline=None)
@given(
    km=st.lists(st.floats(0.0, 5000.0), min_size=2, max_size=5),
    delay=st.floats(0.0, 50.0),
    scale=st.floats(1.0, 1e4),
    trains=st.floats(0.0, 1e4),
)
def test_crossing_split_conserves_trains(km, delay, scale, trains):
    via = np.array([km])
    delays = np.full(len(km), delay)
    split = mech.crossing_shares(via, delays, km_cost=0.5, day_value=100.0, scale=scale)
    assert split.sum() == pytest.approx(1.0)
    assert mech.crossing_trains(split, [trains]).sum() == pytest.approx(trains, abs=1e-6)


# --- return cargo's route shares ---------------------------------------------------------------


def test_inbound_shares_by_hand():
    # a quarter of the cargo re-chooses: 0.75 * previous + 0.25 * probs; cargo whose
    # route (option 1) is gone re-chooses in full
    previous = np.array([[0.2, 0.3, 0.5]])
    probs = np.array([[0.6, 0.0, 0.4]])
    available = np.array([[True, False, True]])
    got = mech.inbound_shares(previous, probs, available, 0.25)
    lost = 0.3
    expected = 0.75 * np.array([0.2, 0.0, 0.5]) + (0.25 + 0.75 * lost) * probs[0]
    np.testing.assert_allclose(got[0], expected)
    assert got.sum() == pytest.approx(1.0)


@settings(max_examples=100, deadline=None)
@given(
    weights=st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3),
    logits=st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3),
    rechoose=st.floats(0.0, 1.0),
    cargo=st.floats(0.0, 1e6),
)
def test_inbound_cargo_is_conserved(weights, logits, rechoose, cargo):
    previous = np.array([weights]) / sum(weights)
    probs = np.array([logits]) / sum(logits)
    shares = mech.inbound_shares(previous, probs, np.ones((1, 3), dtype=bool), rechoose)
    assert (shares >= 0).all()
    assert float(cargo * shares.sum()) == pytest.approx(cargo, rel=1e-9, abs=1e-9)
