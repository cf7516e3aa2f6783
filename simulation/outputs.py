"""Outputs: aggregates recorded every step, and the result files of a run.

Per step the recorder keeps (sector x province) arrays only, never per-firm data, so memory grows
with steps x provinces x sectors, not with firms. Monetary values and employment are scaled to the
real economy (``economy.processing_employment_total``); ``firms`` counts synthetic firms.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation import channels, fiscal
from simulation.levers import CHANNELS

if TYPE_CHECKING:
    from simulation.model import RelocationModel

COST_COLUMNS = (
    "labour_cost_yuan",
    "land_cost_yuan",
    "electricity_cost_yuan",
    "logistics_cost_yuan",
    "compliance_cost_yuan",
    "market_access_gain_yuan",
    "tax_yuan",
    "pretax_profit_yuan",
)


class Recorder:
    """Collects per-step aggregates of a model run."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.flows: list[np.ndarray] = []  # rows: step, origin, dest, sector, firms, employment
        self.advantage: list[tuple[np.ndarray, np.ndarray]] = []  # per step: (R, C) with, lever effect
        self.fiscal: list[dict[str, float]] = []  # per step: lever -> yuan spent in the quarter
        self.weights: np.ndarray | None = None  # (S, R) step-0 employment: channel weights

    def record(self, model: RelocationModel, moved: np.ndarray, origin: np.ndarray) -> None:
        """Aggregate the state after a step; ``moved`` are the firms that moved, from ``origin``."""
        f, unit, scale = model.firms, model.unit, model.scale
        s_n, r_n = model.sectors.n, model.world.n
        t = model.tallies

        def by_cell(weights: np.ndarray | None = None, keys: np.ndarray = t.cell) -> np.ndarray:
            return np.bincount(keys, weights=weights, minlength=s_n * r_n).reshape(s_n, r_n)

        pre = model._pretax_here(unit)
        # tax is nonlinear in each firm's margin; every other aggregate is a cell sum (tallies)
        taxable = by_cell(np.maximum(pre - unit.rd_deduction.ravel().take(t.cell), 0.0) * f.output)
        land_inputs = t.inputs - model.params["parks.rent_discount"] * t.park_inputs
        pretax_profit = unit.fixed_part(model.gross_margin) * t.output - unit.labour * t.inputs
        pretax_profit -= unit.land * land_inputs
        row = {
            "step": model.steps,
            "quarter": str(model.quarter),
            "firms": t.count.copy(),
            "employment": t.employment * scale,
            "output_yuan": t.output * scale,
            "exports_yuan": t.output * scale * (1 - model.sectors.col("domestic_sales_share"))[:, None],
            "labour_cost_yuan": unit.labour * t.inputs * scale,
            "land_cost_yuan": unit.land * land_inputs * scale,
            "electricity_cost_yuan": unit.electricity * t.output * scale,
            "logistics_cost_yuan": unit.logistics * t.output * scale,
            "compliance_cost_yuan": unit.compliance * t.output * scale,
            "market_access_gain_yuan": unit.market_access * t.output * scale,
            "tax_yuan": unit.tax_rate[None, :] * taxable * scale,
            "pretax_profit_yuan": pretax_profit * scale,
            "wage_yuan": model.wage.copy(),
            "rent_index": model.rent_index.copy(),
            "park_capacity_jobs": model.park_capacity * scale,
            "park_occupied_jobs": (model.park_capacity - model.park_free()) * scale,
        }
        dest_cell = f.sector[moved] * r_n + f.location[moved]
        orig_cell = f.sector[moved] * r_n + origin
        row["relocations_in"] = by_cell(None, dest_cell)
        row["relocations_out"] = by_cell(None, orig_cell)
        row["relocated_employment_in"] = by_cell(f.employment[moved], dest_cell) * scale
        row["relocated_employment_out"] = by_cell(f.employment[moved], orig_cell) * scale
        self.steps.append(row)
        if self.weights is None:
            self.weights = t.employment.copy()
        self.advantage.append(channels.record(model, self.weights))
        self.fiscal.append(fiscal.quarter_costs(model, moved, pre, taxable) if model.steps > 0 else {})
        if len(moved):
            key = (origin * r_n + f.location[moved]) * s_n + f.sector[moved]
            uniq, inv = np.unique(key, return_inverse=True)
            n = np.bincount(inv)
            emp = np.bincount(inv, weights=f.employment[moved]) * scale
            sector = uniq % s_n
            od = uniq // s_n
            self.flows.append(
                np.column_stack([np.full(len(uniq), model.steps), od // r_n, od % r_n, sector, n, emp])
            )

    def timeseries(self, model: RelocationModel) -> pd.DataFrame:
        """One row per step x province x sector."""
        s_n, r_n = model.sectors.n, model.world.n
        per_cell = [k for k, v in self.steps[0].items() if isinstance(v, np.ndarray) and v.ndim == 2]
        per_prov = [k for k, v in self.steps[0].items() if isinstance(v, np.ndarray) and v.ndim == 1]
        n_steps = len(self.steps)
        frame = {
            "step": np.repeat([row["step"] for row in self.steps], s_n * r_n).astype(np.int64),
            "quarter": np.repeat([row["quarter"] for row in self.steps], s_n * r_n),
            "province": np.tile(model.world.names, n_steps * s_n),
            "region": np.tile(model.world.region, n_steps * s_n),
            "sector": np.tile(np.repeat(model.sectors.names, r_n), n_steps),
        }
        for k in per_cell:
            frame[k] = np.concatenate([row[k].ravel() for row in self.steps])
        for k in per_prov:
            frame[k] = np.concatenate([np.tile(row[k], s_n) for row in self.steps])
        df = pd.DataFrame(frame)
        df["firms"] = df["firms"].astype(np.int64)
        for k in ("relocations_in", "relocations_out"):
            df[k] = df[k].astype(np.int64)
        return df

    def channel_table(self, model: RelocationModel) -> pd.DataFrame:
        """One row per step x province x channel: advantage and the levers' direct effect on it."""
        r_n, c_n, n_steps = model.world.n, len(CHANNELS), len(self.advantage)
        return pd.DataFrame(
            {
                "step": np.repeat([row["step"] for row in self.steps], r_n * c_n).astype(np.int64),
                "quarter": np.repeat([row["quarter"] for row in self.steps], r_n * c_n),
                "province": np.tile(np.repeat(model.world.names, c_n), n_steps),
                "region": np.tile(np.repeat(model.world.region, c_n), n_steps),
                "channel": np.tile(CHANNELS, n_steps * r_n),
                "advantage": np.concatenate([a.ravel() for a, _ in self.advantage]),
                "lever_effect": np.concatenate([d.ravel() for _, d in self.advantage]),
            }
        )

    def fiscal_table(self, model: RelocationModel) -> pd.DataFrame:
        """One row per step x enabled lever: yuan spent in the quarter (0 when it spent nothing)."""
        from simulation.levers import enabled

        names = enabled(model.spec.params)
        rows = [
            (row["step"], row["quarter"], name, spent.get(name, 0.0))
            for row, spent in zip(self.steps, self.fiscal, strict=True)
            for name in names
        ]
        return pd.DataFrame(rows, columns=["step", "quarter", "lever", "yuan"]).astype(
            {"step": np.int64, "quarter": str, "lever": str, "yuan": float}
        )

    def flow_table(self, model: RelocationModel) -> pd.DataFrame:
        """Origin-destination flows per step and sector (firms and employment moved)."""
        cols = ["step", "origin", "destination", "sector", "firms", "employment"]
        if not self.flows:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c != "employment" else "float64") for c in cols}
            ).astype({"origin": str, "destination": str, "sector": str})
        a = np.concatenate(self.flows)
        idx = a[:, :5].astype(np.int64)
        return pd.DataFrame(
            {
                "step": idx[:, 0],
                "origin": model.world.names[idx[:, 1]],
                "destination": model.world.names[idx[:, 2]],
                "sector": model.sectors.names[idx[:, 3]],
                "firms": idx[:, 4],
                "employment": a[:, 5],
            }
        )


