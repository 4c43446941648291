"""The output directories of runs, compares and sweeps: every file they write and read.

The one place for atomic writes, the manifest, Parquet tables and part files, and the
lock. Every file is written to a temporary name in the same directory and then renamed
into place, so a crash never leaves a half-written file. A run's ``manifest.json`` is
written last, with its ``status``: ``complete``, or ``incomplete`` with what finished
(:mod:`sim.experiments.staging` writes a run's directory whole); readers refuse an
incomplete one. A sweep writes its
manifest first and streams finished runs as numbered part files
(``part-NNNNNN.parquet``), each carrying its sweep's fingerprint in its Parquet metadata;
a run is done if and only if its row is in a part file.

Over 400 lines: every file of an output directory is written and read here, so that the
formats (tables with their column metadata, manifests, part files) stay in one place.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import tomli_w

import sim
from sim.outcomes import table_columns
from sim.scenario.loading import dump_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pyarrow as pa

TABLES = ("outcomes", "provinces", "platforms")
SUMMARY = "summary.csv"
SCENARIO = "scenario.toml"
MANIFEST = "manifest.json"
CHARTS = "charts"
# The runtime dependencies of pyproject.toml, for a source tree that is not installed
# (an installed sim's own metadata is read first: dependencies()).
PACKAGES = (
    "mesa",
    "numpy",
    "pandas",
    "matplotlib",
    "typer",
    "rich",
    "pydantic",
    "pyarrow",
    "tomli-w",
    "SALib",
    "scipy",
)
LOCK = ".lock"
PART_GLOB = "part-*.parquet"
# What a directory without a manifest is not, by the manifest's kind.
NOT_A = {None: "not a complete output directory of sim run", "sweep": "not a sweep directory"}
COMPLETE = "complete"  # a run's or compare's manifest "status" (a sweep has its own)
INCOMPLETE = "incomplete"


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


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_file(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """Write ``df`` as CSV (no index) to ``path`` atomically."""
    return write_file(path, lambda p: df.to_csv(p, index=False))


def documented(fields: list[pa.Field], docs: dict[str, tuple[str, str]]) -> list[pa.Field]:
    """The fields, each named in ``docs`` with its ``unit`` and ``description`` metadata."""
    return [
        f.with_metadata(
            {b"unit": docs[f.name][0].encode(), b"description": docs[f.name][1].encode()}
        )
        if f.name in docs
        else f
        for f in fields
    ]


def arrow_table(name: str, df: pd.DataFrame, metadata: dict[str, str] | None = None) -> pa.Table:
    """``df`` as pandas writes it to Parquet, with units and meanings in its schema.

    Each documented column (:func:`sim.outcomes.table_columns`) carries field metadata
    ``unit`` and ``description``; the table carries ``sim.table``, ``sim.version`` and
    the given ``metadata`` (as ``sim.<key>``) beside pandas' own. The values are those of
    ``df.to_parquet(index=False)``, so reading the file back gives ``df`` exactly.
    """
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = documented(list(table.schema), table_columns(name))
    ours = {"table": name, "version": sim.__version__, **(metadata or {})}
    meta = {
        **(table.schema.metadata or {}),
        **{f"sim.{k}".encode(): v.encode() for k, v in ours.items()},
    }
    return table.cast(pa.schema(fields, metadata=meta))


def write_tables(
    out_dir: Path,
    tables: dict[str, pd.DataFrame],
    *,
    csv: bool,
    metadata: dict[str, str] | None = None,
) -> list[Path]:
    """Write each table as ``<name>.parquet`` (and ``<name>.csv`` if ``csv``).

    The Parquet files carry each column's unit and description, and ``metadata`` (e.g.
    the scenario's name) with the package version: :func:`arrow_table`.
    """
    import pyarrow.parquet as pq

    paths = []
    for name, df in tables.items():
        table = arrow_table(name, df, metadata)
        parquet = out_dir / f"{name}.parquet"
        paths.append(write_file(parquet, lambda p, table=table: pq.write_table(table, p)))
        if csv:
            paths.append(
                write_file(out_dir / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))
            )
    return paths


def write_summary(out_dir: Path, summary: pd.DataFrame) -> Path:
    """Write the summary table (one row per outcome) as ``summary.csv``."""
    return write_file(out_dir / SUMMARY, lambda p: summary.to_csv(p, index=True))


def write_scenario(out_dir: Path, scenario: Scenario, *, name: str = SCENARIO) -> Path:
    """Write the resolved scenario as ``name`` (loadable with ``load_scenario``)."""
    return write_text(out_dir / name, tomli_w.dumps(dump_scenario(scenario)))


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json``."""
    return write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def read_manifest(out_dir: str | Path, *, kind: str | None = None) -> dict[str, Any]:
    """Read ``manifest.json`` of an output directory.

    Raises:
        OutputError: No manifest, an unreadable one, or an incomplete run's.

    Args:
        out_dir: The directory.
        kind: ``"sweep"`` to require a sweep's manifest; None for a run's or a compare's
            (which the caller tells apart).
    """
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise OutputError(f"{out_dir}: no {MANIFEST} ({NOT_A[kind]})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise OutputError(f"{path}: cannot read: {err}") from None
    if kind is not None and manifest.get("kind") != kind:
        raise OutputError(f"{out_dir}: {NOT_A[kind]} (its manifest is not a {kind}'s)")
    check_complete(manifest, out_dir)
    return manifest


def check_complete(manifest: dict[str, Any], where: str | Path) -> None:
    """Refuse the manifest of an incomplete run or compare, saying what it holds.

    A sweep's manifest is let through: a sweep is incomplete until resumed to the end,
    and its report reads what finished.
    """
    if manifest.get("kind") == "sweep" or manifest.get("status") != INCOMPLETE:
        return
    done = len(manifest.get("replications_done", []))
    total = manifest.get("replications_planned", "?")
    raise OutputError(
        f"{where}: incomplete output directory ({manifest.get('reason', 'stopped early')};"
        f" {done} of {total} replications finished); run the command again for a complete one"
    )


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame:
    """Read ``<name>.parquet`` of an output directory."""
    path = Path(out_dir) / f"{name}.parquet"
    if not path.is_file():
        raise OutputError(f"{out_dir}: no {path.name}")
    return pd.read_parquet(path)


# --- part files: batches of finished runs, streamed ----------------------------------------


def part_files(parts_dir: str | Path) -> list[Path]:
    """The finished part files in ``parts_dir``, in order."""
    return sorted(Path(parts_dir).glob(PART_GLOB))


def remove_stale_parts(parts_dir: Path) -> None:
    """Delete the temporary part files a killed process left in ``parts_dir``."""
    for stale in parts_dir.glob(".part-*.tmp"):
        stale.unlink(missing_ok=True)


def write_part(parts_dir: Path, rows: list[dict[str, Any]], schema: pa.Schema, seq: int) -> Path:
    """Write ``rows`` as part file number ``seq`` of ``parts_dir``, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema)
    path = Path(parts_dir) / f"part-{seq:06d}.parquet"
    return write_file(path, lambda p: pq.write_table(table, p))


@dataclass
class PartsState:
    """Counts of the part files: runs done (ids), failures and the next part number."""

    done: set[int]
    failures: int
    next_part: int


def scan_parts(
    parts_dir: str | Path, meta_key: bytes, fingerprint: str | None = None
) -> PartsState:
    """Read the run ids and statuses of every part file, checking they belong together.

    Args:
        parts_dir: The directory of the part files.
        meta_key: The Parquet metadata key holding the JSON that names the writer.
        fingerprint: If given, every part's metadata must carry this ``fingerprint``.
    """
    import pyarrow.parquet as pq

    done: set[int] = set()
    failures, last = 0, -1
    for path in part_files(parts_dir):
        try:
            meta = json.loads((pq.read_schema(path).metadata or {}).get(meta_key, b"{}"))
            table = pq.read_table(path, columns=["run_id", "status"])
        except (OSError, ValueError) as err:
            raise OutputError(f"{path}: unreadable part file: {err}") from None
        if fingerprint is not None and meta.get("fingerprint") != fingerprint:
            raise OutputError(f"{path}: belongs to another sweep (fingerprint differs)")
        ids = table["run_id"].to_pylist()
        repeated = done.intersection(ids)
        if repeated or len(set(ids)) != len(ids):
            raise OutputError(
                f"{path}: repeats runs already recorded (e.g. {sorted(repeated)[:3]})"
            )
        done.update(ids)
        failures += sum(s != "ok" for s in table["status"].to_pylist())
        last = max(last, int(path.stem.split("-")[1]))
    return PartsState(done, failures, last + 1)


def read_parts(parts_dir: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """Every row of the part files, sorted by ``run_id``; None if there is no part file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = part_files(parts_dir)
    if not parts:
        return None
    cols = None if columns is None else list(dict.fromkeys(["run_id", *columns]))
    table = pa.concat_tables([pq.read_table(p, columns=cols) for p in parts])
    return table.to_pandas().sort_values("run_id", ignore_index=True)


@contextmanager
def lock(out_dir: Path, *, holder: str = "sweep") -> Iterator[None]:
    """Hold an exclusive lock on the directory, so two writers never write into one."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): run unlocked
        yield
        return
    with open(out_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{out_dir}: another {holder} is writing to this directory") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- what a manifest records -------------------------------------------------------------


def dependencies() -> tuple[str, ...]:
    """The distribution names of sim's runtime dependencies, as pyproject.toml declares them.

    Read from the installed ``sim`` distribution's metadata (its requirements without an
    extra's marker); :data:`PACKAGES` if sim runs from a source tree it was not installed from.
    """
    try:
        declared = requires("sim") or []
    except PackageNotFoundError:
        return PACKAGES
    names = []
    for req in declared:
        if "extra" in req.partition(";")[2]:  # an optional dependency (dask, test)
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req)
        if match:
            names.append(match.group())
    return tuple(dict.fromkeys(names)) or PACKAGES


def package_versions(names: Sequence[str] | None = None) -> dict[str, str]:
    """Installed versions of ``names`` (default: every runtime dependency of sim)."""
    out = {}
    for name in dependencies() if names is None else names:
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


def code_hash() -> str:
    """A hash of the ``sim`` package's source and data files: the model that runs.

    Unlike the git revision, it also sees edits not committed yet.
    """
    root = Path(sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


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
        "status": COMPLETE,
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
