"""EMA Workbench adapter: let ``ema_workbench`` (Kwakkel 2017, Environ. Model. Softw. 96, 239-250)
drive the model for exploratory modelling, scenario discovery and robust decision making.

:func:`ema_model` declares uncertainties and levers from the scenario schema (the parameter registry
gives type and default bounds: a parameter's *plausible* range; EMA Workbench 3 wants identifiers, so
``behaviour.logit_scale`` is named ``behaviour__logit_scale`` there) and fixed-length outcomes.

**Replications.** One EMA experiment runs the model with each of ``replications`` seeds (the same
seeds for every experiment: common random numbers). Outcomes are either the mean over the seeds with
its Monte-Carlo standard error (``<outcome>`` and ``<outcome>_se``) or, with ``per_seed=True``, one
value per seed (``<outcome>_seeds``, an array outcome of length ``replications``; EMA Workbench
registers each outcome name with one type for the whole process, hence the other name). With
``effect=True`` every experiment also runs the *zero-dose* policy (the same uncertainties and seeds,
every lever off, none of the EMA levers applied) and reports the paired effect ``<outcome>_effect``
(mean over seeds of policy minus zero dose) and its standard error ``<outcome>_effect_se``: the
lever's effect, not the draw's.

**Failures.** :func:`~simulation.sweep.runs.run_one` never raises (an exception would hang EMA's
multiprocessing evaluator); a failed run is logged with its traceback on the logger
``simulation.sweep.ema`` (Python's last-resort handler prints it to stderr if logging is not set
up), counted in the outcome ``failed_runs``, and left out of the means. :func:`perform_experiments`
runs an evaluator and reports the total count of failed runs at the end.

Example::

    from ema_workbench import SequentialEvaluator
    model = ema_model("scenarios/baseline.toml", {"behaviour.logit_scale": (0.01, 0.04)},
                      replications=4)
    experiments, outcomes = perform_experiments(model, scenarios=20)
"""

from __future__ import annotations

import functools
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulation import levers as levers_mod
from simulation import parameters
from simulation import scenario as scenario_mod
from simulation.geography import is_inland
from simulation.sweep.design import plausible_range, spawn_seeds
from simulation.sweep.effects import DEFAULT_OUTCOMES
from simulation.sweep.errors import SweepError, require
from simulation.sweep.runs import RunResult, run_one, scenario_dict

RESERVED = ("policy", "scenario", "model")  # names EMA Workbench uses for its own columns
SEP = "__"  # EMA names must be identifiers: the dots of scenario keys become double underscores
SERIES_OUTCOME = "inland_employment_share"  # per step, length run.steps + 1
FAILED = "failed_runs"  # runs of an experiment that failed (policy and zero dose, all seeds)
SE, EFFECT, SEEDS = "_se", "_effect", "_seeds"  # suffixes of the derived outcomes

log = logging.getLogger(__name__)

Bounds = tuple[float, float] | tuple[Any, ...] | None


@dataclass(frozen=True)
class Setup:
    """What every experiment of one EMA model shares (picklable: EMA ships it to its workers)."""

    scenario: dict
    seeds: tuple[int, ...]
    outcomes: tuple[str, ...]
    steps: int | None  # series length - 1, None for no series
    per_seed: bool = False
    zero_dose: tuple[tuple[str, Any], ...] | None = None  # overrides of the counterfactual; None: no effect
    lever_names: tuple[str, ...] = ()  # EMA names of the levers (left out of the zero-dose run)
    scenario_hash: str = ""  # identifies the scenario in the cache of zero-dose runs


