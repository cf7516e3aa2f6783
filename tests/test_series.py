"""Series of province inputs replay history: every series variable acts from its key on, parks a
series opens get capacity, overlapping series and set-up-only columns are refused."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import scenario as S
from simulation.geography import NATIONAL_ONLY, SPEC_BY_NAME, START_ONLY
from simulation.model import RelocationModel
from simulation.timeline import Quarter

BASELINE = "scenarios/baseline.toml"
TINY = {"run.firms": 300, "calibration.method": "none"}  # fast: the columns in force are the point


def with_series(series: list[dict], **params) -> S.Scenario:
    """The baseline with ``params`` (dotted keys) and ``series`` (raw ``[[series]]`` tables)."""
    raw = _nest(params)
    raw["series"] = series
    return S.from_dict(raw, "<series-test>")


def _nest(params: dict) -> dict:
    raw: dict = {}
    for key, value in params.items():
        section, name = key.split(".", 1)
        raw.setdefault(section, {})[name] = value
    return raw


def other_value(column: str, current: float) -> float:
    """A valid value of ``column`` different from ``current``."""
    spec = SPEC_BY_NAME.get(column)
    if spec is None:  # a model-side column: any number
        return current + 0.1
    if spec.kind == "bool":
        return 1.0 - current
    return (current + spec.high) / 2


def steps_to(model: RelocationModel, quarter: str) -> None:
    """Step ``model`` until it has simulated ``quarter``."""
    while model.quarter < Quarter.parse(quarter):
        model.step()


# --- every series variable takes effect ----------------------------------------------------------


@pytest.mark.parametrize("variable", S.SERIES_VARIABLES)
def test_every_series_variable_is_in_force_from_its_key(variable):
    """Parametrised over the declaration, so a column added to it is covered without a new test."""
    base = RelocationModel(S.load(BASELINE, TINY))
    henan = base.world.index("Henan")
    before = base.columns[variable].copy()
    value = other_value(variable, before[henan])
    if variable == "tou_critical_hours":  # critical hours are part of the peak hours
        value = (before[henan] + base.columns["tou_peak_hours"][henan]) / 2
    national = variable in NATIONAL_ONLY  # the same everywhere: set for all provinces at once
    series = [{"variable": variable, "where": "all" if national else "Henan", "values": {"2024Q3": value}}]
    series += _keep_a_day_of_24_hours(base, variable, value, henan)
    model = RelocationModel(with_series(series, **TINY))
    steps_to(model, "2024Q2")
    np.testing.assert_array_equal(model.columns[variable], before)
    model.step()
    assert str(model.quarter) == "2024Q3"
    assert model.columns[variable][henan] == value
    others = (np.arange(model.world.n) != henan) & (not national)
    np.testing.assert_array_equal(model.columns[variable][others], before[others])


def _keep_a_day_of_24_hours(model: RelocationModel, variable: str, value: float, r: int) -> list[dict]:
    """The series that keeps peak + flat + valley hours at 24 when ``variable`` (one of them) moves
    to ``value`` in province ``r`` (the validation refuses any other day)."""
    hours = ("tou_peak_hours", "tou_flat_hours", "tou_valley_hours")
    if variable not in hours:
        return []
    partner = "tou_valley_hours" if variable == "tou_flat_hours" else "tou_flat_hours"
    rest = model.columns[partner][r] - (value - model.columns[variable][r])
    return [{"variable": partner, "where": model.world.names[r], "values": {"2024Q3": rest}}]


@pytest.mark.parametrize("variable", sorted(NATIONAL_ONLY))
def test_national_columns_are_refused_for_some_provinces_only(variable):
    series = [{"variable": variable, "where": "Henan", "values": {"2026": 7.2}}]
    with pytest.raises(S.ScenarioError) as info:
        with_series(series)
    assert info.value.key == "series[0].where" and 'where = "all"' in str(info.value)
    with pytest.raises(S.ScenarioError) as info:
        S.from_dict({"provinces": {"Henan": {variable: 7.2}}}, "<override>")
    assert info.value.key == f"provinces.Henan.{variable}"


@pytest.mark.parametrize("variable", sorted(START_ONLY))
def test_set_up_only_columns_are_refused_as_series(variable):
    series = [{"variable": variable, "where": "Henan", "values": {"2026": 10.0}}]
    with pytest.raises(S.ScenarioError) as info:
        with_series(series)
    text = str(info.value)
    assert info.value.key == "series[0].variable"
    for fragment in ("<series-test>", variable, "only sets the start", "[provinces.", "wage_yuan"):
        assert fragment in text, text
    S.from_dict({"provinces": {"Henan": {variable: 10.0}}})  # an override is still allowed


def test_a_population_series_changes_that_labour_pool_alone():
    model = RelocationModel(S.load(BASELINE, TINY))
    henan = model.world.index("Henan")
    pop = model.columns["population"][henan]
    grown = RelocationModel(
        with_series([{"variable": "population", "where": "Henan", "values": {"2024Q2": 2 * pop}}], **TINY)
    )
    pool = grown.labour_pool.copy()
    steps_to(grown, "2024Q2")
    assert grown.labour_pool[henan] == pytest.approx(2 * pool[henan])
    others = np.arange(grown.world.n) != henan
    np.testing.assert_array_equal(grown.labour_pool[others], pool[others])


# --- parks opened by a series --------------------------------------------------------------------

PARK_RUN = {"run.firms": 6000, "calibration.sorting_rounds": 5}


def park_series(values: dict) -> list[dict]:
    return [{"variable": "national_park", "where": "Jiangxi", "values": values}]


def test_a_park_opened_by_a_series_gets_capacity_and_movers_enter_it():
    base = RelocationModel(S.load(BASELINE, PARK_RUN))
    opened = RelocationModel(with_series(park_series({"2025Q3": 1}), **PARK_RUN))
    jx = base.world.index("Jiangxi")
    assert base.park_capacity[jx] == 0  # no national park in the data
    standard = opened.parks.standard
    assert standard > 0
    steps_to(base, "2025Q2")
    steps_to(opened, "2025Q2")
    assert opened.park_capacity[jx] == 0
    np.testing.assert_array_equal(base.firms.location, opened.firms.location)  # same seed, same path
    for model in (base, opened):
        steps_to(model, "2027Q4")
    assert base.park_capacity[jx] == 0
    assert opened.park_capacity[jx] == pytest.approx(standard)
    in_park = opened.firms.in_park & (opened.firms.location == jx)
    assert in_park.any()  # movers entered the new park
    assert not (base.firms.in_park & (base.firms.location == jx)).any()
    # the park's discounts draw firms: more new plants settle there (by 2027Q4 the two runs' paths
    # differ so much that Jiangxi's end employment has either sign from seed to seed)
    entered = [sum(row["firms_entered"][:, jx].sum() for row in m.recorder.steps) for m in (base, opened)]
    assert entered[1] > entered[0], entered


def test_capacity_of_a_park_opens_in_its_quarter():
    model = RelocationModel(with_series(park_series({"2025Q3": 1}), **TINY))
    jx = model.world.index("Jiangxi")
    capacity = {}
    while model.quarter < Quarter.parse("2025Q4"):
        model.step()
        capacity[str(model.quarter)] = model.park_capacity[jx]
    assert capacity["2025Q2"] == 0
    assert capacity["2025Q3"] == capacity["2025Q4"] == pytest.approx(model.parks.standard)


def test_a_dropped_designation_keeps_the_park_and_a_new_one_adds_nothing():
    series = park_series({"2024Q2": 1, "2024Q4": 0, "2025Q2": 1})
    model = RelocationModel(with_series(series, **TINY))
    jx = model.world.index("Jiangxi")
    capacity = []
    while model.quarter < Quarter.parse("2025Q3"):
        model.step()
        capacity.append(model.park_capacity[jx])
    assert capacity[0] == 0  # 2024Q1
    assert capacity[1:] == [pytest.approx(model.parks.standard)] * (len(capacity) - 1)


def test_a_series_that_drops_a_park_of_the_data_keeps_its_capacity():
    base = RelocationModel(S.load(BASELINE, TINY))
    henan = base.world.index("Henan")
    model = RelocationModel(
        with_series([{"variable": "national_park", "where": "Henan", "values": {"2024Q2": 0}}], **TINY)
    )
    steps_to(model, "2024Q4")
    assert model.columns["national_park"][henan] == 0
    assert model.park_capacity[henan] == base.park_capacity[henan] > 0


def test_no_park_capacity_from_a_series_when_parks_are_disabled():
    model = RelocationModel(with_series(park_series({"2024Q2": 1}), **TINY, **{"parks.enabled": False}))
    steps_to(model, "2024Q3")
    assert not model.park_capacity.any()


# --- overlapping series --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("west", "Sichuan", ["Sichuan"]),
        ("Sichuan", "west", ["Sichuan"]),
        ("Henan", "Henan", ["Henan"]),
        ("inland", "central", ["Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"]),
        ("all", "Tibet", ["Tibet"]),
    ],
)
def test_overlapping_series_are_refused(write_toml, first, second, shared):
    text = "".join(  # series[0] sets another variable everywhere: it overlaps nothing
        f'[[series]]\nvariable = "{v}"\nwhere = "{w}"\nvalues = {{ 2026 = 0.03 }}\n'
        for v, w in (("amenity", "all"), ("wage_growth", first), ("wage_growth", second))
    )
    path = write_toml(text)
    with pytest.raises(S.ScenarioError) as info:
        S.load(path)
    msg = str(info.value)
    assert info.value.key == "series[2].where"
    for fragment in (str(path), "series[1]", "series[2]", "'wage_growth'", "separate series"):
        assert fragment in msg, msg
    named = msg.split(" in ", 1)[1].split(";", 1)[0]
    assert sorted(named.split(", ")) == sorted(shared)


def test_series_that_do_not_overlap_are_accepted():
    sc = with_series(
        [
            {"variable": "wage_growth", "where": "east", "values": {"2026": 0.03}},
            {"variable": "wage_growth", "where": "Sichuan", "values": {"2026": 0.05}},
            {"variable": "wage_yuan", "where": "Sichuan", "values": {"2026": 50000}},
        ]
    )
    assert len(sc.series) == 3


def test_overlap_through_extends_is_refused(write_toml):
    write_toml('[[series]]\nvariable = "amenity"\nwhere = "west"\nvalues = { 2026 = 0.1 }\n', "parent.toml")
    child = write_toml(
        '[scenario]\nextends = "parent.toml"\n[[series]]\nvariable = "amenity"\nwhere = "Yunnan"\n'
        "values = { 2027 = 0.2 }\n",
        "child.toml",
    )
    with pytest.raises(S.ScenarioError, match=r"series\[0\].*series\[1\].*'amenity' in Yunnan"):
        S.load(child)


def test_overlap_is_resolved_in_the_scenario_world():
    """A custom world renames the provinces: 'coastal' there is the one flagged coastal."""
    world = {
        "provinces": [
            {"province": "Port", "region": "east", "coastal": 1},
            {"province": "Hills", "region": "west"},
        ]
    }
    series = [
        {"variable": "amenity", "where": "coastal", "values": {"2026": 0.1}},
        {"variable": "amenity", "where": "Hills", "values": {"2026": 0.2}},
    ]
    no_abroad = {"abroad": {"enabled": False}}  # a small world has no reference for places abroad
    S.from_dict({"world": world, "series": series, **no_abroad})  # disjoint in this world
    series[1]["where"] = "Port"
    with pytest.raises(S.ScenarioError, match="'amenity' in Port;"):
        S.from_dict({"world": world, "series": series, **no_abroad})
