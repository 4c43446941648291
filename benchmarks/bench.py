"""Benchmarks of the model: speed by enterprise count, memory, and two yardsticks.

Prints one table (Markdown) with:

- model init time and per-step time at 1k, 10k and 100k enterprises, enterprise-steps
  per second, and peak memory of a full replication at that size (recorded outcomes
  included);
- one default replication end to end (build, 40 steps, tables), after import;
- idiomatic Mesa Boltzmann wealth at 10k agents (Mesa's own example and benchmark
  configuration), in agent-steps per second, and our enterprise-steps per second at
  100k against it;
- the fast (bulk) path against the per-agent reference (:mod:`sim.model.reference`) at 10k;
- what Mesa's registration of the 100k :class:`~sim.model.agents.Enterprise` agents costs
  (``Agent.__init__``, as the model builds them, and through ``Agent.create_agents``).

Method, after Mesa's ``benchmarks/``: configurations keyed by size; init and run timed
apart; the garbage collector off while timing; a warm-up run before timing; the median
of repeats (this machine is shared, so repeats matter). Peak memory is the peak resident
set size (``resource.getrusage(...).ru_maxrss``) of a fresh child process that imports
the package and runs one full replication, so it counts everything the process held:
interpreter, libraries, model and the tables of recorded outcomes.

Run from the repository root::

    ./dev python benchmarks/bench.py            # about a minute
    ./dev python benchmarks/bench.py --quick    # about 15 seconds, fewer repeats
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim.experiments.experiment import run
from sim.model.agents import Enterprise
from sim.model.model import BRIModel
from sim.scenario.schema import Scenario

GIB = 2**30

# --- configurations keyed by size ---------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One enterprise count: how many timed repeats and steps per repeat."""

    enterprises: int
    repeats: int
    steps: int


SIZES = {
    "1k": Size(1_000, repeats=9, steps=40),
    "10k": Size(10_000, repeats=7, steps=40),
    "100k": Size(100_000, repeats=5, steps=40),
}
QUICK_SIZES = {
    "1k": Size(1_000, repeats=3, steps=20),
    "10k": Size(10_000, repeats=3, steps=20),
    "100k": Size(100_000, repeats=2, steps=8),
}
DEFAULT_REPEATS, QUICK_DEFAULT_REPEATS = 15, 5
# Mesa's benchmarks/configurations.py, BoltzmannWealth "large": 10k agents, 100 x 100, 10 steps
BOLTZMANN = {"n": 10_000, "width": 100, "height": 100, "steps": 10, "repeats": 7}
QUICK_BOLTZMANN = {**BOLTZMANN, "repeats": 3}
REFERENCE = {"enterprises": 10_000, "steps": 5, "repeats": 3}
QUICK_REFERENCE = {"enterprises": 10_000, "steps": 2, "repeats": 1}

TARGETS = {
    "ratio_boltzmann": 2.0,  # our enterprise-steps/s at 100k over Boltzmann agent-steps/s
    "ratio_reference": 20.0,  # fast path over the per-agent reference at 10k
    "default_replication_s": 0.5,
    "peak_memory_100k_gib": 2.0,
    "scaling_exponent": 1.0,  # per-step cost ~ n**exponent between 10k and 100k
}


# --- timing -------------------------------------------------------------------------


@contextmanager
def gc_off():
    """Collect once, then keep the garbage collector off inside the block."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def timed[T](fn: Callable[[], T]) -> tuple[float, T]:
    """Wall time of ``fn()`` with the garbage collector off, and its result."""
    with gc_off():
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out


def scenario_of(enterprises: int) -> Scenario:
    """The default scenario with ``enterprises`` enterprises."""
    scenario = Scenario()
    scenario.run.enterprises = enterprises
    return scenario


def step_model(model: mesa.Model, steps: int) -> None:
    """Advance ``model`` by ``steps`` steps."""
    for _ in range(steps):
        model.step()


def bench_model(make: Callable[[int], mesa.Model], steps: int, repeats: int) -> tuple[float, float]:
    """Median init time and median time per step over ``repeats`` models (seeds 1..).

    A warm-up model (seed 0) is built and stepped first, untimed.
    """
    step_model(make(0), min(steps, 2))
    inits, per_step = [], []
    for seed in range(1, repeats + 1):
        t_init, model = timed(lambda s=seed: make(s))
        t_run, _ = timed(lambda m=model: step_model(m, steps))
        inits.append(t_init)
        per_step.append(t_run / steps)
        del model
    return statistics.median(inits), statistics.median(per_step)


def bench_registration(n: int, repeats: int) -> dict[str, float]:
    """Median time to register ``n`` Enterprise agents on an empty Mesa model.

    ``direct``: one ``Enterprise(model, slot)`` per slot, as the model builds them;
    ``create_agents``: ``Enterprise.create_agents(model, n, slot=...)`` turned into a list.
    """
    ways = {
        "direct": lambda m: [Enterprise(m, slot) for slot in range(n)],
        "create_agents": lambda m: list(Enterprise.create_agents(m, n, slot=np.arange(n))),
    }
    out = {}
    for name, make in ways.items():
        times = []
        for seed in range(repeats):
            model = mesa.Model(rng=seed)
            times.append(timed(lambda m=model, f=make: f(m))[0])
            del model
        out[name] = statistics.median(times)
    return out


# --- memory: one full replication in a fresh process ---------------------------------


def peak_memory(enterprises: int) -> dict[str, float]:
    """Peak RSS (bytes) of a child process running one replication at ``enterprises``."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(enterprises)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_child(enterprises: int) -> None:
    """Run one full replication (tables included) and print peak RSS as JSON."""
    after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = run(scenario_of(enterprises), seed=1)
    rows = len(result.outcomes) + len(result.provinces) + len(result.platforms)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"after_import": after_import, "peak": peak, "rows": rows}))


