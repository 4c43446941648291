"""The one entry point between the model and everything else: ``run(scenario, seed=...)``.

Replications get independent child seeds spawned from one base seed
(``numpy.random.SeedSequence.spawn``), so a replication is reproduced from its recorded
child seed alone, whatever the number of workers that ran it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.model import BRIModel
from sim.scenario.schema import Scenario


@dataclass
class RunResult:
    """Tidy tables of one run: outcomes per step, and per province and platform."""

    seed: int
    outcomes: pd.DataFrame
    provinces: pd.DataFrame
    platforms: pd.DataFrame

    def tagged(self, replication: int) -> RunResult:
        """The same tables with ``replication`` and ``seed`` columns in front."""

        def tag(df: pd.DataFrame) -> pd.DataFrame:
            return df.assign(replication=replication, seed=self.seed)[
                ["replication", "seed", *df.columns]
            ]

        return RunResult(self.seed, tag(self.outcomes), tag(self.provinces), tag(self.platforms))


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds spawned from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def build_model(scenario: Scenario, *, seed: int) -> BRIModel:
    """A fresh model for ``scenario`` whose randomness all comes from ``seed``."""
    return BRIModel(scenario, rng=seed)


def run(scenario: Scenario, *, seed: int, steps: int | None = None) -> RunResult:
    """Run one replication of ``scenario`` and return its tables."""
    model = build_model(scenario, seed=seed)
    for _ in range(steps if steps is not None else scenario.run.steps):
        model.step()
    return RunResult(
        seed=seed,
        outcomes=pd.DataFrame.from_records(model.records),
        provinces=model.province_rows.frame(),
        platforms=model.platform_rows.frame(),
    )
