"""The reference enterprise: state as attributes, the rules of mechanisms 4 and 7 as methods."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import mechanisms as mech
from sim.model.agents import Platform
from sim.model.draws import Draws, EntrantDraws
from sim.model.firms import ACTIVE, NONE, PENDING, StepFlows

if TYPE_CHECKING:
    from sim.model.reference.model import ReferenceModel

# What an enterprise is: its lasting state, and this quarter's flows and productivity.
STATE = (
    "province",
    "sector",
    "country",
    "state_owned",
    "size",
    "base_productivity",
    "boost",
    "cash",
    "collateral",
    "overseas_assets",
    "route",
    "status",
    "due",
    "cost",
    "outstanding",
)
QUARTER = ("productivity", "exports", "rail", "revenue")


@dataclass
class LoanRequest:
    """An enterprise's application for a project loan, as the lender sees it."""

    firm: ReferenceEnterprise
    cost: float  # project cost, USD mn
    loan: float  # amount asked, USD mn
    eligible: bool  # collateral, risk appetite and equity conditions met
    priority: tuple[float, float]  # (-queue score, tiebreak draw): lowest is served first
    state_terms: bool  # state-owned, or private firms on equal terms


class ReferenceEnterprise(mesa.Agent):
    """One enterprise: state as attributes, the rules of mechanisms 4 and 7 as methods."""

    def __init__(self, model: ReferenceModel, slot: int):
        super().__init__(model)
        self.slot = slot
        self.province = self.sector = self.country = self.route = self.status = self.due = 0
        self.state_owned = False
        self.size = self.base_productivity = self.boost = 0.0
        self.cash = self.collateral = self.overseas_assets = self.cost = self.outstanding = 0.0
        self.productivity = self.exports = self.rail = self.revenue = 0.0

    @classmethod
    def from_arrays(cls, model: ReferenceModel, slot: int) -> ReferenceEnterprise:
        """The enterprise in ``slot`` of the model's arrays, as an agent."""
        firm = cls(model, slot)
        for name in STATE + QUARTER:
            setattr(firm, name, model.firms.arrays[name][slot].item())
        return firm

    # --- entry ----------------------------------------------------------------------

    def enter(self, d: EntrantDraws, i: int) -> None:
        """Take the ``i``-th entrant's draws: province, sector, destination, size, finance."""
        m = self.model
        p = m.p
        self.province = int(d.province[i])
        self.sector = int(d.sector[i])
        self.country = int(d.country[i])
        self.state_owned = bool(d.state[i] < p.finance.state_share)
        mean_size = np.exp(m.p.finance.size_dispersion**2 / 2)  # of the lognormal draw
        self.size = float(d.size[i] / (mean_size * m.firms.n))  # mean share 1/n
        self.base_productivity = float(d.productivity[i])
        self.boost = 0.0
        revenue0 = self.size * p.freight.total_exports * m.cargo_value[self.sector]
        self.cash = float(p.finance.initial_cash * revenue0 * d.cash[i])
        self.collateral = float(p.finance.collateral * revenue0 * d.collateral[i])
        self.overseas_assets = 0.0
        self.status, self.due = NONE, 0
        self.outstanding = self.cost = 0.0
        self.route = m.sea

    # --- mechanism 4: routes and exports ------------------------------------------------

    def update_productivity(self) -> None:
        """Productivity follows the province's innovation stock and projects' gains."""
        m = self.model
        ratio = m.innovation_ratio[self.province]
        self.productivity = float(
            self.base_productivity
            * np.exp(self.boost)
            * ratio**m.p.innovation.productivity_elasticity
        )

    def inland_discount(self, pl: Platform) -> float:
        """Discount on the inland haul to ``pl``: assembly centres, feeders, hinterland."""
        p = self.model.p
        province = self.model.provinces[self.province]
        discount = 0.0
        if pl.assembly_centre:
            discount = p.policy.assembly_centres.feeder_discount
        coord = p.policy.coordination
        if coord.designated_hubs.enabled and province.member and pl.designated:
            discount = max(discount, coord.designated_hubs.feeder_discount)
        hinter = p.policy.hinterland
        if hinter.provinces and hinter.border_discount > 0 and province.name in hinter.provinces:
            discount = max(discount, hinter.border_discount if pl.province.is_border else 0.0)
        return discount

    def options(self) -> tuple[np.ndarray, np.ndarray]:
        """Generalized cost (USD per FEU) of every option, and which are available.

        A platform is available when it runs, its corridor is not closed and it reaches
        the destination. Its cost is the shipper's price times the haul, the inland haul
        to the hub and the days in transit at the sector's value of time. The sea, always
        available, costs its freight, the haul to the nearest port and its days.
        """
        m = self.model
        f = m.p.freight
        j, c, s = self.province, self.country, self.sector
        costs, available = [], []
        for pl in m.platforms:
            i = pl.index
            usable = m.platform_usable[i] and bool(m.reach[i, c])
            available.append(usable)
            if not usable:
                costs.append(math.inf)
                continue
            inland = (
                f.inland_cost
                * f.route_factor
                * m.inland_km[j, i]
                * (1.0 - self.inland_discount(pl))
            )
            days = m.rail_days[i, c] * f.rail_days_factor
            if f.wait_by == "destination":
                wait = f.wait_weight * m.vot[s] * m.service_wait_days[i, c]
            else:
                wait = f.wait_weight * m.vot[s] * m.platform_wait[i]
            leg_km = m.extra_leg_km[i]
            leg_days = f.domestic_rail_days * leg_km / 1e3 + m.platform_delay[i]
            leg = f.domestic_rail_cost * leg_km + m.vot[s] * leg_days
            costs.append(m.rail_price[i] * m.haul[i, c] + inland + m.vot[s] * days + wait + leg)
        sea = (
            f.sea_cost * m.sea_factor[c]
            + f.inland_cost * f.route_factor * m.port_km[j]
            + m.vot[s] * m.sea_days[c]
        )
        costs.append(sea)
        available.append(True)
        return np.array(costs), np.array(available)

    def choose_route(self, costs: np.ndarray, available: np.ndarray, draws: Draws) -> None:
        """Re-choose by logit when the contract ends or the route is gone; loyalty bonus."""
        f = self.model.p.freight
        gone = not available[self.route]
        if draws.contract[self.slot] < 1.0 / f.contract_length or gone:
            bonus = np.zeros(len(costs))
            if not gone:
                bonus[self.route] = f.loyalty
            probs, _ = mech.hub_choice(costs, f.logit_scale, f.nest_scale, bonus=bonus)
            self.route = int(mech.pick(probs, draws.pick[self.slot]))

    def receivables_factor(self) -> float:
        """Share of exports a financially constrained firm can serve, given insurance."""
        m = self.model
        constrained = (not self.state_owned) and self.size < m.constrained_size
        return float(
            mech.receivables_factor(
                constrained,
                m.risk_class[self.country],
                m.p.policy.finance.insurance_cover,
                m.p.finance.receivables_constraint,
            )
        )

    def ship(self, inclusive: float, sea_cost: float) -> None:
        """Export: size, productivity, partner demand, delivered price, finance."""
        m = self.model
        f = m.p.freight
        elig = m.rail_eligible[self.sector]
        value = m.cargo_value[self.sector]
        delivered = (
            value * 1e6 * (1.0 + m.friction[self.country])
            + elig * inclusive
            + (1.0 - elig) * sea_cost
        )
        self.exports = float(
            mech.export_volume(
                self.size * f.total_exports,
                self.productivity,
                m.demand[self.country],
                delivered,
                m.delivered0[m.cell_of(self.province, self.country, self.sector)],
                f.export_elasticity,
                self.receivables_factor(),
            )
        )
        self.rail = 0.0 if self.route == m.sea else float(elig * self.exports)
        self.revenue = float(self.exports * value)

    # --- mechanism 7: earnings, projects, loans ---------------------------------------

    def earn(self, z: float, out: StepFlows) -> None:
        """Operating profit (with a shock), then pay out cash above the ceiling."""
        fin = self.model.p.finance
        profit = self.revenue * (fin.export_margin + fin.profit_noise * z)
        self.cash += profit
        out.external["operating_profit"] += profit
        excess = max(self.cash - fin.cash_ceiling * self.revenue, 0.0)
        self.cash -= excess
        out.external["payouts_to_owners"] -= excess

    def loan_rate(self) -> float:
        """Quarterly loan rate: private firms pay a spread unless terms are equal."""
        p = self.model.p
        private = not self.state_owned and not p.policy.finance.equal_terms
        return p.finance.interest_rate + (p.finance.private_spread if private else 0.0)

    def run_project(self, step: int, u_fail: float, out: StepFlows) -> None:
        """An active project pays returns, interest and premium; it fails, ends or goes on."""
        if self.status != ACTIVE:
            return
        m = self.model
        p = m.p
        fin = p.finance
        lender = m.lender
        cover = p.policy.finance.insurance_cover
        ret = self.cost * fin.project_return * m.fx_factor[self.country]
        ret *= 1.0 - fin.crisis_return_cut if m.crisis[self.country] else 1.0
        interest = self.outstanding * self.loan_rate()
        premium = self.outstanding * cover * m.premium_rate[self.country]  # insured amount
        self.cash += ret - interest - premium
        lender.cash += interest
        out.interest += interest
        lender.insurer_cash += premium
        out.external["project_returns"] += ret
        out.premiums += premium

        failed = u_fail < m.project_pd[self.country]  # a crisis raises the hazard
        ended = self.due <= step
        if failed or (ended and self.cash < self.outstanding):
            self.default(out)
        elif ended:
            self.repay(out)

    def repay(self, out: StepFlows) -> None:
        """The project is done: repay the loan, gain productivity and overseas assets."""
        p = self.model.p
        self.cash -= self.outstanding
        self.model.lender.cash += self.outstanding
        self.outstanding = 0.0
        gain = p.finance.productivity_gain
        if p.policy.innovation.key_fields and self.model.strategic[self.sector]:
            gain += p.policy.innovation.key_fields_gain
        self.boost += float(np.log1p(gain))
        self.overseas_assets += self.cost * p.finance.overseas_asset_share
        self.status = NONE
        out.completed += 1
        out.completed_by_province[self.province] += 1

    def default(self, out: StepFlows) -> None:
        """The project fails: collateral is seized, insurance pays its share of the loss."""
        m = self.model
        lender = m.lender
        cover = m.p.policy.finance.insurance_cover
        owed = self.outstanding
        target = owed * (1.0 - m.p.finance.loss_given_default)
        domestic = min(target, self.collateral)
        pledged = m.p.policy.finance.overseas_collateral * self.overseas_assets
        overseas = min(target - domestic, pledged)  # accepted overseas assets, sold
        seized = domestic + overseas
        loss = owed - seized
        payout = cover * loss
        self.collateral -= domestic
        self.overseas_assets -= overseas
        out.external["overseas_assets_seized"] += overseas
        lender.cash += seized + payout
        lender.insurer_cash -= payout
        lender.losses += loss - payout
        lender.payouts += payout
        out.lender_loss += loss - payout
        out.payouts += payout
        out.defaults += 1
        self.outstanding = 0.0
        self.status = NONE
        self.cost = 0.0

    def start_project(self, step: int, out: StepFlows) -> None:
        """An approved loan whose lag is over is disbursed; the firm pays its equity."""
        if not (self.status == PENDING and self.due <= step):
            return
        m = self.model
        fin = m.p.finance
        equity = self.cost * fin.equity_share
        self.cash -= equity
        self.status = ACTIVE
        self.due = step + fin.project_length
        out.external["project_investment"] -= self.cost
        cofinance = self.cost - equity - self.outstanding
        out.external["fund_cofinance"] += cofinance
        out.fund += cofinance
        m.lender.cash -= self.outstanding
        out.activated += 1

    def apply_for_loan(self, mean_productivity: float, draws: Draws) -> LoanRequest | None:
        """An idle firm goes abroad with a probability rising with productivity."""
        if self.status != NONE:
            return None
        m = self.model
        fin, pol = m.p.finance, m.p.policy.finance
        prob = min(fin.go_abroad_rate * self.productivity / mean_productivity, 1.0)
        if not draws.apply[self.slot] < prob:
            return None
        cost = fin.project_size * self.revenue
        fund = pol.joint_fund_share if self.province in m.fund_provinces else 0.0
        loan = cost * max(1.0 - fin.equity_share - fund, 0.0)
        state_terms = self.state_owned or pol.equal_terms
        ratio = fin.collateral_ratio if state_terms else fin.private_collateral_ratio
        pledge = self.collateral + pol.overseas_collateral * self.overseas_assets
        eligible = mech.lender_eligible(
            loan,
            pledge,
            ratio,
            m.project_pd[self.country],
            fin.loss_given_default,
            pol.insurance_cover,
            fin.risk_appetite,
            self.cash,
            cost * fin.equity_share,
        )
        score = mech.queue_score(
            fin.interest_rate + (0.0 if state_terms else fin.private_spread),
            m.project_pd[self.country],
            fin.loss_given_default,
            pol.insurance_cover,
            pol.state_priority if state_terms else 0.0,
        )
        priority = (-float(score), float(draws.priority[self.slot]))
        return LoanRequest(self, cost, loan, bool(eligible), priority, state_terms)

    def take_loan(self, request: LoanRequest, step: int) -> None:
        """The loan is approved: it starts after the approval lag."""
        pol = self.model.p.policy.finance
        self.status = PENDING
        lag = pol.approval_lag if request.state_terms else pol.private_approval_lag
        self.due = step + lag
        self.cost = request.cost
        self.outstanding = request.loan
