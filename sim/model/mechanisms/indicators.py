"""Indicators the outcomes report: inequality and concentration."""

from __future__ import annotations

import numpy as np


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
