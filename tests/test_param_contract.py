"""Validation generated from the declarations, not hand-picked: every :class:`Param` of the model
(``simulation.parameters.PARAMS``) and of the levers (``simulation.levers.ALL_PARAMS``), and every
declared data column (``PROVINCE_COLUMNS``, ``SECTOR_COLUMNS``, ``REGION_COLUMNS``).

For each declaration the cases follow from its type and range: just below the range, just above it
(the bound itself where it is open), not finite, the wrong type, not a choice, a malformed quarter,
an unknown name. Each is fed through :func:`simulation.scenario.from_dict` (data columns also
through every scenario route that sets them, and through the checked CSV reader) and must be refused
with an error naming the key and what is allowed. Values at inclusive bounds must be accepted.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest

from simulation import levers, parameters
from simulation import scenario as S
from simulation.geography import (
    NATIONAL_ONLY,
    NUMERIC_DEFAULTS,
    PROVINCE_COLUMNS,
    REGION_COLUMNS,
    SPEC_BY_NAME,
    START_ONLY,
)
from simulation.parameters import Param
from simulation.sectors import SECTOR_COLUMNS
from simulation.tables import Column, DataError, data_path, read_table

SOURCE = "<generated>"
PARAMS: tuple[Param, ...] = parameters.PARAMS + levers.ALL_PARAMS

# Keys whose accepted-bound values need a companion setting to pass a cross-check of their lever.
COMPANIONS: dict[str, dict[str, Any]] = {
    "levers.time_of_use.peak_hours": {"valley_hours": 0.0},  # peak + valley hours <= 24
    "levers.time_of_use.valley_hours": {"peak_hours": 0.0},
}


def step(bound: float, kind: type) -> float:
    """The smallest clear step outside ``bound``."""
    return 1 if kind is int else max(abs(bound), 1.0) * 1e-6


def invalid_values(p: Param) -> list[tuple[str, Any, str]]:
    """(case, value, text the error must contain) for every way ``p`` can be wrong."""
    allowed = p.allowed()
    if p.kind is bool:
        return [("int", 1, allowed), ("string", "true", allowed)]
    if p.kind is str:
        cases = [("number", 1, allowed)]
        if p.choices:
            cases.append(("not_a_choice", "no-such-choice", allowed))
        if p.unit == "quarter":
            cases.append(("malformed_quarter", "2024Q5", "2024Q5"))
        return cases
    if p.kind is list:
        cases = [("string", "Henan", allowed), ("numbers", [1, 2], allowed)]
        if p.key.startswith("levers."):
            cases.append(("unknown_name", ["Atlantis"], "'Atlantis'"))
        return cases
    if p.kind is dict:
        cases = [("list", [1.0], allowed), ("negative", {"Henan": -1.0}, allowed)]
        if p.key.startswith("levers."):
            cases.append(("unknown_province", {"Atlantis": 1.0}, "unknown province"))
        return cases
    cases = [("string", "1", allowed), ("bool", True, allowed)]
    if p.kind is int:
        cases.append(("not_integer", (p.low or 0) + 0.5, allowed))
    else:
        cases += [("nan", math.nan, allowed), ("inf", math.inf, allowed)]
    if p.low is not None:
        cases.append(("below_range", p.low if p.low_open else p.low - step(p.low, p.kind), allowed))
    if p.high is not None:
        cases.append(("above_range", p.high + step(p.high, p.kind), allowed))
    return cases


def nest(key: str, value: Any, extra: dict[str, Any] | None = None) -> dict:
    """``{section: {name: value}}`` (``{"levers": {lever: {name: value}}}`` for lever keys)."""
    parts = key.split(".")
    table = {parts[-1]: value, **(extra or {})}
    for part in reversed(parts[:-1]):
        table = {part: table}
    return table


def expect_error(raw: dict, key: str, *fragments: str) -> S.ScenarioError:
    with pytest.raises(S.ScenarioError) as info:
        S.from_dict(raw, SOURCE)
    err, text = info.value, str(info.value)
    assert err.source == SOURCE and SOURCE in text, text
    assert err.key == key or err.key.startswith(key + "."), (err.key, key)
    assert f"'{err.key}'" in text, text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return err


PARAM_CASES = [
    pytest.param(p, value, fragment, id=f"{p.key}-{case}")
    for p in PARAMS
    for case, value, fragment in invalid_values(p)
]


def test_every_declared_parameter_has_generated_cases():
    keys = {c.values[0].key for c in PARAM_CASES}
    assert keys == {p.key for p in PARAMS}
    ranged = [p for p in PARAMS if p.kind in (int, float) and (p.low is not None or p.high is not None)]
    assert len(ranged) > 50  # the generator reaches the numeric ranges, not only the type checks


@pytest.mark.parametrize(("param", "value", "fragment"), PARAM_CASES)
def test_invalid_parameter_is_refused_naming_the_key(param, value, fragment):
    err = expect_error(nest(param.key, value), param.key, fragment)
    assert "got" in str(err) or "unknown" in str(err)


BOUND_CASES = [
    pytest.param(p, bound, id=f"{p.key}-{which}")
    for p in PARAMS
    if p.kind in (int, float)
    for which, bound, open_ in (("low", p.low, p.low_open), ("high", p.high, False))
    if bound is not None and not open_
]


@pytest.mark.parametrize(("param", "bound"), BOUND_CASES)
def test_inclusive_bounds_are_accepted(param, bound):
    local = param.key.rsplit(".", 1)[1]
    extra = {k: v for k, v in COMPANIONS.get(param.key, {}).items() if k != local}
    sc = S.from_dict(nest(param.key, param.kind(bound), extra), SOURCE)
    assert sc[param.key] == bound and type(sc[param.key]) is param.kind


# --- data columns --------------------------------------------------------------------------------


def column_values(spec: Column | None) -> list[tuple[str, Any, str]]:
    """(case, value, text the error must contain) for a number set in a scenario."""
    cases = [("string", "1", "must be a number"), ("bool", True, "must be a number")]
    if spec is None:  # a model-side column (no data-file declaration): any number
        return cases
    allowed = spec.allowed()
    if spec.kind == "bool":
        return [*cases, ("two", 2.0, "0 or 1"), ("half", 0.5, "0 or 1")]
    cases.append(("nan", math.nan, allowed))
    if spec.low is not None:
        cases.append(("below_range", spec.low - step(spec.low, float), allowed))
    if spec.high is not None:
        cases.append(("above_range", spec.high + step(spec.high, float), allowed))
    return cases


WORLD_ROWS = [{"province": "Coast", "region": "east", "coastal": 1}, {"province": "Inland"}]


def province_routes(column: str, value: Any) -> list[tuple[str, dict, str]]:
    """(route, raw scenario, key the error must name): every way a scenario sets a province column."""
    world = {"provinces": [dict(r) for r in WORLD_ROWS]}
    world["provinces"][1][column] = value
    where = "all" if column in NATIONAL_ONLY else "Henan"  # a national column takes no override
    series = {"series": [{"variable": column, "where": where, "values": {"2026": value}}]}
    override = {"provinces": {"Henan": {column: value}}}
    return [
        *([("override", override, f"provinces.Henan.{column}")] if column not in NATIONAL_ONLY else []),
        *([("series", series, "series[0].values.2026")] if column in S.SERIES_VARIABLES else []),
        ("world", {"world": world}, f"world.provinces[1].{column}"),
    ]


PROVINCE_CASES = [
    pytest.param(raw, key, fragment, id=f"{column}-{case}-{route}")
    for column in sorted(NUMERIC_DEFAULTS)
    for case, value, fragment in column_values(SPEC_BY_NAME.get(column))
    for route, raw, key in province_routes(column, value)
]
SECTOR_NUMERIC = [c for c in SECTOR_COLUMNS if c.kind != "str"]
SECTOR_CASES = [
    pytest.param(c, value, fragment, id=f"{c.name}-{case}")
    for c in SECTOR_NUMERIC
    for case, value, fragment in column_values(c)
]


def test_every_overridable_column_has_generated_cases():
    assert {c.values[1].split(".")[-1] for c in PROVINCE_CASES if c.id.endswith("override")} == set(
        NUMERIC_DEFAULTS
    ) - set(NATIONAL_ONLY)
    assert {c.values[0].name for c in SECTOR_CASES} == {c.name for c in SECTOR_NUMERIC}
    assert set(S.SERIES_VARIABLES) == set(NUMERIC_DEFAULTS) - set(START_ONLY)


@pytest.mark.parametrize(("raw", "key", "fragment"), PROVINCE_CASES)
def test_invalid_province_value_is_refused_naming_the_key(raw, key, fragment):
    expect_error(raw, key, fragment)


@pytest.mark.parametrize(("column", "value", "fragment"), SECTOR_CASES)
def test_invalid_sector_value_is_refused_naming_the_key(column, value, fragment):
    key = f"sectors.food.{column.name}"
    expect_error({"sectors": {"food": {column.name: value}}}, key, fragment)


# --- the data files themselves -------------------------------------------------------------------

TABLES = {"provinces.csv": PROVINCE_COLUMNS, "sectors.csv": SECTOR_COLUMNS, "regions.csv": REGION_COLUMNS}


def cell_values(c: Column) -> list[tuple[str, str, str]]:
    """(case, cell text, text the error must contain) for one declared column of a CSV file."""
    if c.kind == "str":
        return [("empty", "", "a value is required")] if c.required else []
    allowed = c.allowed()
    if c.kind == "bool":
        return [("two", "2", "0 or 1"), ("word", "yes", "0 or 1")]
    cases = [("word", "abc", allowed), ("inf", "inf", allowed)]
    if c.required:
        cases.append(("empty", "", allowed))
    if c.low is not None:
        cases.append(("below_range", repr(c.low - step(c.low, float)), allowed))
    if c.high is not None:
        cases.append(("above_range", repr(c.high + step(c.high, float)), allowed))
    return cases


FILE_CASES = [
    pytest.param(name, c, text, fragment, id=f"{name}-{c.name}-{case}")
    for name, columns in TABLES.items()
    for c in columns
    for case, text, fragment in cell_values(c)
]


def test_every_declared_column_has_a_generated_file_case():
    covered = {(c.values[0], c.values[1].name) for c in FILE_CASES}
    for name, columns in TABLES.items():
        for c in columns:
            assert (name, c.name) in covered or (c.kind == "str" and not c.required), (name, c.name)


@pytest.mark.parametrize(("name", "column", "text", "fragment"), FILE_CASES)
def test_bad_cell_in_a_data_file_names_file_row_and_column(tmp_path: Path, name, column, text, fragment):
    with open(data_path(name), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    read_table(data_path(name), TABLES[name])  # the shipped file itself is valid
    rows[0][column.name] = text
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataError) as info:
        read_table(path, TABLES[name])
    message = str(info.value)
    assert str(path) in message and "line 2" in message and f"'{column.name}'" in message, message
    assert fragment in message, message
    if text:
        assert repr(text) in message or text in message, message
