"""No command prints a traceback on bad input, and output directories are one run or marked.

Every command runs through its real entry point (typer's CliRunner on ``sim.cli.app.app``,
or a subprocess of ``sim`` where signals matter) with bad inputs: each must exit non-zero
with a message and no traceback. Then the guarantees of an output directory: Ctrl-C keeps
what finished, marked incomplete, and readers refuse it; a sweep's workers do not outlive
their parent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.experiments import resources, store
from sim.experiments.staging import StagedDir, incomplete_manifest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SIM = Path(sys.executable).with_name("sim")
TINY = ["--steps", "4", "-r", "2", "--set", "run.enterprises=200"]
UNWRITABLE = "/proc/sim-no-such-dir/out"  # cannot be created, even by root

runner = CliRunner()


def scenario_inputs(tmp: Path) -> dict[str, Path]:
    """Bad scenario arguments: a missing file, a directory, bad TOML, an unknown key."""
    tmp.mkdir(parents=True, exist_ok=True)
    bad_toml = tmp / "bad.toml"
    bad_toml.write_text("[run\nsteps = \n")
    unknown = tmp / "unknown.toml"
    unknown.write_text("[run]\nstepz = 4\n")
    empty_dir = tmp / "adir.toml"
    empty_dir.mkdir()
    return {
        "missing file": tmp / "nope.toml",
        "directory": empty_dir,
        "bad toml": bad_toml,
        "unknown key": unknown,
    }


def directory_inputs(tmp: Path) -> dict[str, Path]:
    """Bad output directories: missing, a file, not an output, incomplete, broken manifest."""
    plain = tmp / "plain"
    plain.mkdir(parents=True)
    (plain / "notes.txt").write_text("hello")
    incomplete = tmp / "incomplete"
    incomplete.mkdir()
    marked = incomplete_manifest({"scenario": "x"}, reason="interrupted", done=[0], total=5)
    store.write_manifest(incomplete, marked)
    broken = tmp / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    return {
        "missing dir": tmp / "nowhere",
        "a file": tmp / "plain" / "notes.txt",
        "not an output dir": plain,
        "incomplete": incomplete,
        "broken manifest": broken,
    }


def cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """(name, argv) of every command with every bad input that applies to it."""
    out = str(tmp / "out")
    sweep = ["-p", "freight.logit_scale=300:900", "--samples", "2", "--workers", "1"]
    per_scenario = {
        "run": lambda s: ["run", s, *TINY, "--out", out],
        "compare": lambda s: ["compare", s, str(BASELINE), *TINY, "--out", out],
        "sweep": lambda s: ["sweep", s, *sweep, "--out", out, "--no-report"],
        "validate": lambda s: ["validate", s],
        "calibrate": lambda s: ["calibrate", s, "--out", str(tmp / "fit.toml")],
        "report": lambda s: ["report", s, "-r", "1", "--out", out],
    }
    found = []
    for command, argv in per_scenario.items():
        for name, path in scenario_inputs(tmp / command).items():
            found.append((f"{command}: {name}", argv(str(path))))
    good = str(BASELINE)
    for command in ("run", "compare", "sweep", "report"):
        for bad_set in ("policy.finance.insurance_cover=abc", "nonsense", "run.nope=1"):
            argv = per_scenario[command](good)
            found.append((f"{command}: --set {bad_set}", [*argv, "--set", bad_set]))
    for command in ("run", "compare", "sweep", "report"):
        argv = per_scenario[command](good)
        found.append((f"{command}: unwritable --out", [*argv, "--out", UNWRITABLE]))
    found.append(("calibrate: unwritable --out", ["calibrate", "history", "--out", UNWRITABLE]))
    for command in ("plot", "sweep-report"):
        for name, path in directory_inputs(tmp / command).items():
            found.append((f"{command}: {name}", [command, str(path)]))
    found.append(("params: bad format", ["params", "--format", "yaml"]))
    found.append(("run: -r 0", ["run", good, "-r", "0"]))
    found.append(("run: too big for memory", ["run", good, "-r", "100000000"]))
    found.append(
        ("run: huge enterprises", ["run", good, "--set", "run.enterprises=99999999999999999999"])
    )
    return found


def test_every_command_refuses_bad_input_without_a_traceback(tmp_path):
    failures = []
    for name, argv in cases(tmp_path):
        result = runner.invoke(app, argv)
        text = result.output + (result.stderr if result.stderr_bytes is not None else "")
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if crashed or "Traceback" in text or result.exit_code == 0:
            failures.append(f"{name}: exit {result.exit_code}, {result.exception!r}: {text[:300]}")
    assert not failures, "\n".join(failures)


def test_incomplete_directory_is_refused_with_what_it_holds(tmp_path):
    incomplete = directory_inputs(tmp_path)["incomplete"]
    result = runner.invoke(app, ["plot", str(incomplete)])
    assert result.exit_code == 2
    assert "incomplete output directory (interrupted; 1 of 5 replications finished)" in (
        result.stderr
    )


def test_staged_dir_swaps_in_whole_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out"
    stage = StagedDir(target)
    stage.open()
    (stage.path / "a.txt").write_text("one")
    store.write_manifest(stage.path, {"status": "complete"})
    stage.commit()
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "manifest.json"]
    again = StagedDir(target, force=True)
    again.open()
    store.write_manifest(again.path, {"status": "complete"})
    again.commit()
    assert [p.name for p in target.iterdir()] == ["manifest.json"]  # a.txt went with the old run
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_memory_estimate_refuses_with_the_figure():
    fits = resources.memory_problem(enterprises=2000, steps=40, replications=10, available=8e9)
    assert fits is None
    problem = resources.memory_problem(
        enterprises=2000, steps=40, replications=100_000_000, available=8e9
    )
    assert problem is not None and "TB of memory" in problem and "-r " in problem


def test_plot_redraws_a_compare_directory(tmp_path):
    out = tmp_path / "cmp"
    argv = ["compare", str(BASELINE), str(ROOT / "scenarios" / "talent.toml"), *TINY]
    made = runner.invoke(app, [*argv, "--out", str(out), "--no-charts"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["plot", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "charts" / "difference_from_base.png").is_file()


def start(argv: list[str], **kw) -> subprocess.Popen:
    """A ``sim`` subprocess that handles Ctrl-C as a terminal's foreground job would."""
    return subprocess.Popen(
        [str(SIM), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kw,
    )


def wait_for(predicate, timeout: float) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (a bound, not a timing)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_ctrl_c_during_run_keeps_what_finished_marked_incomplete(tmp_path):
    out = tmp_path / "out"
    proc = start(["run", str(BASELINE), "-r", "2000", "--no-charts", "--out", str(out)])
    assert wait_for(lambda: any(tmp_path.glob(".out.partial-*")), 60)
    time.sleep(1.0)  # let a few replications finish (any number, zero included, is fine)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and str(out) in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["replications_planned"] == 2000
    assert manifest["replications"] == len(manifest["replications_done"])
    refused = runner.invoke(app, ["plot", str(out)])
    assert refused.exit_code == 2 and "incomplete" in refused.stderr


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_sweep_workers_end_when_the_parent_is_killed(tmp_path):
    argv = ["sweep", str(BASELINE), "-p", "freight.logit_scale=300:900", "--samples", "400"]
    proc = start([*argv, "-r", "4", "--workers", "2", "--out", str(tmp_path / "s"), "--no-report"])
    try:

        def descendants() -> set[int]:
            direct = children(proc.pid)
            return direct | {g for c in direct for g in children(c)}

        # the forkserver, the resource tracker and two workers
        assert wait_for(lambda: len(descendants()) >= 4, 60), descendants()
        family = descendants()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_for(lambda: not any(alive(p) for p in family), 20), [
            p for p in family if alive(p)
        ]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        for pid in family if "family" in locals() else ():
            if alive(pid):  # this test's own processes, should the fix have failed
                os.kill(pid, signal.SIGKILL)
