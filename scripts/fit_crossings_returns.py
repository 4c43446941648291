"""Fit the crossing choice and the return-cargo ratio of history_cities to their patterns.

A 36-point grid (inbound ratio, km cost, logit scale, crossing capacity; congestion 2
days, an assumption), two calibration seeds each (1001, 1002: no test uses them), scored
by the crossings and loads rows of `sim report` only (squared errors in tolerances,
clipped at 5). Run: `PYTHONPATH=. ./dev python scripts/fit_crossings_returns.py`; it
prints one line per point and writes the table sorted by error to the path given
(default `fit_crossings_returns.csv`).
"""

import itertools
import sys

import pandas as pd

from sim.analysis.calibration import fit
from sim.analysis.calibration.record import PATTERNS
from sim.experiments.experiment import run
from sim.scenario.loading import load_scenario
from sim.scenario.paths import assign_path

KEYS = [p.key for p in PATTERNS if p.row in ("crossings", "loads")]
base = load_scenario("scenarios/history_cities.toml")
SEEDS = (1001, 1002)
rows = []
grid = dict(
    ratio=[0.5, 0.65, 0.8],
    km=[0.2, 0.5, 1.0],
    scale=[100.0, 300.0],
    cap=[800.0, 1500.0],
)
for ratio, km, scale, cap in itertools.product(*grid.values()):
    sc = base.model_copy(deep=True)
    for k, v in {
        "partners.inbound_ratio": ratio,
        "freight.crossing_km_cost": km,
        "freight.crossing_scale": scale,
        "freight.crossing_capacity": cap,
        "freight.crossing_choice": "logit",
        "freight.crossing_congestion": 2.0,
    }.items():
        assign_path(sc, k, v)
    sims = []
    for seed in SEEDS:
        r = run(sc, seed=seed)
        sims.append(pd.Series(fit.extract(r.outcomes, r.platforms)))
    means = pd.concat(sims, axis=1).mean(axis=1)
    table = fit.fit_table(pd.DataFrame(sims), sc)
    t = table[table.key.isin(KEYS) & (table.kind == "fitted")]
    err = float((t["error"].abs().clip(upper=5) ** 2 * t["weight"]).sum())
    rows.append(
        dict(
            ratio=ratio,
            km=km,
            scale=scale,
            cap=cap,
            err=round(err, 3),
            **{k: round(means[k], 3) for k in KEYS},
        )
    )
    print(rows[-1], flush=True)
pd.DataFrame(rows).sort_values("err").to_csv(
    sys.argv[1] if len(sys.argv) > 1 else "fit_crossings_returns.csv", index=False
)
