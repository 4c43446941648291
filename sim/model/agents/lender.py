"""The lender: policy and commercial banks with export credit insurance (mechanism 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.firms import StepFlows
    from sim.model.model import BRIModel


class Lender(mesa.Agent):
    """Policy and commercial banks with export credit insurance (mechanism 7).

    Holds the lender's and the insurer's cash, its capital, the lending capacity left this
    step, and the running totals of losses and payouts.

    The capacity of a quarter is ``finance.lending_budget`` times the capital's ratio to
    its start, at most 1 (:meth:`open_window`): losses that deplete the capital shrink
    it, and the interest margin that rebuilds the capital restores it
    (:meth:`close_books`).
    """

    def __init__(self, model: BRIModel, cash: float):
        super().__init__(model)
        self.cash = cash
        self.insurer_cash = model.p.finance.insurer_capital
        self.capital = model.p.finance.lender_capital
        self.capacity = 0.0
        self.capacity_left = 0.0
        self.losses = 0.0
        self.payouts = 0.0

    def open_window(self) -> None:
        """Set this step's lending capacity from the budget and the capital left."""
        fin = self.model.p.finance
        ratio = min(max(self.capital / fin.lender_capital, 0.0), 1.0)
        self.capacity = fin.lending_budget * ratio
        self.capacity_left = self.capacity

    def backstop(self, flows: StepFlows) -> None:
        """The state refills an insurer whose claims took its cash below zero, to zero.

        The refill enters the model from outside (``state_backstop`` among the flows).
        """
        need = max(-self.insurer_cash, 0.0)
        self.insurer_cash += need
        flows.backstop = need
        flows.external["state_backstop"] = need

    def close_books(self, interest: float, outstanding: float, losses: float) -> float:
        """The capital gains the interest margin on disbursed loans and bears the losses.

        ``capital += interest - funding_rate * outstanding - losses``, with ``losses``
        after insurance and ``outstanding`` the disbursed loans at the end of the step.
        Returns the funding cost, ``funding_rate * outstanding``.
        """
        funding = self.model.p.finance.funding_rate * outstanding
        self.capital += interest - funding - losses
        return funding