# --- idiomatic Mesa: the Boltzmann wealth model, as in mesa/examples ------------------


class MoneyAgent(CellAgent):
    """An agent with one unit of wealth that it gives to a random cellmate."""

    def __init__(self, model: mesa.Model, cell):
        super().__init__(model)
        self.cell = cell
        self.wealth = 1

    def move(self) -> None:
        """Move to a random neighbouring cell."""
        self.cell = self.cell.neighborhood.select_random_cell()

    def give_money(self) -> None:
        """Give one unit of wealth to a random agent in the same cell."""
        cellmates = [a for a in self.cell.agents if a is not self]
        if cellmates:
            other = self.random.choice(cellmates)
            other.wealth += 1
            self.wealth -= 1

    def step(self) -> None:
        """Move, then give money if any is left."""
        self.move()
        if self.wealth > 0:
            self.give_money()


class BoltzmannWealth(mesa.Model):
    """Mesa's Boltzmann wealth example (``mesa/examples/basic/boltzmann_wealth_model``).

    As the example, without its DataCollector (our model's own per-step recording is in
    its timings, so leaving Boltzmann's out makes the yardstick faster, not slower).
    """

    def __init__(self, n: int = 100, width: int = 10, height: int = 10, rng=None):
        super().__init__(rng=rng)
        self.grid = OrthogonalMooreGrid((width, height), random=self.random)
        MoneyAgent.create_agents(self, n, self.random.choices(self.grid.all_cells.cells, k=n))

    def step(self) -> None:
        """Activate all agents in random order."""
        self.agents.shuffle_do("step")


