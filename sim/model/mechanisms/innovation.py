"""Mechanism 8: growth of provinces' innovation stocks."""

from __future__ import annotations


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
