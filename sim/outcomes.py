"""The outcomes every layer names: each recorded outcome with its group, label, unit and meaning.

``OUTCOMES`` is the single documented list of scalar outcomes (name -> group, label, unit,
description), ``KEY_OUTCOMES`` those the command line shows first, and
``PROVINCE_COLUMNS`` and ``PLATFORM_COLUMNS`` the per-province and per-platform tables
(:func:`table_columns` adds the identifying columns, ``ID_COLUMNS``: what Parquet files
carry as column metadata).
The model records them (:func:`sim.model.collect.collect_step`); scenarios, tables,
charts and the ODD document read their names and units from here. It runs over 400 lines
because it is one table, an entry per outcome: split, it would no longer be one registry.
"""

from __future__ import annotations

from dataclasses import dataclass

# What "final" means everywhere (run and compare tables, charts, sweeps, reports): each
# replication's mean over its last FINAL_STEPS steps, the final year of quarters.
FINAL_STEPS = 4
FINAL_TEXT = f"final = mean of the last {FINAL_STEPS} quarters"


@dataclass(frozen=True)
class Outcome:
    """A recorded outcome: its chart group, short label, unit and meaning."""

    group: str
    label: str  # a chart title or table row a student reads without a glossary
    unit: str
    description: str


def _o(group: str, label: str, unit: str, description: str) -> Outcome:
    return Outcome(group, label, unit, description)


# The outcome that counts the trains through each crossing of sim/data/crossings.csv.
CROSSING_OUTCOMES = {
    "Alashankou": "trains_alashankou",
    "Khorgos": "trains_khorgos",
    "Erenhot": "trains_erenhot",
    "Manzhouli": "trains_manzhouli",
    "Suifenhe": "trains_suifenhe",
    "Qinzhou port": "trains_qinzhou",
    "Boten (opposite Mohan)": "trains_boten",
}

