"""The scenario schema at the library level: loading, extends, --set and every error kind."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from helpers import SEED, run_small

from sim.scenario.loading import ScenarioError, dump_scenario, load_scenario, validate
from sim.scenario.paths import parse_value
from sim.scenario.schema import Scenario

NAMED = 'name = "s"\n'  # the smallest scenario file (an empty one is refused)
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path, overrides: list[str] | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return str(info.value)


# --- every shipped scenario --------------------------------------------------------------


def test_scenarios_exist():
    names = {p.stem for p in SCENARIOS}
    assert {"baseline", "coordination"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_file_validates(path):
    s = load_scenario(path)
    assert isinstance(s, Scenario)
    assert s.name  # named in the file or after it
    # the resolved scenario is valid data again (what `sim show` and the manifest store)
    assert validate(dump_scenario(s)) == s


# --- extends and overrides -------------------------------------------------------------------


def test_extends_child_overrides_and_tables_merge(tmp_path):
    write(
        tmp_path,
        "parent.toml",
        """
        name = "parent"
        [run]
        steps = 12
        enterprises = 300
        [freight]
        rail_cost = 5000.0
        sea_cost = 2500.0
        """,
    )
    child = write(
        tmp_path,
        "child.toml",
        """
        extends = "parent.toml"
        [run]
        steps = 20
        [freight]
        sea_cost = 2800.0
        """,
    )
    s = load_scenario(child)
    assert s.name == "parent"  # inherited
    assert s.run.steps == 20  # child wins
    assert s.run.enterprises == 300  # parent's key kept in a merged table
    assert s.freight.rail_cost == 5000.0
    assert s.freight.sea_cost == 2800.0
    assert s.freight.inland_cost == Scenario().freight.inland_cost  # default where unset


def test_one_sector_can_be_overridden_in_toml(tmp_path):
    write(tmp_path, "parent.toml", "[freight.sectors.electronics]\nvalue_of_time = 500.0\n")
    child = write(
        tmp_path,
        "child.toml",
        'extends = "parent.toml"\n[freight.sectors.electronics]\nrail_eligible = 0.5\n',
    )
    s = load_scenario(child)
    default = Scenario().freight.sectors
    assert s.freight.sectors["electronics"].value_of_time == 500.0  # nested tables merge
    assert s.freight.sectors["electronics"].rail_eligible == 0.5
    assert s.freight.sectors["electronics"].share == default["electronics"].share
    assert s.freight.sectors["machinery"] == default["machinery"]


def test_set_one_sector_parameter(tmp_path):
    path = write(tmp_path, "s.toml", NAMED)
    s = load_scenario(path, ["freight.sectors.electronics.value_of_time = 450"])
    default = Scenario().freight.sectors["electronics"]
    assert s.freight.sectors["electronics"].value_of_time == 450.0
    assert s.freight.sectors["electronics"].share == default.share


def test_extends_chain_of_three(tmp_path):
    write(tmp_path, "a.toml", "[run]\nsteps = 5\nenterprises = 50\n")
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[run]\nsteps = 6\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    c = write(sub, "c.toml", 'extends = "../b.toml"\nname = "c"\n')  # relative to the file
    s = load_scenario(c)
    assert (s.name, s.run.steps, s.run.enterprises) == ("c", 6, 50)


def test_name_defaults_to_file_stem(tmp_path):
    assert load_scenario(write(tmp_path, "my_case.toml", "[run]\nsteps = 3\n")).name == "my_case"


def test_set_overrides(tmp_path):
    path = write(tmp_path, "s.toml", "[run]\nsteps = 5\n")
    s = load_scenario(
        path,
        [
            "run.steps=12",
            "policy.subsidy.basis=per_container",
            "policy.finance.equal_terms=true",
            'policy.trade.partners=["Kazakhstan", "Germany"]',
            "policy.finance.insurance_cover=0.8",
        ],
    )
    assert s.run.steps == 12
    assert s.policy.subsidy.basis == "per_container"
    assert s.policy.finance.equal_terms is True
    assert s.policy.trade.partners == ["Kazakhstan", "Germany"]
    assert s.policy.finance.insurance_cover == 0.8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("-2", -2),
        ("0.25", 0.25),
        ("1e3", 1000.0),
        ("true", True),
        ("false", False),
        ('["a", "b"]', ["a", "b"]),
        ("[1, 2.5]", [1, 2.5]),
        ('"quoted"', "quoted"),
        ("per_container", "per_container"),  # not TOML: kept as the string
        ("Inner Mongolia", "Inner Mongolia"),
    ],
)
def test_parse_value(text, expected):
    got = parse_value(text)
    assert got == expected
    assert type(got) is type(expected)


def test_set_unknown_key_suggests(tmp_path):
    path = write(tmp_path, "s.toml", NAMED)
    msg = load_error(path, ["freight.rail_cots=5000"])
    assert "freight.rail_cots" in msg
    assert "Did you mean 'rail_cost'?" in msg
    msg = load_error(path, ["freight.sectors.electronic.share=0.2"])
    assert "electronic" in msg and "'electronics'" in msg


def test_set_without_equals(tmp_path):
    msg = load_error(write(tmp_path, "s.toml", NAMED), ["run.steps"])
    assert "run.steps" in msg and "PATH=VALUE" in msg


def test_set_wrong_type_names_the_path(tmp_path):
    msg = load_error(write(tmp_path, "s.toml", NAMED), ["run.steps=many"])
    assert msg.startswith("--set run.steps=many: ") and "s.toml" not in msg
    assert "valid integer" in msg and '"many"' in msg


# --- error kinds -----------------------------------------------------------------------------

ERRORS = {
    "unknown_key": (
        "[freight]\nrail_cots = 5000\n",
        ["freight.rail_cots", "unknown key", "Did you mean 'rail_cost'?"],
    ),
    "unknown_section": ("[frieght]\nrail_cost = 5000\n", ["frieght", "Did you mean 'freight'?"]),
    "unknown_sector_key": (
        "[freight.sectors.electronics]\nvalue_of_tme = 5.0\n",
        ["freight.sectors.electronics.value_of_tme", "unknown key"],
    ),
    "unknown_event_key": (
        '[[events]]\nstep = 2\nkind = "demand_shock"\nsise = 0.3\n',
        ["events[0].sise", "Did you mean 'size'?"],
    ),
    "wrong_type": ('[run]\nsteps = "many"\n', ["run.steps", "integer", '"many"']),
    "wrong_type_bool": (
        '[policy.finance]\nequal_terms = "sometimes"\n',
        ["policy.finance.equal_terms", '"sometimes"', "true or false"],
    ),
    "wrong_type_list": ("[partners]\nfriction = 0.1\n", ["partners.friction", "list"]),
    "out_of_range": (
        "[run]\nenterprises = 5\n",
        ["run.enterprises", "greater than or equal to 10"],
    ),
    "out_of_range_share": (
        "[policy.finance]\ninsurance_cover = 1.5\n",
        ["policy.finance.insurance_cover", "less than or equal to 1"],
    ),
    "list_length": (
        "[finance]\nproject_default = [0.1, 0.2]\n",
        ["finance.project_default", "5"],
    ),
    "literal": (
        '[policy.subsidy]\nbasis = "per_ton"\n',
        ["policy.subsidy.basis", "per_train", "per_container"],
    ),
    "unknown_province": (
        '[run]\nprovinces = ["Sichaun", "Chongqing"]\n',
        ["run.provinces", "unknown province 'Sichaun'", "Did you mean 'Sichuan'?"],
    ),
    "member_not_in_run": (
        '[run]\nprovinces = ["Sichuan", "Chongqing"]\n'
        '[policy.coordination]\nmembers = ["Sichuan", "Yunnan"]\n',
        ["policy.coordination.members", "'Yunnan'", "not in run.provinces"],
    ),
    "unknown_partner": (
        '[run]\npartners = ["Germny"]\n',
        ["run.partners", "unknown partner country 'Germny'", "Did you mean 'Germany'?"],
    ),
    "unknown_trade_partner": (
        '[policy.trade]\npartners = ["Kazakstan"]\n',
        ["policy.trade.partners", "'Kazakstan'", "Did you mean 'Kazakhstan'?"],
    ),
    "unknown_platform": (
        '[policy.coordination.designated_hubs]\nhubs = ["Chengdu-wset"]\n',
        ["policy.coordination.designated_hubs.hubs", "'Chengdu-wset'", "'Chengdu-west'"],
    ),
    "platform_of_province_not_in_run": (
        '[run]\nprovinces = ["Sichuan", "Henan"]\n'
        '[policy.coordination.designated_hubs]\nhubs = ["Chongqing-west"]\n',
        ["policy.coordination.designated_hubs.hubs", "'Chongqing-west'"],
    ),
    "unknown_corridor": (
        '[[events]]\nstep = 2\nkind = "route_closure"\ncorridor = "wset"\n',
        ["events[0].corridor", "unknown corridor 'wset'", "Did you mean 'west'?"],
    ),
    "unknown_event_country": (
        '[[events]]\nstep = 2\nkind = "crisis"\ncountries = ["Atlantis"]\n',
        ["events[0].countries", "'Atlantis'"],
    ),
    "sector_shares": (
        "".join(
            f"[freight.sectors.{name}]\nshare = {share}\n"
            for name, share in [
                ("electronics", 0.3),
                ("machinery", 0.25),
                ("automotive", 0.1),
                ("chemicals", 0.15),
                ("consumer_goods", 0.35),
            ]
        ),
        ["freight", "sector shares must sum to 1", "1.1500"],
    ),
    "sector_unknown": (
        "[freight.sectors.toys]\nshare = 0.0\n",
        ["freight", "sectors must be exactly", "unknown ['toys']"],
    ),
    "crisis_without_countries": (
        '[[events]]\nstep = 2\nkind = "crisis"\n',
        ["events[0]", "a crisis event needs 'countries'"],
    ),
    "closure_without_corridor": (
        '[[events]]\nstep = 2\nkind = "route_closure"\n',
        ["events[0]", "a route_closure event needs 'corridor'"],
    ),
    "set_without_path": (
        '[[events]]\nstep = 2\nkind = "set"\nvalue = 0.1\n',
        ["events[0]", "a set event needs 'path'"],
    ),
    "set_without_value": (
        '[[events]]\nstep = 2\nkind = "set"\npath = "policy.subsidy.national_cap"\n',
        ["events[0]", "a set event needs 'value'"],
    ),
    "event_without_step": ('[[events]]\nkind = "demand_shock"\n', ["events[0].step", "required"]),
    "event_unknown_kind": (
        '[[events]]\nstep = 2\nkind = "earthquake"\n',
        ["events[0].kind", '"earthquake"'],
    ),
    "set_unknown_path": (
        '[[events]]\nstep = 3\nkind = "set"\npath = "policy.subsidy.national_cpa"\nvalue = 0.1\n',
        ["events[0].path", "national_cpa", "Did you mean 'national_cap'?"],
    ),
}


@pytest.mark.parametrize("kind", ERRORS)
def test_error_names_file_and_key(tmp_path, kind):
    text, fragments = ERRORS[kind]
    path = write(tmp_path, f"{kind}.toml", text)
    msg = load_error(path)
    assert f"{kind}.toml" in msg
    for fragment in fragments:  # wording of the hint may be capitalized either way
        assert fragment.lower() in msg.lower(), f"{fragment!r} not in:\n{msg}"


def test_unknown_sector_key_suggests(tmp_path):
    path = write(tmp_path, "k.toml", "[freight.sectors.electronics]\nvalue_of_tme = 5.0\n")
    assert "Did you mean 'value_of_time'?" in load_error(path)


def test_all_problems_reported_at_once(tmp_path):
    path = write(
        tmp_path, "many.toml", "[run]\nsteps = 0\nenterprises = 5\n[freight]\nrail_cots = 1\n"
    )
    msg = load_error(path)
    assert "run.steps" in msg and "run.enterprises" in msg and "freight.rail_cots" in msg


def test_malformed_toml_names_line_and_column(tmp_path):
    path = write(tmp_path, "broken.toml", 'name = "x"\n[run]\nsteps = = 3\n')
    msg = load_error(path)
    assert "broken.toml" in msg and "malformed TOML" in msg
    assert re.search(r"line 3, column \d+", msg), msg


def test_missing_file(tmp_path):
    msg = load_error(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in msg and "not found" in msg


def test_missing_extends(tmp_path):
    path = write(tmp_path, "child.toml", 'extends = "ghost.toml"\n')
    msg = load_error(path)
    assert "ghost.toml" in msg and "not found" in msg and "child.toml" in msg


def test_extends_must_be_a_string(tmp_path):
    msg = load_error(write(tmp_path, "e.toml", "extends = 3\n"))
    assert "e.toml" in msg and "extends" in msg


def test_cyclic_extends(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    msg = load_error(tmp_path / "a.toml")
    assert "cyclic" in msg
    assert "a.toml" in msg and "b.toml" in msg
    self_loop = write(tmp_path, "me.toml", 'extends = "me.toml"\n')
    assert "cyclic" in load_error(self_loop)


def test_error_in_parent_names_the_loaded_file(tmp_path):
    write(tmp_path, "parent.toml", "[run]\nsteps = -1\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n')
    msg = load_error(child)
    assert "child.toml" in msg and "run.steps" in msg


def test_validate_reports_origin():
    with pytest.raises(ScenarioError, match=r"^my origin: invalid scenario"):
        validate({"run": {"steps": 0}}, origin="my origin")


# --- a 'set' event switches a policy mid-run ---------------------------------------------------


def test_set_event_switches_policy_mid_run():
    event = {"step": 3, "kind": "set", "path": "policy.subsidy.national_cap", "value": 0.1}
    result = run_small({"events": [event]}, seed=SEED)
    rates = result.outcomes.set_index("step")["mean_subsidy_rate"]
    assert (rates.loc[:2] > 0.1).all()  # the initial subsidy (0.3) before the switch
    assert (rates.loc[3:] <= 0.1 + 1e-12).all()
    platforms = result.platforms
    assert (platforms.loc[platforms["step"] >= 3, "subsidy_rate"] <= 0.1 + 1e-12).all()
    # the scenario itself is not changed by the run
    assert run_small({"events": [event]}, seed=SEED).outcomes.equals(result.outcomes)


def test_set_event_on_a_sector_parameter():
    event = {
        "step": 4,
        "kind": "set",
        "path": "freight.sectors.electronics.rail_eligible",
        "value": 0.0,
    }
    plain = run_small(seed=SEED)
    switched = run_small({"events": [event]}, seed=SEED)
    a, b = plain.outcomes.set_index("step"), switched.outcomes.set_index("step")
    assert a.loc[:3].equals(b.loc[:3])  # identical before the event
    assert (b.loc[4:, "rail_volume"] < a.loc[4:, "rail_volume"]).all()


# --- the package's shape -------------------------------------------------------------------


def scenario_imports() -> dict[str, set[str]]:
    """Every module of sim.scenario and the sim modules it imports (lazily or not)."""
    import ast

    folder = Path(__file__).resolve().parents[1] / "sim" / "scenario"
    out = {}
    for path in folder.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("sim")}
        out[f"sim.scenario.{path.stem}"] = found
    return out


def test_the_scenario_package_imports_only_what_is_below_it():
    below = {"sim", "sim.data", "sim.outcomes"}
    for module, imported in scenario_imports().items():
        outside = {m for m in imported if not m.startswith("sim.scenario.") and m not in below}
        assert not outside, f"{module} imports {outside}"


def test_the_scenario_package_has_no_import_cycle():
    graph = scenario_imports()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for other in graph.get(module, ()):
            visit(other, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "sim.scenario.schema" in done and len(done) >= 9
