"""Experiments: one run, replications, execution backends, sweeps and the output store.

They call the model through :func:`sim.experiments.experiment.run` and hand tidy tables
to the store; analysis and charts read only those tables.
"""
