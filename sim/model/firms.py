"""The enterprise population: state as arrays, per-step rules in bulk (mechanisms 4 and 7).

Every enterprise is also a Mesa :class:`~sim.model.agents.Enterprise` agent whose attributes
read these arrays by slot. An enterprise that exits is replaced by an entrant in the same
slot (and by a new Mesa agent), so the arrays keep their size. The random numbers the
rules consume are drawn in :mod:`sim.model.draws`. The module runs over 400 lines: the bulk
rules of two mechanisms (shipping and finance) live beside the arrays they update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model import mechanisms as mech
from sim.model.draws import Draws, EntrantDraws

if TYPE_CHECKING:
    from sim.model.model import BRIModel
    from sim.model.pricing import CellPrices

NONE, PENDING, ACTIVE = 0, 1, 2


@dataclass
class StepFlows:
    """Totals of one step's finance, for outcomes and the money ledger (USD mn)."""

    applications: int = 0
    demand: float = 0.0
    approved: int = 0
    activated: int = 0
    defaults: int = 0
    completed: int = 0
    exits: int = 0
    lender_loss: float = 0.0
    payouts: float = 0.0
    premiums: float = 0.0
    fund: float = 0.0
    interest: float = 0.0  # paid to the lender on disbursed loans
    lent: float = 0.0  # loans approved
    rationed: float = 0.0  # eligible loans the capacity left could not take
    approved_state: int = 0  # approvals of state-owned firms
    approved_by_province: np.ndarray | None = None  # approvals per province index
    backstop: float = 0.0  # the state's refill of an insurer whose claims exhausted it
    funding_cost: float = 0.0  # the lender's cost of funds on the loans disbursed
    completed_by_province: np.ndarray | None = None  # projects completed, per province
    firms_by_province: np.ndarray | None = None  # enterprises, per province
    external: dict[str, float] = field(default_factory=dict)


