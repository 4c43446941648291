"""What is recorded each step: one row of outcomes, one row per province and per platform.

The outcomes, their units and meanings are declared in :mod:`sim.outcomes`;
:func:`collect_step` appends this step's values to the model's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model import mechanisms as mech
from sim.model.mechanisms import welfare
from sim.outcomes import CROSSING_OUTCOMES

if TYPE_CHECKING:
    from sim.model.firms import StepFlows
    from sim.model.model import BRIModel

EUROPE = ("Western Europe", "Eastern Europe")  # regions of the China-EU trade pattern


def _gap(stocks: list[float]) -> float:
    """(max - min) / mean of a group's stocks; 0 for fewer than two."""
    if len(stocks) < 2:
        return 0.0
    return float((max(stocks) - min(stocks)) / np.mean(stocks))


def quarter_accounts(
    m: BRIModel, flows: StepFlows, *, surplus: float, subsidies: float, fixed: float
) -> welfare.QuarterAccounts:
    """The quarter's welfare flows, in USD mn.

    The platform amounts ``surplus``, ``subsidies`` and ``fixed`` come in USD.
    """
    ext = flows.external
    return welfare.QuarterAccounts(
        shipper_surplus=m.shipper_surplus / 1e6,
        operating_profit=ext.get("operating_profit", 0.0),
        platform_surplus=surplus / 1e6,
        subsidies=subsidies / 1e6,
        fixed_costs=fixed / 1e6,
        project_returns=ext.get("project_returns", 0.0),
        funding_cost=flows.funding_cost,
        interest=flows.interest,
        premiums=flows.premiums,
        claims=flows.payouts,
        backstop=flows.backstop,
        lender_loss=flows.lender_loss,
    )