OUTCOMES: dict[str, Outcome] = {
    # platforms and freight
    "rail_volume": _o(
        "platforms", "Rail freight", "FEU per quarter", "Containers shipped by rail."
    ),
    "sea_volume": _o("platforms", "Sea freight", "FEU per quarter", "Containers shipped by sea."),
    "rail_share": _o(
        "platforms", "Rail's share of containers", "share", "Rail's share of exported containers."
    ),
    "rail_volume_europe": _o(
        "platforms",
        "Rail freight to Europe",
        "FEU per quarter",
        "Containers shipped by rail to European partners.",
    ),
    "rail_value_share_europe": _o(
        "platforms",
        "Rail's value share, Europe",
        "share",
        "Rail's share of the value of exports to European partners.",
    ),
    "trains": _o("platforms", "Trains run", "trains per quarter", "Trains run by all platforms."),
    "active_platforms": _o("platforms", "Platforms running", "count", "Platforms running."),
    "member_active_platforms": _o(
        "platforms",
        "Members' platforms running",
        "count",
        "Platforms of coordination members running.",
    ),
    "mean_load_factor": _o(
        "platforms",
        "Load factor, all trains",
        "share",
        "Loaded containers over slots run, all trains.",
    ),
    "idle_capacity": _o(
        "platforms", "Idle terminal capacity", "share", "Terminal capacity not used by trains run."
    ),
    "capacity": _o(
        "platforms",
        "Terminal capacity",
        "trains per quarter",
        "Terminal capacity of running platforms.",
    ),
    "hhi": _o(
        "platforms",
        "Concentration (HHI)",
        "index 0-1",
        "Herfindahl index of platforms' shares of rail volume.",
    ),
    "top5_share": _o(
        "platforms",
        "Five busiest platforms' share",
        "share",
        "Share of trains run by the five busiest platforms.",
    ),
    "sichuan_share": _o(
        "platforms",
        "Sichuan's share of freight",
        "share",
        "Sichuan's platforms' share of rail volume.",
    ),
    "member_designated_share": _o(
        "platforms",
        "Members' share on designated hubs",
        "share",
        "Share of members' rail freight on designated hubs.",
    ),
    "designated_volume": _o(
        "platforms",
        "Freight via designated hubs",
        "FEU per quarter",
        "Rail freight through the hubs listed for designation.",
    ),
    "member_leakage": _o(
        "platforms",
        "Members' freight via outsiders",
        "share",
        "Share of members' rail freight through non-member platforms.",
    ),
    "subsidy": _o(
        "platforms", "Subsidies paid", "USD mn per quarter", "Subsidies paid to platforms."
    ),
    "subsidy_per_feu": _o(
        "platforms", "Subsidy per container", "USD per FEU", "Subsidy per loaded container."
    ),
    "member_subsidy_per_feu": _o(
        "platforms",
        "Subsidy per container, members",
        "USD per FEU",
        "Subsidy per loaded container on members' platforms.",
    ),
    "mean_subsidy_rate": _o(
        "platforms",
        "Subsidy rate",
        "share of cost",
        "Volume-weighted subsidy rate of running platforms.",
    ),
    "rail_price": _o(
        "platforms", "Rail price paid", "USD per FEU", "Volume-weighted price shippers pay by rail."
    ),
    # trains both ways and border crossings
    "inbound_volume": _o(
        "crossings",
        "Return cargo",
        "FEU per quarter",
        "Return cargo carried by rail from partners to China.",
    ),
    "return_trains": _o(
        "crossings", "Return trains", "trains per quarter", "Trains run back to China."
    ),
    "return_ratio": _o(
        "crossings",
        "Return trains per outbound",
        "ratio",
        "Return trains per outbound train (0 when no train runs).",
    ),
    "return_load_factor": _o(
        "crossings",
        "Load factor, return trains",
        "share",
        "Loaded containers over slots on return trains (0 when none runs).",
    ),
    "empty_return_containers": _o(
        "crossings",
        "Containers back empty",
        "FEU per quarter",
        "Containers that went out loaded and find no return cargo at their platform.",
    ),
    "max_crossing_delay": _o(
        "crossings",
        "Longest border delay",
        "days",
        "Longest congestion delay at a border crossing this quarter.",
    ),
    **{
        name: _o(
            "crossings",
            f"Trains via {label.split(' (')[0]}",
            "trains per quarter",
            f"Trains through {label}, both ways.",
        )
        for label, name in CROSSING_OUTCOMES.items()
    },
    # trade
    "exports": _o("trade", "Exports", "FEU per quarter", "Exports of all enterprises."),
    "export_value": _o("trade", "Export value", "USD mn per quarter", "Value of exports."),
    "sichuan_export_share": _o(
        "trade",
        "Sichuan's share of exports",
        "share",
        "Sichuan enterprises' share of export value.",
    ),
    "facilitated_exports": _o(
        "trade",
        "Exports, facilitated partners",
        "FEU per quarter",
        "Exports to partners with facilitated trade.",
    ),
    "export_gini": _o(
        "trade",
        "Inequality of exports (Gini)",
        "index 0-1",
        "Gini coefficient of export value across provinces.",
    ),
    "partners_in_crisis": _o(
        "trade", "Partners in crisis", "count", "Partner countries in crisis."
    ),
    # finance
    "going_abroad": _o(
        "finance",
        "Firms seeking a loan",
        "firms per quarter",
        "Enterprises seeking a project loan.",
    ),
    "financing_demand": _o("finance", "Loans asked for", "USD mn per quarter", "Loans asked for."),
    "approved": _o("finance", "Loans approved", "loans per quarter", "Loans approved."),
    "approval_rate": _o(
        "finance", "Approval rate", "share", "Approved over applications (0 when none)."
    ),
    "approved_state": _o(
        "finance",
        "Loans approved, state firms",
        "loans per quarter",
        "Loans approved to state-owned firms.",
    ),
    "approved_private": _o(
        "finance",
        "Loans approved, private firms",
        "loans per quarter",
        "Loans approved to private firms.",
    ),
    "lending": _o("finance", "Lending", "USD mn per quarter", "Loans approved, in value."),
    "rationed_demand": _o(
        "finance",
        "Eligible loans rationed",
        "USD mn per quarter",
        "Eligible loans (collateral, risk and equity met) turned down: the capacity left"
        " could not take them.",
    ),
    "lending_capacity": _o(
        "finance",
        "Lending capacity",
        "USD mn per quarter",
        "The quarter's budget for loans: finance.lending_budget times the lender's capital"
        " over its start, at most 1.",
    ),
    "lender_capital": _o(
        "finance",
        "Lender's capital",
        "USD mn",
        "Capital after the quarter's interest margin and losses.",
    ),
    "projects_active": _o(
        "finance", "Projects running abroad", "count", "Projects abroad running."
    ),
    "projects_pending": _o(
        "finance", "Approved, not yet started", "count", "Approved loans waiting to start."
    ),
    "defaults": _o("finance", "Defaults", "count per quarter", "Projects that failed with a loan."),
    "lender_losses": _o(
        "finance", "Lender's losses", "USD mn per quarter", "Lender's losses after insurance."
    ),
    "insurance_payouts": _o(
        "finance", "Insurance payouts", "USD mn per quarter", "Insurance claims paid."
    ),
    "insurance_premiums": _o(
        "finance",
        "Insurance premiums",
        "USD mn per quarter",
        "Premiums paid on insured project loans (by the partner's risk class).",
    ),
    "insurer_capital": _o(
        "finance", "Insurer's capital", "USD mn", "The insurer's cash after claims and backstop."
    ),
    "insurer_backstop": _o(
        "finance",
        "State backstop of the insurer",
        "USD mn per quarter",
        "What the state paid in to bring an exhausted insurer back to zero.",
    ),
    "exits": _o(
        "finance",
        "Firms exiting",
        "firms per quarter",
        "Enterprises that ran out of cash and exited.",
    ),
    "overseas_assets": _o(
        "finance", "Overseas assets", "USD mn", "Overseas assets held by enterprises."
    ),
    # innovation
    "innovation_index": _o(
        "innovation", "Innovation stock", "index", "Mean innovation stock over provinces."
    ),
    "innovation_cv": _o(
        "innovation",
        "Spread of innovation (CV)",
        "ratio",
        "Coefficient of variation of innovation stocks over provinces.",
    ),
    "group_innovation_gap": _o(
        "innovation",
        "Innovation gap in the group",
        "ratio",
        "(max - min) / mean innovation stock in the sharing group (0 without a group).",
    ),
    "mean_productivity": _o(
        "innovation", "Firm productivity", "index", "Mean enterprise productivity."
    ),
    # welfare
    "welfare_shipper_surplus": _o(
        "welfare",
        "Shippers' surplus",
        "USD mn per quarter",
        "Shippers' gain over a sea-only world (logit log-sum).",
    ),
    "welfare_exporter_surplus": _o(
        "welfare",
        "Exporters' surplus",
        "USD mn per quarter",
        "Exporters' margin on their export revenue (operating profit).",
    ),
    "welfare_platform_surplus": _o(
        "welfare",
        "Platforms' surplus",
        "USD mn per quarter",
        "Platforms' revenue plus subsidy minus train costs.",
    ),
    "welfare_subsidies": _o(
        "welfare", "Subsidies (cost)", "USD mn per quarter", "Subsidies paid (a cost)."
    ),
    "welfare_fixed_costs": _o(
        "welfare", "Terminal fixed costs (cost)", "USD mn per quarter", "Terminal fixed costs."
    ),
    "welfare_project_returns": _o(
        "welfare",
        "Projects' net returns",
        "USD mn per quarter",
        "Returns of projects abroad, converted at the quarter's exchange rate, less the"
        " lender's cost of funds on their loans.",
    ),
    "welfare_default_losses": _o(
        "welfare",
        "Default losses (cost)",
        "USD mn per quarter",
        "Defaulted loans less the collateral seized: the lender's loss and the insurer's"
        " claims together (a cost).",
    ),
    "welfare_total": _o(
        "welfare",
        "Total welfare",
        "USD mn per quarter",
        "Shippers' + exporters' + platforms' surplus - subsidies - fixed costs + projects'"
        " net returns - default losses; interest, premiums, claims and the insurer's"
        " backstop are transfers and net out (sim.model.mechanisms.welfare).",
    ),
}

