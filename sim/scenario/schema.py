"""The scenario schema: the single source of every parameter's type, range, default and unit.

A scenario file is TOML. It may ``extends = "other.toml"`` (or a list of files, merged in
order) to inherit and override, and
the command line may override single values with ``--set path.to.key=value``. Everything
is validated here against one typed schema (pydantic), and every problem is reported as
a :class:`ScenarioError` that names the file, the key path and what is allowed.

Each field carries ``json_schema_extra`` with its ``unit`` and its ``source`` (a data
file, or ``assumption``), which ``sim params`` and the ODD parameter table print.
"""

from __future__ import annotations

import copy
import difflib
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ASSUMPTION = "assumption"
# Defaults fitted to the China-Europe Railway Express record (scenarios/calibrated.toml).
CALIBRATED = "calibrated: sim calibrate, 2026-11-30, fit in docs/ODD.md section 8"

# Sectors are fixed by name so that TOML can address them (``freight.sectors.electronics``).
SECTORS = ("electronics", "machinery", "automotive", "chemicals", "consumer_goods")


def P(default: Any, unit: str, description: str, *, source: str = ASSUMPTION, **bounds: Any):
    """Declare a parameter: default, unit, one-line description, source and bounds."""
    extra = {"unit": unit, "source": source}
    if isinstance(default, (list, dict)):
        return Field(
            default_factory=lambda: copy.deepcopy(default),
            description=description,
            json_schema_extra=extra,
            **bounds,
        )
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """A block of parameters: unknown keys fail, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
ByRiskClass = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=5, max_length=5)]


class RunSettings(Section):
    """What is simulated: horizon, population sizes and the sets of provinces and partners."""

    steps: int = P(40, "quarters", "Number of steps (one step is a quarter).", ge=1, le=400)
    enterprises: int = P(
        2000,
        "agents",
        "Number of enterprise agents (volumes and money do not scale with it; counts do).",
        ge=10,
    )
    start_year: int = P(2015, "year", "Calendar year of step 1, for labels only.", ge=1900)
    provinces: list[str] = P(
        [
            "Sichuan",
            "Chongqing",
            "Shaanxi",
            "Henan",
            "Hubei",
            "Hunan",
            "Anhui",
            "Xinjiang",
            "Gansu",
            "Yunnan",
            "Guangxi",
            "Guizhou",
            "Inner Mongolia",
            "Heilongjiang",
            "Zhejiang",
            "Jiangsu",
            "Shandong",
            "Guangdong",
        ],
        "names",
        "Provinces in the model (names from sim/data/provinces.csv).",
        source="sim/data/provinces.csv",
        min_length=2,
    )
    partners: list[str] = P(
        [],
        "names",
        "Partner countries in the model; empty means every country in sim/data/partners.csv.",
        source="sim/data/partners.csv",
    )


class PartnerSettings(Section):
    """Partner-country dynamics: exchange rates, crises, demand, trade friction."""

    fx_volatility: ByRiskClass = P(
        [0.015, 0.025, 0.04, 0.06, 0.09],
        "log per quarter",
        "Standard deviation of the quarterly log exchange-rate step, by risk class.",
    )
    crisis_hazard: ByRiskClass = P(
        [0.001, 0.004, 0.01, 0.02, 0.04],
        "per quarter",
        "Probability that a crisis starts in a quarter, by risk class.",
    )
    crisis_recovery: Share = P(
        0.15, "per quarter", "Probability that a crisis ends in a quarter (mean length 1/p)."
    )
    crisis_demand_cut: Share = P(0.3, "share", "Import demand lost while in crisis.")
    crisis_depreciation: float = P(
        0.25, "log", "Fall of the log exchange rate when a crisis starts.", ge=0.0, le=3.0
    )
    demand_growth: float = P(
        0.07651,
        "per year",
        "Mean trend growth of partners' import demand.",
        source=CALIBRATED,
        ge=-0.5,
        le=1.0,
    )
    demand_growth_spread: float = P(
        0.02, "per year", "Spread of country trends around the mean.", ge=0.0, le=0.5
    )
    demand_noise: float = P(
        0.02, "log per quarter", "Quarterly noise of import demand.", ge=0.0, le=1.0
    )
    fx_demand_elasticity: float = P(
        0.5, "elasticity", "Import demand response to the partner's real exchange rate.", ge=0.0
    )
    friction: ByRiskClass = P(
        [0.04, 0.07, 0.10, 0.14, 0.18],
        "cost mark-up",
        "Trade friction (customs, currency, barriers) as a mark-up on delivered cost.",
    )


class SectorSettings(Section):
    """One sector's shipping profile."""

    share: Share = P(0.2, "share", "Share of enterprises in the sector.")
    value_of_time: float = P(
        100.0,
        "USD per FEU-day",
        "Cost to the shipper of one day in transit.",
        source=CALIBRATED,
        ge=0.0,
    )
    rail_eligible: Share = P(
        0.1,
        "share",
        "Share of the sector's exports that is time-sensitive enough for rail.",
        source=CALIBRATED,
    )
    cargo_value: PositiveFloat = P(
        0.1, "USD mn per FEU", "Value of goods in one forty-foot container."
    )


