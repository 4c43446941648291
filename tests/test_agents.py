"""The Mesa agents: types and counts, enterprises reading the arrays, replacement at exit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import FAST_FINANCE, build_small, enterprise_agents, small_scenario

from sim import data
from sim.model.agents import City, Enterprise, Lender, PartnerCountry, Platform, Province
from sim.model.firms import ACTIVE, NONE, PENDING
from sim.model.model import BRIModel

PROVINCES = ["Sichuan", "Chongqing", "Shaanxi", "Henan", "Xinjiang", "Guangdong"]
PARTNERS = ["Germany", "Kazakhstan", "Vietnam", "Poland"]


@pytest.mark.parametrize(
    ("layer", "table"),
    [("cities", data.load_city_platforms), ("province_hubs", data.load_platforms)],
)
def test_agent_types_and_counts(layer, table):
    scenario = small_scenario(
        {
            "run": {
                "enterprises": 150,
                "provinces": PROVINCES,
                "partners": PARTNERS,
                "platform_layer": layer,
            }
        }
    )
    model = BRIModel(scenario, rng=1)
    by_type = model.agents_by_type
    assert set(by_type) == {Province, City, Platform, Enterprise, PartnerCountry, Lender}
    platforms = table()
    expected_platforms = int(platforms["province"].isin(PROVINCES).sum())
    assert expected_platforms > len(PROVINCES)  # several corridors per hub
    mine = platforms[platforms["province"].isin(PROVINCES)]
    expected_cities = len(mine[["province", "city"]].drop_duplicates())
    assert len(by_type[City]) == expected_cities
    assert all(
        pl.owner in by_type[City] and pl.province is pl.owner.province for pl in model.platforms
    )
    assert len(by_type[Province]) == len(PROVINCES)
    assert len(by_type[Platform]) == expected_platforms
    assert len(by_type[Enterprise]) == 150
    assert len(by_type[PartnerCountry]) == len(PARTNERS)
    assert len(by_type[Lender]) == 1
    assert sorted(p.name for p in by_type[Province]) == sorted(PROVINCES)
    assert sorted(c.name for c in by_type[PartnerCountry]) == sorted(PARTNERS)
    n_agents = len(PROVINCES) + expected_cities + expected_platforms + 150 + len(PARTNERS) + 1
    assert len(model.agents) == n_agents


def test_all_partners_when_none_named():
    model = build_small({"run": {"enterprises": 20}})
    assert len(model.agents_by_type[PartnerCountry]) == len(data.load_partners())
    assert len(model.agents_by_type[Province]) == len(model.p.run.provinces)


def check_enterprises_read_arrays(model: BRIModel) -> None:
    f = model.firms
    agents = enterprise_agents(model)
    assert len(agents) == f.n
    assert sorted(a.slot for a in agents) == list(range(f.n))
    for a in agents:
        s = a.slot
        assert a is model.enterprise_agents[s]
        assert a.cash == f.cash[s]
        assert a.collateral == f.collateral[s]
        assert a.overseas_assets == f.overseas_assets[s]
        assert a.productivity == f.productivity[s]
        assert a.exports == f.exports[s]
        assert a.loan == f.outstanding[s]
        assert a.state_owned == bool(f.state_owned[s])
        assert a.province == model.province_list[f.province[s]]
        assert a.sector == model.sector_names[f.sector[s]]
        assert a.destination == model.partner_list[f.country[s]]
        status = {NONE: "none", PENDING: "pending", ACTIVE: "active"}[int(f.status[s])]
        assert a.project_status == status
        route = int(f.route[s])
        assert a.route == ("sea" if route == model.sea else model.platform_list[route])


def test_enterprises_read_the_arrays_at_every_step():
    model = build_small(FAST_FINANCE, seed=3)
    check_enterprises_read_arrays(model)
    statuses = set()
    for _ in range(6):
        model.step()
        check_enterprises_read_arrays(model)
        statuses |= {a.project_status for a in enterprise_agents(model)}
        assert len(enterprise_agents(model)) == model.p.run.enterprises
    assert statuses == {"none", "pending", "active"}  # every state was read at least once
    assert any(a.route != "sea" for a in enterprise_agents(model))


def test_writing_the_array_shows_in_the_agent():
    model = build_small(seed=3)
    agent = model.enterprise_agents[5]
    model.firms.cash[5] = 123.5
    assert agent.cash == 123.5


def test_exit_replaces_the_agent():
    model = build_small(seed=5)
    model.step()
    slots = np.array([3, 17])
    old = [model.enterprise_agents[s] for s in slots]
    old_ids = {a.unique_id for a in old}
    model.firms.cash[slots] = -1e12  # no profit can save these two
    model.step()
    assert model.records[-1]["exits"] >= 2
    for s, gone in zip(slots, old, strict=True):
        new = model.enterprise_agents[s]
        assert new is not gone
        assert new.unique_id not in old_ids
        assert new.slot == s
        assert new in model.agents
        assert gone not in model.agents
        assert gone not in model.agents_by_type[Enterprise]
        assert model.firms.cash[s] >= 0  # the entrant's endowment
        assert new.cash == model.firms.cash[s]
    assert len(enterprise_agents(model)) == model.p.run.enterprises
    ids = [a.unique_id for a in enterprise_agents(model)]
    assert len(set(ids)) == len(ids)
    check_enterprises_read_arrays(model)


def test_exits_in_a_run_keep_the_population():
    # ruinous interest: firms with a project run out of cash and exit
    model = build_small(FAST_FINANCE, {"finance": {"interest_rate": 1.0}}, seed=2)
    seen = {a.unique_id for a in enterprise_agents(model)}
    exits = 0
    for _ in range(8):
        before = {a.unique_id for a in enterprise_agents(model)}
        model.step()
        now = {a.unique_id for a in enterprise_agents(model)}
        exits += model.records[-1]["exits"]
        assert len(now) == model.p.run.enterprises
        assert len(before - now) == model.records[-1]["exits"]  # one agent out per exit
        assert not (now - before) & seen  # entrants are new agents
        seen |= now
    assert exits > 0
