"""Calibration against the China-Europe Railway Express record (pattern-oriented modelling).

Data flow one way through four modules:

- :mod:`~sim.analysis.calibration.record`: the record's figures and the ``Pattern`` items
  of every row of ``calibration.md`` (observed value, tolerance, weight, source).
- :mod:`~sim.analysis.calibration.fit`: the simulated value of every item from a run's
  tables, errors in tolerances, the loss, verdicts and the fit table.
- :mod:`~sim.analysis.calibration.search`: the free parameters (``SPACE``), the seeded
  Latin-hypercube search and the files it writes (the calibrated scenario and defaults).
- :mod:`~sim.analysis.calibration.directions`: the countermeasures' directional checks
  (``sim/data/directions.toml``) the fitted defaults are tried against.

The trains-per-year chart is :func:`sim.plots.calibration.plot_trains`. The package
exports nothing itself: import each name from the module that defines it.
"""
