"""What policy decides, what is scheduled and what is varied: policies, events, sweeps.

:class:`Policy` holds the levers of the paper's countermeasures, :class:`Event` a
scheduled shock or policy switch, and :class:`SweepSettings` a sweep declared with the
scenario (read by ``sim sweep``, never by the model). The model's own parameters are in
:mod:`sim.scenario.sections`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.fields import ASSUMPTION, P, Section, Share
from sim.scenario.paths import parse_value


class SubsidyPolicy(Section):
    """National subsidy discipline (Section 4.4)."""

    national_cap: Share = P(
        1.0,
        "share of cost",
        "Cap on subsidy rates and on all public support of a platform (1 means no cap).",
    )
    basis: Literal["per_train", "per_container"] = P(
        "per_train", "", "What the subsidy pays for: trains run or loaded containers."
    )
    empty_slot_cap: Share = P(
        1.0, "share of slots", "Most empty slots allowed on a train (1 means no rule)."
    )


class JointCap(Section):
    """Lever 1: a joint cap on members' subsidy rates."""

    enabled: bool = P(False, "", "Cap members' subsidies jointly.")
    rate: Share = P(0.15, "share of cost", "The joint cap.")


class DesignatedHubs(Section):
    """Lever 2: designated hubs reached through consolidated feeders."""

    enabled: bool = P(False, "", "Designate hubs; other member platforms wind down.")
    hubs: list[str] = P([], "platform ids", "Designated platforms (ids from platforms.csv).")
    feeder_discount: Share = P(
        0.5, "share", "Cut in members' inland cost to a designated hub (consolidated feeders)."
    )
    target_rule: bool = P(
        False,
        "",
        "A lever of its own: the body sets designated hubs' train targets at target_markup"
        " (off: the owner's markup, as for any platform).",
    )
    target_markup: float = P(
        0.05,
        "share",
        "Train target the body sets on designated hubs when target_rule is on: trains beyond"
        " those cargo fills.",
        ge=0.0,
        le=5.0,
    )
    wind_down: int = P(
        4, "quarters", "Quarters before a non-designated member platform closes.", ge=1, le=400
    )


class Pooling(Section):
    """Lever 3: the platform economy pooled by freight origin."""

    enabled: bool = P(False, "", "Credit members with their own firms' freight on member hubs.")
    share: Share = P(1.0, "share", "Share of credit and subsidy allocated by freight origin.")


class CoordinationPolicy(Section):
    """The cross-regional coordination mechanism (Section 4.4)."""

    members: list[str] = P([], "names", "Member provinces of the coordination body.")
    joint_cap: JointCap = Field(default_factory=JointCap)
    designated_hubs: DesignatedHubs = Field(default_factory=DesignatedHubs)
    pooling: Pooling = Field(default_factory=Pooling)


class UnificationPolicy(Section):
    """Provincial unification: a province, or a group, runs its cities as one company.

    Each unit is a province name or provinces joined by ``+`` (``"Sichuan+Chongqing"``,
    as Chengdu and Chongqing in 2021). A unit's cities set one subsidy and train target,
    are scored by the unit's total, and keep only its busiest platforms on each corridor
    as hubs: the others stop being targeted or subsidised and cannot open anew.
    """

    units: list[str] = P(
        [], "province names", "Unified units: a province, or provinces joined by '+'."
    )
    hubs: int = P(
        1,
        "platforms per corridor",
        "Platforms per corridor a unified unit keeps as hubs (its busiest by smoothed cargo).",
        ge=1,
        le=100,
    )


class FinancePolicy(Section):
    """Financing rules for going abroad (Section 4.1)."""

    insurance_cover: Share = P(0.6, "share", "Export credit insurance cover of a loss.")
    overseas_collateral: Share = P(
        0.0, "share", "Share of overseas assets the lender accepts as collateral."
    )
    equal_terms: bool = P(
        False, "", "Private firms get state-owned firms' ratio, rate, lag and queue place."
    )
    state_priority: float = P(
        1.0,
        "per quarter",
        "Bonus to a state-owned firm's risk-adjusted margin in the lender's queue: 0 ranks"
        " by margin alone; the default (far above any margin) serves state firms first.",
        ge=0.0,
        le=1.0,
    )
    approval_lag: int = P(2, "quarters", "Approval time for state-owned firms.", ge=0, le=20)
    private_approval_lag: int = P(4, "quarters", "Approval time for private firms.", ge=0, le=20)
    joint_fund_share: Share = P(
        0.0, "share", "Share of project cost a joint S&T fund co-finances (Section 5.2)."
    )
    joint_fund_provinces: list[str] = P([], "names", "Provinces whose firms the fund serves.")


