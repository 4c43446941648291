"""What output directories record about themselves: Parquet column metadata, the manifest."""

from __future__ import annotations

import json
import platform
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.experiments import store
from sim.experiments.experiment import run
from sim.outcomes import OUTCOMES, PLATFORM_COLUMNS, PROVINCE_COLUMNS, table_columns
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    scenario = load_scenario(BASELINE, ["run.enterprises=60"], steps=3)
    result = run(scenario, seed=7).tagged(0)
    tables = {name: getattr(result, name) for name in store.TABLES}
    out = tmp_path_factory.mktemp("tables")
    store.write_tables(out, tables, csv=False, metadata={"scenario": scenario.name})
    return out, tables, scenario


def test_a_known_outcome_carries_its_unit_and_description(written):
    out, _, _ = written
    field = pq.read_schema(out / "outcomes.parquet").field("rail_volume")
    assert field.metadata[b"unit"] == b"FEU per quarter"
    assert field.metadata[b"description"] == OUTCOMES["rail_volume"].description.encode()


@pytest.mark.parametrize("name", store.TABLES)
def test_every_column_is_documented(written, name):
    out, tables, _ = written
    schema = pq.read_schema(out / f"{name}.parquet")
    columns = table_columns(name)
    assert set(tables[name].columns) <= set(columns), "a column missing from sim.outcomes"
    for column in tables[name].columns:
        meta = schema.field(column).metadata
        assert meta[b"unit"].decode() == columns[column][0]
        assert meta[b"description"].decode() == columns[column][1] != ""
    assert PROVINCE_COLUMNS.items() <= table_columns("provinces").items()
    assert PLATFORM_COLUMNS.items() <= table_columns("platforms").items()


def test_the_table_names_its_scenario_and_version(written):
    out, _, scenario = written
    meta = pq.read_schema(out / "outcomes.parquet").metadata
    assert meta[b"sim.scenario"] == scenario.name.encode()
    assert meta[b"sim.version"] == sim.__version__.encode()
    assert meta[b"sim.table"] == b"outcomes"
    assert b"pandas" in meta  # pandas' own metadata is kept: dtypes read back as written


@pytest.mark.parametrize("name", store.TABLES)
def test_reading_back_gives_the_frame_pandas_alone_would(written, name, tmp_path):
    out, tables, _ = written
    plain = tmp_path / "plain.parquet"
    tables[name].to_parquet(plain, index=False)
    ours = pd.read_parquet(out / f"{name}.parquet")
    pd.testing.assert_frame_equal(ours, tables[name], check_exact=True)
    pd.testing.assert_frame_equal(ours, pd.read_parquet(plain), check_exact=True)
    assert pq.read_table(out / f"{name}.parquet").equals(pq.read_table(plain))


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.match(r"[A-Za-z0-9._-]+", d).group() for d in project["dependencies"]]


def test_the_manifest_lists_every_declared_dependency_with_python_and_platform():
    scenario = load_scenario(BASELINE)
    manifest = store.build_manifest(
        scenario,
        scenario_path=BASELINE,
        overrides=[],
        base_seed=1,
        seeds=[2],
        workers=1,
        started="",
        ended="",
        wall_seconds=0.0,
        command=["sim"],
    )
    manifest = json.loads(json.dumps(manifest))  # as written to manifest.json
    declared = _declared()
    assert {"SALib", "scipy", "mesa", "tomli-w"} <= set(declared)
    assert list(manifest["packages"]) == declared
    for name in declared:
        assert manifest["packages"][name] == version(name)
    assert manifest["python"] == platform.python_version()
    assert manifest["platform"] == platform.platform()


def test_dependencies_fall_back_to_the_declared_list(monkeypatch):
    assert store.dependencies() == tuple(_declared())
    assert tuple(_declared()) == store.PACKAGES  # the fallback is kept in step with pyproject

    def missing(name):
        raise store.PackageNotFoundError(name)

    monkeypatch.setattr(store, "requires", missing)
    assert store.dependencies() == store.PACKAGES