def collect_step(m: BRIModel) -> None:
    """Append this step's outcome row and its province and platform rows to the model."""
    f = m.p.freight
    firms = m.firms
    t = m.platform_table
    volume, trains, open_, capacity = t.volume, t.trains, t.is_open, t.capacity
    subsidy, rate = t.subsidy, t.subsidy_rate
    price = t.unit_cost * (1 - rate)
    member = m.platform_member()
    designated = m._listed(m.p.policy.coordination.designated_hubs.hubs)  # enabled or not
    rail = float(volume.sum())
    exports = float(firms.exports.sum())
    value_by_province = np.bincount(
        firms.shipped_province, weights=firms.revenue, minlength=len(m.provinces)
    )
    sichuan = m.platform_province_names == "Sichuan"
    members = np.array([pr.member for pr in m.provinces])
    member_freight = m.origin_volume[members]
    member_total = float(member_freight.sum())
    flows = m.flows
    stocks = np.array([pr.innovation for pr in m.provinces])
    facilitated = np.isin(m.partner_names, m.p.policy.trade.partners)
    europe = m.partner_in_europe[firms.shipped_country]
    europe_value = float(firms.revenue[europe].sum())
    europe_rail_value = float((firms.rail * m.cargo_value[firms.shipped_sector])[europe].sum())
    fixed = float(sum(t.fixed_cost.tolist()))
    surplus = float(sum((t.revenue + t.subsidy - t.variable_cost).tolist()))
    sub_total = float(subsidy.sum())
    top5 = np.sort(trains)[-5:].sum()
    inbound, back = t.inbound, t.return_trains
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
        "approved_state": flows.approved_state,
        "approved_private": flows.approved - flows.approved_state,
        "lending": flows.lent,
        "rationed_demand": flows.rationed,
        "lending_capacity": m.lender.capacity,
        "lender_capital": m.lender.capital,
        "projects_active": int((firms.status == 2).sum()),
        "projects_pending": int((firms.status == 1).sum()),
        "defaults": flows.defaults,
        "lender_losses": flows.lender_loss,
        "insurance_payouts": flows.payouts,
        "insurance_premiums": flows.premiums,
        "insurer_capital": m.lender.insurer_cash,
        "insurer_backstop": flows.backstop,
        "exits": flows.exits,
        "overseas_assets": float(firms.overseas_assets.sum()),
        "innovation_index": float(stocks.mean()),
        "innovation_cv": float(stocks.std() / stocks.mean()) if stocks.mean() > 0 else 0.0,
        "group_innovation_gap": _gap(
            [pr.innovation for pr in m.provinces if pr.name in m.p.policy.innovation.sharing_group]
        ),
        "mean_productivity": float(firms.productivity.mean()),
    }
    accounts = quarter_accounts(m, flows, surplus=surplus, subsidies=sub_total, fixed=fixed)
    row.update(
        welfare_shipper_surplus=accounts.shipper_surplus,
        welfare_exporter_surplus=accounts.operating_profit,
        welfare_platform_surplus=accounts.platform_surplus,
        welfare_subsidies=accounts.subsidies,
        welfare_fixed_costs=accounts.fixed_costs,
        welfare_project_returns=welfare.project_net_returns(accounts),
        welfare_default_losses=welfare.default_losses(accounts),
        welfare_total=welfare.welfare_total(accounts),
    )
    m.records.append(row)
    ct = m.city_table
    accounts = {
        name: getattr(ct, name).tolist()
        for name in ("credited_trains", "credited_volume", "subsidy_paid", "fixed_paid")
    }
    per_province = {}
    for name in ("subsidy", "markup"):  # as Province._mean, provinces grouped by city count
        values = np.array([getattr(c, name) for c in m.cities])
        mean = np.zeros(len(m.provinces))
        for rows, cities in m.provinces_by_city_count:
            one = cities.shape[1] == 1  # one city: its own value
            mean[rows] = values[cities[:, 0]] if one else values[cities].mean(axis=1)
        per_province[name] = mean
    for name, values in accounts.items():  # as Province._total
        per_province[name] = [float(sum(values[i] for i in idx)) for idx in m.province_cities]
    scores = [c.objective for c in m.cities]
    per_province["objective"] = [
        float(sum(ok)) if (ok := [scores[i] for i in idx if scores[i] is not None]) else 0.0
        for idx in m.province_cities
    ]
    n_pr = len(m.provinces)
    m.province_rows.append(
        step=np.full(n_pr, m.steps),
        province=m.province_names,
        member=members,
        subsidy_rate=per_province["subsidy"],
        markup=per_province["markup"],
        open_platforms=np.bincount(m.platform_province, weights=open_, minlength=n_pr).astype(int),
        credited_trains=np.array(per_province["credited_trains"]),
        credited_volume=np.array(per_province["credited_volume"]),
        subsidy_paid=np.array(per_province["subsidy_paid"]) / 1e6,
        fixed_paid=np.array(per_province["fixed_paid"]) / 1e6,
        export_value=value_by_province.astype(float),
        innovation=stocks,
        objective=np.array(per_province["objective"]),
        approved_loans=(
            flows.approved_by_province
            if flows.approved_by_province is not None
            else np.zeros(n_pr, dtype=np.int64)
        ),
    )
    m.platform_rows.append(
        step=np.full(m.sea, m.steps),
        platform=m.platform_names,
        province=m.platform_province_names,
        corridor=m.platform_corridors,
        open=open_.copy(),
        designated=designated,
        volume=volume.copy(),
        trains=trains.copy(),
        load_factor=mech.load_factor(volume, trains, f.train_slots),
        capacity=capacity.copy(),
        subsidy_rate=rate.copy(),
        unit_cost=t.unit_cost.copy(),
        subsidy=subsidy / 1e6,
        inbound=inbound.copy(),
        return_trains=back.copy(),
    )


class StepTable:
    """A table recorded a step at a time, as columns (one array per column and step)."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def append(self, **columns: np.ndarray) -> None:
        """Add this step's rows, one array per column, all of one length."""
        self.chunks.append(columns)

    def frame(self) -> pd.DataFrame:
        """All rows recorded so far, in order."""
        if not self.chunks:
            return pd.DataFrame()
        names = list(self.chunks[0])
        return pd.DataFrame({n: np.concatenate([c[n] for c in self.chunks]) for n in names})

    def records(self) -> list[dict]:
        """All rows recorded so far as dicts of Python values."""
        return self.frame().to_dict("records")
