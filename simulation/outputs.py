"""Outputs: the headline summary of a run (with its scale card) from the recorder's tables.

Monetary values and employment are scaled to the real economy (the scale anchored on
``economy.processing_exports_yuan``); ``run_firms`` counts synthetic firms.

:func:`scalar_outcomes` and :func:`outcome_tables` split a summary into the two shapes of a sweep's
summary tables (``simulation.results_format.SWEEP_SUMMARY`` and ``OUTCOME_TABLES``): the numeric
scalars under identifier names, and the nested dicts as long rows, one per region, sector, lever,
channel, province x channel, lever x channel and scale-card entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation import accounts, channels, demography, scale
from simulation import results_format as fmt
from simulation.geography import is_inland
from simulation.levers import CHANNELS, enabled

if TYPE_CHECKING:
    from simulation.recorder import Recorder
    from simulation.state import ModelState


def summary(model: ModelState, ts: pd.DataFrame) -> dict[str, Any]:
    """Headline outcomes of a run (JSON-ready)."""
    first, last = ts["step"].min(), ts["step"].max()

    def region_shares(step: int) -> dict[str, float]:
        emp = ts[ts["step"] == step].groupby("region")["employment"].sum()
        return {k: float(v / emp.sum()) for k, v in emp.items()}

    def inland(step: int, column: str) -> float:
        frame = ts[ts["step"] == step]
        inland_mask = is_inland(frame["region"])
        return float(frame.loc[inland_mask, column].sum() / frame[column].sum())

    moved = ts[ts["step"] > first]
    end = ts[ts["step"] == last]
    return {
        "scenario": model.spec.name,
        "scenario_hash": model.spec.hash(),
        "seed": model.seed,
        "steps": int(last),
        "run_firms": int(model.spec.params["run.firms"]),  # the run size (plants change with entry and exit)
        "start_quarter": str(model.start),
        "end_quarter": str(model.quarter),
        "inland_employment_share_start": inland(first, "employment"),
        "inland_employment_share_end": inland(last, "employment"),
        "inland_output_share_start": inland(first, "output_yuan"),
        "inland_output_share_end": inland(last, "output_yuan"),
        "inland_employment_end": float(end.loc[is_inland(end["region"]), "employment"].sum()),
        "east_employment_end": float(end.loc[~is_inland(end["region"]), "employment"].sum()),
        "inland_employment_share_end_by_sector": _by_sector(end, "employment", inland_only=True),
        "electricity_cost_share_end_by_sector": _by_sector(end, "electricity_cost_yuan"),
        "region_employment_share_start": region_shares(first),
        "region_employment_share_end": region_shares(last),
        "relocations_total": int(moved["relocations_in"].sum()),
        "relocated_employment_total": float(moved["relocated_employment_in"].sum()),
        **{f"firms_{kind}_total": int(moved[f"firms_{kind}"].sum()) for kind in demography.KINDS},
        **abroad_outcomes(model),
        **lever_outcomes(model),
        **accounts.totals(model),
        "employment_total": float(ts.loc[ts["step"] == last, "employment"].sum()),
        "scale": scale.card(model, model.recorder, ts),
        "calibration": None
        if model.calibration is None
        else {
            "iterations": model.calibration.iterations,
            "max_log_error": model.calibration.max_error,
            "converged": model.calibration.converged,
        },
    }


def abroad_outcomes(model: ModelState) -> dict[str, Any]:
    """Employment gone abroad over the run, in total and by place abroad (real persons)."""
    table = model.recorder.abroad_table(model)
    jobs = (table["employment_from_china"] + table["employment_new"]).groupby(table["country"]).sum()
    return {
        "employment_abroad_total": float(jobs.sum()),
        "employment_abroad_by_country": {str(k): float(v) for k, v in jobs.items()},
    }


def _by_sector(frame: pd.DataFrame, column: str, inland_only: bool = False) -> dict[str, float]:
    """Per sector: the inland share of ``column`` (``inland_only``), else ``column`` per yuan of output."""
    g = frame.groupby("sector", sort=False)
    if inland_only:
        inland = frame[is_inland(frame["region"])].groupby("sector", sort=False)[column].sum()
        total = g[column].sum()
        return {str(k): float(inland.get(k, 0.0) / v) if v > 0 else 0.0 for k, v in total.items()}
    out = g["output_yuan"].sum()
    return {str(k): float(v / out[k]) if out[k] > 0 else 0.0 for k, v in g[column].sum().items()}


def lever_outcomes(model: ModelState) -> dict[str, Any]:
    """Levers enabled, gross fiscal cost per lever, jobs moved inland (gross), channels."""
    names = enabled(model.spec.params)
    rec = model.recorder
    spent = {name: float(sum(q.get(name, 0.0) for q in rec.fiscal)) for name in names}
    total = float(sum(spent.values()))
    to_inland = relocated_to_inland(model)
    return {
        "levers": names,
        "fiscal_cost_yuan": spent,
        "fiscal_cost_yuan_total": total,
        "relocated_jobs_to_inland": to_inland,  # gross: the lever's effect needs a baseline (compare)
        "advantage_change_by_channel": _by_channel(model, rec.advantage[-1][0] - rec.advantage[0][0]),
        "lever_effect_by_channel_each": {
            name: _by_channel(model, adv)["inland"]
            for name, adv in channels.per_lever(model, rec.weights).items()
        },
        "lever_effect_by_channel": _by_channel(model, _mean_lever_effect(rec)),
    }


def _mean_lever_effect(rec: Recorder) -> np.ndarray:
    """(R, C) mean direct lever effect over the simulated quarters (zeros before the first)."""
    effects = [d for _, d in rec.advantage[1:]]
    return np.mean(effects, axis=0) if effects else np.zeros_like(rec.advantage[0][1])


def relocated_to_inland(model: ModelState) -> float:
    """Jobs (real) that moved from an eastern province to an inland one over the run."""
    if not model.recorder.flows:
        return 0.0
    a = np.concatenate(model.recorder.flows)
    inland = model.world.inland
    east_to_inland = ~inland[a[:, 1].astype(int)] & inland[a[:, 2].astype(int)]
    return float(a[east_to_inland, 5].sum())


def _by_channel(model: ModelState, adv: np.ndarray) -> dict[str, Any]:
    """JSON form of an (R, C) array: per province, and the employment-weighted inland mean."""
    emp0 = model.recorder.weights.sum(axis=0)
    inland = model.world.inland
    w = emp0 * inland / max((emp0 * inland).sum(), 1e-300)
    return {
        "inland": {c: float(w @ adv[:, i]) for i, c in enumerate(CHANNELS)},
        "provinces": {
            str(name): {c: float(adv[r, i]) for i, c in enumerate(CHANNELS)}
            for r, name in enumerate(model.world.names)
        },
    }


def scalar_outcomes(summary: dict[str, Any]) -> dict[str, float]:
    """The numeric scalars of ``summary`` (the columns :data:`simulation.results_format.SCALAR_OUTCOMES`;
    booleans as 0/1; a null is left out, the summary table shows it as empty), named as declared there."""
    calibration = summary.get("calibration") or {}
    flat = {**summary, **{f"calibration_{k}": v for k, v in calibration.items()}}
    out: dict[str, float] = {}
    for field in fmt.SCALAR_OUTCOMES:
        value = flat.get(field.name)
        if isinstance(value, (bool, np.bool_)):
            out[field.name] = float(value)
        elif isinstance(value, (int, np.integer)):
            out[field.name] = int(value)
        elif value is not None:
            out[field.name] = float(value)
    return out


def outcome_tables(summary: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The nested outcomes of ``summary`` as long rows, by table stem (``summary_by_sector``, ...):
    the key and value columns of each table of :data:`simulation.results_format.OUTCOME_TABLES`
    (without the run ids, which the sweep adds)."""
    regions, sectors = (
        summary["region_employment_share_start"],
        summary["inland_employment_share_end_by_sector"],
    )
    end_regions = summary["region_employment_share_end"]
    joint, change = summary["lever_effect_by_channel"], summary["advantage_change_by_channel"]
    by_province = joint["provinces"]
    fields = ("model", "documented", "ratio", "documented_year", "unit", "confidence")
    rows = {
        fmt.BY_REGION: [
            {"region": r, "employment_share_start": v, "employment_share_end": end_regions[r]}
            for r, v in regions.items()
        ],
        fmt.BY_SECTOR: [
            {"sector": k, "sector_inland_share_end": v,
             "electricity_cost_share_end": summary["electricity_cost_share_end_by_sector"][k]}
            for k, v in sectors.items()
        ],
        fmt.BY_LEVER: [{"lever": k, "fiscal_cost_yuan": v} for k, v in summary["fiscal_cost_yuan"].items()],
        fmt.BY_CHANNEL: [
            {"channel": c, "inland_advantage_change": v, "inland_lever_effect_mean": joint["inland"][c]}
            for c, v in change["inland"].items()
        ],
        fmt.BY_PROVINCE_CHANNEL: [
            {"province": p, "channel": c, "advantage_change": v, "lever_effect_mean": by_province[p][c]}
            for p, by in change["provinces"].items()
            for c, v in by.items()
        ],
        fmt.BY_LEVER_CHANNEL: [
            {"lever": k, "channel": c, "lever_effect_alone": v}
            for k, by in summary["lever_effect_by_channel_each"].items()
            for c, v in by.items()
        ],
        fmt.BY_SCALE_ENTRY: [
            {"entry": k, **{f: entry.get(f) for f in fields}} for k, entry in summary["scale"].items()
        ],
    }  # fmt: skip
    return {table.stem: table_rows for table, table_rows in rows.items()}
