"""What is recorded each step, with units: one row per step (and replication).

``OUTCOMES`` is the single documented list of scalar outcomes (name -> group, unit,
description); ``collect_step`` appends one row of them, plus one row per province and
per platform, to the model's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import mechanisms as mech

if TYPE_CHECKING:
    from sim.model.model import BRIModel


@dataclass(frozen=True)
class Outcome:
    """A recorded outcome: its chart group, unit and meaning."""

    group: str
    unit: str
    description: str


def _o(group: str, unit: str, description: str) -> Outcome:
    return Outcome(group, unit, description)


OUTCOMES: dict[str, Outcome] = {
    # platforms and freight
    "rail_volume": _o("platforms", "FEU per quarter", "Containers shipped by rail."),
    "sea_volume": _o("platforms", "FEU per quarter", "Containers shipped by sea."),
    "rail_share": _o("platforms", "share", "Rail's share of exported containers."),
    "rail_volume_europe": _o(
        "platforms", "FEU per quarter", "Containers shipped by rail to European partners."
    ),
    "rail_value_share_europe": _o(
        "platforms", "share", "Rail's share of the value of exports to European partners."
    ),
    "trains": _o("platforms", "trains per quarter", "Trains run by all platforms."),
    "active_platforms": _o("platforms", "count", "Platforms running."),
    "member_active_platforms": _o(
        "platforms", "count", "Platforms of coordination members running."
    ),
    "mean_load_factor": _o("platforms", "share", "Loaded containers over slots run, all trains."),
    "idle_capacity": _o("platforms", "share", "Terminal capacity not used by trains run."),
    "capacity": _o("platforms", "trains per quarter", "Terminal capacity of running platforms."),
    "hhi": _o("platforms", "index 0-1", "Herfindahl index of platforms' shares of rail volume."),
    "top5_share": _o("platforms", "share", "Share of trains run by the five busiest platforms."),
    "sichuan_share": _o("platforms", "share", "Sichuan's platforms' share of rail volume."),
    "member_designated_share": _o(
        "platforms", "share", "Share of members' rail freight on designated hubs."
    ),
    "designated_volume": _o(
        "platforms", "FEU per quarter", "Rail freight through the hubs listed for designation."
    ),
    "member_leakage": _o(
        "platforms", "share", "Share of members' rail freight through non-member platforms."
    ),
    "subsidy": _o("platforms", "USD mn per quarter", "Subsidies paid to platforms."),
    "subsidy_per_feu": _o("platforms", "USD per FEU", "Subsidy per loaded container."),
    "member_subsidy_per_feu": _o(
        "platforms", "USD per FEU", "Subsidy per loaded container on members' platforms."
    ),
    "mean_subsidy_rate": _o(
        "platforms", "share of cost", "Volume-weighted subsidy rate of running platforms."
    ),
    "rail_price": _o("platforms", "USD per FEU", "Volume-weighted price shippers pay by rail."),
    # trade
    "exports": _o("trade", "FEU per quarter", "Exports of all enterprises."),
    "export_value": _o("trade", "USD mn per quarter", "Value of exports."),
    "sichuan_export_share": _o("trade", "share", "Sichuan enterprises' share of export value."),
    "facilitated_exports": _o(
        "trade", "FEU per quarter", "Exports to partners with facilitated trade."
    ),
    "export_gini": _o("trade", "index 0-1", "Gini coefficient of export value across provinces."),
    "partners_in_crisis": _o("trade", "count", "Partner countries in crisis."),
    # finance
    "going_abroad": _o("finance", "firms per quarter", "Enterprises seeking a project loan."),
    "financing_demand": _o("finance", "USD mn per quarter", "Loans asked for."),
    "approved": _o("finance", "loans per quarter", "Loans approved."),
    "approval_rate": _o("finance", "share", "Approved over applications (0 when none)."),
    "projects_active": _o("finance", "count", "Projects abroad running."),
    "projects_pending": _o("finance", "count", "Approved loans waiting to start."),
    "defaults": _o("finance", "count per quarter", "Projects that failed with a loan."),
    "lender_losses": _o("finance", "USD mn per quarter", "Lender's losses after insurance."),
    "insurance_payouts": _o("finance", "USD mn per quarter", "Insurance claims paid."),
    "exits": _o("finance", "firms per quarter", "Enterprises that ran out of cash and exited."),
    "overseas_assets": _o("finance", "USD mn", "Overseas assets held by enterprises."),
    # innovation
    "innovation_index": _o("innovation", "index", "Mean innovation stock over provinces."),
    "innovation_cv": _o(
        "innovation", "ratio", "Coefficient of variation of innovation stocks over provinces."
    ),
    "group_innovation_gap": _o(
        "innovation",
        "ratio",
        "(max - min) / mean innovation stock in the sharing group (0 without a group).",
    ),
    "mean_productivity": _o("innovation", "index", "Mean enterprise productivity."),
    # welfare
    "welfare_shipper_surplus": _o(
        "welfare", "USD mn per quarter", "Shippers' gain over a sea-only world (logit log-sum)."
    ),
    "welfare_platform_surplus": _o(
        "welfare", "USD mn per quarter", "Platforms' revenue plus subsidy minus train costs."
    ),
    "welfare_subsidies": _o("welfare", "USD mn per quarter", "Subsidies paid (a cost)."),
    "welfare_fixed_costs": _o("welfare", "USD mn per quarter", "Terminal fixed costs."),
    "welfare_default_losses": _o("welfare", "USD mn per quarter", "Lender losses (a cost)."),
    "welfare_insurance_payouts": _o("welfare", "USD mn per quarter", "Insurance payouts."),
    "welfare_total": _o(
        "welfare",
        "USD mn per quarter",
        "Shipper surplus + platform surplus - subsidies - fixed costs - default losses"
        " - insurance payouts.",
    ),
}

EUROPE = ("Western Europe", "Eastern Europe")  # regions of the China-EU trade pattern

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


def _gap(stocks: list[float]) -> float:
    """(max - min) / mean of a group's stocks; 0 for fewer than two."""
    if len(stocks) < 2:
        return 0.0
    return float((max(stocks) - min(stocks)) / np.mean(stocks))


