"""Bad input is refused before anything runs, with a message naming the origin, key and rule.

The origin is the scenario file, or the option (``--set PATH=VALUE``, ``--steps N``) that
set the key. Covers strict types, finite numbers, the ranges of probabilities and sizes,
``set`` events' values, events past the horizon, the cross-field rules of
:mod:`sim.scenario.rules`, and unknown names (one line, the best suggestion).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim import data
from sim.cli.app import app
from sim.scenario.fields import closest
from sim.scenario.loading import ScenarioError, load_scenario, validate
from sim.scenario.params import parameter_table
from sim.scenario.rules import LIMIT, event_states, productivity_log_range
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
COVER = "policy.finance.insurance_cover"


def write(directory: Path, text: str, name: str = "s.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path, overrides: list[str] | None = None, steps: int | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides, steps=steps)
    return str(info.value)


# --- what must still validate ----------------------------------------------------------------


def test_defaults_validate():
    assert validate({}) == Scenario()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    assert load_scenario(path).name


@pytest.mark.parametrize(
    "setting",
    # values the docs, notebooks and the calibration search use
    [
        "freight.fixed_cost=30000",
        "freight.logit_scale=4000",
        "strategy.train_value=50000",
        "strategy.rank_weight=1500",
        "freight.total_exports=4000000.0",
        "freight.export_elasticity=3.0",
        "freight.expand_share=2.0",
        "strategy.herding=0.6",
        "policy.finance.insurance_cover=1.0",
        "run.enterprises=200",
    ],
)
def test_values_in_use_stay_allowed(setting):
    load_scenario(BASELINE, [setting])


# --- strict types and finite numbers ---------------------------------------------------------

BAD_VALUES = {
    "bool for a share": (
        "[policy.finance]\ninsurance_cover = true\n",
        ["policy.finance.insurance_cover", "valid number", "not true or false"],
    ),
    "string for a bool": (
        '[policy.finance]\nequal_terms = "yes"\n',
        ["policy.finance.equal_terms", "true or false", '"yes"'],
    ),
    "string for a float": (
        '[policy.finance]\ninsurance_cover = "0.9"\n',
        ["policy.finance.insurance_cover", "not a string", '"0.9"'],
    ),
    "string for a cost": (
        '[freight]\nrail_cost = "6000"\n',
        ["freight.rail_cost", "not a string", '"6000"'],
    ),
    "bool for an int": ("[run]\nsteps = true\n", ["run.steps", "valid integer", "true"]),
    "bool in a list": (
        "[partners]\nfriction = [0.1, true, 0.1, 0.1, 0.1]\n",
        ["partners.friction", "item 1", "not true or false"],
    ),
    "inf": ("[freight]\nfixed_cost = inf\n", ["freight.fixed_cost", "finite number", "inf"]),
    "nan": ("[freight]\nloyalty = nan\n", ["freight.loyalty", "finite number"]),
    "inf elasticity": (
        "[partners]\nfx_demand_elasticity = inf\n",
        ["partners.fx_demand_elasticity", "finite number"],
    ),
    "inf in a list": (
        "[partners]\nfx_volatility = [0.01, 0.01, inf, 0.01, 0.01]\n",
        ["partners.fx_volatility[2]", "finite number"],
    ),
    "probability above one": (
        "[partners]\ncrisis_hazard = [2.0, 0.004, 0.01, 0.02, 0.04]\n",
        ["partners.crisis_hazard[0]", "less than or equal to 1", "2.0"],
    ),
    "default probability above one": (
        "[finance]\nproject_default = [0.1, 0.1, 0.1, 0.1, 1.5]\n",
        ["finance.project_default[4]", "less than or equal to 1"],
    ),
    "huge enterprises": (
        "[run]\nenterprises = 99999999999999999999\n",
        ["run.enterprises", "less than or equal to 1000000"],
    ),
    "event step a string": (
        '[[events]]\nstep = "3"\nkind = "crisis"\ncountries = ["Pakistan"]\n',
        ["events[0].step", "valid integer", "not a string"],
    ),
}


@pytest.mark.parametrize("text, expected", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_in_a_file(tmp_path, text, expected):
    msg = load_error(write(tmp_path, text))
    assert msg.startswith(f"{tmp_path / 's.toml'}: invalid scenario")
    for fragment in expected:
        assert fragment in msg, msg


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("freight.fixed_cost=inf", "finite number"),
        ("partners.crisis_hazard=[0.1, 0.1, 0.1, 0.1, nan]", "finite number"),
        ('policy.finance.equal_terms="yes"', "true or false"),
        ("policy.finance.insurance_cover=true", "not true or false"),
        ("policy.finance.insurance_cover=5.0", "less than or equal to 1"),
    ],
)
def test_bad_set_names_the_option_not_the_file(setting, expected):
    msg = load_error(BASELINE, [setting])
    assert msg.startswith(f"--set {setting}: invalid value"), msg
    assert expected in msg and str(BASELINE) not in msg


def test_bad_steps_names_the_option():
    msg = load_error(BASELINE, steps=0)
    assert msg.startswith("--steps 0: invalid value") and "run.steps" in msg
    assert "greater than or equal to 1" in msg and str(BASELINE) not in msg


def test_file_and_option_problems_are_told_apart(tmp_path):
    path = write(tmp_path, "[freight]\nloyalty = -1.0\n")
    msg = load_error(path, ["freight.fixed_cost=-5"])
    file_part, option_part = msg.split("\n--set ")
    assert file_part.startswith(f"{path}: invalid scenario") and "freight.loyalty" in file_part
    assert option_part.startswith("freight.fixed_cost=-5: invalid value")
    assert "freight.fixed_cost" not in file_part


def test_an_int_for_a_float_is_fine():
    s = load_scenario(BASELINE, ["freight.rail_cost=6000", "policy.finance.insurance_cover=1"])
    assert s.freight.rail_cost == 6000.0 and s.policy.finance.insurance_cover == 1.0


def test_every_number_has_a_finite_range():
    """Every numeric parameter (not the sweep's own settings) is bounded on both sides."""
    table = parameter_table()
    numeric = table[table["type"].isin(["float", "int", "list[float]"])]
    numeric = numeric[~numeric["path"].str.startswith(("sweep.", "events[]"))]
    open_ended = numeric[numeric["range"].str.contains("inf")]
    assert open_ended.empty, open_ended[["path", "range"]].to_string()


# --- empty files, events --------------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    msg = load_error(write(tmp_path, "# nothing here\n"))
    assert "s.toml" in msg and "empty" in msg and "name =" in msg


@pytest.mark.parametrize(
    "value, expected",
    [
        ('"abc"', "not a string"),
        ("5.0", "less than or equal to 1"),
        ("-100", "greater than or equal to 0"),
        ("true", "not true or false"),
    ],
)
def test_set_event_value_is_validated_at_load(tmp_path, value, expected):
    text = f'[[events]]\nstep = 3\nkind = "set"\npath = "{COVER}"\nvalue = {value}\n'
    msg = load_error(write(tmp_path, text))
    assert "s.toml: invalid scenario" in msg
    assert "events[0].value: policy.finance.insurance_cover" in msg and expected in msg


def test_set_event_may_not_target_construction_values(tmp_path):
    text = '[[events]]\nstep = 3\nkind = "set"\npath = "run.enterprises"\nvalue = 500\n'
    msg = load_error(write(tmp_path, text))
    assert "events[0].path" in msg and "read only when the model is built" in msg


def test_event_values_are_applied_in_step_order():
    s = validate(
        {
            "events": [
                {"step": 9, "kind": "set", "path": "policy.subsidy.national_cap", "value": 0.2},
                {"step": 3, "kind": "set", "path": "policy.subsidy.national_cap", "value": 0.5},
            ]
        }
    )
    problems, states = event_states(s)
    assert problems == []
    assert [x.policy.subsidy.national_cap for x in states] == [1.0, 0.5, 0.2]
    assert s.policy.subsidy.national_cap == 1.0  # the scenario itself is untouched


def test_event_past_the_horizon_is_refused(tmp_path):
    text = '[run]\nsteps = 40\n[[events]]\nstep = 1000\nkind = "crisis"\ncountries = ["Pakistan"]\n'
    msg = load_error(write(tmp_path, text))
    assert "s.toml" in msg and "events[0].step" in msg and "step 1000" in msg
    assert "run.steps = 40" in msg


def test_a_run_shortened_on_the_command_line_keeps_its_later_events():
    s = load_scenario(ROOT / "scenarios" / "history.toml", steps=12)
    assert s.run.steps == 12 and max(ev.step for ev in s.events) > 12


# --- cross-field rules -----------------------------------------------------------------------


def test_depreciation_and_spillover_together_are_refused():
    msg = load_error(BASELINE, ["innovation.depreciation=0.1", "policy.innovation.spillover=0.93"])
    assert "--set policy.innovation.spillover=0.93: invalid value" in msg
    assert "innovation.depreciation + policy.innovation.spillover" in msg and "at most 1" in msg


def test_a_set_event_breaking_a_rule_mid_run_is_refused(tmp_path):
    text = f"""\
        extends = "{BASELINE}"
        [innovation]
        depreciation = 0.1
        [[events]]
        step = 5
        kind = "set"
        path = "policy.innovation.spillover"
        value = 0.95
        """
    msg = load_error(write(tmp_path, text))
    assert "innovation.depreciation + policy.innovation.spillover" in msg
    assert "after the set events" in msg


def test_runaway_productivity_is_refused_naming_the_parameters():
    msg = load_error(
        BASELINE, ["innovation.rd_effect=0.05", "innovation.productivity_elasticity=2"]
    )
    assert "productivity" in msg and "innovation.rd_effect" in msg
    assert "innovation.productivity_elasticity" in msg and f"{LIMIT:,.0f}" in msg


def test_productivity_bound_by_hand():
    innovation = {"rd_effect": 0.01, "conversion": 0.002, "depreciation": 0.01}
    s = validate(
        {
            "run": {"provinces": ["Sichuan", "Chongqing"], "steps": 4},
            "innovation": {**innovation, "productivity_elasticity": 1.0},
        }
    )
    low, high, _ = productivity_log_range([s], data.load_provinces())
    # Sichuan (R&D 2.17%, research 1.0) grows 0.01*2.17 + 0.002*1.0 - 0.01 a quarter;
    # no project completes in 4 steps (projects last 12)
    assert high == pytest.approx(4 * math.log1p(0.0217 + 0.002 - 0.01), rel=1e-12)
    assert low == 0.0  # both stocks grow: productivity never falls


def test_logit_scale_that_makes_prices_negative_is_refused():
    msg = load_error(BASELINE, ["freight.logit_scale=90000"])
    assert "--set freight.logit_scale=90000" in msg and "delivered prices" in msg


def test_demand_trend_that_compounds_too_far_is_refused():
    msg = load_error(BASELINE, ["partners.demand_growth=1.0"], steps=400)
    assert "partners.demand_growth" in msg and "100 years" in msg


# --- names -----------------------------------------------------------------------------------


def _run_provinces(typo: str) -> list[str]:
    names = list(Scenario().run.provinces)
    return [typo if n == "Sichuan" else n for n in names]


def test_one_misspelled_province_gives_one_line(tmp_path):
    provinces = ", ".join(f'"{n}"' for n in _run_provinces("Sichaun"))
    msg = load_error(write(tmp_path, f'extends = "{BASELINE}"\n[run]\nprovinces = [{provinces}]\n'))
    problems = msg.splitlines()[1:]
    assert problems == ["  run.provinces: unknown province 'Sichaun'. Did you mean 'Sichuan'?"]


@pytest.mark.parametrize(
    "setting, line",
    [
        (
            'policy.trade.partners=["Pakistn"]',
            "policy.trade.partners: unknown partner country 'Pakistn'. Did you mean 'Pakistan'?",
        ),
        (
            'policy.coordination.designated_hubs.hubs=["Chengdu-wset"]',
            "policy.coordination.designated_hubs.hubs: unknown platform 'Chengdu-wset'."
            " Did you mean 'Chengdu-west'?",
        ),
        (
            'policy.coordination.members=["Beijing"]',
            "policy.coordination.members: province 'Beijing' is not in run.provinces; add it there",
        ),
    ],
)
def test_one_unknown_name_one_line(setting, line):
    msg = load_error(BASELINE, [setting])
    assert msg.splitlines()[1:] == [f"  {line}"]


@given(st.text(min_size=1, max_size=12), st.lists(st.text(min_size=1, max_size=12), max_size=8))
def test_closest_never_suggests_the_name_itself(name, candidates):
    assert f"'{name}'?" not in closest(name, [*candidates, name])


# --- the parser: any value typed on the command line -----------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_share_via_set_accepted_exactly_when_finite_and_in_range(x):
    text = (
        repr(x) if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))
    )
    ok = math.isfinite(x) and 0.0 <= x <= 1.0
    try:
        s = load_scenario(BASELINE, [f"policy.finance.insurance_cover={text}"])
    except ScenarioError as err:
        assert not ok, str(err)
        assert str(err).startswith("--set policy.finance.insurance_cover=")
    else:
        assert ok and s.policy.finance.insurance_cover == x


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.booleans(), st.text(max_size=8), st.floats(allow_nan=False)))
def test_set_event_values_never_reach_a_run_unchecked(value):
    """Whatever a set event carries, the scenario is valid with it, or refused at load."""
    event = {"step": 2, "kind": "set", "path": "freight.sea_cost", "value": value}
    try:
        s = validate({"events": [event]})
    except ScenarioError as err:
        assert "events[0]" in str(err)
    else:
        _, states = event_states(s)
        assert 0 < states[-1].freight.sea_cost <= 1e5 and not isinstance(value, bool | str)


