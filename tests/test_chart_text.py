"""Charts a student reads without a glossary: labels, units, years, bounded bands, no overlaps.

Every chart of the default run (``sim run scenarios/coordination.toml`` at its own size)
is drawn and its text measured: no two labels on a chart overlap. Panel titles are the
outcomes' labels from the one registry (``sim.outcomes.OUTCOMES``), time axes are in
calendar years, bands of quantities that cannot be negative never go below zero, and a
constant outcome gets no flat panel but a line in the caption.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from sim.analysis.summary import bootstrap_bounds, bootstrap_interval, over_time, summary_table
from sim.experiments.experiment import child_seeds
from sim.experiments.runners import run_replications
from sim.outcomes import OUTCOMES
from sim.plots.compare import comparison_group_figure, scenario_stats, scenario_styles
from sim.plots.over_time import constants, plot_group
from sim.plots.run_charts import RunCharts
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
COORDINATION = ROOT / "scenarios" / "coordination.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
SEED = 20260101  # the main job's default seed: the charts a new user sees first
CAPTION = "scenario coordination · 10 replications · base seed 20260101"


def _in_view(axis, text: Text, loc: float) -> bool:
    low, high = sorted(axis.get_view_interval())
    span = high - low
    return low - 1e-9 * span <= loc <= high + 1e-9 * span


def drawn_texts(fig: Figure) -> list[Text]:
    """Every piece of text the figure draws: titles, axis and tick labels, notes, legends."""
    FigureCanvasAgg(fig).draw()
    texts: list[Text] = [*fig.texts]
    for extra in (fig._suptitle, fig._supxlabel, fig._supylabel):  # noqa: SLF001
        if extra is not None:
            texts.append(extra)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title]  # noqa: SLF001
        texts += [ax.xaxis.label, ax.yaxis.label]
        texts += [ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks():
                if tick.label1.get_visible() and _in_view(axis, tick.label1, tick.get_loc()):
                    texts.append(tick.label1)
        texts += ax.texts
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title(), *legend.get_texts()]
    for legend in fig.legends:
        texts += [legend.get_title(), *legend.get_texts()]
    unique = {id(t): t for t in texts}  # the suptitle is also one of fig.texts
    return [t for t in unique.values() if t.get_visible() and t.get_text().strip()]


def overlaps(fig: Figure, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than ``tolerance`` pixels each way."""
    texts = drawn_texts(fig)  # draws on an Agg canvas
    renderer = fig.canvas.get_renderer()
    boxes = []
    for text in texts:
        if isinstance(text, Annotation) and not text._check_xy(renderer):  # noqa: SLF001
            continue  # annotation_clip: its point lies outside the axes, so it is not drawn
        box = Text.get_window_extent(text, renderer)  # an annotation's own adds its line
        if text.get_clip_on() and text.axes is not None:
            clip = text.get_clip_box()
            if clip is not None:  # a note clipped by its axes shows only what lies inside
                box = Bbox.intersection(box, clip)
        if box is not None and box.width > 1 and box.height > 1:  # drawn, not empty
            boxes.append((text.get_text(), box))
    found = []
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > tolerance and height > tolerance:
            found.append((a, b))
    return found


@pytest.fixture(scope="module")
def default_run():
    """The main job's run: coordination at its own size, 10 replications, its seed."""
    s = load_scenario(COORDINATION)
    return s, run_replications(s, child_seeds(SEED, 10))


@pytest.fixture(scope="module")
def run_charts(default_run, tmp_path_factory):
    s, r = default_run
    return RunCharts(
        r.outcomes,
        r.provinces,
        r.platforms,
        tmp_path_factory.mktemp("charts"),
        CAPTION,
        ("png",),
        start_year=s.run.start_year,
    )


@pytest.mark.slow
def test_no_two_labels_overlap_on_any_chart_of_the_default_run(run_charts):
    found = {name: overlaps(run_charts.figure(name)) for name in run_charts.names()}
    assert {name: pairs for name, pairs in found.items() if pairs} == {}


@pytest.mark.slow
def test_no_two_labels_overlap_on_the_comparison_charts(default_run):
    s, coordination = default_run
    base = load_scenario(BASELINE)
    seeds = child_seeds(SEED, 4)
    stacked = pd.concat(
        [
            run_replications(base, seeds).outcomes.assign(scenario="baseline"),
            coordination.outcomes[coordination.outcomes["replication"] < 4].assign(
                scenario="coordination"
            ),
        ]
    )
    stats = scenario_stats(stacked)
    styles = scenario_styles(["baseline", "coordination"])
    for group in ("platforms", "finance", "welfare"):
        fig = comparison_group_figure(
            stats, group, styles=styles, caption=CAPTION, start_year=s.run.start_year
        )
        assert overlaps(fig) == [], group