# --- the table ----------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    """Seconds with a unit that keeps three significant digits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def verdict(ok: bool) -> str:
    """Pass or fail mark for a target."""
    return "yes" if ok else "NO"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    sizes = QUICK_SIZES if args.quick else SIZES
    boltz = QUICK_BOLTZMANN if args.quick else BOLTZMANN
    ref = QUICK_REFERENCE if args.quick else REFERENCE
    default_repeats = QUICK_DEFAULT_REPEATS if args.quick else DEFAULT_REPEATS
    started = time.perf_counter()
    results: dict[str, object] = {}

    print(
        f"# sim benchmarks ({'quick' if args.quick else 'full'}): Python "
        f"{platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}, "
        f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    # 1. enterprises: init, per step, memory
    rows = []
    for label, size in sizes.items():
        scenario = scenario_of(size.enterprises)
        t_init, t_step = bench_model(
            lambda s, sc=scenario: BRIModel(sc, rng=s), size.steps, size.repeats
        )
        mem = peak_memory(size.enterprises)
        rows.append((label, size, t_init, t_step, mem))
        results[f"enterprises_{label}"] = {
            "enterprises": size.enterprises,
            "init_s": t_init,
            "step_s": t_step,
            "enterprise_steps_per_s": size.enterprises / t_step,
            "peak_rss_bytes": mem["peak"],
            "rss_after_import_bytes": mem["after_import"],
        }
        print(f"  ... {label} done", file=sys.stderr, flush=True)

    # 2. one default replication, end to end, after import
    default = Scenario()
    run(default, seed=0)  # warm-up
    times = [timed(lambda s=s: run(default, seed=s))[0] for s in range(1, default_repeats + 1)]
    t_default = statistics.median(times)
    results["default_replication_s"] = t_default
    print("  ... default replication done", file=sys.stderr, flush=True)

    # 3. idiomatic Mesa Boltzmann wealth at 10k agents
    b_init, b_step = bench_model(
        lambda s: BoltzmannWealth(boltz["n"], boltz["width"], boltz["height"], rng=s),
        boltz["steps"],
        boltz["repeats"],
    )
    boltz_rate = boltz["n"] / b_step
    results["boltzmann"] = {"init_s": b_init, "step_s": b_step, "agent_steps_per_s": boltz_rate}
    print("  ... Boltzmann done", file=sys.stderr, flush=True)

    # 4. Mesa's registration of the enterprises at 100k
    registration = bench_registration(100_000, 3 if args.quick else 5)
    results["registration_100k"] = registration
    print("  ... registration done", file=sys.stderr, flush=True)

    # 5. fast path against the per-agent reference at 10k
    ratio_ref = None
    if not args.no_reference:
        from sim.model.reference import ReferenceModel

        scenario = scenario_of(ref["enterprises"])
        _, fast_step = bench_model(
            lambda s: BRIModel(scenario, rng=s), ref["steps"], ref["repeats"]
        )
        _, ref_step = bench_model(
            lambda s: ReferenceModel(scenario, rng=s), ref["steps"], ref["repeats"]
        )
        ratio_ref = ref_step / fast_step
        results["reference_10k"] = {"fast_step_s": fast_step, "reference_step_s": ref_step}
        print("  ... reference done", file=sys.stderr, flush=True)

    # the table
    big = rows[-1]
    rate_100k = big[1].enterprises / big[3]
    ratio_boltz = rate_100k / boltz_rate
    t10k = next(r[3] for r in rows if r[0] == "10k")
    exponent = float(np.log(big[3] / t10k) / np.log(big[1].enterprises / 10_000))
    results.update(
        ratio_boltzmann=ratio_boltz, ratio_reference=ratio_ref, scaling_exponent=exponent
    )

    print()
    print(
        "| enterprises | init | per step | enterprise-steps/s | us per enterprise-step "
        "| peak RSS (full run) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for label, size, t_init, t_step, mem in rows:
        print(
            f"| {label} | {fmt_s(t_init)} | {fmt_s(t_step)} | "
            f"{size.enterprises / t_step:,.0f} | {t_step / size.enterprises * 1e6:.2f} | "
            f"{mem['peak'] / 2**20:,.0f} MiB |"
        )
    print(
        f"\nRSS after import only: {rows[0][4]['after_import'] / 2**20:,.0f} MiB. "
        f"Steps timed per repeat: "
        + ", ".join(f"{lab} {s.steps} x {s.repeats}" for lab, s, *_ in rows)
        + "."
    )
    print()
    print("| measure | value | target | met |")
    print("|---|---:|---:|:---:|")
    print(
        f"| one default replication (2,000 enterprises, 40 steps, tables), after import "
        f"| {fmt_s(t_default)} | <= 0.5 s | {verdict(t_default <= 0.5)} |"
    )
    print(
        f"| Mesa Boltzmann wealth, 10k agents (100 x 100 grid): agent-steps/s "
        f"| {boltz_rate:,.0f} | | |"
    )
    print(f"| our enterprise-steps/s at 100k | {rate_100k:,.0f} | | |")
    print(
        f"| ratio: ours at 100k / Boltzmann at 10k | {ratio_boltz:.1f}x | >= 2x "
        f"| {verdict(ratio_boltz >= TARGETS['ratio_boltzmann'])} |"
    )
    if ratio_ref is not None:
        r = results["reference_10k"]
        print(
            f"| fast path / per-agent reference at 10k (per step: "
            f"{fmt_s(r['fast_step_s'])} vs {fmt_s(r['reference_step_s'])}) "
            f"| {ratio_ref:.0f}x | >= 20x | {verdict(ratio_ref >= TARGETS['ratio_reference'])} |"
        )
    init_100k = next(r[2] for r in rows if r[0] == "100k")
    print(
        f"| Mesa registration of 100k Enterprise agents (share of the 100k init) "
        f"| {fmt_s(registration['direct'])} ({registration['direct'] / init_100k:.0%}) | | |"
    )
    print(
        f"| the same through `Enterprise.create_agents` | "
        f"{fmt_s(registration['create_agents'])} | | |"
    )
    peak_gib = big[4]["peak"] / GIB
    print(
        f"| peak memory, one replication at 100k (RSS, outcomes included) "
        f"| {peak_gib:.2f} GiB | <= 2 GiB | {verdict(peak_gib <= 2.0)} |"
    )
    print(
        f"| per-step cost growth 10k -> 100k (exponent of n) | {exponent:.2f} | <= 1 "
        f"| {verdict(exponent <= TARGETS['scaling_exponent'])} |"
    )
    print(
        f"\nTotal benchmark time {time.perf_counter() - started:.0f} s; "
        f"load average after {os.getloadavg()[0]:.2f}."
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