def ema_model(
    scenario: scenario_mod.Scenario | str | Path,
    uncertainties: dict[str, Bounds],
    levers: dict[str, Bounds] | None = None,
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES[:3],
    series: bool = True,
    seed: int | None = None,
    name: str = "ptsim",
    replications: int | Sequence[int] = 1,
    per_seed: bool = False,
    effect: bool = False,
    zero_dose: dict[str, Any] | None = None,
):
    """An ``ema_workbench.Model`` of ``scenario``.

    ``uncertainties`` and ``levers`` map dotted scenario keys to bounds ``(low, high)``, a tuple of
    categories, or None for the parameter's plausible range (``docs/parameters.md``). ``outcomes``
    are summary columns (see :func:`~simulation.outputs.scalar_outcomes`).

    ``replications``: seeds per experiment, a count ``k`` or the seeds themselves. A count of 1 runs
    ``seed`` (default ``run.seed`` of the scenario); ``k > 1`` spawns ``k`` seeds from it as
    ``ptsim sweep --seed SEED --seeds k`` does. ``per_seed``: one value per seed instead of the mean
    and its standard error. ``effect``: add the paired effect against the zero-dose run, whose
    overrides are ``zero_dose`` (default: every lever of the registry disabled).
    """
    ema = require("ema_workbench", "ema")
    sc = scenario if isinstance(scenario, scenario_mod.Scenario) else scenario_mod.load(scenario)
    for key in [*uncertainties, *(levers or {}), *outcomes]:
        if key in RESERVED:
            raise SweepError("ema", key, f"reserved by EMA Workbench ({', '.join(RESERVED)}); choose another")
    steps = int(sc.params["run.steps"])
    seeds = replication_seeds(int(sc.params["run.seed"] if seed is None else seed), replications)
    counterfactual = None
    if effect:
        counterfactual = default_zero_dose() if zero_dose is None else dict(zero_dose)
        sc.with_overrides(counterfactual, source="ema zero_dose")  # bad keys fail here, not in a run
    setup = Setup(
        scenario_dict(sc),
        seeds,
        tuple(outcomes),
        steps if series else None,
        per_seed,
        tuple(sorted(counterfactual.items())) if counterfactual is not None else None,
        tuple(ema_name(k) for k in levers or {}),
        sc.hash(),
    )
    model = ema.Model(name, function=functools.partial(ema_function, setup))
    varied = (*uncertainties, *(levers or {}))
    model.uncertainties = [_parameter(ema, sc, k, b, varied) for k, b in uncertainties.items()]
    model.levers = [_parameter(ema, sc, k, b, varied) for k, b in (levers or {}).items()]
    model.outcomes = _outcomes(ema, setup)
    return model


def _outcomes(ema, setup: Setup) -> list:
    """EMA outcome declarations matching what :func:`ema_function` returns."""
    k = len(setup.seeds)
    names = [ema_name(o) for o in setup.outcomes]
    if setup.zero_dose is not None:
        names += [n + EFFECT for n in names]
    if setup.per_seed:
        out = [ema.ArrayOutcome(n + SEEDS, shape=(k,), dtype=float) for n in names]
    else:
        out = [ema.ScalarOutcome(m) for n in names for m in ((n, n + SE) if k > 1 else (n,))]
    out.append(ema.ScalarOutcome(FAILED))  # float: EMA stores a typed scalar as (n, 1)
    if setup.steps is not None:
        shape = (k, setup.steps + 1) if setup.per_seed else (setup.steps + 1,)
        series = SERIES_OUTCOME + (SEEDS if setup.per_seed else "")
        out.append(ema.ArrayOutcome(series, shape=shape, dtype=float))
    return out


