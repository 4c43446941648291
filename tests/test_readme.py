"""The README's two commands stay true: the main job runs as written, CI runs the tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_after(marker: str) -> str:
    """The single command in the code block that follows an HTML comment marker."""
    match = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", README, re.S)
    assert match, f"README has no code block after <!-- {marker} -->"
    (line,) = match.group(1).strip().splitlines()
    return line


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [
        x.strip() for x in ci if x.strip() and not x.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert command_after("test-command") in commands


@pytest.mark.slow
def test_main_job_command_runs_as_written():
    command = command_after("main-job")
    assert command == "./dev sim run scenarios/coordination.toml"
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    wrote = re.search(r"^Wrote (\S+)$", done.stdout, re.M)
    assert wrote, done.stdout[-2000:]
    out = ROOT / wrote.group(1)
    try:
        for name in ("outcomes.parquet", "summary.csv", "manifest.json", "scenario.toml"):
            assert (out / name).is_file(), name
        assert "mean_load_factor" in done.stdout
    finally:
        shutil.rmtree(out, ignore_errors=True)