# --- through the real command line -----------------------------------------------------------

runner = CliRunner()

CLI_CASES = {
    "inf via --set": (
        ["run", BASELINE, "--set", "freight.fixed_cost=inf"],
        ["--set freight.fixed_cost=inf", "finite number"],
    ),
    "--steps": (["run", BASELINE, "--steps", "0"], ["--steps 0", "run.steps"]),
    "compare --steps": (
        ["compare", BASELINE, ROOT / "scenarios" / "coordination.toml", "--steps", "500"],
        ["--steps 500", "less than or equal to 400"],
    ),
    "rule via --set": (
        [
            "run",
            BASELINE,
            "--set",
            "innovation.depreciation=0.1",
            "--set",
            "policy.innovation.spillover=0.95",
        ],
        ["--set policy.innovation.spillover=0.95", "at most 1"],
    ),
}


@pytest.mark.parametrize("args, expected", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_refuses_cleanly(tmp_path, args, expected):
    result = runner.invoke(app, [str(a) for a in [*args, "--out", tmp_path / "out"]])
    assert result.exit_code == 2, result.output
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "empty"),
        (
            f'[[events]]\nstep = 3\nkind = "set"\npath = "{COVER}"\nvalue = "abc"\n',
            "events[0].value",
        ),
        ('[[events]]\nstep = 1000\nkind = "demand_shock"\n', "step 1000 is past"),
        ("[run]\nenterprises = 99999999999999999999\n", "run.enterprises"),
    ],
)
def test_cli_validate_refuses_what_run_would_crash_on(tmp_path, text, expected):
    path = write(tmp_path, text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and expected in result.stderr, result.output
    assert "Traceback" not in result.output
