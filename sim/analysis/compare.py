"""Scenario comparison with common random numbers: paired differences and effect sizes.

Every scenario runs with the same child seeds, so replication ``i`` of each scenario shares
its partner shocks and enterprise draws with replication ``i`` of the base (the model
draws each mechanism from its own stream). Differences are taken within each pair, which
removes most of the noise the scenarios share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from sim.analysis.summary import bootstrap_interval, t_interval
from sim.outcomes import OUTCOMES

Window = Literal["final", "run"] | tuple[int, int]


def per_replication(
    outcomes: pd.DataFrame, names: Iterable[str], *, window: Window = "final", final_steps: int = 4
) -> pd.DataFrame:
    """One value per replication and outcome: the mean over a window of steps.

    ``window`` is ``"final"`` (the last ``final_steps`` steps), ``"run"`` (every step) or
    ``(first, last)`` steps inclusive. ``outcomes`` has ``replication`` and ``step`` columns.
    """
    names = list(names)
    if window == "final":
        last = outcomes["step"].max()
        outcomes = outcomes[outcomes["step"] > last - final_steps]
    elif isinstance(window, tuple):
        outcomes = outcomes[outcomes["step"].between(*window)]
    elif window != "run":
        raise ValueError(f"window must be 'final', 'run' or (first, last), not {window!r}")
    return outcomes.groupby("replication")[names].mean()


def paired_differences(
    runs: Mapping[str, pd.DataFrame],
    base: str,
    *,
    outcomes: Iterable[str] | None = None,
    window: Window = "final",
    final_steps: int = 4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each scenario against the base, outcome by outcome, paired by replication.

    Returns one row per (scenario, outcome): the scenario's mean and its bootstrap interval
    (a level: it respects the outcome's bounds), the base's mean, the mean paired difference
    with its Student-t interval (a difference has no bound), and Cohen's d (difference over the
    pooled standard deviation of the two scenarios' values; NaN when both are constant).
    """
    names = [o for o in (outcomes or OUTCOMES) if o in runs[base].columns]
    b = per_replication(runs[base], names, window=window, final_steps=final_steps)
    rows = []
    for scenario, table in runs.items():
        v = per_replication(table, names, window=window, final_steps=final_steps)
        common = b.index.intersection(v.index)
        for name in names:
            x, y = v.loc[common, name].to_numpy(), b.loc[common, name].to_numpy()
            mean, low, high = bootstrap_interval(x, level)
            diff, dlow, dhigh = t_interval(x - y, level)
            pooled = np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2) if x.size > 1 else np.nan
            tiny = 1e-9 * max(1.0, abs(float(y.mean())))
            d = diff / pooled if pooled > tiny else np.nan  # undefined without spread
            rows.append(
                {
                    "scenario": scenario,
                    "outcome": name,
                    "unit": OUTCOMES[name].unit if name in OUTCOMES else "",
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "base_mean": float(y.mean()),
                    "diff": diff,
                    "diff_low": dlow,
                    "diff_high": dhigh,
                    "effect_size": d,
                    "n": int(x.size),
                }
            )
    return pd.DataFrame(rows)


def direction(row: pd.Series) -> int:
    """+1 or -1 when the difference's interval excludes zero in that direction, else 0."""
    if row["diff_low"] > 0:
        return 1
    if row["diff_high"] < 0:
        return -1
    return 0
