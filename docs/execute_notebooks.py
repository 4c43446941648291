"""Execute the notebooks at full size and save them with their outputs, ready to commit.

Run from the repository root: ``./dev python docs/execute_notebooks.py [NAME ...]`` (all
four take about four minutes). Each notebook runs in a fresh ``python3`` kernel from its
own directory, with ``CI`` and ``SIM_NOTEBOOK_QUICK`` removed so that it picks its full
sizes; the per-cell timing metadata is dropped so that re-running changes only outputs.
The test suite runs the same notebooks at small sizes instead (``notebooks/conftest.py``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def execute(path: Path) -> None:
    """Run ``path`` top to bottom at full size and write it back with its outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    size = path.stat().st_size / 1e6
    print(f"{path.name}: {time.perf_counter() - start:.0f} s, {size:.2f} MB", flush=True)


def main(names: list[str]) -> None:
    """Execute the named notebooks (default: all of notebooks/*.ipynb)."""
    for variable in ("CI", "SIM_NOTEBOOK_QUICK"):
        os.environ.pop(variable, None)  # the kernel inherits the environment
    paths = [NOTEBOOKS / n for n in names] if names else sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