KEY_OUTCOMES = (
    "rail_volume",
    "active_platforms",
    "mean_load_factor",
    "subsidy_per_feu",
    "hhi",
    "approval_rate",
    "projects_active",
    "defaults",
    "innovation_index",
    "welfare_total",
)

PROVINCE_COLUMNS = {
    "subsidy_rate": ("share of cost", "Subsidy rate the province pays."),
    "markup": ("share", "Train target: trains run beyond those the cargo fills."),
    "open_platforms": ("count", "Platforms running."),
    "credited_trains": ("trains per quarter", "Trains (or loaded train-equivalents) credited."),
    "credited_volume": ("FEU per quarter", "Rail freight credited to the province."),
    "subsidy_paid": ("USD mn per quarter", "Subsidy the province pays."),
    "fixed_paid": ("USD mn per quarter", "Fixed cost of its platforms."),
    "export_value": ("USD mn per quarter", "Its enterprises' exports."),
    "innovation": ("index", "Innovation stock."),
    "objective": ("USD mn per quarter", "The province's objective (political value)."),
    "approved_loans": ("loans per quarter", "Loans approved to its firms."),
}

PLATFORM_COLUMNS = {
    "volume": ("FEU per quarter", "Loaded containers."),
    "trains": ("trains per quarter", "Trains run."),
    "load_factor": ("share", "Loaded containers over slots."),
    "capacity": ("trains per quarter", "Terminal capacity."),
    "subsidy_rate": ("share of cost", "Subsidy rate."),
    "unit_cost": ("USD per FEU", "Quoted cost per container before subsidy."),
    "subsidy": ("USD mn per quarter", "Subsidy received."),
    "inbound": ("FEU per quarter", "Return cargo carried back to China."),
    "return_trains": ("trains per quarter", "Trains run back to China."),
}

