"""Fuzz the scenario loader with mutations of the library's scenario files and of ``--set`` values.

Each case copies one file of ``scenarios/`` (beside the library's own files, so relative ``extends``
resolve), mutates it (a value set to a nasty or boundary value, a key misspelt or deleted, a section
of the wrong type, a broken ``extends``, deep nesting, bytes flipped or cut, ...) and optionally
adds ``--set`` assignments. The property: the loader either accepts the case, and the scenario then
runs two quarters (200 firms) to finite outputs, or refuses it with a
:class:`~simulation.scenario.ScenarioError` whose every problem names a file (or ``--set``) and a
key. Anything else is a failure of the loader or of the declared ranges.

    python scripts/fuzz_scenarios.py -n 1000 --seed 1

prints ``N fuzzed, N accepted (all run finite), N refused with file and key, 0 tracebacks`` and
each failure; exit status 1 if there was one. ``tests/test_fuzz_scenarios.py`` runs the same cases
under hypothesis, a bounded number in CI.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import math
import random
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import tomllib  # noqa: E402

from simulation import levers, parameters  # noqa: E402
from simulation import scenario as S  # noqa: E402
from simulation.geography import NUMERIC_DEFAULTS, SPEC_BY_NAME  # noqa: E402
from simulation.sectors import SECTOR_COLUMNS  # noqa: E402

RUN_SIZE = {"run.firms": 200, "run.steps": 2}
#: Caps on the parameters that set the cost of the calibration (a case at their declared maximum is
#: valid but runs for minutes); the values a case sets below them are kept.
COST_CAPS = {"calibration.sample_firms": 2000, "calibration.sorting_rounds": 5, "calibration.max_iter": 500}
LIBRARY = sorted(p.relative_to(REPO / "scenarios") for p in (REPO / "scenarios").rglob("*.toml"))

NASTY: tuple[Any, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    0,
    -1,
    1e-300,
    -1e-300,
    1e300,
    2**63,
    -(2**63),
    10**30,
    0.5,
    1,
    2,
    True,
    False,
    "",
    "x",
    "2025",
    "2025Q5",
    "nan",
    [],
    [1, 2],
    ["Henan"],
    {},
    {"a": 1},
    {"Henan": -1},
    "\u4e2d\u6587",
    " ",
    "../../x",
    3.7,
)
SET_TEXTS = (
    "nan",
    "inf",
    "-inf",
    "0",
    "-1",
    "1e-300",
    "1e309",
    "1e300",
    "2025",
    '"2025"',
    "2025Q1",
    '""',
    "true",
    "[1, 2]",
    '["Henan"]',
    "{a = 1}",
    "{ Henan = 2 }",
    "x",
    "--",
    "[",
    "0.5",
    "-0.5",
    "100000000000000000000",
    "\u4e2d",
    "1_000",
    "0x10",
)
PROVINCES = ("Henan", "Sichuan", "Tibet", "Beijing", "Guangdong", "Sichaun", "Atlantis")
SECTORS = ("electronics", "apparel", "food", "machinery", "electronic")


def known_keys() -> list[str]:
    """Dotted keys a scenario can set (a sample of provinces and sectors for the data columns)."""
    keys = [p.key for p in parameters.PARAMS] + list(levers.PARAM_BY_KEY)
    keys += [f"provinces.{p}.{c}" for p in PROVINCES[:5] for c in NUMERIC_DEFAULTS]
    keys += [f"sectors.{s}.{c.name}" for s in SECTORS[:4] for c in SECTOR_COLUMNS if c.kind != "str"]
    return keys


KEYS = known_keys()


def boundary(key: str, rnd: random.Random) -> Any:
    """A value at or just past the declared range of ``key`` (the in-range extremes must run)."""
    spec: Any = parameters.find(key)
    if spec is None and key.startswith(("provinces.", "sectors.")):
        col = key.rsplit(".", 1)[1]
        spec = SPEC_BY_NAME.get(col) or next((c for c in SECTOR_COLUMNS if c.name == col), None)
    low, high = getattr(spec, "low", None), getattr(spec, "high", None)
    options = [v for v in (low, high) if v is not None]
    if getattr(spec, "low_open", False) and low is not None:
        options = [v for v in options if v != low]
    if low is not None:  # a hair above the low bound (the smallest floats found overflows there)
        options += [low + 1e-12, low + 1e-300, low + 5e-324]
    if not options:
        return rnd.choice(NASTY)
    value = rnd.choice(options)
    if low is not None and high is not None and rnd.random() < 0.4:  # anywhere inside
        lo = low + (1e-12 if getattr(spec, "low_open", False) else 0.0)
        log_uniform = lo > 0 and rnd.random() < 0.5
        value = (
            math.exp(rnd.uniform(math.log(lo), math.log(high)))
            if log_uniform
            else rnd.uniform(float(lo), float(high))
        )
    elif rnd.random() < 0.3:  # just outside
        value = value * (1 + 1e-9) + (1e-9 if value == high else -1e-9)
    kind = getattr(spec, "kind", float)
    return int(round(value)) if kind is int else float(value)


# --- writing TOML (inline form: every table inline, so any structure round-trips) ---------------


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if -(2**63) <= v < 2**63 else f'"{v}"'
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(x)}" for k, x in v.items())
            + "}"
        )
    return json.dumps(str(v))


def dumps(raw: dict) -> str:
    return "".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}\n" for k, v in raw.items())


# --- mutations --------------------------------------------------------------------------------------


def leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys and indices) of every value in ``node``."""
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += leaves(v, (*path, i))
    return out


