"""Canonical experiments: a folder ``experiments/<name>/`` with an ``experiment.toml``.

Format (every table but ``[experiment]`` optional)::

    [experiment]
    name = "sensitivity"            # default: the folder name; results go to results/<name>/
    description = "..."
    scenarios = ["baseline.toml"]   # relative to this file, else to the repository's scenarios/
    seeds = 5                       # replications per scenario and design point
    master_seed = 20240101          # default: run.seed of the first scenario
    outcomes = ["inland_employment_share_end"]   # for effects and sensitivity indices
    steps = 48                      # optional: run.steps for every scenario
    firms = 10000                   # optional: run.firms for every scenario

    [set]                           # fixed overrides for every run ("dotted.key" = value)
    [design]                        # method = grid | lhs | sobol | morris | saltelli, n, seed, levels
    [design.vary]                   # "key" = [v1, v2, ...]  (grid)
    [design.range]                  # "key" = [low, high] or "plausible" (samplers)
    # or, instead of method/vary/range: posterior = "estimate.json" (relative to this file), draws = N
    # (parameter draws from an estimate file; --n and [small] n override draws)
    [small]                         # sizes for --small: seeds, n, steps, firms and a [small.set] table

The small sizes let the tests run every experiment in seconds; the full size runs by the plain
command ``ptsim experiment experiments/<name>``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.io import read_input_text
from simulation.sweep import design as design_mod
from simulation.sweep.errors import MAX_DESIGN_N, MAX_LEVELS, MAX_SEEDS, SweepError, check_count
from simulation.sweep.spec import SweepSpec, check_factors, load_scenarios

FILE = "experiment.toml"
TABLES = {
    "experiment": ("name", "description", "scenarios", "seeds", "master_seed", "outcomes", "steps", "firms"),
    "set": None,  # any dotted key
    "design": ("method", "n", "seed", "levels", "vary", "range", "posterior", "draws"),
    "small": ("seeds", "n", "steps", "firms", "set"),
}


@dataclass(frozen=True)
class Sizes:
    """Command-line overrides of an experiment's size (None keeps the file's value)."""

    small: bool = False
    seeds: int | None = None
    n: int | None = None
    steps: int | None = None
    firms: int | None = None


def experiment_file(path: Path) -> Path:
    """``path`` itself if a file, else ``path/experiment.toml``."""
    path = Path(path)
    file = path / FILE if path.is_dir() else path
    if not file.is_file():
        raise SweepError(
            str(path), "-", f"no experiment here: expected a folder with {FILE} or the file itself"
        )
    return file


def load(path: Path, sizes: Sizes = Sizes()) -> SweepSpec:
    """Read and validate an experiment; ``sizes`` shrinks it (``--small``, ``--seeds`` ...)."""
    file = experiment_file(path)
    src = str(file)
    raw = _read(file)
    exp = raw["experiment"]
    small = raw.get("small", {}) if sizes.small else {}
    if not isinstance(small.get("set", {}), dict):
        raise SweepError(src, "small.set", "must be a table of dotted keys")
    fixed = dict(raw.get("set", {})) | (dict(small.get("set", {})) if small else {})
    for flag, key in (("steps", "run.steps"), ("firms", "run.firms")):
        value = _pick(getattr(sizes, flag), small.get(flag), exp.get(flag))
        if value is not None:
            fixed[key] = value
    scenarios = load_scenarios([_scenario_path(s, file) for s in _list(exp, "scenarios", src)], fixed, src)
    dsg = raw.get("design", {})
    n = _pick(sizes.n, small.get("n"), dsg.get("n"))
    if n is not None:
        _count(n, _where("n", sizes.n, small, "design"), src, MAX_DESIGN_N)
    seeds = _pick(sizes.seeds, small.get("seeds"), exp.get("seeds", 1))
    _count(seeds, _where("seeds", sizes.seeds, small, "experiment"), src, MAX_SEEDS)
    if "posterior" in dsg:
        design = _posterior(dsg, _pick(sizes.n, small.get("n"), dsg.get("draws")), file, scenarios)
    else:
        design = _design(dsg, n, scenarios, src)
    first = next(iter(scenarios.values()))
    master = _count(
        exp.get("master_seed", first.params["run.seed"]), "experiment.master_seed", src, 2**63 - 1, 0
    )
    outcomes = exp.get("outcomes", [])
    if not (isinstance(outcomes, list) and all(isinstance(o, str) for o in outcomes)):
        raise SweepError(src, "experiment.outcomes", f"must be a list of outcome names, got {outcomes!r}")
    for key in ("name", "description"):
        if not isinstance(exp.get(key, ""), str):
            raise SweepError(src, f"experiment.{key}", f"must be a string, got {exp[key]!r}")
    return SweepSpec(
        name=str(exp.get("name", file.parent.name)),
        scenarios=scenarios,
        design=design,
        seeds=seeds,
        master_seed=master,
        fixed=fixed,
        outcomes=tuple(outcomes),
        description=str(exp.get("description", "")),
    )


def _design(dsg: dict, n: int | None, scenarios: dict, src: str) -> design_mod.Design:
    """The grid and/or sampler design of the ``[design]`` table."""
    vary = [design_mod.Factor(k, levels=tuple(_list(dsg["vary"], k, src))) for k in dsg.get("vary", {})]
    ranges = [_range(k, v, src) for k, v in dsg.get("range", {}).items()]
    check_factors(scenarios, vary + ranges, src)
    options = (
        {"levels": _count(dsg["levels"], "design.levels", src, MAX_LEVELS, 2)} if "levels" in dsg else {}
    )
    design_seed = _count(dsg.get("seed", 0), "design.seed", src, 2**63 - 1, 0)
    return design_mod.build(vary, ranges, dsg.get("method"), n, design_seed, **options)


def _posterior(dsg: dict, draws: Any, file: Path, scenarios: dict) -> design_mod.Design:
    """``[design] posterior = "FILE", draws = N``: parameter draws from an estimate file."""
    from simulation.sweep import posterior

    src = str(file)
    clash = [k for k in ("method", "vary", "range", "levels", "n") if k in dsg]
    if clash:
        raise SweepError(
            src, f"design.{clash[0]}", "cannot be combined with design.posterior (the draws are the design)"
        )
    if not isinstance(dsg["posterior"], str) or not dsg["posterior"]:
        raise SweepError(
            src, "design.posterior", f"must be the path of an estimate file, got {dsg['posterior']!r}"
        )
    if draws is None:
        raise SweepError(src, "design.draws", "needed with design.posterior: the number of parameter draws")
    _count(draws, "design.draws", src, MAX_DESIGN_N)
    seed = _count(dsg.get("seed", 0), "design.seed", src, 2**63 - 1, 0)
    path = Path(dsg["posterior"])
    path = path if path.is_absolute() else file.parent / path
    design = posterior.design(path, draws, seed, f"{src}: design.posterior")
    posterior.check_draws(scenarios, design, src)
    return design


def default_out(spec: SweepSpec, small: bool, root: Path = Path("results")) -> Path:
    """``results/<name>`` (``results/<name>-small`` for ``--small``)."""
    return root / (f"{spec.name}-small" if small else spec.name)


# --- internals ---------------------------------------------------------------------------------


def _read(file: Path) -> dict:
    try:
        raw = tomllib.loads(read_input_text(file))
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(str(file), "-", f"not valid TOML ({exc})") from None
    if "experiment" not in raw:
        raise SweepError(str(file), "experiment", "missing [experiment] table")
    for table, value in raw.items():
        if table not in TABLES:
            raise SweepError(str(file), table, f"unknown table; allowed: {', '.join(TABLES)}")
        if not isinstance(value, dict):
            raise SweepError(str(file), table, "must be a table")
        allowed = TABLES[table]
        for key in value if allowed else ():
            if key not in allowed:
                raise SweepError(str(file), f"{table}.{key}", f"unknown key; allowed: {', '.join(allowed)}")
    return raw


def _count(value: Any, key: str, src: str, maximum: int, minimum: int = 1) -> int:
    """A whole number in ``[minimum, maximum]`` (not ``"x"``, not ``1.7``: refused, not truncated)."""
    return check_count(src, key, value, maximum, minimum)


def _where(name: str, flag: Any, small: dict, table: str) -> str:
    """Where a size came from, for its error: the flag, the [small] table or the file's table."""
    if flag is not None:
        return f"--{name}"
    return f"small.{name}" if name in small else f"{table}.{name}"


def _pick(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _list(table: dict, key: str, src: str) -> list:
    value = table.get(key)
    if not isinstance(value, list) or not value:
        raise SweepError(src, key, "must be a non-empty list, e.g. [1, 2]")
    return value


def _range(key: str, value: Any, src: str) -> design_mod.Factor:
    if value == "plausible":
        return design_mod.make_range(key, *design_mod.plausible_range(key, src), src)
    if not (isinstance(value, list) and len(value) == 2 and all(_is_num(v) for v in value)):
        raise SweepError(
            src, f"design.range.{key}", f'expected [low, high] numbers or "plausible", got {value!r}'
        )
    return design_mod.make_range(key, float(value[0]), float(value[1]), src)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _scenario_path(name: str, file: Path) -> Path:
    """A scenario named relative to the experiment file, else to the repository's ``scenarios/``."""
    tried = [file.parent / name]
    tried += [d / "scenarios" / name for d in file.resolve().parents if (d / "scenarios").is_dir()]
    for path in tried:
        if path.is_file():
            return path
    raise SweepError(
        str(file), "experiment.scenarios", f"{name!r} not found; tried {', '.join(map(str, tried))}"
    )
