"""The model as Mesa's own tools expect it: built by keyword, a ``datacollector``, ``running``.

:class:`BatchModel` is :class:`~sim.model.model.BRIModel` with what ``mesa.batch_run``
(and Mesa's visualisation) relies on:

- **keywords only**: ``BatchModel(scenario="scenarios/baseline.toml", rng=7,
  freight__rail_cost=5000)``. ``scenario`` is a scenario file or a
  :class:`~sim.scenario.schema.Scenario` (the package defaults when left out); every other
  keyword is one parameter, its dotted path written with ``__`` (``run__enterprises``) or
  with dots (``**{"run.enterprises": 200}``), checked against the schema like ``--set``;
  ``params`` takes the same as a mapping. ``mesa.batch_run`` passes each replication's
  seed as ``rng``; the model draws all its randomness from it, never from global state.
- **``running``** turns False after the scenario's ``run.steps`` steps, so
  ``while model.running`` and ``batch_run``'s ``max_steps`` both stop it.
- **``datacollector``**, a ``mesa.DataCollector`` whose model reporters are the outcomes
  of :data:`sim.outcomes.OUTCOMES`, read from the row the model has just recorded
  (:func:`sim.model.collect.collect_step`), not computed again. ``batch_run`` returns
  them as columns; its ``Step`` is the model's step, 1 to ``run.steps`` (Mesa's clock,
  ``model.time``, a float).

The numbers are those of :func:`sim.experiments.experiment.run` for the same scenario and
seed: ``BatchModel`` only adds the collector, and collecting draws no random numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.model.model import BRIModel
from sim.outcomes import OUTCOMES
from sim.scenario.loading import dump_scenario, load_scenario, set_path, validate
from sim.scenario.schema import Scenario


def _outcome(model: BRIModel, name: str) -> Any:
    """The value of outcome ``name`` in the step's recorded row."""
    return model.records[-1][name]


def resolve_scenario(
    scenario: Scenario | str | Path | None, params: Mapping[str, Any] | None = None
) -> Scenario:
    """A validated scenario: a file or a Scenario (or the defaults), with ``params`` set.

    ``params`` maps dotted paths (``freight.rail_cost``, or ``freight__rail_cost``) to
    values; each is checked against the schema, and the result validated as a whole.

    Raises:
        ScenarioError: The file, a path or a value is not valid.
    """
    if scenario is None:
        base = validate({"name": "defaults"}, origin="the default scenario")
    elif isinstance(scenario, Scenario):
        base = scenario
    else:
        base = load_scenario(scenario)
    if not params:
        return base
    data = dump_scenario(base)
    for key, value in params.items():
        # a NumPy scalar (what EMA and batch_run pass) as the Python value the schema reads
        plain = value.item() if isinstance(value, np.generic) else value
        set_path(data, key.replace("__", "."), plain)
    return validate(data, origin=f"{base.name} with {', '.join(params)}")


class BatchModel(BRIModel):
    """:class:`BRIModel` built by keyword, with a ``datacollector``, that stops by itself.

    Args:
        scenario: A scenario file or a :class:`Scenario`; the package defaults when None.
        params: Parameters to set, by dotted path (``{"freight.rail_cost": 5000}``).
        rng: The seed (or generator) of all the model's randomness.
        **overrides: More parameters, dots written as ``__`` (``freight__rail_cost=5000``).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        rng: int | np.random.Generator | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(resolve_scenario(scenario, {**(params or {}), **overrides}), rng=rng)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_outcome, name=name) for name in OUTCOMES}
        )
        self.running = self.p.run.steps > 0

    def step(self) -> None:
        """One quarter of :meth:`BRIModel.step`, then collect its outcomes; stop at the end."""
        super().step()
        self.datacollector.collect(self)
        self.running = self.steps < self.p.run.steps
