"""Mechanisms 5 and 6: provinces' objective, hill-climbing, imitation, herding, credit."""

from __future__ import annotations

import numpy as np


def platform_output(trains, volume, *, slots, per_train):
    """What a platform's output counts as in the race: trains run, or full-train equivalents.

    ``per_train``: the trains run; otherwise the containers carried over ``slots``.
    """
    if per_train:
        return np.asarray(trains, dtype=float)
    return np.asarray(volume, dtype=float) / slots


def province_objective(trains, volume, subsidy, fixed, deficit, national, *, strategy):
    """A province's score of a step: standing, volume and trains, minus felt fiscal cost.

    ``rank_weight * trains / national + volume_value * volume / 1e6 + train_value *
    trains / 1e6 - fiscal_weight * (subsidy + fixed + deficit) / 1e6``, with the standing
    term 0 when ``national`` (all credited output) is 0. The same score values one
    platform's contribution to its owner. Floats or arrays (operators only).
    """
    s = strategy
    share = trains / national if national > 0 else trains * 0.0
    value = s.rank_weight * share + s.volume_value * volume / 1e6 + s.train_value * trains / 1e6
    cost = s.fiscal_weight * (subsidy + fixed + deficit) / 1e6
    return value - cost


def credit_shares(owner, member, origin_volume, pool_share):
    """Share of each platform's output and subsidy credited to each province.

    Rows are provinces, columns platforms (``owner[i]`` owns platform ``i``; ``member``
    flags the coordination body's provinces; ``origin_volume[j, i]`` is the cargo from
    province ``j`` at platform ``i``). Uncoordinated: the owner gets everything. Pooling
    (``pool_share > 0``): a member hub with cargo from members is credited
    ``(1 - pool_share)`` to its owner plus ``pool_share`` to the members by the origin of
    that cargo.
    """
    owner = np.asarray(owner)
    member = np.asarray(member, dtype=bool)
    origin_volume = np.asarray(origin_volume, dtype=float)
    n_j, n_p = origin_volume.shape
    credit = np.zeros((n_j, n_p))
    credit[owner, np.arange(n_p)] = 1.0
    if pool_share > 0:
        member_hub = member[owner]
        origin = origin_volume[:, member_hub] * member[:, None]
        total = origin.sum(axis=0)
        has = total > 0
        by_origin = np.divide(origin, total, out=np.zeros_like(origin), where=has)
        own = credit[:, member_hub]
        mixed = np.where(has, (1 - pool_share) * own + pool_share * by_origin, own)
        credit[:, member_hub] = mixed
    return credit


def turn_if_worse(direction, objective, previous):
    """Hill-climbing: a lever keeps its ``direction`` if the objective rose, turns if it fell.

    ``previous`` NaN (no score yet) keeps the direction; so does an unchanged objective.
    Floats or arrays (operators only, so a single province pays no array overhead).
    """
    return direction * (1 - 2 * (objective < previous))


def lever_step(value, direction, step, noise=None):
    """A hill-climbing move: ``value + (direction * step + noise)`` (no noise: ``+ d*step``)."""
    return value + (direction * step if noise is None else direction * step + noise)


def imitate(subsidy, leader_subsidy, rate):
    """Move ``rate`` of the way from ``subsidy`` towards the leader's subsidy."""
    return subsidy + rate * (leader_subsidy - subsidy)


def entry_probability(others, n_provinces, *, entry, herding):
    """Chance per quarter to open a platform: ``entry + herding * share`` (herding).

    ``share = others / max(n_provinces - 1, 1)`` is the share of the other provinces
    already running a platform on the corridor.
    """
    return entry + herding * (others / max(n_provinces - 1, 1))
