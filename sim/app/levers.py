"""The page's controls, generated from the scenario schema (``sim params``).

A lever is a scalar parameter under ``policy.`` (floats, integers, switches and choices;
lists of names are left to scenario files), plus the run's size and length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario

EXTRA = ("run.enterprises", "run.steps")
# Bounds of the sliders where the schema allows far more than a page can run interactively.
SLIDER_MAX = {"run.enterprises": 10_000, "run.steps": 120}


@dataclass(frozen=True)
class Lever:
    """One control: a parameter's path, kind, bounds, unit and one-line description."""

    path: str
    kind: str  # "float", "int", "bool" or "choice"
    default: Any
    unit: str
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The control's label: the path without ``policy.``, with its unit."""
        name = self.path.removeprefix("policy.")
        return f"{name} ({self.unit})" if self.unit else name

    @property
    def help(self) -> str:
        """Help text: the description and the allowed range."""
        if self.kind == "choice":
            return f"{self.description} One of: {', '.join(self.choices)}."
        if self.low is not None and self.high is not None:
            return f"{self.description} Range {self.low:g} to {self.high:g}."
        return self.description

    @property
    def step(self) -> float:
        """The slider's step."""
        if self.kind == "int":
            # a power of ten that keeps the default on the slider's grid
            step, span = 1, (self.high or 0) - (self.low or 0)
            while span / step > 1000 and (self.default - self.low) % (step * 10) == 0:
                step *= 10
            return step
        return 0.01 if (self.high or 1) <= 1 else 0.05


def _bounds(text: str) -> tuple[float | None, float | None]:
    match = re.fullmatch(r"[\[(]\s*([^,]+),\s*([^\])]+)[\])]", str(text).strip())
    if not match:
        return None, None
    low, high = (float(v) for v in match.groups())
    return low, high


def levers() -> list[Lever]:
    """Every lever of the page, in the schema's order (``run.*`` first)."""
    from sim.scenario.params import parameter_table

    table = parameter_table()
    rows = table[table["path"].str.startswith("policy.") | table["path"].isin(EXTRA)]
    out: list[Lever] = []
    for row in rows.itertuples():
        kind = str(row.type)
        common = {
            "path": row.path,
            "default": row.default,
            "unit": str(row.unit or ""),
            "description": str(row.description or ""),
        }
        if kind == "bool":
            out.append(Lever(kind="bool", **common))
        elif kind in ("float", "int"):
            low, high = _bounds(row.range)
            if low is None or high is None or not math.isfinite(high):
                continue
            high = min(high, SLIDER_MAX.get(row.path, high))
            out.append(Lever(kind=kind, low=low, high=high, **common))
        elif kind == "str" and "," in str(row.range):
            choices = tuple(c.strip() for c in str(row.range).split(","))
            out.append(Lever(kind="choice", choices=choices, **common))
    return out


def value_of(scenario: Scenario, path: str) -> Any:
    """The value at a dotted ``path`` of a scenario."""
    value: Any = scenario
    for part in path.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def values(scenario: Scenario, chosen: list[Lever] | None = None) -> dict[str, Any]:
    """The scenario's value of every lever, by path."""
    return {lever.path: value_of(scenario, lever.path) for lever in chosen or levers()}


def overrides(scenario: Scenario, wanted: dict[str, Any]) -> dict[str, Any]:
    """The levers whose wanted value differs from the scenario's, by path."""
    return {p: v for p, v in wanted.items() if value_of(scenario, p) != v}
