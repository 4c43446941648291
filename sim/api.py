"""A Python API for outside tools: one run of a scenario, summarised as named outcomes.

:func:`evaluate` is what tools that call a model as ``f(**params) -> {name: number}``
need (the EMA Workbench, optimisers, surrogate builders; ``docs/ema.md`` shows EMA): a
scenario, a mapping of dotted parameters and a seed go in, one number per outcome and
window comes out::

    from sim.api import evaluate

    out = evaluate("scenarios/baseline.toml", {"freight.rail_cost": 5000}, seed=1)
    out["rail_volume_final"], out["rail_volume_mean"]

It adds no machinery of its own: the parameters are set and validated exactly as
``BatchModel`` does (:func:`sim.model.mesa_api.resolve_scenario`, the checks of
``--set``), the run is :func:`sim.experiments.experiment.run`, and the two windows are
those a sweep records (:func:`sim.experiments.sweep.plan.summarize_outcomes` with
:data:`sim.outcomes.FINAL_STEPS`), so a point of ``sim sweep`` and ``evaluate`` with its
values and seed give the same numbers. Import it as ``from sim.api import evaluate``:
``import sim`` stays cheap and does not load the model.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.experiments.experiment import run
from sim.experiments.sweep.plan import STATS, summarize_outcomes
from sim.model.mesa_api import resolve_scenario
from sim.outcomes import FINAL_STEPS, OUTCOMES
from sim.scenario.loading import ScenarioError
from sim.scenario.schema import Scenario

__all__ = ["WINDOWS", "evaluate", "outcome_names"]

WINDOWS = STATS  # ("final", "mean"): the suffixes of the keys, as a sweep names its columns
_SET = "--set "  # how the loader's messages name an override given on the command line


def outcome_names() -> list[str]:
    """The keys :func:`evaluate` returns: ``<outcome>_final`` and ``<outcome>_mean``.

    One pair per outcome of :data:`sim.outcomes.OUTCOMES`, in that order.
    """
    return [f"{name}_{window}" for name in OUTCOMES for window in WINDOWS]


def _plain(value: Any) -> Any:
    """A NumPy scalar or array as the Python value the schema reads (``np.True_`` -> True)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _as_parameter_error(err: ScenarioError) -> ScenarioError:
    """The loader's message with ``--set PATH:`` said as ``parameter PATH:``."""
    text = str(err)
    if text.startswith(_SET):
        text = "parameter " + text.removeprefix(_SET)
    return ScenarioError(text)


def evaluate(
    scenario: Scenario | str | os.PathLike[str],
    params: Mapping[str, Any] | None = None,
    *,
    seed: int,
    **overrides: Any,
) -> dict[str, float]:
    """Run ``scenario`` once with ``params`` set and return every outcome in two windows.

    **Seeding.** ``seed`` fully determines the run. One seed is one replication: for
    several replications of one point, spawn independent seeds from one base seed with
    :func:`sim.experiments.experiment.child_seeds` (``child_seeds(base, n)``, what
    ``sim run -r N --seed base`` uses) and average the outcomes. In the EMA Workbench,
    give every experiment the same fixed seed (a ``Constant``) or the same list of seeds
    (``ReplicatorModel.replications``), so that policies are compared on common random
    numbers, as ``sim compare`` does; to treat the noise as an uncertainty instead, make
    the seed an ``IntegerParameter``.

    Args:
        scenario: A scenario file (``"scenarios/baseline.toml"``) or a
            :class:`~sim.scenario.schema.Scenario`.
        params: Parameters to set, by the dotted path that ``sim params`` lists and
            ``--set path=value`` accepts (``{"freight.rail_cost": 5000}``); ``__`` may
            stand for the dot (``freight__rail_cost``), so that names are Python
            identifiers as the EMA Workbench requires. Values may be NumPy scalars
            (``np.float64``, ``np.int64``, ``np.bool_``) and ints for float parameters.
            Each is checked against the schema, like ``--set``.
        seed: The seed of all the run's randomness. It fully determines the run: the same
            scenario, parameters and seed give the same numbers, in any process.
        **overrides: More parameters as keywords, dots written as ``__``
            (``freight__rail_cost=5000``), as ``BatchModel`` takes them; they win over
            ``params``. So ``functools.partial(evaluate, "scenarios/baseline.toml")`` is a
            model function for the EMA Workbench, called with the sampled values and the
            seed as keywords, that worker processes can unpickle without this script.

    Returns:
        For each outcome ``name`` of :data:`sim.outcomes.OUTCOMES` (the table of
        ``docs/ODD.md``), in that order: ``name_final``, the mean of the last
        :data:`~sim.outcomes.FINAL_STEPS` steps (the final year of quarters; all steps in
        a shorter run), what "final" means in every table of the project; and
        ``name_mean``, the mean over all steps. Steps where an outcome is undefined (NaN)
        are left out of both means. :func:`outcome_names` lists the keys.

    Raises:
        ScenarioError: The file, a parameter's path or a value is not valid. The message
            names the parameter (``parameter freight.rail_cots: unknown key ... Did you
            mean 'rail_cost'? Allowed: ...``) or the key path and what is allowed.
    """
    given = {**(params or {}), **overrides}
    plain = {key: _plain(value) for key, value in given.items()}
    try:
        resolved = resolve_scenario(scenario, plain)
    except ScenarioError as err:
        raise _as_parameter_error(err) from None
    table = run(resolved, seed=operator.index(seed)).outcomes
    stats = summarize_outcomes(table, list(OUTCOMES), window=FINAL_STEPS)
    return {f"{name}_{w}": stats[f"{name}.{w}"] for name in OUTCOMES for w in WINDOWS}