def ema_function(setup: Setup, **params: Any) -> dict[str, Any]:
    """One EMA experiment: ``params`` (EMA names, see :func:`ema_name`) applied to the scenario, run
    with every seed of ``setup`` (and the zero-dose run per seed, if asked); fixed-length outcomes
    under EMA names, NaN where no run of a value succeeded."""
    overrides = {scenario_key(k): v.item() if isinstance(v, np.generic) else v for k, v in params.items()}
    series = setup.steps is not None
    runs = [_run(setup.scenario, s, overrides, series) for s in setup.seeds]
    values = {ema_name(o): _column(runs, o) for o in setup.outcomes}
    failed = sum(not r.ok for r in runs)
    if setup.zero_dose is not None:
        uncertain = {k: v for k, v in overrides.items() if ema_name(k) not in setup.lever_names}
        base = [_zero_dose_run(setup, s, {**uncertain, **dict(setup.zero_dose)}) for s in setup.seeds]
        failed += sum(not r.ok for r in base)
        for o in setup.outcomes:
            values[ema_name(o) + EFFECT] = values[ema_name(o)] - _column(base, o)
    out: dict[str, Any] = {}
    for name, v in values.items():
        if setup.per_seed:
            out[name + SEEDS] = v
        else:
            out[name], se = mean_se(v)
            if len(setup.seeds) > 1:
                out[name + SE] = se
    out[FAILED] = failed
    if series:
        share = np.stack([_share(r, setup.steps) for r in runs])
        if setup.per_seed:
            out[SERIES_OUTCOME + SEEDS] = share
        else:
            out[SERIES_OUTCOME] = _nanmean(share)
    return out


def perform_experiments(model, scenarios: int = 10, policies: int | None = None, evaluator=None, **kwargs):
    """``evaluator.perform_experiments`` (default: a fresh ``SequentialEvaluator`` of ``model``) that
    reports at the end how many runs failed (their tracebacks are logged as they happen); returns
    ``(experiments, outcomes)``."""
    ema = require("ema_workbench", "ema")
    if policies is not None:
        kwargs["policies"] = policies
    if evaluator is None:
        with ema.SequentialEvaluator(model) as ev:
            experiments, outcomes = ev.perform_experiments(scenarios=scenarios, **kwargs)
    else:
        experiments, outcomes = evaluator.perform_experiments(scenarios=scenarios, **kwargs)
    report_failures(outcomes, len(experiments))
    return experiments, outcomes


def report_failures(outcomes: dict[str, np.ndarray], experiments: int) -> int:
    """Log and print (stderr) the number of failed runs in ``outcomes``; return it."""
    failed = int(np.nansum(outcomes.get(FAILED, 0)))
    if failed:
        msg = f"ptsim: {failed} run(s) failed in {experiments} EMA experiment(s); tracebacks were logged"
        print(msg, file=sys.stderr)  # always shown; the log has it too, for configured handlers
        log.info(msg)
    return failed


def replication_seeds(master: int, replications: int | Sequence[int]) -> tuple[int, ...]:
    """The seeds of every experiment: ``(master,)`` for 1, ``k`` seeds spawned from ``master`` (as
    :func:`~simulation.sweep.design.spawn_seeds`) for ``k > 1``, or the given seeds."""
    if isinstance(replications, (int, np.integer)) and not isinstance(replications, bool):
        k = int(replications)
        if k < 1:
            raise SweepError("ema", "replications", f"need at least one seed, got {k}")
        return (int(master),) if k == 1 else tuple(spawn_seeds(master, k))
    seeds = tuple(int(s) for s in replications)
    if not seeds or len(set(seeds)) != len(seeds):
        raise SweepError("ema", "replications", f"give distinct seeds, got {list(replications)!r}")
    return seeds


def default_zero_dose() -> dict[str, bool]:
    """The no-policy counterfactual: every lever of the registry disabled."""
    return {f"levers.{lv.name}.enabled": False for lv in levers_mod.LEVERS}