def _default_sectors() -> dict[str, SectorSettings]:
    # share, value of time, rail-eligible share, cargo value; values of time and
    # rail-eligible shares calibrated (scenarios/calibrated.toml: 0.3098 and 0.3914 times
    # the reference values of sim.analysis.calibration)
    rows = {
        "electronics": (0.15, 123.9, 0.137, 0.40),
        "machinery": (0.25, 46.47, 0.05871, 0.15),
        "automotive": (0.10, 68.16, 0.07828, 0.20),
        "chemicals": (0.15, 18.59, 0.01566, 0.06),
        "consumer_goods": (0.35, 12.39, 0.01566, 0.05),
    }
    return {
        name: SectorSettings(share=s, value_of_time=v, rail_eligible=e, cargo_value=c)
        for name, (s, v, e, c) in rows.items()
    }


class FreightSettings(Section):
    """Platforms' costs, trains, the sea route and shippers' hub choice."""

    train_slots: int = P(
        41,
        "FEU per train",
        "Forty-foot container slots on a block train.",
        source="cr_express_facts.csv: train_capacity_feu",
        ge=1,
    )
    rail_cost: PositiveFloat = P(
        6000.0,
        "USD per FEU",
        "Unsubsidised rail cost to Western Europe at saturated frequency, full train.",
        source="cr_express_facts.csv: rail_cost_per_feu_usd_low (2018)",
    )
    density_premium: float = P(
        0.4788,
        "share",
        "Extra cost per train when running far below saturation frequency.",
        source=CALIBRATED,
        ge=0,
    )
    saturation_trains: PositiveFloat = P(
        90.0, "trains per quarter", "Frequency (about daily) beyond which density saves no more."
    )
    min_trains: float = P(
        3.076,
        "trains per quarter",
        "Scheduled service an open platform keeps (13: one train a week), loaded or not.",
        source=CALIBRATED,
        ge=0.0,
    )
    congestion: float = P(
        0.6262,
        "per unit overload",
        "Cost rise per squared unit of overload beyond capacity.",
        source=CALIBRATED,
        ge=0,
    )
    fixed_cost: float = P(
        15000.0,
        "USD per quarter per train of capacity",
        "Terminal fixed cost, proportional to capacity.",
        ge=0.0,
    )
    sea_cost: PositiveFloat = P(
        3000.0,
        "USD per FEU",
        "Sea freight from a Chinese port to Western Europe.",
        source="cr_express_facts.csv: sea_cost_per_feu_usd (2018)",
    )
    rail_days_factor: PositiveFloat = P(
        1.0,
        "ratio",
        "Rail transit days relative to the routes table (technology and border procedures).",
        source="cr_express_facts.csv: transit_days_rail 24 (2016) to 12 (2021); 1 = routes.csv",
        le=5.0,
    )
    inland_cost: float = P(
        1.2, "USD per FEU-km", "Inland haul from the province to a hub or port.", ge=0.0
    )
    route_factor: float = P(
        1.25, "ratio", "Route distance over great-circle distance for inland hauls.", ge=1.0
    )
    logit_scale: PositiveFloat = P(
        2131.0,
        "USD",
        "Generalized cost that changes utility by one unit (1/beta).",
        source=CALIBRATED,
    )
    loyalty: float = P(
        300.0, "USD per FEU", "Utility bonus for last step's route, in cost units.", ge=0.0
    )
    contract_length: float = P(
        13.07,
        "quarters",
        "Mean length of a shipping contract; 1/L re-choose each step.",
        source=CALIBRATED,
        ge=1.0,
    )
    price_smoothing: Share = P(
        0.5, "weight", "Weight of the newest volume in the smoothed volume used for prices."
    )
    export_elasticity: float = P(
        0.3337,
        "elasticity",
        "Response of export volume to generalized delivered cost.",
        source=CALIBRATED,
        ge=0.0,
    )
    total_exports: PositiveFloat = P(
        3_940_000.0,
        "FEU per quarter",
        "Exports of the modelled enterprises to the partners at step 1.",
        source=CALIBRATED,
    )
    initial_capacity: PositiveFloat = P(
        104.1,
        "trains per quarter",
        "Terminal capacity of a newly opened platform.",
        source=CALIBRATED,
    )
    expand_share: PositiveFloat = P(
        1.562,
        "share of capacity",
        "Capacity added by one expansion, relative to the current.",
        source=CALIBRATED,
    )
    capacity_lead_time: int = P(4, "quarters", "Time from ordering capacity to using it.", ge=0)
    expand_above: Share = P(0.85, "utilization", "Expand capacity when trains/capacity exceed it.")
    retire_below: Share = P(0.3, "utilization", "Retire capacity after sustained use below it.")
    retire_after: int = P(4, "quarters", "Quarters of low use before capacity retires.", ge=1)
    retire_share: Share = P(0.25, "share", "Share of capacity retired at a time.")
    close_below: PositiveFloat = P(
        10.0, "trains per quarter", "A platform whose capacity falls below this closes."
    )
    sectors: dict[str, SectorSettings] = Field(
        default_factory=_default_sectors,
        description="Sector profiles (value of time, rail eligibility, cargo value).",
        json_schema_extra={"unit": "", "source": ASSUMPTION},
    )

    @model_validator(mode="after")
    def _check_sectors(self) -> FreightSettings:
        if set(self.sectors) != set(SECTORS):
            missing = sorted(set(SECTORS) - set(self.sectors))
            extra = sorted(set(self.sectors) - set(SECTORS))
            raise ValueError(
                f"sectors must be exactly {', '.join(SECTORS)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        total = sum(s.share for s in self.sectors.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sector shares must sum to 1, got {total:.4f}")
        return self


