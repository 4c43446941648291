"""The JSON schema of a scenario file, for editors: ``sim params --format json-schema``.

:func:`scenario_json_schema` starts from pydantic's schema of
:class:`~sim.scenario.schema.Scenario` and makes it describe the TOML file as the loader
(:mod:`sim.scenario.loading`) reads it, before validation:

- the top-level ``extends`` (a file name or a list of them), which the loader removes;
- the sector table keyed by the sector names, each sector's table partial (the loader
  fills in the defaults);
- ``[sweep.params]`` as written in TOML: nested tables (``strategy.rank_weight = ...``)
  or quoted dotted keys, each parameter a ``{low, high}`` table, a ``"LO:HI"`` string, a
  list of values or a ``{values}`` table, only at paths that can be swept, with the
  parameter's own type and allowed range;
- the names a scenario may use (provinces, partner countries, platforms, corridors,
  sectors and outcomes) as choices;
- the rules of events (a crisis needs ``countries``...) and of the sweep's method, as
  far as one file shows them (a file that ``extends`` another may take the rest from it).

It is exact in one direction: a file the loader accepts is never flagged (a file that
``extends`` others is checked on its own content). What it cannot see, the loader still
refuses with its own message: whether a range's low is below its high (and the bounds of
a ``"LO:HI"`` string), ``inf`` and ``nan``, rules across fields (sector shares sum to 1,
bounded growth over the run, the names a policy uses being in ``run.provinces``),
``set`` event paths, and anything that needs the merged ``extends`` chain.
"""

from __future__ import annotations

import math
import re
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

import sim
from sim import data
from sim.outcomes import OUTCOMES
from sim.scenario.fields import SECTORS
from sim.scenario.parameters import _kind, _limits
from sim.scenario.schema import Scenario
from sim.scenario.sections import FreightSettings

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:sim:scenario-file"

# A number as TOML writes it (what the loader's parse_value reads from "LO:HI"): no inf/nan.
_DIGITS = r"[0-9](?:_?[0-9])*"
_DEC = rf"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.{_DIGITS})?(?:[eE][+-]?{_DIGITS})?"
_PREFIXED = r"0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*"
_NUMBER = rf"(?:{_DEC}|{_PREFIXED})"
RANGE_PATTERN = rf"^\s*{_NUMBER}\s*:\s*{_NUMBER}\s*$"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of a scenario TOML file, as the loader reads it."""
    base = Scenario.model_json_schema()
    defs: dict[str, Any] = base.pop("$defs")
    props: dict[str, Any] = base["properties"]
    props["extends"] = {
        "description": "The scenario file(s) this one builds on, relative to this file;"
        " merged in order, this file winning.",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}},
        ],
    }
    props = {"extends": props.pop("extends"), **props}
    _sectors(defs)
    _names(defs)
    _events(defs["Event"])
    _sweep(defs)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": f"sim scenario file (sim {sim.__version__})",
        "description": "A scenario of sim: a TOML file that overrides the defaults listed"
        " by `sim params`, usually extending another. `sim validate FILE` checks it fully.",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "$defs": defs,
    }


def _sectors(defs: dict[str, Any]) -> None:
    """The sector table: exactly the known sectors, each a (partial) SectorSettings."""
    sectors = defs["FreightSettings"]["properties"]["sectors"]
    sectors.pop("additionalProperties")
    sectors["properties"] = {name: {"$ref": "#/$defs/SectorSettings"} for name in SECTORS}
    sectors["additionalProperties"] = False


def _choices(prop: dict[str, Any], names: list[str] | tuple[str, ...]) -> None:
    prop["items"] = {"type": "string", "enum": list(names)}


def _names(defs: dict[str, Any]) -> None:
    """The names a scenario may use, as choices (completion in editors)."""
    provinces = sorted(data.load_provinces()["province"])
    partners = sorted(data.load_partners()["country"])
    platforms = sorted(data.load_platforms()["platform"])
    for model, field, names in [
        ("RunSettings", "provinces", provinces),
        ("RunSettings", "partners", partners),
        ("CoordinationPolicy", "members", provinces),
        ("FinancePolicy", "joint_fund_provinces", provinces),
        ("InnovationPolicy", "sharing_group", provinces),
        ("InnovationPolicy", "talent_provinces", provinces),
        ("InnovationPolicy", "key_sectors", SECTORS),
        ("HinterlandPolicy", "provinces", provinces),
        ("TradePolicy", "partners", partners),
        ("DesignatedHubs", "hubs", platforms),
        ("AssemblyCentres", "hubs", platforms),
        ("Event", "countries", partners),
        ("SweepSettings", "outcomes", list(OUTCOMES)),
    ]:
        _choices(defs[model]["properties"][field], names)
    defs["Event"]["properties"]["corridor"]["enum"] = ["", *data.CORRIDORS]


def _events(event: dict[str, Any]) -> None:
    """What each kind of event needs (Event._check_kind)."""

    def when(kind: str, then: dict[str, Any]) -> dict[str, Any]:
        return {"if": {"properties": {"kind": {"const": kind}}}, "then": then}

    event["allOf"] = [
        when(
            "crisis",
            {"required": ["countries"], "properties": {"countries": {"minItems": 1}}},
        ),
        when(
            "route_closure",
            {"required": ["corridor"], "properties": {"corridor": {"minLength": 1}}},
        ),
        when(
            "set",
            {
                "required": ["path", "value"],
                "properties": {"path": {"minLength": 1}, "value": {"not": {"type": "null"}}},
            },
        ),
    ]


def _sweep(defs: dict[str, Any]) -> None:
    """``[sweep.params]`` in its TOML form, and the method's rules (SweepSettings)."""
    defs.pop("SweepParam", None)
    sweep = defs["SweepSettings"]
    params = sweep["properties"]["params"]
    for key in ("additionalProperties", "type"):
        params.pop(key, None)
    _param_tables(Scenario, "", defs)
    params["$ref"] = "#/$defs/SweepParams"
    params["description"] = (
        "Swept parameters by dotted path, as nested tables (strategy.rank_weight = ...) or"
        ' quoted keys: a range {low, high} or "LO:HI", or a list of values [v1, v2] or'
        " {values = [...]}."
    )

    def method(name: str, then: dict[str, Any]) -> dict[str, Any]:
        is_it = {"required": ["method"], "properties": {"method": {"const": name}}}
        return {"if": is_it, "then": then}

    powers = [1 << k for k in range(21) if 1 << k <= 1_000_000]
    sweep["allOf"] = [
        method(
            "design",
            {"properties": {"design": {"minLength": 1}, "params": {"maxProperties": 0}}},
        ),
        {  # a method other than design, named in this file, takes no design CSV
            "if": {"required": ["method"], "not": {"properties": {"method": {"const": "design"}}}},
            "then": {"properties": {"design": {"maxLength": 0}}},
        },
        method("sobol", {"properties": {"samples": {"enum": powers}}}),
        method("grid", {"properties": {"samples": {"minimum": 2}}}),
    ]


