"""``sim app``: serve the interactive page (:mod:`sim.app.page`) on this machine.

Solara and the page are imported inside the command, so that the command line stays
light. The page works with no internet: Solara's scripts and styles come from the
installed packages (``solara-server`` and ``solara-assets``, whose files fill Solara's
asset cache, served under ``/_solara/cdn``), and Solara's telemetry
is switched off.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import fail, load

# Set before Solara is imported: its settings read the environment once.
OFFLINE = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_MODE": "production",
}


def serve_environment(scenario: Path) -> dict[str, str]:
    """The environment the page's server runs with."""
    return {**OFFLINE, "SOLARA_APP": "sim.app.page", "SIM_APP_SCENARIO": str(scenario)}


def app(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario TOML file the page opens with.", dir_okay=False)
    ] = Path("scenarios/coordination.toml"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, help="Port (0: any free port).")] = 8765,
) -> None:
    """Serve a page that steps the model live: levers, map, charts, baseline, export.

    Prints the page's address once it listens; Ctrl-C stops it.
    """
    clock = time.perf_counter()
    load(scenario, [])  # a broken scenario fails here, with its message, not in the page
    os.environ.update(serve_environment(scenario))
    try:
        import uvicorn
        from solara.server.starlette import app as asgi
    except ImportError as err:
        fail(f"sim app needs Solara: pip install -e '.[app]' ({err})")
    config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1]
        typer.echo(
            f"sim app: {scenario} at http://{host}:{bound}/ "
            f"(started in {time.perf_counter() - clock:.1f} s; Ctrl-C stops it)"
        )
        # then import the page (the model, pandas), so that the first visit need not wait
        import sim.app.page  # noqa: F401

    threading.Thread(target=announce, daemon=True).start()
    # on plain http (a local page) Solara falls back to lax cookies, and says so every visit
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    server.run()
