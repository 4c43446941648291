"""Agent attributes kept in arrays: each agent reads and writes its own row.

Platforms and cities are few, but the model reads their state every step for all of them
at once (prices, trains, accounts, outcomes). A :class:`Column` is an attribute of the
agent class whose values live in one array per attribute, held by a :class:`Table` on the
model; ``agent.capacity`` reads ``table.capacity[agent.index]`` as a Python scalar, and the
model's bulk rules read and write ``table.capacity`` whole. The agents stay Mesa agents,
with the same attributes as before; only where the values are stored changed.
"""

from __future__ import annotations

import numpy as np


class Column:
    """An agent attribute stored in its model's :class:`Table` (one entry per agent)."""

    def __init__(self, dtype: type = float):
        self.dtype = np.dtype(dtype)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.table, self.name).item(agent.index)

    def __set__(self, agent, value) -> None:
        getattr(agent.table, self.name)[agent.index] = value


class Table:
    """The arrays behind the :class:`Column` attributes of ``n`` agents of one class."""

    def __init__(self, agent_class: type, n: int):
        self.n = n
        self.names = tuple(
            name
            for klass in reversed(agent_class.__mro__)
            for name, attr in vars(klass).items()
            if isinstance(attr, Column)
        )
        for name in self.names:
            setattr(self, name, np.zeros(n, dtype=getattr(agent_class, name).dtype))
