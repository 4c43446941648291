"""Mechanism 4: hub choice by logit or nested logit, export volumes, receivables."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def logit(cost, scale, *, bonus=None):
    """Multinomial logit over options with generalized ``cost`` (inf = unavailable).

    Utility is ``-cost / scale`` plus ``bonus / scale``. Returns the choice probabilities
    (rows sum to one) and the inclusive value ``-scale * log(sum(exp(utility)))``, the
    expected generalized cost in the same unit as ``cost`` (without the bonus).
    """
    return choice_probabilities(cost, scale, bonus=bonus), inclusive_value(cost, scale)


def choice_probabilities(cost, scale, *, bonus=None):
    """The logit's choice probabilities alone (see :func:`logit`); rows sum to one."""
    util = -np.asarray(cost, dtype=float) / scale
    if bonus is not None:
        util = util + np.asarray(bonus, dtype=float) / scale
    top = np.max(util, axis=-1, keepdims=True)
    w = np.exp(util - top)
    return w / w.sum(axis=-1, keepdims=True)


def inclusive_value(cost, scale):
    """The logit's inclusive value alone (see :func:`logit`), in the unit of ``cost``.

    ``-scale * log(sum(exp(-cost / scale)))``, shifted by the cheapest option so that no
    exponential overflows.
    """
    util = -np.asarray(cost, dtype=float) / scale
    top = np.max(util, axis=-1, keepdims=True)
    return -scale * (np.log(np.exp(util - top).sum(axis=-1)) + top[..., 0])


def rail_and_sea_nests(n_options):
    """Nest of each option in the choice layout (platforms first, the sea last).

    Rail options are nest 0 and the sea, the last column, is nest 1: the ``nest`` argument
    of :func:`nested_logit` for a cost matrix of cells x options with the sea last.
    """
    nest = np.zeros(n_options, dtype=np.intp)
    nest[-1] = 1
    return nest


def nested_logit(cost, scale, nest, nest_scale, *, bonus=None):
    """Nested logit over options grouped in nests (rail hubs in one, the sea in another).

    ``cost`` has shape ``(..., n_options)`` (inf = unavailable), ``nest[i]`` is option
    ``i``'s nest ``k`` and ``nest_scale`` the dissimilarity ``lambda_k`` in (0, 1], one value
    or one per nest. With utility ``u_i = (-cost_i + bonus_i) / scale``:

    - within a nest, ``P(i | k) = exp(u_i / lambda_k) / sum_{j in k} exp(u_j / lambda_k)``;
    - the nest's inclusive value is ``I_k = log sum_{j in k} exp(u_j / lambda_k)``;
    - a nest is chosen with ``P(k) = exp(lambda_k I_k) / sum_m exp(lambda_m I_m)``;
    - ``P(i) = P(i | k) P(k)``; a nest with no available option has ``P(k) = 0``.

    With ``lambda = 1`` this is the plain :func:`logit`; as ``lambda_k`` falls, options of
    nest ``k`` are closer substitutes, so an extra one takes cargo from its own nest rather
    than from the others (no independence of irrelevant alternatives across nests).
    Returns the probabilities (rows sum to one, at least one option available per row) and
    the inclusive value ``-scale * log sum_k exp(lambda_k I_k)`` in the unit of ``cost``,
    computed without the bonus (see :func:`nested_inclusive_value`).
    """
    util = -np.asarray(cost, dtype=float) / scale
    nest, lam = _nest_params(nest, nest_scale, util.shape[-1])
    if bonus is None:
        probs, inclusive = _nested(util, nest, lam)
        return probs, -scale * inclusive
    return (
        nested_choice_probabilities(cost, scale, nest, lam, bonus=bonus),
        -scale * _nested(util, nest, lam)[1],
    )


def nested_choice_probabilities(cost, scale, nest, nest_scale, *, bonus=None):
    """The nested logit's choice probabilities alone (see :func:`nested_logit`)."""
    util = -np.asarray(cost, dtype=float) / scale
    if bonus is not None:
        util = util + np.asarray(bonus, dtype=float) / scale
    nest, lam = _nest_params(nest, nest_scale, util.shape[-1])
    return _nested(util, nest, lam)[0]


