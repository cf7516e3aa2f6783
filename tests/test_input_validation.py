"""Input that used to be accepted and then broke a run, or broke the loader (issue 19), and the
all-errors-at-once validation with suggestions (issue 18). Each named example is a test."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import BASELINE, SCENARIOS

from simulation import cli, parameters
from simulation import scenario as S
from simulation.geography import NUMERIC_DEFAULTS, SPEC_BY_NAME

SMALL = {"run.firms": 200, "run.steps": 2, "calibration.sorting_rounds": 2}


def refused(call, key: str, *fragments: str, source: str | None = None) -> S.ScenarioError:
    """Run ``call`` and check it raises a ScenarioError naming ``key`` (and ``source``) and each
    fragment."""
    with pytest.raises(S.ScenarioError) as info:
        call()
    err, text = info.value, str(info.value)
    assert any(p.key == key for p in err.problems), text
    assert f"key '{key}'" in text, text
    if source is not None:
        assert any(p.source == source and p.key == key for p in err.problems), text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return err


# --- the examples of issue 19: accepted, then NaN or a crash at run time ------------------------

ISSUE_EXAMPLES = [
    ("provinces.Henan.wage_growth", -2, "[-0.5, 0.5]"),
    ("provinces.Henan.wage_growth", math.nan, "[-0.5, 0.5]"),
    ("agglomeration.offset", 0, "(0, "),
    ("provinces.Tibet.skill_efficiency", -1, "(0, 10]"),
    ("provinces.Beijing.amenity", math.inf, "[-50, 50]"),
    ("labour.supply_elasticity", 1e-300, "[0.05, "),
    ("behaviour.planning_horizon_years", 1e-300, "[0.25, "),
    ("levers.bonded_sites.start", "", "a quarter like '2025Q1' or a year"),
    ("sectors.food.dest_eastasia", 0, "must sum to 1"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), ISSUE_EXAMPLES)
def test_issue_example_refused_by_set(key, value, allowed):
    base = S.load(BASELINE)
    refused(lambda: base.with_overrides({key: value}), key, allowed, source="--set")


@pytest.mark.parametrize(("key", "value", "allowed"), ISSUE_EXAMPLES)
def test_issue_example_refused_in_a_file(write_toml, key, value, allowed):
    *table, name = key.split(".")
    literal = {math.nan: "nan", math.inf: "inf"}.get(value, repr(value).replace("'", '"'))
    path = write_toml(
        f'[scenario]\nextends = "{BASELINE.as_posix()}"\n[{".".join(table)}]\n{name} = {literal}\n'
    )
    refused(lambda: S.load(path), key, allowed, source=str(path))


@pytest.mark.parametrize(
    "text",
    [
        "provinces.Henan.wage_growth=nan",
        "provinces.Beijing.amenity=inf",
        "provinces.Beijing.amenity=-inf",
        "behaviour.logit_scale=nan",
        "levers.special_bonds.budget_yuan_per_year=inf",
        "sectors.food.labour_share=nan",
    ],
)
def test_nan_and_inf_refused_from_the_command_line(text):
    key, value = S.parse_assignment(text)
    assert not math.isfinite(value)
    refused(lambda: S.load(BASELINE, {key: value}), key, source="--set")


def test_nan_and_inf_refused_in_series_freight_series_and_worlds(write_toml):
    series = write_toml(
        f'[scenario]\nextends = "{BASELINE.as_posix()}"\n'
        '[[series]]\nvariable = "wage_growth"\nwhere = "Henan"\nvalues = { 2025 = nan }\n'
        '[[freight_series]]\nvariable = "rate_mult"\nmode = "sea"\nvalues = { 2025 = inf }\n',
        "series.toml",
    )
    err = refused(lambda: S.load(series), "series[0].values.2025", "got nan")
    assert any(p.key == "freight_series[0].values.2025" for p in err.problems)
    rows = '{ province = "A", lat = nan }, { province = "B" }'
    world = write_toml(f"[world]\nprovinces = [{rows}]\ndistance_km = [[0, inf], [1, 0]]\n", "world.toml")
    refused(lambda: S.load(world), "world.provinces[0].lat", "finite")


def test_every_column_a_scenario_can_set_has_a_declared_range():
    for column in NUMERIC_DEFAULTS:
        spec = SPEC_BY_NAME.get(column)
        assert spec is not None, column
        if spec.kind == "float":
            assert spec.low is not None and spec.high is not None, column
            assert spec.check(NUMERIC_DEFAULTS[column], column) == NUMERIC_DEFAULTS[column]


def test_province_override_outside_its_range_refused_for_each_model_column():
    base = S.load(BASELINE)
    for column in ("skill_efficiency", "amenity", "wage_growth", "outmigrant_share"):
        too_high = SPEC_BY_NAME[column].high * 2 + 1
        refused(
            lambda c=column, v=too_high: base.with_overrides({f"provinces.Henan.{c}": v}),
            f"provinces.Henan.{column}",
        )


def test_time_of_use_hours_must_make_a_day(write_toml):
    base = S.load(BASELINE)
    refused(
        lambda: base.with_overrides({"provinces.Henan.tou_peak_hours": 12}),
        "provinces.Henan.tou_peak_hours",
        "24",
    )
    ok = base.with_overrides({"provinces.Henan.tou_peak_hours": 9, "provinces.Henan.tou_flat_hours": 7})
    assert ok.provinces["Henan"]["tou_peak_hours"] == 9


def test_time_of_use_hours_must_make_a_day_in_worlds(write_toml):
    rows = '{ province = "A", tou_peak_hours = 10 }, { province = "B" }'
    world = write_toml(f"[world]\nprovinces = [{rows}]\n", "world.toml")
    refused(lambda: S.load(world), "world.provinces[0].tou_peak_hours", "24 h", source=str(world))


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("behaviour.discount_rate", 1e-300, "0 or at least 1e-06"),  # ZeroDivisionError in the annuity
        ("behaviour.logit_scale", 5e-324, "at least 1e-06"),  # margins over mu overflowed
        ("sectors.food.labour_share", 1e-300, "[0.001, 1]"),  # output per worker overflowed
    ],
)
def test_values_the_fuzzer_found_breaking_runs_are_refused(key, value, allowed):
    refused(lambda: S.load(BASELINE, {key: value}), key, allowed, source="--set")


def test_discount_rate_zero_is_still_accepted():
    assert S.load(BASELINE, {"behaviour.discount_rate": 0.0})["behaviour.discount_rate"] == 0.0


def test_employment_shares_must_sum_to_one():
    base = S.load(BASELINE)
    refused(
        lambda: base.with_overrides({"sectors.food.employment_share": 0.9}),
        "sectors.food.employment_share",
        "sum to 1",
    )


def test_changed_destination_shares_that_still_sum_to_one_are_accepted():
    base = S.load(BASELINE)
    sc = base.with_overrides(
        {
            "sectors.food.dest_eu": 0.5,
            "sectors.food.dest_na": 0.2,
            "sectors.food.dest_eastasia": 0.2,
            "sectors.food.dest_asean": 0.1,
        }
    )
    assert sc.sectors["food"]["dest_eu"] == 0.5


# --- lever start: a bare year ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [2026, "2026", " 2026 "])
def test_lever_start_accepts_a_bare_year(value):
    sc = S.load(BASELINE).with_overrides(
        {"levers.bonded_sites.enabled": True, "levers.bonded_sites.start": value}
    )
    assert sc["levers.bonded_sites.start"] == "2026Q1"


def test_lever_start_year_and_quarter_give_one_hash():
    base = S.load(BASELINE)
    on = {"levers.finance.enabled": True}  # a dose of a disabled lever is refused
    assert (
        base.with_overrides({**on, "levers.finance.start": 2026}).hash()
        == base.with_overrides({**on, "levers.finance.start": "2026Q1"}).hash()
    )


def test_lever_end_as_a_bare_year_is_refused_with_a_hint():
    refused(
        lambda: S.load(BASELINE).with_overrides({"levers.finance.end": "2027"}),
        "levers.finance.end",
        "2027Q4",
    )


# --- the loader never ends in a traceback -----------------------------------------------------------


def test_invalid_utf8(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[scenario]\nname = "\xff\xfe"\n')
    refused(lambda: S.load(path), "-", "not UTF-8", source=str(path))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("scenario = 5", "scenario"),
        ("series = 5", "series"),
        ("freight_series = 5", "freight_series"),
        ("sectors = [1, 2]", "sectors"),
        ("provinces = []", "provinces"),
        ("levers = 3", "levers"),
        ("behaviour = [1]", "behaviour"),
        ("world = 1", "world"),
        ("series = [1]", "series[0]"),
        ("[[series]]\nvariable = [1]\nvalues = { 2025 = 1 }", "series[0].variable"),
        ("[provinces]\nHenan = 3", "provinces.Henan"),
        ("[levers]\nfinance = 1", "levers.finance"),
        ("[scenario]\nname = 5", "scenario.name"),
        ('[scenario]\nname = "../../outside"', "scenario.name"),
    ],
)
def test_wrong_shapes_are_refused_with_file_and_key(write_toml, text, key):
    path = write_toml(text + "\n")
    refused(lambda: S.load(path), key, source=str(path))


def test_deeply_nested_tables(write_toml):
    path = write_toml("a." * 2000 + "b = 1\n")
    refused(lambda: S.load(path), "-", "nested", source=str(path))
    arrays = write_toml("[run]\nsteps = " + "[" * 5000 + "]" * 5000 + "\n", "arrays.toml")
    refused(lambda: S.load(arrays), "-", source=str(arrays))
    refused(lambda: S.parse_assignment("run.steps=" + "[" * 5000 + "]" * 5000), "run.steps", "nested")


def test_extends_chain_of_a_thousand_files_is_bounded_and_named(tmp_path):
    for i in range(1000):
        (tmp_path / f"s{i}.toml").write_text(f'[scenario]\nextends = "s{i + 1}.toml"\n' if i < 999 else "")
    err = refused(
        lambda: S.load(tmp_path / "s0.toml"), "scenario.extends", f"longer than {S.MAX_EXTENDS_DEPTH}"
    )
    assert "s0.toml" in str(err) and f"s{S.MAX_EXTENDS_DEPTH}.toml" in str(err)


def test_extends_chain_at_the_bound_loads(tmp_path):
    n = S.MAX_EXTENDS_DEPTH
    for i in range(n):
        body = f'[scenario]\nextends = "s{i + 1}.toml"\n' if i < n - 1 else "[run]\nsteps = 7\n"
        (tmp_path / f"s{i}.toml").write_text(body)
    assert S.load(tmp_path / "s0.toml")["run.steps"] == 7


def test_file_too_large_is_refused_unread(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * S.MAX_FILE_BYTES + "\n")
    refused(lambda: S.load(path), "-", "larger than", source=str(path))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_file_is_read_only_up_to_the_cap():
    refused(lambda: S.load("/dev/zero"), "-", "larger than", source="/dev/zero")


def test_set_below_a_value(write_toml):
    refused(
        lambda: S.load(BASELINE, {"run.steps.x": 1}), "run.steps.x", "'run.steps' is a value", source="--set"
    )


def test_set_extends_is_refused_not_ignored():
    refused(
        lambda: S.load(BASELINE, {"scenario.extends": "other.toml"}),
        "scenario.extends",
        "file",
        source="--set",
    )


def test_extends_in_a_table_is_refused():
    refused(lambda: S.from_dict({"scenario": {"extends": "baseline.toml"}}), "scenario.extends")


def test_from_dict_of_a_non_table():
    refused(lambda: S.from_dict([1, 2]), "-", "table of sections")


# --- which file is blamed -------------------------------------------------------------------------


def test_parent_bad_value_blamed_on_the_parent(write_toml):
    parent = write_toml("[behaviour]\nlogit_scale = -1\n", "parent.toml")
    child = write_toml('[scenario]\nextends = "parent.toml"\n[run]\nsteps = 0\n', "child.toml")
    err = refused(lambda: S.load(child), "behaviour.logit_scale", source=str(parent))
    assert any(p.source == str(child) and p.key == "run.steps" for p in err.problems)


def test_parent_bad_series_blamed_on_the_parent(write_toml):
    parent = write_toml('[[series]]\nvariable = "wage_growth"\nvalues = { 2025 = 3 }\n', "parent.toml")
    child = write_toml(
        '[scenario]\nextends = "parent.toml"\n[[series]]\nvariable = "nope"\nvalues = { 2025 = 0 }\n',
        "child.toml",
    )
    err = refused(lambda: S.load(child), "series[0].values.2025", source=str(parent))
    assert any(p.source == str(child) and p.key == "series[1].variable" for p in err.problems)


def test_unreadable_parent_named_on_the_child_with_the_path_tried(write_toml):
    child = write_toml('[scenario]\nextends = "sub/missing.toml"\n', "child.toml")
    err = refused(lambda: S.load(child), "scenario.extends", "'sub/missing.toml'", source=str(child))
    assert str(child.parent / "sub" / "missing.toml") in str(err)


def test_parent_that_is_not_toml_names_the_parent_and_the_child(write_toml):
    parent = write_toml("this is = = not toml\n", "parent.toml")
    child = write_toml('[scenario]\nextends = "parent.toml"\n', "child.toml")
    err = refused(lambda: S.load(child), "-", "not valid TOML", source=str(parent))
    assert f"extended by {child}" in str(err)


def test_firms_flag_is_named_as_the_flag(capsys, tmp_path):
    assert cli.main(["run", str(BASELINE), "--firms", "0", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--firms: key 'run.firms'" in err and "--set" not in err
    assert not (tmp_path / "out").exists()


# --- every error at once, with suggestions (issue 18) ------------------------------------------


def test_every_error_is_reported_at_once_with_suggestions(write_toml):
    path = write_toml(
        f'[scenario]\nextends = "{BASELINE.as_posix()}"\n'
        "[behaviour]\nlogit_scael = 0.03\nreview_hazard = 2\n"
        "[provinces.Sichaun]\nwage_yuan = 50000\n"
        "[provinces.Henan]\nwage_yaun = 50000\n"
        "[sectors.electronic]\nlabour_share = 0.3\n"
        "[levers.special_bond]\nenabled = true\n"
        "[levers.finance]\nenabeld = true\n"
        '[[series]]\nvariable = "wage_growht"\nvalues = { 2025 = 0.01 }\n'
    )
    with pytest.raises(S.ScenarioError) as info:
        S.load(path)
    err, text = info.value, str(info.value)
    expected = {
        "behaviour.logit_scael": "'logit_scale'",
        "behaviour.review_hazard": "[0, 1]",
        "provinces.Sichaun": "'Sichuan'",
        "provinces.Henan.wage_yaun": "'wage_yuan'",
        "sectors.electronic": "'electronics'",
        "levers.special_bond": "'special_bonds'",
        "levers.finance.enabeld": "'enabled'",
        "series[0].variable": "'wage_growth'",
    }
    assert {p.key for p in err.problems} == set(expected), text
    for problem in err.problems:
        assert problem.source == str(path)
        assert expected[problem.key] in problem.message, problem.message
    assert f"{len(expected)} problems" in text
    assert "did you mean 'Sichuan'?" in text


def test_validate_command_prints_every_error(capsys, write_toml):
    path = write_toml("[behaviour]\nlogit_scale = -1\nmax_hazard = 7\n")
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "behaviour.logit_scale" in err and "behaviour.max_hazard" in err and "2 problems" in err


def test_every_set_error_is_reported_at_once(capsys):
    argv = [
        "validate",
        str(BASELINE),
        "--set",
        "provincse.Henan.wage_yuan=1",
        "--set",
        "behaviour.logit_scael=1",
    ]
    assert cli.main([*argv, "--set", "run.steps=0"]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err
    assert "did you mean 'provinces'?" in err and "did you mean 'logit_scale'?" in err and "run.steps" in err


def test_suggestion_for_lever_targets_and_case():
    base = S.load(BASELINE)
    err = refused(
        lambda: base.with_overrides({"levers.training.enabled": True, "levers.training.targets": ["henan"]}),
        "levers.training.targets",
        "did you mean 'Henan'?",
    )
    assert len(err.problems) == 1


def test_no_suggestion_when_nothing_is_close():
    with pytest.raises(S.ScenarioError) as info:
        S.load(BASELINE, {"provinces.Zzqx.wage_yuan": 1})
    assert "did you mean" not in str(info.value)


# --- a run whose outputs are not finite fails loudly ----------------------------------------------


def _unchecked(sc: S.Scenario, **params) -> S.Scenario:
    """``sc`` with ``params`` set past validation (what a gap in the declared ranges would let in)."""
    return dataclasses.replace(sc, params={**sc.params, **params})


@pytest.fixture(scope="module")
def small_base() -> S.Scenario:
    return S.load(BASELINE, SMALL)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the poisoned run overflows on purpose
def test_non_finite_outputs_fail_the_run_and_write_nothing(small_base, tmp_path):
    from simulation.runner import NonFiniteOutputError, run_to_folder

    sc = _unchecked(small_base, **{"labour.supply_elasticity": 1e-300})
    out = tmp_path / "run"
    with pytest.raises(NonFiniteOutputError, match="NaN or infinite outputs.*wage_yuan"):
        run_to_folder(sc, out)
    assert not out.exists()


def test_finite_run_passes_the_check(small_base, tmp_path):
    from simulation.runner import run_to_folder

    summary = run_to_folder(small_base, tmp_path / "run")
    assert np.isfinite(summary["inland_employment_share_end"])
    assert (tmp_path / "run" / "manifest.json").exists()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the poisoned run overflows on purpose
def test_cli_run_with_non_finite_outputs_exits_1(monkeypatch, capsys, tmp_path):
    from simulation import runner

    real = runner.RelocationModel

    def poisoned(sc):
        return real(_unchecked(sc, **{"labour.supply_elasticity": 1e-300}))

    monkeypatch.setattr(runner, "RelocationModel", poisoned)
    out = tmp_path / "run"
    argv = ["run", str(BASELINE), "--firms", "200", "--steps", "2", "--out", str(out), "--no-figures"]
    assert cli.main(argv) == 1
    assert "NaN or infinite outputs" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the poisoned run overflows on purpose
def test_sweep_records_a_non_finite_run_as_failed(monkeypatch):
    from simulation.sweep.runs import run_one, scenario_dict

    spec = parameters.BY_KEY["labour.supply_elasticity"]
    monkeypatch.setitem(parameters.BY_KEY, spec.key, dataclasses.replace(spec, low=0.0, low_open=True))
    raw = scenario_dict(S.load(BASELINE, SMALL))
    result = run_one(raw, 1, {"labour.supply_elasticity": 1e-300})
    assert result.status == "failed"
    assert "NonFiniteOutputError" in result.error and "NaN or infinite outputs" in result.error
    assert run_one(raw, 1).status == "ok"


def test_library_scenarios_still_validate():
    paths = sorted(SCENARIOS.rglob("*.toml"))
    assert len(paths) > 20
    for path in paths:
        assert S.load(Path(path)).name


def test_places_abroad_in_a_world_without_their_reference_province_are_refused_at_load(write_toml):
    """Found by the fuzzer: a small [world] with places abroad on passed validation and failed when
    the run started; the loader now names the key."""
    two = '[world]\n[[world.provinces]]\nprovince = "A"\n[[world.provinces]]\nprovince = "B"\n'
    path = write_toml(two)
    with pytest.raises(S.ScenarioError, match=r"abroad\.reference_province.*abroad\.enabled = false"):
        S.load(path)
    ok = write_toml("[abroad]\nenabled = false\n" + two, "ok.toml")
    assert S.load(ok).params["abroad.enabled"] is False
