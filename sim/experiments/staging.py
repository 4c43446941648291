"""An output directory written whole: staged beside its target and swapped in at the end.

A run, compare or report writes into a fresh hidden directory next to ``--out``
(``.<name>.partial-<pid>``) and renames it into place when it is done, so the target is
always one run: ``--force`` replaces the whole directory (never file by file), and a
crash or Ctrl-C never leaves new tables beside an old manifest. A run that stops early
(Ctrl-C, SIGTERM, a replication that fails) still swaps its directory in, with a manifest
whose ``status`` is ``incomplete`` and that says what finished; readers refuse it
(:func:`sim.experiments.store.check_complete`). A run killed outright (SIGKILL) leaves
only the hidden staging directory, removed by the next run into the same target.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sim.experiments.store import INCOMPLETE, MANIFEST, OutputError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, someone else's
        return True
    return True


class StagedDir:
    """The staging directory of an output directory ``target``.

    Args:
        target: The output directory the caller asked for.
        force: Replace ``target`` if it already holds an output directory of ``sim``.
    """

    def __init__(self, target: str | Path, *, force: bool = False) -> None:
        self.target = Path(target)
        self.force = force
        self.path = self.target.parent / f".{self.target.name}.partial-{os.getpid()}"

    def check(self) -> None:
        """Refuse a target that is a file, or non-empty without ``force``, or not ours."""
        target = self.target
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {target}: exists and is not a directory")
        if not target.is_dir() or not any(target.iterdir()):
            return
        if not self.force:
            raise OutputError(
                f"--out {target}: directory exists and is not empty; choose another directory"
                " or pass --force to replace it (the whole directory)"
            )
        if not (target / MANIFEST).is_file():
            raise OutputError(
                f"--out {target}: --force replaces only an output directory of sim, and this"
                f" one has no {MANIFEST}; choose another directory"
            )
        if Path.cwd().resolve().is_relative_to(target.resolve()):
            raise OutputError(f"--out {target}: is the working directory or holds it")

    def open(self) -> Path:
        """Check the target, then create the staging directory (the write test) and return it.

        Raises:
            OutputError: The target is in the way, or its parent cannot be written.
        """
        self.check()
        parent = self.target.parent
        existing = parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise OutputError(f"--out {self.target}: {existing} is a file, not a directory")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            for stale in parent.glob(f".{self.target.name}.partial-*"):
                pid = stale.name.rsplit("-", 1)[-1]
                if pid.isdigit() and not _alive(int(pid)):  # left by a killed run
                    shutil.rmtree(stale, ignore_errors=True)
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir()
            probe = self.path / ".probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as err:
            shutil.rmtree(self.path, ignore_errors=True)
            reason = err.strerror or str(err)
            raise OutputError(
                f"--out {self.target}: cannot write in {parent} ({reason}); choose a directory"
                " you can write to"
            ) from None
        if self.target.is_dir() and not os.access(self.target, os.W_OK | os.X_OK):
            self.discard()
            raise OutputError(f"--out {self.target}: not writable; choose another directory")
        return self.path

    def commit(self) -> Path:
        """Swap the staging directory in as the target (replacing what was there)."""
        old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
        try:
            if self.target.exists():
                os.replace(self.target, old)
            os.replace(self.path, self.target)
        except OSError as err:
            if old.exists() and not self.target.exists():
                os.replace(old, self.target)  # put the earlier run back
            raise OutputError(
                f"--out {self.target}: cannot move the finished output into place ({err});"
                f" it is kept in {self.path}"
            ) from None
        shutil.rmtree(old, ignore_errors=True)
        return self.target

    def discard(self) -> None:
        """Remove the staging directory (nothing was worth keeping)."""
        shutil.rmtree(self.path, ignore_errors=True)


def incomplete_manifest(
    manifest: dict[str, Any], *, reason: str, done: list[int], total: int
) -> dict[str, Any]:
    """``manifest`` marked incomplete: why, and which replications finished of how many."""
    return {
        "status": INCOMPLETE,
        "reason": reason,
        "replications_done": done,
        "replications_planned": total,
        **{k: v for k, v in manifest.items() if k != "status"},
    }
