"""Every parameter of the schema reaches the model.

The leaf parameters are discovered by walking the Scenario schema (sections, each sector
of ``freight.sectors``, each element of the by-risk-class lists), so a parameter added to
the schema is covered here without editing this file. For each one, a small scenario in
which it can matter is run with a fixed seed, the parameter is moved to another valid
value, and some output table must change.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

import annotated_types
import pytest
from helpers import COORDINATION, FAST_FINANCE, HUBS, MEMBERS, SEED, differing_tables, run_small
from pydantic import BaseModel

from sim.experiments.experiment import RunResult, run
from sim.scenario.loading import deep_merge, validate
from sim.scenario.schema import Scenario

# Not model parameters: ``name`` and ``description`` are labels, ``sweep`` is read by the
# sweep runner (not the model), ``events`` are covered field by field in
# test_event_fields_reach_model below. ``run.start_year`` labels the calendar year of step
# 1 and, with destinations by export weight (context "exports"), picks the year weighed.
SKIP = {"name", "description", "sweep", "events"}

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    """``("partners", "friction", 2)`` -> ``"partners.friction[2]"``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def leaf_paths(model: type[BaseModel] = Scenario, prefix: Path = ()) -> list[Path]:
    """Every leaf parameter of ``model``, recursing into sections, dicts of sections and
    numeric lists (one leaf per element)."""
    out: list[Path] = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        if dotted(path) in SKIP:
            continue
        ann = field.annotation
        origin = typing.get_origin(ann)
        if _model_in(ann) is not None:
            out += leaf_paths(ann, path)
        elif origin is dict and _model_in(typing.get_args(ann)[1]) is not None:
            for key in field.get_default(call_default_factory=True):
                out += leaf_paths(typing.get_args(ann)[1], (*path, key))
        elif origin is list and typing.get_args(ann)[0] is not str:
            default = field.get_default(call_default_factory=True)
            out += [(*path, i) for i in range(len(default))]
        else:
            out.append(path)
    return out


PATHS = leaf_paths()

# --- where each parameter can matter -------------------------------------------------------

