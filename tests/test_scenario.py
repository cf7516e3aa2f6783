"""Validation of scenario files: every error names the file, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASELINE, SCENARIOS

from simulation import levers, parameters
from simulation import scenario as S
from simulation.geography import load_china
from simulation.scenario import build_world
from simulation.sectors import load_sectors


def expect_error(path: Path | str, key: str, *allowed: str) -> S.ScenarioError:
    """Load ``path`` and check the ScenarioError names the file, the key and each ``allowed`` text."""
    with pytest.raises(S.ScenarioError) as info:
        S.load(path)
    err = info.value
    text = str(err)
    assert str(path) in text, text
    assert f"'{key}'" in text, text
    assert err.key == key
    for fragment in allowed:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return err


# --- sections and parameters -------------------------------------------------------------------


def test_unknown_section(write_toml):
    path = write_toml("[behavior]\nlogit_scale = 0.03\n")
    expect_error(path, "behavior", "unknown section", "allowed:", "behaviour", "run", "series", "world")


def test_unknown_scenario_key(write_toml):
    path = write_toml('[scenario]\nname = "x"\nauthor = "me"\n')
    expect_error(path, "scenario.author", "allowed:", "name", "description", "extends")


def test_section_must_be_a_table(write_toml):
    path = write_toml("run = 5\n")
    expect_error(path, "run", "must be a table")


def test_unknown_parameter_key(write_toml):
    path = write_toml("[behaviour]\nlogit_scal = 0.03\n")
    err = expect_error(path, "behaviour.logit_scal", "unknown parameter", "allowed in [behaviour]")
    for name in ("logit_scale", "review_hazard", "consideration_size"):
        assert name in str(err)
    assert "gamma" not in str(err)  # only the keys of the section are listed


def test_range_bounds_are_inclusive_where_declared(write_toml):
    sc = S.load(write_toml("[behaviour]\nreview_hazard = 1.0\nmax_hazard = 0.0\n[run]\nsteps = 5.0\n"))
    assert sc["behaviour.review_hazard"] == 1.0
    assert sc["behaviour.max_hazard"] == 0.0
    assert sc["run.steps"] == 5 and isinstance(sc["run.steps"], int)


def test_defaults_fill_every_parameter(write_toml):
    sc = S.load(write_toml("[behaviour]\nlogit_scale = 0.03\n"))
    assert set(sc.params) == set(parameters.BY_KEY) | set(levers.PARAM_BY_KEY)
    assert sc["behaviour.logit_scale"] == 0.03
    assert sc["behaviour.review_hazard"] == parameters.BY_KEY["behaviour.review_hazard"].default


def test_unreadable_and_invalid_toml(tmp_path, write_toml):
    missing = tmp_path / "nope.toml"
    expect_error(missing, "-", "cannot read file")
    expect_error(write_toml("[run\nsteps = 3\n"), "-", "not valid TOML")


# --- start quarter -----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["2009Q4", "1999Q1"])
def test_start_before_2010(write_toml, start):
    expect_error(write_toml(f'[run]\nstart = "{start}"\n'), "run.start", "2010Q1 or later", start)


@pytest.mark.parametrize("start", ["2024Q5", "2024Q0", "2024-Q1", "24Q1", "Q1 2024", ""])
def test_malformed_start(write_toml, start):
    expect_error(write_toml(f'[run]\nstart = "{start}"\n'), "run.start", "a quarter like '2024Q1'")


def test_earliest_start_allowed(write_toml):
    assert str(S.load(write_toml('[run]\nstart = "2010Q1"\n')).start) == "2010Q1"


# --- province and sector overrides -------------------------------------------------------------


def test_unknown_province(write_toml):
    err = expect_error(
        write_toml("[provinces.Atlantis]\nwage_yuan = 50000\n"),
        "provinces.Atlantis",
        "unknown province",
        "allowed:",
    )
    for name in load_china().names:
        assert name in str(err)


def test_unknown_province_column(write_toml):
    err = expect_error(
        write_toml("[provinces.Henan]\nwages = 50000\n"),
        "provinces.Henan.wages",
        "unknown column",
        "allowed:",
        "wage_yuan",
        "land_price_yuan_m2",
        "amenity",
    )
    assert err.source == str(err.source)


def test_province_override_accepted(write_toml):
    sc = S.load(write_toml("[provinces.Henan]\nwage_yuan = 50000\namenity = 0.5\n"))
    assert sc.provinces == {"Henan": {"wage_yuan": 50000.0, "amenity": 0.5}}
    world = build_world(sc)
    assert world.col("wage_yuan")[world.index("Henan")] == 50000.0


def test_unknown_sector(write_toml):
    err = expect_error(
        write_toml("[sectors.toys]\nlabour_share = 0.1\n"), "sectors.toys", "unknown sector", "allowed:"
    )
    for name in load_sectors().names:
        assert name in str(err)


def test_unknown_sector_column(write_toml):
    expect_error(
        write_toml("[sectors.electronics]\nwage = 0.1\n"),
        "sectors.electronics.wage",
        "unknown column",
        "labour_share",
        "dest_eu",
    )


# --- series ------------------------------------------------------------------------------------


def series_toml(variable="wage_yuan", where="Henan", values="{ 2026 = 52000 }") -> str:
    return f'[[series]]\nvariable = "{variable}"\nwhere = "{where}"\nvalues = {values}\n'


def test_series_accepted():
    sc = S.from_dict(
        {"series": [{"variable": "wage_growth", "where": "inland", "values": {"2030": 0.03, "2026Q3": 0.05}}]}
    )
    (s,) = sc.series
    assert s.points == ((2026.5, 0.05), (2030.0, 0.03))  # sorted by time
    assert s.value_at(2026.25) is None
    assert s.value_at(2026.5) == 0.05
    assert s.value_at(2031.0) == 0.03


def test_series_target_defaults_to_all():
    sc = S.from_dict({"series": [{"variable": "amenity", "values": {"2025": 1.0}}]})
    assert sc.series[0].where == "all"


def test_unknown_series_variable(write_toml):
    expect_error(
        write_toml(series_toml(variable="wages")),
        "series[0].variable",
        "'wages'",
        "allowed:",
        "wage_yuan",
        "wage_growth",
        "amenity",
    )


def test_unknown_series_target(write_toml):
    text = series_toml() + series_toml(where="Mars")
    err = expect_error(
        write_toml(text),
        "series[1].where",
        "unknown province or region",
        "'Mars'",
        "allowed:",
        "inland",
        "coastal",
        "central",
        "Henan",
    )
    assert "northeast" in str(err)


@pytest.mark.parametrize("key", ['"2024Q5"', '"20x4"', '"2024-06"', '"Q3"'])
def test_bad_series_time_key(write_toml, key):
    bad = key.strip('"')
    expect_error(
        write_toml(series_toml(values=f"{{ {key} = 1.0 }}")),
        f"series[0].values.{bad}",
        "years (2024) or quarters (2024Q3)",
    )


@pytest.mark.parametrize("key", ["2009", "2009Q4"])
def test_series_time_before_2010(write_toml, key):
    expect_error(
        write_toml(series_toml(values=f"{{ {key} = 52000 }}")), f"series[0].values.{key}", "2010 or later"
    )


def test_series_values_must_be_nonempty_table(write_toml):
    expect_error(write_toml(series_toml(values="{}")), "series[0].values", "must be a table")
    expect_error(write_toml(series_toml(values="[1, 2]")), "series[0].values", "must be a table")


def test_series_unknown_key(write_toml):
    expect_error(
        write_toml(series_toml() + 'unit = "yuan"\n'),
        "series[0].unit",
        "allowed:",
        "variable",
        "where",
        "values",
    )


# --- extends -----------------------------------------------------------------------------------

PARENT = """
[scenario]
name = "parent"
description = "the parent"

