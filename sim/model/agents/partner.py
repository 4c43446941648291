"""Partner countries: import demand, sovereign risk, exchange rate, crises (mechanism 1)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.model import BRIModel


class PartnerCountry(mesa.Agent):
    """A partner country: import demand, sovereign risk, exchange rate, crises (mechanism 1)."""

    def __init__(self, model: BRIModel, index, name, region, risk_class, lon, lat, trend):
        super().__init__(model)
        self.index = index
        self.name = name
        self.region = region
        self.risk_class = int(risk_class)
        self.lon, self.lat = float(lon), float(lat)
        self.trend = float(trend)  # quarterly log growth of import demand
        self.log_fx = 0.0  # log value of the partner's currency against its start
        self.demand = 1.0  # import demand index, 1 at start
        self.in_crisis = False
        self.forced_left = 0  # quarters an event keeps the crisis on, whatever the draws
        self.shock = 0.0  # demand shock from events, as a log change
        self.shock_left = 0

    @property
    def friction(self) -> float:
        """Trade friction as a cost mark-up, less any facilitation agreed with it."""
        p = self.model.p
        base = p.partners.friction[self.risk_class]
        if self.name in p.policy.trade.partners:
            base *= 1.0 - p.policy.trade.friction_reduction
        return base

    def update(self) -> None:
        """Walk the exchange rate, start or end a crisis, grow demand."""
        p = self.model.p.partners
        rng = self.model.streams.partners
        z_fx, u_crisis, z_demand = rng.normal(), rng.random(), rng.normal()
        self.log_fx += p.fx_volatility[self.risk_class] * z_fx
        if self.forced_left > 0:
            self.forced_left -= 1
        elif self.in_crisis and u_crisis < p.crisis_recovery:
            self.in_crisis = False
        elif not self.in_crisis and u_crisis < p.crisis_hazard[self.risk_class]:
            self.start_crisis()
        self.demand *= math.exp(self.trend + p.demand_noise * z_demand)
        if self.shock_left > 0:  # in force for exactly the event's duration
            self.shock_left -= 1
        else:
            self.shock = 0.0

    def start_crisis(self, duration: int = 0) -> None:
        """Enter a crisis: the currency falls; an event keeps it on ``duration`` quarters."""
        if not self.in_crisis:
            self.log_fx -= self.model.p.partners.crisis_depreciation
        self.in_crisis = True
        self.forced_left = max(self.forced_left, duration)

    def demand_index(self) -> float:
        """Import demand for Chinese goods: trend, exchange rate, crisis and shocks."""
        p = self.model.p.partners
        cut = p.crisis_demand_cut if self.in_crisis else 0.0
        return self.demand * math.exp(p.fx_demand_elasticity * self.log_fx + self.shock) * (1 - cut)
