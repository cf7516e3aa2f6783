"""Run a sweep end to end: open the results folder, run what is not finished, write the tables.

:func:`run_sweep` is what ``ptsim sweep`` and ``ptsim experiment`` call; it is also the Python API.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from simulation.io import write_csv, write_parquet
from simulation.sweep import design as design_mod
from simulation.sweep import effects as effects_mod
from simulation.sweep.errors import MAX_RUNS, SweepError
from simulation.sweep.executors import Backend, execute
from simulation.sweep.runs import RunResult
from simulation.sweep.spec import SweepSpec, Task
from simulation.sweep.store import Store


@dataclass
class SweepOutcome:
    """What a finished sweep wrote: the summary table, effects, sensitivity indices and notes."""

    out: Path
    summary: pd.DataFrame
    effects: pd.DataFrame | None = None
    cost_effectiveness: pd.DataFrame | None = None
    net_fiscal_cost: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return int((self.summary["status"] != "ok").sum()) if len(self.summary) else 0


def run_sweep(
    spec: SweepSpec,
    out: Path,
    be: Backend,
    resume: bool = False,
    progress: bool | None = None,
    retry_failed: bool = False,
) -> SweepOutcome:
    """Run every run of ``spec`` not already finished in ``out`` on ``be``; write summary tables,
    effects (if several scenarios) and sensitivity indices (Morris/Saltelli designs).

    ``progress``: show a progress bar (None: only on a terminal); ``retry_failed`` (with ``resume``):
    run the failed runs again.
    """
    runs = len(spec.scenarios) * len(spec.design.points) * spec.seeds
    if runs > MAX_RUNS:
        raise SweepError(
            "sweep",
            "runs",
            f"{len(spec.scenarios)} scenario(s) x {len(spec.design.points):,} point(s) x {spec.seeds:,} "
            f"seed(s) = {runs:,} runs, more than the {MAX_RUNS:,} one sweep may have; split it",
        )
    store = Store(out)
    tasks = spec.tasks()
    seeds = spec.seed_list()
    extra = {
        "name": spec.name,
        "description": spec.description,
        "master_seed": spec.master_seed,
        "seeds": seeds,
        "outcomes": list(spec.outcomes),
        "scenario_order": list(spec.scenarios),
        "scenario_sources": {n: sc.source for n, sc in spec.scenarios.items()},
        "scenario_hashes": {n: sc.hash() for n, sc in spec.scenarios.items()},
        "executor": be.name,
        "command": sys.argv,
    }
    records = store.open(spec.to_dict(), spec.hash(), resume, extra, retry_failed)
    if store.redone:
        shown = ", ".join(store.redone[:5]) + (
            f" and {len(store.redone) - 5} more" if len(store.redone) > 5 else ""
        )
        print(
            f"ptsim: {len(store.redone)} run(s) had a damaged record or Parquet part and run again: {shown}",
            file=sys.stderr,
        )
    write_csv(out / "design.csv", spec.design.table())
    todo = [t for t in tasks if t.run_id not in records]
    with _bar(spec.name, len(tasks), records, progress) as bar:

        def on_result(task: Task, result: RunResult) -> None:
            records[task.run_id] = store.write_run(task, result, task.overrides)
            bar.failed += not result.ok
            bar.set_postfix_str(f"failed={bar.failed}", refresh=False)
            bar.update(1)

        execute(todo, spec.run_inputs(), be, on_result, parts=store.part_paths if be.local else None)
    table = store.finish(tasks, records, spec.to_dict(), spec.hash())
    result = SweepOutcome(out, table)
    _write_effects(spec, result)
    _write_sensitivity(spec, result)
    return result


def _bar(name: str, total: int, records: dict[str, dict], progress: bool | None) -> tqdm:
    bar = tqdm(
        total=total,
        initial=len(records),
        desc=name,
        unit="run",
        disable=None if progress is None else not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    bar.failed = sum(r["status"] != "ok" for r in records.values())
    bar.set_postfix_str(f"failed={bar.failed}", refresh=False)
    return bar


def _write_effects(spec: SweepSpec, result: SweepOutcome) -> None:
    if len(spec.scenarios) < 2:
        return
    table = effects_mod.with_selected(result.summary, result.out, list(spec.outcomes))
    outcomes = effects_mod.choose_outcomes(table, list(spec.outcomes) or None, "outcomes", result.out)
    baseline = effects_mod.default_baseline(list(spec.scenarios))
    eff = effects_mod.paired_effects(table, baseline, outcomes)
    write_parquet(result.out / "effects.parquet", eff)
    write_csv(result.out / "effects.csv", eff)
    result.effects = eff
    ce = effects_mod.cost_effectiveness(result.summary, baseline)
    if not ce.empty:
        write_parquet(result.out / "cost_effectiveness.parquet", ce)
        write_csv(result.out / "cost_effectiveness.csv", ce)
        result.cost_effectiveness = ce
    net = effects_mod.net_fiscal_cost(result.summary, baseline)
    if not net.empty:
        write_parquet(result.out / "net_fiscal_cost.parquet", net)
        write_csv(result.out / "net_fiscal_cost.csv", net)
        result.net_fiscal_cost = net


def _write_sensitivity(spec: SweepSpec, result: SweepOutcome) -> None:
    """Indices per scenario and outcome from the mean over seeds at each design point."""
    if spec.design.method not in design_mod.SENSITIVITY:
        return
    table = effects_mod.with_selected(result.summary, result.out, list(spec.outcomes))
    outcomes = effects_mod.choose_outcomes(table, list(spec.outcomes) or None, "outcomes", result.out)
    frames = []
    for name in spec.scenarios:
        ok = table[(table["scenario"] == name) & (table["status"] == "ok")]
        for outcome in outcomes:
            y = ok.groupby("point")[outcome].mean().reindex(range(len(spec.design.points)))
            try:
                idx = design_mod.analyze(spec.design, y.to_numpy(dtype=float))
            except SweepError as exc:
                result.notes.append(f"no sensitivity indices for {name} / {outcome}: {exc}")
                continue
            idx.insert(0, "outcome", outcome)
            idx.insert(0, "scenario", name)
            idx.insert(2, "method", spec.design.method)
            frames.append(idx)
    if frames:
        sens = pd.concat(frames, ignore_index=True)
        write_parquet(result.out / "sensitivity.parquet", sens)
        write_csv(result.out / "sensitivity.csv", sens)
        result.sensitivity = sens
