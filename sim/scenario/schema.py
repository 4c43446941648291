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
    def _check_sweep(self) -> Scenario:
        problems = check_sweep(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _check_names(self) -> Scenario:
        problems = check_names(self, data)
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
    """Return a message for every province, partner, platform or corridor name not known."""
    provinces = set(data.load_provinces()["province"])
    partners = set(data.load_partners()["country"])
    platforms = data.load_platforms()
    problems: list[str] = []

    def check(path: str, names: list[str], known: set[str], within: str) -> None:
        for name in names:
            if name not in known:
                tip = closest(name, sorted(known))
                problems.append(f"{path}: unknown {within} '{name}'.{tip}")

    check("run.provinces", s.run.provinces, provinces, "province")
    check("run.partners", s.run.partners, partners, "partner country")
    in_run = set(s.run.provinces)
    run_partners = set(s.run.partners) or partners
    pol = s.policy
    for path, names in [
        ("policy.coordination.members", pol.coordination.members),
        ("policy.finance.joint_fund_provinces", pol.finance.joint_fund_provinces),
        ("policy.innovation.sharing_group", pol.innovation.sharing_group),
        ("policy.innovation.talent_provinces", pol.innovation.talent_provinces),
        ("policy.hinterland.provinces", pol.hinterland.provinces),
    ]:
        check(path, names, in_run, "province (not in run.provinces)")
    check("policy.trade.partners", pol.trade.partners, run_partners, "partner country")
    check("policy.innovation.key_sectors", pol.innovation.key_sectors, set(SECTORS), "sector")
    open_ids = set(platforms.loc[platforms["province"].isin(in_run), "platform"])
    check(
        "policy.coordination.designated_hubs.hubs",
        pol.coordination.designated_hubs.hubs,
        open_ids,
        "platform of a province in the run",
    )
    check(
        "policy.assembly_centres.hubs",
        pol.assembly_centres.hubs,
        open_ids,
        "platform of a province in the run",
    )
    corridors = set(data.CORRIDORS)
    for i, ev in enumerate(s.events):
        check(f"events[{i}].countries", ev.countries, run_partners, "partner country")
        if ev.corridor:
            check(f"events[{i}].corridor", [ev.corridor], corridors, "corridor")
        if ev.path:
            try:
                get_path(s, ev.path)
            except KeyError as err:
                problems.append(f"events[{i}].path: {err.args[0]}")
                continue
            fixed = next((x for x in CONSTRUCTION_ONLY if ev.path.startswith(x)), None)
            if ev.path.startswith("freight.sectors.") and not ev.path.endswith(".share"):
                fixed = None  # only a sector's share is fixed at construction
            if fixed:
                problems.append(
                    f"events[{i}].path: '{ev.path}' is read only when the model is built, so"
                    f" an event cannot switch it (fixed at construction: {fixed}*)"
                )
    return problems
