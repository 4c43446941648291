"""Mechanism 8: growth of provinces' innovation stocks."""

from __future__ import annotations

import numpy as np


def innovation_growth(
    stock,
    rd_intensity,
    talent,
    research,
    group_mean,
    *,
    p,
    conversion_mult,
    spillover,
    rd_factor=1.0,
    conversion_factor=1.0,
    projects=0.0,
):
    """Next innovation stock: R&D, talent, conversion and projects, depreciation, sharing.

    ``stock * (1 + rd_effect*rd*f_rd + talent_effect*talent
    + conversion*mult*research*f_conv + project_feedback*projects - depreciation)
    + spillover * max(group_mean - stock, 0)``. ``f_rd`` and ``f_conv`` are this quarter's
    outcomes of R&D and conversion (``1 / success_chance`` on a success, else 0; 1 when
    sure); ``projects`` the projects its firms completed abroad per firm. Sharing raises a
    province below its group's mean and leaves one above it as it is; ``group_mean``
    equals ``stock`` outside the sharing group.
    """
    growth = (
        p.rd_effect * rd_intensity * rd_factor
        + p.talent_effect * talent
        + p.conversion * conversion_mult * research * conversion_factor
        + p.project_feedback * projects
        - p.depreciation
    )
    return stock * (1.0 + growth) + spillover * np.maximum(group_mean - stock, 0.0)
