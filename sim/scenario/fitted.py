"""The calibrated defaults: the values ``sim calibrate`` fitted, read from one packaged file.

``sim/data/calibrated.toml`` holds every fitted value at its place in a scenario
(``[freight] logit_scale = ...``) and, as ``source``, the label the parameter table
prints for them. Every field of the schema whose source is :data:`CALIBRATED` takes its
default from there through :func:`fitted`, so the fitted values are written once;
``sim calibrate --defaults`` rewrites the file.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

FITTED_FILE = "calibrated.toml"  # in the package's data folder, sim/data


@functools.cache
def fitted_file() -> dict[str, Any]:
    """The packaged file of calibrated defaults, as read from TOML."""
    path = resources.files("sim.data").joinpath(FITTED_FILE)
    return tomllib.loads(path.read_text(encoding="utf-8"))


def fitted_values() -> dict[str, Any]:
    """Every calibrated default by its dotted path (``freight.logit_scale``)."""
    out: dict[str, Any] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                out[f"{prefix}{key}"] = value

    walk("", {k: v for k, v in fitted_file().items() if k != "source"})
    return out


def fitted(path: str) -> Any:
    """The calibrated default at ``path``; KeyError if the file has none."""
    values = fitted_values()
    if path not in values:
        raise KeyError(f"{FITTED_FILE}: no calibrated value for '{path}'")
    return values[path]


# The source of every calibrated field, as the parameter table and the ODD print it.
CALIBRATED: str = fitted_file()["source"]
