"""Sweep designs and seeds: grid, random, Latin hypercube, Sobol and Morris, or a CSV.

Random, LHS, Sobol (Saltelli) and Morris samples are drawn with SALib from a stream of
their own (:func:`design_rng`). Numeric ranges are sampled in their own units; an integer
range ``a:b`` is sampled on ``[a - 0.5, b + 0.5]`` and rounded, and a list of values on
``[0, k)`` and floored to an index, so every value is equally likely.

Run ``(point, replication)`` gets the seed
``SeedSequence(seed).spawn(points)[point].spawn(R)[replication]`` (computed directly as
``SeedSequence(seed, spawn_key=(point, replication))``, :func:`run_seed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.store import OutputError
from sim.scenario.parameters import Parameter, parameter_for
from sim.scenario.policy import SweepParam
from sim.scenario.schema import Scenario

DEFAULT_SAMPLES = {"grid": 5, "random": 64, "lhs": 64, "sobol": 64, "morris": 10}


class SweepError(OutputError):
    """A sweep that cannot be run or resumed, with a message meant for the user.

    An :class:`~sim.experiments.store.OutputError`, like the errors of the sweep's
    directory, so one ``except`` catches both.
    """


@dataclass(frozen=True)
class Design:
    """Design points and the sample they were drawn from.

    Attributes:
        table: ``point`` and one column per parameter path: the values run.
        sample: The raw sample in the sampler's units, for SALib (None for grid and CSV
            designs).
        problem: The SALib problem (names and bounds in the sampler's units).
    """

    table: pd.DataFrame
    sample: np.ndarray | None
    problem: dict[str, Any]

    @property
    def points(self) -> int:
        """Number of design points."""
        return len(self.table)


def salib_problem(factors: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem dict of ``factors`` (bounds in the sampler's units)."""
    return {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [f.bounds() for f in factors],
    }


def design_rng(seed: int) -> np.random.Generator:
    """The generator the design is drawn with: a stream apart from every run's seed."""
    return np.random.default_rng(np.random.SeedSequence([seed, 0xDE5167]))


def run_seed(seed: int, point: int, replication: int) -> int:
    """The 63-bit seed of run ``(point, replication)``, as ``child_seeds`` makes them."""
    child = np.random.SeedSequence(seed, spawn_key=(point, replication))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def make_design(
    factors: Sequence[Parameter],
    method: str,
    *,
    samples: int | None = None,
    seed: int,
    second_order: bool = False,
    levels: int = 4,
) -> Design:
    """Draw the design points of ``method`` over ``factors``.

    Args:
        factors: The swept parameters.
        method: ``grid``, ``random``, ``lhs``, ``sobol`` or ``morris``.
        samples: grid: levels per range; random, lhs: points; sobol: base sample ``N``
            (``N(D+2)`` points, ``N(2D+2)`` with ``second_order``); morris: trajectories
            (``N(D+1)`` points). ``None`` takes :data:`DEFAULT_SAMPLES`.
        seed: Base seed; the design uses its own stream (:func:`design_rng`).
        second_order: Sobol: sample for second-order indices too.
        levels: Morris: number of grid levels.
    """
    if not factors:
        raise SweepError("no parameters to sweep")
    n = samples if samples is not None else DEFAULT_SAMPLES[method]
    problem = salib_problem(factors)
    rng = design_rng(seed)
    if method == "grid":
        rows = list(product(*(f.levels(n) for f in factors)))
        table = pd.DataFrame(rows, columns=[f.path for f in factors])
        table.insert(0, "point", np.arange(len(table)))
        return Design(_typed(table, factors), None, problem)
    low, high = np.array(problem["bounds"]).T
    if method == "random":
        x = rng.uniform(low, high, size=(n, len(factors)))
    elif method == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, n, seed=rng)
    elif method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=rng)
    elif method == "morris":
        from SALib.sample import morris

        x = morris.sample(problem, n, num_levels=levels, seed=rng)
    else:
        raise SweepError(f"unknown design method {method!r}")
    table = pd.DataFrame({f.path: [f.value(v) for v in x[:, j]] for j, f in enumerate(factors)})
    table.insert(0, "point", np.arange(len(table)))
    return Design(_typed(table, factors), x, problem)


def _typed(table: pd.DataFrame, factors: Sequence[Parameter]) -> pd.DataFrame:
    dtypes = {"float": "float64", "int": "int64", "bool": "bool", "choice": "object"}
    return table.astype({f.path: dtypes[f.kind] for f in factors})


def read_design(path: Path, s: Scenario) -> tuple[list[Parameter], Design]:
    """Read design points from a CSV: one column per parameter path, one row per point.

    A ``point`` column, if present, is ignored: points are numbered in file order.
    Every value is checked like a list of values in the ``[sweep]`` table.
    """
    try:
        raw = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise SweepError(f"--design {path}: file not found") from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise SweepError(f"--design {path}: cannot read as CSV: {err}") from None
    raw = raw.drop(columns=[c for c in raw.columns if str(c).strip() == "point"])
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty or not len(raw.columns):
        raise SweepError(f"--design {path}: no design points (need a header and rows)")
    problems, factors = [], []
    for column in raw.columns:
        cells = raw[column]
        if cells.isna().any():
            row = int(np.flatnonzero(cells.isna().to_numpy())[0]) + 2  # 1-based, after header
            problems.append(f"column '{column}': empty cell on line {row}")
            continue
        unique = list(dict.fromkeys(cells.tolist()))
        try:
            factors.append(parameter_for(s, column, SweepParam(values=unique)))
        except ValueError as err:
            problems.append(f"column '{column}': {err}")
    if problems:
        raise SweepError(f"--design {path}: invalid design\n  " + "\n  ".join(problems))
    table = raw.copy()
    table.insert(0, "point", np.arange(len(table)))
    return factors, Design(_typed(table, factors), None, salib_problem(factors))
