r"""Where a short ``sim run`` spends its time: start-up, simulation, tables, charts.

Two jobs, both on ``scenarios/coordination.toml`` with the default 10 replications:

- ``one-step``: ``sim run ... --set run.steps=1 --no-charts``, whose time is almost all
  start-up (target: under 2 s through ``./dev``);
- ``main``: ``sim run scenarios/coordination.toml``, the README's main job, charts
  included (target: under 8 s).

For each job it prints the wall time of the command run as a user runs it, in a fresh
process (``./dev sim run ...`` and ``python -m sim run ...``; median and fastest of
``--repeats``), and the split of one instrumented fresh process (the median of
``--repeats`` for each phase):

- imports: from the interpreter's start to the scenario load: every module the command
  imports before it runs (the command line, pandas, pydantic, Mesa and the model);
- scenario: loading and validating the scenario, the memory check, the output directory;
- simulation: the replications;
- tables: the summary, the Parquet and CSV files, the manifest, the printed table;
- charts: drawing them (on every core, at most four);
- exit: from the end of the command to the end of the process.

The ``./dev`` row also pays for ``./dev`` itself: its check of .venv, a few hundredths of
a second once the venv is set up. Run from the repository root, on an otherwise idle
machine if you can (the first and last lines record the load average)::

    ./dev python benchmarks/startup.py                 # both jobs, about two minutes
    ./dev python benchmarks/startup.py --job one-step  # about 30 s
    ./dev python -X importtime -m sim run scenarios/coordination.toml \
        --set run.steps=1 --no-charts -o /tmp/one --force 2> /tmp/imports.txt
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/coordination.toml"
JOBS = {
    "one-step": ["--set", "run.steps=1", "--no-charts"],
    "main": [],
}
PHASES = ("imports", "scenario", "simulation", "tables", "charts", "exit")

# The instrumented child: the command line as ``python -m sim`` runs it, with the
# command's stages wrapped to time-stamp them. argv: parent's start time, marks file,
# then the command's arguments.
CHILD = """
import json, sys, time
T0, MARKS = float(sys.argv[1]), sys.argv[2]
marks = {}
def stamp(name):
    marks[name] = time.time() - T0
def wrapped(function, name):
    def call(*args, **kwargs):
        stamp(name + "_start")
        try:
            return function(*args, **kwargs)
        finally:
            stamp(name + "_end")
    return call
from sim.cli.app import app
import sim.cli.run as command
for name in ("load", "replications_with_progress", "draw_charts"):
    setattr(command, name, wrapped(getattr(command, name), name))
try:
    app(sys.argv[3:], prog_name="sim")
except SystemExit as end:
    if end.code:
        raise
finally:
    stamp("end")
    with open(MARKS, "w") as f:
        json.dump(marks, f)
"""


def command(job: str, out: Path) -> list[str]:
    """The arguments of ``sim`` for ``job``, writing into ``out``."""
    return ["run", SCENARIO, *JOBS[job], "--out", str(out), "--force"]


def wall(argv: list[str]) -> float:
    """Seconds from starting ``argv`` (in the repository root) to its end; fails loudly."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def split(job: str, out: Path) -> dict[str, float]:
    """The phases of one instrumented run of ``job``, in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        marks_file = Path(tmp) / "marks.json"
        argv = [sys.executable, "-c", CHILD, "", str(marks_file), *command(job, out)]
        t0 = time.time()
        argv[3] = repr(t0)
        subprocess.run(
            argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        total = time.time() - t0
        m = json.loads(marks_file.read_text())
    charts = m.get("draw_charts_end", 0.0) - m.get("draw_charts_start", 0.0)
    return {
        "imports": m["load_start"],
        "scenario": m["replications_with_progress_start"] - m["load_start"],
        "simulation": m["replications_with_progress_end"] - m["replications_with_progress_start"],
        "tables": m["end"] - m["replications_with_progress_end"] - charts,
        "charts": charts,
        "exit": total - m["end"],
        "total": total,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the wall times and the split of each job."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", choices=[*JOBS, "all"], default="all")
    parser.add_argument("--repeats", type=int, default=3, help="Runs of each measurement.")
    args = parser.parse_args(argv)
    jobs = list(JOBS) if args.job == "all" else [args.job]
    print(f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        for job in jobs:
            wall(["./dev", "sim", *command(job, out)])  # warm-up: files in the page cache
            rows = {
                "./dev sim": ["./dev", "sim", *command(job, out)],
                "python -m sim": [sys.executable, "-m", "sim", *command(job, out)],
            }
            print(f"\n{job}: sim {' '.join(command(job, Path('DIR')))}")
            for label, run_argv in rows.items():
                times = [wall(run_argv) for _ in range(args.repeats)]
                print(
                    f"  {label:<14} median {statistics.median(times):6.2f} s,"
                    f" fastest {min(times):6.2f} s ({args.repeats} runs)"
                )
            splits = [split(job, out) for _ in range(args.repeats)]
            parts = {k: statistics.median(s[k] for s in splits) for k in (*PHASES, "total")}
            print(
                "  split (median): "
                + ", ".join(f"{k} {parts[k]:.2f}" for k in PHASES if k != "charts" or parts[k])
                + f"; total {parts['total']:.2f} s"
            )
    print(f"\nload average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
