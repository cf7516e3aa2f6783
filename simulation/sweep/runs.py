"""The unit of work of every sweep: one scenario, one seed, a few overrides → one :class:`RunResult`.

:func:`run_one` is pure (its result depends only on its arguments), importable by Dask workers and
process pools, and never raises: an error inside the model becomes a run with ``status="failed"``
and the traceback in ``error``, so one bad run never stops or hangs a sweep.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import scenario as scenario_mod

#: Per step x province sums kept in a sweep's run parts (the full step x province x sector table of
#: ``ptsim run`` is ~7x larger; analysts of sweeps need the province view).
SERIES_SUM = (
    "firms",
    "employment",
    "output_yuan",
    "relocations_in",
    "relocations_out",
    "relocated_employment_in",
    "relocated_employment_out",
)
SERIES_FIRST = ("wage_yuan",)  # province values repeated over sectors: take one
SERIES_KEYS = ("step", "quarter", "province", "region")
#: Keys of a sweep's per-run flow part: origin-destination moves summed over the run's steps.
FLOW_KEYS = ("origin", "destination", "origin_region", "destination_region", "sector")
#: Columns of a sweep's per-run channel part (the province x channel table at the last step).
CHANNEL_COLUMNS = (
    "province",
    "region",
    "channel",
    "advantage",
    "lever_effect",
    "lever_effect_mean",
    "advantage_change",
)

#: Fault injection for the tests of failed runs, dying and hanging workers; inert unless set. Value:
#: ``TAG=raise`` (the run with that tag raises), ``TAG=exit`` (the process running it exits at once),
#: ``TAG=exit-once:MARKER`` (exits unless the file MARKER exists, which it creates first),
#: ``TAG=sleep:SECONDS`` (the run sleeps first) or ``TAG=freeze`` (the process stops itself with
#: SIGSTOP, a frozen worker); several separated by ``;``.
FAULT_ENV = "PTSIM_SWEEP_FAULT"


@dataclass
class RunResult:
    """Outcome of one run.

    ``outcomes`` holds the scalar outcomes of :func:`simulation.outputs.summary`
    (:func:`simulation.outputs.scalar_outcomes`), ``outcome_tables`` its nested outcomes as long rows
    by table stem (:func:`simulation.outputs.outcome_tables`); ``timeseries`` (optional) the per
    step x province aggregates;
    ``flows`` and ``channels`` (optional) the run's origin-destination totals (:func:`flow_totals`)
    and its channel table at the last step (:func:`channel_end`).
    """

    tag: str
    seed: int
    status: str  # "ok" or "failed"
    wall_time_s: float
    outcomes: dict[str, float] = field(default_factory=dict)
    error: str = ""
    outcome_tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timeseries: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    channels: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_one(
    scenario: dict,
    seed: int,
    overrides: dict[str, Any] | None = None,
    *,
    tag: str = "",
    timeseries: bool = False,
    tables: bool | None = None,
) -> RunResult:
    """Run ``scenario`` (a nested dict in the layout of a scenario file, see :func:`scenario_dict`)
    with ``run.seed = seed`` and the dotted-key ``overrides``; never raises.

    ``tag`` is echoed in the result (the sweep passes its run id); ``timeseries`` adds the per step x
    province aggregates (:func:`province_series`); ``tables`` (default: as ``timeseries``) adds the
    flow totals (:func:`flow_totals`) and the last step's channel table (:func:`channel_end`).
    """
    t0 = time.perf_counter()
    try:
        _inject_fault(tag)
        from simulation.outputs import outcome_tables, scalar_outcomes, summary
        from simulation.runner import simulate

        sc = scenario_mod.from_dict(scenario, source=f"run {tag or seed}")
        sc = sc.with_overrides({**(overrides or {}), "run.seed": int(seed)}, source=f"run {tag or seed}")
        model = simulate(sc)
        ts = model.recorder.timeseries(model)
        headline = summary(model, ts)
        outcomes, long_rows = scalar_outcomes(headline), outcome_tables(headline)
        series = province_series(ts) if timeseries else None
        flows = channels = None
        if timeseries if tables is None else tables:  # tables default to what timeseries says
            regions = dict(zip(model.world.names, model.world.region, strict=True))
            flows = flow_totals(model.recorder.flow_table(model), regions)
            channels = channel_end(model.recorder.channel_table(model))
    except Exception:  # broad on purpose: a failed run is a result, not a crash of the sweep
        return RunResult(tag, int(seed), "failed", time.perf_counter() - t0, error=traceback.format_exc())
    elapsed = time.perf_counter() - t0
    return RunResult(
        tag,
        int(seed),
        "ok",
        elapsed,
        outcomes,
        "",
        long_rows,
        timeseries=series,
        flows=flows,
        channels=channels,
    )


def scenario_dict(sc: scenario_mod.Scenario) -> dict:
    """A validated scenario as the nested dict :func:`run_one` takes (the layout of a scenario file;
    ``scenario.from_dict(scenario_dict(sc))`` has the same hash as ``sc``)."""
    return scenario_mod._to_raw(sc)  # the layout with_overrides itself round-trips through


def province_series(ts: pd.DataFrame) -> pd.DataFrame:
    """Per step x province sums of the model timeseries (columns :data:`SERIES_SUM`, in the units of
    ``docs/outputs.md``) and the province wage (yuan/year)."""
    sums = [c for c in SERIES_SUM if c in ts.columns]
    firsts = [c for c in SERIES_FIRST if c in ts.columns]
    grouped = ts.groupby(list(SERIES_KEYS), sort=False)
    frame = grouped[sums].sum()
    if firsts:
        frame = frame.join(grouped[firsts].first())
    return frame.reset_index()


def flow_totals(flows: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """Origin-destination moves of a run (``flows.parquet`` layout) summed over its steps: one row per
    origin x destination province x sector that saw a move, with both NBS regions (``regions`` maps
    province to region), ``firms`` (synthetic firms) and ``employment`` (persons, real scale).

    Small: at most one row per pair and sector that ever moved (typically a few hundred); summed over
    provinces it gives the region x region x sector flows.
    """
    frame = flows.assign(
        origin_region=flows["origin"].map(regions), destination_region=flows["destination"].map(regions)
    )
    out = frame.groupby(list(FLOW_KEYS), sort=True)[["firms", "employment"]].sum().reset_index()
    return out.astype({"firms": np.int64, "employment": float})


def channel_end(channels: pd.DataFrame) -> pd.DataFrame:
    """The channel table of a run (``channels.parquet`` layout) at its last step, one row per province
    x channel: ``advantage`` and ``lever_effect`` at the last step, ``lever_effect_mean`` (mean over
    steps >= 1, as the summary's ``lever_effect_by_channel``) and ``advantage_change`` (last step
    minus step 0); all in yuan per yuan of output."""
    keys = ["province", "region", "channel"]
    first, last = channels["step"].min(), channels["step"].max()
    end = channels[channels["step"] == last].set_index(keys)[["advantage", "lever_effect"]]
    start = channels[channels["step"] == first].set_index(keys)["advantage"]
    later = channels[channels["step"] > first]
    if len(later):
        end["lever_effect_mean"] = later.groupby(keys, sort=False)["lever_effect"].mean()
    else:
        end["lever_effect_mean"] = 0.0
    end["advantage_change"] = end["advantage"] - start
    return end.reset_index()[list(CHANNEL_COLUMNS)]


def _inject_fault(tag: str) -> None:
    """Act on :data:`FAULT_ENV` for ``tag`` (tests only)."""
    spec = os.environ.get(FAULT_ENV, "")
    for entry in filter(None, spec.split(";")):
        target, _, action = entry.partition("=")
        if target != tag:
            continue
        if action == "raise":
            raise RuntimeError(f"fault injected for run {tag} ({FAULT_ENV})")
        if action == "exit":
            os._exit(70)
        if action.startswith("sleep:"):
            time.sleep(float(action.removeprefix("sleep:")))
        if action == "freeze":
            os.kill(os.getpid(), signal.SIGSTOP)
        if action.startswith("exit-once:"):
            marker = Path(action.removeprefix("exit-once:"))
            if not marker.exists():
                marker.write_text(f"{os.getpid()}\n")
                os._exit(70)
