"""The JSON schema of `sim params --format json-schema` accepts what the loader accepts.

Every shipped scenario and every scenario example of the docs validates against it; typos
and wrong types are refused by the schema and by the loader alike; and for mutations of
shipped files the schema never refuses a file that the loader accepts.
"""

from __future__ import annotations

import copy
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.json_schema import DIALECT, scenario_json_schema
from sim.scenario.loading import ScenarioError, dump_scenario, load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
DOCS = [ROOT / "README.md", SCENARIOS / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP_KEYS = {"extends", *Scenario.model_fields}

SCHEMA = scenario_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    errors = VALIDATOR.iter_errors(doc)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def loader_error(doc: dict[str, Any]) -> str | None:
    """What the loader says about ``doc`` written as a file in scenarios/ (None: accepted)."""
    doc = copy.deepcopy(doc)
    parents = doc.get("extends")
    if isinstance(parents, str):
        doc["extends"] = str(SCENARIOS / parents)
    elif isinstance(parents, list):
        doc["extends"] = [str(SCENARIOS / p) if isinstance(p, str) else p for p in parents]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutant.toml"
        path.write_text(tomli_w.dumps(doc), encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as err:
            return str(err)
    return None


def toml_examples() -> list[tuple[str, str]]:
    """Fenced ```toml blocks of the docs whose keys are a scenario's (or a sweep's)."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for i, block in enumerate(re.findall(r"^```toml\n(.*?)^```", text, re.S | re.M)):
            keys = set(tomllib.loads(block))
            if keys and keys <= TOP_KEYS:
                found.append((f"{doc.relative_to(ROOT)}#{i}", block))
    return found


def test_the_schema_declares_its_dialect_and_itself():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] and SCHEMA["title"].startswith("sim scenario file")
    assert SCHEMA["additionalProperties"] is False
    assert set(SCHEMA["properties"]) == TOP_KEYS


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    assert schema_errors(tomllib.loads(path.read_text(encoding="utf-8"))) == []


def test_a_resolved_scenario_with_every_key_validates():
    assert schema_errors(dump_scenario(load_scenario(SCENARIOS / "all_countermeasures.toml"))) == []


def test_the_docs_toml_examples_validate_in_the_schema_and_the_loader():
    examples = toml_examples()
    names = [name for name, _ in examples]
    assert any(n.startswith("README.md") for n in names), names
    assert any(n.startswith("docs/sweeps.md") for n in names), names
    for name, block in examples:
        doc = tomllib.loads(block)
        assert schema_errors(doc) == [], name
        assert loader_error(doc) is None, name


def test_the_sweep_example_reaches_nested_and_quoted_paths():
    doc = {
        "sweep": {
            "params": {
                "strategy": {"rank_weight": {"low": 0, "high": 600}},
                "freight.logit_scale": "300:900",
                "freight": {"sectors": {"electronics": {"share": [0.1, 0.2]}}},
                "policy.coordination": {"joint_cap.rate": {"values": [0.1, 0.2]}},
                "policy": {"subsidy": {"basis": ["per_train", "per_container"]}},
            }
        }
    }
    assert schema_errors(doc) == []
    assert loader_error(doc) is None


BAD = {
    "a typo'd table": "[frieght]\nrail_cost = 6000\n",
    "a typo'd key": "[freight]\nrail_cots = 6000\n",
    "a typo'd nested key": "[policy.finance]\ninsurance_covr = 0.8\n",
    "an unknown sector": "[freight.sectors.electronic]\nshare = 0.2\n",
    "a typo'd swept path": "[sweep.params]\nstrategy.rank_wieght = { low = 0, high = 1 }\n",
    "a typo'd quoted swept path": '[sweep.params]\n"strategy.rank_wieght" = [1, 2]\n',
    "a quoted number": '[freight]\nrail_cost = "6000"\n',
    "a number for a boolean": "[policy.coordination.joint_cap]\nenabled = 1\n",
    "a string for a boolean": '[policy.coordination.joint_cap]\nenabled = "true"\n',
    "a fractional integer": "[run]\nsteps = 4.5\n",
    "a value out of range": "[policy.finance]\ninsurance_cover = 1.5\n",
    "a list too short": "[partners]\ncrisis_hazard = [0.1, 0.2]\n",
    "a table for a number": "[freight.rail_cost]\nlow = 1\n",
    "an unknown choice": '[policy.subsidy]\nbasis = "per_wagon"\n',
    "an unknown province": '[run]\nprovinces = ["Sichuan", "Sichaun"]\n',
    "an unknown outcome": '[sweep]\noutcomes = ["welfare"]\n',
    "a crisis without countries": '[[events]]\nstep = 2\nkind = "crisis"\n',
    "a set event without a value": (
        '[[events]]\nstep = 2\nkind = "set"\npath = "policy.subsidy.national_cap"\n'
    ),
    "an event without a step": '[[events]]\nkind = "demand_shock"\n',
    "a swept range on a choice": '[sweep.params]\npolicy.subsidy.basis = "0:1"\n',
    "a swept range out of bounds": "[sweep.params]\nstrategy.fiscal_weight = {low = 0, high = 2}\n",
    "a swept table": "[sweep.params]\nstrategy = { low = 0, high = 2 }\n",
    "an unswept list parameter": '[sweep.params]\nrun.provinces = ["Sichuan"]\n',
    "a swept scalar": "[sweep.params]\nstrategy.herding = 0.1\n",
    "an empty swept list": "[sweep.params]\nstrategy.herding = []\n",
    "a malformed swept range": '[sweep.params]\nstrategy.herding = "0:0.1:0.2"\n',
    "sobol samples not a power of 2": '[sweep]\nmethod = "sobol"\nsamples = 100\n',
    "a design CSV with another method": '[sweep]\nmethod = "lhs"\ndesign = "points.csv"\n',
    "extends not a file name": "extends = 3\n",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_mistakes_are_refused_by_the_schema_and_the_loader(text):
    doc = {"extends": "baseline.toml", **tomllib.loads(text)}
    assert schema_errors(doc), "the schema accepts it"
    assert loader_error(doc), "the loader accepts it"


# --- property: for mutations of shipped files, the schema never refuses what the loader takes


def _places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every key path into tables and lists of tables (lists of scalars are leaves)."""
    out = []
    items = node.items() if isinstance(node, dict) else []
    if isinstance(node, list) and all(isinstance(x, dict) for x in node):
        items = enumerate(node)
    for key, value in items:
        out.append((*path, key))
        out += _places(value, (*path, key))
    return out


def _parent(doc: dict[str, Any], path: tuple) -> Any:
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node


BASES = [tomllib.loads(p.read_text(encoding="utf-8")) for p in SHIPPED]
BASES.append(dump_scenario(load_scenario(SCENARIOS / "all_countermeasures.toml")))
REPLACEMENTS = st.one_of(
    st.sampled_from(["x", "", "0:1", True, False, 0, 7, -3, 0.5, 1e9, [], [1, 2], ["Sichuan"]]),
    st.floats(-10, 1000, allow_nan=False),
    st.just({"low": 0, "high": 1}),
    st.just({"a": 1}),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_the_loader_accepts_the_schema_accepts(data):
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    places = [p for p in _places(doc) if isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(places))
    parent = _parent(doc, path)
    if data.draw(st.booleans()):  # a typo in a key: both refuse it
        parent[path[-1] + data.draw(st.sampled_from(["x", "_", "s"]))] = parent.pop(path[-1])
        assert schema_errors(doc), path
        assert loader_error(doc), path
        return
    old, new = parent[path[-1]], data.draw(REPLACEMENTS)
    parent[path[-1]] = new
    schema_ok, loader_ok = not schema_errors(doc), loader_error(doc) is None
    assert schema_ok or not loader_ok, f"{path} = {new!r}: the schema refuses what loads"
    number = isinstance(old, int | float) and not isinstance(old, bool)
    wrong = (number and isinstance(new, str | bool | dict | list)) or (
        isinstance(old, bool) and not isinstance(new, bool)
    )
    if wrong and path[0] != "events":  # an event's value may take any type
        assert not schema_ok and not loader_ok, f"{path} = {new!r}: a wrong type accepted"
