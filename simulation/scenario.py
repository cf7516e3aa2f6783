"""Scenario files: TOML, one schema, validated in one place.

A scenario sets any parameter of :mod:`simulation.parameters` in its section, overrides province
and sector data (``[provinces.Henan]``, ``[sectors.electronics]``), drives province inputs by yearly
or quarterly series (``[[series]]``), national freight rates, days and logistics parameters by
series too (``[[freight_series]]``), and may define a small world of its own (``[world]``).
``[scenario] extends = "baseline.toml"`` starts from another file. Every error names the file, the
key and what is allowed; validation reports every problem of a file at once, with the nearest
allowed name for a misspelt one, and blames a value on the file of the ``extends`` chain that set it.
NaN and infinities are refused everywhere, and the rules a run relies on across keys (destination
and employment shares, time-of-use hours) are checked here, not left to the run.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import difflib
import functools
import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Iterable, Iterator
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
from simulation.tables import Column, DataError
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
    """A scenario file or override is invalid; the message names file, key and what is allowed.

    Validation reports every problem of a file at once: :meth:`combine` joins several into one error
    whose ``problems`` lists them (``source`` and ``key`` are the first one's)."""

    def __init__(self, source: str, key: str, message: str):
        super().__init__(f"{source}: key '{key}': {message}")
        self.source, self.key, self.message = source, key, message

    @property
    def problems(self) -> tuple[ScenarioError, ...]:
        """Every problem this error reports (itself alone unless combined)."""
        return getattr(self, "_problems", (self,))

    @classmethod
    def combine(cls, problems: list[ScenarioError]) -> ScenarioError:
        """One error reporting every one of ``problems`` (the first alone if there is one)."""
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        err = cls(first.source, first.key, first.message)
        lines = "\n".join(f"  {p}" for p in problems)
        ValueError.__init__(err, f"{first.source}: {len(problems)} problems:\n{lines}")
        err._problems = tuple(problems)
        return err


#: A scenario file is small text; a bigger file is refused unread (``validate /dev/zero``), bytes.
MAX_FILE_BYTES = 1 << 20
#: Longest ``extends`` chain (files, the first included).
MAX_EXTENDS_DEPTH = 16
#: Deepest nesting of tables and arrays in a scenario (``world.distance_km[i][j]`` is 3 below the
#: top); deeper input is refused before anything recurses into it.
MAX_NESTING = 8


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
        problems = _Problems(source)
        for key, value in assignments.items():
            with problems.check():
                _assign(raw, key, value, source)
        validated = None
        with problems.check():  # the assignments that could be made, checked with the rest
            validated = _validate(raw, source)
        problems.raise_any()
        _check_disabled_doses(validated, assignments, source)
        return dataclasses.replace(validated, source=self.source)


def _check_disabled_doses(sc: Scenario, assignments: dict[str, Any], source: str) -> None:
    """An override of a lever's dose (any key but ``enabled``) while the lever stays disabled would be
    ignored: an error naming the lever, unless the same assignments set its ``enabled`` themselves
    (an explicit switch-off, as the EMA zero-dose run and a sweep's no-policy arm do)."""
    for key in assignments:
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "levers" or parts[2] == "enabled":
            continue
        switch = f"levers.{parts[1]}.enabled"
        if switch in sc.params and not sc.params[switch] and switch not in assignments:
            raise ScenarioError(
                source,
                key,
                f"lever {parts[1]!r} is disabled in this scenario, so this value would be ignored; "
                f"enable it ({switch}=true) or set a scenario in which it is enabled",
            )


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``) and validate a scenario file; a value is blamed on the file of the
    chain that set it."""
    raw, origin = _read_merged(Path(path))
    scenario = _validate(raw, str(path), origin)
    return scenario.with_overrides(overrides, "--set") if overrides else scenario


def from_dict(raw: dict, source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a nested dict (same layout as the TOML file)."""
    if isinstance(raw, dict) and _nesting(raw) > MAX_NESTING:
        raise ScenarioError(source, "-", _TOO_DEEP)
    return _validate(copy.deepcopy(raw), source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else a string."""
    if "=" not in text or not text.partition("=")[0].strip():
        raise ScenarioError("--set", text, "expected key=value, e.g. behaviour.logit_scale=0.03")
    key, _, value = text.partition("=")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise ScenarioError("--set", key.strip(), _TOO_DEEP) from None
    if isinstance(parsed, (dict, list)) and _nesting(parsed) > MAX_NESTING:
        raise ScenarioError("--set", key.strip(), _TOO_DEEP)
    return key.strip(), parsed


# --- reading files -----------------------------------------------------------------------------

_TOO_DEEP = f"tables and arrays nested more than {MAX_NESTING} deep; a scenario needs at most 4"
_LIST_SECTIONS = ("series", "freight_series")


def _read_merged(path: Path) -> tuple[dict, dict[str, str]]:
    """The merged raw form of ``path`` and its ``extends`` chain (the file's values over its
    parent's; series accumulate), and which file set each key (dotted path -> file)."""
    chain = _read_chain(path)
    raw: dict = {}
    origin: dict[str, str] = {}
    for i, (file, data) in enumerate(reversed(chain)):
        if i:  # a parent's name and description do not pass to its child
            raw.get("scenario", {}).pop("name", None)
            raw.get("scenario", {}).pop("description", None)
        offsets = {k: len(raw.get(k, [])) for k in _LIST_SECTIONS}
        _record(data, "", file, origin, offsets)
        raw = _deep_merge(raw, data)
    raw.get("scenario", {}).pop("extends", None)
    return raw, origin


def _read_chain(path: Path) -> list[tuple[str, dict]]:
    """``[(file, raw), ...]`` from ``path`` up its ``extends`` chain (at most MAX_EXTENDS_DEPTH
    files, no file twice); a parent that cannot be read is reported on the file that names it."""
    chain = [(str(path), _read_file(path, None))]
    seen = [path.resolve()]
    while True:
        name, data = chain[-1]
        parent = data.get("scenario", {}).get("extends")
        if parent is None:
            return chain
        target = (Path(name).parent / parent).resolve()
        if target in seen:
            names = " -> ".join(str(p) for p in [*seen, target])
            raise ScenarioError(name, "scenario.extends", f"circular 'extends' chain: {names}")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            shown = [c for c, _ in chain]
            names = " -> ".join(shown if len(shown) <= 6 else [*shown[:3], "...", *shown[-2:]])
            raise ScenarioError(
                name,
                "scenario.extends",
                f"'extends' chain longer than {MAX_EXTENDS_DEPTH} files ({names} -> {parent}); "
                "a scenario extends a few files at most",
            )
        chain.append((str(target), _read_file(target, (name, str(parent)))))
        seen.append(target)


def _read_file(path: Path, named_by: tuple[str, str] | None) -> dict:
    """The parsed TOML of ``path``, shape-checked; ``named_by`` = (child file, its ``extends``
    text) when ``path`` is a parent, so that an unreadable parent is reported on its child."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        if named_by is not None:
            child, text = named_by
            raise ScenarioError(
                child, "scenario.extends", f"cannot read file {text!r} (tried {path}: {why})"
            ) from None
        raise ScenarioError(str(path), "-", f"cannot read file ({why})") from None
    by = "" if named_by is None else f" (extended by {named_by[0]})"
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(str(path), "-", f"larger than {MAX_FILE_BYTES} bytes: not a scenario file{by}")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), "-", f"not UTF-8 text (byte {exc.start}){by}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "-", f"not valid TOML ({exc}){by}") from None
    except RecursionError:
        raise ScenarioError(str(path), "-", _TOO_DEEP + by) from None
    if _nesting(raw) > MAX_NESTING:
        raise ScenarioError(str(path), "-", _TOO_DEEP + by)
    shape = _shape_problems(raw, str(path))
    if shape:
        raise ScenarioError.combine(shape)
    return raw


def _nesting(node: dict | list) -> int:
    """How deep tables and arrays nest in ``node`` (1 = flat), counted without recursion and only
    up to just past MAX_NESTING."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            return depth
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def _shape_problems(raw: dict, source: str) -> list[ScenarioError]:
    """Top-level sections of the wrong type (merging and every check below rely on them)."""
    found = []
    for key, value in raw.items():
        if key in _LIST_SECTIONS:
            if not isinstance(value, list):
                found.append(ScenarioError(source, key, f"must be an array of tables ([[{key}]])"))
        elif key in TOP_LEVEL and not isinstance(value, dict):
            found.append(ScenarioError(source, key, f"must be a table ([{key}]), got {value!r}"))
    meta = raw.get("scenario")
    if isinstance(meta, dict) and "extends" in meta and not isinstance(meta["extends"], str):
        found.append(ScenarioError(source, "scenario.extends", "must be a file name (string)"))
    return found


def _record(node: dict, prefix: str, source: str, origin: dict[str, str], offsets: dict[str, int]) -> None:
    """Note ``source`` in ``origin`` for every table and value of ``node`` (``series[i]`` numbered
    as in the merged list, which appends this file's entries after ``offsets`` of its parents')."""
    for key, value in node.items():
        path = f"{prefix}{key}"
        if not prefix and key in _LIST_SECTIONS:
            for i in range(len(value)):
                origin[f"{key}[{offsets[key] + i}]"] = source
            continue
        origin[path] = source
        if isinstance(value, dict):
            _record(value, path + ".", source, origin, offsets)


def _blame(origin: dict[str, str], key: str, default: str) -> str:
    """The file that set ``key`` or the nearest table above it; ``default`` if none did."""
    while key:
        if key in origin:
            return origin[key]
        cut = max(key.rfind("."), key.rfind("["))
        if cut <= 0:
            break
        key = key[:cut]
    return default


def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if key in _LIST_SECTIONS:  # series accumulate
            out[key] = list(out.get(key, [])) + copy.deepcopy(list(value))
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
    """Set dotted ``key`` to ``value`` in the raw form (``--set``, sweep overrides)."""
    parts = key.split(".")
    if len(parts) >= 2 and all(parts) and parts[0] not in TOP_LEVEL:
        raise ScenarioError(source, key, _unknown("section", parts[0], TOP_LEVEL, show=True))
    if (
        not 2 <= len(parts) <= 4
        or not all(parts)
        or parts[0] not in TOP_LEVEL
        or parts[0] in (*_LIST_SECTIONS, "world")
    ):
        raise ScenarioError(
            source,
            key,
            "expected section.name (e.g. behaviour.logit_scale), "
            "provinces.<province>.<column>, sectors.<sector>.<column> or levers.<lever>.<key>",
        )
    if parts[:2] == ["scenario", "extends"]:
        raise ScenarioError(
            source,
            key,
            "a scenario's parent is read only from a file: write one with [scenario] extends = "
            '"<file>" and these settings, and load that',
        )
    node = raw
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            above = ".".join(parts[: i + 1])
            raise ScenarioError(
                source, key, f"'{above}' is a value ({child!r}), not a table: nothing to set in it"
            )
        node = child
    node[parts[-1]] = value


class _Problems:
    """The problems one validation finds, each blamed on the file of the chain that set its key."""

    def __init__(self, source: str, origin: dict[str, str] | None = None):
        self.source, self.origin = source, origin or {}
        self.found: list[ScenarioError] = []

    def add(self, err: ScenarioError) -> None:
        for p in err.problems:
            blamed = _blame(self.origin, p.key, p.source) if p.source == self.source else p.source
            self.found.append(p if blamed == p.source else ScenarioError(blamed, p.key, p.message))

    @contextlib.contextmanager
    def check(self) -> Iterator[None]:
        """Record a :class:`ScenarioError` raised in the block and go on with the next check."""
        try:
            yield
        except ScenarioError as exc:
            self.add(exc)

    def raise_any(self) -> None:
        if self.found:
            raise ScenarioError.combine(self.found)


def _unknown(what: str, got: Any, allowed: Iterable[str], scope: str = "", show: bool = False) -> str:
    """``unknown <what>`` (with ``got`` if ``show``: when the key does not name it), the nearest
    allowed name if one is close, and the allowed names (``allowed<scope>: ...``)."""
    allowed = [str(a) for a in allowed]
    by_lower = {a.lower(): a for a in allowed}
    close = difflib.get_close_matches(str(got).lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f" (did you mean {by_lower[close[0]]!r}?)" if close else ""
    return f"unknown {what}{f' {got!r}' if show else ''}{hint}; allowed{scope}: {', '.join(allowed)}"


def _validate(raw: dict, source: str, origin: dict[str, str] | None = None) -> Scenario:
    """Check every part of ``raw`` and report every problem at once (``origin``: which file of an
    ``extends`` chain set each key, so each problem names its own file)."""
    problems = _Problems(source, origin)
    if not isinstance(raw, dict):
        raise ScenarioError(source, "-", f"a scenario is a table of sections, got {raw!r}")
    raw = dict(raw)
    for err in _shape_problems(raw, source):
        problems.add(err)
        raw.pop(err.key.split(".")[0])
    for key in raw:
        if key not in TOP_LEVEL:
            problems.add(ScenarioError(source, str(key), _unknown("section", key, TOP_LEVEL)))
    meta = raw.get("scenario", {})
    with problems.check():
        _check_meta(meta, source)
    params = _check_params(raw, source, problems)
    with problems.check():
        _check_param_rules(params, source)
    if not any(p.key == "run.start" for p in problems.found):
        with problems.check():
            _check_start(params["run.start"], source)
    world = None
    with problems.check():
        world = _check_world(raw.get("world"), source)
    if world is None and "world" in raw:  # a broken world: its provinces are unknown
        problems.raise_any()
    names = [r["province"] for r in world["provinces"]] if world else load_china().names.tolist()
    with problems.check():
        _check_abroad_reference(params, names, source)
    params.update(_check_levers(raw.get("levers", {}), names, source, problems))
    before = len(problems.found)
    provinces = _check_province_overrides(raw.get("provinces", {}), names, source, problems)
    sectors = _check_sector_overrides(raw.get("sectors", {}), source, problems)
    series = []
    for i, entry in enumerate(raw.get("series", [])):
        with problems.check():
            series.append(_check_series(entry, i, names, source))
    if len(problems.found) == before:  # overlaps number the series: only when every one is valid
        with problems.check():
            _check_overlaps(tuple(series), lambda: _world_of(world, provinces, source), source)
            _check_tou_hours(world, provinces, source)
    freight_series = ()
    with problems.check():
        freight_series = _check_freight_series(raw.get("freight_series", []), source, problems)
    problems.raise_any()
    return Scenario(
        meta.get("name", Path(source).stem),
        meta.get("description", ""),
        source,
        params,
        provinces,
        sectors,
        tuple(series),
        world,
        freight_series,
    )


def _check_abroad_reference(params: dict[str, Any], names: list[str], source: str) -> None:
    """The places abroad are priced against ``abroad.reference_province``, so with them on it must
    be a province of the run's world (a small ``[world]`` usually has none of China's)."""
    ref = str(params["abroad.reference_province"])
    if params["abroad.enabled"] and ref not in names:
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        raise ScenarioError(
            source,
            "abroad.reference_province",
            f"{ref!r} is not a province of this world ({shown}): set abroad.enabled = false (a small "
            "[world] has no places abroad) or name one of its provinces",
        )


def _check_meta(meta: dict, source: str) -> None:
    """``[scenario]``: a plain name (it names the results folder) and a description."""
    _check_keys(meta, ("name", "description", "extends"), "scenario", source)
    if "extends" in meta:  # a loaded file's chain is resolved before this check
        raise ScenarioError(
            source,
            "scenario.extends",
            "a parent is read only when a scenario file is loaded, not from a table",
        )
    for key in ("name", "description"):
        if key in meta and not isinstance(meta[key], str):
            raise ScenarioError(source, f"scenario.{key}", f"must be a string, got {meta[key]!r}")
    name = meta.get("name")
    if name is not None and (
        not name.strip()
        or len(name) > 120
        or name.startswith(".")
        or any(c in name for c in "/\\")
        or not name.isprintable()
    ):
        raise ScenarioError(
            source,
            "scenario.name",
            f"got {name!r}: a name names the results folder, so it must be 1-120 printable characters "
            'without / or \\ and not start with "."',
        )


def _check_params(raw: dict, source: str, problems: _Problems) -> dict[str, Any]:
    """Every ``[section] name = value`` of the scalar parameters, over their defaults."""
    params = parameters.defaults()
    for section in parameters.SECTIONS:
        for name, value in raw.get(section, {}).items():
            key = f"{section}.{name}"
            spec = parameters.BY_KEY.get(key)
            with problems.check():
                if spec is None:
                    allowed = [
                        p.key.split(".")[1] for p in parameters.PARAMS if p.key.startswith(section + ".")
                    ]
                    raise ScenarioError(source, key, _unknown("parameter", name, allowed, f" in [{section}]"))
                try:
                    params[key] = spec.check(value)
                except ValueError as exc:
                    raise ScenarioError(source, key, str(exc)) from None
    return params


#: Smallest positive discount rate: below it, 1 + r rounds to 1 in decision.annuity (1/year).
MIN_POSITIVE_DISCOUNT_RATE = 1e-6
#: Smallest logit scale: margins (yuan per yuan) over a smaller mu overflow the utilities.
MIN_LOGIT_SCALE = 1e-6


def _check_param_rules(params: dict[str, Any], source: str) -> None:
    """Floors a declared range (open at 0) cannot say, found by scripts/fuzz_scenarios.py: a
    discount rate of 0 (annuity 1/horizon) or one large enough for the annuity factor
    r / (1 - (1 + r)^-horizon) to be computed, and a logit scale the utilities do not overflow at."""
    r = params["behaviour.discount_rate"]
    if 0 < r < MIN_POSITIVE_DISCOUNT_RATE:
        raise ScenarioError(
            source,
            "behaviour.discount_rate",
            f"must be 0 or at least {MIN_POSITIVE_DISCOUNT_RATE:g} per year, got {r!r}: a smaller rate "
            "rounds 1 + r to 1 in the annuity factor (a division by zero)",
        )
    mu = params["behaviour.logit_scale"]
    if 0 < mu < MIN_LOGIT_SCALE:
        raise ScenarioError(
            source,
            "behaviour.logit_scale",
            f"must be at least {MIN_LOGIT_SCALE:g}, got {mu!r}: margins over a smaller scale overflow",
        )


def _check_levers(table: dict, names: list[str], source: str, problems: _Problems) -> dict[str, Any]:
    """Lever settings: known levers and keys, valid values, targets that exist in this world."""
    values = levers.defaults()
    for name, settings in table.items():
        lever = levers.BY_NAME.get(name)
        if lever is None:
            problems.add(ScenarioError(source, f"levers.{name}", _unknown("lever", name, levers.BY_NAME)))
            continue
        if not isinstance(settings, dict):
            problems.add(ScenarioError(source, f"levers.{name}", f"must be a table ([levers.{name}])"))
            continue
        allowed = [p.key.rsplit(".", 1)[1] for p in levers.params(lever)]
        for k, value in settings.items():
            key = f"levers.{name}.{k}"
            with problems.check():
                if k not in allowed:
                    raise ScenarioError(source, key, _unknown("key", k, allowed, f" in [levers.{name}]"))
                try:
                    values[key] = levers.PARAM_BY_KEY[key].check(_bare_year(k, value))
                except ValueError as exc:
                    raise ScenarioError(source, key, str(exc)) from None
    for lever in levers.LEVERS:  # defaults of untouched levers need not fit a custom world
        touched = isinstance(table.get(lever.name), dict)
        if touched or values[f"levers.{lever.name}.enabled"]:
            if any(p.key.startswith(f"levers.{lever.name}.") for p in problems.found):
                continue  # a value is wrong: the checks across its values would only repeat it
            with problems.check():
                _check_lever_names(lever, values, names, source, problems)
    return values


def _bare_year(key: str, value: Any) -> Any:
    """A lever's ``start`` may be a bare year (``2025`` or ``"2025"``): its first quarter, as in a
    series' keys."""
    if key == "start" and not isinstance(value, bool):
        if isinstance(value, int) and EARLIEST_YEAR <= value <= 9999:
            return f"{value}Q1"
        if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) == 4:
            return f"{value.strip()}Q1"
    return value


def _check_lever_names(
    lever, values: dict[str, Any], names: list[str], source: str, problems: _Problems
) -> None:
    """Quarters, target names, sector names and weight keys of one lever."""
    prefix = f"levers.{lever.name}."
    before = len(problems.found)
    for p in levers.params(lever):
        key, value = p.key, values[p.key]
        with problems.check():
            if p.kind is str and p.unit == "quarter":
                _check_lever_quarter(key, value, source)
            elif p.kind is list:
                sector_list = key.endswith(".sectors")
                vocab = load_sectors().names.tolist() if sector_list else levers.target_vocabulary(names)
                what = "sector" if sector_list else "target (province, region, city or carrier group)"
                for item in value:
                    if item not in vocab:
                        raise ScenarioError(source, key, _unknown(what, item, vocab, show=True))
            elif p.kind is dict:
                for item in value:
                    if item not in names:
                        raise ScenarioError(source, f"{key}.{item}", _unknown("province", item, names))
    if len(problems.found) > before:
        return
    end = values[prefix + "end"]
    if end and Quarter.parse(end) < Quarter.parse(values[prefix + "start"]):
        raise ScenarioError(source, prefix + "end", f"must not be before start ({values[prefix + 'start']})")
    problem = lever.check(levers.settings(values, lever.name)) if lever.check else None
    if problem:
        raise ScenarioError(source, prefix + problem[0], problem[1])


def _check_lever_quarter(key: str, value: str, source: str) -> None:
    """A lever's ``start`` is a quarter (or a bare year, read as its first quarter); its ``end`` a
    quarter or "" (no end)."""
    is_start = key.endswith(".start")
    if not value and not is_start:
        return
    try:
        q = Quarter.parse(value)
    except ValueError:
        allowed = (
            "a quarter like '2025Q1' or a year like 2025 (its first quarter)"
            if is_start
            else "a quarter like '2027Q4' (the last quarter in which the lever acts) or \"\" (no end)"
        )
        raise ScenarioError(source, key, f"must be {allowed}, got {value!r}") from None
    if q.year < EARLIEST_YEAR:
        raise ScenarioError(source, key, f"must be {EARLIEST_YEAR}Q1 or later, got {value!r}")


def _check_keys(table: Any, allowed: tuple[str, ...], where: str, source: str) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(source, where, f"must be a table, got {table!r}")
    for k in table:
        if k not in allowed:
            raise ScenarioError(source, f"{where}.{k}", _unknown("key", k, allowed))


def _check_start(text: str, source: str) -> None:
    try:
        q = Quarter.parse(text)
    except ValueError as exc:
        raise ScenarioError(source, "run.start", str(exc)) from None
    if q.year < EARLIEST_YEAR:
        raise ScenarioError(source, "run.start", f"must be {EARLIEST_YEAR}Q1 or later, got {text!r}")


def _number(value: Any, source: str, key: str, spec: Column | None = None) -> float:
    """``value`` as a finite float within ``spec``'s range if given (NaN and infinities are refused
    everywhere; the message then says the allowed range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(source, key, f"must be a number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an integer beyond the floats
        v = math.inf
    if spec is not None:
        try:
            spec.check(v, key)
        except DataError:
            raise ScenarioError(source, key, f"expected {spec.allowed()}, got {value!r}") from None
    elif not math.isfinite(v):
        raise ScenarioError(source, key, f"must be a finite number, got {value!r}")
    return v


def _check_province_overrides(table: dict, names: list[str], source: str, problems: _Problems) -> dict:
    out: dict[str, dict[str, float]] = {}
    allowed_cols = sorted(NUMERIC_DEFAULTS)
    for prov, col, value, key in _override_cells(table, names, "provinces", "province", source, problems):
        with problems.check():
            if col not in NUMERIC_DEFAULTS:
                raise ScenarioError(source, key, _unknown("column", col, allowed_cols))
            if col in NATIONAL_ONLY:
                raise ScenarioError(
                    source, key, f'{NATIONAL_ONLY[col]}: set it with a [[series]] whose where = "all"'
                )
            out.setdefault(prov, {})[col] = _province_value(col, value, source, key)
    return out


def _override_cells(
    table: dict, names: list[str], section: str, kind: str, source: str, problems: _Problems
) -> Iterator[tuple[str, str, Any, str]]:
    """(row, column, value, key) of each cell of an override table ``[section.row]``: a row that is
    not one of ``names`` (a ``kind``) or not a table is recorded in ``problems`` and skipped."""
    for row, cols in table.items():
        with problems.check():
            if row not in names:
                raise ScenarioError(source, f"{section}.{row}", _unknown(kind, row, names))
            if not isinstance(cols, dict):
                raise ScenarioError(source, f"{section}.{row}", "must be a table of column = value")
        if row not in names or not isinstance(cols, dict):
            continue
        for col, value in cols.items():
            yield row, col, value, f"{section}.{row}.{col}"


def _province_value(column: str, value: Any, source: str, key: str) -> float:
    """A number for a province column, within its declared range (geography.SPEC_BY_NAME)."""
    return _number(value, source, key, SPEC_BY_NAME.get(column))


TOU_HOURS = ("tou_peak_hours", "tou_flat_hours", "tou_valley_hours", "tou_critical_hours")


def _check_tou_hours(world: dict | None, provinces: dict[str, dict[str, float]], source: str) -> None:
    """The rule of provinces.csv, kept by overrides and ``[world]`` rows: peak + flat + valley hours
    make 24, critical hours lie within the peak. (Series may still move one of them alone.)"""
    rows = world["provinces"] if world else []
    if not any(c in TOU_HOURS for cols in [*provinces.values(), *rows] for c in cols):
        return
    w = _world_of(world, provinces, source)

    def start_key(r: int) -> str:
        name = str(w.names[r])
        if any(c in TOU_HOURS for c in provinces.get(name, {})):
            col = next(c for c in provinces[name] if c in TOU_HOURS)
            return f"provinces.{name}.{col}"
        return f"world.provinces[{r}].{next((c for c in rows[r] if c in TOU_HOURS), 'tou_peak_hours')}"

    _tou_rule({v: w.columns[v] for v in TOU_HOURS}, w, "with the overrides", start_key, source)


def _tou_rule(
    cols: dict[str, np.ndarray], w: World, when: str, key_of: Callable[[int], str], source: str
) -> None:
    """Raise for the first province whose hours ``cols`` break the time-of-use rule."""
    peak, flat, valley, critical = (cols[v] for v in TOU_HOURS)
    total = peak + flat + valley
    for r in np.flatnonzero((np.abs(total - 24) > 1e-6) | (critical > peak + 1e-9)):
        if abs(total[r] - 24) > 1e-6:
            what = (
                f"tou_peak_hours + tou_flat_hours + tou_valley_hours must make 24 h a day; {when} they are "
                f"{peak[r]:g} + {flat[r]:g} + {valley[r]:g} = {total[r]:g} in {w.names[r]}"
            )
        else:
            what = (
                f"tou_critical_hours ({critical[r]:g}) must not exceed tou_peak_hours ({peak[r]:g}) in "
                f"{w.names[r]} {when}"
            )
        raise ScenarioError(source, key_of(int(r)), what)


def _check_sector_overrides(table: dict, source: str, problems: _Problems) -> dict:
    sectors = load_sectors()
    names = sectors.names.tolist()
    spec = {c.name: c for c in SECTOR_COLUMNS}
    out: dict[str, dict[str, float]] = {}
    before = len(problems.found)
    for sector, col, value, key in _override_cells(table, names, "sectors", "sector", source, problems):
        with problems.check():
            if col not in SECTOR_NUMERIC:
                raise ScenarioError(source, key, _unknown("column", col, SECTOR_NUMERIC))
            out.setdefault(sector, {})[col] = _number(value, source, key, spec[col])
    if out and len(problems.found) == before:
        _check_sector_sums(sectors, out, source, problems)
    return out


def _check_sector_sums(
    sectors: Sectors, overrides: dict[str, dict[str, float]], source: str, problems: _Problems
) -> None:
    """The rules of sectors.csv after overrides (sectors.check_sectors): each sector's destination
    shares make 1, and the sectors' employment shares make 1."""
    for name, cols in overrides.items():
        for col, value in cols.items():
            sectors.columns[col][sectors.index(name)] = value
    dest_cols = [f"dest_{m}" for m in MARKETS]
    for name, cols in overrides.items():
        touched = [c for c in dest_cols if c in cols]
        if not touched:
            continue
        s = sectors.index(name)
        shares = [float(sectors.columns[c][s]) for c in dest_cols]
        if abs(sum(shares) - 1) > 1e-3:
            terms = " + ".join(f"{c} {v:g}" for c, v in zip(dest_cols, shares, strict=True))
            problems.add(
                ScenarioError(
                    source,
                    f"sectors.{name}.{touched[0]}",
                    f"a sector's destination shares must sum to 1 (within 0.001); with the overrides "
                    f"{terms} = {sum(shares):g}: change the others with it",
                )
            )
    touched = [n for n, cols in overrides.items() if "employment_share" in cols]
    total = float(sectors.columns["employment_share"].sum())
    if touched and abs(total - 1) > 1e-3:
        problems.add(
            ScenarioError(
                source,
                f"sectors.{touched[0]}.employment_share",
                f"the sectors' employment shares must sum to 1 (within 0.001); with the overrides they "
                f"sum to {total:g}: change the other sectors' shares with it",
            )
        )


def _check_series(entry: Any, i: int, names: list[str], source: str) -> Series:
    where = f"series[{i}]"
    _check_keys(entry, ("variable", "where", "values"), where, source)
    variable = entry.get("variable")
    if not isinstance(variable, str):
        raise ScenarioError(
            source,
            f"{where}.variable",
            f"must be a column name, got {variable!r}; allowed: {', '.join(SERIES_VARIABLES)}",
        )
    if variable in START_ONLY:
        raise ScenarioError(
            source,
            f"{where}.variable",
            f"{variable!r} only sets the start of a run: {START_ONLY[variable]}; set it with "
            f"[provinces.<province>] instead. Series may drive: {', '.join(SERIES_VARIABLES)}",
        )
    if variable not in SERIES_VARIABLES:
        raise ScenarioError(
            source, f"{where}.variable", _unknown("series variable", variable, SERIES_VARIABLES, show=True)
        )
    target = entry.get("where", "all")
    allowed_targets = ["all", "inland", "coastal", *REGIONS, *names]
    if target not in allowed_targets:
        raise ScenarioError(
            source, f"{where}.where", _unknown("province or region", target, allowed_targets, show=True)
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


def _check_freight_series(entries: list, source: str, problems: _Problems) -> tuple[FreightSeries, ...]:
    """Validate ``[[freight_series]]``: a variable of ``FREIGHT_SERIES_VARIABLES``; for the
    (mode, market) ones a mode of ``logistics.MODES`` and a market of ``sectors.MARKETS`` or "all"
    with the mode in service there (freight.csv); for the ``logistics.*`` ones neither; values
    within the declared range (``logistics.MARKET_SERIES``, ``parameters``). Two entries that set
    one variable of one mode and market are refused (:func:`_check_freight_overlaps`)."""
    out = []
    for i, entry in enumerate(entries):
        with problems.check():
            out.append(_check_freight_entry(entry, i, source))
    if len(out) == len(entries):  # overlaps number the entries: only when every one is valid
        _check_freight_overlaps(tuple(out), source)
    return tuple(out)


def _check_freight_entry(entry: Any, i: int, source: str) -> FreightSeries:
    where = f"freight_series[{i}]"
    _check_keys(entry, ("variable", "mode", "market", "values"), where, source)
    variable = entry.get("variable")
    if not isinstance(variable, str) or variable not in FREIGHT_SERIES_VARIABLES:
        raise ScenarioError(
            source,
            f"{where}.variable",
            _unknown("freight series variable", variable, FREIGHT_SERIES_VARIABLES, show=True),
        )
    if variable in logistics.MARKET_SERIES:
        spec = logistics.MARKET_SERIES[variable]
        mode, market = entry.get("mode"), entry.get("market", "all")
        if mode not in logistics.MODES:
            raise ScenarioError(source, f"{where}.mode", _unknown("mode", mode, logistics.MODES, show=True))
        allowed_markets = (*MARKETS, "all")
        if market not in allowed_markets:
            raise ScenarioError(
                source, f"{where}.market", _unknown("market", market, allowed_markets, show=True)
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
    if not isinstance(world.get("name", ""), str):
        raise ScenarioError(source, "world.name", f"must be a string, got {world['name']!r}")
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
                limit = 90 if k == "lat" else 180
                if abs(_number(v, source, f"world.provinces[{i}].{k}")) > limit:
                    raise ScenarioError(
                        source,
                        f"world.provinces[{i}].{k}",
                        f"must be in [-{limit}, {limit}] degrees, got {v!r}",
                    )
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
