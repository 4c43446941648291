"""Checks that need the whole scenario: ``set`` events' values and cross-field rules.

A field's own range (:mod:`sim.scenario.sections`) cannot see the others. Here:

- :func:`event_states`: every ``set`` event's value is validated against the field it
  sets, by applying the events in step order to a copy of the scenario, so that a run
  never meets a value the schema refuses; the states it passes through are checked too.
- :func:`check_rules`: rules stated in terms of the model's equations, checked in every
  state a run passes through (a ``set`` event can break them mid-run):

  - *innovation stocks stay non-negative*: mechanism 8 is
    ``stock' = stock * (1 + growth - spillover) + spillover * group_mean`` with
    ``growth >= -depreciation``, so a stock above its group's mean stays non-negative
    for every stock only if ``depreciation + spillover <= 1``;
  - *productivity stays within a factor* :data:`LIMIT` *of its start*: a firm's
    productivity is ``base * exp(boost) * (stock / stock0) ** elasticity``; the stock
    compounds ``1 + rd_effect * rd + talent_effect * talent + conversion * multiplier *
    research - depreciation`` a quarter (talent grows by the inflow each quarter) and each
    completed project multiplies productivity by ``1 + gain``. The bound is taken at the
    run's most extreme province and the most extreme values events set;
  - *partners' demand trend stays within a factor* :data:`LIMIT`: the mean trend
    ``exp(demand_growth * years)`` over the run;
  - *delivered prices stay positive*: the logit's inclusive value (mechanism 4), the
    expected cost of the best route, lies up to ``logit_scale * ln(options)`` below the
    cheapest option, and a firm's delivered price adds it to the cargo's value; with
    ``logit_scale * ln(options)`` above the least valuable cargo
    (``cargo_value`` in USD) the price can turn negative and exports undefined.

  Beyond a factor of ten thousand, volumes exceed the world's container trade by orders
  of magnitude and congestion costs (squared overloads) run to overflow: the model's
  equations no longer describe anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.scenario.paths import assign_path, get_path

LIMIT = 1e4  # largest factor by which productivity or demand may grow (or shrink) in a run
LOG_LIMIT = math.log(LIMIT)


def event_states(s: Any, skip: Iterable[int] = ()) -> tuple[list[str], list[Any]]:
    """Apply the ``set`` events of ``s`` in step order to a copy; report values refused.

    ``skip`` lists events already refused for their path. Returns the problems (one per
    refused value, naming the event, the path and what is allowed) and the states the
    run passes through: ``s`` itself, then the scenario after each step with events.
    """
    skipped = set(skip)
    events = [(i, ev) for i, ev in enumerate(s.events) if ev.kind == "set" and i not in skipped]
    problems: list[str] = []
    states = [s]
    if not events:
        return problems, states
    state = s.model_copy(deep=True)
    for step in sorted({ev.step for _, ev in events}):
        for i, ev in events:
            if ev.step != step:
                continue
            try:
                assign_path(state, ev.path, ev.value)
            except ValidationError as err:
                for e in err.errors(include_url=False):
                    msg = e["msg"].removeprefix("Value error, ")
                    problems.append(f"events[{i}].value: {ev.path}: {msg} (got {shown(ev.value)})")
            except (KeyError, TypeError, ValueError) as err:
                problems.append(f"events[{i}].value: {ev.path}: {err}")
        states.append(state.model_copy(deep=True))
    return problems, states


def shown(value: Any) -> str:
    """A value as it is written in TOML: ``true``, ``"0.9"``, ``5.0``, ``["a", "b"]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return repr(value)


def check_rules(states: list[Any], data: Any) -> list[str]:
    """A message for every cross-field rule broken in any of ``states`` (see the module).

    ``data`` is :mod:`sim.data` (the provinces and platforms tables are read).
    """
    problems = [
        *_stock_sign(states),
        *_productivity(states, data.load_provinces()),
        *_demand(states[0]),
        *_delivered_price(states, data.load_platforms()),
    ]
    return list(dict.fromkeys(problems))


def _delivered_price(states: list[Any], platforms: Any) -> list[str]:
    s = states[0]
    options = int(platforms["province"].isin(s.run.provinces).sum()) + 1  # and the sea
    scale = max(_values(states, "freight.logit_scale"))
    cheapest = min(
        (sec.cargo_value * 1e6, name) for st in states for name, sec in st.freight.sectors.items()
    )
    spread = scale * math.log(options)
    if spread < cheapest[0]:
        return []
    return [
        f"freight.logit_scale = {scale:g}: the logit's expected route cost can lie"
        f" logit_scale * ln({options} routes) = {spread:,.0f} USD below the cheapest route,"
        f" more than the cargo of a container of {cheapest[1]}"
        f" (freight.sectors.{cheapest[1]}.cargo_value = {cheapest[0] / 1e6:g} USD mn), so"
        f" delivered prices can turn negative; keep logit_scale below"
        f" {cheapest[0] / math.log(options):,.0f}"
    ]


