"""The figures of the Cities issue: both platform layers, measured in the same run.

Prints, for the first version's one-hub-per-province layer and the calibrated city
layer: one default replication (``Scenario()``), the history scenario, and the time per
step at 1,000 and 100,000 enterprises, building the model untimed (the fixed cost of the
few agents shows at 1,000). Medians of ``--repeats`` runs, garbage collector off, on
whatever else the machine is doing: quote them with the load.

    ./dev python benchmarks/layers.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench import bench_model, timed

from sim.experiments.experiment import run
from sim.model.model import BRIModel
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LAYERS = {"province_hubs": "history_province_hubs.toml", "cities": "history.toml"}


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls, after one untimed warm-up."""
    fn()  # warm-up, untimed
    return statistics.median(timed(fn)[0] for _ in range(repeats))


def per_step(scenario: Scenario, steps: int, repeats: int) -> float:
    """Median time per step of models of ``scenario`` stepped ``steps`` times.

    Building the model (its Mesa agents) is not timed: :func:`bench.bench_model`.
    """
    return bench_model(lambda seed: BRIModel(scenario, rng=seed), steps, repeats)[1]


def main(argv: list[str] | None = None) -> int:
    """Print the table of both layers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    r = args.repeats
    print(f"{'layer':<14} {'default run':>12} {'history':>10} {'step @1k':>10} {'step @100k':>11}")
    for layer, history in LAYERS.items():
        default = Scenario()
        default.run.platform_layer = layer
        hist = load_scenario(SCENARIOS / history)
        one_k = default.model_copy(deep=True)
        one_k.run.enterprises = 1_000
        big = default.model_copy(deep=True)
        big.run.enterprises = 100_000
        t_default = median_time(lambda s=default: run(s, seed=1), r)
        t_history = median_time(lambda s=hist: run(s, seed=1), r)
        t_1k = per_step(one_k, 20, r)
        t_100k = per_step(big, 4, max(1, r // 2))
        print(
            f"{layer:<14} {t_default * 1e3:>9.0f} ms {t_history * 1e3:>7.0f} ms"
            f" {t_1k * 1e3:>7.1f} ms {t_100k * 1e3:>8.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