def test_panels_are_titled_with_labels_and_units_over_calendar_years(default_run):
    s, r = default_run
    stats = over_time(r.outcomes)
    fig = plot_group(stats, "finance", caption=CAPTION, start_year=s.run.start_year)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    finance = [n for n, o in OUTCOMES.items() if o.group == "finance"]
    assert [ax.get_title() for ax in shown] == [OUTCOMES[n].label for n in finance]
    assert [ax.get_ylabel() for ax in shown] == [OUTCOMES[n].unit for n in finance]
    assert shown[-1].get_xlabel() == "year"
    x = shown[0].lines[0].get_xdata()
    steps = s.run.steps
    np.testing.assert_allclose(x, s.run.start_year + np.arange(steps) / 4)  # step 1 = Q1
    low, high = shown[0].get_xlim()
    assert s.run.start_year - 1 < low and high < s.run.start_year + steps / 4 + 1


def test_a_constant_outcome_is_named_in_the_caption_not_drawn_flat(default_run):
    _, r = default_run
    stats = over_time(r.outcomes)
    fixed = constants(stats, [n for n, o in OUTCOMES.items() if o.group == "platforms"])
    assert fixed == {"member_active_platforms": 4.0}  # four members, each runs one hub
    fig = plot_group(stats, "platforms", caption=CAPTION)
    titles = {ax.get_title() for ax in fig.axes if ax.get_visible()}
    assert OUTCOMES["member_active_platforms"].label not in titles
    assert f"constant throughout: {OUTCOMES['member_active_platforms'].label} = 4" in (
        fig._supxlabel.get_text()  # noqa: SLF001
    )


def test_bands_of_counts_and_shares_stay_within_their_bounds(default_run):
    _, r = default_run
    stats = over_time(r.outcomes)
    for unit_kind, outcomes in (
        ("never negative", ["defaults", "lender_losses", "insurance_payouts", "exits"]),
        ("shares", ["approval_rate", "mean_load_factor", "rail_share"]),
    ):
        rows = stats[stats["outcome"].isin(outcomes)]
        assert (rows["low"].dropna() >= 0).all(), unit_kind
        if unit_kind == "shares":
            assert (rows["high"].dropna() <= 1).all()
    table = summary_table(r.outcomes)
    assert table.loc["defaults", "final_low"] >= 0
    # the same interval in the table as in the chart: the final-year values' bootstrap
    final = r.outcomes[r.outcomes["step"] > r.outcomes["step"].max() - 4]
    per_rep = final.groupby("replication")["defaults"].mean()
    _, low, high = bootstrap_interval(per_rep)
    assert (table.loc["defaults", "final_low"], table.loc["defaults", "final_high"]) == (low, high)


def test_bootstrap_interval_by_hand():
    # two values: the resampled means are a, (a+b)/2 or b, with chances 1/4, 1/2, 1/4
    low, high = bootstrap_bounds(np.array([[0.0, 10.0]]), 0.95)
    assert (low[0], high[0]) == (0.0, 10.0)
    low, high = bootstrap_bounds(np.array([[0.0, 10.0]]), 0.4)  # the middle half: 5
    assert (low[0], high[0]) == (5.0, 5.0)
    assert np.isnan(bootstrap_interval([3.0])[1])  # one value: no interval
    assert bootstrap_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=4),
        min_size=1,
        max_size=6,
    ),
    st.floats(0.5, 0.99),
)
def test_bootstrap_bounds_lie_within_the_values_around_the_mean(rows, level):
    values = np.array(rows)
    low, high = bootstrap_bounds(values, level)
    assert (low >= values.min(axis=1) - 1e-6).all() and (high <= values.max(axis=1) + 1e-6).all()
    mean = values.mean(axis=1)
    assert (low <= mean).all() and (mean <= high).all()
    # each row's interval is its own: the same whatever rows come with it
    alone = [bootstrap_bounds(row[None, :], level) for row in values]
    np.testing.assert_array_equal(low, [a[0][0] for a in alone])


def test_the_overlap_check_finds_overlapping_labels_and_ignores_undrawn_ones():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.text(5, 5, "Hefei 73k")
    ax.text(5.3, 5.05, "Nanjing 31k")
    ax.annotate("off the axes", (50, 5), annotation_clip=True)  # not drawn
    assert overlaps(fig) == [("Hefei 73k", "Nanjing 31k")]
