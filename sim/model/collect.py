"""What is recorded each step: one row of outcomes, one row per province and per platform.

The outcomes, their units and meanings are declared in :mod:`sim.outcomes`;
:func:`collect_step` appends this step's values to the model's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import mechanisms as mech
from sim.outcomes import CROSSING_OUTCOMES

if TYPE_CHECKING:
    from sim.model.model import BRIModel

EUROPE = ("Western Europe", "Eastern Europe")  # regions of the China-EU trade pattern


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
        firms.shipped_province, weights=firms.revenue, minlength=len(m.provinces)
    )
    sichuan = [pl.province.name == "Sichuan" for pl in pls]
    members = np.array([pr.member for pr in m.provinces])
    member_freight = m.origin_volume[members]
    member_total = float(member_freight.sum())
    flows = m.flows
    stocks = np.array([pr.innovation for pr in m.provinces])
    facilitated = np.isin(np.array(m.partner_list), m.p.policy.trade.partners)
    europe = np.isin(np.array([c.region for c in m.partners]), EUROPE)[firms.shipped_country]
    europe_value = float(firms.revenue[europe].sum())
    europe_rail_value = float((firms.rail * m.cargo_value[firms.shipped_sector])[europe].sum())
    fixed = float(sum(pl.fixed_cost for pl in pls))
    surplus = float(sum(pl.operating_surplus for pl in pls))
    sub_total = float(subsidy.sum())
    top5 = np.sort(trains)[-5:].sum()
    inbound = np.array([pl.inbound for pl in pls])
    back = np.array([pl.return_trains for pl in pls])
    crossing = dict(zip(m.crossing_list, m.crossing_trains.tolist(), strict=True))
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
        "inbound_volume": float(inbound.sum()),
        "return_trains": float(back.sum()),
        "return_ratio": float(back.sum() / trains.sum()) if trains.sum() > 0 else 0.0,
        "return_load_factor": float(mech.load_factor(inbound.sum(), back.sum(), f.train_slots)),
        "empty_return_containers": float(np.maximum(volume - inbound, 0.0).sum()),
        "max_crossing_delay": float(m.crossing_delay.max()),
        **{name: crossing[label] for label, name in CROSSING_OUTCOMES.items()},
        "exports": exports,
        "export_value": float(firms.revenue.sum()),
        "sichuan_export_share": float(
            value_by_province[m.province_list.index("Sichuan")] / value_by_province.sum()
        )
        if "Sichuan" in m.province_list and value_by_province.sum() > 0
        else 0.0,
        "facilitated_exports": float(firms.exports[facilitated[firms.shipped_country]].sum()),
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
                "province": pl.province.name,
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
                "inbound": pl.inbound,
                "return_trains": pl.return_trains,
            }
        )
