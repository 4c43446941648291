"""The model's parameters: one section per part of the model (Sections 4 and 7 of the ODD).

Each field is declared with :func:`~sim.scenario.fields.P`: its type, default, bounds, unit
(``json_schema_extra["unit"]``) and source (a data file, ``assumption``, or
:data:`~sim.scenario.fitted.CALIBRATED` when ``sim calibrate`` fitted it, in which case
the default is read from ``sim/data/calibrated.toml`` by :func:`~sim.scenario.fitted.fitted`).
``sim params`` and the ODD parameter table print them.

Over 400 lines: these are declarations only (one field per parameter, no logic), kept in
one module so that every parameter of the model is found in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.fields import (
    ASSUMPTION,
    SECTORS,
    ByRiskClass,
    P,
    PositiveFloat,
    Section,
    Share,
    by_risk_class,
)
from sim.scenario.fitted import CALIBRATED, fitted

# Largest population of enterprise agents (see RunSettings.enterprises).
MAX_ENTERPRISES = 1_000_000


class RunSettings(Section):
    """What is simulated: horizon, population sizes and the sets of provinces and partners."""

    steps: int = P(40, "quarters", "Number of steps (one step is a quarter).", ge=1, le=400)
    enterprises: int = P(
        2000,
        "agents",
        "Number of enterprise agents (volumes and money do not scale with it; counts do)."
        " At most a million: every enterprise is held in memory and visited each step, so"
        " a run's memory and time grow with it (a million is about 1 GB and minutes a step).",
        ge=10,
        le=MAX_ENTERPRISES,
    )
    start_year: int = P(
        2015,
        "year",
        "Calendar year of step 1: labels, and the year of China's exports that weighs"
        " destinations when partners.destinations = 'exports'.",
        ge=1900,
        le=2100,
    )
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
    platform_layer: Literal["province_hubs", "cities"] = P(
        "cities",
        "choice",
        "Which potential platforms exist: every origin city that ran trains by 2021"
        " (sim/data/city_platforms.csv, the layer the defaults are calibrated on) or one hub"
        " city per province (sim/data/platforms.csv, the first version's layer; not"
        " calibrated since the defaults were fitted on cities).",
        source="sim/data/platforms.csv, sim/data/city_platforms.csv",
    )


class PartnerSettings(Section):
    """Partner-country dynamics: exchange rates, crises, demand, trade friction."""

    fx_volatility: by_risk_class(0.25) = P(
        [0.015, 0.025, 0.04, 0.06, 0.09],
        "log per quarter",
        "Standard deviation of the quarterly log exchange-rate step, by risk class"
        " (at most 0.25: a random walk of 400 such steps moves demand by e^15 already).",
    )
    crisis_hazard: ByRiskClass = P(
        [0.001, 0.004, 0.01, 0.02, 0.04],
        "per quarter",
        "Probability that a crisis starts in a quarter, by risk class (each in [0, 1]).",
    )
    crisis_recovery: Share = P(
        0.15, "per quarter", "Probability that a crisis ends in a quarter (mean length 1/p)."
    )
    crisis_demand_cut: Share = P(0.3, "share", "Import demand lost while in crisis.")
    crisis_depreciation: float = P(
        0.25, "log", "Fall of the log exchange rate when a crisis starts.", ge=0.0, le=3.0
    )
    demand_growth: float = P(
        fitted("partners.demand_growth"),
        "per year",
        "Mean trend growth of partners' import demand (its compound growth over the run"
        " is bounded: see sim.scenario.rules).",
        source=CALIBRATED,
        ge=-0.5,
        le=1.0,
    )
    demand_growth_spread: float = P(
        0.02, "per year", "Spread of country trends around the mean.", ge=0.0, le=0.2
    )
    demand_noise: float = P(
        0.02, "log per quarter", "Quarterly noise of import demand.", ge=0.0, le=0.25
    )
    fx_demand_elasticity: float = P(
        0.5,
        "elasticity",
        "Import demand response to the partner's real exchange rate (empirically below 3).",
        ge=0.0,
        le=3.0,
    )
    destinations: Literal["uniform", "exports"] = P(
        "exports",
        "choice",
        "How an enterprise's destination country is drawn: uniformly over the modelled"
        " partners, or in proportion to China's exports to each in run.start_year"
        " (nearest year of sim/data/partner_exports.csv, 2015-2021; partly assumption:"
        " found figures carry 36% of 2020's value).",
        source="sim/data/partner_exports.csv",
    )
    inbound_ratio: float = P(
        fitted("partners.inbound_ratio"),
        "FEU per FEU",
        "Return cargo: containers the partners ship to China per container China ships to"
        " them (each province's cell in proportion to its exports there), choosing a Chinese"
        " hub or the sea by the same nested logit; 0: trains run outbound only.",
        source=CALIBRATED,
        ge=0.0,
        le=10.0,
    )
    friction: by_risk_class(3.0) = P(
        [0.04, 0.07, 0.10, 0.14, 0.18],
        "cost mark-up",
        "Trade friction (customs, currency, barriers) as a mark-up on delivered cost"
        " (at most 3: four times the delivered cost).",
    )


class SectorSettings(Section):
    """One sector's shipping profile."""

    share: Share = P(0.2, "share", "Share of enterprises in the sector.")
    value_of_time: float = P(
        100.0,
        "USD per FEU-day",
        "Cost to the shipper of one day in transit (at most USD 100,000: 1% a day of the"
        " most valuable cargo allowed).",
        source=CALIBRATED,
        ge=0.0,
        le=1e5,
    )
    rail_eligible: Share = P(
        0.1,
        "share",
        "Share of the sector's exports that is time-sensitive enough for rail.",
        source=CALIBRATED,
    )
    cargo_value: float = P(
        0.1,
        "USD mn per FEU",
        "Value of goods in one forty-foot container (at most USD 10 mn).",
        ge=0.001,
        le=10.0,
    )


