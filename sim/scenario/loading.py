"""Loading a scenario: TOML files, ``extends`` chains, ``--set`` overrides, clear errors.

:func:`load_scenario` reads a file and everything it ``extends`` (merged in order, the
child winning: :func:`deep_merge`), applies ``--set PATH=VALUE`` overrides and ``--steps``
checked key by key against the schema (:func:`set_path`), and validates the result
(:func:`validate`). Every problem is raised as a :class:`ScenarioError` whose message
names where the bad value came from (the file, or the option: ``--set PATH=VALUE``,
``--steps N``), the key path and what is allowed. An empty file, and an event the file
schedules past its run's last step, are refused too. :func:`dump_scenario` is the
inverse: a resolved scenario as plain, TOML-compatible data.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.fields import SECTORS, closest, field_names
from sim.scenario.paths import parse_value
from sim.scenario.policy import Event
from sim.scenario.rules import shown
from sim.scenario.schema import Scenario
from sim.scenario.sections import FreightSettings, RunSettings, SectorSettings, default_sectors


class ScenarioError(Exception):
    """A scenario that cannot be used, with a message meant for the user."""


def _read_toml(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Read one TOML file and everything it extends, merged (child wins)."""
    if not path.is_file():
        via = f" (extended by {chain[-1]})" if chain else ""
        raise ScenarioError(f"{path}: scenario file not found{via}")
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{path}: cyclic 'extends': {cycle}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: malformed TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read: {err}") from None
    if not raw:
        raise ScenarioError(
            f'{path}: the scenario file is empty; give it at least a name (name = "my_case")'
            ' or the scenario it builds on (extends = "baseline.toml")'
        )
    parents = raw.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(x, str) for x in parents):
        raise ScenarioError(f"{path}: 'extends' must be a file name or a list of file names")
    merged: dict[str, Any] = {}
    for name in parents:  # later parents override earlier ones, the file itself overrides all
        merged = deep_merge(merged, _read_toml((path.parent / name).resolve(), (*chain, path)))
    return deep_merge(merged, raw)


