"""The province and platform rules on small cases whose numbers are worked out by hand.

Hill-climbing (mechanism 5) of a city, imitation of the fastest-growing city, herding entry,
pooling credit (mechanism 6), the objective, deficit cover within the national cap, and
capacity expansion, retirement and closing (mechanism 3). The pure functions are called
directly; the agents' rules are run on one agent of a small model whose state is set by
hand.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import build_small

from sim.model import mechanisms as mech

# --- hill-climbing ------------------------------------------------------------------


def test_a_lever_turns_when_the_objective_fell_and_keeps_its_direction_when_it_rose():
    assert mech.turn_if_worse(1.0, 2.0, 3.0) == -1.0  # fell: turn
    assert mech.turn_if_worse(-1.0, 2.0, 3.0) == 1.0
    assert mech.turn_if_worse(1.0, 3.0, 2.0) == 1.0  # rose: keep
    assert mech.turn_if_worse(-1.0, 2.0, 2.0) == -1.0  # unchanged: keep
    assert mech.turn_if_worse(1.0, 2.0, math.nan) == 1.0  # no score yet: keep
    turned = mech.turn_if_worse(
        np.array([1.0, 1.0, -1.0]), np.array([1, 3, 0]), np.array([2, 2, 1])
    )
    assert turned.tolist() == [-1.0, 1.0, 1.0]


def test_a_lever_step_moves_by_direction_times_step_plus_noise():
    assert mech.lever_step(0.3, -1.0, 0.05) == pytest.approx(0.25)
    assert mech.lever_step(0.3, 1.0, 0.05, 0.01) == pytest.approx(0.36)


def quiet_model(**strategy):
    """A small model whose provinces learn without noise or imitation unless told."""
    base = {
        "learning_noise": 0.0,
        "imitation": 0.0,
        "initial_subsidy": 0.3,
        "initial_markup": 0.3,
        "subsidy_step": 0.05,
        "markup_step": 0.1,
    }
    return build_small({"strategy": {**base, **strategy}})


def test_hill_climbing_moves_one_lever_a_step():
    model = quiet_model()
    pr = model.cities[0]
    # step 2 (even): the subsidy moved last step; the objective fell, so the subsidy's
    # direction turns, and this step the markup moves in its own direction
    model.steps = 2
    pr.objective, pr.previous_objective = 1.0, 2.0
    pr.adapt_policy(None)
    assert (pr.direction_subsidy, pr.direction_markup) == (-1.0, 1.0)
    assert pr.subsidy == pytest.approx(0.3)  # not moved
    assert pr.markup == pytest.approx(0.4)  # 0.3 + 1 * 0.1
    # step 3 (odd): the markup moved last; the objective rose, both directions stay, and
    # the subsidy moves in its (turned) direction
    model.steps = 3
    pr.objective, pr.previous_objective = 3.0, 1.0
    pr.adapt_policy(None)
    assert (pr.direction_subsidy, pr.direction_markup) == (-1.0, 1.0)
    assert pr.subsidy == pytest.approx(0.25)  # 0.3 - 0.05
    assert pr.markup == pytest.approx(0.4)  # not moved
    # step 5 (odd): the markup moved last and the objective fell: the markup turns
    model.steps = 5
    pr.objective, pr.previous_objective = 0.5, 3.0
    pr.adapt_policy(None)
    assert (pr.direction_subsidy, pr.direction_markup) == (-1.0, -1.0)
    assert pr.subsidy == pytest.approx(0.2)
    assert pr.markup == pytest.approx(0.4)


def test_hill_climbing_stays_within_the_caps():
    model = quiet_model(initial_subsidy=0.02, max_subsidy=0.5)
    pr = model.cities[0]
    model.steps = 1
    pr.direction_subsidy = -1.0
    pr.adapt_policy(None)
    assert pr.subsidy == 0.0  # 0.02 - 0.05, floored at zero
    pr.subsidy, pr.direction_subsidy = 0.48, 1.0
    pr.adapt_policy(None)
    assert pr.subsidy == 0.5  # 0.53, capped at max_subsidy


# --- imitation -------------------------------------------------------------------------


def test_imitation_moves_part_of_the_way_to_the_leader():
    assert mech.imitate(0.2, 0.6, 0.25) == pytest.approx(0.3)  # 0.2 + 0.25 * 0.4
    assert mech.imitate(0.6, 0.2, 0.5) == pytest.approx(0.4)


def test_a_city_imitates_the_leader_after_its_own_move():
    model = quiet_model(imitation=1.0, imitation_rate=0.5)
    follower, leader = model.cities[0], model.cities[1]
    leader.subsidy = 0.75
    model.steps = 1  # the subsidy moves this step: 0.3 + 0.05 = 0.35
    follower.adapt_policy(leader)
    assert follower.subsidy == pytest.approx(0.55)  # 0.35 + 0.5 * (0.75 - 0.35)
    leader.adapt_policy(leader)  # the leader does not imitate itself
    assert leader.subsidy == pytest.approx(0.8)  # 0.75 + 0.05


def test_the_leader_is_the_city_whose_credited_volume_grew_most_over_a_year():
    model = quiet_model()
    a, b, c, d = model.cities[:4]
    for pr in model.cities:
        pr.volume_history = []
    a.volume_history = [1.0, 1.0, 1.0, 1.0, 2.0]  # grew 2x
    b.volume_history = [1.0, 5.0, 5.0, 5.0, 3.0]  # grew 3x over four quarters
    c.volume_history = [0.0, 9.0, 9.0, 9.0, 9.0]  # no base a year ago: not ranked
    d.volume_history = [1.0, 1.0, 1.0, 10.0]  # less than a year of history: not ranked
    assert model._fastest_growing() is b
    b.volume_history = []
    assert model._fastest_growing() is a


# --- herding entry ---------------------------------------------------------------------


def test_entry_probability_rises_with_the_share_of_others_on_the_corridor():
    assert mech.entry_probability(0, 5, entry=0.01, herding=0.2) == pytest.approx(0.01)
    assert mech.entry_probability(2, 5, entry=0.01, herding=0.2) == pytest.approx(0.11)
    assert mech.entry_probability(4, 5, entry=0.01, herding=0.2) == pytest.approx(0.21)
    assert mech.entry_probability(1, 1, entry=0.0, herding=0.5) == pytest.approx(0.5)  # alone
    probs = mech.entry_probability(np.array([0, 3]), 4, entry=0.1, herding=0.3)
    assert probs.tolist() == pytest.approx([0.1, 0.4])


def test_a_city_opens_where_all_others_are_and_never_where_none_are():
    model = quiet_model(entry=0.0, herding=1.0)
    pl = model.platforms[0]
    pr, n = pl.owner, len(model.cities)
    pl.close()
    pr.consider_openings({}, n)  # probability 0
    assert not pl.is_open
    pr.consider_openings({pl.corridor: n - 1}, n)  # probability 1
    assert pl.is_open
    assert pl.capacity == model.p.freight.initial_capacity
    pl.close()
    pl.closed_for_good = True
    pr.consider_openings({pl.corridor: n - 1}, n)
    assert not pl.is_open  # closed for good stays closed


# --- pooling credit --------------------------------------------------------------------


def test_credit_goes_to_the_owner_without_pooling():
    origin = np.array([[6.0, 0.0, 1.0], [2.0, 0.0, 3.0]])
    credit = mech.credit_shares([0, 0, 1], [True, True], origin, 0.0)
    assert credit.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_pooling_credits_member_hubs_by_the_origin_of_their_cargo():
    # two members; platforms 0 and 1 owned by province 0, platform 2 by province 1
    origin = np.array([[6.0, 0.0, 1.0], [2.0, 0.0, 3.0]])
    credit = mech.credit_shares([0, 0, 1], [True, True], origin, 0.5)
    # platform 0: own (1, 0) and origin (6/8, 2/8): 0.5 * own + 0.5 * origin
    assert credit[:, 0].tolist() == pytest.approx([0.875, 0.125])
    assert credit[:, 1].tolist() == [1.0, 0.0]  # no cargo: the owner keeps it
    assert credit[:, 2].tolist() == pytest.approx([0.125, 0.875])  # origin (1/4, 3/4)
    assert credit.sum(axis=0).tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_pooling_ignores_non_members():
    origin = np.array([[6.0, 0.0, 1.0], [2.0, 0.0, 3.0]])
    credit = mech.credit_shares([0, 0, 1], [True, False], origin, 0.5)
    # platform 0: only member cargo (6) counts, all from its owner; platform 2 is not a
    # member hub and stays with its owner
    assert credit.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


# --- the objective ---------------------------------------------------------------------

STRATEGY = SimpleNamespace(
    rank_weight=2.0, volume_value=10.0, train_value=1000.0, fiscal_weight=0.5
)


def test_the_objective_values_standing_volume_and_trains_less_fiscal_cost():
    # share 5 / 20 = 0.25 -> 0.5; volume 10 * 200 / 1e6; trains 1000 * 5 / 1e6;
    # cost 0.5 * (1e6 + 2e6 + 1e6) / 1e6 = 2
    value = mech.province_objective(5.0, 200.0, 1e6, 2e6, 1e6, 20.0, strategy=STRATEGY)
    assert value == pytest.approx(0.5 + 0.002 + 0.005 - 2.0)
    nobody = mech.province_objective(5.0, 200.0, 1e6, 2e6, 1e6, 0.0, strategy=STRATEGY)
    assert nobody == pytest.approx(0.002 + 0.005 - 2.0)  # no standing when nothing runs
    both = mech.province_objective(
        np.array([5.0, 0.0]), np.array([200.0, 0.0]), 0.0, 0.0, 0.0, 20.0, strategy=STRATEGY
    )
    assert both.tolist() == pytest.approx([0.507, 0.0])


def test_a_platform_loses_its_owner_s_support_after_quarters_of_negative_value():
    model = build_small({"strategy": {"close_after": 2}})
    pl = next(p for p in model.platforms if p.is_open)
    values = np.zeros(len(model.platforms))
    values[pl.index] = -1.0
    pl.owner.review_platforms(values)
    assert pl.is_open and pl.losing == 1
    values[pl.index] = 1.0
    pl.owner.review_platforms(values)
    assert pl.is_open and pl.losing == 0  # a good quarter resets the count
    values[pl.index] = -1.0
    pl.owner.review_platforms(values)
    pl.owner.review_platforms(values)
    assert not pl.is_open and pl.capacity == 0.0


# --- deficit cover and accounts --------------------------------------------------------


def test_the_owner_covers_the_deficit_within_the_national_cap():
    # revenue 100 + subsidy 20 against train cost 200: deficit 80
    cover, unfunded = mech.deficit_cover(100.0, 20.0, 200.0, 0.5)  # room 0.5 * 200 - 20 = 80
    assert (float(cover), float(unfunded)) == (80.0, 0.0)
    cover, unfunded = mech.deficit_cover(100.0, 20.0, 200.0, 0.3)  # room 60 - 20 = 40
    assert (float(cover), float(unfunded)) == pytest.approx((40.0, 40.0))
    cover, unfunded = mech.deficit_cover(100.0, 70.0, 200.0, 0.3)  # subsidy beyond the cap
    assert (float(cover), float(unfunded)) == pytest.approx((0.0, 30.0))
    cover, unfunded = mech.deficit_cover(150.0, 70.0, 200.0, 0.3)  # surplus: nothing to cover
    assert (float(cover), float(unfunded)) == (0.0, 0.0)


def accounts(per_train: bool, national_cap: float = 0.5) -> mech.Accounts:
    # 90 containers, haul-weighted 108 (mean haul 1.2), 2 trains of 50 slots at 1000 per
    # container on a full train; quoted 1100 per container, subsidy rate 0.25
    return mech.platform_accounts(
        90.0,
        108.0,
        2.0,
        1000.0,
        1100.0,
        0.25,
        10.0,
        slots=50,
        per_train=per_train,
        fixed_cost=300.0,
        national_cap=national_cap,
    )


def test_platform_accounts_by_hand():
    a = accounts(per_train=False)
    assert float(a.variable_cost) == pytest.approx(120_000.0)  # 1000 * 50 * 1.2 * 2
    assert float(a.revenue) == pytest.approx(89_100.0)  # 1100 * 108 * 0.75
    assert float(a.subsidy) == pytest.approx(29_700.0)  # 0.25 * 1100 * 108
    assert float(a.fixed_cost) == pytest.approx(3_000.0)
    # deficit 120000 - 89100 - 29700 = 1200, room 60000 - 29700: all covered
    assert float(a.deficit_cover) == pytest.approx(1_200.0)
    assert float(a.unfunded) == 0.0
    b = accounts(per_train=True)
    assert float(b.subsidy) == pytest.approx(33_000.0)  # 0.25 * 1100 * 1.2 * 50 * 2
    assert float(b.deficit_cover) == 0.0  # surplus 2100
    c = accounts(per_train=False, national_cap=0.25)  # room 30000 - 29700 = 300
    assert (float(c.deficit_cover), float(c.unfunded)) == pytest.approx((300.0, 900.0))


def test_without_cargo_the_haul_is_one():
    a = mech.platform_accounts(
        0.0, 0.0, 1.0, 1000.0, 1100.0, 0.0, 10.0,
        slots=50, per_train=False, fixed_cost=0.0, national_cap=1.0,
    )  # fmt: skip
    assert float(a.variable_cost) == 50_000.0  # one empty train of 50 slots at 1000
    assert float(a.deficit_cover) == 50_000.0


# --- capacity: expansion with a lead time, retirement, closing ---------------------------

FREIGHT = {
    "initial_capacity": 100.0,
    "expand_above": 0.8,
    "expand_share": 0.5,
    "capacity_lead_time": 3,
    "retire_below": 0.3,
    "retire_after": 2,
    "retire_share": 0.25,
    "close_below": 10.0,
}


def open_platform(**freight):
    """An open platform of a small model with round capacity parameters."""
    model = build_small({"freight": {**FREIGHT, **freight}})
    pl = next(p for p in model.platforms if not p.member_wound_down)
    pl.open()
    return pl


def test_a_busy_platform_orders_capacity_that_arrives_after_the_lead_time():
    pl = open_platform()
    pl.trains = 90.0  # utilization 0.9 > 0.8
    pl.adjust_capacity(5)
    assert pl.pending == [(8, 50.0)] and pl.capacity == 100.0
    for step in (6, 7):  # still busy, but one order at a time, not arrived yet
        pl.adjust_capacity(step)
        assert pl.pending == [(8, 50.0)] and pl.capacity == 100.0
    pl.adjust_capacity(8)
    assert pl.capacity == 150.0 and pl.pending == []  # 90 / 150 = 0.6: no new order


def test_sustained_low_use_retires_capacity_and_a_small_terminal_closes():
    pl = open_platform()
    pl.trains = 20.0  # utilization 0.2 < 0.3
    pl.adjust_capacity(1)
    assert (pl.capacity, pl.low_use) == (100.0, 1)
    pl.adjust_capacity(2)
    assert (pl.capacity, pl.low_use) == (75.0, 0)  # retire 25% after 2 quarters
    pl.adjust_capacity(3)
    pl.adjust_capacity(4)
    assert pl.capacity == pytest.approx(56.25)
    pl.adjust_capacity(5)  # 20 / 56.25 = 0.36: in use again
    assert pl.low_use == 0 and pl.capacity == pytest.approx(56.25)
    small = open_platform(retire_after=1)
    small.capacity, small.trains = 12.0, 0.0
    small.adjust_capacity(1)  # 12 * 0.75 = 9 < 10: closes
    assert not small.is_open and small.capacity == 0.0


def test_a_platform_left_with_losses_closes_after_close_after_quarters():
    pl = open_platform()
    pl.trains = 50.0
    pl.unfunded_quarters = pl.model.p.strategy.close_after - 1
    pl.adjust_capacity(1)
    assert pl.is_open
    pl.unfunded_quarters += 1
    pl.adjust_capacity(2)
    assert not pl.is_open


def test_unfunded_quarters_count_in_a_row():
    pl = open_platform()
    pl.receive(10.0, 1.0, 0.0, 0.0, 5.0, 0.0, 0.0, 5.0, 10.0)
    pl.receive(10.0, 1.0, 0.0, 0.0, 5.0, 0.0, 0.0, 5.0, 10.0)
    assert pl.unfunded_quarters == 2
    pl.receive(10.0, 1.0, 9.0, 0.0, 5.0, 0.0, 0.0, 0.0, 10.0)
    assert pl.unfunded_quarters == 0
