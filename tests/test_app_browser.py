"""The page in a real browser: headless Chromium (Debian's) driven through chromedriver.

It starts ``sim app`` on a free port, moves the joint-cap slider, runs four quarters,
checks that the map and the charts were redrawn and that the numbers shown are those of
``run`` for the same seed, exports, and saves a screenshot that it checks for content.
Every request the browser makes is recorded (Chrome's performance log): none may leave
127.0.0.1, so the page works with no internet. ``SIM_APP_SCREENSHOT=path`` keeps the
screenshot (``docs/figures/app.png`` is made so).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "coordination.toml"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--window-size=1600,2300",
    # nothing but this machine resolves: a request elsewhere would fail, and be recorded
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="no chromium and chromedriver on PATH (apt-get install chromium chromium-driver;"
        " .ci/run installs them where it runs as root)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
pytest.importorskip("solara", reason="the page needs the app extra: pip install -e '.[app]'")


@pytest.fixture
def server(tmp_path):
    """``sim app`` on a free port, run in ``tmp_path`` (where Export writes ``runs/``)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", str(SCENARIO), "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    clock = time.perf_counter()
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        proc.kill()
        pytest.fail(f"sim app printed no address: {line!r} {proc.stdout.read()}")
    yield match.group(0), time.perf_counter() - clock
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(check, timeout: float = 30.0, what: str = ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = check()
        except Exception:  # the element is being replaced by a redraw
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def requested_urls(driver) -> list[str]:
    """Every URL the page asked for (HTTP and WebSocket), from the performance log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def test_the_page_runs_the_model_offline_and_shows_the_numbers_of_run(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from sim.cli.common import DEFAULT_SEED
    from sim.experiments.experiment import child_seeds, run
    from sim.scenario.loading import load_scenario

    url, started = server
    clock = time.perf_counter()
    browser.get(url)
    wait_for(lambda: browser.find_elements(By.ID, "key-outcomes"), what="the page")
    loaded = time.perf_counter() - clock

    def step_shown() -> str:
        return browser.find_element(By.ID, "sim-step").get_attribute("data-step")

    # a lever: the members' joint subsidy cap, from the scenario's 0.40 to its minimum, 0
    slider = browser.find_element(
        By.CSS_SELECTOR, ".lever-policy-coordination-joint-cap-rate [role=slider]"
    )
    assert slider.get_attribute("aria-valuenow") == "0.4"
    slider.send_keys(Keys.HOME)
    wait_for(
        lambda: "joint_cap.rate=0" in browser.find_element(By.TAG_NAME, "body").text,
        what="the lever's new value",
    )

    def canvas(name: str) -> str:
        return browser.execute_script(
            "const c = document.querySelector(arguments[0] + ' canvas');"
            " return c ? c.toDataURL() : '';",
            f".sim-panel-{name}",
        )

    panels = ("map", "subsidy", "load", "funnel", "welfare", "difference")
    redraws, first = [], {}
    for quarter in range(1, 5):
        tick = time.perf_counter()
        browser.find_element(By.CSS_SELECTOR, ".sim-step-button").click()
        wait_for(lambda q=quarter: step_shown() == str(q), what=f"quarter {quarter}")
        redraws.append(time.perf_counter() - tick)
        if quarter == 1:
            wait_for(lambda: all(canvas(n) for n in panels), what="the charts")
            time.sleep(0.3)
            first = {n: canvas(n) for n in panels}
    time.sleep(0.5)  # ECharts draws on the next animation frames
    last = {n: canvas(n) for n in panels}
    assert all(last[n] != first[n] for n in panels), "a panel was not redrawn"

    # the numbers shown are those of run() for the same scenario, lever and seed
    scenario = load_scenario(SCENARIO, ["policy.coordination.joint_cap.rate=0.0"])
    expected = run(scenario, seed=child_seeds(DEFAULT_SEED, 1)[0], steps=4).outcomes.iloc[-1]
    rows = browser.find_elements(By.CSS_SELECTOR, "#key-outcomes tr[data-outcome]")
    assert rows
    for row in rows:
        name = row.get_attribute("data-outcome")
        shown = float(row.find_element(By.CSS_SELECTOR, "td.value").get_attribute("data-value"))
        assert shown == pytest.approx(float(expected[name]), rel=1e-12, abs=1e-12), name

    # export what is on screen, without charts (quicker): a `sim run` output directory
    browser.find_element(By.XPATH, "//label[normalize-space()='with charts']").click()
    browser.find_element(By.CSS_SELECTOR, ".sim-export-button").click()
    wrote = wait_for(
        lambda: re.search(r"Wrote (\S+)", browser.find_element(By.TAG_NAME, "body").text),
        timeout=60,
        what="the export",
    )
    manifest = json.loads((tmp_path / wrote.group(1) / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["steps"] == 4

    # no request left this machine
    hosts = {
        urlparse(u).hostname
        for u in requested_urls(browser)
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {"127.0.0.1"}, hosts

    # a screenshot with content: not one colour, and much of it not background
    shot = tmp_path / "app.png"
    browser.save_screenshot(str(shot))
    if os.environ.get("SIM_APP_SCREENSHOT"):
        shutil.copy(shot, os.environ["SIM_APP_SCREENSHOT"])
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.std() > 0.05
    assert (pixels.min(axis=2) < 0.9).mean() > 0.05
    print(
        f"\nsim app: address after {started:.2f} s, page shown {loaded:.2f} s after;"
        f" click to quarter shown: {', '.join(f'{t:.2f}' for t in redraws)} s"
    )