def mean_se(values: np.ndarray) -> tuple[float, float]:
    """Mean of the finite ``values`` and its standard error ``sd / sqrt(n)`` (NaN below 2 values)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan, math.nan
    se = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else math.nan
    return float(v.mean()), se


def _run(scenario: dict, seed: int, overrides: dict[str, Any], series: bool) -> RunResult:
    result = run_one(scenario, seed, overrides, tag=f"ema-seed{seed}", timeseries=series, tables=False)
    if not result.ok:
        log.error("EMA run failed (seed %d, %s):\n%s", seed, overrides, result.error)
    return result


def _zero_dose_run(setup: Setup, seed: int, overrides: dict[str, Any]) -> RunResult:
    """The zero-dose run, cached in this process: the experiments that share uncertainties (every
    policy of one EMA scenario) share it. A failed run is not cached."""
    key = (setup.scenario_hash, seed, repr(sorted(overrides.items())))
    if key not in _ZERO_DOSE:
        result = _run(setup.scenario, seed, overrides, False)
        if not result.ok:
            return result
        if len(_ZERO_DOSE) >= _ZERO_DOSE_MAX:
            _ZERO_DOSE.pop(next(iter(_ZERO_DOSE)))  # oldest first
        _ZERO_DOSE[key] = result
    return _ZERO_DOSE[key]


_ZERO_DOSE: dict[tuple, RunResult] = {}
_ZERO_DOSE_MAX = 1024  # results without tables: a few KB each


def _column(runs: list[RunResult], outcome: str) -> np.ndarray:
    return np.array([float(r.outcomes.get(outcome, math.nan)) if r.ok else math.nan for r in runs])


def _share(result: RunResult, steps: int) -> np.ndarray:
    """Inland employment share at steps 0..steps (NaN for a failed run)."""
    share = np.full(steps + 1, math.nan)
    if result.ok:
        ts = result.timeseries
        emp = ts.groupby("step")["employment"].sum()
        inland = ts[is_inland(ts["region"])].groupby("step")["employment"].sum()
        values = (inland / emp).reindex(range(steps + 1)).to_numpy(dtype=float)
        share[: len(values)] = values
    return share


def _nanmean(x: np.ndarray) -> np.ndarray:
    """Mean over axis 0 ignoring NaN, NaN (without a warning) where every value is NaN."""
    n = np.isfinite(x).sum(axis=0)
    total = np.where(np.isfinite(x), x, 0.0).sum(axis=0)
    return np.where(n > 0, total / np.maximum(n, 1), math.nan)


def _parameter(ema, sc: scenario_mod.Scenario, key: str, bounds: Bounds, varied: tuple[str, ...] = ()):
    """An EMA parameter for ``key``: type from the registry (int, float, bool, choices). A lever
    dose is checked with the lever enabled when its ``enabled`` is itself among the ``varied`` keys
    (an experiment then sets both); otherwise a dose of a lever the scenario leaves disabled is an
    error (it would be ignored)."""
    spec = parameters.find(key)
    kind = spec.kind if spec is not None else float
    name = ema_name(key)
    if kind is bool:
        return ema.BooleanParameter(name)
    if kind is str or (bounds is not None and len(bounds) != 2):
        categories = bounds or (spec.choices if spec else ())
        if not categories:
            raise SweepError("ema", key, "give the categories, e.g. ('a', 'b')")
        return ema.CategoricalParameter(name, list(categories))
    if bounds is None:
        bounds = plausible_range(key, "ema")
    low, high = bounds
    if low is None or high is None or not low < high:
        raise SweepError("ema", key, f"needs bounds (low, high) with low < high, got {bounds!r}")
    parts = key.split(".")
    switch = f"levers.{parts[1]}.enabled" if parts[0] == "levers" and len(parts) == 3 else ""
    on = {switch: True} if switch in varied and switch != key else {}
    for value in (low, high):
        sc.with_overrides({key: int(value) if kind is int else value, **on}, source="ema")
    if kind is int:
        return ema.IntegerParameter(name, int(low), int(high))
    return ema.RealParameter(name, float(low), float(high))


def ema_name(key: str) -> str:
    """EMA Workbench 3 wants Python identifiers: ``behaviour.logit_scale`` -> ``behaviour__logit_scale``."""
    name = key.replace(".", SEP)
    if not name.isidentifier() or key != scenario_key(name):
        raise SweepError("ema", key, "cannot be an EMA name (letters, digits and _ between the dots only)")
    return name


def scenario_key(name: str) -> str:
    """Inverse of :func:`ema_name`."""
    return name.replace(SEP, ".")
