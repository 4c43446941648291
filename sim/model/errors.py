"""The model's own failures: a run that left the range its equations mean something in.

The scenario schema refuses the parameter combinations known to diverge (its bounds and
cross-field rules, :mod:`sim.scenario.rules`). What can still run away (a random walk far
in a tail, a combination no rule foresaw) is caught here at the end of every step and
stops the run with a :class:`ModelError` that names the step, what went wrong and the
parameters that drive it, so that no table ever holds NaN or inf. Runners record such a
run as failed; the command line prints the message.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.paths import get_path

if TYPE_CHECKING:
    from sim.model.model import BRIModel

# Productivity relative to its start above which the model's economy means nothing: the
# schema's rules keep it within a factor of 10,000 (sim.scenario.rules); this is 100 times
# that, so the guard fires only on what the rules did not foresee.
PRODUCTIVITY_LIMIT = 1e6
PRODUCTIVITY_DRIVERS = (
    "innovation.rd_effect",
    "innovation.talent_effect",
    "innovation.conversion",
    "innovation.productivity_elasticity",
    "policy.innovation.talent_inflow",
)
STOCK_DRIVERS = ("innovation.depreciation", "policy.innovation.spillover")


class ModelError(Exception):
    """The model stopped: its state left the range where its equations are meaningful."""


def _drivers(m: BRIModel, paths: tuple[str, ...]) -> str:
    return ", ".join(f"{p}={get_path(m.p, p):g}" for p in paths)


def check_step(m: BRIModel) -> None:
    """Raise :class:`ModelError` if this step's state or outcomes left the meaningful range."""
    step = m.steps
    ratio = m.innovation_ratio
    if (ratio < 0).any():
        worst = int(np.argmin(ratio))
        raise ModelError(
            f"step {step}: the innovation stock of {m.province_list[worst]} fell below zero; "
            f"depreciation and spillover together take more than the stock "
            f"({_drivers(m, STOCK_DRIVERS)}): keep their sum at most 1"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        gain = np.abs(ratio) ** m.p.innovation.productivity_elasticity
        gain = gain * math.exp(min(float(m.firms.boost.max(initial=0.0)), 700.0))
    if not (np.isfinite(gain).all() and float(gain.max(initial=0.0)) <= PRODUCTIVITY_LIMIT):
        worst = int(np.argmax(np.where(np.isfinite(gain), gain, np.inf)))
        raise ModelError(
            f"step {step}: productivity in {m.province_list[worst]} grew more than "
            f"{PRODUCTIVITY_LIMIT:.0e}-fold, beyond what the model represents; it compounds "
            f"through {_drivers(m, PRODUCTIVITY_DRIVERS)}: lower them"
        )
    bad = [k for k, v in m.records[-1].items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise ModelError(
            f"step {step}: outcome {bad[0]} is {m.records[-1][bad[0]]} (not a finite number)"
            + (f", and {len(bad) - 1} more" if len(bad) > 1 else "")
            + "; the scenario's parameters drive the model outside the range its equations"
            " mean something in: check the parameters set far from their defaults"
            " (`sim params` lists the defaults)"
        )
