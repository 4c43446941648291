"""The random numbers the enterprise rules consume, drawn in a fixed order.

The fast path (:mod:`sim.model.firms`) and the per-agent reference
(:mod:`sim.model.reference`) read the same draws, so they must agree on the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import BRIModel


@dataclass
class Draws:
    """The random numbers one step of the enterprise rules consumes, one per enterprise."""

    contract: np.ndarray  # uniform: contract ends when below 1/contract_length
    pick: np.ndarray  # uniform: which route is picked (inverse CDF)
    apply: np.ndarray  # uniform: whether the firm seeks a project loan
    priority: np.ndarray  # uniform: place in the lender's queue
    fail: np.ndarray  # uniform: whether an active project fails
    profit: np.ndarray  # standard normal: profit shock

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> Draws:
        """Draw one step's numbers in a fixed order."""
        u = rng.random((5, n))
        return cls(*u, rng.standard_normal(n))


@dataclass
class EntrantDraws:
    """The random numbers that endow ``k`` entrants, one per entrant, in slot order."""

    province: np.ndarray  # home province, drawn by GDP weight
    sector: np.ndarray  # sector, drawn by sector share
    country: np.ndarray  # destination: uniform over partners, or by export weight
    state: np.ndarray  # uniform: state-owned when below the state share
    size: np.ndarray  # lognormal(0, s): size, before scaling to a share of exports
    productivity: np.ndarray  # lognormal(-s^2/2, s): base productivity, mean 1
    cash: np.ndarray  # lognormal(-s^2/2, s): cash over the mean endowment
    collateral: np.ndarray  # lognormal(-s^2/2, s): collateral over the mean endowment

    @classmethod
    def draw(cls, rng: np.random.Generator, k: int, model: BRIModel) -> EntrantDraws:
        """Draw ``k`` entrants' numbers in a fixed order."""
        m = model
        province = rng.choice(len(m.province_list), size=k, p=m.province_weights)
        sector = rng.choice(len(m.sector_names), size=k, p=m.sector_shares)
        if m.partner_weights is None:
            country = rng.integers(0, len(m.partner_list), size=k)
        else:
            country = rng.choice(len(m.partner_list), size=k, p=m.partner_weights)
        state = rng.random(k)
        fin = m.p.finance
        size = rng.lognormal(0.0, fin.size_dispersion, size=k)
        sp, sb = fin.productivity_dispersion, fin.balance_dispersion
        productivity = rng.lognormal(-(sp**2) / 2, sp, size=k)
        cash = rng.lognormal(-(sb**2) / 2, sb, k)
        collateral = rng.lognormal(-(sb**2) / 2, sb, k)
        return cls(province, sector, country, state, size, productivity, cash, collateral)