def set_path(raw: dict, path: tuple, value: Any) -> None:
    node = raw
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return
        if not isinstance(node, (dict, list)):
            return
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)
    ):
        node[path[-1]] = value


def del_path(raw: dict, path: tuple) -> None:
    node = raw
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


def misspell(word: str, rnd: random.Random) -> str:
    if len(word) < 3:
        return word + "x"
    i = rnd.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def mutate_structure(raw: dict, rnd: random.Random, here: Path) -> dict:
    """One structural mutation of the parsed file ``raw`` (written to ``here``)."""
    kind = rnd.choice(
        ["leaf", "leaf", "known", "known", *["boundary"] * 8, "delete", "misspell"]
        + ["section_type", "series", "extends", "deep", "world"]
    )
    paths = leaves(raw)
    if kind == "leaf" and paths:
        set_path(raw, rnd.choice(paths), rnd.choice(NASTY))
    elif kind in ("known", "boundary"):
        key = rnd.choice(KEYS)
        value = rnd.choice(NASTY) if kind == "known" else boundary(key, rnd)
        set_path(raw, tuple(key.split(".")), value)
    elif kind == "delete" and paths:
        del_path(raw, rnd.choice(paths))
    elif kind == "misspell" and paths:
        path = rnd.choice([p for p in paths if isinstance(p[-1], str)] or paths)
        if isinstance(path[-1], str):
            parent = path[:-1]
            node = raw
            for part in parent:
                node = node[part]
            node[misspell(path[-1], rnd)] = node.pop(path[-1])
    elif kind == "section_type":
        section = rnd.choice([*S.TOP_LEVEL, "nosuch"])
        raw[section] = rnd.choice([5, [1, 2], [], "x", {"a": {"b": 1}}, [{"variable": 1}]])
    elif kind == "series":
        name = rnd.choice(["series", "freight_series"])
        entry = {
            "variable": rnd.choice([*S.SERIES_VARIABLES, *S.FREIGHT_SERIES_VARIABLES, "nope", 1]),
            "where": rnd.choice(["all", "inland", "west", *PROVINCES]),
            "mode": rnd.choice(["sea", "air", "rail", "road", "x"]),
            "values": {
                rnd.choice(["2025", "2030Q3", "2009", "x", "2025Q9"]): rnd.choice(NASTY + (0.01, 0.1, 1.0))
            },
        }
        for k in rnd.sample(["where", "mode", "values"], rnd.randrange(3)):
            entry.pop(k)
        existing = raw.get(name)
        raw[name] = ([*existing] if isinstance(existing, list) else []) + [entry]
    elif kind == "extends":
        raw.setdefault("scenario", {})
        if isinstance(raw["scenario"], dict):
            raw["scenario"]["extends"] = rnd.choice(
                [
                    "missing.toml",
                    here.name,
                    "../README.md",
                    ".",
                    "../../pyproject.toml",
                    "/dev/null",
                    5,
                    "",
                    "../baseline.toml",
                ]
            )
    elif kind == "deep":
        node: dict = {}
        raw[rnd.choice(["behaviour", "provinces", "nosuch"])] = node
        for _ in range(rnd.choice([5, 20, 200])):
            node["a"] = {}
            node = node["a"]
    elif kind == "world":
        rows = [
            {"province": n, "region": rnd.choice(["east", "west", "x"])}
            for n in ("A", "B", "C")[: rnd.randrange(1, 4)]
        ]
        if rnd.random() < 0.5:
            rows[0][rnd.choice(list(NUMERIC_DEFAULTS) + ["lat", "lon"])] = rnd.choice(NASTY)
        raw["world"] = {"provinces": rows}
    return raw