def _param_tables(model: type[BaseModel], prefix: str, defs: dict[str, Any]) -> dict[str, str]:
    """Define the sweep-params table of ``model`` at ``prefix``; map its descendants to defs.

    A table lists its children by name (nested TOML tables) and every deeper descendant
    by its dotted path relative to the table (a quoted key), matched exactly, both
    pointing to the same definitions; nothing else is allowed. The returned mapping is
    every descendant's relative path to its definition (empty: nothing below is sweepable).
    """
    children: dict[str, str] = {}  # key -> definition name
    below: dict[str, dict[str, str]] = {}  # key -> that child's descendants
    for key, field in model.model_fields.items():
        path = f"{prefix}{key}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            found = _param_tables(ann, f"{path}.", defs)
        elif model is FreightSettings and key == "sectors":
            item = typing.get_args(ann)[1]
            found = {}
            for sector in SECTORS:
                inner = _param_tables(item, f"{path}.{sector}.", defs)
                found[sector] = f"SweepParams.{path}.{sector}"
                found.update({f"{sector}.{rel}": d for rel, d in inner.items()})
            deeper = {rel: d for rel, d in found.items() if "." in rel}
            _table(defs, path, {s: found[s] for s in SECTORS}, deeper)
        else:
            leaf = _param_leaf(field)
            if leaf is None:
                continue
            defs[f"SweepParam.{path}"] = {"description": field.description or "", **leaf}
            children[key] = f"SweepParam.{path}"
            continue
        if found:
            children[key] = f"SweepParams.{path}"
            below[key] = found
    dotted = {f"{key}.{rel}": d for key, found in below.items() for rel, d in found.items()}
    if children:
        _table(defs, prefix.rstrip("."), children, dotted)
    return {**children, **dotted}


def _table(defs: dict[str, Any], path: str, children: dict[str, str], dotted: dict[str, str]):
    """A sweep-params table at ``path`` ("" for [sweep.params] itself)."""
    table: dict[str, Any] = {
        "type": "object",
        "properties": {k: {"$ref": f"#/$defs/{d}"} for k, d in children.items()},
        "additionalProperties": False,
    }
    if dotted:
        table["patternProperties"] = {
            "^" + re.escape(rel) + "$": {"$ref": f"#/$defs/{d}"} for rel, d in dotted.items()
        }
    if path:  # an empty table below [sweep.params] is read as a parameter with no range
        table["minProperties"] = 1
    defs[f"SweepParams.{path}" if path else "SweepParams"] = table


def _param_leaf(field: FieldInfo) -> dict[str, Any] | None:
    """The forms a sweepable parameter takes in [sweep.params] (parameter_for), or None."""
    try:
        kind, choices = _kind(field.annotation)
    except ValueError:
        return None
    if kind in ("bool", "choice"):
        item: dict[str, Any] = {"type": "boolean"} if kind == "bool" else {"enum": list(choices)}
        values = {"type": "array", "minItems": 1, "uniqueItems": True, "items": item}
        return {"anyOf": [values, _values_table(values)]}
    number: dict[str, Any] = {"type": "integer" if kind == "int" else "number"}
    low, low_open, high, high_open = _limits(field.metadata)
    if math.isfinite(low):
        number["exclusiveMinimum" if low_open else "minimum"] = _plain(low)
    if math.isfinite(high):
        number["exclusiveMaximum" if high_open else "maximum"] = _plain(high)
    values = {"type": "array", "minItems": 1, "uniqueItems": True, "items": number}
    span = {
        "type": "object",
        "properties": {"low": number, "high": number},
        "required": ["low", "high"],
        "additionalProperties": False,
    }
    text = {"type": "string", "pattern": RANGE_PATTERN}
    return {"anyOf": [span, text, values, _values_table(values)]}


def _values_table(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"values": values},
        "required": ["values"],
        "additionalProperties": False,
    }


def _plain(x: float) -> int | float:
    """A bound as JSON writes it: 1 rather than 1.0."""
    return int(x) if float(x).is_integer() else x