class TradePolicy(Section):
    """Cooperation with countries along the route (Section 4.3)."""

    partners: list[str] = P([], "names", "Partners with facilitated trade.")
    friction_reduction: Share = P(0.0, "share", "Cut in trade friction with those partners.")


class InnovationPolicy(Section):
    """Institutional reform, key fields, sharing and talent (Sections 4.2, 5.1, 5.2, 5.4)."""

    conversion_multiplier: float = P(
        1.0,
        "ratio",
        "Multiplier on research-stock conversion (military to civilian).",
        ge=0.0,
        le=20.0,
    )
    sharing_group: list[str] = P([], "names", "Provinces sharing innovation resources.")
    spillover: Share = P(
        0.0,
        "per quarter",
        "Share of the innovation gap to the group mean closed per quarter (with"
        " innovation.depreciation at most 1, or a stock above the mean overshoots below zero).",
    )
    key_fields: bool = P(False, "", "R&D centres abroad in strategic sectors (Section 5.1).")
    key_sectors: list[str] = P(
        ["electronics", "machinery", "automotive"],
        "sectors",
        "The strategic sectors of key S&T fields.",
    )
    key_fields_gain: Share = P(
        0.05, "share", "Extra productivity gain of a strategic-sector project that succeeds."
    )
    talent_provinces: list[str] = P([], "names", "Provinces with a talent inflow policy.")
    talent_inflow: float = P(
        0.0,
        "per quarter",
        "Talent added per quarter; talent accumulates, so its growth effect compounds"
        " (bounded over the run: see sim.scenario.rules).",
        ge=0.0,
        le=1.0,
    )


class HinterlandPolicy(Section):
    """Industrial hinterland along the western border (Section 5.3)."""

    provinces: list[str] = P([], "names", "Hinterland provinces whose firms get cheaper routes.")
    border_discount: Share = P(
        0.0, "share", "Cut in inland cost to border-province platforms for those firms."
    )


class AssemblyCentres(Section):
    """A national designation of assembly centres (hubs), without closing other platforms."""

    enabled: bool = P(False, "", "Designated assembly centres collect cargo through feeders.")
    hubs: list[str] = P([], "platform ids", "Assembly centres (ids from platforms.csv).")
    feeder_discount: Share = P(
        0.3,
        "share",
        "Cut in every province's inland cost to an assembly centre (consolidated feeders).",
    )


class Policy(Section):
    """The levers of the paper's countermeasures."""

    subsidy: SubsidyPolicy = Field(default_factory=SubsidyPolicy)
    coordination: CoordinationPolicy = Field(default_factory=CoordinationPolicy)
    unification: UnificationPolicy = Field(default_factory=UnificationPolicy)
    finance: FinancePolicy = Field(default_factory=FinancePolicy)
    trade: TradePolicy = Field(default_factory=TradePolicy)
    innovation: InnovationPolicy = Field(default_factory=InnovationPolicy)
    hinterland: HinterlandPolicy = Field(default_factory=HinterlandPolicy)
    assembly_centres: AssemblyCentres = Field(default_factory=AssemblyCentres)


EventKind = Literal["crisis", "route_closure", "demand_shock", "set"]


class Event(Section):
    """A scheduled shock or policy switch (mechanism 9)."""

    step: int = Field(ge=1, description="Step at which the event happens (within run.steps).")
    kind: EventKind = Field(description="crisis, route_closure, demand_shock or set.")
    countries: list[str] = Field(default_factory=list, description="Partners hit (crisis).")
    corridor: str = Field("", description="Corridor closed (route_closure).")
    duration: int = Field(4, ge=1, le=400, description="Quarters the shock lasts.")
    size: float = Field(0.2, ge=-1.0, le=10.0, description="Demand change (demand_shock).")
    path: str = Field("", description="Parameter path switched (set).")
    value: float | bool | str | list[str] | None = Field(None, description="New value (set).")

    @model_validator(mode="after")
    def _check_kind(self) -> Event:
        need = {"crisis": "countries", "route_closure": "corridor", "set": "path"}.get(self.kind)
        if need and not getattr(self, need):
            raise ValueError(f"a {self.kind} event needs '{need}'")
        if self.kind == "set" and self.value is None:
            raise ValueError("a set event needs 'value'")
        return self