def mutate_bytes(data: bytes, rnd: random.Random) -> bytes:
    kind = rnd.choice(["flip", "cut", "utf8", "dup", "drop"])
    if kind == "flip" and data:
        i = rnd.randrange(len(data))
        return data[:i] + bytes([rnd.randrange(256)]) + data[i + 1 :]
    if kind == "cut":
        return data[: rnd.randrange(len(data) + 1)]
    if kind == "utf8":
        i = rnd.randrange(len(data) + 1)
        return data[:i] + b"\xff\xfe\xc3" + data[i:]
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    i = rnd.randrange(len(lines))
    return b"".join(lines[: i + 1] + lines[i:]) if kind == "dup" else b"".join(lines[:i] + lines[i + 1 :])


def set_assignments(rnd: random.Random) -> list[str]:
    """Some ``--set key=value`` texts (known keys, misspelt keys, deep keys, odd values)."""
    out = []
    for _ in range(rnd.randrange(1, 4)):
        key = rnd.choice(KEYS)
        r = rnd.random()
        if r < 0.1:
            key = misspell(key, rnd)
        elif r < 0.2:
            key = key + ".x"
        elif r < 0.25:
            key = rnd.choice(
                ["scenario.extends", "scenario.name", "series.x", "world.name", "x", ".", "run..steps"]
            )
        value = toml_value(boundary(key, rnd)) if rnd.random() < 0.4 else rnd.choice(SET_TEXTS)
        out.append(f"{key}={value}")
    return out


# --- one case ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "accepted", "refused" or "failure"
    detail: str = ""
    files: list[str] = field(default_factory=list)


def make_case(rnd: random.Random, work: Path, n: int) -> tuple[Path, list[str]]:
    """Write one mutated file beside its original in ``work`` (a copy of scenarios/); return its
    path and the ``--set`` assignments of the case."""
    original = work / rnd.choice(LIBRARY)
    here = original.parent / f"fuzz_{n}.toml"
    data = original.read_bytes()
    r = rnd.random()
    if r < 0.15:
        data = mutate_bytes(data, rnd)
    elif r < 0.85:
        raw = tomllib.loads(data.decode())
        for _ in range(rnd.choice([1, 1, 1, 2, 3])):
            raw = mutate_structure(raw, rnd, here)
        data = dumps(raw).encode()
    here.write_bytes(data)
    sets = set_assignments(rnd) if r >= 0.7 else []
    return here, sets


