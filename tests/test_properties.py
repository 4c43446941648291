"""Property test over the whole parameter space: no in-bounds scenario gives a wrong answer.

Hypothesis draws whole scenarios: every numeric and boolean parameter of the schema at
once, each within the schema's own bounds (an unbounded end capped at ten times the
default), plus a few events of every kind. A draw the schema refuses (its cross-field
rules) is discarded. Every other run must finish, or stop with the model's own
:class:`~sim.model.errors.ModelError`, and a finished run must have finite outcomes,
shares in [0, 1], non-negative stocks, and its containers and welfare accounted for.

CI runs a small profile (``ci``: 25 scenarios of 120 firms and 10 quarters, derandomized,
so every CI run tries the same ones). A longer search, by hand::

    SIM_HYPOTHESIS_PROFILE=long ./dev test tests/test_properties.py
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import data
from sim.experiments.experiment import run
from sim.model.errors import ModelError
from sim.outcomes import OUTCOMES
from sim.scenario.loading import ScenarioError, set_path, validate
from sim.scenario.params import parameter_table

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "long",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = os.environ.get("SIM_HYPOTHESIS_PROFILE", "ci")

RANGE = re.compile(r"^(?:each in )?([\[(])([^,]+), ([^\])]+)([\])])")
FIXED = ("run.steps", "run.enterprises", "run.start_year")
STEPS, FIRMS = 10, 120
SHARES = [n for n, o in OUTCOMES.items() if o.unit in ("share", "index 0-1")]
NON_NEGATIVE = [n for n, o in OUTCOMES.items() if o.unit in ("count", "FEU per quarter")]
TABLE = parameter_table()
PARTNERS = sorted(data.load_partners()["country"])


def _bounds(text: str, default: float) -> tuple[float, float] | None:
    m = RANGE.match(text or "")
    if not m:
        return None
    low, high = float(m.group(2)), float(m.group(3))
    cap = 10 * abs(default) if default else 1.0
    low = -cap if math.isinf(low) else low
    high = max(cap, low + 1.0) if math.isinf(high) else high
    if m.group(1) == "(":
        low = math.nextafter(low, math.inf)
    if m.group(4) == ")":
        high = math.nextafter(high, -math.inf)
    return low, high


def _value(row) -> st.SearchStrategy | None:
    if row.type == "bool":
        return st.booleans()
    if row.type in ("float", "int"):
        b = _bounds(row.range, float(row.default))
        if b is None:
            return None
        if row.type == "int":
            return st.integers(math.ceil(b[0]), math.floor(b[1]))
        return st.floats(*b, allow_nan=False, allow_infinity=False)
    if row.type == "list[float]":
        b = _bounds(row.range, max(row.default))
        if b is None:
            return None
        item = st.floats(*b, allow_nan=False, allow_infinity=False)
        return st.lists(item, min_size=len(row.default), max_size=len(row.default))
    return None


PARAMS = {
    row.path: s
    for row in TABLE.itertuples()
    if not row.path.startswith(FIXED + ("sweep.", "events"))
    and (s := _value(row)) is not None
    and ".sectors." not in row.path  # shares must sum to one: drawn apart below
}
SETTABLE = [p for p in PARAMS if TABLE.set_index("path").loc[p, "type"] == "float"]


@st.composite
def events(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["crisis", "demand_shock", "route_closure", "set"]))
        ev = {"step": draw(st.integers(1, STEPS)), "kind": kind}
        if kind in ("crisis", "demand_shock", "route_closure"):
            ev["duration"] = draw(st.integers(1, 6))
        if kind in ("crisis", "demand_shock"):
            ev["countries"] = draw(st.lists(st.sampled_from(PARTNERS), min_size=1, max_size=4))
        if kind == "demand_shock":
            ev["size"] = draw(st.floats(-0.5, 1.0))
        if kind == "route_closure":
            ev["corridor"] = draw(st.sampled_from(["west", "central", "east"]))
        if kind == "set":
            path = draw(st.sampled_from(SETTABLE))
            ev["path"], ev["value"] = path, draw(PARAMS[path])
        out.append(ev)
    return out


@st.composite
def scenarios(draw) -> dict:
    data: dict = {"name": "drawn", "run": {"steps": STEPS, "enterprises": FIRMS}}
    for path, strategy in PARAMS.items():
        set_path(data, path, draw(strategy))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=5, max_size=5))
    for sector, w in zip(
        ["electronics", "machinery", "automotive", "chemicals", "consumer_goods"],
        weights,
        strict=True,
    ):
        set_path(data, f"freight.sectors.{sector}.share", w / sum(weights))
    data["events"] = draw(events())
    return data


@pytest.mark.parametrize("profile", [PROFILE])
def test_every_in_bounds_scenario_finishes_with_a_meaningful_answer_or_a_clear_error(profile):
    @settings(settings.get_profile(profile))
    @given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
    def check(data, seed):
        try:
            scenario = validate(data, origin="drawn")
        except ScenarioError:
            assume(False)
        try:
            result = run(scenario, seed=seed)
        except ModelError as err:
            assert str(err).startswith("step "), str(err)
            return
        out = result.outcomes
        values = out[[c for c in OUTCOMES if c in out]].to_numpy(dtype=float)
        assert np.isfinite(values).all()
        shares = out[SHARES].to_numpy(dtype=float)
        assert ((shares >= -1e-9) & (shares <= 1 + 1e-9)).all(), out[SHARES].max()
        assert (out[NON_NEGATIVE].to_numpy(dtype=float) >= -1e-9).all()
        assert (result.provinces["innovation"] >= 0).all()
        assert (result.platforms["capacity"] >= 0).all()
        # containers: rail freight is the platforms' volume, never more than their slots
        by_step = result.platforms.groupby("step")["volume"].sum()
        np.testing.assert_allclose(
            by_step.to_numpy(),
            out.set_index("step").loc[by_step.index, "rail_volume"],
            rtol=1e-9,
            atol=1e-6,
        )
        slots = scenario.freight.train_slots
        pl = result.platforms
        assert (pl["volume"] <= pl["trains"] * slots * (1 + 1e-9) + 1e-6).all()
        np.testing.assert_allclose(
            out["rail_volume"] + out["sea_volume"], out["exports"], rtol=1e-9, atol=1e-6
        )
        # welfare: the total is its components
        total = (
            out["welfare_shipper_surplus"]
            + out["welfare_exporter_surplus"]
            + out["welfare_platform_surplus"]
            - out["welfare_subsidies"]
            - out["welfare_fixed_costs"]
            + out["welfare_project_returns"]
            - out["welfare_default_losses"]
        )
        np.testing.assert_allclose(out["welfare_total"], total, rtol=1e-9, atol=1e-9)

    check()


def test_an_entrant_does_not_relabel_the_exited_firms_exports():
    # An exited firm's slot taken by an entrant after shipping: this quarter's flows stay
    # attributed to the cell they were shipped from and to.
    from sim.model.collect import collect_step
    from sim.model.model import BRIModel
    from sim.scenario.schema import Scenario

    m = BRIModel(Scenario(run={"enterprises": 300, "steps": 4}), rng=3)
    m.step()
    before = dict(m.records[-1])
    slots = np.flatnonzero(m.firms.rail > 0)
    m.firms.draw_entrants(slots)  # every rail shipper exits and is replaced
    assert (m.firms.country[slots] != m.firms.shipped_country[slots]).any()
    collect_step(m)
    after = m.records[-1]
    for name in ("rail_volume_europe", "rail_value_share_europe", "facilitated_exports"):
        assert after[name] == before[name], name


def test_the_model_stops_with_a_clear_error_when_productivity_runs_away():
    from sim.model.errors import check_step
    from sim.model.model import BRIModel
    from sim.scenario.schema import Scenario

    m = BRIModel(Scenario(run={"enterprises": 50, "steps": 2}), rng=1)
    m.step()
    m.innovation_ratio = m.innovation_ratio * 1e30
    with pytest.raises(ModelError, match=r"^step 1: productivity in .* innovation\.rd_effect="):
        check_step(m)
    m.innovation_ratio = -np.ones_like(m.innovation_ratio)
    with pytest.raises(ModelError, match="fell below zero"):
        check_step(m)
