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
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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
    """A block of parameters: unknown keys fail, assignment is validated, types are strict.

    Numbers must be finite (no ``inf`` or ``nan``); a number field takes an integer or a
    float but never ``true``/``false`` or a quoted string, and a boolean field only
    ``true`` or ``false`` (:func:`strict_kind`). The same checks run when a ``set`` event
    assigns a value during a run.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_types(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            problem = type_problem(strict_kind(field.annotation), value)
            if problem:
                raise ValueError(problem)
        return value


Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(ge=0.01)]  # positive, and far from underflow


def by_risk_class(high: float) -> Any:
    """A list of five numbers in ``[0, high]``, one per partner risk class (1 safest)."""
    return Annotated[
        list[Annotated[float, Field(ge=0.0, le=high)]], Field(min_length=5, max_length=5)
    ]


# probabilities and shares by risk class: each in [0, 1]
ByRiskClass = by_risk_class(1.0)

Kind = Literal["int", "float", "ints", "floats", "bool", "other"]


def strict_kind(ann: Any) -> Kind:
    """What a field's annotation accepts, for the strict type check: numbers or booleans."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return strict_kind(args[0])
    if ann is bool:
        return "bool"
    if ann is int:
        return "int"
    if ann is float:
        return "float"
    if origin in (typing.Union, types.UnionType):
        kinds = {strict_kind(a) for a in args if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if origin is list and args and strict_kind(args[0]) in ("int", "float"):
        return "ints" if strict_kind(args[0]) == "int" else "floats"
    return "other"


def type_problem(kind: Kind, value: Any) -> str:
    """Why ``value`` does not fit a field of ``kind`` (numbers, booleans), or ``""``."""
    if kind in ("int", "float"):
        return _number_problem(value, kind)
    if kind in ("ints", "floats") and isinstance(value, list):
        for i, item in enumerate(value):
            problem = _number_problem(item, kind[:-1])
            if problem:
                return f"item {i}: {problem}"
    if kind == "bool" and not isinstance(value, bool):
        if isinstance(value, str):
            return "Input should be true or false, not a string (write it without quotes)"
        return f"Input should be true or false, not a {_type_word(value)}"
    return ""


def _number_problem(value: Any, kind: str) -> str:
    expected = "Input should be a valid " + ("integer" if kind == "int" else "number")
    if isinstance(value, bool):
        return f"{expected}, not true or false"
    if isinstance(value, str):
        return f"{expected}, not a string (write numbers without quotes)"
    return ""


def _type_word(value: Any) -> str:
    return "number" if isinstance(value, int | float) else type(value).__name__


def closest(name: str, candidates: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` for the candidate closest to ``name``, or an empty string.

    The name itself is never suggested, and a case-insensitive match wins.
    """
    others = [c for c in candidates if c != name]
    same = [c for c in others if c.casefold() == name.casefold()]
    hint = same or difflib.get_close_matches(name, others, n=1, cutoff=0.5)
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
