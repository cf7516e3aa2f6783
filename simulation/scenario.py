"""Scenario files: TOML, one schema, validated in one place.

A scenario sets any parameter of :mod:`simulation.parameters` in its section, overrides province
and sector data (``[provinces.Henan]``, ``[sectors.electronics]``), drives province inputs by yearly
or quarterly series (``[[series]]``), national freight rates, days and logistics parameters by
series too (``[[freight_series]]``), and may define a small world of its own (``[world]``).
``[scenario] extends = "baseline.toml"`` starts from another file. Every error names the file, the
key and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulation import levers, logistics, parameters
from simulation.geography import (
    NATIONAL_ONLY,
    NUMERIC_DEFAULTS,
    REGIONS,
    SPEC_BY_NAME,
    START_ONLY,
    World,
    custom_world,
    load_china,
)
from simulation.sectors import MARKETS, SECTOR_COLUMNS, Sectors, check_sectors, load_sectors
from simulation.sectors import NUMERIC as SECTOR_NUMERIC
from simulation.tables import DataError
from simulation.timeline import EARLIEST_YEAR, Quarter, time_key

TOP_LEVEL = (
    "scenario",
    *parameters.SECTIONS,
    "levers",
    "provinces",
    "sectors",
    "series",
    "freight_series",
    "world",
)
# every column a scenario may override, except those read only at set-up (one declaration: geography)
SERIES_VARIABLES = tuple(sorted(c for c in NUMERIC_DEFAULTS if c not in START_ONLY))
WORLD_PROVINCE_KEYS = ("province", "region", "lat", "lon", *NUMERIC_DEFAULTS)
# what a [[freight_series]] may drive: national arrays by mode x market, or logistics.* parameters
FREIGHT_SERIES_VARIABLES = (*logistics.MARKET_SERIES, *logistics.PARAM_SERIES)


class ScenarioError(ValueError):
    """A scenario file or override is invalid; the message names file, key and what is allowed."""

    def __init__(self, source: str, key: str, message: str):
        super().__init__(f"{source}: key '{key}': {message}")
        self.source, self.key = source, key


def _in_force(points: tuple[tuple[float, float], ...], decimal_year: float) -> float | None:
    """The value of the last of the sorted (decimal year, value) ``points`` at or before
    ``decimal_year`` (piecewise constant from each key on), or None before the first."""
    current = None
    for t, v in points:
        if t <= decimal_year + 1e-9:
            current = v
    return current


@dataclass(frozen=True)
class Series:
    """A province input that changes over time: piecewise constant from each key on."""

    variable: str
    where: str
    points: tuple[tuple[float, float], ...]  # (decimal year, value), sorted

    def value_at(self, decimal_year: float) -> float | None:
        """Value in force at ``decimal_year``, or None before the first point."""
        return _in_force(self.points, decimal_year)


@dataclass(frozen=True)
class FreightSeries:
    """A national freight input that changes over time, piecewise constant from each key on: a
    rate multiplier or added days of one mode to one market (or to ``"all"`` markets), or a
    ``logistics.*`` parameter (``mode`` and ``market`` None)."""

    variable: str  # a key of logistics.MARKET_SERIES or a name of logistics.PARAM_SERIES
    mode: str | None
    market: str | None  # a market of sectors.MARKETS or "all"
    points: tuple[tuple[float, float], ...]  # (decimal year, value), sorted

    def value_at(self, decimal_year: float) -> float | None:
        """Value in force at ``decimal_year``, or None before the first point."""
        return _in_force(self.points, decimal_year)

    def label(self) -> str:
        """``variable`` with its mode and market, e.g. ``rate_mult sea->eu``."""
        return self.variable if self.mode is None else f"{self.variable} {self.mode}->{self.market}"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: resolved parameters plus data overrides, series and world."""

    name: str
    description: str
    source: str
    params: dict[str, Any]
    provinces: dict[str, dict[str, float]] = field(default_factory=dict)
    sectors: dict[str, dict[str, float]] = field(default_factory=dict)
    series: tuple[Series, ...] = ()
    world: dict | None = None
    freight_series: tuple[FreightSeries, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    @property
    def start(self) -> Quarter:
        return Quarter.parse(self.params["run.start"])

    def to_dict(self) -> dict:
        """Canonical, JSON-ready form (manifest, hashing); ``freight_series`` only when there are
        some (a scenario without them keeps the form, and the hash, it had before they existed)."""
        out = {
            "name": self.name,
            "description": self.description,
            "params": dict(sorted(self.params.items())),
            "provinces": {k: dict(sorted(v.items())) for k, v in sorted(self.provinces.items())},
            "sectors": {k: dict(sorted(v.items())) for k, v in sorted(self.sectors.items())},
            "series": [
                {"variable": s.variable, "where": s.where, "points": list(s.points)} for s in self.series
            ],
            "world": self.world,
        }
        if self.freight_series:
            out["freight_series"] = [
                {"variable": f.variable, "mode": f.mode, "market": f.market, "points": list(f.points)}
                for f in self.freight_series
            ]
        return out

    def hash(self) -> str:
        """SHA-256 of the model inputs (not the name or description): equal hashes mean identical
        inputs."""
        inputs = {k: v for k, v in self.to_dict().items() if k not in ("name", "description")}
        blob = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_overrides(self, assignments: dict[str, Any], source: str = "--set") -> Scenario:
        """A copy with ``{dotted.key: value}`` applied and validated; errors name ``source``, the
        copy keeps this scenario's file as its source."""
        raw = _to_raw(self)
        for key, value in assignments.items():
            _assign(raw, key, value, source)
        return dataclasses.replace(_validate(raw, source), source=self.source)


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``) and validate a scenario file."""
    raw = _read_merged(Path(path), seen=())
    scenario = _validate(raw, str(path))
    return scenario.with_overrides(overrides, "--set") if overrides else scenario


def from_dict(raw: dict, source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a nested dict (same layout as the TOML file)."""
    return _validate(copy.deepcopy(raw), source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected key=value, e.g. behaviour.logit_scale=0.03")
    key, _, value = text.partition("=")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip(), parsed


# --- internals ---------------------------------------------------------------------------------


def _read_merged(path: Path, seen: tuple[Path, ...]) -> dict:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ScenarioError(str(path), "-", f"cannot read file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "-", f"not valid TOML ({exc})") from None
    parent = raw.get("scenario", {}).get("extends")
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(str(path), "scenario.extends", "must be a file name (string)")
    base_path = (path.parent / parent).resolve()
    if base_path in seen:
        raise ScenarioError(str(path), "scenario.extends", "circular 'extends' chain")
    base = _read_merged(base_path, seen + (path.resolve(),))
    base.get("scenario", {}).pop("name", None)
    base.get("scenario", {}).pop("description", None)
    merged = _deep_merge(base, raw)
    merged["scenario"].pop("extends", None)
    return merged


def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if key in ("series", "freight_series"):  # series accumulate
            out[key] = list(out.get(key, [])) + list(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _to_raw(s: Scenario) -> dict:

    lever_defaults = levers.defaults()
    raw: dict[str, Any] = {"scenario": {"name": s.name, "description": s.description}}
    for key, value in s.params.items():
        section, name = key.split(".", 1)
        if section == "levers":
            if value != lever_defaults[key]:  # untouched levers stay out of the raw form
                lever, name = name.split(".", 1)
                raw.setdefault("levers", {}).setdefault(lever, {})[name] = copy.deepcopy(value)
        else:
            raw.setdefault(section, {})[name] = value
    raw["provinces"] = copy.deepcopy(s.provinces)
    raw["sectors"] = copy.deepcopy(s.sectors)
    raw["series"] = [
        {"variable": x.variable, "where": x.where, "values": {_fmt_time(t): v for t, v in x.points}}
        for x in s.series
    ]
    if s.world is not None:
        raw["world"] = copy.deepcopy(s.world)
    if s.freight_series:
        raw["freight_series"] = [
            {
                "variable": f.variable,
                **({} if f.mode is None else {"mode": f.mode, "market": f.market}),
                "values": {_fmt_time(t): v for t, v in f.points},
            }
            for f in s.freight_series
        ]
    return raw


def _fmt_time(t: float) -> str:
    year, frac = int(t), t - int(t)
    return str(year) if frac == 0 else f"{year}Q{int(round(frac * 4)) + 1}"


def _assign(raw: dict, key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    if len(parts) < 2 or parts[0] not in TOP_LEVEL or parts[0] in ("series", "freight_series", "world"):
        raise ScenarioError(
            source,
            key,
            "expected section.name (e.g. behaviour.logit_scale), "
            "provinces.<province>.<column> or sectors.<sector>.<column>",
        )
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _validate(raw: dict, source: str) -> Scenario:
    for key in raw:
        if key not in TOP_LEVEL:
            raise ScenarioError(source, key, f"unknown section; allowed: {', '.join(TOP_LEVEL)}")
    meta = raw.get("scenario", {})
    _check_keys(meta, ("name", "description", "extends"), "scenario", source)
    params = parameters.defaults()
    for section in parameters.SECTIONS:
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(source, section, "must be a table")
        for name, value in table.items():
            key = f"{section}.{name}"
            spec = parameters.BY_KEY.get(key)
            if spec is None:
                allowed = [p.key.split(".")[1] for p in parameters.PARAMS if p.key.startswith(section + ".")]
                raise ScenarioError(
                    source, key, f"unknown parameter; allowed in [{section}]: {', '.join(allowed)}"
                )
            try:
                params[key] = spec.check(value)
            except ValueError as exc:
                raise ScenarioError(source, key, str(exc)) from None
    _check_start(params["run.start"], source)
    world = _check_world(raw.get("world"), source)
    names = [r["province"] for r in world["provinces"]] if world else load_china().names.tolist()
    params.update(_check_levers(raw.get("levers", {}), names, source))
    provinces = _check_province_overrides(raw.get("provinces", {}), names, source)
    sectors = _check_sector_overrides(raw.get("sectors", {}), source)
    series = tuple(_check_series(s, i, names, source) for i, s in enumerate(raw.get("series", [])))
    _check_overlaps(series, lambda: _world_of(world, provinces, source), source)
    freight_series = _check_freight_series(raw.get("freight_series", []), source)
    return Scenario(
        str(meta.get("name", Path(source).stem)),
        str(meta.get("description", "")),
        source,
        params,
        provinces,
        sectors,
        series,
        world,
        freight_series,
    )


def _check_levers(table: Any, names: list[str], source: str) -> dict[str, Any]:
    """Lever settings: known levers and keys, valid values, targets that exist in this world."""
    if not isinstance(table, dict):
        raise ScenarioError(source, "levers", "must be a table of [levers.<name>] tables")
    values = levers.defaults()
    for name, settings in table.items():
        lever = levers.BY_NAME.get(name)
        if lever is None:
            raise ScenarioError(
                source, f"levers.{name}", f"unknown lever; allowed: {', '.join(levers.BY_NAME)}"
            )
        allowed = [p.key.rsplit(".", 1)[1] for p in levers.params(lever)]
        _check_keys(settings, tuple(allowed), f"levers.{name}", source)
        for k, value in settings.items():
            key = f"levers.{name}.{k}"
            try:
                values[key] = levers.PARAM_BY_KEY[key].check(value)
            except ValueError as exc:
                raise ScenarioError(source, key, str(exc)) from None
    for lever in levers.LEVERS:  # defaults of untouched levers need not fit a custom world
        if lever.name in table or values[f"levers.{lever.name}.enabled"]:
            _check_lever_names(lever, values, names, source)
    return values


def _check_lever_names(lever, values: dict[str, Any], names: list[str], source: str) -> None:
    """Quarters, target names, sector names and weight keys of one lever."""
    prefix = f"levers.{lever.name}."
    for p in levers.params(lever):
        key, value = p.key, values[p.key]
        if p.kind is str and p.unit == "quarter" and value:
            try:
                Quarter.parse(value)
            except ValueError as exc:
                raise ScenarioError(source, key, str(exc)) from None
        elif p.kind is list:
            sector_list = key.endswith(".sectors")
            vocab = load_sectors().names.tolist() if sector_list else levers.target_vocabulary(names)
            for item in value:
                if item not in vocab:
                    what = "sector" if sector_list else "target (province, region, city or carrier group)"
                    raise ScenarioError(source, key, f"unknown {what} {item!r}; allowed: {', '.join(vocab)}")
        elif p.kind is dict:
            for item in value:
                if item not in names:
                    raise ScenarioError(
                        source, f"{key}.{item}", f"unknown province; allowed: {', '.join(names)}"
                    )
    end = values[prefix + "end"]
    if end and Quarter.parse(end) < Quarter.parse(values[prefix + "start"]):
        raise ScenarioError(source, prefix + "end", f"must not be before start ({values[prefix + 'start']})")
    problem = lever.check(levers.settings(values, lever.name)) if lever.check else None
    if problem:
        raise ScenarioError(source, prefix + problem[0], problem[1])


def _check_keys(table: dict, allowed: tuple[str, ...], where: str, source: str) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(source, where, "must be a table")
    for k in table:
        if k not in allowed:
            raise ScenarioError(source, f"{where}.{k}", f"unknown key; allowed: {', '.join(allowed)}")


def _check_start(text: str, source: str) -> None:
    try:
        q = Quarter.parse(text)
    except ValueError as exc:
        raise ScenarioError(source, "run.start", str(exc)) from None
    if q.year < EARLIEST_YEAR:
        raise ScenarioError(source, "run.start", f"must be {EARLIEST_YEAR}Q1 or later, got {text!r}")


def _number(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(source, key, f"must be a number, got {value!r}")
    return float(value)


def _check_province_overrides(table: dict, names: list[str], source: str) -> dict:
    out: dict[str, dict[str, float]] = {}
    allowed_cols = sorted(NUMERIC_DEFAULTS)
    for prov, cols in table.items():
        if prov not in names:
            raise ScenarioError(source, f"provinces.{prov}", f"unknown province; allowed: {', '.join(names)}")
        if not isinstance(cols, dict):
            raise ScenarioError(source, f"provinces.{prov}", "must be a table of column = value")
        for col, value in cols.items():
            key = f"provinces.{prov}.{col}"
            if col not in NUMERIC_DEFAULTS:
                raise ScenarioError(source, key, f"unknown column; allowed: {', '.join(allowed_cols)}")
            if col in NATIONAL_ONLY:
                raise ScenarioError(
                    source, key, f'{NATIONAL_ONLY[col]}: set it with a [[series]] whose where = "all"'
                )
            out.setdefault(prov, {})[col] = _province_value(col, value, source, key)
    return out


def _province_value(column: str, value: Any, source: str, key: str) -> float:
    """A number for a province column, within the data file's declared range."""
    v = _number(value, source, key)
    spec = SPEC_BY_NAME.get(column)
    if spec is not None:
        try:
            spec.check(v, key)
        except DataError:
            raise ScenarioError(source, key, f"expected {spec.allowed()}, got {v!r}") from None
    return v


def _check_sector_overrides(table: dict, source: str) -> dict:
    names = load_sectors().names.tolist()
    spec = {c.name: c for c in SECTOR_COLUMNS}
    out: dict[str, dict[str, float]] = {}
    for sector, cols in table.items():
        if sector not in names:
            raise ScenarioError(source, f"sectors.{sector}", f"unknown sector; allowed: {', '.join(names)}")
        if not isinstance(cols, dict):
            raise ScenarioError(source, f"sectors.{sector}", "must be a table of column = value")
        for col, value in cols.items():
            key = f"sectors.{sector}.{col}"
            if col not in SECTOR_NUMERIC:
                raise ScenarioError(source, key, f"unknown column; allowed: {', '.join(SECTOR_NUMERIC)}")
            v = _number(value, source, key)
            try:
                spec[col].check(v, key)
            except DataError:
                raise ScenarioError(source, key, f"expected {spec[col].allowed()}, got {v!r}") from None
            out.setdefault(sector, {})[col] = v
    return out


def _check_series(entry: Any, i: int, names: list[str], source: str) -> Series:
    where = f"series[{i}]"
    _check_keys(entry, ("variable", "where", "values"), where, source)
    variable = entry.get("variable")
    if variable in START_ONLY:
        raise ScenarioError(
            source,
            f"{where}.variable",
            f"{variable!r} only sets the start of a run: {START_ONLY[variable]}; set it with "
            f"[provinces.<province>] instead. Series may drive: {', '.join(SERIES_VARIABLES)}",
        )
    if variable not in SERIES_VARIABLES:
        raise ScenarioError(
            source, f"{where}.variable", f"got {variable!r}; allowed: {', '.join(SERIES_VARIABLES)}"
        )
    target = entry.get("where", "all")
    allowed_targets = ["all", "inland", "coastal", *REGIONS, *names]
    if target not in allowed_targets:
        raise ScenarioError(
            source,
            f"{where}.where",
            f"unknown province or region {target!r}; allowed: {', '.join(allowed_targets)}",
        )
    if variable in NATIONAL_ONLY and target != "all":
        raise ScenarioError(
            source, f"{where}.where", f'{NATIONAL_ONLY[variable]}: a series of {variable} needs where = "all"'
        )
    points = _time_points(
        entry.get("values"),
        where,
        source,
        lambda v, key: _province_value(variable, v, source, key),
        ("{ 2024 = 0.04, 2030Q3 = 0.03 }", "2024", "2024Q3"),
    )
    return Series(variable, target, points)


def _time_points(
    values: Any,
    where: str,
    source: str,
    value_of: Callable[[Any, str], float],
    example: tuple[str, str, str],
) -> tuple[tuple[float, float], ...]:
    """The sorted (decimal year, value) points of a series' ``values`` table (keys: years or
    quarters from EARLIEST_YEAR on; ``value_of(value, key)`` checks each value); ``example`` is
    (a table, a year, a quarter) for the messages."""
    if not isinstance(values, dict) or not values:
        raise ScenarioError(source, f"{where}.values", f"must be a table like {example[0]}")
    points = []
    for k, v in values.items():
        key = f"{where}.values.{k}"
        try:
            t = time_key(k)
        except ValueError:
            raise ScenarioError(
                source, key, f"keys must be years ({example[1]}) or quarters ({example[2]})"
            ) from None
        if t < EARLIEST_YEAR:
            raise ScenarioError(source, key, f"must be {EARLIEST_YEAR} or later")
        points.append((t, value_of(v, key)))
    return tuple(sorted(points))


def _check_overlaps(series: tuple[Series, ...], world_of: Callable[[], World], source: str) -> None:
    """Refuse two series that set the same variable in a common province (the value in force would
    depend on their order in the file); ``where`` is resolved in the run's world (``world_of``)."""
    by_variable: dict[str, list[int]] = {}
    for i, s in enumerate(series):
        by_variable.setdefault(s.variable, []).append(i)
    groups = [idx for idx in by_variable.values() if len(idx) > 1]
    if not groups:
        return
    world = world_of()
    for idx in groups:
        masks = {i: world.targets(series[i].where) for i in idx}
        for a, i in enumerate(idx):
            for j in idx[a + 1 :]:
                shared = world.names[masks[i] & masks[j]].tolist()
                if shared:
                    raise ScenarioError(source, f"series[{j}].where", _overlap_message(series, i, j, shared))


def _overlap_message(series: tuple[Series, ...], i: int, j: int, shared: list[str]) -> str:
    a, b = series[i], series[j]
    return (
        f"series[{i}] (where = {a.where!r}) and series[{j}] (where = {b.where!r}) both set "
        f"{a.variable!r} in {', '.join(shared)}; the value in force would depend on their order in the "
        "file. Give each province at most one series per variable: for a regional path with a "
        "province of its own, write the region's other provinces as separate series (one `where` "
        "each) so that no two `where` share a province"
    )


def _check_freight_series(entries: Any, source: str) -> tuple[FreightSeries, ...]:
    """Validate ``[[freight_series]]``: a variable of ``FREIGHT_SERIES_VARIABLES``; for the
    (mode, market) ones a mode of ``logistics.MODES`` and a market of ``sectors.MARKETS`` or "all"
    with the mode in service there (freight.csv); for the ``logistics.*`` ones neither; values
    within the declared range (``logistics.MARKET_SERIES``, ``parameters``). Two entries that set
    one variable of one mode and market are refused (:func:`_check_freight_overlaps`)."""
    if not isinstance(entries, list):
        raise ScenarioError(source, "freight_series", "must be an array of tables ([[freight_series]])")
    out = tuple(_check_freight_entry(e, i, source) for i, e in enumerate(entries))
    _check_freight_overlaps(out, source)
    return out


def _check_freight_entry(entry: Any, i: int, source: str) -> FreightSeries:
    where = f"freight_series[{i}]"
    _check_keys(entry, ("variable", "mode", "market", "values"), where, source)
    variable = entry.get("variable")
    if variable not in FREIGHT_SERIES_VARIABLES:
        raise ScenarioError(
            source, f"{where}.variable", f"got {variable!r}; allowed: {', '.join(FREIGHT_SERIES_VARIABLES)}"
        )
    if variable in logistics.MARKET_SERIES:
        spec = logistics.MARKET_SERIES[variable]
        mode, market = entry.get("mode"), entry.get("market", "all")
        if mode not in logistics.MODES:
            raise ScenarioError(
                source, f"{where}.mode", f"got {mode!r}; allowed: {', '.join(logistics.MODES)}"
            )
        allowed_markets = (*MARKETS, "all")
        if market not in allowed_markets:
            raise ScenarioError(
                source, f"{where}.market", f"got {market!r}; allowed: {', '.join(allowed_markets)}"
            )
        served = [
            k
            for k, ok in zip(
                MARKETS, np.isfinite(_freight_table().money[logistics.MODES.index(mode)]), strict=True
            )
            if ok
        ]
        if market != "all" and market not in served:
            raise ScenarioError(
                source,
                f"{where}.market",
                f"there is no {mode} service to {market} (simulation/data/freight.csv); {mode} serves: "
                f"{', '.join(served)}",
            )
    else:
        spec = parameters.BY_KEY[f"logistics.{variable}"]
        for key in ("mode", "market"):
            if key in entry:
                raise ScenarioError(
                    source,
                    f"{where}.{key}",
                    f"{variable!r} is a national parameter (logistics.{variable}): no mode or market; "
                    f"mode and market go with {', '.join(logistics.MARKET_SERIES)}",
                )
        mode = market = None

    def value_of(v: Any, key: str) -> float:
        try:
            return float(spec.check(v))
        except ValueError as exc:
            raise ScenarioError(source, key, f"{variable} {exc}") from None

    points = _time_points(
        entry.get("values"), where, source, value_of, ("{ 2021 = 3.5, 2023Q2 = 1.0 }", "2021", "2021Q3")
    )
    return FreightSeries(variable, mode, market, points)


@functools.cache
def _freight_table() -> logistics.FreightTable:
    """The freight table (which modes serve which markets), read once."""
    return logistics.load_freight()


def _check_freight_overlaps(entries: tuple[FreightSeries, ...], source: str) -> None:
    """Refuse two freight series that set one variable of one mode to one market (a market and
    "all" share every market; a parameter has no mode or market, so two of it always overlap):
    the value in force would depend on their order in the file."""
    for j, b in enumerate(entries):
        for i, a in enumerate(entries[:j]):
            if a.variable != b.variable or a.mode != b.mode:
                continue
            if a.mode is None:
                what = f"logistics.{a.variable}"
            elif "all" in (a.market, b.market) or a.market == b.market:
                shared = b.market if a.market == "all" else a.market
                what = f"{a.variable!r} of {a.mode} to {'every market' if shared == 'all' else shared}"
            else:
                continue
            raise ScenarioError(
                source,
                f"freight_series[{j}]",
                f"freight_series[{i}] ({_describe(a)}) and freight_series[{j}] ({_describe(b)}) both set "
                f"{what}; the value in force would depend on their order in the file. Give each "
                "mode and market at most one series per variable: put every change of one path in "
                "one entry's values, and write a market's exception to an \"all\" series as series "
                "for the other markets",
            )


def _describe(f: FreightSeries) -> str:
    if f.mode is None:
        return f"variable = {f.variable!r}"
    return f"variable = {f.variable!r}, mode = {f.mode!r}, market = {f.market!r}"


def _check_world(world: Any, source: str) -> dict | None:
    if world is None:
        return None
    _check_keys(world, ("name", "provinces", "distance_km", "freeness"), "world", source)
    rows = world.get("provinces")
    if not isinstance(rows, list) or len(rows) < 2:
        raise ScenarioError(source, "world.provinces", "must list at least two provinces")
    seen = set()
    for i, row in enumerate(rows):
        _check_keys(row, WORLD_PROVINCE_KEYS, f"world.provinces[{i}]", source)
        name = row.get("province")
        if not isinstance(name, str) or not name or name in seen:
            raise ScenarioError(source, f"world.provinces[{i}].province", "must be a unique non-empty name")
        seen.add(name)
        if row.get("region", "east") not in REGIONS:
            raise ScenarioError(source, f"world.provinces[{i}].region", f"allowed: {', '.join(REGIONS)}")
        for k, v in row.items():
            if k in ("lat", "lon"):  # a teaching world need not lie in China
                _number(v, source, f"world.provinces[{i}].{k}")
            elif k not in ("province", "region"):
                _province_value(k, v, source, f"world.provinces[{i}].{k}")
    n = len(rows)
    for key in ("distance_km", "freeness"):
        if key in world:
            m = world[key]
            if not (
                isinstance(m, list) and len(m) == n and all(isinstance(r, list) and len(r) == n for r in m)
            ):
                raise ScenarioError(source, f"world.{key}", f"must be a {n}x{n} matrix (list of lists)")
            for r in m:
                for v in r:
                    if _number(v, source, f"world.{key}") < 0:
                        raise ScenarioError(source, f"world.{key}", "entries must be >= 0")
    return copy.deepcopy(world)


# --- the world and sectors a scenario describes ----------------------------------------------------


def resolve(scenario: Scenario | str | Path | None) -> Scenario:
    """A validated scenario from a scenario, a file path, or None (the defaults)."""
    if scenario is None:
        return from_dict({}, "<defaults>")
    if isinstance(scenario, Scenario):
        return scenario
    return load(scenario)


def build_world(sc: Scenario) -> World:
    """The scenario's world with its province overrides applied."""
    return _world_of(sc.world, sc.provinces, sc.source)


def _world_of(spec: dict | None, provinces: dict[str, dict[str, float]], source: str) -> World:
    """China or the custom ``[world]`` ``spec``, with the province overrides applied."""
    world = custom_world(spec, source) if spec else load_china()
    for prov, cols in provinces.items():
        r = world.index(prov)
        for col, value in cols.items():
            world.columns[col][r] = value
    return world


def build_sectors(sc: Scenario) -> Sectors:
    """The sector table with the scenario's overrides applied and re-checked."""
    sectors = load_sectors()
    for name, cols in sc.sectors.items():
        s = sectors.index(name)
        for col, value in cols.items():
            sectors.columns[col][s] = value
    if sc.sectors:
        check_sectors(sectors, sc.source)
    return sectors
