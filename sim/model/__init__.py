"""The Mesa model: agents, the bulk enterprise rules, mechanisms as pure functions, outcomes.

It reads a scenario and the data tables and knows nothing of runners, stores or charts.
The per-agent reference model (:mod:`sim.model.reference`) proves the fast path.
"""
