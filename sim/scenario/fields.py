"""The building blocks of the schema: how a parameter is declared, and read back.

:func:`P` declares a parameter (default, unit, description, source, bounds), every
section of the schema is a :class:`Section`, and :data:`SECTORS` names the sectors that
TOML addresses by name. :func:`type_name` and :func:`bounds` turn a field's annotation
and bounds back into text for the parameter table and error messages, and
:func:`closest` suggests the name a user probably meant.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from collections.abc import Sequence
from typing import Annotated, Any

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field

ASSUMPTION = "assumption"

# Sectors are fixed by name so that TOML can address them (``freight.sectors.electronics``).
SECTORS = ("electronics", "machinery", "automotive", "chemicals", "consumer_goods")


def P(default: Any, unit: str, description: str, *, source: str = ASSUMPTION, **bounds: Any):
    """Declare a parameter: default, unit, one-line description, source and bounds."""
    extra = {"unit": unit, "source": source}
    if isinstance(default, (list, dict)):
        return Field(
            default_factory=lambda: copy.deepcopy(default),
            description=description,
            json_schema_extra=extra,
            **bounds,
        )
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """A block of parameters: unknown keys fail, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
ByRiskClass = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=5, max_length=5)]


def closest(name: str, candidates: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` for the candidate closest to ``name``, or an empty string."""
    hint = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return f" Did you mean '{hint[0]}'?" if hint else ""


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a section accepts."""
    return list(model.model_fields)


def type_name(ann: Any) -> str:
    """A short readable name of a type annotation: ``float``, ``list[str]``, ``str``."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        return type_name(type(args[0]))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        inner = ", ".join(type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    if ann is type(None):
        return "None"
    return getattr(ann, "__name__", str(ann).replace("typing.", ""))


def bounds(metadata: list[Any]) -> str:
    """Interval notation for ``Ge``/``Gt``/``Le``/``Lt`` metadata: ``[0, 1]``, ``(0, inf)``."""
    lo = hi = None
    lo_open = hi_open = True
    for m in metadata:
        if isinstance(m, at.Ge):
            lo, lo_open = m.ge, False
        elif isinstance(m, at.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, at.Le):
            hi, hi_open = m.le, False
        elif isinstance(m, at.Lt):
            hi, hi_open = m.lt, True
    if lo is None and hi is None:
        return ""
    left = f"{'(' if lo_open else '['}{_num(lo) if lo is not None else '-inf'}"
    right = f"{_num(hi) if hi is not None else 'inf'}{')' if hi_open else ']'}"
    return f"{left}, {right}"


def _num(x: float) -> str:
    return f"{x:g}"