def collect_step(m: BRIModel) -> None:
    """Append this step's outcome row and its province and platform rows to the model."""
    f = m.p.freight
    firms = m.firms
    pls = m.platforms
    volume = np.array([pl.volume for pl in pls])
    trains = np.array([pl.trains for pl in pls])
    open_ = np.array([pl.is_open for pl in pls])
    capacity = np.array([pl.capacity for pl in pls])
    subsidy = np.array([pl.subsidy for pl in pls])
    rate = np.array([pl.subsidy_rate for pl in pls])
    price = np.array([pl.unit_cost * (1 - pl.subsidy_rate) for pl in pls])
    member = np.array([pl.owner.member for pl in pls])
    listed = set(m.p.policy.coordination.designated_hubs.hubs)
    designated = np.array([pl.pid in listed for pl in pls])  # listed, enabled or not
    rail = float(volume.sum())
    exports = float(firms.exports.sum())
    value_by_province = np.bincount(
        firms.province, weights=firms.revenue, minlength=len(m.provinces)
    )
    sichuan = [pl.owner.name == "Sichuan" for pl in pls]
    members = np.array([pr.member for pr in m.provinces])
    member_freight = m.origin_volume[members]
    member_total = float(member_freight.sum())
    flows = m.flows
    stocks = np.array([pr.innovation for pr in m.provinces])
    facilitated = np.isin(np.array(m.partner_list), m.p.policy.trade.partners)
    europe = np.isin(np.array([c.region for c in m.partners]), EUROPE)[firms.country]
    europe_value = float(firms.revenue[europe].sum())
    europe_rail_value = float((firms.rail * m.cargo_value[firms.sector])[europe].sum())
    fixed = float(sum(pl.fixed_cost for pl in pls))
    surplus = float(sum(pl.operating_surplus for pl in pls))
    sub_total = float(subsidy.sum())
    top5 = np.sort(trains)[-5:].sum()
    row = {
        "step": m.steps,
        "rail_volume": rail,
        "sea_volume": exports - rail,
        "rail_share": rail / exports if exports > 0 else 0.0,
        "rail_volume_europe": float(firms.rail[europe].sum()),
        "rail_value_share_europe": europe_rail_value / europe_value if europe_value > 0 else 0.0,
        "trains": float(trains.sum()),
        "active_platforms": int(open_.sum()),
        "member_active_platforms": int((open_ & member).sum()),
        "mean_load_factor": float(mech.load_factor(rail, trains.sum(), f.train_slots)),
        "idle_capacity": float(
            np.maximum(capacity - trains, 0.0)[open_].sum() / capacity[open_].sum()
        )
        if capacity[open_].sum() > 0
        else 0.0,
        "capacity": float(capacity[open_].sum()),
        "hhi": mech.herfindahl(volume),
        "top5_share": float(top5 / trains.sum()) if trains.sum() > 0 else 0.0,
        "sichuan_share": float(volume[sichuan].sum() / rail) if rail > 0 else 0.0,
        "member_designated_share": float(member_freight[:, designated].sum() / member_total)
        if member_total > 0
        else 0.0,
        "designated_volume": float(volume[designated].sum()),
        "member_leakage": float(member_freight[:, ~member].sum() / member_total)
        if member_total > 0
        else 0.0,
        "subsidy": sub_total / 1e6,
        "subsidy_per_feu": sub_total / rail if rail > 0 else 0.0,
        "member_subsidy_per_feu": float(subsidy[member].sum() / volume[member].sum())
        if volume[member].sum() > 0
        else 0.0,
        "mean_subsidy_rate": float(rate @ volume / rail) if rail > 0 else 0.0,
        "rail_price": float(price @ volume / rail) if rail > 0 else 0.0,
        "exports": exports,
        "export_value": float(firms.revenue.sum()),
        "sichuan_export_share": float(
            value_by_province[m.province_list.index("Sichuan")] / value_by_province.sum()
        )
        if "Sichuan" in m.province_list
        else 0.0,
        "facilitated_exports": float(firms.exports[facilitated[firms.country]].sum()),
        "export_gini": mech.gini(value_by_province),
        "partners_in_crisis": int(m.crisis.sum()),
        "going_abroad": flows.applications,
        "financing_demand": flows.demand,
        "approved": flows.approved,
        "approval_rate": flows.approved / flows.applications if flows.applications else 0.0,
        "projects_active": int((firms.status == 2).sum()),
        "projects_pending": int((firms.status == 1).sum()),
        "defaults": flows.defaults,
        "lender_losses": flows.lender_loss,
        "insurance_payouts": flows.payouts,
        "exits": flows.exits,
        "overseas_assets": float(firms.overseas_assets.sum()),
        "innovation_index": float(stocks.mean()),
        "innovation_cv": float(stocks.std() / stocks.mean()) if stocks.mean() > 0 else 0.0,
        "group_innovation_gap": _gap(
            [pr.innovation for pr in m.provinces if pr.name in m.p.policy.innovation.sharing_group]
        ),
        "mean_productivity": float(firms.productivity.mean()),
        "welfare_shipper_surplus": m.shipper_surplus / 1e6,
        "welfare_platform_surplus": surplus / 1e6,
        "welfare_subsidies": sub_total / 1e6,
        "welfare_fixed_costs": fixed / 1e6,
        "welfare_default_losses": flows.lender_loss,
        "welfare_insurance_payouts": flows.payouts,
    }
    row["welfare_total"] = (
        row["welfare_shipper_surplus"]
        + row["welfare_platform_surplus"]
        - row["welfare_subsidies"]
        - row["welfare_fixed_costs"]
        - row["welfare_default_losses"]
        - row["welfare_insurance_payouts"]
    )
    m.records.append(row)
    for pr in m.provinces:
        m.province_records.append(
            {
                "step": m.steps,
                "province": pr.name,
                "member": pr.member,
                "subsidy_rate": pr.subsidy,
                "markup": pr.markup,
                "open_platforms": len(pr.open_platforms),
                "credited_trains": pr.credited_trains,
                "credited_volume": pr.credited_volume,
                "subsidy_paid": pr.subsidy_paid / 1e6,
                "fixed_paid": pr.fixed_paid / 1e6,
                "export_value": float(value_by_province[pr.index]),
                "innovation": pr.innovation,
                "objective": pr.objective if pr.objective is not None else 0.0,
            }
        )
    load = mech.load_factor(volume, trains, f.train_slots).tolist()
    for pl, load_factor in zip(pls, load, strict=True):
        m.platform_records.append(
            {
                "step": m.steps,
                "platform": pl.pid,
                "province": pl.owner.name,
                "corridor": pl.corridor,
                "open": pl.is_open,
                "designated": pl.designated,
                "volume": pl.volume,
                "trains": pl.trains,
                "load_factor": load_factor,
                "capacity": pl.capacity,
                "subsidy_rate": pl.subsidy_rate,
                "unit_cost": pl.unit_cost,
                "subsidy": pl.subsidy / 1e6,
            }
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
}

PLATFORM_COLUMNS = {
    "volume": ("FEU per quarter", "Loaded containers."),
    "trains": ("trains per quarter", "Trains run."),
    "load_factor": ("share", "Loaded containers over slots."),
    "capacity": ("trains per quarter", "Terminal capacity."),
    "subsidy_rate": ("share of cost", "Subsidy rate."),
    "unit_cost": ("USD per FEU", "Quoted cost per container before subsidy."),
    "subsidy": ("USD mn per quarter", "Subsidy received."),
}
