"""Mechanism 3: platforms' cost, trains (both ways), posted price and accounts."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def cost_per_feu(trains, capacity, *, rail_cost, density_premium, saturation, congestion):
    """Cost of one container on a full train, at a frequency of ``trains`` per quarter.

    Economies of density: the cost is ``rail_cost * (1 + density_premium * gap)`` where
    ``gap = max(0, 1 - trains / saturation)`` falls to zero at the saturation frequency.
    Congestion: beyond terminal capacity the cost rises by ``congestion * overload**2``
    with ``overload = max(0, trains / capacity - 1)``.
    """
    trains = np.asarray(trains, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    gap = np.clip(1.0 - trains / saturation, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        overload = np.where(capacity > 0, np.maximum(trains / capacity - 1.0, 0.0), 0.0)
    return rail_cost * (1.0 + density_premium * gap) * (1.0 + congestion * overload**2)


def platform_cost(trains, capacity, freight):
    """:func:`cost_per_feu` with the cost parameters of ``freight`` (the schema's section)."""
    return cost_per_feu(
        trains,
        capacity,
        rail_cost=freight.rail_cost,
        density_premium=freight.density_premium,
        saturation=freight.saturation_trains,
        congestion=freight.congestion,
    )


def trains_run(volume, target, *, slots, empty_slot_cap):
    """Trains a platform runs: enough for its cargo, and at least its target.

    ``empty_slot_cap`` (share of slots allowed empty, 1 = no rule) bounds the trains run
    for a target to ``volume / (slots * (1 - empty_slot_cap))``.
    """
    volume = np.asarray(volume, dtype=float)
    needed = volume / slots
    trains = np.maximum(needed, np.asarray(target, dtype=float))
    if empty_slot_cap < 1.0:
        trains = np.minimum(trains, needed / (1.0 - empty_slot_cap))
    return np.maximum(trains, needed)


def load_factor(volume, trains, slots):
    """Loaded containers over slots run (0 where no train runs), at most 1.

    Trains are run for their cargo, so the quotient exceeds 1 only by rounding (e.g. of
    a denormal cargo divided and multiplied back, which the property test found).
    """
    volume = np.asarray(volume, dtype=float)
    trains = np.asarray(trains, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        return np.minimum(np.where(trains > 0, volume / (trains * slots), 0.0), 1.0)


def return_trains(inbound_volume, outbound_trains, *, slots, target_share, empty_slot_cap=1.0):
    """Trains a platform runs back to China: enough for its inbound cargo, at least its target.

    ``max(inbound_volume / slots, target_share * outbound_trains)``: the return target is
    the share ``target_share`` of the trains run out, and the cargo's own trains are never
    cut (continuous trains, as :func:`trains_run`, whose ``empty_slot_cap`` rule bounds
    the trains run for the target).
    """
    target = target_share * np.asarray(outbound_trains, dtype=float)
    return trains_run(inbound_volume, target, slots=slots, empty_slot_cap=empty_slot_cap)


def platform_return_trains(
    inbound_volume, outbound_trains, is_open, *, slots, target_share, empty_slot_cap
):
    """:func:`return_trains` where the platform runs, none where it is closed."""
    back = return_trains(
        inbound_volume,
        outbound_trains,
        slots=slots,
        target_share=target_share,
        empty_slot_cap=empty_slot_cap,
    )
    return np.where(is_open, back, 0.0)


def both_ways(volume, haul_revenue, trains, inbound, return_trains):
    """Cargo, haul-weighted cargo and trains of both directions, for the accounts.

    Return cargo pays the platform's price at the mean haul of its outbound cargo (1
    without outbound cargo): ``(volume + inbound, haul_revenue + inbound * haul, trains +
    return_trains)``.
    """
    volume = np.asarray(volume, dtype=float)
    haul_revenue = np.asarray(haul_revenue, dtype=float)
    inbound = np.asarray(inbound, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        haul = np.where(volume > 0, haul_revenue / volume, 1.0)
    return volume + inbound, haul_revenue + inbound * haul, np.asarray(trains) + return_trains


def empty_containers(volume, trains, slots):
    """Slots run empty: ``max(trains * slots - volume, 0)``.

    With :func:`load_factor` (the loaded share): ``empty + volume = trains * slots`` when
    the trains carry the cargo.
    """
    run = np.asarray(trains, dtype=float) * slots
    return np.maximum(run - np.asarray(volume, dtype=float), 0.0)


def platform_trains(volume, target, is_open, *, slots, empty_slot_cap):
    """Trains each platform runs: :func:`trains_run` where it runs, none where it is closed."""
    run = trains_run(volume, target, slots=slots, empty_slot_cap=empty_slot_cap)
    return np.where(is_open, run, 0.0)


def posted_price(smoothed_volume, capacity, subsidy_rate, freight):
    """Quoted cost per FEU and the price shippers pay after the subsidy.

    The quote is the cost of a container on full trains at the smoothed volume
    (:func:`platform_cost` at ``smoothed_volume / train_slots`` trains); the price is
    the quote times ``1 - subsidy_rate``. Returns ``(quote, price)``.
    """
    trains = np.asarray(smoothed_volume, dtype=float) / freight.train_slots
    unit = platform_cost(trains, capacity, freight)
    return unit, unit * (1.0 - np.asarray(subsidy_rate, dtype=float))


def smoothed_volume(volume, previous, smoothing):
    """Exponentially smoothed cargo: ``smoothing * volume + (1 - smoothing) * previous``."""
    return smoothing * np.asarray(volume, dtype=float) + (1 - smoothing) * np.asarray(previous)


class Accounts(NamedTuple):
    """A step's accounts of one platform or of each platform (USD per quarter)."""

    revenue: np.ndarray  # what shippers pay: the quote less the subsidy
    subsidy: np.ndarray  # what the owner pays per container or per train
    variable_cost: np.ndarray  # cost of the trains run
    fixed_cost: np.ndarray  # cost of the terminal capacity held
    deficit_cover: np.ndarray  # operating deficit the owner covers, within the cap
    unfunded: np.ndarray  # operating loss left to the operator


def deficit_cover(revenue, subsidy, variable_cost, national_cap):
    """The owner covers the operating deficit, within the national cap on support.

    Public support (subsidy plus deficit cover) may not exceed ``national_cap`` times the
    cost of the trains run. The deficit is ``max(variable_cost - revenue - subsidy, 0)``
    (the operating surplus's shortfall); the cover is
    ``min(deficit, max(national_cap * variable_cost - subsidy, 0))`` and the rest is the
    operator's loss. Returns ``(cover, unfunded)``.
    """
    surplus = np.asarray(revenue, dtype=float) + subsidy - variable_cost
    deficit = np.maximum(-surplus, 0.0)
    room = national_cap * np.asarray(variable_cost, dtype=float) - subsidy
    cover = np.minimum(deficit, np.maximum(room, 0.0))
    return cover, deficit - cover


def platform_accounts(
    volume,
    haul_revenue,
    trains,
    full_train_cost,
    unit_cost,
    subsidy_rate,
    capacity,
    *,
    slots,
    per_train,
    fixed_cost,
    national_cap,
) -> Accounts:
    """A step's revenue, subsidy, train and fixed costs, deficit cover and unfunded loss.

    ``haul_revenue`` is the haul-weighted volume (containers times haul factor), so that
    revenue and costs follow each destination's haul; ``haul = haul_revenue / volume``
    (1 without cargo). Trains cost ``full_train_cost * slots * haul`` each; shippers pay
    ``unit_cost * haul_revenue * (1 - subsidy_rate)``. The subsidy is ``subsidy_rate``
    of the quote, per container carried or (``per_train``) per slot run. Fixed cost is
    ``fixed_cost`` per unit of capacity; deficit cover: :func:`deficit_cover`.
    """
    volume = np.asarray(volume, dtype=float)
    haul_revenue = np.asarray(haul_revenue, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        haul = np.where(volume > 0, haul_revenue / volume, 1.0)  # mean haul factor
    train_cost = full_train_cost * slots * haul
    variable_cost = train_cost * trains
    quoted = unit_cost * haul_revenue
    revenue = quoted * (1.0 - np.asarray(subsidy_rate, dtype=float))
    if per_train:
        subsidy = subsidy_rate * unit_cost * haul * slots * trains
    else:
        subsidy = subsidy_rate * quoted
    fixed = fixed_cost * np.asarray(capacity, dtype=float)
    cover, unfunded = deficit_cover(revenue, subsidy, variable_cost, national_cap)
    return Accounts(revenue, subsidy, variable_cost, fixed, cover, unfunded)
