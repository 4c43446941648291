"""How unequal the hubs come out, with the wait by platform or by destination (issue 12).

Runs ``scenarios/calibrated.toml`` on paired seeds with ``freight.wait_by`` set to
``platform`` (the default) and to ``destination`` (ODD 7.13), and prints per seed and on
average: the share of 2018 trains on the five largest cities (whichever they are), the
largest city and its share, the share of the record's five named hubs (the
``top5_2018`` pattern), trains and cities in 2021 and Xi'an's trains in 2020; then the
paired difference of the first with a normal 95% interval. A measurement, not a test:
the record's top-five share is 85%.

    ./dev python benchmarks/hub_inequality.py [--seeds 201-208]
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


def measure(mode: str, seed: int) -> dict:
    """The inequality figures of one run with ``freight.wait_by = mode``."""
    scenario = load_scenario(SCENARIO, [f"freight.wait_by={mode}"])
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
        "mode": mode,
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
    """Measure both modes on the seeds given and print the table and the paired difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="201-208", help="first-last (inclusive)")
    args = parser.parse_args()
    first, last = (int(x) for x in args.seeds.split("-"))
    seeds = range(first, last + 1)
    rows = [measure(mode, s) for mode in ("platform", "destination") for s in seeds]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160):
        print(table.round(3).to_string(index=False))
        print(table.groupby("mode")[list(MEASURES)].mean().round(3).to_string())
    by_mode = table.pivot(index="seed", columns="mode", values="any_top5_2018")
    diff = (by_mode["destination"] - by_mode["platform"]).to_numpy()
    half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
    print(
        f"paired difference of any_top5_2018 (destination - platform): {diff.mean():+.3f}"
        f" (95% interval {diff.mean() - half:+.3f} to {diff.mean() + half:+.3f},"
        f" {diff.size} seeds)"
    )


if __name__ == "__main__":
    main()
