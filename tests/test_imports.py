"""Importing the command line stays fast: heavy libraries load only where they are used.

``sim --help``, ``sim validate`` and a short ``sim run --no-charts`` must not pay for
matplotlib (charts), scipy's statistics, SALib (sensitivity) or Dask (clusters); each is
imported inside the functions that need it. Nor does the command line load, before a
command needs them, the model (Mesa, which brings scipy.spatial and networkx), the sweep
machinery and its report, or Parquet. The checks run in a fresh interpreter, since this
test session has imported them all already.

``benchmarks/startup.py`` measures what these imports cost, with the rest of a run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "scipy", "SALib", "dask", "distributed")
# What only some commands need: imported by them, not with the command line.
LATE = (
    "mesa",
    "sim.model",
    "sim.experiments.experiment",
    "sim.experiments.sweep",
    "sim.analysis.sweep_report",
    "sim.analysis.sensitivity",
    "sim.plots",
    "pyarrow.parquet",
)
# What a run without charts never needs (Mesa itself imports scipy.spatial, so not scipy).
NOT_IN_A_RUN = (
    "matplotlib",
    "scipy.stats",
    "SALib",
    "dask",
    "distributed",
    "sim.plots",
    "sim.experiments.sweep",
    "sim.analysis.sweep_report",
    "sim.analysis.sensitivity",
)


def loaded_after(statement: str, names: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``names`` (modules, packages) are imported after ``statement``, in a new process."""
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"names = {names!r}\n"
        "print(json.dumps(sorted(n for n in names"
        " if any(m == n or m.startswith(n + '.') for m in sys.modules))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert loaded_after("import sim.cli.app") == []


def test_importing_the_cli_leaves_the_model_sweeps_and_parquet_to_the_commands():
    assert loaded_after("import sim.cli.app", LATE) == []


def test_the_summary_tables_load_no_heavy_library_until_an_interval_is_computed():
    assert loaded_after("import sim.analysis.summary, sim.analysis.compare") == []


def test_a_run_without_charts_loads_no_charts_statistics_sensitivity_or_dask(tmp_path):
    args = [
        "run",
        "scenarios/coordination.toml",
        "-r",
        "2",
        "--set",
        "run.steps=1",
        "--no-charts",
        "--out",
        str(tmp_path / "run"),
    ]
    statement = (
        "from sim.cli.app import app\n"
        "try:\n"
        f"    app({args!r}, prog_name='sim')\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
    )
    assert loaded_after(statement, NOT_IN_A_RUN) == []
    assert (tmp_path / "run" / "outcomes.parquet").is_file()


def test_the_command_line_process_leaves_its_objects_out_of_the_collections_at_exit():
    # sim.cli.app.App freezes the objects alive when a command starts and again at exit,
    # which spares the interpreter a collection of every object as it shuts down.
    code = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen at exit', gc.get_freeze_count() > 0))\n"
        "from sim.cli.app import app\n"
        "try:\n"
        "    app(['--version'], prog_name='sim')\n"
        "except SystemExit:\n"
        "    gc.unfreeze()  # what the start froze: only the freeze at exit is left to see\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "frozen at exit True"