def nested_inclusive_value(cost, scale, nest, nest_scale):
    """The nested logit's inclusive value alone (see :func:`nested_logit`), unit of ``cost``.

    ``-scale * log sum_k exp(lambda_k I_k)`` with ``I_k = log sum_{j in k} exp(-cost_j /
    (scale lambda_k))``. It is at most the cheapest cost (equal with one option), equals
    :func:`inclusive_value` at ``lambda = 1`` and falls as any ``lambda_k`` rises: a nest of
    close substitutes (small ``lambda_k``) is worth little more than its cheapest option.
    """
    util = -np.asarray(cost, dtype=float) / scale
    nest, lam = _nest_params(nest, nest_scale, util.shape[-1])
    return -scale * _nested(util, nest, lam)[1]


def _nest_params(nest, nest_scale, n_options):
    """``nest`` as indices and ``lambda`` as one value per nest, checked."""
    nest = np.asarray(nest, dtype=np.intp)
    if nest.shape != (n_options,) or (n_options and nest.min() < 0):
        raise ValueError(f"nest must give each of {n_options} options a nest index >= 0")
    n_nests = int(nest.max()) + 1 if n_options else 0
    lam = np.broadcast_to(np.asarray(nest_scale, dtype=float), (n_nests,))
    if np.any(~(lam > 0.0)) or np.any(lam > 1.0):
        raise ValueError("nest_scale (lambda) must lie in (0, 1]")
    return nest, lam


def _nested(util, nest, lam):
    """Nested logit probabilities and ``log sum_k exp(lambda_k I_k)`` for utilities ``util``.

    Utilities are first shifted by the row's best one ``G``, so that every shifted
    ``w_i = (u_i - G) / lambda_k <= 0``; each nest is then shifted by its own best
    ``t_k = max_{j in k} w_j`` (0 for an empty nest), so ``S_k = sum_{j in k} exp(w_j - t_k)``
    neither overflows nor underflows. ``lambda_k I_k = lambda_k (log S_k + t_k) + G``; the
    nests' weights ``exp(lambda_k (log S_k + t_k))`` are at most the nest's size and the
    best nest's at least 1.
    """
    top = np.max(util, axis=-1, keepdims=True)
    w = (util - top) / lam[nest]
    n_nests = lam.shape[0]
    member = nest[:, None] == np.arange(n_nests)  # (n_options, n_nests)
    nest_top = np.stack(
        [np.max(np.where(member[:, k], w, -np.inf), axis=-1) for k in range(n_nests)], axis=-1
    )
    nest_top = np.where(np.isfinite(nest_top), nest_top, 0.0)
    e = np.exp(w - nest_top[..., nest])  # 0 where unavailable
    total = e @ member.astype(float)  # S_k, 0 for a nest with nothing available
    with np.errstate(divide="ignore"):
        nest_weight = np.exp(lam * (np.log(total) + nest_top))  # exp(lambda_k I_k - G)
    weight_sum = nest_weight.sum(axis=-1, keepdims=True)
    nest_prob = nest_weight / weight_sum
    denom = total[..., nest]
    within = np.divide(e, denom, out=np.zeros_like(e), where=denom > 0)
    return within * nest_prob[..., nest], np.log(weight_sum[..., 0]) + top[..., 0]


def hub_choice(cost, scale, nest_scale, *, bonus=None):
    """Hub choice: rail options in one nest, the sea (the last option) in the other.

    :func:`nested_logit` with :func:`rail_and_sea_nests` (computed by :func:`_two_nests`,
    its two-nest case); at ``nest_scale == 1`` exactly the plain :func:`logit` (computed
    by it, so the figures are the plain logit's to the last bit). Returns the
    probabilities and the inclusive value (cost units), the latter without the bonus.
    """
    if nest_scale == 1.0:
        return logit(cost, scale, bonus=bonus)
    lam = _hub_lambda(nest_scale)
    util = -np.asarray(cost, dtype=float) / scale
    probs, inclusive = _two_nests(util, lam)
    if bonus is not None:
        probs = _two_nests(util + np.asarray(bonus, dtype=float) / scale, lam)[0]
    return probs, -scale * inclusive


