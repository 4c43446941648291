"""The model's rules as pure functions over arrays.

Each function states one rule of the ODD document's submodels. The model calls them in
bulk over all enterprises or platforms; the per-agent reference and the tests call them
on single cases. Nothing here draws random numbers: draws are passed in, so the fast path
and the reference consume the same ones.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in km between points given in degrees (broadcasts)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --- Mechanism 3: platform cost ------------------------------------------------------------


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
    """Loaded containers over slots run (0 where no train runs)."""
    volume = np.asarray(volume, dtype=float)
    trains = np.asarray(trains, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(trains > 0, volume / (trains * slots), 0.0)


# --- Mechanism 4: hub choice ---------------------------------------------------------------


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


# --- Mechanism 7: the lender ---------------------------------------------------------------


def lender_eligible(loan, collateral, ratio, pd, lgd, cover, appetite, cash, equity):
    """Whether the lender will lend: collateral covers the loan, risk is within appetite.

    Approve when ``collateral >= ratio * loan``, the expected loss rate after insurance
    ``pd * lgd * (1 - cover) <= appetite``, and the firm can pay its equity share.
    """
    covered = np.asarray(collateral) >= np.asarray(ratio) * np.asarray(loan)
    risk_ok = np.asarray(pd) * lgd * (1.0 - cover) <= appetite
    return covered & risk_ok & (np.asarray(cash) >= np.asarray(equity))


def ration(amounts, eligible, priority, capacity):
    """Approve eligible requests in priority order (lowest first) while capacity lasts.

    A request that does not fit in what is left is skipped; smaller later ones may fit.
    Returns a boolean mask of approved requests.
    """
    amounts = np.asarray(amounts, dtype=float)
    approved = np.zeros(amounts.shape, dtype=bool)
    idx = np.flatnonzero(eligible)
    if idx.size == 0 or capacity <= 0:
        return approved
    order = idx[np.argsort(np.asarray(priority)[idx], kind="stable")]
    cum = np.cumsum(amounts[order])
    fits = cum <= capacity
    approved[order[fits]] = True
    # after the first miss, greedily try the rest one by one (few, rarely reached)
    if not fits.all():
        left = capacity - amounts[order[fits]].sum()
        for i in order[~fits]:
            if amounts[i] <= left:
                approved[i] = True
                left -= amounts[i]
    return approved


# --- Mechanism 8: innovation ---------------------------------------------------------------


def innovation_growth(
    stock, rd_intensity, talent, research, group_mean, *, p, conversion_mult, spillover
):
    """Next innovation stock: R&D, talent and conversion growth, depreciation, spillover.

    ``stock * (1 + rd_effect*rd + talent_effect*talent + conversion*mult*research
    - depreciation) + spillover * (group_mean - stock)``; ``group_mean`` equals ``stock``
    for provinces outside the sharing group.
    """
    growth = (
        p.rd_effect * rd_intensity
        + p.talent_effect * talent
        + p.conversion * conversion_mult * research
        - p.depreciation
    )
    return stock * (1.0 + growth) + spillover * (group_mean - stock)


def gini(values):
    """Gini coefficient of non-negative values (0 = equal)."""
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size
    if n == 0 or v.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * ranks - n - 1) @ v / (n * v.sum()))


def herfindahl(volumes):
    """Herfindahl index of shares (1 = one hub carries everything, 0 when nothing moves)."""
    v = np.asarray(volumes, dtype=float)
    total = v.sum()
    return float(((v / total) ** 2).sum()) if total > 0 else 0.0
