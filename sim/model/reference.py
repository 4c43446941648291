"""The per-agent reference: the enterprise rules written one enterprise at a time.

:class:`ReferenceModel` is the model with its fast (bulk) enterprise stages replaced by a
plain loop over :class:`ReferenceEnterprise` agents. Each agent holds its state as
ordinary attributes and decides by itself, calling the scalar rules of
:mod:`sim.model.mechanisms`: it prices its options, keeps or re-chooses its route, exports,
earns, runs its project, applies for a loan, and exits when its cash runs out. The lender
then rations its capacity over the applicants in priority order, and entrants take the
exited slots in slot order. Platforms run their trains one by one, from volumes the
enterprises' shipments add up to.

The reference consumes the same random numbers as the fast path (:class:`~sim.model.firms.Draws`
for each step, :class:`~sim.model.firms.EntrantDraws` for entrants), so on the same seed the two
models must agree step by step: exactly on discrete state (routes, project status, exits),
to floating-point tolerance on sums whose order differs. ``tests/test_reference.py``
checks this; it is the proof that the fast path computes the rules the ODD document
states. The reference is slow (pure Python per enterprise) and meant for reading and
testing, not for experiments.

The initial population is the fast path's (both models build it from the same draws);
everything after that is decided per agent. After each of its stages the reference writes
its agents' state into the model's arrays, so platforms, provinces and the recorded
outcomes read it as they read the fast path's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from sim.model import mechanisms as mech
from sim.model.agents import Platform
from sim.model.firms import (
    ACTIVE,
    NONE,
    PENDING,
    Draws,
    EntrantDraws,
    StepFlows,
)
from sim.model.model import BRIModel

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
    priority: float  # place in the lender's queue (lowest first)
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
            discount = max(discount, hinter.border_discount if pl.owner.is_border else 0.0)
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
            costs.append(m.rail_price[i] * m.haul[i, c] + inland + m.vot[s] * days)
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
            probs, _ = mech.logit(costs, f.logit_scale, bonus=bonus)
            self.route = int(mech.pick(probs, draws.pick[self.slot]))

    def receivables_factor(self) -> float:
        """Share of exports a financially constrained firm can serve, given insurance."""
        m = self.model
        constrained = (not self.state_owned) and self.size < m.median_size
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
        ret *= 0.0 if m.crisis[self.country] else 1.0
        interest = self.outstanding * self.loan_rate()
        premium = self.outstanding * cover * fin.premium  # on the insured amount
        self.cash += ret - interest - premium
        lender.cash += interest
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
        priority = draws.priority[self.slot] + (0.0 if state_terms else 1.0)  # state first
        return LoanRequest(self, cost, loan, bool(eligible), float(priority), state_terms)

    def take_loan(self, request: LoanRequest, step: int) -> None:
        """The loan is approved: it starts after the approval lag."""
        pol = self.model.p.policy.finance
        self.status = PENDING
        lag = pol.approval_lag if request.state_terms else pol.private_approval_lag
        self.due = step + lag
        self.cost = request.cost
        self.outstanding = request.loan


class ReferenceModel(BRIModel):
    """The model with the enterprise rules run agent by agent (slow; for tests)."""

    def __init__(self, scenario, *, rng=None):
        super().__init__(scenario, rng=rng)
        for agent in self.enterprise_agents:
            agent.remove()
        self.enterprise_agents = [
            ReferenceEnterprise.from_arrays(self, s) for s in range(self.firms.n)
        ]

    def cell_of(self, province: int, country: int, sector: int) -> int:
        """Index of a (province, country, sector) cell."""
        return (province * len(self.partner_list) + country) * len(self.sector_names) + sector

    def publish(self, names: tuple[str, ...]) -> None:
        """Write the agents' ``names`` into the model's arrays (read by platforms, outcomes)."""
        for name in names:
            column = self.firms.arrays[name]
            for firm in self.enterprise_agents:
                column[firm.slot] = getattr(firm, name)

    # --- mechanism 4 ------------------------------------------------------------------

    def ship_exports(self) -> None:
        """Each enterprise prices its options, keeps or re-chooses its route, exports."""
        f = self.p.freight
        self.draws = Draws.draw(self.streams.enterprises, self.firms.n)
        self.platform_usable = [
            pl.is_open and pl.corridor not in self.closed_corridors for pl in self.platforms
        ]
        self.rail_price = [pl.posted_cost() * (1.0 - pl.subsidy_rate) for pl in self.platforms]
        surplus = 0.0
        for firm in self.enterprise_agents:
            firm.update_productivity()
            costs, available = firm.options()
            _, inclusive = mech.logit(costs, f.logit_scale)
            firm.choose_route(costs, available, self.draws)
            firm.ship(float(inclusive), float(costs[self.sea]))
            elig = self.rail_eligible[firm.sector]
            surplus += elig * firm.exports * (costs[self.sea] - inclusive)
        self.shipper_surplus = float(surplus)
        self.publish(("route", *QUARTER))

    # --- mechanism 3 ------------------------------------------------------------------

    def run_platforms(self) -> None:
        """Shipments add up to each platform's volume; each platform runs its trains."""
        n_opt = self.sea + 1
        volume = [0.0] * n_opt
        weighted = [0.0] * n_opt
        origin = np.zeros((len(self.provinces), n_opt))
        for firm in self.enterprise_agents:
            haul = 1.0 if firm.route == self.sea else self.haul[firm.route, firm.country]
            volume[firm.route] += firm.rail
            weighted[firm.route] += firm.rail * haul
            origin[firm.province, firm.route] += firm.rail
        self.origin_volume = origin[:, : self.sea]
        for pl in self.platforms:
            pl.run_trains(volume[pl.index], weighted[pl.index])
            pl.adjust_capacity(self.steps)

    # --- mechanism 7 ------------------------------------------------------------------

    def finance_projects(self) -> None:
        """Each enterprise earns and runs its project; the lender rations; broke firms exit."""
        step, draws, lender = self.steps, self.draws, self.lender
        lender.open_window(sum(firm.revenue for firm in self.enterprise_agents))
        out = StepFlows()
        for key in ("operating_profit", "payouts_to_owners", "project_returns"):
            out.external[key] = 0.0
        out.external.update(project_investment=0.0, fund_cofinance=0.0, overseas_assets_seized=0.0)
        for firm in self.enterprise_agents:
            firm.earn(draws.profit[firm.slot], out)
            firm.run_project(step, draws.fail[firm.slot], out)

        firms = self.enterprise_agents
        mean_productivity = float(np.mean([firm.productivity for firm in firms]))
        requests = [firm.apply_for_loan(mean_productivity, draws) for firm in firms]
        requests = [r for r in requests if r is not None]
        out.approved = self.lend(requests)
        out.applications = len(requests)
        out.demand = sum(r.loan for r in requests)
        for firm in firms:  # approved loans whose lag is over (0: this very step) start
            firm.start_project(step, out)

        self.replace_broke_enterprises(out)
        self.flows = out
        self.publish(STATE)

    def lend(self, requests: list[LoanRequest]) -> int:
        """Approve eligible requests in priority order while capacity lasts; count them.

        A request that does not fit in what is left is skipped; later, smaller ones may
        fit. Ties keep the enterprises' slot order.
        """
        lender = self.lender
        if lender.capacity_left <= 0:
            return 0
        approved = 0
        for request in sorted(requests, key=lambda r: r.priority):
            if request.eligible and request.loan <= lender.capacity_left:
                lender.capacity_left -= request.loan
                request.firm.take_loan(request, self.steps)
                approved += 1
        return approved

    def replace_broke_enterprises(self, out: StepFlows) -> None:
        """Firms whose cash ran out exit (a disbursed loan defaults); entrants take their slots."""
        ext = out.external
        ext["exit_write_off"] = 0.0
        gone = [firm for firm in self.enterprise_agents if firm.cash < 0.0]
        for firm in gone:
            if firm.status == ACTIVE and firm.outstanding > 0:
                firm.default(out)
            ext["exit_write_off"] -= firm.cash + firm.collateral
        ext["entrant_endowment"] = 0.0
        if gone:
            draws = EntrantDraws.draw(self.streams.entrants, len(gone), self)
            for i, old in enumerate(gone):  # slot order
                old.remove()
                new = ReferenceEnterprise(self, old.slot)
                new.enter(draws, i)
                self.enterprise_agents[old.slot] = new
                ext["entrant_endowment"] += new.cash + new.collateral
        out.exits = len(gone)
