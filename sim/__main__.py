"""``python -m sim``: the ``sim`` command line."""

from sim.cli.app import app

if __name__ == "__main__":  # spawned worker processes import this module too
    app(prog_name="sim")
