"""EMA Workbench adapter: let ``ema_workbench`` (Kwakkel 2017, Environ. Model. Softw. 96, 239-250)
drive the model for exploratory modelling, scenario discovery and robust decision making.

:func:`ema_model` declares uncertainties and levers from the scenario schema (the parameter registry
gives type and default bounds; EMA Workbench 3 wants identifiers, so ``behaviour.logit_scale`` is
named ``behaviour__logit_scale`` there) and fixed-length outcomes: scalar outcomes from the run summary and,
optionally, the inland employment share at every step (an array of ``run.steps + 1`` values). The
model function calls :func:`~simulation.sweep.runs.run_one`, which never raises: a failed run gives
NaN outcomes instead of an exception (an exception would hang EMA's multiprocessing evaluator).

Example::

    from ema_workbench import SequentialEvaluator
    model = ema_model("scenarios/baseline.toml", {"behaviour.logit_scale": (0.01, 0.04)})
    with SequentialEvaluator(model) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=20)
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np

from simulation import parameters
from simulation import scenario as scenario_mod
from simulation.geography import is_inland
from simulation.sweep.effects import DEFAULT_OUTCOMES
from simulation.sweep.errors import SweepError, require
from simulation.sweep.runs import run_one, scenario_dict

RESERVED = ("policy", "scenario", "model")  # names EMA Workbench uses for its own columns
SEP = "__"  # EMA names must be identifiers: the dots of scenario keys become double underscores
SERIES_OUTCOME = "inland_employment_share"  # per step, length run.steps + 1

Bounds = tuple[float, float] | tuple[Any, ...] | None


def ema_model(
    scenario: scenario_mod.Scenario | str | Path,
    uncertainties: dict[str, Bounds],
    levers: dict[str, Bounds] | None = None,
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES[:3],
    series: bool = True,
    seed: int | None = None,
    name: str = "ptsim",
):
    """An ``ema_workbench.Model`` of ``scenario``.

    ``uncertainties`` and ``levers`` map dotted scenario keys to bounds ``(low, high)``, a tuple of
    categories, or None for the bounds of the parameter registry. ``outcomes`` are summary columns
    (see :func:`~simulation.outputs.scalar_outcomes`). Every experiment runs with ``seed`` (default
    ``run.seed`` of the scenario), so experiments differ only by their parameters (common random
    numbers).
    """
    ema = require("ema_workbench", "ema")
    sc = scenario if isinstance(scenario, scenario_mod.Scenario) else scenario_mod.load(scenario)
    for key in [*uncertainties, *(levers or {}), *outcomes]:
        if key in RESERVED:
            raise SweepError("ema", key, f"reserved by EMA Workbench ({', '.join(RESERVED)}); choose another")
    steps = int(sc.params["run.steps"])
    function = functools.partial(
        ema_function,
        scenario_dict(sc),
        int(sc.params["run.seed"] if seed is None else seed),
        tuple(outcomes),
        steps if series else None,
    )
    model = ema.Model(name, function=function)
    model.uncertainties = [_parameter(ema, sc, k, b) for k, b in uncertainties.items()]
    model.levers = [_parameter(ema, sc, k, b) for k, b in (levers or {}).items()]
    model.outcomes = [ema.ScalarOutcome(ema_name(o)) for o in outcomes]
    if series:
        model.outcomes = [*model.outcomes, ema.ArrayOutcome(SERIES_OUTCOME, shape=(steps + 1,), dtype=float)]
    return model


def ema_function(
    scenario: dict, seed: int, outcomes: tuple[str, ...], steps: int | None, **params: Any
) -> dict[str, Any]:
    """One EMA experiment: ``params`` (EMA names, see :func:`ema_name`) applied to ``scenario``;
    fixed-length outcomes (under EMA names), NaN where the run failed."""
    overrides = {scenario_key(k): v.item() if isinstance(v, np.generic) else v for k, v in params.items()}
    result = run_one(scenario, seed, overrides, tag="ema", timeseries=steps is not None)
    out: dict[str, Any] = {ema_name(o): float(result.outcomes.get(o, math.nan)) for o in outcomes}
    if steps is not None:
        share = np.full(steps + 1, math.nan)
        if result.ok:
            ts = result.timeseries
            emp = ts.groupby("step")["employment"].sum()
            inland = ts[is_inland(ts["region"])].groupby("step")["employment"].sum()
            values = (inland / emp).reindex(range(steps + 1)).to_numpy(dtype=float)
            share[: len(values)] = values
        out[SERIES_OUTCOME] = share
    return out


def _parameter(ema, sc: scenario_mod.Scenario, key: str, bounds: Bounds):
    """An EMA parameter for ``key``: type from the registry (int, float, bool, choices)."""
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
    low, high = bounds if bounds is not None else (spec.low if spec else None, spec.high if spec else None)
    if low is None or high is None or not low < high:
        raise SweepError("ema", key, f"needs bounds (low, high) with low < high, got {bounds!r}")
    for value in (low, high):
        sc.with_overrides({key: int(value) if kind is int else value}, source="ema")
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