# Columns that identify a row, in every table that has them (units and meanings as above).
ID_COLUMNS = {
    "scenario": ("", "Scenario label (sim compare: one stacked table)."),
    "replication": ("", "Replication number, from 0."),
    "seed": (
        "",
        "Child seed of the replication: sim.experiments.experiment.run(scenario, seed=SEED)"
        " reproduces it.",
    ),
    "step": ("quarter", "Step of the run (one step is a quarter), from 1."),
    "province": ("", "Province name (sim/data/provinces.csv)."),
    "platform": ("", "Platform id (sim/data/platforms.csv)."),
    "corridor": ("", "Corridor the platform serves."),
    "member": ("", "Whether the province is a member of the coordination body."),
    "open": ("", "Whether the platform is running."),
    "designated": ("", "Whether the platform is a designated hub."),
}


def table_columns(table: str) -> dict[str, tuple[str, str]]:
    """Unit and meaning of every documented column of an output table, by column name.

    ``table`` is ``outcomes``, ``provinces`` or ``platforms``; another name gets the
    identifying columns only.
    """
    own = {
        "outcomes": {name: (o.unit, o.description) for name, o in OUTCOMES.items()},
        "provinces": PROVINCE_COLUMNS,
        "platforms": PLATFORM_COLUMNS,
    }.get(table, {})
    return {**ID_COLUMNS, **own}
