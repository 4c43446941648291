"""Importing the command line stays fast: heavy libraries load only where they are used.

``sim --help``, ``sim validate`` and a short ``sim run --no-charts`` must not pay for
matplotlib (charts), scipy's statistics, SALib (sensitivity) or Dask (clusters); each is
imported inside the functions that need it. The check runs in a fresh interpreter, since
this test session has imported them all already.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("matplotlib", "scipy", "SALib", "dask", "distributed")


def loaded_after(statement: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after ``statement``, in a new process."""
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert loaded_after("import sim.cli.app") == []


def test_the_summary_tables_load_no_heavy_library_until_an_interval_is_computed():
    assert loaded_after("import sim.analysis.summary, sim.analysis.compare") == []
