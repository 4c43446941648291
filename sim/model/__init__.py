"""The Mesa model: agents, the bulk enterprise rules, mechanisms as pure functions, outcomes.

- :mod:`~sim.model.model`: ``BRIModel``, whose ``step`` lists the stages in order;
  :mod:`~sim.model.routes`: the route network and the cost of every option;
- :mod:`~sim.model.agents`: provinces, platforms, partners, the lender, enterprises;
- :mod:`~sim.model.firms` and :mod:`~sim.model.draws`: the enterprises' arrays, their
  bulk rules and the random numbers they consume;
- :mod:`~sim.model.mechanisms`: every rule as a pure function over arrays, called in bulk
  by the model and per agent by the agents and the reference;
- :mod:`~sim.model.collect`: what is recorded each step;
- :mod:`~sim.model.reference`: the per-agent reference model that proves the fast path.

It reads a scenario and the data tables and knows nothing of runners, stores or charts.
"""

import inspect as _inspect

# Importing Mesa walks the import stack twice (``mesa.model`` names its logger and class
# from ``inspect.stack()``). For each frame of the import system, ``inspect.getmodule``
# scans all of ``sys.modules``, because frozen modules have no file to cache; after
# pandas and pydantic that is 0.1-0.4 s of ``sim run``. Naming their module here (what
# the scan would look for) makes each such frame one dictionary lookup.
for _name in ("importlib._bootstrap", "importlib._bootstrap_external"):
    _inspect.modulesbyfile.setdefault(f"<frozen {_name}>", _name)