def summary(model: RelocationModel, ts: pd.DataFrame) -> dict[str, Any]:
    """Headline outcomes of a run (JSON-ready)."""
    first, last = ts["step"].min(), ts["step"].max()

    def region_shares(step: int) -> dict[str, float]:
        emp = ts[ts["step"] == step].groupby("region")["employment"].sum()
        return {k: float(v / emp.sum()) for k, v in emp.items()}

    def inland(step: int, column: str) -> float:
        frame = ts[ts["step"] == step]
        inland_mask = frame["region"] != "east"
        return float(frame.loc[inland_mask, column].sum() / frame[column].sum())

    moved = ts[ts["step"] > first]
    end = ts[ts["step"] == last]
    return {
        "scenario": model.spec.name,
        "scenario_hash": model.spec.hash(),
        "seed": model.seed,
        "steps": int(last),
        "firms": int(model.firms.n),
        "start_quarter": str(model.start),
        "end_quarter": str(model.quarter),
        "inland_employment_share_start": inland(first, "employment"),
        "inland_employment_share_end": inland(last, "employment"),
        "inland_output_share_start": inland(first, "output_yuan"),
        "inland_output_share_end": inland(last, "output_yuan"),
        "inland_employment_end": float(end.loc[end["region"] != "east", "employment"].sum()),
        "inland_employment_share_end_by_sector": _by_sector(end, "employment", inland_only=True),
        "electricity_cost_share_end_by_sector": _by_sector(end, "electricity_cost_yuan"),
        "region_employment_share_start": region_shares(first),
        "region_employment_share_end": region_shares(last),
        "relocations_total": int(moved["relocations_in"].sum()),
        "relocated_employment_total": float(moved["relocated_employment_in"].sum()),
        **lever_outcomes(model),
        "employment_total": float(ts.loc[ts["step"] == last, "employment"].sum()),
        "calibration": None
        if model.calibration is None
        else {
            "iterations": model.calibration.iterations,
            "max_log_error": model.calibration.max_error,
            "converged": model.calibration.converged,
        },
    }


