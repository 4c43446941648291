"""The parameter table: every field of the scenario schema with its type, default and unit.

One walker over the pydantic models serves ``sim params`` and the ODD parameter table,
so both always show what the schema really accepts.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import annotated_types as at
import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.fields import bounds, type_name
from sim.scenario.schema import Scenario

COLUMNS = ("path", "type", "default", "unit", "range", "source", "description", "required")


def parameter_table() -> pd.DataFrame:
    """One row per parameter of :class:`~sim.scenario.schema.Scenario`, by dotted path.

    Nested sections are flattened (``policy.finance.insurance_cover``), the sector table
    is listed per sector with its own defaults (``freight.sectors.electronics.value_of_time``)
    and the fields of list items appear once under ``events[]``. ``default`` holds the
    Python value (``None`` where ``required`` is true); ``range`` is written in interval
    notation from the field's bounds, or lists the allowed values of a choice.
    """
    rows: list[dict[str, Any]] = []
    _walk(Scenario, Scenario(), "", rows)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _walk(model: type[BaseModel], instance: BaseModel | None, prefix: str, rows: list) -> None:
    """Append the rows of ``model``'s fields, defaults read from ``instance`` if given."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        value = getattr(instance, name) if instance is not None else _field_default(field)
        args = typing.get_args(ann)
        if _is_model(ann):
            _walk(ann, value, f"{path}.", rows)
        elif typing.get_origin(ann) is dict and args and _is_model(args[1]):
            for key, item in (value or {}).items():
                _walk(args[1], item, f"{path}.{key}.", rows)
        elif typing.get_origin(ann) is list and args and _is_model(args[0]):
            _walk(args[0], None, f"{path}[].", rows)
        else:
            rows.append(_row(path, field, value))


def _row(path: str, field: FieldInfo, default: Any) -> dict[str, Any]:
    """One parameter row."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return {
        "path": path,
        "type": type_name(field.annotation),
        "default": default,
        "unit": str(extra.get("unit", "")),
        "range": _range(field),
        "source": str(extra.get("source", "")),
        "description": field.description or "",
        "required": field.is_required(),
    }


def _field_default(field: FieldInfo) -> Any:
    """The field's default value, or ``None`` if it is required."""
    if field.is_required():
        return None
    return field.get_default(call_default_factory=True)


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _range(field: FieldInfo) -> str:
    """Bounds of a field (and of its list items) in interval notation, or its choices."""
    ann = field.annotation
    if typing.get_origin(ann) is typing.Literal:
        return ", ".join(str(a) for a in typing.get_args(ann))
    parts = []
    own = bounds(field.metadata)
    if own:
        parts.append(own)
    if typing.get_origin(ann) is list:
        (item,) = typing.get_args(ann)
        if typing.get_origin(item) is typing.Annotated:
            metadata = [m for extra in typing.get_args(item)[1:] for m in _metadata(extra)]
            each = bounds(metadata)
            if each:
                parts.append(f"each in {each}")
        size = _length(field.metadata)
        if size:
            parts.append(size)
    return "; ".join(parts)


def _metadata(extra: Any) -> list[Any]:
    return list(extra.metadata) if isinstance(extra, FieldInfo) else [extra]


def _length(metadata: list[Any]) -> str:
    low = next((m.min_length for m in metadata if isinstance(m, at.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    if low is not None and low == high:
        return f"{low} items"
    if low is not None and high is not None:
        return f"{low} to {high} items"
    if low is not None:
        return f"at least {low} items"
    return f"at most {high} items" if high is not None else ""


def format_value(value: Any, *, required: bool = False) -> str:
    """A default as written in a scenario file (TOML, here also JSON), or ``(required)``."""
    if required:
        return "(required)"
    if value is None:
        return ""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, ensure_ascii=False)


def markdown_table(df: pd.DataFrame, *, code: tuple[str, ...] = ()) -> str:
    """A GitHub-flavoured Markdown table of ``df``; ``code`` columns set in backticks."""

    def cell(column: str, value: object) -> str:
        text = str(value).replace("|", "\\|").replace("\n", " ")
        return f"`{text}`" if column in code and text else text

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    for row in df.itertuples(index=False):
        lines.append(
            "| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row, strict=True)) + " |"
        )
    return "\n".join(lines)