def hub_choice_probabilities(cost, scale, nest_scale, *, bonus=None):
    """The probabilities of :func:`hub_choice` alone."""
    if nest_scale == 1.0:
        return choice_probabilities(cost, scale, bonus=bonus)
    util = -np.asarray(cost, dtype=float) / scale
    if bonus is not None:
        util = util + np.asarray(bonus, dtype=float) / scale
    return _two_nests(util, _hub_lambda(nest_scale))[0]


def hub_inclusive_value(cost, scale, nest_scale):
    """The inclusive value of :func:`hub_choice` alone (cost units)."""
    if nest_scale == 1.0:
        return inclusive_value(cost, scale)
    util = -np.asarray(cost, dtype=float) / scale
    return -scale * _two_nests(util, _hub_lambda(nest_scale))[1]


def _hub_lambda(nest_scale):
    lam = float(nest_scale)
    if not 0.0 < lam <= 1.0:
        raise ValueError("nest_scale (lambda) must lie in (0, 1]")
    return lam


def _two_nests(util, lam):
    """:func:`_nested` for the rail nest (all options but the last) and the sea (the last).

    The same shifts and formulas, written for two nests so that no nest-membership matrix
    is built: the rail nest's weight is ``exp(lam (log S + t))`` with ``S = sum_rail
    exp(w_j - t)`` and ``t`` its best ``w``; the sea's, alone in its nest, ``exp(lam
    w_sea)``.
    """
    top = np.max(util, axis=-1, keepdims=True)
    w = (util - top) / lam
    rail = w[..., :-1]
    rail_top = np.max(rail, axis=-1, keepdims=True, initial=-np.inf)  # -inf: no rail option
    rail_top = np.where(np.isfinite(rail_top), rail_top, 0.0)
    e = np.exp(rail - rail_top)
    total = e.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        rail_weight = np.exp(lam * (np.log(total) + rail_top))
    sea_weight = np.exp(lam * w[..., -1:])
    weight_sum = rail_weight + sea_weight
    within = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    probs = np.concatenate([within * (rail_weight / weight_sum), sea_weight / weight_sum], -1)
    return probs, np.log(weight_sum[..., 0]) + top[..., 0]


def pick(probs, u, rows=None):
    """Index chosen by inverse CDF for uniform draws ``u`` (one per row).

    With ``rows``, draw ``i`` picks from row ``rows[i]`` of ``probs`` (many draws may
    share a row).
    """
    cdf = np.cumsum(probs, axis=-1)
    if rows is not None:
        cdf = cdf[rows]
    # ``<=``: a draw of exactly 0 must skip leading options of probability zero
    idx = (cdf <= np.asarray(u)[..., None] * cdf[..., -1:]).sum(axis=-1)
    return np.minimum(idx, probs.shape[-1] - 1)


def export_volume(base, productivity, demand, delivered, delivered0, elasticity, finance):
    """Export volume: base size times productivity, partner demand, price response, finance.

    ``delivered / delivered0`` is the delivered price (goods, friction and freight) against
    its reference; exports respond with constant ``elasticity``.
    """
    return base * productivity * demand * (delivered / delivered0) ** (-elasticity) * finance


def receivables_factor(constrained, risk_class, cover, strength):
    """Export share a financially constrained firm can serve, given insurance cover.

    Insured receivables can be borrowed against, so a constrained firm loses
    ``strength * risk_class / 4 * (1 - cover)`` of its exports; others lose nothing.
    """
    loss = strength * (np.asarray(risk_class) / 4.0) * (1.0 - cover)
    return np.where(constrained, 1.0 - loss, 1.0)


