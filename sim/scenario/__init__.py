"""The scenario: its typed schema, loading from TOML with ``extends``, and overrides.

Everything downstream reads a validated :class:`~sim.scenario.schema.Scenario`.
"""
