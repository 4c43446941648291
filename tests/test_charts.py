"""Every chart, drawn from small real runs: the files exist and are images of the right size.

One small run (``sim run``), one comparison (``sim compare``) and one small Sobol sweep
(the sweep API) draw every chart the package writes; each PNG is read with the standard
library (its header holds width and height) and must have the pixel size of the figure
that the chart's own function builds, and each chart also written as SVG must be an SVG.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from sim.analysis.summary import over_time
from sim.cli.app import app
from sim.experiments.experiment import child_seeds
from sim.experiments.runners import SequentialBackend, run_replications
from sim.outcomes import KEY_OUTCOMES, OUTCOMES
from sim.plots.compare import (
    comparison_group_figure,
    differences_figure,
    scenario_stats,
    scenario_styles,
)
from sim.plots.funnel import funnel_figure, funnel_table, plot_funnel
from sim.plots.map import hub_volumes, map_figure, plot_map
from sim.plots.model import MODEL_CHARTS
from sim.plots.over_time import groups, plot_group
from sim.plots.provinces import (
    plot_subsidy_by_province,
    plot_subsidy_per_feu,
    province_shares,
    subsidy_figure,
)
from sim.plots.run_charts import save_run_charts
from sim.scenario.loading import dump_scenario, load_scenario, validate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
COORDINATION = ROOT / "scenarios" / "coordination.toml"
SMALL = ["--steps", "8", "-r", "2", "--set", "run.enterprises=200"]
DPI = 110
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG from its IHDR chunk (bytes 16-24), checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def pixels(fig: Figure, dpi: int = DPI) -> tuple[float, float]:
    """The pixel size a figure is saved at (to within the pixel matplotlib truncates)."""
    w, h = fig.get_size_inches() * dpi
    return float(w), float(h)


def same_size(actual: tuple[int, int], expected: tuple[float, float]) -> bool:
    return all(abs(a - e) <= 1 for a, e in zip(actual, expected, strict=True))


def check_image(path: Path, fig: Figure, *, svg: bool = False) -> None:
    assert path.is_file() and path.stat().st_size > 5_000, f"{path.name} missing or tiny"
    assert same_size(png_size(path), pixels(fig)), (path.name, png_size(path), pixels(fig))
    if svg:
        vector = path.with_suffix(".svg")
        assert vector.is_file(), vector.name
        text = vector.read_text(encoding="utf-8")
        assert text.lstrip().startswith("<?xml") and "<svg" in text[:2000], vector.name


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = invoke("run", COORDINATION, *SMALL, "--out", out, "--svg")
    assert result.exit_code == 0, result.output
    tables = {n: pd.read_parquet(out / f"{n}.parquet") for n in ("outcomes", "provinces")}
    tables["platforms"] = pd.read_parquet(out / "platforms.parquet")
    return out, tables


@pytest.mark.slow
def test_run_draws_every_chart_as_png_and_svg(small_run):
    out, t = small_run
    charts = out / "charts"
    caption = "scenario coordination · 2 replications · base seed 20260101"
    stats = over_time(t["outcomes"])
    for group in groups():
        check_image(charts / f"{group}.png", plot_group(stats, group, caption=caption), svg=True)
    fig = map_figure(t["platforms"], t["provinces"], caption=caption)
    check_image(charts / "map.png", fig, svg=True)
    fig = subsidy_figure(t["provinces"], caption=caption)
    check_image(charts / "subsidy_by_province.png", fig, svg=True)
    check_image(charts / "funnel.png", funnel_figure(t["outcomes"], caption=caption), svg=True)
    expected = {*groups(), *MODEL_CHARTS}
    assert {p.stem for p in charts.glob("*.png")} == expected
    assert {p.stem for p in charts.glob("*.svg")} == expected
    assert not list(charts.glob(".*"))  # no temporary files left


@pytest.mark.slow
def test_charts_drawn_on_two_processes_are_the_bytes_of_one(small_run, tmp_path):
    out, t = small_run
    written = {}
    for workers in (1, 2):
        done: list[str] = []
        paths = save_run_charts(
            t["outcomes"],
            tmp_path / f"w{workers}",
            caption="scenario coordination · 2 replications · base seed 20260101",
            provinces=t["provinces"],
            platforms=t["platforms"],
            workers=workers,
            on_done=done.append,
            start_year=2015,  # the scenario's run.start_year, as sim run passes it
        )
        assert done == [*groups(), *MODEL_CHARTS]  # progress in chart order
        assert [p.suffix for p in paths] == [".png"] * len(done)  # PNG unless asked
        written[workers] = {p.name: p.read_bytes() for p in paths}
    assert written[1] == written[2]
    # and they are the run's own charts
    assert written[1] == {p.name: p.read_bytes() for p in (out / "charts").glob("*.png")}


@pytest.mark.slow
def test_compare_draws_overlays_and_the_forest_plot(tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", BASELINE, COORDINATION, *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    stacked = pd.read_parquet(out / "outcomes.parquet")
    names = list(dict.fromkeys(stacked["scenario"]))
    styles = scenario_styles(names)
    stats = scenario_stats(stacked)
    caption = "x"  # the caption is one line in either case: it does not change the size
    for group in groups():
        fig = comparison_group_figure(stats, group, styles=styles, caption=caption)
        check_image(out / "charts" / f"{group}.png", fig)
    table = pd.read_csv(out / "comparison.csv")
    table = table[table["window"] == "final"]
    fig = differences_figure(table, list(KEY_OUTCOMES), base=names[0], scenarios=names)
    check_image(out / "charts" / "difference_from_base.png", fig)


@pytest.mark.slow
def test_sweep_draws_index_bars_and_a_heatmap(tmp_path):
    from sim.analysis.sweep_report import analyze_sweep, write_report
    from sim.experiments.sweep import plan_sweep, run_sweep
    from sim.plots.sweep import index_figure, save_report_charts

    base = load_scenario(BASELINE, ["run.enterprises=200", "run.steps=6"])
    sweep = {
        "method": "sobol",
        "samples": 4,
        "replications": 1,
        "outcomes": ["welfare_total", "mean_load_factor"],
        "params": {
            "strategy.rank_weight": {"low": 0, "high": 600},
            "freight.logit_scale": {"low": 300, "high": 900},
        },
    }
    plan = plan_sweep(validate({**dump_scenario(base), "sweep": sweep}, origin="test"), seed=3)
    with SequentialBackend() as backend:
        summary = run_sweep(plan, tmp_path / "s", backend=backend)
    assert summary.status == "complete"
    report = analyze_sweep(tmp_path / "s")
    write_report(report, tmp_path / "s")
    save_report_charts(report, tmp_path / "s")
    where = tmp_path / "s" / "report"
    fig = index_figure(report.indices, "sobol", report.outcomes, caption="x")
    check_image(where / "sobol_indices.png", fig)
    heatmap = where / "heatmap.png"
    assert heatmap.stat().st_size > 5_000
    assert same_size(png_size(heatmap), pixels(Figure((6.4, 5.0))))


def test_model_chart_functions_draw_on_given_axes():
    s = load_scenario(COORDINATION, ["run.enterprises=200", "run.steps=6"])
    r = run_replications(s, child_seeds(1, 2))
    axes = Figure().subplots(1, 4)
    assert plot_map(r.platforms, r.provinces, ax=axes[0]) is axes[0]
    assert plot_subsidy_by_province(r.provinces, ax=axes[1], window="final") is axes[1]
    assert plot_subsidy_per_feu(r.provinces, ax=axes[2]) is axes[2]
    both = pd.concat([r.outcomes.assign(scenario="a"), r.outcomes.assign(scenario="b")])
    assert plot_funnel(both, ax=axes[3]) is axes[3]
    assert axes[3].get_legend() is not None  # one bar per scenario and a legend

    hubs = hub_volumes(r.platforms, r.provinces)
    assert set(hubs.loc[hubs["member"], "province"]) <= set(s.policy.coordination.members)
    assert (hubs["volume"] >= 0).all() and hubs["designated"].any()

    shares = province_shares(r.provinces)
    assert shares["subsidy_share"].sum() == pytest.approx(1.0)
    assert shares["volume_share"].sum() == pytest.approx(1.0)

    funnel = funnel_table(r.outcomes)
    assert list(funnel["stage"]) == ["going_abroad", "approved", "projects_active", "defaults"]
    total = r.outcomes.groupby("replication")["approved"].sum().mean()
    assert funnel.set_index("stage").loc["approved", "mean"] == pytest.approx(total)
    assert np.isfinite(funnel["low"]).all()  # two replications: intervals exist
    assert set(funnel_table(both)["scenario"]) == {"a", "b"}


def test_single_run_tables_need_no_replication_column():
    from sim.experiments.experiment import run

    r = run(load_scenario(COORDINATION, ["run.enterprises=200", "run.steps=5"]), seed=2)
    fig = map_figure(r.platforms, r.provinces)
    assert fig.axes and funnel_table(r.outcomes)["low"].isna().all()  # one run: no interval
    assert province_shares(r.provinces)["volume_share"].sum() == pytest.approx(1.0)


def test_every_outcome_group_has_a_title():
    from sim.plots.over_time import GROUP_TITLES

    assert {o.group for o in OUTCOMES.values()} <= set(GROUP_TITLES)
