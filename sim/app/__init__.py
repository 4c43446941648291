"""The interactive page (``sim app``): the real model stepped live in a local Solara page.

:mod:`sim.app.levers` turns the scenario schema into controls, :mod:`sim.app.session` holds
the models a page steps (the scenario and, on the same seed, the baseline) and exports
them as a ``sim run`` output directory, :mod:`sim.app.panels` builds every panel
(:mod:`sim.app.hubmap`: the map and the subsidy race; :mod:`sim.app.charts`: load
factors, the funnel, welfare and the difference from the baseline) as an ECharts option
the browser draws, and :mod:`sim.app.page` is the Solara page. Only the last imports
Solara.
"""
