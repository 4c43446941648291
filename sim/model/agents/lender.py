"""The lender: policy and commercial banks with export credit insurance (mechanism 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.model import BRIModel


class Lender(mesa.Agent):
    """Policy and commercial banks with export credit insurance (mechanism 7).

    Holds the lender's and the insurer's cash, the lending capacity left this step, and
    the running totals of losses and payouts.
    """

    def __init__(self, model: BRIModel, cash: float):
        super().__init__(model)
        self.cash = cash
        self.insurer_cash = 0.0
        self.capacity_left = 0.0
        self.losses = 0.0
        self.payouts = 0.0

    def open_window(self, revenue_total: float) -> None:
        """Set this step's lending capacity from the firms' export revenue."""
        self.capacity_left = self.model.p.finance.lender_capacity * revenue_total
