"""Parameter sweeps: designs and seeds, the plan and its tasks, and a resumable loop.

A sweep is a design (one row per *point*: a value for every swept parameter) run ``R``
times per point, each run with a seed of its own, streamed into a sweep directory that
``resume`` continues from its part files alone. The jobs, one module each, data flowing
down the list:

- :mod:`~sim.experiments.sweep.design`: design points (grid, random, LHS, Sobol, Morris
  with SALib, or a CSV) and the seed of every run;
- :mod:`~sim.experiments.sweep.plan`: the validated scenario resolved into factors,
  design and the task list, its fingerprint, and one task as a worker runs it;
- :mod:`~sim.experiments.sweep.directory`: the sweep directory's layout, manifest and
  part-file schema, and reading its results (every write goes through
  :mod:`sim.experiments.store`);
- :mod:`~sim.experiments.sweep.execute`: the resumable loop over a backend.

The names most callers need are importable from here.
"""

from sim.experiments.sweep.design import SweepError, make_design, read_design, run_seed
from sim.experiments.sweep.directory import read_design_table, read_results
from sim.experiments.sweep.execute import SweepSummary, run_sweep
from sim.experiments.sweep.plan import STATS, SweepPlan, plan_sweep

__all__ = [
    "STATS",
    "SweepError",
    "SweepPlan",
    "SweepSummary",
    "make_design",
    "plan_sweep",
    "read_design",
    "read_design_table",
    "read_results",
    "run_seed",
    "run_sweep",
]