def replaced_lists(path: str | Path) -> list[str]:
    """Where a file's own list replaces a different list of the scenario it extends.

    ``extends`` merges tables but a list (``[[events]]``, ``run.provinces``) replaces the
    parent's whole: one line per such key, naming both lengths, for ``sim validate``.
    """
    path = Path(path).resolve()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    parents = raw.pop("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    inherited: dict[str, Any] = {}
    for name in parents:
        inherited = deep_merge(inherited, _read_toml((path.parent / name).resolve(), (path,)))
    out: list[str] = []

    def walk(own: dict[str, Any], base: dict[str, Any], prefix: str) -> None:
        for key, value in own.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                walk(value, base[key], f"{dotted}.")
            elif isinstance(value, list) and isinstance(base.get(key), list) and base[key]:
                out.extend(
                    f"{dotted}: this file's list ({len(value)} items) replaces the"
                    f" {len(base[key])} it extends (extends merges tables, not lists)"
                    for _ in [0]
                    if value != base[key]
                )

    walk(raw, inherited, "")
    return out


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables merge, other values replace."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _schema_at(path: list[str]) -> type[BaseModel] | None:
    """The pydantic model that holds the keys at ``path``, if any."""
    model: Any = Scenario
    for depth, key in enumerate(path):
        if depth and path[depth - 1] == "sectors" and model == "sectors":
            model = SectorSettings if key in SECTORS else None
            continue
        if model is None or not isinstance(model, type) or not issubclass(model, BaseModel):
            return None
        field = model.model_fields.get(key)
        if field is None:
            return None
        if model is FreightSettings and key == "sectors":
            model = "sectors"  # a table keyed by sector name
            continue
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return None if model == "sectors" else model


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, checking each key against the schema."""
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys):
        model = _schema_at(keys[:depth])
        if key == "sectors" or (depth and keys[depth - 1] == "sectors"):
            allowed = list(SECTORS) if keys[depth - 1 : depth] == ["sectors"] else None
        else:
            allowed = field_names(model) if model is not None else None
        if allowed is not None and key not in allowed:
            where = ".".join(keys[:depth]) or "the top level"
            raise ScenarioError(
                f"--set {path}: unknown key '{key}' in {where}.{closest(key, allowed)}"
                f" Allowed: {', '.join(allowed)}"
            )
        if depth == len(keys) - 1:
            node[key] = value
        else:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _error_loc(err: dict[str, Any]) -> str:
    return _format_loc(tuple(p for p in err["loc"] if not str(p).startswith("function-after")))


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(p for p in err["loc"] if not str(p).startswith("function-after"))
    path = _format_loc(loc)
    if err["type"] == "extra_forbidden":
        model = _schema_at([str(p) for p in loc[:-1] if not isinstance(p, int)])
        allowed = field_names(model) if model is not None else []
        if loc[:1] == ("events",):
            allowed = field_names(Event)
        key = str(loc[-1])
        tip = closest(key, allowed)
        listing = f" Allowed: {', '.join(allowed)}." if allowed else ""
        return f"{path}: unknown key.{tip}{listing}"
    value = err.get("input")
    got = f" (got {shown(value)})" if not isinstance(value, dict) and value is not None else ""
    msg = err["msg"].removeprefix("Value error, ")
    if not loc:  # whole-scenario checks: each line already names its key path
        return msg
    return f"{path}: {msg}{got}"


def _blamed(line: str, loc: str, options: dict[str, str]) -> str | None:
    """The options (``--set X``, ``--steps N``) a problem comes from, if they set its keys.

    A field's own error comes from the option that set that key (or a table above or
    below it); a whole-scenario check names the keys it involves, and every option that
    set one of them is named.
    """
    if loc:
        for key, option in options.items():
            if loc == key or loc.startswith((f"{key}.", f"{key}[")) or key.startswith(f"{loc}."):
                return option
        return None
    named = [option for key, option in options.items() if key in line]
    return ", ".join(named) or None


def validate(
    data: dict[str, Any], *, origin: str = "scenario", options: dict[str, str] | None = None
) -> Scenario:
    """Validate a merged scenario dict, turning pydantic errors into one clear message.

    ``options`` maps a key path to the command-line option that set it (``run.steps`` to
    ``--steps 8``); a problem at that key is reported under the option, not ``origin``.
    """
    sectors = {n: v.model_dump() for n, v in default_sectors().items()}
    data = deep_merge({"freight": {"sectors": sectors}}, data)  # a sector table may be partial
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        groups: dict[str, list[str]] = {}
        for e in err.errors(include_url=False):
            loc = _error_loc(e) if e["loc"] else ""
            for line in _format_error(e).split("\n"):
                option = _blamed(line, loc, options or {})
                header = f"{option}: invalid value" if option else f"{origin}: invalid scenario"
                groups.setdefault(header, []).append(line)
        first = f"{origin}: invalid scenario"
        order = sorted(groups, key=lambda h: h != first)  # the file's own problems first
        raise ScenarioError(
            "\n".join(h + "\n  " + "\n  ".join(dict.fromkeys(groups[h])) for h in order)
        ) from None


def load_scenario(
    path: str | Path, overrides: list[str] | None = None, *, steps: int | None = None
) -> Scenario:
    """Load, merge (extends), override (``--set``, then ``--steps``) and validate a file.

    Args:
        path: The scenario file.
        overrides: ``PATH=VALUE`` items, as given to ``--set``.
        steps: The run's length given as ``--steps`` (sets ``run.steps``).

    Raises:
        ScenarioError: The file, an override or ``--steps`` is not valid; the message
            names which, the key path and what is allowed.
    """
    path = Path(path)
    data = _read_toml(path.resolve(), ())
    run = data.get("run")
    file_steps = run.get("steps") if isinstance(run, dict) and "steps" in run else None
    if file_steps is None:
        file_steps = RunSettings.model_fields["steps"].default
    options: dict[str, str] = {}
    for item in overrides or []:
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected PATH=VALUE, e.g. policy.subsidy.basis=...")
        key, text = item.split("=", 1)
        set_path(data, key.strip(), parse_value(text.strip()))
        options[key.strip()] = f"--set {item}"
    if steps is not None:
        set_path(data, "run.steps", steps)
        options["run.steps"] = f"--steps {steps}"
    data.setdefault("name", path.stem)
    s = validate(data, origin=str(path), options=options)
    _check_horizon(s, file_steps, path)
    return s


def _check_horizon(s: Scenario, file_steps: Any, path: Path) -> None:
    """Refuse events the file schedules past its run's last step (they would never happen).

    An event inside the file's horizon but past a run shortened by ``--steps`` or
    ``--set run.steps`` is the user's choice of a shorter run, and is not an error.
    """
    horizon = file_steps if isinstance(file_steps, int) and not isinstance(file_steps, bool) else 0
    late = [
        f"events[{i}].step: step {ev.step} is past the run's last step (run.steps ="
        f" {s.run.steps}), so the event would never happen; schedule it at step"
        f" {s.run.steps} or earlier, or lengthen the run"
        for i, ev in enumerate(s.events)
        if ev.step > s.run.steps and ev.step > horizon
    ]
    if late:
        raise ScenarioError(f"{path}: invalid scenario\n  " + "\n  ".join(late))


def dump_scenario(s: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain data (TOML-compatible: no None)."""
    return s.model_dump(mode="json", exclude_none=True)
