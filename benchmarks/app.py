"""How fast ``sim app`` starts and how long a quarter's step takes to redraw.

Start: from launching ``sim app SCENARIO --port 0`` to the printed address, and to the
page's first HTTP answer. Redraw: what the server does for one quarter at the default size
(2000 enterprises, scenario and baseline): the step of both models, every panel's option
(:func:`sim.app.panels.panels`) and the JSON the browser receives; the median over
quarters 1 to 8, after a warm-up; and the same through the page component (a click on
Step, which steps and re-renders it, with Solara, no browser). The browser's own drawing
is measured by ``tests/test_app_browser.py`` (click to updated table).

    ./dev python benchmarks/app.py [SCENARIO]
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_time(scenario: str) -> tuple[float, float]:
    """Seconds to the printed address, and to the first answer of the page."""
    clock = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", scenario, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        printed = time.perf_counter() - clock
        url = re.search(r"http://\S+/", line).group(0)
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
        return printed, time.perf_counter() - clock
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def redraw_times(scenario: str, quarters: int = 8) -> list[float]:
    """Seconds per quarter: both models' step, every panel's option, and its JSON."""
    from sim.app import panels
    from sim.app.session import Session

    session = Session(ROOT / scenario, baseline=ROOT / "scenarios/baseline.toml")
    times = []
    for _ in range(quarters + 1):
        clock = time.perf_counter()
        session.step()
        result, base = session.snapshot()
        json.dumps(panels.panels(result, base, caption=session.caption()))
        times.append(time.perf_counter() - clock)
    return times[1:]


def page_redraw_times(scenario: str, quarters: int = 8) -> list[float]:
    """Seconds per Step click on the page component (Solara's render, no browser)."""
    import os

    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    os.environ["SIM_APP_SCENARIO"] = str(ROOT / scenario)
    _, rc = solara.render(Page(), handle_error=False)
    times = []
    for _ in range(quarters + 1):
        clock = time.perf_counter()
        rc.find(v.Btn, children=["Step"]).widget.click()  # steps and redraws, synchronously
        times.append(time.perf_counter() - clock)
    return times[1:]


def main() -> None:
    """Print both measures."""
    scenario = sys.argv[1] if len(sys.argv) > 1 else "scenarios/coordination.toml"
    printed, answered = start_time(scenario)
    print(f"start: address printed after {printed:.2f} s, page answered after {answered:.2f} s")
    times = redraw_times(scenario)
    print(
        f"redraw of a quarter (server): median {statistics.median(times):.3f} s,"
        f" max {max(times):.3f} s over {len(times)} quarters"
    )
    times = page_redraw_times(scenario)
    print(
        f"redraw of a quarter (Step on the page component): median"
        f" {statistics.median(times):.3f} s, max {max(times):.3f} s over {len(times)} quarters"
    )


if __name__ == "__main__":
    main()
