"""The directional checks: the countermeasures' expected signs, read from one data file.

``sim/data/directions.toml`` lists the robust and contested checks (a scenario, an
outcome, a window and the expected sign of its paired difference with the baseline) and
the seeds they run on. The directional tests assert them; ``sim calibrate`` runs
its best points through them with :func:`failed_checks` (Section 8.2 of the ODD), so the
command needs no test runner.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.compare import direction, paired_differences
from sim.experiments.experiment import child_seeds
from sim.experiments.runners import SequentialBackend, run_replications
from sim.scenario.loading import load_scenario

DIRECTIONS_FILE = "directions.toml"  # in the package's data folder, sim/data

Check = tuple[str, str, Any, int]  # (scenario, outcome, window, expected sign)


def load_checks(path: str | Path | None = None) -> tuple[list[Check], list[Check], list[int]]:
    """The robust and contested checks and the seeds of a checks file (default: the package's).

    A window written as a list of two steps is returned as a tuple ``(first, last)``.

    Raises:
        OSError: The file cannot be read.
        tomllib.TOMLDecodeError: It is not TOML.
        ValueError: A check or the seeds are not as described in the file's header.
    """
    if path is None:
        text = resources.files("sim.data").joinpath(DIRECTIONS_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    try:
        seeds = list(child_seeds(int(raw["seeds"]["base"]), int(raw["seeds"]["count"])))
        robust, contested = (
            [_check(c) for c in raw[k] if "missed" not in c] for k in ("robust", "contested")
        )
    except (KeyError, TypeError) as err:
        raise ValueError(f"expected seeds = {{base, count}}, robust and contested: {err}") from None
    return robust, contested, seeds


def load_missed(path: str | Path | None = None) -> list[tuple[Check, str]]:
    """The robust checks the model misses, each with the reason the file gives.

    A robust entry with a ``missed`` key is an expectation of MODEL.md that the model does
    not meet; :func:`load_checks` leaves it out and the tests keep it as a strict expected
    failure with that reason.
    """
    if path is None:
        text = resources.files("sim.data").joinpath(DIRECTIONS_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return [(_check(c), str(c["missed"])) for c in raw.get("robust", []) if "missed" in c]


def _check(entry: dict[str, Any]) -> Check:
    """One check of the file as ``(scenario, outcome, window, sign)``."""
    window = entry["window"]
    if isinstance(window, list):
        first, last = window
        window = (int(first), int(last))
    sign = entry["sign"]
    if sign not in (-1, 0, 1):
        raise ValueError(f"{entry}: sign must be -1, 0 or 1")
    return (str(entry["scenario"]), str(entry["outcome"]), window, int(sign))


def failed_checks(
    settings: dict[str, Any],
    checks: Sequence[Check],
    *,
    scenarios: str | Path,
    seeds: Sequence[int],
    base: str = "baseline",
    backend: Any = None,
) -> list[tuple[Check, int]]:
    """The checks that fail with ``settings`` as the package defaults, with the sign found.

    Each scenario of ``scenarios`` (a directory of TOML files) named by a check runs with
    ``settings`` as ``--set`` overrides on ``seeds``, paired with ``base`` (common random
    numbers), and a check passes when the 95% interval of the paired difference has the
    expected sign (0: spans zero), as the directional tests ask.
    """
    overrides = [f"{k}={v}" for k, v in settings.items()]
    tables: dict[str, pd.DataFrame] = {}
    backend = backend or SequentialBackend()
    for name in [base, *dict.fromkeys(c[0] for c in checks)]:
        if name not in tables:
            s = load_scenario(Path(scenarios) / f"{name}.toml", overrides)
            tables[name] = run_replications(s, list(seeds), backend=backend).outcomes
    failures = []
    for name, outcome, window, sign in checks:
        table = paired_differences(
            {base: tables[base], name: tables[name]}, base, outcomes=[outcome], window=window
        )
        got = direction(table[table["scenario"] == name].iloc[0])
        if got != sign:
            failures.append(((name, outcome, window, sign), got))
    return failures
