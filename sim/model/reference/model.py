"""The reference model: the fast model's bulk stages replaced by loops over agents."""

from __future__ import annotations

import numpy as np

from sim.model import mechanisms as mech
from sim.model.draws import Draws, EntrantDraws
from sim.model.firms import ACTIVE, StepFlows
from sim.model.model import BRIModel
from sim.model.reference.enterprise import QUARTER, STATE, LoanRequest, ReferenceEnterprise


class ReferenceModel(BRIModel):
    """The model with enterprises, platforms and provinces run agent by agent (slow; tests)."""

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
        self.platform_wait = [pl.expected_wait() for pl in self.platforms]
        self.service_wait_days = self.service_wait()  # platforms x partners (wait_by)
        surplus = 0.0
        for firm in self.enterprise_agents:
            firm.update_productivity()
            costs, available = firm.options()
            _, inclusive = mech.hub_choice(costs, f.logit_scale, f.nest_scale)
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
        if self.p.freight.wait_by == "destination":
            by_region = np.zeros_like(self.region_volume)
            for firm in self.enterprise_agents:
                if firm.route != self.sea:
                    by_region[firm.route, self.partner_region[firm.country]] += firm.rail
            self.region_volume = by_region
        for pl in self.platforms:
            pl.run_trains(volume[pl.index], weighted[pl.index], self.inbound_volume[pl.index])
            pl.adjust_capacity(self.steps)

    # --- mechanisms 5 and 6 -------------------------------------------------------------

    def set_platform_policies(self) -> None:
        """Each platform takes its owner's subsidy and target by itself."""
        for pl in self.platforms:
            pl.set_policy()

    def settle_province_accounts(self) -> None:
        """Each city adds up what is credited to it, scores itself, reviews its platforms."""
        credit = self.credit_matrix()
        platforms = self.platforms
        outputs = [pl.output() for pl in platforms]
        for city in self.cities:
            share = credit[city.index].tolist()
            city.credited_trains = sum(c * o for c, o in zip(share, outputs, strict=True))
            city.credited_volume = sum(
                c * pl.volume for c, pl in zip(share, platforms, strict=True)
            )
            city.subsidy_paid = sum(c * pl.subsidy for c, pl in zip(share, platforms, strict=True))
            city.deficit_paid = sum(
                c * pl.deficit_cover for c, pl in zip(share, platforms, strict=True)
            )
            city.fixed_paid = sum(pl.fixed_cost for pl in city.platforms)
        national = sum(city.credited_trains for city in self.cities)
        values = [pl.value_to_owner(national) for pl in platforms]
        for city in self.cities:
            city.evaluate(national)
            city.review_platforms(values)
        self.pool_unit_objectives()

    # --- mechanism 7 ------------------------------------------------------------------

    def finance_projects(self) -> None:
        """Each enterprise earns and runs its project; the lender rations; broke firms exit."""
        step, draws, lender = self.steps, self.draws, self.lender
        lender.open_window()
        out = StepFlows()
        n_pr = len(self.provinces)
        out.completed_by_province = np.zeros(n_pr, dtype=np.int64)
        out.firms_by_province = np.bincount(
            [firm.province for firm in self.enterprise_agents], minlength=n_pr
        )
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
        out.approved = self.lend(requests, out)
        out.applications = len(requests)
        out.demand = sum(r.loan for r in requests)
        for firm in firms:  # approved loans whose lag is over (0: this very step) start
            firm.start_project(step, out)

        self.replace_broke_enterprises(out)
        disbursed = sum(f.outstanding for f in self.enterprise_agents if f.status == ACTIVE)
        out.funding_cost = lender.close_books(out.interest, disbursed, out.lender_loss)
        lender.backstop(out)
        self.flows = out
        self.publish(STATE)

    def lend(self, requests: list[LoanRequest], out: StepFlows) -> int:
        """Approve eligible requests in queue order while capacity lasts; count them.

        A request that does not fit in what is left is skipped (its loan counts as
        rationed); later, smaller ones may fit. Ties keep the enterprises' slot order.
        """
        lender = self.lender
        approved = 0
        out.approved_by_province = np.zeros(len(self.provinces), dtype=np.int64)
        for request in sorted(requests, key=lambda r: r.priority):
            if not request.eligible:
                continue
            if lender.capacity_left > 0 and request.loan <= lender.capacity_left:
                lender.capacity_left -= request.loan
                request.firm.take_loan(request, self.steps)
                approved += 1
                out.lent += request.loan
                out.approved_state += int(request.firm.state_owned)
                out.approved_by_province[request.firm.province] += 1
            else:
                out.rationed += request.loan
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
