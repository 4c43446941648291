"""The ODD document stays true to the code: generated tables, parameters, outcomes, citations."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from sim import odd
from sim.outcomes import OUTCOMES
from sim.scenario.params import parameter_table

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
TEXT = ODD.read_text(encoding="utf-8")
STALE = "docs/ODD.md disagrees with the code: run `./dev python -m sim.odd`"

# A dotted name under the package: sim.module.function, sim.module.Class.method, ...
CITATION = re.compile(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+")


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_generated_tables_match_the_code():
    assert odd.refresh(TEXT) == TEXT, STALE


def test_every_parameter_is_documented():
    missing = [path for path in parameter_table()["path"] if f"`{path}`" not in TEXT]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}. {STALE}"


def test_every_outcome_is_documented():
    missing = [name for name in OUTCOMES if f"`{name}`" not in TEXT]
    assert not missing, f"outcomes missing from docs/ODD.md: {missing}. {STALE}"


def test_cited_code_exists():
    cited = sorted(set(CITATION.findall(TEXT)))
    assert len(cited) > 30, "the ODD should cite the functions that implement each rule"
    missing = []
    for name in cited:
        try:
            resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"docs/ODD.md cites code that does not exist: {missing}"


def test_resolve_rejects_missing_code():
    assert resolve("sim.model.mechanisms.cost_per_feu") is not None
    assert resolve("sim.model.agents.Platform.run_trains") is not None
    with pytest.raises(AttributeError):
        resolve("sim.model.mechanisms.no_such_rule")


def test_update_odd_rewrites_only_stale_tables(tmp_path):
    doc = tmp_path / "ODD.md"
    doc.write_text(TEXT, encoding="utf-8")
    assert odd.update_odd(doc) is False
    stale = TEXT.replace("<!-- outcomes:start -->\n", "<!-- outcomes:start -->\n| old |\n", 1)
    doc.write_text(stale, encoding="utf-8")
    assert odd.update_odd(doc) is True
    assert doc.read_text(encoding="utf-8") == TEXT


def test_refresh_needs_both_markers():
    with pytest.raises(ValueError, match="parameters:end"):
        odd.refresh(TEXT.replace("<!-- parameters:end -->", ""))