def default_sectors() -> dict[str, SectorSettings]:
    """The sector table's defaults: assumed shares and cargo values, calibrated the rest."""
    # share and cargo value; the values of time and rail-eligible shares are calibrated
    # (sim/data/calibrated.toml: 0.3098 and 0.3914 times the reference values of
    # sim.analysis.calibration.search)
    rows = {
        "electronics": (0.15, 0.40),
        "machinery": (0.25, 0.15),
        "automotive": (0.10, 0.20),
        "chemicals": (0.15, 0.06),
        "consumer_goods": (0.35, 0.05),
    }
    return {
        name: SectorSettings(
            share=s,
            value_of_time=fitted(f"freight.sectors.{name}.value_of_time"),
            rail_eligible=fitted(f"freight.sectors.{name}.rail_eligible"),
            cargo_value=c,
        )
        for name, (s, c) in rows.items()
    }


class FreightSettings(Section):
    """Platforms' costs, trains, the sea route and shippers' hub choice."""

    train_slots: int = P(
        41,
        "FEU per train",
        "Forty-foot container slots on a block train.",
        source="cr_express_facts.csv: train_capacity_feu",
        ge=1,
        le=200,
    )
    rail_cost: float = P(
        6000.0,
        "USD per FEU",
        "Unsubsidised rail cost to Western Europe at saturated frequency, full train.",
        source="cr_express_facts.csv: rail_cost_per_feu_usd_low (2018)",
        ge=1.0,
        le=1e5,
    )
    density_premium: float = P(
        fitted("freight.density_premium"),
        "share",
        "Extra cost per train when running far below saturation frequency.",
        source=CALIBRATED,
        ge=0,
        le=10.0,
    )
    saturation_trains: float = P(
        90.0,
        "trains per quarter",
        "Frequency (about daily) beyond which density saves no more.",
        ge=1.0,
        le=1e4,
    )
    min_trains: float = P(
        fitted("freight.min_trains"),
        "trains per quarter",
        "Scheduled service an open platform keeps (13: one train a week), loaded or not.",
        source=CALIBRATED,
        ge=0.0,
        le=1e3,
    )
    congestion: float = P(
        fitted("freight.congestion"),
        "per unit overload",
        "Cost rise per squared unit of overload beyond capacity.",
        source=CALIBRATED,
        ge=0,
        le=10.0,
    )
    fixed_cost: float = P(
        15000.0,
        "USD per quarter per train of capacity",
        "Terminal fixed cost, proportional to capacity.",
        ge=0.0,
        le=1e6,
    )
    sea_cost: float = P(
        3000.0,
        "USD per FEU",
        "Sea freight from a Chinese port to Western Europe.",
        source="cr_express_facts.csv: sea_cost_per_feu_usd (2018)",
        ge=1.0,
        le=1e5,
    )
    rail_days_factor: PositiveFloat = P(
        1.0,
        "ratio",
        "Rail transit days relative to the routes table (technology and border procedures).",
        source="cr_express_facts.csv: transit_days_rail 24 (2016) to 12 (2021); 1 = routes.csv",
        le=5.0,
    )
    domestic_rail_cost: float = P(
        0.0,
        "USD per FEU-km",
        "Rail tariff of the Chinese leg from a hub to its border crossing, beyond the leg of"
        " the corridor's best-placed hub (which the routes table describes); 0 ignores where"
        " a hub lies on its corridor.",
        ge=0.0,
        le=10.0,
    )
    domestic_rail_days: float = P(
        0.0,
        "days per 1,000 km",
        "Transit days of that extra Chinese leg, valued at the sector's value of time.",
        ge=0.0,
        le=10.0,
    )
    crossing_choice: Literal["listed", "logit"] = P(
        "logit",
        "choice",
        "How a platform's trains split across its corridor's border crossings: all through"
        " the crossing listed for it (sim/data/city_platforms.csv), or by logit over the"
        " generalized cost of the Chinese leg, the leg beyond the border to where the"
        " corridor's routes rejoin (crossings.csv onward_km) and the congestion delay"
        " (ODD 7.13).",
    )
    crossing_km_cost: float = P(
        fitted("freight.crossing_km_cost"),
        "USD per FEU-km",
        "Cost of a route km in the crossing choice (rail haul and time together).",
        source=CALIBRATED,
        ge=0.0,
        le=10.0,
    )
    crossing_scale: float = P(
        fitted("freight.crossing_scale"),
        "USD per FEU",
        "Logit scale of the crossing choice: how much a cost difference between two"
        " crossings moves trains (larger: a more even split).",
        source=CALIBRATED,
        ge=1.0,
        le=1e5,
    )
    crossing_capacity: float = P(
        fitted("freight.crossing_capacity"),
        "trains per quarter",
        "Trains a border crossing clears in a quarter before it congests (the same for"
        " every crossing; Alashankou cleared over 5,000 trains in 2020).",
        source=CALIBRATED,
        ge=1.0,
        le=1e6,
    )
    crossing_congestion: float = P(
        fitted("freight.crossing_congestion"),
        "days",
        "Delay at a border crossing run at twice its capacity (delay ="
        " crossing_congestion * overload**2, overload = max(0, trains / capacity - 1), from"
        " last quarter's trains); valued at the sector's value of time; 0: no congestion.",
        source=CALIBRATED,
        ge=0.0,
        le=100.0,
    )
    return_target: Share = P(
        0.0,
        "share of outbound trains",
        "Trains a platform runs back to China whatever its return cargo, as a share of the"
        " trains it ran out (0: return trains run only for return cargo).",
    )
    inland_cost: float = P(
        1.2, "USD per FEU-km", "Inland haul from the province to a hub or port.", ge=0.0, le=100.0
    )
    route_factor: float = P(
        1.25,
        "ratio",
        "Route distance over great-circle distance for inland hauls.",
        ge=1.0,
        le=5.0,
    )
    logit_scale: float = P(
        fitted("freight.logit_scale"),
        "USD",
        "Generalized cost that changes utility by one unit (1/beta); at least USD 1, below"
        " which utilities of costs in the thousands overflow, and small enough that"
        " delivered prices stay positive (see sim.scenario.rules).",
        source=CALIBRATED,
        ge=1.0,
        le=1e5,
    )
    nest_scale: float = P(
        fitted("freight.nest_scale"),
        "dissimilarity",
        "Nested logit: how alike shippers find the rail hubs (lambda in (0, 1]; 1 is the"
        " plain logit, smaller values make rail hubs closer substitutes of each other"
        " than of the sea, so a new hub takes cargo mostly from other hubs).",
        source=CALIBRATED,
        ge=0.01,
        le=1.0,
    )
    wait_weight: float = P(
        fitted("freight.wait_weight"),
        "weight",
        "Weight of the expected wait for the next departure (half the headway between a"
        " hub's trains, the Mohring effect) valued at the sector's value of time; 1 values"
        " a waiting day as a day in transit, 0 ignores frequency.",
        source=CALIBRATED,
        ge=0.0,
        le=10.0,
    )
    wait_by: Literal["platform", "destination"] = P(
        "platform",
        "choice",
        "Which frequency sets the wait for a departure: all the trains a hub ran last"
        " quarter (platform), or only its trains to the cargo's destination region, its"
        " trains in proportion to last quarter's cargo bound there (destination: the"
        " Mohring effect of each origin-destination service, so a hub with few trains to a"
        " region offers a rare service there; ODD 7.13).",
    )
    loyalty: float = P(
        300.0,
        "USD per FEU",
        "Utility bonus for last step's route, in cost units.",
        ge=0.0,
        le=1e5,
    )
    contract_length: float = P(
        fitted("freight.contract_length"),
        "quarters",
        "Mean length of a shipping contract; 1/L re-choose each step.",
        source=CALIBRATED,
        ge=1.0,
        le=400.0,
    )
    price_smoothing: Share = P(
        0.5, "weight", "Weight of the newest volume in the smoothed volume used for prices."
    )
    export_elasticity: float = P(
        fitted("freight.export_elasticity"),
        "elasticity",
        "Response of export volume to generalized delivered cost.",
        source=CALIBRATED,
        ge=0.0,
        le=10.0,
    )
    total_exports: float = P(
        fitted("freight.total_exports"),
        "FEU per quarter",
        "Exports of the modelled enterprises to the partners at step 1 (at most 100 mn,"
        " four times the world's container trade).",
        source=CALIBRATED,
        ge=1.0,
        le=1e8,
    )
    initial_capacity: float = P(
        fitted("freight.initial_capacity"),
        "trains per quarter",
        "Terminal capacity of a newly opened platform.",
        source=CALIBRATED,
        ge=1.0,
        le=1e4,
    )
    head_start: float = P(
        0.0,
        "growth a year",
        "Head start of the platforms open at the start: their terminal capacity and cargo"
        " base (the smoothed volume price and train target start from) are shared out in"
        " proportion to (1 + head_start) ^ the years their city ran trains before"
        " run.start_year (cities.csv first_train_year; city layer only), with the same"
        " total as without: as if each had grown at this rate since its first train (the"
        " record's trains grew 109% and 116% a year in 2016 and 2017). 0, the default,"
        " starts every open platform alike; not fitted (ODD 7.13).",
        source=ASSUMPTION,
        ge=0.0,
        le=5.0,
    )
    expand_share: float = P(
        fitted("freight.expand_share"),
        "share of capacity",
        "Capacity added by one expansion, relative to the current.",
        source=CALIBRATED,
        ge=0.01,
        le=10.0,
    )
    capacity_lead_time: int = P(
        4, "quarters", "Time from ordering capacity to using it.", ge=0, le=40
    )
    expand_above: Share = P(0.85, "utilization", "Expand capacity when trains/capacity exceed it.")
    retire_below: Share = P(0.3, "utilization", "Retire capacity after sustained use below it.")
    retire_after: int = P(
        4, "quarters", "Quarters of low use before capacity retires.", ge=1, le=400
    )
    retire_share: Share = P(0.25, "share", "Share of capacity retired at a time.")
    close_below: float = P(
        10.0,
        "trains per quarter",
        "A platform whose capacity falls below this closes.",
        ge=0.01,
        le=1e4,
    )
    sectors: dict[str, SectorSettings] = Field(
        default_factory=default_sectors,
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

    credited_for: Literal["trains", "loaded_trains"] = P(
        "trains",
        "choice",
        "What a government is politically credited for, in standing and the train term:"
        " trains run (the record's train-count targets) or loaded train-equivalents;"
        " separate from how the subsidy is paid.",
    )

    rank_weight: float = P(
        fitted("strategy.rank_weight"),
        "USD mn per quarter per unit share",
        "Value to a province of its share of national trains run (the tournament).",
        source=CALIBRATED,
        ge=0.0,
        le=1e5,
    )
    volume_value: float = P(
        150.0,
        "USD per FEU",
        "Local value credited per container through the province's platforms.",
        ge=0.0,
        le=1e5,
    )
    train_value: float = P(
        fitted("strategy.train_value"),
        "USD per train",
        "Political value of a train run (train-count targets).",
        source=CALIBRATED,
        ge=0.0,
        le=1e7,
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
        fitted("strategy.subsidy_step"),
        "share of cost",
        "Size of a hill-climbing move in subsidy.",
        source=CALIBRATED,
    )
    markup_step: Share = P(0.05, "share", "Size of a hill-climbing move in the train target.")
    max_markup: float = P(
        2.0, "share", "Highest train target markup a province sets.", ge=0.0, le=5.0
    )
    learning_noise: float = P(
        0.01, "share of cost", "Noise added to each subsidy move.", ge=0.0, le=0.5
    )
    max_subsidy: Share = P(0.8, "share of cost", "Ceiling no province goes beyond.")
    imitation: Share = P(
        fitted("strategy.imitation"),
        "per quarter",
        "Probability of imitating the fastest-growing province's subsidy.",
        source=CALIBRATED,
    )
    imitation_rate: Share = P(0.5, "share", "How far an imitation moves toward the model.")
    close_after: int = P(
        4,
        "quarters",
        "A province closes a platform whose value is negative this long.",
        ge=1,
        le=400,
    )
    entry: Share = P(
        fitted("strategy.entry"),
        "per quarter",
        "Probability of opening a platform on a corridor no other province uses yet.",
        source=CALIBRATED,
    )
    herding: Share = P(
        fitted("strategy.herding"),
        "per quarter",
        "Opening probability per unit share of other provinces already on a corridor.",
        source=CALIBRATED,
    )


class FinanceSettings(Section):
    """Enterprises going abroad, the lender and the insurer (Section 4.1)."""

    go_abroad_rate: Share = P(
        0.02, "per quarter", "Probability an average-productivity firm seeks a project loan."
    )
    project_size: float = P(
        2.0,
        "quarters of revenue",
        "Cost of a project abroad relative to export revenue.",
        ge=0.01,
        le=100.0,
    )
    equity_share: Share = P(0.3, "share", "Share of project cost paid from the firm's own cash.")
    collateral: float = P(
        2.0, "quarters of revenue", "Mean domestic collateral of a firm.", ge=0.01, le=100.0
    )
    initial_cash: float = P(
        0.8, "quarters of revenue", "Mean cash of a firm at entry.", ge=0.01, le=100.0
    )
    state_share: Share = P(0.3, "share", "Share of state-owned enterprises.")
    collateral_ratio: float = P(
        1.0,
        "ratio",
        "Collateral the lender requires per unit of loan (state-owned firms).",
        ge=0.01,
        le=100.0,
    )
    private_collateral_ratio: float = P(
        1.5,
        "ratio",
        "Collateral required of private firms without equal terms.",
        ge=0.01,
        le=100.0,
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
        "Project failure probability by partner risk class (each in [0, 1]).",
    )
    crisis_default_multiplier: float = P(
        6.0,
        "ratio",
        "Failure probability multiplier while the partner is in crisis.",
        ge=1.0,
        le=100.0,
    )
    lending_budget: float = P(
        2400.0,
        "USD mn per quarter",
        "Loans the lender can approve per quarter for the firms' projects abroad, at full"
        " capital; applications of all provinces compete for it, best risk-adjusted margin"
        " first.",
        source="assumption, scaled on Boston University GDP Center, China's Overseas"
        " Development Finance database: CDB and CHEXIM committed USD 462 bn in 2008-2019"
        " (9.6 bn a quarter), to governments and state entities abroad; the share open to"
        " Chinese firms' own projects is not published, a quarter is assumed",
        ge=0.0,
        le=1e7,
    )
    lender_capital: float = P(
        24000.0,
        "USD mn",
        "The lender's capital at the start; losses deplete it and the interest margin"
        " rebuilds it, and the budget shrinks in proportion while it is below its start.",
        ge=1.0,
        le=1e8,
    )
    funding_rate: Share = P(
        0.008,
        "per quarter",
        "The lender's cost of funds on disbursed loans (about 3.2% a year).",
        source="approximate: China Development Bank bond yields of about 3-4% a year in"
        " 2015-2021 (ChinaBond); rounded down, an assumption",
    )
    interest_rate: Share = P(0.012, "per quarter", "Loan rate for state-owned firms.")
    private_spread: Share = P(0.006, "per quarter", "Extra rate for private firms.")
    project_return: Share = P(
        0.045, "per quarter", "Project return on cost, in the partner's currency."
    )
    crisis_return_cut: Share = P(
        0.5,
        "share",
        "Share of a project's return lost while its partner is in crisis (on top of the"
        " currency's fall); 1 stops the returns, as the first version did.",
    )
    constrained_quantile: Share = P(
        0.5,
        "quantile",
        "Private firms below this quantile of size at the start are financially"
        " constrained (the receivables rule of the insurance cover).",
    )
    project_length: int = P(
        12, "quarters", "Life of a project; the loan is repaid at its end.", ge=1, le=400
    )
    productivity_gain: Share = P(
        0.05,
        "share",
        "Productivity gain of a firm whose project succeeds (Section 3.2); compounds over a"
        " firm's projects (bounded over the run: see sim.scenario.rules).",
    )
    overseas_asset_share: Share = P(
        0.5, "share", "Share of a completed project's cost kept as overseas assets."
    )
    export_margin: Share = P(0.04, "share", "Profit margin on export revenue.")
    profit_noise: float = P(
        0.05, "share of revenue", "Standard deviation of quarterly profit.", ge=0.0, le=1.0
    )
    cash_ceiling: float = P(
        3.0,
        "quarters of revenue",
        "Cash a firm keeps; it pays the rest out to its owners.",
        ge=0.01,
        le=100.0,
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
    premium_loading: float = P(
        0.25,
        "share",
        "Loading of the insurance premium over the expected claim: a project loan to a"
        " partner of risk class c pays (1 + loading) * project_default[c] *"
        " loss_given_default a quarter on its insured amount (cover times loan).",
        ge=0.0,
        le=10.0,
    )
    insurer_capital: float = P(
        2000.0,
        "USD mn",
        "The export credit insurer's capital at the start; when claims exhaust it the state"
        " backstop refills it to zero (insurer_backstop).",
        ge=0.0,
        le=1e8,
    )
    receivables_constraint: Share = P(
        0.25,
        "share",
        "Export loss of a constrained firm to the riskiest partner with no insurance cover.",
    )


class InnovationSettings(Section):
    """Provinces' innovation stock and its link to enterprise productivity (4.2, 5.x)."""

    # The stock compounds each quarter (mechanism 8), and productivity follows it with
    # an elasticity: the growth it compounds to over the run is bounded as a whole by
    # sim.scenario.rules (productivity), the per-quarter rates here each by a plain range.
    rd_effect: float = P(
        0.006,
        "per quarter per % R&D intensity",
        "Innovation growth from R&D (at most 0.05: 32% a quarter at Beijing's 6.44%).",
        ge=0.0,
        le=0.05,
    )
    talent_effect: float = P(
        0.01, "per quarter per unit talent", "Growth from talent.", ge=0.0, le=0.1
    )
    conversion: float = P(
        0.002, "per quarter", "Conversion of research stock into innovation.", ge=0.0, le=0.1
    )
    depreciation: float = P(
        0.01,
        "per quarter",
        "Depreciation of the innovation stock: at most 0.1 a quarter (a third a year; stocks"
        " of knowledge lose 15-25% a year), and with policy.innovation.spillover at most 1,"
        " or a stock above its group's mean overshoots below zero.",
        ge=0.0,
        le=0.1,
    )
    productivity_elasticity: float = P(
        0.5,
        "elasticity",
        "Enterprise productivity response to the province's stock (at most 2).",
        ge=0.0,
        le=2.0,
    )
    success_chance: float = P(
        1.0,
        "per quarter",
        "Chance that a province's R&D, and separately its conversion of research, succeeds"
        " in a quarter; a success yields its expected growth divided by this chance, so the"
        " mean is that of a sure success. The default 1 keeps innovation deterministic:"
        " below it the directional tests' 12 seeds no longer resolve some effects"
        " (scenarios/README.md).",
        gt=0.0,
        le=1.0,
    )
    project_feedback: float = P(
        0.0,
        "per completed project per firm",
        "Innovation growth of a province per project its firms complete abroad in the"
        " quarter, per firm of the province (know-how brought home).",
        ge=0.0,
        le=10.0,
    )
