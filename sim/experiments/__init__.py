"""Experiments: one run, replications, execution backends, sweeps and the output store.

They call the model through :func:`sim.experiments.experiment.run` and hand tidy tables
to the store; analysis and charts read only those tables. For Mesa's own tools
(``mesa.batch_run``), ``sim.experiments.BatchModel`` is the model built by keyword with a
``datacollector`` (:mod:`sim.model.mesa_api`), imported on first use so that importing
the store does not import the model.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BatchModel"]


def __getattr__(name: str) -> Any:
    if name == "BatchModel":
        from sim.model.mesa_api import BatchModel

        return BatchModel
    raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