class StrategySettings(Section):
    """Provinces' objective and learning rule (the uncoordinated race of Section 4.4)."""

    rank_weight: float = P(
        933.1,
        "USD mn per quarter per unit share",
        "Value to a province of its share of national trains run (the tournament).",
        source=CALIBRATED,
        ge=0.0,
    )
    volume_value: float = P(
        150.0,
        "USD per FEU",
        "Local value credited per container through the province's platforms.",
        ge=0.0,
    )
    train_value: float = P(
        7852.0,
        "USD per train",
        "Political value of a train run (train-count targets).",
        source=CALIBRATED,
        ge=0.0,
    )
    fiscal_weight: Share = P(
        0.5, "weight", "Share of fiscal cost a province feels (transfers, soft budget)."
    )
    initial_subsidy: Share = P(0.3, "share of cost", "Subsidy rate of every platform at start.")
    initial_markup: float = P(
        0.3,
        "share",
        "Train target at start, as trains beyond those the cargo fills (0.3: 77% loaded).",
        ge=0.0,
        le=5.0,
    )
    subsidy_step: Share = P(
        0.03826, "share of cost", "Size of a hill-climbing move in subsidy.", source=CALIBRATED
    )
    markup_step: Share = P(0.05, "share", "Size of a hill-climbing move in the train target.")
    max_markup: float = P(2.0, "share", "Highest train target markup a province sets.", ge=0.0)
    learning_noise: float = P(
        0.01, "share of cost", "Noise added to each subsidy move.", ge=0.0, le=0.5
    )
    max_subsidy: Share = P(0.8, "share of cost", "Ceiling no province goes beyond.")
    imitation: Share = P(
        0.122,
        "per quarter",
        "Probability of imitating the fastest-growing province's subsidy.",
        source=CALIBRATED,
    )
    imitation_rate: Share = P(0.5, "share", "How far an imitation moves toward the model.")
    close_after: int = P(
        4, "quarters", "A province closes a platform whose value is negative this long.", ge=1
    )
    entry: Share = P(
        0.01956,
        "per quarter",
        "Probability of opening a platform on a corridor no other province uses yet.",
        source=CALIBRATED,
    )
    herding: Share = P(
        0.1057,
        "per quarter",
        "Opening probability per unit share of other provinces already on a corridor.",
        source=CALIBRATED,
    )


