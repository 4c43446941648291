"""Sweep throughput and memory: runs per minute on 1 and 2 workers, Dask, and Mesa's batch_run.

Prints one Markdown table. Every configuration runs default-size baseline runs (2000
enterprises, 40 steps) of a random design over two parameters, in a fresh child process,
so start-up (pool, cluster) is counted and memory is measured from a clean slate:

- ``sim sweep`` in-process (1 worker), on a 2-process pool, and on a 2-worker Dask
  ``LocalCluster``, writing Parquet part files as runs finish
  (:func:`sim.experiments.sweep.run_sweep`);
- ``mesa.batch_run`` over the same parameter values on 1 and 2 processes, the model
  wrapped in a ``mesa.Model`` with a ``DataCollector`` that reports every scalar outcome
  at the end of the run (``data_collection_period=-1``, batch_run's default), results
  held in memory as batch_run does.

Peak memory is sampled every 50 ms as the sum of the resident set sizes of the child
process and all its descendants (pool workers, Dask scheduler and workers), and for the
parent alone; the pool sweep is repeated at four times the size to show that the parent's
memory stays flat as the sweep grows. Each configuration is repeated (the machine may be
shared) and the repeat with the median wall time is shown.

Run from the repository root::

    ./dev python benchmarks/sweep_bench.py            # about 6 minutes on 2 cores
    ./dev python benchmarks/sweep_bench.py --quick    # about 40 seconds
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mesa

from sim.model.model import BRIModel
from sim.outcomes import OUTCOMES
from sim.scenario.loading import dump_scenario, load_scenario, set_path, validate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
PARAMS = {"strategy.rank_weight": (0.0, 600.0), "freight.logit_scale": (300.0, 900.0)}
CONFIGS = {
    "sweep-1": "sim sweep, in-process (1 worker)",
    "sweep-2": "sim sweep, process pool (2 workers)",
    "dask-2": "sim sweep, Dask LocalCluster (2 workers)",
    "mesa-1": "mesa.batch_run (1 process)",
    "mesa-2": "mesa.batch_run (2 processes)",
}
SEED = 20260101


class PeakMemory:
    """Samples the resident memory of this process and its descendants in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self.me = psutil.Process()
        self.interval = interval
        self.tree = self.own = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        own = self.me.memory_info().rss
        total = own
        for child in self.me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # a worker that just ended
                continue
        self.own, self.tree = max(self.own, own), max(self.tree, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def plan(runs: int):
    """A random design of ``runs`` default-size baseline runs over two parameters."""
    from sim.experiments.sweep import plan_sweep

    base = load_scenario(BASELINE)
    params = {p: {"low": lo, "high": hi} for p, (lo, hi) in PARAMS.items()}
    sweep = {"method": "random", "samples": runs, "params": params}
    return plan_sweep(validate({**dump_scenario(base), "sweep": sweep}), seed=SEED)


def run_sweep_config(name: str, runs: int, out: Path) -> int:
    """Run the sweep on the backend of ``name``; return the runs done."""
    from sim.experiments.runners import DaskBackend, ProcessPoolBackend, SequentialBackend
    from sim.experiments.sweep import run_sweep

    the_plan = plan(runs)
    if name == "sweep-1":
        backend = SequentialBackend()
    elif name == "sweep-2":
        backend = ProcessPoolBackend(
            2, preload=("sim.experiments.runners", "sim.experiments.sweep")
        )
    else:
        backend = DaskBackend(workers=2)
    with backend:
        summary = run_sweep(the_plan, out, backend=backend)
    return summary.done


@functools.cache
def design_values(runs: int) -> list[tuple[float, float]]:
    """The design points of :func:`plan` (computed once per process)."""
    table = plan(runs).design.table
    return list(zip(*(table[p].tolist() for p in PARAMS), strict=True))


class BatchModel(BRIModel):
    """The baseline at design point ``point`` as a plain ``mesa.Model`` for ``batch_run``.

    A ``DataCollector`` reports every scalar outcome; ``running`` ends the run after
    ``run.steps`` steps, as batch_run expects.
    """

    def __init__(self, point: int, runs: int, rng: int | None = None) -> None:
        data = dump_scenario(load_scenario(BASELINE))
        for path, value in zip(PARAMS, design_values(runs)[point], strict=True):
            set_path(data, path, value)
        scenario = validate(data)
        super().__init__(scenario, rng=rng)
        self.steps_left = scenario.run.steps
        reporters = {name: (lambda m, n=name: m.records[-1][n]) for name in OUTCOMES}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        """One step of the model, then collect."""
        super().step()
        self.datacollector.collect(self)
        self.steps_left -= 1
        self.running = self.steps_left > 0


def run_mesa_config(name: str, runs: int) -> int:
    """Run the same design points through ``mesa.batch_run``; return the rows it returns."""
    results = mesa.batch_run(
        BatchModel,
        parameters={"point": range(runs), "runs": runs},
        number_processes=1 if name == "mesa-1" else 2,
        max_steps=10_000,
        data_collection_period=-1,
        display_progress=False,
        rng=[SEED],
    )
    return len(results)


def one(name: str, runs: int) -> dict:
    """Measure one configuration in this (fresh) process and return its figures."""
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as memory:
        clock = time.perf_counter()
        if name.startswith("mesa"):
            done = run_mesa_config(name, runs)
        else:
            done = run_sweep_config(name, runs, Path(tmp) / "sweep")
        wall = time.perf_counter() - clock
    return {
        "name": name,
        "runs": done,
        "wall": wall,
        "per_minute": 60 * done / wall,
        "tree_mb": memory.tree / 2**20,
        "own_mb": memory.own / 2**20,
    }


def measure(name: str, runs: int) -> dict:
    """Run :func:`one` in a child process and return its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", name, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(name: str, runs: int, repeats: int) -> dict:
    """The repeat of ``name`` with the median wall time (the machine may be shared)."""
    rows = sorted((measure(name, runs) for _ in range(repeats)), key=lambda r: r["wall"])
    return rows[len(rows) // 2] | {"repeats": repeats, "walls": [r["wall"] for r in rows]}


def main() -> None:
    """Parse arguments, measure every configuration and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="16 runs, one repeat")
    parser.add_argument("--runs", type=int, default=None, help="runs per configuration (60)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per configuration (3)")
    parser.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.runs)))
        return

    runs = args.runs or (16 if args.quick else 60)
    repeats = args.repeats or (1 if args.quick else 3)
    loads = [os.getloadavg()[0]]
    rows = [median_of(name, runs, repeats) for name in CONFIGS]
    bigger = median_of("sweep-2", runs * 4, max(1, repeats // 2))
    loads.append(os.getloadavg()[0])
    print(
        f"Sweep throughput: default-size baseline runs (2000 enterprises, 40 steps), random"
        f" design over {', '.join(PARAMS)}; {os.cpu_count()} cores; one-minute load average"
        f" {loads[0]:.1f} before, {loads[1]:.1f} after; median of {repeats} repeats.\n"
    )
    print(
        "| configuration | runs | wall (s) | runs per minute"
        " | peak memory, all processes (MB) | peak memory, parent (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for row in [*rows, bigger]:
        label = CONFIGS[row["name"]] + (" ×4 runs" if row is bigger else "")
        print(
            f"| {label} | {row['runs']} | {row['wall']:.1f} | {row['per_minute']:.0f} |"
            f" {row['tree_mb']:.0f} | {row['own_mb']:.0f} |"
        )
    print(
        "\nWall time includes starting the pool or cluster. The last row repeats the"
        " process-pool sweep with four times the runs: the parent's peak memory should"
        " not grow with the sweep (results go to Parquet part files, not memory)."
    )


if __name__ == "__main__":
    main()