SweepMethod = Literal["grid", "random", "lhs", "sobol", "morris", "design"]
RANGE_KEYS = ("low", "high", "values")


class SweepParam(Section):
    """One swept parameter: a range ``low``..``high``, or a list of ``values`` to take."""

    low: float | None = Field(None, description="Lower end of the range.")
    high: float | None = Field(None, description="Upper end of the range.")
    values: list[bool | int | float | str] | None = Field(
        None, description="The values to take, instead of a range."
    )

    @model_validator(mode="before")
    @classmethod
    def _numeric_bounds(cls, data: Any) -> Any:
        if isinstance(data, dict):
            bad = {
                k: data[k]
                for k in ("low", "high")
                if k in data and (isinstance(data[k], bool) or not isinstance(data[k], int | float))
            }
            if bad:
                got = ", ".join(f"{k}={v!r}" for k, v in bad.items())
                raise ValueError(f"range bounds must be numbers (got {got})")
        return data

    @model_validator(mode="after")
    def _range_or_values(self) -> SweepParam:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low and high, or values, not both")
            if not self.values:
                raise ValueError("empty list of values")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a range needs both low and high (or give values)")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"range bounds must be finite (got {self.low:g}:{self.high:g})")
        if self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        if self.low == self.high:
            raise ValueError(
                f"empty range {self.low:g}:{self.high:g}; to fix a value use --set, not a sweep"
            )
        return self


class SweepSettings(Section):
    """A sweep declared with the scenario: read by ``sim sweep``, never by the model."""

    method: SweepMethod = P(
        "grid", "", "Design: grid, random, lhs, sobol (Saltelli), morris, or design (a CSV)."
    )
    samples: int | None = P(
        None,
        "",
        "grid: levels per range; random, lhs: points; sobol: base sample N (a power of 2,"
        " N(D+2) points); morris: trajectories (N(D+1) points). Unset: a per-method default.",
        ge=1,
        le=1_000_000,
    )
    replications: int = P(1, "runs", "Replications of every design point.", ge=1, le=10_000)
    seed: int | None = P(
        None, "", "Base seed of the design and of every run's child seed (unset: sim's).", ge=0
    )
    design: str = P("", "path", "CSV of design points (method design): one column per path.")
    outcomes: list[str] = P([], "names", "Outcomes recorded per run; empty means all outcomes.")
    second_order: bool = P(False, "", "Sobol: also sample for second-order indices (2D+2).")
    levels: int = P(4, "levels", "Morris: number of grid levels p.", ge=2, le=100)
    params: dict[str, SweepParam] = Field(
        default_factory=dict,
        description="Swept parameters by dotted path: {low, high} ranges or lists of values.",
        json_schema_extra={"unit": "", "source": ASSUMPTION},
    )

    @field_validator("params", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Accept ``a.b = [..]`` (nested TOML tables), lists of values and ``"LO:HI"``."""
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}

        def walk(prefix: str, node: dict[str, Any]) -> None:
            for key, item in node.items():
                path = f"{prefix}{key}"
                if isinstance(item, dict) and item and not set(item) & set(RANGE_KEYS):
                    walk(f"{path}.", item)
                elif isinstance(item, list):
                    out[path] = {"values": item}
                elif isinstance(item, str) and ":" in item:
                    low, high = item.split(":", 1)
                    out[path] = {"low": parse_value(low.strip()), "high": parse_value(high.strip())}
                else:
                    out[path] = item

        walk("", value)
        return out

    @model_validator(mode="after")
    def _check_method(self) -> SweepSettings:
        if self.method == "design":
            if not self.design:
                raise ValueError("method 'design' needs a design CSV (sweep.design or --design)")
            if self.params:
                raise ValueError("with a design CSV, its columns are the parameters; drop params")
        elif self.design:
            raise ValueError(f"a design CSV is only read with method 'design', not {self.method!r}")
        n = self.samples
        if self.method == "sobol" and n is not None and n & (n - 1):
            raise ValueError(
                f"sobol samples must be a power of 2 (got {n}; try {1 << (n.bit_length() - 1)}"
                f" or {1 << n.bit_length()})"
            )
        if self.method == "grid" and n is not None and n < 2:
            raise ValueError(f"grid samples (levels per range) must be at least 2 (got {n})")
        return self
