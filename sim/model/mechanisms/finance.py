"""Mechanism 7: the lender's eligibility rule, its queue and the rationing of its capacity."""

from __future__ import annotations

import numpy as np


def lender_eligible(loan, collateral, ratio, pd, lgd, cover, appetite, cash, equity):
    """Whether the lender will lend: collateral covers the loan, risk is within appetite.

    Approve when ``collateral >= ratio * loan``, the expected loss rate after insurance
    ``pd * lgd * (1 - cover) <= appetite``, and the firm can pay its equity share.
    """
    covered = np.asarray(collateral) >= np.asarray(ratio) * np.asarray(loan)
    risk_ok = np.asarray(pd) * lgd * (1.0 - cover) <= appetite
    return covered & risk_ok & (np.asarray(cash) >= np.asarray(equity))


def premium_rate(pd, lgd, loading):
    """Insurance premium per quarter on an insured amount: the expected claim, loaded.

    ``(1 + loading) * pd * lgd``, with ``pd`` the project failure probability of the
    partner's risk class outside crises: the insurer breaks even over the cycle when
    crises add no more claims than the loading pays for.
    """
    return (1.0 + loading) * np.asarray(pd, dtype=float) * lgd


def queue_score(rate, pd, lgd, cover, bonus):
    """The lender's ranking of an application: its risk-adjusted margin plus a bonus.

    ``rate - pd * lgd * (1 - cover) + bonus``: the interest it earns per quarter less the
    expected loss it keeps after insurance, plus the ownership bonus
    (``policy.finance.state_priority`` for state-owned terms, else 0). Higher is served
    first.
    """
    return np.asarray(rate) - np.asarray(pd) * lgd * (1.0 - cover) + np.asarray(bonus)


def queue_order(score, tiebreak):
    """Each application's place in the queue (0 first): by score, highest first.

    Equal scores go by ``tiebreak`` (a uniform draw), lowest first, and then by position.
    """
    order = np.lexsort((np.asarray(tiebreak), -np.asarray(score)))
    place = np.empty(order.size, dtype=np.int64)
    place[order] = np.arange(order.size)
    return place


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