def _stock_sign(states: list[Any]) -> list[str]:
    out = []
    for k, st in enumerate(states):
        pol = st.policy.innovation
        if not pol.sharing_group:
            continue
        d, sp = st.innovation.depreciation, pol.spillover
        if d + sp > 1.0 + 1e-12:
            when = "" if k == 0 else " (after the set events up to that step)"
            out.append(
                f"innovation.depreciation + policy.innovation.spillover = {d:g} + {sp:g} ="
                f" {d + sp:g}{when}, above 1: innovation growth (mechanism 8) is stock * (1"
                " + growth - spillover) + spillover * group_mean with growth down to"
                " -depreciation, so a stock above its group's mean goes negative; lower one"
                " so that the sum is at most 1"
            )
    return out


def _values(states: list[Any], path: str) -> list[Any]:
    return [get_path(st, path) for st in states]


def productivity_log_range(states: list[Any], provinces: Any) -> tuple[float, float, str]:
    """Lowest and highest log factor innovation and projects can move productivity by.

    Returns ``(low, high, detail)``, ``detail`` saying where the extreme comes from.
    """
    s = states[0]
    steps = s.run.steps
    table = provinces.set_index("province")
    names = [n for n in s.run.provinces if n in table.index]
    if not names:
        return 0.0, 0.0, ""
    rd = table.loc[names, "rd_intensity_2020_pct"].to_numpy(dtype=float)
    research = table.loc[names, "research_stock"].to_numpy(dtype=float)
    talented = {n for st in states for n in st.policy.innovation.talent_provinces}
    talent = np.array([n in talented for n in names], dtype=float)
    t = np.arange(1, steps + 1, dtype=float)[None, :]

    def grid(path: str) -> tuple[float, float]:
        vals = _values(states, path)
        return min(vals), max(vals)

    rd_e, te, conv = (
        grid("innovation.rd_effect"),
        grid("innovation.talent_effect"),
        grid("innovation.conversion"),
    )
    mult, inflow = (
        grid("policy.innovation.conversion_multiplier"),
        grid("policy.innovation.talent_inflow"),
    )
    dep, elast = grid("innovation.depreciation"), grid("innovation.productivity_elasticity")
    fast = (
        rd_e[1] * rd[:, None]
        + te[1] * inflow[1] * talent[:, None] * t
        + conv[1] * mult[1] * research[:, None]
        - dep[0]
    )
    slow = rd_e[0] * rd[:, None] + conv[0] * mult[0] * research[:, None] - dep[1] + 0 * t
    log_up = np.log(np.maximum(1.0 + fast, 1e-300)).sum(axis=1)
    log_down = np.log(np.maximum(1.0 + slow, 1e-300)).sum(axis=1)
    group = {
        n
        for st in states
        if st.policy.innovation.spillover > 0
        for n in st.policy.innovation.sharing_group
    }
    members = [i for i, n in enumerate(names) if n in group]
    spread = math.log(rd[members].max() / rd[members].min()) if len(members) > 1 else 0.0
    hi_stock, lo_stock = float(log_up.max()) + spread, min(float(log_down.min()) - spread, 0.0)
    top = names[int(log_up.argmax())]
    e = elast[1]
    up = e * hi_stock if e > 0 else 0.0
    down = e * lo_stock if e > 0 else 0.0
    gain = max(_values(states, "finance.productivity_gain"))
    if any(st.policy.innovation.key_fields for st in states):
        gain += max(_values(states, "policy.innovation.key_fields_gain"))
    projects = steps // min(_values(states, "finance.project_length"))
    up += projects * math.log1p(gain)
    detail = (
        f"{top}'s innovation stock can grow by a factor {math.exp(min(hi_stock, 700)):.3g},"
        f" raised to innovation.productivity_elasticity = {e:g}, and {projects} completed"
        f" projects abroad multiply it by (1 + {gain:g}) each"
    )
    return down, up, detail


def _productivity(states: list[Any], provinces: Any) -> list[str]:
    down, up, detail = productivity_log_range(states, provinces)
    steps = states[0].run.steps
    levers = (
        "innovation.rd_effect, innovation.talent_effect, innovation.conversion,"
        " policy.innovation.conversion_multiplier, policy.innovation.talent_inflow,"
        " innovation.productivity_elasticity, finance.productivity_gain"
    )
    if up > LOG_LIMIT:
        return [
            f"productivity: firms' productivity can grow by a factor"
            f" {math.exp(min(up, 700)):.3g} over the run's {steps} steps ({detail});"
            f" the model's volumes and prices are meaningful within a factor of {LIMIT:,.0f}:"
            f" lower {levers} or run.steps"
        ]
    if down < -LOG_LIMIT:
        return [
            f"productivity: firms' productivity can fall to {math.exp(max(down, -700)):.3g}"
            f" of its start over the run's {steps} steps (innovation.depreciation outpaces"
            f" growth, raised to innovation.productivity_elasticity); the model is meaningful"
            f" within a factor of {LIMIT:,.0f}: lower innovation.depreciation or"
            f" innovation.productivity_elasticity, or raise innovation.rd_effect, or shorten"
            f" run.steps"
        ]
    return []


def _demand(s: Any) -> list[str]:
    g, years = s.partners.demand_growth, s.run.steps / 4
    if abs(g) * years > LOG_LIMIT:
        factor = math.exp(g * years)
        return [
            f"partners.demand_growth = {g:g} a year compounds to a factor {factor:.3g} of"
            f" partners' import demand over the run's {years:g} years (run.steps ="
            f" {s.run.steps}); the model is meaningful within a factor of {LIMIT:,.0f}:"
            f" keep |demand_growth| * years at most {LOG_LIMIT:.2f}"
        ]
    return []