class FinanceSettings(Section):
    """Enterprises going abroad, the lender and the insurer (Section 4.1)."""

    go_abroad_rate: Share = P(
        0.02, "per quarter", "Probability an average-productivity firm seeks a project loan."
    )
    project_size: PositiveFloat = P(
        2.0, "quarters of revenue", "Cost of a project abroad relative to export revenue."
    )
    equity_share: Share = P(0.3, "share", "Share of project cost paid from the firm's own cash.")
    collateral: PositiveFloat = P(2.0, "quarters of revenue", "Mean domestic collateral of a firm.")
    initial_cash: PositiveFloat = P(0.8, "quarters of revenue", "Mean cash of a firm at entry.")
    state_share: Share = P(0.3, "share", "Share of state-owned enterprises.")
    collateral_ratio: PositiveFloat = P(
        1.0, "ratio", "Collateral the lender requires per unit of loan (state-owned firms)."
    )
    private_collateral_ratio: PositiveFloat = P(
        1.5, "ratio", "Collateral required of private firms without equal terms."
    )
    risk_appetite: Share = P(
        0.02, "per quarter", "Highest expected loss rate (after insurance) the lender accepts."
    )
    loss_given_default: Share = P(
        0.6,
        "share",
        "Loss share at default when collateral covers the rest; more when it falls short.",
    )
    project_default: ByRiskClass = P(
        [0.002, 0.004, 0.008, 0.015, 0.03],
        "per quarter",
        "Project failure probability by partner risk class.",
    )
    crisis_default_multiplier: float = P(
        6.0, "ratio", "Failure probability multiplier while the partner is in crisis.", ge=1.0
    )
    lender_capacity: Share = P(
        0.02, "share of revenue", "Lending per quarter as share of firms' export revenue."
    )
    interest_rate: Share = P(0.012, "per quarter", "Loan rate for state-owned firms.")
    private_spread: Share = P(0.006, "per quarter", "Extra rate for private firms.")
    project_return: Share = P(
        0.045, "per quarter", "Project return on cost, in the partner's currency."
    )
    project_length: int = P(
        12, "quarters", "Life of a project; the loan is repaid at its end.", ge=1
    )
    productivity_gain: Share = P(
        0.05, "share", "Productivity gain of a firm whose project succeeds (Section 3.2)."
    )
    overseas_asset_share: Share = P(
        0.5, "share", "Share of a completed project's cost kept as overseas assets."
    )
    export_margin: Share = P(0.04, "share", "Profit margin on export revenue.")
    profit_noise: float = P(
        0.05, "share of revenue", "Standard deviation of quarterly profit.", ge=0.0, le=1.0
    )
    cash_ceiling: PositiveFloat = P(
        3.0, "quarters of revenue", "Cash a firm keeps; it pays the rest out to its owners."
    )
    size_dispersion: float = P(
        1.0, "log s.d.", "Dispersion of firm size (lognormal) at entry.", ge=0.0, le=3.0
    )
    productivity_dispersion: float = P(
        0.4, "log s.d.", "Dispersion of base productivity (lognormal, mean 1).", ge=0.0, le=3.0
    )
    balance_dispersion: float = P(
        0.5, "log s.d.", "Dispersion of entrants' cash and collateral (lognormal).", ge=0.0, le=3.0
    )
    premium: Share = P(
        0.003, "per quarter", "Insurance premium on the insured amount (cover times loan)."
    )
    receivables_constraint: Share = P(
        0.25,
        "share",
        "Export loss of a constrained firm to the riskiest partner with no insurance cover.",
    )


