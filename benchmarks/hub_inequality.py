"""How unequal the hubs come out under variants of the hub mechanisms (issue 12).

Runs ``scenarios/calibrated.toml`` on paired seeds under each ``--arm`` (a set of
overrides separated by ``;``; by default ``freight.wait_by`` set to ``platform``, the
default, and to ``destination``, ODD 7.13), and prints per seed and on average: the
share of 2018 trains on the five largest cities (whichever they are), the largest city
and its share, the share of the record's five named hubs (the ``top5_2018`` pattern),
trains and cities in 2021 and Xi'an's trains in 2020; then the paired differences of the
two shares against the first arm, with normal 95% intervals. A measurement, not a test:
the record's top-five share is 85%.

    ./dev python benchmarks/hub_inequality.py [--seeds 201-208]
    ./dev python benchmarks/hub_inequality.py --arm "freight.head_start=0" \
        --arm "freight.head_start=1" --arm "freight.head_start=1;freight.wait_by=destination"
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration.fit import _platform_places, extract, with_year
from sim.experiments.experiment import run
from sim.scenario.loading import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "calibrated.toml"
MEASURES = (
    "any_top5_2018",
    "top1_share_2018",
    "named_top5_2018",
    "trains_2021",
    "cities_2021",
    "xian_2020",
)


DEFAULT_ARMS = ("freight.wait_by=platform", "freight.wait_by=destination")


def measure(arm: str, seed: int) -> dict:
    """The inequality figures of one run under the overrides of ``arm``."""
    scenario = load_scenario(SCENARIO, [o.strip() for o in arm.split(";") if o.strip()])
    result = run(scenario, seed=seed)
    fit = extract(result.outcomes, result.platforms)
    city = _platform_places()[0]
    p = with_year(result.platforms, scenario.run.start_year)
    by_city = (
        p[p["year"] == 2018]
        .assign(city=p["platform"].map(city))
        .groupby("city")["trains"]
        .sum()
        .sort_values(ascending=False)
    )
    total = by_city.sum()
    return {
        "arm": arm,
        "seed": seed,
        "any_top5_2018": by_city.head(5).sum() / total,
        "top1_2018": by_city.index[0],
        "top1_share_2018": by_city.iloc[0] / total,
        "named_top5_2018": fit["top5_2018"],
        "trains_2021": fit["trains_2021"],
        "cities_2021": fit["cities_2021"],
        "xian_2020": fit["city_xian_2020"],
    }


def main() -> None:
    """Measure every arm on the seeds given; print the table and the paired differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="201-208", help="first-last (inclusive)")
    parser.add_argument(
        "--arm", action="append", help="overrides separated by ';' (repeat; default: wait_by)"
    )
    args = parser.parse_args()
    arms = args.arm or list(DEFAULT_ARMS)
    first, last = (int(x) for x in args.seeds.split("-"))
    seeds = range(first, last + 1)
    table = pd.DataFrame([measure(arm, s) for arm in arms for s in seeds])
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table.round(3).to_string(index=False))
        means = table.groupby("arm", sort=False)[list(MEASURES)].mean()
        print(means.round(3).to_string())
    for measure_name in ("any_top5_2018", "named_top5_2018"):
        by_arm = table.pivot(index="seed", columns="arm", values=measure_name)
        for arm in arms[1:]:
            diff = (by_arm[arm] - by_arm[arms[0]]).to_numpy()
            half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
            print(
                f"paired difference of {measure_name} ({arm} - {arms[0]}): {diff.mean():+.3f}"
                f" (95% interval {diff.mean() - half:+.3f} to {diff.mean() + half:+.3f},"
                f" {diff.size} seeds)"
            )


if __name__ == "__main__":
    main()