def _by_sector(frame: pd.DataFrame, column: str, inland_only: bool = False) -> dict[str, float]:
    """Per sector: the inland share of ``column`` (``inland_only``), else ``column`` per yuan of output."""
    g = frame.groupby("sector", sort=False)
    if inland_only:
        inland = frame[frame["region"] != "east"].groupby("sector", sort=False)[column].sum()
        total = g[column].sum()
        return {str(k): float(inland.get(k, 0.0) / v) if v > 0 else 0.0 for k, v in total.items()}
    out = g["output_yuan"].sum()
    return {str(k): float(v / out[k]) if out[k] > 0 else 0.0 for k, v in g[column].sum().items()}


def lever_outcomes(model: RelocationModel) -> dict[str, Any]:
    """Levers enabled, fiscal cost per lever, jobs moved inland per 100 million yuan, channels."""
    from simulation.levers import enabled

    names = enabled(model.spec.params)
    rec = model.recorder
    spent = {name: float(sum(q.get(name, 0.0) for q in rec.fiscal)) for name in names}
    total = float(sum(spent.values()))
    to_inland = relocated_to_inland(model)
    return {
        "levers": names,
        "fiscal_cost_yuan": spent,
        "fiscal_cost_yuan_total": total,
        "relocated_jobs_to_inland": to_inland,
        "jobs_relocated_per_100m_yuan": to_inland / (total / 1e8) if total > 0 else None,
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


def relocated_to_inland(model: RelocationModel) -> float:
    """Jobs (real) that moved from an eastern province to an inland one over the run."""
    if not model.recorder.flows:
        return 0.0
    a = np.concatenate(model.recorder.flows)
    inland = model.world.inland
    east_to_inland = ~inland[a[:, 1].astype(int)] & inland[a[:, 2].astype(int)]
    return float(a[east_to_inland, 5].sum())


def _by_channel(model: RelocationModel, adv: np.ndarray) -> dict[str, Any]:
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


def atomic_write(path: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: Path, data: dict) -> None:
    atomic_write(
        path, lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    )


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda p: df.to_parquet(p, index=False, compression="zstd"))
