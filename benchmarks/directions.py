"""Every directional check of ``sim/data/directions.toml``, with its paired interval.

Runs each scenario the checks name and the baseline on the checks' own child seeds
(common random numbers), at the package defaults, and prints one line per check: the
mean paired difference, its 95% interval, the sign found, the sign expected, and whether
the check holds. This is what ``tests/test_directions.py`` asserts, written out so that the
numbers quoted in ``sim/data/directions.toml``, ``scenarios/README.md`` and docs/ODD.md
section 8.4 can be refreshed after a refit.

Run: ``./dev python benchmarks/directions.py [--workers 2]`` (about ten minutes on two
cores).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.analysis.calibration.directions import load_checks, load_missed
from sim.analysis.compare import direction, paired_differences
from sim.experiments.runners import ProcessPoolBackend, SequentialBackend, run_replications
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run every check and print its interval."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    holding, contested, seeds = load_checks()
    missed = {check for check, _ in load_missed()}
    robust = holding + sorted(missed, key=str)
    count = len(seeds)
    backend = ProcessPoolBackend(args.workers) if args.workers > 1 else SequentialBackend()
    started = time.perf_counter()
    tables = {}
    names = ["baseline", *dict.fromkeys(c[0] for c in robust + contested)]
    with backend:
        for name in names:
            s = load_scenario(ROOT / "scenarios" / f"{name}.toml")
            tables[name] = run_replications(s, seeds, backend=backend).outcomes
    held = {"robust": 0, "missed": 0, "contested": 0}
    for kind, checks in (("robust", robust), ("contested", contested)):
        print(f"\n{kind} ({len(checks)} checks, {count} paired seeds)")
        for check in checks:
            name, outcome, window, sign = check
            runs = {"baseline": tables["baseline"], name: tables[name]}
            table = paired_differences(runs, "baseline", outcomes=[outcome], window=window)
            row = table[table["scenario"] == name].iloc[0]
            got = direction(row)
            ok = got == sign
            tag = "holds" if ok else "MISSES"
            if check in missed:
                tag += " (listed as missed)"
            elif ok:
                held[kind] += 1
            if check in missed and not ok:
                held["missed"] += 1
            print(
                f"  {name:28s} {outcome:26s} {str(window):9s} "
                f"{row['diff']:+12.4g} [{row['diff_low']:+.4g}, {row['diff_high']:+.4g}] "
                f"found {got:+d} expected {sign:+d}  {tag}"
            )
    print(
        f"\nrobust holding {held['robust']}, listed as missed and missing {held['missed']}, "
        f"contested as stated {held['contested']}; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
