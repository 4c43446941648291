"""Agent-based simulation of provinces competing for Belt-and-Road platforms and financing.

The one entry point is :func:`sim.experiments.experiment.run`; scenarios are loaded and validated by
:func:`sim.scenario.loading.load_scenario`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
