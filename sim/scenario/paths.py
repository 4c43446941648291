"""Dotted paths into a scenario: read one, assign one, and parse a value given as text.

A path such as ``policy.subsidy.national_cap`` or ``freight.sectors.electronics.share``
names one parameter. :func:`get_path` reads it from a scenario or from plain dicts,
:func:`assign_path` sets it on a live scenario (what ``set`` events do), and
:func:`parse_value` reads a value typed on the command line. Setting a path in the raw
data of a scenario file, checked against the schema, is
:func:`sim.scenario.loading.set_path` (``--set``).
"""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import BaseModel

from sim.scenario.fields import closest, field_names


def parse_value(text: str) -> Any:
    """Parse a command-line value as TOML (numbers, booleans, lists), else keep the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def get_path(obj: Any, path: str) -> Any:
    """Read ``a.b.c`` from a scenario (attributes) or dict; KeyError names the bad key."""
    node = obj
    for key in path.split("."):
        if isinstance(node, dict):
            if key not in node:
                raise KeyError(f"unknown key '{key}' in '{path}'{closest(key, list(node))}")
            node = node[key]
        elif isinstance(node, BaseModel):
            if key not in type(node).model_fields:
                names = field_names(type(node))
                raise KeyError(f"unknown key '{key}' in '{path}'.{closest(key, names)}")
            node = getattr(node, key)
        else:
            raise KeyError(f"'{path}' goes below a value at '{key}'")
    return node


def assign_path(s: BaseModel, path: str, value: Any) -> None:
    """Assign a validated value at ``a.b.c`` of a live scenario (used by 'set' events)."""
    *head, last = path.split(".")
    parent = get_path(s, ".".join(head)) if head else s
    if isinstance(parent, dict):
        parent[last] = value
    else:
        setattr(parent, last, value)