GROUP = ["Sichuan", "Chongqing", "Shaanxi"]
FINANCE = deep_merge(FAST_FINANCE, {"partners": {"crisis_hazard": [0.05] * 5}})
CONTEXTS: dict[str, dict[str, Any]] = {
    "base": {},
    # crises often enough that recovery, demand cut and depreciation act in 8 steps
    "crises": {"partners": {"crisis_hazard": [0.15] * 5}},
    # loans start, complete and fail within the run; crises hit projects
    "finance": FINANCE,
    "coordination": COORDINATION,
    "trade": {"policy": {"trade": {"partners": ["Kazakhstan", "Germany", "Poland", "Vietnam"]}}},
    "innovation": deep_merge(
        FINANCE,
        {
            "policy": {
                "innovation": {
                    "sharing_group": GROUP,
                    "spillover": 0.1,
                    "talent_provinces": ["Sichuan"],
                    "talent_inflow": 1.0,
                    "key_fields": True,
                }
            }
        },
    ),
    # herding opens border-province platforms early so the discount can apply
    "hinterland": {
        "strategy": {"herding": 1.0},
        "policy": {
            "hinterland": {"provinces": ["Sichuan", "Chongqing", "Henan"], "border_discount": 0.5}
        },
    },
    "joint_fund": deep_merge(
        FINANCE,
        {"policy": {"finance": {"joint_fund_provinces": GROUP, "joint_fund_share": 0.2}}},
    ),
    # a budget that fits a few of the many loans asked for: the queue decides who gets one
    "queue": deep_merge(FINANCE, {"finance": {"lending_budget": 300.0}}),
    # capacity retires after one quarter of low use, and use counts as low below 99%:
    # each retirement parameter is studied with the other two set so retirement happens
    "retire": {"freight": {"retire_below": 0.99, "retire_after": 1}},
    "retire_below": {"freight": {"retire_after": 1}},
    "retire_after": {"freight": {"retire_below": 0.99}},
    # domestic collateral about what a loan needs, large overseas assets kept from
    # completed projects: accepting them as collateral decides some repeat approvals
    "overseas": deep_merge(FINANCE, {"finance": {"collateral": 1.2, "overseas_asset_share": 1.0}}),
    # provinces value platforms only by volume against their full fiscal cost, so most
    # platforms are worth less than they cost and get closed
    "closing": {"strategy": {"rank_weight": 0.0, "train_value": 0.0, "fiscal_weight": 1.0}},
    # the coordination body designates only Chongqing's hubs: the other member platforms
    # open at the start (Chengdu-west, Xi'an-west) wind down; the firms are the members'
    # own, so the wound-down platforms carry some of their cargo until they close
    "wind_down": deep_merge(
        COORDINATION,
        {
            "run": {"provinces": MEMBERS},
            "policy": {"coordination": {"designated_hubs": {"hubs": HUBS[1:2] + HUBS[3:]}}},
        },
    ),
    # national assembly centres on, at two hubs: every province's feeders to them are cheaper
    "assembly": {
        "policy": {"assembly_centres": {"enabled": True, "hubs": ["Chengdu-west", "Wuhan-west"]}}
    },
    # the body sets the designated hubs' train targets: its markup then decides them
    "target_rule": deep_merge(
        COORDINATION, {"policy": {"coordination": {"designated_hubs": {"target_rule": True}}}}
    ),
    # Chengdu and Chongqing unified on the city layer, both running west platforms: how
    # many hubs the unit keeps per corridor decides which of them keep their targets
    "unified": {
        "run": {"platform_layer": "cities"},
        "policy": {"unification": {"units": ["Sichuan+Chongqing"]}},
    },
    # small terminals and a low close threshold, so busy platforms run beyond capacity
    "congested": {"freight": {"initial_capacity": 15.0, "close_below": 1.0}},
    # destinations by China's exports in the start year
    "exports": {"partners": {"destinations": "exports"}},
    # trains split across crossings by logit, through crossings small enough to congest
    "crossings": {
        "freight": {
            "crossing_choice": "logit",
            "crossing_congestion": 5.0,
            "crossing_capacity": 5.0,
        }
    },
}
# First matching prefix wins: most specific first.
CONTEXT_OF = [
    ("policy.coordination.designated_hubs.wind_down", "wind_down"),
    ("policy.unification.hubs", "unified"),
    ("policy.coordination.designated_hubs.target_markup", "target_rule"),
    ("policy.finance.overseas_collateral", "overseas"),
    ("policy.finance.state_priority", "queue"),
    ("innovation.talent_effect", "innovation"),
    ("innovation.project_feedback", "finance"),  # projects complete within the run
    ("strategy.close_after", "closing"),
    ("policy.coordination", "coordination"),
    ("policy.assembly_centres", "assembly"),
    ("policy.trade", "trade"),
    ("policy.innovation", "innovation"),
    ("policy.hinterland", "hinterland"),
    ("policy.finance.joint_fund", "joint_fund"),
    ("policy.finance", "finance"),
    ("finance", "finance"),
    ("partners.crisis", "crises"),
    ("freight.retire_below", "retire_below"),
    ("freight.retire_after", "retire_after"),
    ("freight.retire", "retire"),
    ("freight.congestion", "congested"),
    ("freight.crossing", "crossings"),
    ("run.start_year", "exports"),
]

