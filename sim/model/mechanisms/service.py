"""Service quality of the rail platforms: frequency (the wait for a train), border crossings."""

from __future__ import annotations

import numpy as np

QUARTER_DAYS = 91.25  # days in a step (a quarter of 365 days)


def frequency_wait_days(trains, days=QUARTER_DAYS, *, cap_days=None):
    """Expected wait for the next departure, in days, at ``trains`` per period of ``days``.

    Mohring effect: cargo arriving at random waits half the headway, ``days / (2 * trains)``
    for ``trains > 0``, and at most ``cap_days`` (by default ``days / 2``, the wait for a
    train that runs once in the period); without trains the wait is ``cap_days``.
    """
    trains = np.asarray(trains, dtype=float)
    cap = days / 2.0 if cap_days is None else cap_days
    with np.errstate(divide="ignore", over="ignore"):  # a denormal train count: inf, capped
        wait = np.where(trains > 0, days / (2.0 * trains), np.inf)
    return np.minimum(wait, cap)


def destination_trains(trains, region_volume):
    """Trains of each platform to each destination region: its trains by its cargo's split.

    ``trains`` per platform and ``region_volume[p, r]`` the cargo platform ``p`` carried to
    region ``r``: ``trains[p] * region_volume[p, r] / sum_r region_volume[p, r]``, 0 for a
    region it carried nothing to (and for every region of a platform without cargo).
    """
    trains = np.asarray(trains, dtype=float)
    volume = np.asarray(region_volume, dtype=float)
    total = volume.sum(axis=1, keepdims=True)
    share = np.divide(volume, total, out=np.zeros_like(volume), where=total > 0)
    return trains[:, None] * share


def frequency_cost(trains, value_of_time, days=QUARTER_DAYS, *, cap_days=None):
    """Cost of waiting for a train (USD per FEU): ``value_of_time * wait``.

    ``value_of_time`` is in USD per FEU-day and the wait is :func:`frequency_wait_days`;
    both broadcast (e.g. trains per platform against value of time per sector).
    """
    wait = frequency_wait_days(trains, days, cap_days=cap_days)
    return np.asarray(value_of_time, dtype=float) * wait


def crossing_overload(trains, capacity):
    """Overload of a crossing, ``max(0, trains / capacity - 1)``; 0 where capacity is 0."""
    trains = np.asarray(trains, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, np.maximum(trains / capacity - 1.0, 0.0), 0.0)


def crossing_delay(trains, capacity, *, congestion):
    """Days of delay at a border crossing: ``congestion * overload**2``.

    Zero up to ``capacity`` trains per period and quadratic in the overload beyond it
    (:func:`crossing_overload`), as terminal congestion is in
    :func:`~sim.model.mechanisms.platforms.cost_per_feu`; ``congestion`` is in days at an
    overload of 1 (twice the capacity). No capacity given (0): no delay.
    """
    return congestion * crossing_overload(trains, capacity) ** 2


def crossing_shares(via_km, delay_days, *, km_cost, day_value, scale):
    """Share of each platform's trains through each crossing: a logit over crossings.

    The cost of crossing ``k`` for platform ``p`` is ``km_cost * via_km[p, k] + day_value
    * delay_days[k]`` (USD per FEU: route km to where the corridor's routes rejoin, and
    the congestion delay); ``share[p, k] = exp(-cost[p, k] / scale)`` normalised over the
    crossings on ``p``'s corridor (``via_km`` finite). Rows sum to one.
    """
    via_km = np.asarray(via_km, dtype=float)
    ok = np.isfinite(via_km)
    cost = km_cost * np.where(ok, via_km, 0.0) + day_value * np.asarray(delay_days)[None, :]
    cost = np.where(ok, cost, np.inf)
    util = -(cost - cost.min(axis=1, keepdims=True)) / scale
    weight = np.where(ok, np.exp(util), 0.0)
    return weight / weight.sum(axis=1, keepdims=True)


def crossing_trains(split, trains):
    """Trains through each crossing: ``split.T @ trains`` (a platform's trains by its split)."""
    return np.asarray(split, dtype=float).T @ np.asarray(trains, dtype=float)