[behaviour]
logit_scale = 0.03
review_hazard = 0.05

[provinces.Henan]
wage_yuan = 50000

[[series]]
variable = "wage_growth"
where = "inland"
values = { 2026 = 0.05 }
"""

CHILD = """
[scenario]
extends = "parent.toml"

[behaviour]
logit_scale = 0.04

[provinces.Henan]
land_price_yuan_m2 = 300

[[series]]
variable = "amenity"
where = "Sichuan"
values = { 2027Q2 = 0.5 }
"""


def test_extends_child_overrides_parent_and_series_accumulate(write_toml):
    write_toml(PARENT, "parent.toml")
    child = write_toml(CHILD, "sub/../child.toml")
    sc = S.load(child)
    assert sc["behaviour.logit_scale"] == 0.04  # child wins
    assert sc["behaviour.review_hazard"] == 0.05  # inherited
    assert sc.provinces == {"Henan": {"wage_yuan": 50000.0, "land_price_yuan_m2": 300.0}}
    assert [(s.variable, s.where) for s in sc.series] == [("wage_growth", "inland"), ("amenity", "Sichuan")]
    assert sc.series[1].points == ((2027.25, 0.5),)
    assert sc.name == "child"  # the parent's name is not inherited
    assert sc.description == ""


def test_extends_three_levels_relative_to_each_file(write_toml):
    write_toml(PARENT, "a/parent.toml")
    write_toml(CHILD, "a/child.toml")
    grandchild = write_toml(
        '[scenario]\nextends = "../a/child.toml"\nname = "g"\n[behaviour]\nreview_hazard = 0.07\n',
        "b/grandchild.toml",
    )
    sc = S.load(grandchild)
    assert (sc.name, sc["behaviour.logit_scale"], sc["behaviour.review_hazard"]) == ("g", 0.04, 0.07)
    assert len(sc.series) == 2


def test_extends_baseline(small_scenario):
    base = S.load(BASELINE)
    assert small_scenario["run.firms"] == 600
    assert small_scenario["run.seed"] == base["run.seed"]
    assert small_scenario["run.start"] == base["run.start"]


def test_circular_extends(write_toml):
    a = write_toml('[scenario]\nextends = "b.toml"\n', "a.toml")
    write_toml('[scenario]\nextends = "a.toml"\n', "b.toml")
    with pytest.raises(S.ScenarioError) as info:
        S.load(a)
    assert info.value.key == "scenario.extends"
    assert "circular" in str(info.value)
    assert "a.toml" in str(info.value) or "b.toml" in str(info.value)


def test_self_extends(write_toml):
    path = write_toml('[scenario]\nextends = "self.toml"\n', "self.toml")
    expect_error(path, "scenario.extends", "circular")


def test_extends_missing_parent(write_toml):
    path = write_toml('[scenario]\nextends = "missing.toml"\n', "child.toml")
    err = expect_error(path, "scenario.extends", "cannot read file 'missing.toml'")
    assert str(path.parent / "missing.toml") in str(err)  # the path it tried


def test_extends_must_be_string(write_toml):
    expect_error(write_toml("[scenario]\nextends = 3\n"), "scenario.extends", "file name")


def test_error_in_parent_is_reported(write_toml):
    write_toml("[behaviour]\nlogit_scale = -1\n", "parent.toml")
    child = write_toml('[scenario]\nextends = "parent.toml"\n', "child.toml")
    with pytest.raises(S.ScenarioError, match="behaviour.logit_scale"):
        S.load(child)


# --- --set assignments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("behaviour.logit_scale=0.03", "behaviour.logit_scale", 0.03),
        ("run.firms=600", "run.firms", 600),
        (" run.steps = 12 ", "run.steps", 12),
        ("economy.processing_exports_yuan=4.9e12", "economy.processing_exports_yuan", 4.9e12),
        ("labour.wage_feedback=false", "labour.wage_feedback", False),
        ("parks.enabled=true", "parks.enabled", True),
        ("run.start=2025Q3", "run.start", "2025Q3"),
        ('calibration.method="none"', "calibration.method", "none"),
        ("calibration.method=none", "calibration.method", "none"),
        ("provinces.Henan.wage_yuan=50000", "provinces.Henan.wage_yuan", 50000),
        ("scenario.description=two words", "scenario.description", "two words"),
    ],
)
def test_parse_assignment(text, key, value):
    k, v = S.parse_assignment(text)
    assert k == key
    assert v == value
    assert type(v) is type(value)


@pytest.mark.parametrize("text", ["behaviour.logit_scale", "", "run.steps 12"])
def test_parse_assignment_bad_form(text):
    with pytest.raises(S.ScenarioError) as info:
        S.parse_assignment(text)
    assert "--set" in str(info.value)
    assert "key=value" in str(info.value)


def test_load_with_overrides(small_scenario_file):
    sc = S.load(small_scenario_file, {"behaviour.logit_scale": 0.05, "provinces.Henan.wage_yuan": 48000})
    assert sc["behaviour.logit_scale"] == 0.05
    assert sc.provinces["Henan"]["wage_yuan"] == 48000.0
    assert sc["run.firms"] == 600  # the file's values survive


# --- with_overrides ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignments", "key", "allowed"),
    [
        ({"behaviour.logit_scale": -1.0}, "behaviour.logit_scale", "(0, 10]"),
        ({"behaviour.logit_scale": "big"}, "behaviour.logit_scale", "a number"),
        ({"behaviour.nope": 1}, "behaviour.nope", "allowed in [behaviour]"),
        ({"provinces.Atlantis.wage_yuan": 50000}, "provinces.Atlantis", "unknown province"),
        ({"sectors.electronics.labour_share": 2.0}, "sectors.electronics.labour_share", "[0.001, 1]"),
        ({"run.start": "2009Q1"}, "run.start", "2010Q1 or later"),
        ({"logit_scale": 0.1}, "logit_scale", "expected section.name"),
        ({"series.x": 1}, "series.x", "expected section.name"),
        ({"nosuch.key": 1}, "nosuch.key", "unknown section 'nosuch'"),
    ],
)
def test_with_overrides_revalidates(small_scenario, assignments, key, allowed):
    with pytest.raises(S.ScenarioError) as info:
        small_scenario.with_overrides(assignments)
    assert info.value.key == key
    assert "--set" in str(info.value)
    assert allowed in str(info.value)


def test_with_overrides_returns_copy(small_scenario):
    before = small_scenario.hash()
    changed = small_scenario.with_overrides({"run.steps": 3, "provinces.Henan.amenity": 0.2})
    assert changed["run.steps"] == 3
    assert changed.provinces == {"Henan": {"amenity": 0.2}}
    assert small_scenario["run.steps"] == 6
    assert small_scenario.provinces == {}
    assert small_scenario.hash() == before


def test_with_overrides_round_trips_everything(write_toml):
    path = write_toml(
        '[scenario]\nname = "rt"\ndescription = "round trip"\n'
        "[behaviour]\nlogit_scale = 0.03\n"
        "[provinces.Henan]\nwage_yuan = 50000\n"
        "[sectors.food]\ntime_cost_per_day = 0.01\n"
        + series_toml(variable="wage_growth", where="west", values="{ 2025Q2 = 0.05, 2030 = 0.02 }")
    )
    sc = S.load(path)
    again = sc.with_overrides({})
    assert again.to_dict() == sc.to_dict()
    assert again.hash() == sc.hash()


# --- hash --------------------------------------------------------------------------------------


def test_hash_ignores_file_location_and_number_spelling(write_toml):
    a = write_toml("[behaviour]\nlogit_scale = 1\n[provinces.Henan]\nwage_yuan = 50000\n", "x/a.toml")
    b = write_toml("[behaviour]\nlogit_scale = 1.0\n[provinces.Henan]\nwage_yuan = 50000.0\n", "y/a.toml")
    assert S.load(a).hash() == S.load(b).hash()


def test_hash_same_for_explicit_default(write_toml):
    default = parameters.BY_KEY["behaviour.review_hazard"].default
    a = write_toml("[behaviour]\n", "x/s.toml")
    b = write_toml(f"[behaviour]\nreview_hazard = {default}\n", "y/s.toml")
    assert S.load(a).hash() == S.load(b).hash()


@pytest.mark.parametrize(
    "assignments",
    [
        {"behaviour.logit_scale": 0.021},
        {"run.seed": 1},
        {"labour.wage_feedback": False},
        {"provinces.Henan.wage_yuan": 50001},
        {"sectors.food.time_cost_per_day": 0.009},
    ],
)
def test_hash_changes_with_inputs(small_scenario, assignments):
    changed = small_scenario.with_overrides(assignments)
    assert changed.hash() != small_scenario.hash()
    # and setting the value back restores the hash only when nothing else differs
    same = small_scenario.with_overrides({"run.seed": small_scenario["run.seed"]})
    assert same.hash() == small_scenario.hash()


def test_hash_changes_with_series(write_toml):
    # same file name in different folders: the name (file stem) is part of the scenario record
    a = S.load(write_toml(series_toml(values="{ 2026 = 52000 }"), "a/s.toml"))
    b = S.load(write_toml(series_toml(values="{ 2026 = 52001 }"), "b/s.toml"))
    c = S.load(write_toml(series_toml(values="{ 2026Q2 = 52000 }"), "c/s.toml"))
    d = S.load(write_toml(series_toml(values="{ 2026 = 52000 }"), "d/s.toml"))
    assert len({a.hash(), b.hash(), c.hash()}) == 3
    assert a.hash() == d.hash()


# --- shipped scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    sc = S.load(path)
    assert set(sc.params) == set(parameters.BY_KEY) | set(levers.PARAM_BY_KEY)
    assert sc.name


def test_there_are_shipped_scenarios():
    assert BASELINE in sorted(SCENARIOS.rglob("*.toml"))


# --- custom worlds -----------------------------------------------------------------------------

WORLD = """
[scenario]
name = "two-provinces"

