"""What a sweep runs: scenarios x design points x seeds, validated before any run starts.

A :class:`SweepSpec` comes from the command line (``ptsim sweep``) or an experiment file
(:mod:`simulation.sweep.experiment`). Its :meth:`~SweepSpec.to_dict` holds everything that decides
the runs (scenario inputs, fixed overrides, design, seeds) and its hash guards ``--resume``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation import scenario as scenario_mod
from simulation.sweep.design import Design, Factor
from simulation.sweep.design import spawn_seeds as _spawn
from simulation.sweep.errors import SweepError
from simulation.sweep.runs import scenario_dict

NAME = re.compile(r"[\w+-][\w.+-]*")  # what may name a results folder


@dataclass(frozen=True)
class Task:
    """One run of a sweep: scenario (by name), design point, seed, overrides; ``run_id`` is
    deterministic from (scenario, point, seed index) so that a resumed sweep finds its runs."""

    run_id: str
    scenario: str
    point: int
    seed_index: int
    seed: int
    overrides: dict[str, Any]
    switched_off: tuple[str, ...] = ()  # levers dosed by the point but disabled here (no-policy arm)

    @property
    def run_overrides(self) -> dict[str, Any]:
        """The overrides a run applies: the design point, and ``enabled = false`` for the levers of a
        no-policy arm, so that the scenario accepts their doses as explicitly switched off."""
        return {**self.overrides, **{f"levers.{name}.enabled": False for name in self.switched_off}}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: ``scenarios`` (name → scenario with the fixed overrides applied), the
    ``design``, ``seeds`` replications spawned from ``master_seed``."""

    name: str
    scenarios: dict[str, scenario_mod.Scenario]
    design: Design
    seeds: int
    master_seed: int
    fixed: dict[str, Any] = field(default_factory=dict)
    outcomes: tuple[str, ...] = ()
    description: str = ""

    def seed_list(self) -> list[int]:
        """The run seeds, the same for every scenario and design point (common random numbers)."""
        return _spawn(self.master_seed, self.seeds)

    def to_dict(self) -> dict:
        """The runs-deciding part (JSON-ready; hashed for ``--resume``)."""
        scenarios = {}
        for name, sc in self.scenarios.items():
            d = sc.to_dict()
            d.pop("name")
            d.pop("description")
            scenarios[name] = d
        return {
            "scenarios": scenarios,
            "fixed": dict(sorted(self.fixed.items())),
            "design": self.design.to_dict(),
            "seeds": self.seeds,
            "master_seed": self.master_seed,
        }

    def hash(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def tasks(self) -> list[Task]:
        """Every run, scenario-major, then design point, then seed; ids ``<scenario>-p<point>-s<seed>``."""
        seeds = self.seed_list()
        return [
            Task(f"{name}-p{p:05d}-s{i:04d}", name, p, i, seed, dict(point), disabled_levers(sc, point))
            for name, sc in self.scenarios.items()
            for p, point in enumerate(self.design.points)
            for i, seed in enumerate(seeds)
        ]

    def run_inputs(self) -> dict[str, dict]:
        """Scenario name → the dict :func:`~simulation.sweep.runs.run_one` takes."""
        return {name: scenario_dict(sc) for name, sc in self.scenarios.items()}


def load_scenarios(
    paths: list[Path], fixed: dict[str, Any], source: str = "SCENARIO"
) -> dict[str, scenario_mod.Scenario]:
    """Load scenario files with the ``fixed`` overrides applied (errors name ``source``); names must be
    unique and usable as folder names."""
    if not paths:
        raise SweepError(source, "-", "give at least one scenario file")
    out: dict[str, scenario_mod.Scenario] = {}
    for path in paths:
        sc = scenario_mod.load(path)
        off = {f"levers.{n}.enabled": False for n in disabled_levers(sc, fixed)}
        sc = sc.with_overrides({**fixed, **off}, source=source) if fixed else sc
        check_name(sc.name, str(path))
        if sc.name in out:
            raise SweepError(
                str(path), "scenario.name", f"two scenarios are named {sc.name!r}; set [scenario] name in one"
            )
        out[sc.name] = sc
    _check_dosed_somewhere(out, list(fixed), source)
    return out


def lever_of(key: str) -> str | None:
    """The lever whose dose ``key`` sets (``levers.<name>.<key>``, not ``enabled``), else None."""
    parts = key.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "levers" and parts[2] != "enabled" else None


def disabled_levers(sc: scenario_mod.Scenario, assignments: dict[str, Any]) -> tuple[str, ...]:
    """Levers whose dose ``assignments`` set but which stay disabled in ``sc``: in a sweep, that
    scenario is the no-policy arm of those doses (paired with the scenarios that enable them)."""
    names = {lever_of(k) for k in assignments} - {None}
    return tuple(
        sorted(
            n
            for n in names
            if f"levers.{n}.enabled" not in assignments and not sc.params.get(f"levers.{n}.enabled", True)
        )
    )


def _check_dosed_somewhere(scenarios: dict[str, scenario_mod.Scenario], keys: list[str], source: str) -> None:
    """A lever dose given to a sweep must reach at least one scenario that enables the lever."""
    for key in keys:
        name = lever_of(key)
        if name and all(name in disabled_levers(sc, {key: None}) for sc in scenarios.values()):
            raise SweepError(
                source,
                key,
                f"lever {name!r} is disabled in every scenario of this sweep, so this value would be "
                f"ignored; enable it (levers.{name}.enabled=true) or add a scenario that enables it",
            )


def check_factors(scenarios: dict[str, scenario_mod.Scenario], factors: list[Factor], source: str) -> None:
    """Every grid level and both ends of every range must be accepted by every scenario (errors name
    ``source``, the key and what is allowed)."""
    for factor in factors:
        if factor.key == "run.seed":
            raise SweepError(
                source, factor.key, "is set per run from the master seed; use --seeds and --seed"
            )
        values = factor.levels or (_end(factor, factor.low), _end(factor, factor.high))
        for sc in scenarios.values():
            off = {f"levers.{n}.enabled": False for n in disabled_levers(sc, {factor.key: None})}
            for value in values:
                sc.with_overrides({factor.key: value, **off}, source=source)
    _check_dosed_somewhere(scenarios, [f.key for f in factors], source)


def _end(factor: Factor, value: float | None) -> float | int:
    return int(round(value)) if factor.integer else float(value)


def check_name(name: str, source: str) -> None:
    """Scenario names become folder and file names: letters, digits, ``_ . + -`` only."""
    if not NAME.fullmatch(name):
        raise SweepError(
            source, "scenario.name", f"{name!r} cannot name a results folder; use letters, digits, _ . + -"
        )