# Perturbations chosen so the parameter binds (the generic rule of doubling does not).
PERTURB: dict[str, Any] = {
    "run.provinces": ["Sichuan", "Chongqing", "Shaanxi", "Henan", "Hubei", "Xinjiang"],
    "run.partners": ["Germany", "Kazakhstan", "Vietnam", "India", "Poland", "Turkey"],
    "run.start_year": 2021,  # 2015 and 2017 weigh alike (the table is flat before 2017)
    "policy.innovation.key_sectors": ["chemicals", "consumer_goods"],
    "strategy.max_subsidy": 0.1,
    "strategy.max_markup": 0.1,
    "freight.close_below": 100.0,  # just under the initial capacity: one retirement closes
    "freight.expand_above": 0.3,  # doubling caps at 1 (never expand); lower binds instead
    "freight.retire_below": 0.99,
    "freight.retire_after": 1,
    "strategy.close_after": 1,
    "finance.lending_budget": 50.0,
    "innovation.project_feedback": 5.0,
    "finance.lender_capital": 2.0,  # one default's loss takes the capacity down
    "finance.funding_rate": 0.05,
    "policy.finance.state_priority": 0.0,
    "policy.finance.overseas_collateral": 1.0,
    "freight.min_trains": 100.0,
    "policy.subsidy.national_cap": 0.1,
    "policy.subsidy.empty_slot_cap": 0.05,
    "finance.risk_appetite": 0.005,
    # the firms of the small runs hold under three quarters of revenue: a low ceiling binds
    "finance.cash_ceiling": 0.3,
    "policy.coordination.members": MEMBERS[:3],
    "policy.coordination.designated_hubs.hubs": HUBS[:2],
    # at the fitted defaults 4 -> 6 changes nothing in 8 steps; closing after one binds
    "policy.coordination.designated_hubs.wind_down": 1,
    "policy.assembly_centres.hubs": ["Xi'an-west"],
    "policy.unification.units": ["Sichuan+Chongqing"],
    "policy.trade.partners": ["India", "Pakistan", "Turkey"],
    "policy.innovation.sharing_group": ["Sichuan", "Henan", "Xinjiang"],
    "policy.innovation.talent_provinces": ["Chongqing", "Henan"],
    "policy.hinterland.provinces": ["Hubei", "Anhui"],
    "policy.finance.joint_fund_provinces": ["Henan", "Hubei", "Zhejiang", "Jiangsu"],
}
# Parameters that need more steps to act. Overseas assets exist only after a project
# completes, and only repeat borrowers can pledge them.
STEPS: dict[str, int] = {"policy.finance.overseas_collateral": 12}


def context_name(key: str) -> str:
    return next((name for prefix, name in CONTEXT_OF if key.startswith(prefix)), "base")


def get(obj: Any, path: Path) -> Any:
    for part in path:
        obj = obj[part] if isinstance(part, int) or isinstance(obj, dict) else getattr(obj, part)
    return obj


def field_of(path: Path):
    """The pydantic field (and element metadata for list elements) a path ends in."""
    model: Any = Scenario
    field = None
    for part in path:
        if isinstance(part, int):
            inner = typing.get_args(field.annotation)[0]
            meta = [m for a in getattr(inner, "__metadata__", ()) for m in a.metadata]
            return field, meta
        if model is None:  # a key of a dict of sections
            model = typing.get_args(field.annotation)[1]
            continue
        field = model.model_fields[part]
        model = _model_in(field.annotation)
    return field, field.metadata


def bounds(meta: list[Any]) -> tuple[float, float]:
    lo, hi = -float("inf"), float("inf")
    for m in meta:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            lo = float(getattr(m, "ge", getattr(m, "gt", lo)))
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            hi = float(getattr(m, "le", getattr(m, "lt", hi)))
    return lo, hi


def perturbed(path: Path, current: Any) -> Any:
    """Another valid value: the override if any, else flip / another choice / x2 or /2."""
    key = dotted(path)
    if key in PERTURB:
        return PERTURB[key]
    if path[:2] == ("freight", "sectors") and path[-1] == "share":
        return round(current + 0.05, 12)  # another sector gives up 0.05 (with_value)
    field, meta = field_of(path)
    lo, hi = bounds(meta)
    if isinstance(current, bool):
        return not current
    if typing.get_origin(field.annotation) is typing.Literal:
        return next(c for c in typing.get_args(field.annotation) if c != current)
    if isinstance(current, int):
        return current + 2 if current + 2 <= hi else current - 1
    if isinstance(current, float):
        new = min(current * 2 if current else min(0.5, hi), hi)
        return new if new != current else max(current / 2, lo)
    raise AssertionError(f"{key}: no rule to perturb {current!r}; add one to PERTURB")


