"""The model's agents: provinces, cities, platforms, partners, the lender and enterprises.

Provinces, cities, platforms and partners are few and act one by one; their rules are pure
functions of :mod:`sim.model.mechanisms`, which the model also calls over all of them at
once. Enterprises are many: their state lives in arrays (:mod:`sim.model.firms`) and each
remains a Mesa agent reading it.
"""

from sim.model.agents.city import City
from sim.model.agents.enterprise import Enterprise
from sim.model.agents.lender import Lender
from sim.model.agents.partner import PartnerCountry
from sim.model.agents.platform import Platform
from sim.model.agents.province import Province

__all__ = ["City", "Enterprise", "Lender", "PartnerCountry", "Platform", "Province"]
