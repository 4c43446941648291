"""The output directory of a run: tables, summary, resolved scenario, manifest and charts.

Every file is written to a temporary name in the same directory and then renamed into
place, so a crash never leaves a half-written file. ``manifest.json`` is written last:
its presence marks a complete output directory.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

import sim
from sim.scenario.loading import dump_scenario
from sim.scenario.schema import Scenario

TABLES = ("outcomes", "provinces", "platforms")
SUMMARY = "summary.csv"
SCENARIO = "scenario.toml"
MANIFEST = "manifest.json"
CHARTS = "charts"
PACKAGES = ("mesa", "numpy", "pandas", "pydantic", "pyarrow", "matplotlib", "typer")


class OutputError(Exception):
    """An output directory that cannot be used, with a message meant for the user."""


def default_out_dir(name: str, *, root: str | Path = "runs", now: datetime | None = None) -> Path:
    """``<root>/<name>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``... if that already exists."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{name}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def check_out_dir(path: str | Path, *, force: bool = False) -> None:
    """Refuse a path that is a file, or a non-empty directory unless ``force``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {path}: exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise OutputError(
            f"--out {path}: directory exists and is not empty; choose another directory"
            " or pass --force to overwrite the files a run writes (other files are kept)"
        )


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Write ``path`` atomically with ``write(tmp_path)``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def write_tables(out_dir: Path, tables: dict[str, pd.DataFrame], *, csv: bool) -> list[Path]:
    """Write each table as ``<name>.parquet`` (and ``<name>.csv`` if ``csv``)."""
    paths = []
    for name, df in tables.items():
        parquet = out_dir / f"{name}.parquet"
        paths.append(write_file(parquet, lambda p, df=df: df.to_parquet(p, index=False)))
        if csv:
            paths.append(
                write_file(out_dir / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))
            )
    return paths


def write_summary(out_dir: Path, summary: pd.DataFrame) -> Path:
    """Write the summary table (one row per outcome) as ``summary.csv``."""
    return write_file(out_dir / SUMMARY, lambda p: summary.to_csv(p, index=True))


def write_scenario(out_dir: Path, scenario: Scenario) -> Path:
    """Write the resolved scenario as ``scenario.toml`` (loadable with ``load_scenario``)."""
    text = tomli_w.dumps(dump_scenario(scenario))
    return write_file(out_dir / SCENARIO, lambda p: p.write_text(text, encoding="utf-8"))


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json``."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return write_file(out_dir / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Read ``manifest.json`` of an output directory."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise OutputError(f"{out_dir}: no {MANIFEST} (not a complete output directory of sim run)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise OutputError(f"{path}: cannot read: {err}") from None


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame:
    """Read ``<name>.parquet`` of an output directory."""
    path = Path(out_dir) / f"{name}.parquet"
    if not path.is_file():
        raise OutputError(f"{out_dir}: no {path.name}")
    return pd.read_parquet(path)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape results and outputs."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_info(*places: Path) -> dict[str, Any] | None:
    """Revision and dirty flag of the first git checkout among ``places``; None if none."""

    def git(where: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(where), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()

    for place in places:
        where = place if place.is_dir() else place.parent
        try:
            revision = git(where, "rev-parse", "HEAD")
            dirty = bool(git(where, "status", "--porcelain", "--untracked-files=no"))
            root = git(where, "rev-parse", "--show-toplevel")
        except (OSError, subprocess.SubprocessError):
            continue
        return {"revision": revision, "dirty": dirty, "root": root}
    return None


def now_iso() -> str:
    """The local time with its UTC offset, ISO 8601, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def build_manifest(
    scenario: Scenario,
    *,
    scenario_path: Path,
    overrides: list[str],
    base_seed: int,
    seeds: list[int],
    workers: int,
    started: str,
    ended: str,
    wall_seconds: float,
    command: list[str],
) -> dict[str, Any]:
    """Everything needed to know how a run was made and to reproduce it."""
    return {
        "scenario": scenario.name,
        "scenario_file": str(scenario_path),
        "scenario_file_resolved": str(scenario_path.resolve()),
        "overrides": overrides,
        "base_seed": base_seed,
        "child_seeds": seeds,
        "replications": len(seeds),
        "steps": scenario.run.steps,
        "workers": workers,
        "sim_version": sim.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_info(scenario_path.resolve(), Path.cwd()),
        "command": command,
        "started": started,
        "ended": ended,
        "wall_seconds": round(wall_seconds, 3),
        "resolved_scenario": dump_scenario(scenario),
    }
