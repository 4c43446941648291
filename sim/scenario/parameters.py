"""Parameters that vary, in one type for sweeps, calibration and the calibrated defaults.

:class:`Parameter` is a dotted path with its kind, range or values, scale and role;
:func:`parameter_for` checks a sweep's ``[sweep.params]`` entry against the schema and
returns one, and :func:`check_sweep` reports every problem of a scenario's sweep table.
"""

from __future__ import annotations

import json
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types as at
import numpy as np
from pydantic import BaseModel

from sim.outcomes import OUTCOMES
from sim.scenario.fields import bounds, closest, type_name
from sim.scenario.paths import get_path
from sim.scenario.policy import SweepParam

Kind = Literal["float", "int", "bool", "choice"]
Role = Literal["uncertainty", "lever", "calibrated"]


@dataclass(frozen=True)
class Parameter:
    """A parameter that varies: its dotted path, kind, range or values, scale and role.

    Sweeps sample it (:meth:`bounds`, :meth:`value`, :meth:`levels`), calibration moves
    it over the unit interval (:meth:`from_unit`), and ``role`` says why it varies:
    ``uncertainty`` (what the world might be), ``lever`` (what policy chooses) or
    ``calibrated`` (fitted to the record).

    A range ``low``..``high`` is sampled in its own units, or in logs when ``log``; an
    integer range ``a:b`` on ``[a - 0.5, b + 0.5]`` and rounded; a list of values on
    ``[0, k)`` and floored to an index, so every value is equally likely.
    """

    path: str
    kind: Kind = "float"
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    log: bool = False
    role: Role = "uncertainty"
    meaning: str = ""

    def __post_init__(self) -> None:
        if self.log and (self.values is not None or self.kind != "float"):
            raise ValueError(f"{self.path}: only a float range can have a log scale")
        if self.log and not (self.low and self.low > 0):
            raise ValueError(f"{self.path}: a log scale needs a positive lower bound")

    def bounds(self) -> list[float]:
        """The parameter's range in the sampler's units (see the class docstring)."""
        if self.values is not None:
            return [0.0, float(len(self.values))]
        assert self.low is not None and self.high is not None
        if self.kind == "int":
            return [self.low - 0.5, self.high + 0.5]
        if self.log:
            return [math.log(self.low), math.log(self.high)]
        return [self.low, self.high]

    def value(self, x: float) -> Any:
        """The parameter value run for the sampled number ``x`` (in the sampler's units)."""
        if self.values is not None:
            return self.values[min(max(math.floor(x), 0), len(self.values) - 1)]
        if self.kind == "int":
            assert self.low is not None and self.high is not None
            return int(min(max(round(x), self.low), self.high))
        if self.log:
            return float(math.exp(x))
        return float(x)

    def from_unit(self, u: float) -> float:
        """The value at ``u`` in [0, 1]: linear over the range, or log-uniform when ``log``."""
        assert self.low is not None and self.high is not None
        if self.log:
            return float(
                math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
            )
        return float(self.low + u * (self.high - self.low))

    def levels(self, n: int) -> list[Any]:
        """The values a full grid takes: ``n`` evenly spaced over a range, or the list."""
        if self.values is not None:
            return list(self.values)
        spaced = np.geomspace if self.log else np.linspace
        grid = spaced(self.low, self.high, n)
        if self.kind == "int":
            return sorted({int(round(v)) for v in grid})
        return [float(v) for v in grid]

    def spec(self) -> dict[str, Any]:
        """The parameter as written to a manifest."""
        if self.values is not None:
            return {"kind": self.kind, "values": list(self.values)}
        out: dict[str, Any] = {"kind": self.kind, "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        return out


def _limits(metadata: Sequence[Any]) -> tuple[float, bool, float, bool]:
    """``(low, low_open, high, high_open)`` of a field's bounds (infinite if none)."""
    low, low_open, high, high_open = -math.inf, True, math.inf, True
    for m in metadata:
        if isinstance(m, at.Ge):
            low, low_open = float(m.ge), False
        elif isinstance(m, at.Gt):
            low, low_open = float(m.gt), True
        elif isinstance(m, at.Le):
            high, high_open = float(m.le), False
        elif isinstance(m, at.Lt):
            high, high_open = float(m.lt), True
    return low, low_open, high, high_open


def _kind(annotation: Any) -> tuple[Kind, tuple[Any, ...]]:
    """The kind of a sweepable field and its choices; ValueError if it cannot be swept."""
    if annotation is bool:
        return "bool", (True, False)
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if typing.get_origin(annotation) is typing.Literal:
        return "choice", typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        raise ValueError("is a table of parameters, not a parameter")
    raise ValueError(
        f"a {type_name(annotation)} parameter cannot be swept (only numbers, booleans and"
        " choices can)"
    )


def parameter_for(s: BaseModel, path: str, param: SweepParam) -> Parameter:
    """Check a swept parameter of scenario ``s`` against the schema; return it as a Parameter.

    Raises:
        ValueError: Unknown path, a leaf that cannot be swept, a range on a boolean or
            choice, values of the wrong type, or a range or value outside the
            parameter's allowed range; the message names the allowed values.
    """
    try:
        get_path(s, path)
    except KeyError as err:
        raise ValueError(err.args[0]) from None
    head, _, last = path.rpartition(".")
    parent = get_path(s, head) if head else s
    if not isinstance(parent, BaseModel):
        raise ValueError("is a table of parameters, not a parameter")
    info = type(parent).model_fields[last]
    kind, choices = _kind(info.annotation)
    low, low_open, high, high_open = _limits(info.metadata)
    allowed = bounds(info.metadata) or "(-inf, inf)"

    def inside(x: float) -> bool:
        above = x > low if low_open else x >= low
        below = x < high if high_open else x <= high
        return above and below

    if param.values is None:
        assert param.low is not None and param.high is not None
        if kind in ("bool", "choice"):
            example = ", ".join(json.dumps(c) for c in choices)
            raise ValueError(
                f"a {kind} parameter takes a list of values ([{example}]), not a range"
            )
        if kind == "int" and not (param.low.is_integer() and param.high.is_integer()):
            raise ValueError(
                f"an integer parameter needs whole-number bounds (got {param.low:g}:{param.high:g})"
            )
        if not (inside(param.low) and inside(param.high)):
            raise ValueError(
                f"range {param.low:g}:{param.high:g} goes outside the allowed range {allowed}"
            )
        return Parameter(path, kind, low=param.low, high=param.high)

    values: list[Any] = []
    for v in param.values:
        if kind in ("float", "int"):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"value {v!r} is not a number")
            if kind == "int" and not float(v).is_integer():
                raise ValueError(f"value {v!r} is not a whole number (an integer parameter)")
            if not (math.isfinite(v) and inside(v)):
                raise ValueError(f"value {v!r} is outside the allowed range {allowed}")
            values.append(int(v) if kind == "int" else float(v))
        elif kind == "bool":
            if not isinstance(v, bool):
                raise ValueError(f"value {v!r} is not true or false")
            values.append(v)
        else:
            if v not in choices:
                names = ", ".join(map(str, choices))
                raise ValueError(f"value {v!r} is not one of: {names}")
            values.append(v)
    repeated = sorted({repr(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"values repeat: {', '.join(repeated)}")
    return Parameter(path, kind, values=tuple(values))


def check_sweep(s: Any) -> list[str]:
    """A message for every problem of ``s.sweep`` that needs the scenario (``s``) to see."""
    problems = []
    for path, param in s.sweep.params.items():
        try:
            parameter_for(s, path, param)
        except ValueError as err:
            problems.append(f"sweep.params.{path}: {err}")
    for name in s.sweep.outcomes:
        if name not in OUTCOMES:
            problems.append(f"sweep.outcomes: unknown outcome '{name}'.{closest(name, OUTCOMES)}")
    return problems
