"""Enterprises: Mesa agents whose state lives in the model's arrays (:mod:`sim.model.firms`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.model import BRIModel


class Enterprise(mesa.Agent):
    """An enterprise. Its state lives in the model's arrays; attributes read it by slot."""

    def __init__(self, model: BRIModel, slot: int):
        super().__init__(model)
        self.slot = slot

    def _get(self, name):
        return self.model.firms.arrays[name][self.slot]

    province = property(lambda self: self.model.province_list[int(self._get("province"))])
    sector = property(lambda self: self.model.sector_names[int(self._get("sector"))])
    state_owned = property(lambda self: bool(self._get("state_owned")))
    productivity = property(lambda self: float(self._get("productivity")))
    cash = property(lambda self: float(self._get("cash")))
    collateral = property(lambda self: float(self._get("collateral")))
    overseas_assets = property(lambda self: float(self._get("overseas_assets")))
    exports = property(lambda self: float(self._get("exports")))
    destination = property(lambda self: self.model.partner_list[int(self._get("country"))])
    project_status = property(lambda self: ("none", "pending", "active")[int(self._get("status"))])
    loan = property(lambda self: float(self._get("outstanding")))

    @property
    def route(self):
        """The platform the enterprise ships through, or ``"sea"``."""
        r = int(self._get("route"))
        return "sea" if r == self.model.sea else self.model.platform_list[r]
