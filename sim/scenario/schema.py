"""The scenario: the one validated object everything downstream reads.

A :class:`Scenario` gathers the model's parameters (:mod:`sim.scenario.sections`), the
policies, events and sweep settings (:mod:`sim.scenario.policy`), and checks what needs
the whole scenario: every name it uses is known (:func:`check_names`) and its sweep table
fits the schema (:func:`sim.scenario.parameters.check_sweep`). Reading it from TOML with
``extends`` and ``--set`` is :mod:`sim.scenario.loading`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from sim import data
from sim.scenario.fields import SECTORS, Section, closest
from sim.scenario.parameters import check_sweep
from sim.scenario.paths import get_path
from sim.scenario.policy import Event, Policy, SweepSettings
from sim.scenario.rules import check_rules, event_states
from sim.scenario.sections import (
    FinanceSettings,
    FreightSettings,
    InnovationSettings,
    PartnerSettings,
    RunSettings,
    StrategySettings,
)


class Scenario(Section):
    """A complete, validated scenario."""

    name: str = Field("scenario", description="Short name used in tables and charts.")
    description: str = Field("", description="What the scenario represents.")
    run: RunSettings = Field(default_factory=RunSettings)
    partners: PartnerSettings = Field(default_factory=PartnerSettings)
    freight: FreightSettings = Field(default_factory=FreightSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    finance: FinanceSettings = Field(default_factory=FinanceSettings)
    innovation: InnovationSettings = Field(default_factory=InnovationSettings)
    policy: Policy = Field(default_factory=Policy)
    events: list[Event] = Field(default_factory=list)
    sweep: SweepSettings = Field(
        default_factory=SweepSettings,
        description="A sweep declared with the scenario (see sim sweep).",
    )

    @model_validator(mode="after")
    def _check_whole(self) -> Scenario:
        """Names, the sweep table, events' values and the cross-field rules, all at once."""
        problems = [*check_sweep(self), *check_names(self, data)]
        refused = event_path_problems(self)
        value_problems, states = event_states(self, skip=refused)
        problems += value_problems
        if not problems:  # the rules read names and values that must be valid first
            problems += check_rules(states, data)
        if problems:
            raise ValueError("\n".join(problems))
        return self


# Values the model reads only when it is built: a 'set' event cannot change them.
CONSTRUCTION_ONLY = (
    "run.",
    "partners.demand_growth",
    "freight.sectors.",
    "strategy.initial_",
    "finance.initial_cash",
    "finance.size_dispersion",
    "finance.productivity_dispersion",
    "policy.finance.joint_fund_provinces",
    "policy.innovation.key_sectors",
)


def check_names(s: Scenario, data: Any) -> list[str]:
    """Return one message per province, partner, platform or corridor name not known.

    A name unknown anywhere gets the closest known name as a suggestion (never itself);
    a known name that is only missing from the run (``run.provinces``, ``run.partners``)
    says so, and is not reported again when the run's own list has a misspelling (the
    misspelling is the one problem).
    """
    provinces = set(data.load_provinces()["province"])
    partners = set(data.load_partners()["country"])
    platforms = data.load_platforms()
    problems: list[str] = []

    def check(path: str, names: list[str], known: set[str], in_run: set[str], what: str, run: str):
        for name in dict.fromkeys(names):
            if name in in_run:
                continue
            if name not in known:
                problems.append(f"{path}: unknown {what} '{name}'.{closest(name, sorted(known))}")
            elif run and not run_typos.get(run):
                problems.append(f"{path}: {what} '{name}' is not in {run}; add it there")

    run_typos = {
        "run.provinces": [n for n in s.run.provinces if n not in provinces],
        "run.partners": [n for n in s.run.partners if n not in partners],
    }
    check("run.provinces", s.run.provinces, provinces, set(), "province", "")
    check("run.partners", s.run.partners, partners, set(), "partner country", "")
    in_run = set(s.run.provinces)
    run_partners = set(s.run.partners) or partners
    pol = s.policy
    for path, names in [
        ("policy.coordination.members", pol.coordination.members),
        ("policy.finance.joint_fund_provinces", pol.finance.joint_fund_provinces),
        ("policy.innovation.sharing_group", pol.innovation.sharing_group),
        ("policy.innovation.talent_provinces", pol.innovation.talent_provinces),
        ("policy.hinterland.provinces", pol.hinterland.provinces),
        (
            "policy.unification.units",
            [n.strip() for unit in pol.unification.units for n in unit.split("+")],
        ),
    ]:
        check(path, names, provinces, in_run, "province", "run.provinces")
    check(
        "policy.trade.partners",
        pol.trade.partners,
        partners,
        run_partners,
        "partner country",
        "run.partners",
    )
    sectors = set(SECTORS)
    check(
        "policy.innovation.key_sectors", pol.innovation.key_sectors, sectors, sectors, "sector", ""
    )
    ids = set(platforms["platform"])
    open_ids = set(platforms.loc[platforms["province"].isin(in_run), "platform"])
    for path, hubs in [
        ("policy.coordination.designated_hubs.hubs", pol.coordination.designated_hubs.hubs),
        ("policy.assembly_centres.hubs", pol.assembly_centres.hubs),
    ]:
        check(path, hubs, ids, open_ids, "platform", "")
        for hub in dict.fromkeys(hubs):
            if hub in ids and hub not in open_ids and not run_typos["run.provinces"]:
                owner = platforms.loc[platforms["platform"] == hub, "province"].iloc[0]
                problems.append(
                    f"{path}: platform '{hub}' belongs to {owner}, which is not in run.provinces"
                )
    corridors = set(data.CORRIDORS)
    for i, ev in enumerate(s.events):
        check(
            f"events[{i}].countries",
            ev.countries,
            partners,
            run_partners,
            "partner country",
            "run.partners",
        )
        if ev.corridor:
            check(f"events[{i}].corridor", [ev.corridor], corridors, set(), "corridor", "")
    problems += event_path_problems(s).values()
    return problems


def event_path_problems(s: Scenario) -> dict[int, str]:
    """A message for every ``set`` event whose path is unknown or fixed at construction."""
    problems: dict[int, str] = {}
    for i, ev in enumerate(s.events):
        if not ev.path:
            continue
        try:
            get_path(s, ev.path)
        except KeyError as err:
            problems[i] = f"events[{i}].path: {err.args[0]}"
            continue
        fixed = next((x for x in CONSTRUCTION_ONLY if ev.path.startswith(x)), None)
        if ev.path.startswith("freight.sectors.") and not ev.path.endswith(".share"):
            fixed = None  # only a sector's share is fixed at construction
        if fixed:
            problems[i] = (
                f"events[{i}].path: '{ev.path}' is read only when the model is built, so"
                f" an event cannot switch it (fixed at construction: {fixed}*)"
            )
    return problems
