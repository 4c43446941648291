"""Mechanism 4: hub choice by logit, export volumes, the receivables constraint."""

from __future__ import annotations

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