def with_value(data: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of a full scenario dict with ``value`` at ``path``; sector shares rebalance."""
    out = deep_merge(data, {})
    node = out
    for part in path[:-1]:
        node = node[part]
    old = node[path[-1]]
    node[path[-1]] = value
    if path[:2] == ("freight", "sectors") and path[-1] == "share":
        other = "consumer_goods" if path[2] != "consumer_goods" else "machinery"
        out["freight"]["sectors"][other]["share"] -= value - old
    return out


@functools.cache
def base_result(name: str, steps: int) -> tuple[dict[str, Any], RunResult]:
    small = {"run": {"enterprises": 200, "steps": steps}}
    s = validate(deep_merge(validate(small).model_dump(), CONTEXTS[name]))
    return s.model_dump(), run(s, seed=SEED)


def test_walk_finds_the_parameters():
    keys = {dotted(p) for p in PATHS}
    for expected in (
        "run.steps",
        "freight.rail_cost",
        "freight.sectors.electronics.value_of_time",
        "freight.sectors.consumer_goods.share",
        "partners.friction[4]",
        "finance.project_default[0]",
        "policy.coordination.designated_hubs.feeder_discount",
        "policy.hinterland.border_discount",
    ):
        assert expected in keys
    assert not keys & SKIP
    assert len(keys) > 120


@pytest.mark.parametrize("path", PATHS, ids=dotted)
def test_parameter_reaches_model(path: Path):
    key = dotted(path)
    steps = STEPS.get(key, 8)
    data, base = base_result(context_name(key), steps)
    current = get(data, path)
    value = perturbed(path, current)
    assert value != current
    scenario = validate(with_value(data, path, value), origin=key)
    assert get(scenario, path) == value
    other = run(scenario, seed=SEED)
    assert differing_tables(base, other), (
        f"{key}: {current!r} -> {value!r} changed no output in {steps} steps "
        f"(context {context_name(key)!r})"
    )


# --- events, field by field ------------------------------------------------------------------

EVENTS: dict[str, dict[str, Any]] = {
    "crisis": {"step": 2, "kind": "crisis", "countries": ["Germany", "Kazakhstan"]},
    "demand_shock": {"step": 2, "kind": "demand_shock", "countries": ["Germany"], "size": 0.5},
    "route_closure": {"step": 2, "kind": "route_closure", "corridor": "west", "duration": 2},
    "set": {"step": 2, "kind": "set", "path": "policy.subsidy.national_cap", "value": 0.2},
}
EVENT_PERTURB: list[tuple[str, str, Any]] = [
    ("crisis", "step", 4),
    ("crisis", "countries", ["Poland", "India"]),
    ("crisis", "duration", 1),
    ("demand_shock", "step", 4),
    ("demand_shock", "countries", ["Kazakhstan"]),
    ("demand_shock", "size", -0.5),
    ("demand_shock", "duration", 1),
    ("route_closure", "step", 4),
    ("route_closure", "corridor", "central"),
    ("route_closure", "duration", 5),
    ("set", "step", 5),
    ("set", "path", "policy.finance.insurance_cover"),
    ("set", "value", 0.05),
]


def test_every_event_field_is_perturbed():
    from sim.scenario.policy import Event

    fields = set(Event.model_fields) - {"kind"}  # kind is fixed by each case
    covered = {f for _, f, _ in EVENT_PERTURB}
    assert covered == fields


@pytest.mark.parametrize(("kind", "field", "value"), EVENT_PERTURB)
def test_event_fields_reach_model(kind: str, field: str, value: Any):
    # crises end quickly once no event holds them, so an event's duration decides
    context = deep_merge(FINANCE, {"partners": {"crisis_recovery": 0.9}})
    ev = EVENTS[kind]
    base = run_small(context, {"events": [ev]})
    assert differing_tables(base, run_small(context)), f"a {kind} event changed nothing"
    other = run_small(context, {"events": [{**ev, field: value}]})
    assert differing_tables(base, other), f"{kind} event: {field} -> {value!r} changed nothing"
