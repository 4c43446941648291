"""The ``sim`` command line (typer): see :mod:`sim.cli.app`."""