class Firms:
    """Arrays of enterprise state and the bulk rules that update them."""

    FIELDS = {
        "province": np.int32,
        "sector": np.int32,
        "country": np.int32,
        "state_owned": bool,
        "size": float,  # share of total exports at start
        "base_productivity": float,
        "boost": float,  # log productivity gained from projects abroad
        "productivity": float,
        "cash": float,  # USD mn
        "collateral": float,  # USD mn
        "overseas_assets": float,  # USD mn
        "route": np.int32,  # platform index, or model.sea
        "exports": float,  # FEU this step
        "rail": float,  # FEU on rail this step
        "revenue": float,  # USD mn this step
        "status": np.int8,
        "due": np.int32,  # step a pending loan activates / an active project ends
        "cost": float,  # project cost, USD mn
        "outstanding": float,  # loan outstanding, USD mn
        # who shipped this quarter's flows: an entrant that takes an exited firm's slot
        # after shipping must not relabel the exited firm's exports with its own cell
        "shipped_province": np.int32,
        "shipped_sector": np.int32,
        "shipped_country": np.int32,
    }

    def __init__(self, model: BRIModel, n: int):
        self.model = model
        self.n = n
        self.arrays = {k: np.zeros(n, dtype=t) for k, t in self.FIELDS.items()}
        self.arrays["route"][:] = model.sea
        self.draw_entrants(np.arange(n), initial=True)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None

    # --- population -------------------------------------------------------------------

    def draw_entrants(self, slots: np.ndarray, *, initial: bool = False) -> None:
        """Give ``slots`` fresh enterprises: province by GDP, sector, size, finance."""
        m = self.model
        if slots.size == 0:
            return
        self.enter(slots, EntrantDraws.draw(m.streams.entrants, slots.size, m))
        if not initial:
            m.replace_enterprise_agents(slots)

    def enter(self, slots: np.ndarray, d: EntrantDraws) -> None:
        """Endow the entrants in ``slots`` from their draws ``d`` (same order)."""
        m = self.model
        p = m.p
        a = self.arrays
        a["province"][slots] = d.province
        a["sector"][slots] = d.sector
        a["country"][slots] = d.country
        a["state_owned"][slots] = d.state < p.finance.state_share
        mean_size = np.exp(p.finance.size_dispersion**2 / 2)  # of the lognormal draw
        a["size"][slots] = d.size / (mean_size * self.n)  # mean share 1/n
        a["base_productivity"][slots] = d.productivity
        a["boost"][slots] = 0.0
        revenue0 = a["size"][slots] * p.freight.total_exports * m.cargo_value[a["sector"][slots]]
        a["cash"][slots] = p.finance.initial_cash * revenue0 * d.cash
        a["collateral"][slots] = p.finance.collateral * revenue0 * d.collateral
        a["overseas_assets"][slots] = 0.0
        a["status"][slots] = NONE
        a["due"][slots] = 0
        a["outstanding"][slots] = 0.0
        a["cost"][slots] = 0.0
        a["route"][slots] = m.sea

    def record_shipments(self) -> None:
        """Keep the cell each firm shipped from and to this quarter, for the outcomes."""
        a = self.arrays
        a["shipped_province"][:] = a["province"]
        a["shipped_sector"][:] = a["sector"]
        a["shipped_country"][:] = a["country"]

    def cells(self) -> np.ndarray:
        """Index of each firm's (province, country, sector) cell."""
        m = self.model
        return (self.province * len(m.partner_list) + self.country) * len(m.sector_names) + (
            self.sector
        )

    # --- mechanism 4: route choice and exports -----------------------------------------

    def update_productivity(self) -> None:
        """Productivity follows the province's innovation stock and projects' gains."""
        m = self.model
        ratio = m.innovation_ratio[self.province]
        self.productivity[:] = (
            self.base_productivity
            * np.exp(self.boost)
            * ratio**m.p.innovation.productivity_elasticity
        )

    def choose_routes(self, prices: CellPrices, row: np.ndarray, draws: Draws) -> None:
        """Firms whose contract ends (or whose route is gone) re-choose by nested logit.

        ``prices`` holds this step's generalized cost and availability of the options on
        offer (platform indices, the sea last) for each priced cell; a firm's cell is
        ``row``. The loyalty bonus goes to the route used last step.
        """
        f = self.model.p.freight
        route = self.route
        options = prices.options
        n_opt = options.size
        column = np.full(self.model.sea + 1, n_opt)  # n_opt: the route is not on offer
        column[options] = np.arange(n_opt)
        col = column[route]
        gone = col == n_opt
        kept = np.flatnonzero(~gone)
        gone[kept] = ~prices.available(row[kept], col[kept])
        choosers = np.flatnonzero((draws.contract < 1.0 / f.contract_length) | gone)
        if choosers.size == 0:
            return
        # Choosers in one cell who keep the same route (or have none to keep) face the
        # same choice: compute each distinct choice once, then pick per chooser.
        loyal_to = np.where(gone[choosers], n_opt, col[choosers])  # n_opt: no bonus
        keys, which = np.unique(row[choosers] * (n_opt + 1) + loyal_to, return_inverse=True)
        key_row, key_col = np.divmod(keys, n_opt + 1)
        sub = prices.cost(key_row)
        bonus = np.zeros_like(sub)
        loyal = np.flatnonzero(key_col < n_opt)
        bonus[loyal, key_col[loyal]] = f.loyalty
        probs = mech.hub_choice_probabilities(sub, f.logit_scale, f.nest_scale, bonus=bonus)
        route[choosers] = options[mech.pick(probs, draws.pick[choosers], rows=which)]

    def ship(
        self,
        inclusive: np.ndarray,
        sea_cost: np.ndarray,
        delivered0: np.ndarray,
        demand: np.ndarray,
        friction: np.ndarray,
        finance: np.ndarray,
    ) -> None:
        """Export volumes: size, productivity, partner demand, delivered price, finance.

        ``inclusive``, ``sea_cost`` and ``delivered0`` are each firm's (of its cell):
        rail-eligible goods pay the logit's expected cost, the rest the sea's.
        """
        m = self.model
        f = m.p.freight
        elig = m.rail_eligible[self.sector]
        value = m.cargo_value[self.sector]
        delivered = (
            value * 1e6 * (1.0 + friction[self.country])
            + elig * inclusive
            + (1.0 - elig) * sea_cost
        )
        self.exports[:] = mech.export_volume(
            self.size * f.total_exports,
            self.productivity,
            demand[self.country],
            delivered,
            delivered0,
            f.export_elasticity,
            finance,
        )
        self.rail[:] = np.where(self.route == m.sea, 0.0, elig * self.exports)
        self.revenue[:] = self.exports * value

    def receivables(self, cover: float) -> np.ndarray:
        """Export factor from receivables insurance: constrained firms lose most uninsured."""
        m = self.model
        constrained = (~self.state_owned) & (self.size < m.constrained_size)
        return mech.receivables_factor(
            constrained, m.risk_class[self.country], cover, m.p.finance.receivables_constraint
        )

    # --- mechanism 7: going abroad and financing ----------------------------------------

    def finance_step(self, step: int, draws: Draws) -> StepFlows:
        """Profits, project returns, defaults, completions, applications, approvals, exits."""
        m = self.model
        p = m.p
        fin, pol = p.finance, p.policy.finance
        lender = m.lender
        out = StepFlows()
        ext = out.external
        ext["overseas_assets_seized"] = 0.0
        cover = pol.insurance_cover

        # operating profit (external inflow) and payout of cash above the ceiling
        profit = self.revenue * (fin.export_margin + fin.profit_noise * draws.profit)
        self.cash += profit
        ext["operating_profit"] = float(profit.sum())
        excess = np.maximum(self.cash - fin.cash_ceiling * self.revenue, 0.0)
        self.cash -= excess
        ext["payouts_to_owners"] = -float(excess.sum())

        # active projects: returns in the partner's currency, interest, premium
        active = np.flatnonzero(self.status == ACTIVE)
        c = self.country[active]
        fx = m.fx_factor[c]
        crisis = m.crisis[c]
        ret = self.cost[active] * fin.project_return * fx
        ret *= np.where(crisis, 1.0 - fin.crisis_return_cut, 1.0)
        rate = self.loan_rate(active)
        interest = self.outstanding[active] * rate
        premium = self.outstanding[active] * cover * m.premium_rate[c]  # on the insured amount
        self.cash[active] += ret - interest - premium
        lender.cash += float(interest.sum())
        out.interest = float(interest.sum())
        lender.insurer_cash += float(premium.sum())
        ext["project_returns"] = float(ret.sum())
        out.premiums = float(premium.sum())

        # failures (crisis raises the hazard) and completions
        pd = m.project_pd[c]
        failed = active[draws.fail[active] < pd]
        ended = active[(self.due[active] <= step) & ~np.isin(active, failed)]
        broke = ended[self.cash[ended] < self.outstanding[ended]]
        repaid = ended[self.cash[ended] >= self.outstanding[ended]]
        self.default(np.concatenate([failed, broke]), cover, out)
        self.cash[repaid] -= self.outstanding[repaid]
        lender.cash += float(self.outstanding[repaid].sum())
        self.outstanding[repaid] = 0.0
        gain = p.finance.productivity_gain + np.where(
            p.policy.innovation.key_fields & m.strategic[self.sector[repaid]],
            p.policy.innovation.key_fields_gain,
            0.0,
        )
        self.boost[repaid] += np.log1p(gain)
        self.overseas_assets[repaid] += self.cost[repaid] * fin.overseas_asset_share
        self.status[repaid] = NONE
        out.completed = int(repaid.size)
        n_pr = len(m.provinces)
        out.completed_by_province = np.bincount(self.province[repaid], minlength=n_pr)
        out.firms_by_province = np.bincount(self.province, minlength=n_pr)

        # applications and the lender's decision
        idle = self.status == NONE
        mean_prod = float(self.productivity.mean())
        prob = np.minimum(fin.go_abroad_rate * self.productivity / mean_prod, 1.0)
        apply = np.flatnonzero(idle & (draws.apply < prob))
        cost = fin.project_size * self.revenue[apply]
        fund = np.where(np.isin(self.province[apply], m.fund_provinces), pol.joint_fund_share, 0.0)
        loan = cost * np.maximum(1.0 - fin.equity_share - fund, 0.0)
        equal = pol.equal_terms
        state = self.state_owned[apply] | equal
        ratio = np.where(state, fin.collateral_ratio, fin.private_collateral_ratio)
        pledge = self.collateral[apply] + pol.overseas_collateral * self.overseas_assets[apply]
        ok = mech.lender_eligible(
            loan,
            pledge,
            ratio,
            m.project_pd[self.country[apply]],
            fin.loss_given_default,
            cover,
            fin.risk_appetite,
            self.cash[apply],
            cost * fin.equity_share,
        )
        score = mech.queue_score(
            fin.interest_rate + np.where(state, 0.0, fin.private_spread),
            m.project_pd[self.country[apply]],
            fin.loss_given_default,
            cover,
            np.where(state, pol.state_priority, 0.0),
        )
        priority = mech.queue_order(score, draws.priority[apply])
        approved = mech.ration(loan, ok, priority, lender.capacity_left)
        lender.capacity_left -= float(loan[approved].sum())
        won = apply[approved]
        out.lent = float(loan[approved].sum())
        out.rationed = float(loan[ok & ~approved].sum())
        out.approved_state = int(self.state_owned[won].sum())
        out.approved_by_province = np.bincount(self.province[won], minlength=len(m.provinces))
        self.status[won] = PENDING
        lag = np.where(state[approved], pol.approval_lag, pol.private_approval_lag)
        self.due[won] = step + lag
        self.cost[won] = cost[approved]
        self.outstanding[won] = loan[approved]
        out.applications = int(apply.size)
        out.demand = float(loan.sum())
        out.approved = int(won.size)

        # approved loans whose lag is over (0: this very step) start their project
        starting = np.flatnonzero((self.status == PENDING) & (self.due <= step))
        equity = self.cost[starting] * fin.equity_share
        self.cash[starting] -= equity
        self.status[starting] = ACTIVE
        self.due[starting] = step + fin.project_length
        ext["project_investment"] = -float(self.cost[starting].sum())
        ext["fund_cofinance"] = float(
            (self.cost[starting] - equity - self.outstanding[starting]).sum()
        )
        lender.cash -= float(self.outstanding[starting].sum())
        out.fund = ext["fund_cofinance"]
        out.activated = int(starting.size)

        # exits: cash ran out; a disbursed (active) loan defaults first, an approved loan
        # not yet disbursed (pending) is simply cancelled; an entrant takes the slot
        gone = np.flatnonzero(self.cash < 0.0)
        owing = gone[(self.status[gone] == ACTIVE) & (self.outstanding[gone] > 0)]
        self.default(owing, cover, out)
        ext["exit_write_off"] = -float((self.cash[gone] + self.collateral[gone]).sum())
        self.draw_entrants(gone)
        ext["entrant_endowment"] = float((self.cash[gone] + self.collateral[gone]).sum())
        out.exits = int(gone.size)
        return out

    def loan_rate(self, idx: np.ndarray) -> np.ndarray:
        """Quarterly loan rate: private firms pay a spread unless terms are equal."""
        fin = self.model.p.finance
        private = ~self.state_owned[idx] & (not self.model.p.policy.finance.equal_terms)
        return fin.interest_rate + np.where(private, fin.private_spread, 0.0)

    def default(self, idx: np.ndarray, cover: float, out: StepFlows) -> None:
        """Projects fail: collateral is seized, insurance pays its share, the rest is lost.

        Domestic collateral, then accepted overseas assets, are seized up to
        ``1 - loss_given_default`` of the loan; insurance pays ``cover`` of the remaining
        loss and the lender bears the rest.
        """
        if idx.size == 0:
            return
        lender = self.model.lender
        lgd = self.model.p.finance.loss_given_default
        owed = self.outstanding[idx]
        target = owed * (1.0 - lgd)
        domestic = np.minimum(target, self.collateral[idx])
        pledged = self.model.p.policy.finance.overseas_collateral * self.overseas_assets[idx]
        overseas = np.minimum(target - domestic, pledged)  # accepted overseas assets, sold
        seized = domestic + overseas
        loss = owed - seized
        payout = cover * loss
        self.collateral[idx] -= domestic
        self.overseas_assets[idx] -= overseas
        out.external["overseas_assets_seized"] = out.external.get(
            "overseas_assets_seized", 0.0
        ) + float(overseas.sum())
        lender.cash += float(seized.sum() + payout.sum())
        lender.insurer_cash -= float(payout.sum())
        lender.losses += float((loss - payout).sum())
        lender.payouts += float(payout.sum())
        out.lender_loss += float((loss - payout).sum())
        out.payouts += float(payout.sum())
        out.defaults += int(idx.size)
        self.outstanding[idx] = 0.0
        self.status[idx] = NONE
        self.cost[idx] = 0.0
