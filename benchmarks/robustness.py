"""How often an in-bounds scenario gives a silent wrong answer: NaN, inf or a broken invariant.

Draws ``--draws`` parameter vectors uniformly within the schema's bounds (every numeric
parameter at once; an unbounded one is capped at ten times its default, or at 1 where the
default is 0; booleans at random), runs each once and sorts the runs into:

- ``ok``: finished, every outcome finite, shares and load factors in [0, 1];
- ``refused``: the schema (or a cross-field rule) refused the draw with a clear message;
- ``model error``: the model stopped with its own clear error
  (:class:`sim.model.errors.ModelError`);
- ``nan/inf``: finished with a non-finite outcome (a silent wrong answer);
- ``out of range``: finished with a share or load factor outside [0, 1];
- ``crash``: any other exception (a traceback for the user).

Run: ``./dev python benchmarks/robustness.py [--draws 300] [--seed 1] [--enterprises 300]``.
"""

from __future__ import annotations

import argparse
import math
import re
import time
import warnings
from collections import Counter

import numpy as np

from sim.experiments.experiment import run
from sim.model.errors import ModelError
from sim.outcomes import OUTCOMES
from sim.scenario.loading import ScenarioError, set_path, validate
from sim.scenario.params import parameter_table

RANGE = re.compile(r"^(?:each in )?([\[(])([^,]+), ([^\])]+)([\])])")
# Structure of the run, not parameters of the model: kept at their defaults.
FIXED = ("run.steps", "run.enterprises", "run.start_year")
SHARES = [name for name, o in OUTCOMES.items() if o.unit in ("share", "index 0-1")]


def bounds(text: str, default: float) -> tuple[float, float] | None:
    """The numeric range of a parameter-table ``range`` cell, unbounded ends capped."""
    m = RANGE.match(text or "")
    if not m:
        return None
    low, high = float(m.group(2)), float(m.group(3))
    cap = 10 * abs(default) if default else 1.0
    if math.isinf(low):
        low = -cap
    if math.isinf(high):
        high = max(cap, low + 1.0)
    return low, high


def draw(rng: np.random.Generator, table) -> dict:
    """A scenario dict with every numeric parameter drawn within its bounds."""
    data: dict = {"name": "draw"}
    for row in table.itertuples():
        if row.path in FIXED or row.path.startswith(("sweep.", "events")):
            continue
        if row.type == "bool":
            set_path(data, row.path, bool(rng.random() < 0.5))
        elif row.type in ("float", "int"):
            b = bounds(row.range, float(row.default))
            if b is None:
                continue
            x = rng.uniform(*b)
            set_path(data, row.path, int(round(x)) if row.type == "int" else float(x))
        elif row.type == "list[float]":
            defaults = list(row.default)
            b = bounds(row.range, max(defaults))
            if b is None:
                continue
            set_path(data, row.path, [float(rng.uniform(*b)) for _ in defaults])
    sectors = data.get("freight", {}).get("sectors", {})
    total = sum(s["share"] for s in sectors.values() if "share" in s)
    for s in sectors.values():  # the one cross-field rule the schema had: shares sum to 1
        if "share" in s:
            s["share"] /= total
    return data


def classify(data: dict, seed: int, enterprises: int) -> tuple[str, str]:
    """Run one draw; return its class and a short reason."""
    data = {**data, "run": {**data.get("run", {}), "enterprises": enterprises}}
    try:
        scenario = validate(data, origin="draw")
    except ScenarioError as err:
        return "refused", str(err).splitlines()[-1][:120]
    try:
        outcomes = run(scenario, seed=seed).outcomes
    except ModelError as err:
        return "model error", str(err)[:120]
    except Exception as err:  # noqa: BLE001 - counting every other failure is the point
        return "crash", f"{type(err).__name__}: {err}"[:120]
    values = outcomes[[c for c in OUTCOMES if c in outcomes]].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        return "nan/inf", ""
    shares = outcomes[[c for c in SHARES if c in outcomes]].to_numpy(dtype=float)
    if ((shares < -1e-9) | (shares > 1 + 1e-9)).any():
        return "out of range", ""
    return "ok", ""


def main() -> None:
    """Draw, run and count."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--enterprises", type=int, default=300)
    ap.add_argument("--show", type=int, default=5, help="examples of each failure to print")
    args = ap.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)  # overflow is what is counted here
    table = parameter_table()
    rng = np.random.default_rng(args.seed)
    seeds = np.random.SeedSequence(args.seed).generate_state(args.draws)
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    start = time.perf_counter()
    for i in range(args.draws):
        kind, reason = classify(draw(rng, table), int(seeds[i]), args.enterprises)
        counts[kind] += 1
        if reason and len(examples.setdefault(kind, [])) < args.show:
            examples[kind].append(reason)
    wall = time.perf_counter() - start
    print(
        f"{args.draws} in-bounds draws (seed {args.seed}, {args.enterprises} enterprises, "
        f"{wall:.0f} s):"
    )
    for kind in ("ok", "refused", "model error", "nan/inf", "out of range", "crash"):
        print(f"  {kind:13s} {counts[kind]:4d}")
        for reason in examples.get(kind, []):
            print(f"      {reason}")


if __name__ == "__main__":
    main()