[abroad]
enabled = false  # a small world has no reference province for the places abroad

[world]
name = "two"
freeness = [[1.0, 0.4], [0.4, 1.0]]

[[world.provinces]]
province = "Coast"
region = "east"
coastal = 1
wage_yuan = 80000

[[world.provinces]]
province = "Inland"
region = "central"
wage_yuan = 50000

[provinces.Inland]
land_price_yuan_m2 = 200

[[series]]
variable = "wage_yuan"
where = "Inland"
values = { 2026 = 52000 }
"""


def test_custom_world_validates(write_toml):
    sc = S.load(write_toml(WORLD))
    assert [r["province"] for r in sc.world["provinces"]] == ["Coast", "Inland"]
    assert sc.provinces == {"Inland": {"land_price_yuan_m2": 200.0}}
    assert sc.series[0].where == "Inland"
    world = build_world(sc)
    assert world.n == 2
    assert world.freeness.tolist() == [[1.0, 0.4], [0.4, 1.0]]
    assert world.col("wage_yuan").tolist() == [80000.0, 50000.0]
    assert world.col("land_price_yuan_m2")[1] == 200.0


def test_custom_world_rejects_china_province(write_toml):
    text = WORLD + "\n[provinces.Henan]\nwage_yuan = 50000\n"
    err = expect_error(write_toml(text), "provinces.Henan", "unknown province", "Coast", "Inland")
    assert "Sichuan" not in str(err)


@pytest.mark.parametrize(
    ("matrix", "allowed"),
    [
        ("[[1.0, 0.4, 0.1], [0.4, 1.0, 0.1]]", "2x2 matrix"),
        ("[[1.0, 0.4], [0.4, 1.0], [0.1, 0.1]]", "2x2 matrix"),
        ("[[1.0, 0.4], [0.4]]", "2x2 matrix"),
        ("[1.0, 0.4]", "2x2 matrix"),
        ("0.5", "2x2 matrix"),
        ("[[1.0, -0.4], [0.4, 1.0]]", ">= 0"),
        ('[[1.0, "a"], [0.4, 1.0]]', "must be a number"),
    ],
)
def test_custom_world_malformed_matrix(write_toml, matrix, allowed):
    text = WORLD.replace("freeness = [[1.0, 0.4], [0.4, 1.0]]", f"freeness = {matrix}")
    assert text != WORLD
    expect_error(write_toml(text), "world.freeness", allowed)


def test_custom_world_needs_two_unique_provinces(write_toml):
    one = '[world]\n[[world.provinces]]\nprovince = "A"\n'
    expect_error(write_toml(one), "world.provinces", "at least two")
    dup = one + '[[world.provinces]]\nprovince = "A"\n'
    expect_error(write_toml(dup), "world.provinces[1].province", "unique")


def test_custom_world_bad_region_and_column(write_toml):
    bad_region = WORLD.replace('region = "central"', 'region = "south"')
    expect_error(write_toml(bad_region), "world.provinces[1].region", "east", "central", "west", "northeast")
    bad_col = WORLD.replace("wage_yuan = 50000", "wages = 50000")
    expect_error(write_toml(bad_col), "world.provinces[1].wages", "allowed:", "wage_yuan")