def inbound_shares(previous, probs, available, rechoose):
    """Route shares of a cell's return cargo after this quarter's re-choice.

    A share ``rechoose`` of the cargo re-chooses by ``probs`` (the nested logit over the
    options on offer); the rest keeps ``previous`` where that option is ``available``,
    and cargo whose route is gone re-chooses too: ``share = keep * previous +
    (rechoose + (1 - rechoose) * lost) * probs`` with ``keep = (1 - rechoose) * available``
    and ``lost`` the previous share of options no longer available. Rows sum to one when
    ``previous`` rows do (over the options on offer plus any lost).
    """
    previous = np.where(available, np.asarray(previous, dtype=float), 0.0)
    lost = 1.0 - previous.sum(axis=1, keepdims=True)
    return (1.0 - rechoose) * previous + (rechoose + (1.0 - rechoose) * lost) * probs


class SeparableSums(NamedTuple):
    """The logit sums of costs ``by_route[r] + by_origin[o]`` (see :func:`separable_log_sums`)."""

    log_sum: np.ndarray  # routes x origins: log sum_p exp(-cost / t); -inf: nothing on offer
    sums: np.ndarray  # routes x origins: sum_p of the factor products (shifted)
    route_factor: np.ndarray  # routes x options: exp(-(by_route - row best) / t)
    origin_factor: np.ndarray  # origins x options: exp(-(by_origin - row best) / t)


def separable_log_sums(by_route, by_origin, temperature):
    """``log sum_p exp(-(by_route[r, p] + by_origin[o, p]) / temperature)`` for all r and o.

    When an option's cost is the sum of a term that depends on one index (here the route:
    a sector and country) and one that depends on another (the origin province), the sums
    of the logit factor: ``exp(-(a + b) / t) = exp(-a / t) exp(-b / t)``, so every
    (route, origin) pair's sum is one entry of a matrix product, with no exponential of the
    full cells x options matrix. Each row is shifted by its cheapest option first, so no
    exponential overflows; ``inf`` costs (unavailable) add nothing; a pair with no
    available option gets ``-inf``: ``log_sum[r, o] = log(E_route[r] @ E_origin[o]) -
    (k_route[r] + k_origin[o]) / t`` with ``k`` the rows' best costs
    (:class:`SeparableSums`).
    """
    a = np.asarray(by_route, dtype=float)
    b = np.asarray(by_origin, dtype=float)
    k_a = np.min(a, axis=1, initial=np.inf)
    k_a = np.where(np.isfinite(k_a), k_a, 0.0)
    k_b = np.min(b, axis=1, initial=np.inf)
    k_b = np.where(np.isfinite(k_b), k_b, 0.0)
    e_a = np.exp(-(a - k_a[:, None]) / temperature)
    e_b = np.exp(-(b - k_b[:, None]) / temperature)
    sums = e_a @ e_b.T
    with np.errstate(divide="ignore"):
        log_sum = np.log(sums) - (k_a[:, None] + k_b[None, :]) / temperature
    return SeparableSums(log_sum, sums, e_a, e_b)


def separable_hub_choice(log_rail, sea_cost, scale, nest_scale):
    """Inclusive value and nest shares of :func:`hub_choice` from the rail nest's log-sum.

    ``log_rail`` is ``log sum_rail exp(-cost / (scale * nest_scale))`` (as from
    :func:`separable_log_sums`, ``-inf`` without a rail option) and ``sea_cost`` the sea's
    cost. With ``lambda = nest_scale``, the rail nest's weight is ``exp(lambda log_rail)``
    and the sea's ``exp(-sea_cost / scale)``; returns the inclusive value ``-scale *
    log(sum of weights)`` (cost units) and the rail nest's and the sea's shares.
    """
    lam = _hub_lambda(nest_scale)
    rail = lam * np.asarray(log_rail, dtype=float)
    sea = -np.asarray(sea_cost, dtype=float) / scale
    total = np.logaddexp(rail, sea)
    return -scale * total, np.exp(rail - total), np.exp(sea - total)