class InnovationSettings(Section):
    """Provinces' innovation stock and its link to enterprise productivity (4.2, 5.x)."""

    rd_effect: float = P(
        0.006, "per quarter per % R&D intensity", "Innovation growth from R&D.", ge=0.0
    )
    talent_effect: float = P(0.01, "per quarter per unit talent", "Growth from talent.", ge=0.0)
    conversion: float = P(
        0.002, "per quarter", "Conversion of research stock into innovation.", ge=0.0
    )
    depreciation: Share = P(0.01, "per quarter", "Depreciation of the innovation stock.")
    productivity_elasticity: float = P(
        0.5, "elasticity", "Enterprise productivity response to the province's stock.", ge=0.0
    )


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
    target_markup: float = P(
        0.05,
        "share",
        "Train target the body sets on designated hubs: trains beyond those cargo fills.",
        ge=0.0,
        le=5.0,
    )
    wind_down: int = P(
        4, "quarters", "Quarters before a non-designated member platform closes.", ge=1
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


class FinancePolicy(Section):
    """Financing rules for going abroad (Section 4.1)."""

    insurance_cover: Share = P(0.6, "share", "Export credit insurance cover of a loss.")
    overseas_collateral: Share = P(
        0.0, "share", "Share of overseas assets the lender accepts as collateral."
    )
    equal_terms: bool = P(False, "", "Private firms get state-owned firms' ratio, rate and lag.")
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
        1.0, "ratio", "Multiplier on research-stock conversion (military to civilian).", ge=0.0
    )
    sharing_group: list[str] = P([], "names", "Provinces sharing innovation resources.")
    spillover: Share = P(
        0.0, "per quarter", "Share of the innovation gap to the group mean closed per quarter."
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
    talent_inflow: float = P(0.0, "per quarter", "Talent added per quarter.", ge=0.0)


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
    finance: FinancePolicy = Field(default_factory=FinancePolicy)
    trade: TradePolicy = Field(default_factory=TradePolicy)
    innovation: InnovationPolicy = Field(default_factory=InnovationPolicy)
    hinterland: HinterlandPolicy = Field(default_factory=HinterlandPolicy)
    assembly_centres: AssemblyCentres = Field(default_factory=AssemblyCentres)


EventKind = Literal["crisis", "route_closure", "demand_shock", "set"]


class Event(Section):
    """A scheduled shock or policy switch (mechanism 9)."""

    step: int = Field(ge=1, description="Step at which the event happens.")
    kind: EventKind = Field(description="crisis, route_closure, demand_shock or set.")
    countries: list[str] = Field(default_factory=list, description="Partners hit (crisis).")
    corridor: str = Field("", description="Corridor closed (route_closure).")
    duration: int = Field(4, ge=1, description="Quarters the shock lasts.")
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
    )
    replications: int = P(1, "runs", "Replications of every design point.", ge=1)
    seed: int | None = P(
        None, "", "Base seed of the design and of every run's child seed (unset: sim's).", ge=0
    )
    design: str = P("", "path", "CSV of design points (method design): one column per path.")
    outcomes: list[str] = P([], "names", "Outcomes recorded per run; empty means all outcomes.")
    second_order: bool = P(False, "", "Sobol: also sample for second-order indices (2D+2).")
    levels: int = P(4, "levels", "Morris: number of grid levels p.", ge=2)
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
        from sim.scenario.parameters import check_sweep  # it imports this module

        problems = check_sweep(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _check_names(self) -> Scenario:
        from sim import data

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
                tip = _closest(name, sorted(known))
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


# ---------------------------------------------------------------------------------------
# Loading, extends, overrides and error messages


class ScenarioError(Exception):
    """A scenario that cannot be used, with a message meant for the user."""


def _closest(name: str, candidates: list[str]) -> str:
    hint = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    return f" Did you mean '{hint[0]}'?" if hint else ""


def _read_toml(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Read one TOML file and everything it extends, merged (child wins)."""
    if not path.is_file():
        via = f" (extended by {chain[-1]})" if chain else ""
        raise ScenarioError(f"{path}: scenario file not found{via}")
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{path}: cyclic 'extends': {cycle}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: malformed TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read: {err}") from None
    parents = raw.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(x, str) for x in parents):
        raise ScenarioError(f"{path}: 'extends' must be a file name or a list of file names")
    merged: dict[str, Any] = {}
    for name in parents:  # later parents override earlier ones, the file itself overrides all
        merged = deep_merge(merged, _read_toml((path.parent / name).resolve(), (*chain, path)))
    return deep_merge(merged, raw)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables merge, other values replace."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_value(text: str) -> Any:
    """Parse a command-line value as TOML (numbers, booleans, lists), else keep the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _schema_at(path: list[str]) -> type[BaseModel] | None:
    """The pydantic model that holds the keys at ``path``, if any."""
    model: Any = Scenario
    for depth, key in enumerate(path):
        if depth and path[depth - 1] == "sectors" and model == "sectors":
            model = SectorSettings if key in SECTORS else None
            continue
        if model is None or not isinstance(model, type) or not issubclass(model, BaseModel):
            return None
        field = model.model_fields.get(key)
        if field is None:
            return None
        if model is FreightSettings and key == "sectors":
            model = "sectors"  # a table keyed by sector name
            continue
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return None if model == "sectors" else model


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, checking each key against the schema."""
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys):
        model = _schema_at(keys[:depth])
        if key == "sectors" or (depth and keys[depth - 1] == "sectors"):
            allowed = list(SECTORS) if keys[depth - 1 : depth] == ["sectors"] else None
        else:
            allowed = _field_names(model) if model is not None else None
        if allowed is not None and key not in allowed:
            where = ".".join(keys[:depth]) or "the top level"
            raise ScenarioError(
                f"--set {path}: unknown key '{key}' in {where}.{_closest(key, allowed)}"
                f" Allowed: {', '.join(allowed)}"
            )
        if depth == len(keys) - 1:
            node[key] = value
        else:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt


def get_path(obj: Any, path: str) -> Any:
    """Read ``a.b.c`` from a scenario (attributes) or dict; KeyError names the bad key."""
    node = obj
    for key in path.split("."):
        if isinstance(node, dict):
            if key not in node:
                raise KeyError(f"unknown key '{key}' in '{path}'{_closest(key, list(node))}")
            node = node[key]
        elif isinstance(node, BaseModel):
            if key not in type(node).model_fields:
                names = _field_names(type(node))
                raise KeyError(f"unknown key '{key}' in '{path}'.{_closest(key, names)}")
            node = getattr(node, key)
        else:
            raise KeyError(f"'{path}' goes below a value at '{key}'")
    return node


def assign_path(s: Scenario, path: str, value: Any) -> None:
    """Assign a validated value at ``a.b.c`` of a live scenario (used by 'set' events)."""
    *head, last = path.split(".")
    parent = get_path(s, ".".join(head)) if head else s
    if isinstance(parent, dict):
        parent[last] = value
    else:
        setattr(parent, last, value)


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(p for p in err["loc"] if not str(p).startswith("function-after"))
    path = _format_loc(loc)
    if err["type"] == "extra_forbidden":
        model = _schema_at([str(p) for p in loc[:-1] if not isinstance(p, int)])
        allowed = _field_names(model) if model is not None else []
        if loc[:1] == ("events",):
            allowed = _field_names(Event)
        key = str(loc[-1])
        tip = _closest(key, allowed)
        listing = f" Allowed: {', '.join(allowed)}." if allowed else ""
        return f"{path}: unknown key.{tip}{listing}"
    value = err.get("input")
    shown = f" (got {value!r})" if not isinstance(value, dict) and value is not None else ""
    msg = err["msg"].removeprefix("Value error, ")
    if not loc:  # whole-scenario checks: each line already names its key path
        return msg
    return f"{path}: {msg}{shown}"


def validate(data: dict[str, Any], *, origin: str = "scenario") -> Scenario:
    """Validate a merged scenario dict, turning pydantic errors into one clear message."""
    sectors = {n: v.model_dump() for n, v in _default_sectors().items()}
    data = deep_merge({"freight": {"sectors": sectors}}, data)  # a sector table may be partial
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        lines = [
            line for e in err.errors(include_url=False) for line in _format_error(e).split("\n")
        ]
        raise ScenarioError(f"{origin}: invalid scenario\n  " + "\n  ".join(lines)) from None


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load, merge (extends), override (``--set``) and validate a scenario file."""
    path = Path(path)
    data = _read_toml(path.resolve(), ())
    for item in overrides or []:
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected PATH=VALUE, e.g. policy.subsidy.basis=...")
        key, text = item.split("=", 1)
        set_path(data, key.strip(), parse_value(text.strip()))
    data.setdefault("name", path.stem)
    return validate(data, origin=str(path))


def dump_scenario(s: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain data (TOML-compatible: no None)."""
    return s.model_dump(mode="json", exclude_none=True)
