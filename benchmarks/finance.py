"""Finance under the status quo and the reforms: rationing, the insurer's books, welfare.

Prints, over paired seeds (common random numbers, the directional tests' seeds by
default): how often the lender rations eligible demand, approvals by ownership under the
status quo, financing reform, and financing reform with twice the lending budget; the
insurer's premiums against its claims and the state's backstop; and the paired
difference of every welfare component from the baseline under financing reform and
coordination, with its 95% t-interval. Run from the repository root::

    ./dev python benchmarks/finance.py [--seeds 12] [--base 2026]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from sim.analysis.summary import bootstrap_interval, t_interval
from sim.experiments.experiment import child_seeds
from sim.experiments.runners import run_replications
from sim.outcomes import OUTCOMES
from sim.scenario.loading import load_scenario

ARMS = {
    "status quo": ("baseline", []),
    "financing reform": ("financing_reform", []),
    "reform, budget x2": ("financing_reform", ["finance.lending_budget=4800"]),
}
WELFARE = [n for n, o in OUTCOMES.items() if o.group == "welfare"]


def main() -> None:
    """Run the arms on the same seeds and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--base", type=int, default=2026)
    args = parser.parse_args()
    seeds = child_seeds(args.base, args.seeds)
    runs = {
        label: run_replications(load_scenario(f"scenarios/{name}.toml", over), seeds).outcomes
        for label, (name, over) in ARMS.items()
    }
    runs["coordination"] = run_replications(
        load_scenario("scenarios/coordination.toml"), seeds
    ).outcomes
    print(f"{args.seeds} paired seeds, child_seeds({args.base}, {args.seeds}); run means\n")
    rows = []
    for label in ARMS:
        r = runs[label]
        per = r.groupby("replication")
        row = {"arm": label, "quarters rationed": f"{(r['rationed_demand'] > 0).mean():.0%}"}
        for name in ("approved_state", "approved_private", "lending", "rationed_demand"):
            mean, low, high = bootstrap_interval(per[name].mean())
            row[name] = f"{mean:,.1f} [{low:,.1f}, {high:,.1f}]"
        premiums, claims = per["insurance_premiums"].sum(), per["insurance_payouts"].sum()
        row["claims / premiums"] = f"{(claims / premiums).mean():.2f}"
        row["backstop, total"] = f"{per['insurer_backstop'].sum().mean():,.0f}"
        rows.append(row)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).set_index("arm").to_string(), "\n")
    base = runs["status quo"].groupby("replication")[WELFARE].mean()
    for label in ("financing reform", "coordination"):
        arm = runs[label].groupby("replication")[WELFARE].mean()
        print(f"welfare, {label} minus status quo (USD mn per quarter, run mean):")
        for name in WELFARE:
            diff, low, high = t_interval((arm[name] - base[name]).to_numpy())
            print(f"  {name:28s} {diff:+10.1f}  [{low:+.1f}, {high:+.1f}]")
        print()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