def check_case(path: Path, sets: list[str], out: Path) -> Outcome:
    """Load ``path`` with ``sets``; run it small if accepted. Never raises."""
    from simulation.runner import run_to_folder

    try:
        overrides = dict(S.parse_assignment(a) for a in sets)
        sc = S.load(path, overrides or None)
    except S.ScenarioError as exc:
        return _refusal(exc)
    except Exception:  # noqa: BLE001 - any other type is what the fuzzer looks for
        return Outcome("failure", f"loader traceback for {path} --set {sets}:\n{traceback.format_exc()}")
    try:
        caps = {k: min(sc[k], cap) for k, cap in COST_CAPS.items()}
        small = sc.with_overrides({**RUN_SIZE, **caps}, "fuzz")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            run_to_folder(small, out)
    except Exception:  # noqa: BLE001
        return Outcome(
            "failure", f"accepted but broke at run time {path} --set {sets}:\n{traceback.format_exc()}"
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return Outcome("accepted")


def _refusal(exc: S.ScenarioError) -> Outcome:
    text = str(exc)
    for p in exc.problems:
        named = p.source == "--set" or Path(p.source).name.endswith(".toml") or Path(p.source).exists()
        if not (p.source and p.key and named and p.source in text and f"key '{p.key}'" in text):
            return Outcome("failure", f"refusal without file or key: {text}")
    return Outcome("refused", text)


def library_copy(root: Path) -> Path:
    """A copy of scenarios/ (and the README.md and pyproject.toml the ``extends`` mutations name)."""
    shutil.copytree(REPO / "scenarios", root / "repo" / "scenarios")
    shutil.copy(REPO / "README.md", root / "repo" / "README.md")
    shutil.copy(REPO / "pyproject.toml", root / "repo" / "pyproject.toml")
    return root / "repo" / "scenarios"


def extremes() -> list[tuple[str, Any]]:
    """Every declared bound of every key a scenario can set, one at a time (low-open bounds a hair
    inside): each must either run finite or be refused by a rule across keys."""
    cases = []
    for key in dict.fromkeys(k for k in KEYS if not k.startswith(("provinces.Sichuan", "provinces.Tibet"))):
        spec: Any = parameters.find(key)
        if spec is None:
            col = key.rsplit(".", 1)[1]
            spec = SPEC_BY_NAME.get(col) or next((c for c in SECTOR_COLUMNS if c.name == col), None)
        for bound in (getattr(spec, "low", None), getattr(spec, "high", None)):
            if bound is None:
                continue
            if bound == spec.low and getattr(spec, "low_open", False):
                bound = bound + max(abs(bound), 1.0) * 1e-12
            kind = getattr(spec, "kind", float)
            cases.append((key, int(bound) if kind is int else float(bound)))
    return cases


def run_extremes(base: Path) -> int:
    """Run :func:`extremes` on ``base``; print the counts and each failure."""
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for key, value in extremes():
            outcome = check_case(base, [f"{key}={toml_value(value)}"], Path(tmp) / "out")
            counts[outcome.kind] += 1
            if outcome.kind == "failure":
                print(f"{key}={value}: {outcome.detail}", file=sys.stderr)
    total = sum(counts.values())
    print(
        f"{total} declared bounds, {counts['accepted']} accepted (all run finite), {counts['refused']} "
        f"refused with file and key (a rule across keys), {counts['failure']} failures"
    )
    return 1 if counts["failure"] else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1000, help="mutations to try (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the mutations (default 1)")
    ap.add_argument(
        "--extremes",
        action="store_true",
        help="instead: run the baseline at every declared bound, one at a time",
    )
    ap.add_argument(
        "--base", default="full_package.toml", help="with --extremes: the scenario (default: every lever on)"
    )
    args = ap.parse_args(argv)
    faulthandler.enable()
    if args.extremes:
        return run_extremes(REPO / "scenarios" / args.base)
    rnd = random.Random(args.seed)
    counts: Counter[str] = Counter()
    failures = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = library_copy(Path(tmp))
        for i in range(args.n):
            path, sets = make_case(rnd, work, i)
            outcome = check_case(path, sets, Path(tmp) / "out")
            counts[outcome.kind] += 1
            if outcome.kind == "failure":
                failures.append(outcome.detail)
            path.unlink(missing_ok=True)
            if (i + 1) % 100 == 0:
                print(f"{i + 1} cases: {dict(counts)}", file=sys.stderr, flush=True)
    for detail in failures:
        print(detail, file=sys.stderr)
    print(
        f"{args.n} fuzzed, {counts['accepted']} accepted (all run finite), {counts['refused']} refused "
        f"with file and key, {counts['failure']} tracebacks or failures ({time.perf_counter() - t0:.0f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
