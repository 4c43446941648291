"""The scenario: a typed schema, loading from TOML with ``extends``, and ``--set`` overrides.

Everything downstream reads a validated :class:`sim.scenario.schema.Scenario`. The
modules, each importing only those above it:

- :mod:`~sim.scenario.fields`: how a parameter is declared (``P``, ``Section``, ``SECTORS``).
- :mod:`~sim.scenario.fitted`: the calibrated defaults, read from ``sim/data/calibrated.toml``.
- :mod:`~sim.scenario.paths`: dotted paths (``get_path``, ``assign_path``, ``parse_value``).
- :mod:`~sim.scenario.sections`: the model's parameters, one section per part of the model.
- :mod:`~sim.scenario.policy`: policies, scheduled events and a scenario's sweep settings.
- :mod:`~sim.scenario.parameters`: ``Parameter``, the one type of a parameter that varies.
- :mod:`~sim.scenario.rules`: ``set`` events' values and the cross-field rules.
- :mod:`~sim.scenario.schema`: ``Scenario``, the whole scenario and its cross-checks.
- :mod:`~sim.scenario.loading`: TOML, ``extends``, ``--set``, ``ScenarioError``, validation.
- :mod:`~sim.scenario.params`: the parameter table of ``sim params`` and the ODD.
- :mod:`~sim.scenario.json_schema`: the JSON schema of a scenario file, for editors.

The package exports nothing itself: import each name from the module that defines it.
"""
