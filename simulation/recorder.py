"""The recorder: aggregates of the state after every step (sector x province arrays, never
per-firm data, so memory grows with steps x provinces x sectors, not with firms), and the tables
the result files are made of. Money and employment are scaled to the real economy; ``firms``
counts synthetic firms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulation import accounts, channels, costs, decision, demography, fiscal
from simulation.levers import CHANNELS, enabled
from simulation.sectors import Sectors
from simulation.state import ModelState

COST_COLUMNS = (
    "labour_cost_yuan",
    "land_cost_yuan",
    "electricity_cost_yuan",
    "logistics_cost_yuan",
    "compliance_cost_yuan",
    "export_risk_cost_yuan",
    "maintenance_gain_yuan",
    "subsidy_yuan",
    "other_inputs_yuan",
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
        self.accounts: list[dict[str, np.ndarray]] = []  # per step: column -> (R,) yuan
        self.programme_real: list[float] = []  # per step: programme spending less bond coupons, yuan
        self.weights: np.ndarray | None = None  # (S, R) step-0 employment: channel weights
        self.start_exports_by_mode: np.ndarray | None = None  # (markets, modes) at step 0, yuan/year
        self.abroad: list[
            dict[str, tuple[np.ndarray, np.ndarray]]
        ] = []  # per step: kind -> (S, K) plants, jobs

    def record(
        self, model: ModelState, moved: np.ndarray, origin: np.ndarray, entered: np.ndarray | None = None
    ) -> None:
        """Aggregate the state after a step; ``moved`` are the firms that moved, from ``origin``,
        ``entered`` the new plants (indices into the firm arrays after the step)."""
        entered = np.zeros(0, np.int64) if entered is None else entered
        f, unit, scale = model.firms, model.unit, model.scale
        s_n, r_n = model.sectors.n, model.world.n
        t = model.tallies

        def by_cell(weights: np.ndarray | None = None, keys: np.ndarray = t.cell) -> np.ndarray:
            return np.bincount(keys, weights=weights, minlength=s_n * r_n).reshape(s_n, r_n)

        pre = decision.pretax_here(model.situation(unit))
        # tax is nonlinear in each firm's margin; every other aggregate is a cell sum (tallies)
        taxable = by_cell(np.maximum(pre - unit.rd_deduction.ravel().take(t.cell), 0.0) * f.output)
        land_inputs = t.inputs - model.params["parks.rent_discount"] * t.park_inputs
        pretax_profit = accounts.pretax_profit(model)
        row = {
            "step": model.steps,
            "quarter": str(model.quarter),
            "firms": t.count.copy(),
            "employment": t.employment * scale,
            "output_yuan": t.output * scale,
            "exports_yuan": t.output * scale * costs.export_share(model.sectors, model.effects),
            "labour_cost_yuan": unit.labour * t.inputs * scale,
            "land_cost_yuan": unit.land * land_inputs * scale,
            "electricity_cost_yuan": unit.electricity * t.output * scale,
            "logistics_cost_yuan": unit.logistics * t.output * scale,
            "compliance_cost_yuan": unit.compliance * t.output * scale,
            "export_risk_cost_yuan": unit.risk * t.output * scale,
            "maintenance_gain_yuan": unit.maintenance * t.output * scale,
            "subsidy_yuan": unit.subsidy * t.output * scale,
            "other_inputs_yuan": (1 - model.gross_margin)[:, None] * t.output * scale,
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
        turnover = model.turnover
        for kind in demography.KINDS:
            row[f"firms_{kind}"] = turnover.plants[kind].astype(np.int64)
        for kind in (*demography.KINDS, "grown"):
            row[f"employment_{kind}"] = turnover.employment[kind] * scale
        self.abroad.append(
            {k: (v.copy(), turnover.abroad_employment[k] * scale) for k, v in turnover.abroad_plants.items()}
        )
        self.steps.append(row)
        if self.start_exports_by_mode is None:  # the scale card's start; no later step needs it
            self.start_exports_by_mode = exports_by_mode(row["exports_yuan"], model.sectors, unit)
        if self.weights is None:
            self.weights = t.employment.copy()
        self.advantage.append(channels.record(model, self.weights))
        arrived = np.concatenate([moved, entered])  # new plants take relocation support as movers do
        self.fiscal.append(fiscal.quarter_costs(model, arrived, pre, taxable) if model.steps > 0 else {})
        self.accounts.append(accounts.quarter(model, moved, pre, taxable))
        coupons = float(model.effects.bonds.get("interest", np.zeros(1)).sum())
        self.programme_real.append(
            sum(model.effects.programme.values()) - coupons if model.steps > 0 else 0.0
        )
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

    def timeseries(self, model: ModelState) -> pd.DataFrame:
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
        for k in ("relocations_in", "relocations_out", *(f"firms_{kind}" for kind in demography.KINDS)):
            df[k] = df[k].astype(np.int64)
        return df

    def channel_table(self, model: ModelState) -> pd.DataFrame:
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

    def fiscal_table(self, model: ModelState) -> pd.DataFrame:
        """One row per step x enabled lever: yuan spent in the quarter (0 when it spent nothing)."""
        names = enabled(model.spec.params)
        rows = [
            (row["step"], row["quarter"], name, spent.get(name, 0.0))
            for row, spent in zip(self.steps, self.fiscal, strict=True)
            for name in names
        ]
        return pd.DataFrame(rows, columns=["step", "quarter", "lever", "yuan"]).astype(
            {"step": np.int64, "quarter": str, "lever": str, "yuan": float}
        )

    def accounts_table(self, model: ModelState) -> pd.DataFrame:
        """One row per step x province: the accounts of :mod:`simulation.accounts` (yuan in the
        quarter; step 0 holds the start's flows and no moves)."""
        r_n, n_steps = model.world.n, len(self.accounts)
        frame: dict[str, Any] = {
            "step": np.repeat([row["step"] for row in self.steps], r_n).astype(np.int64),
            "quarter": np.repeat([row["quarter"] for row in self.steps], r_n),
            "province": np.tile(model.world.names, n_steps),
            "region": np.tile(model.world.region, n_steps),
        }
        for column in accounts.COLUMNS:
            frame[column] = np.concatenate([row[column] for row in self.accounts]).astype(float)
        return pd.DataFrame(frame)

    def abroad_table(self, model: ModelState) -> pd.DataFrame:
        """One row per step x place abroad x sector: plants and employment that went there in the
        quarter, from China's provinces (``plants_from_china``) and as new plants
        (``plants_new``), and the totals since the start."""
        names = () if model.abroad is None else model.abroad.names
        s_n, k = model.sectors.n, len(names)
        n_steps = len(self.abroad)
        frame: dict[str, np.ndarray] = {
            "step": np.repeat([row["step"] for row in self.steps], k * s_n).astype(np.int64),
            "quarter": np.repeat([row["quarter"] for row in self.steps], k * s_n),
            "country": np.tile(np.repeat(np.asarray(names, dtype=object), s_n), n_steps),
            "sector": np.tile(model.sectors.names, n_steps * k),
        }
        for kind, label in (("firms_abroad", "from_china"), ("new_abroad", "new")):
            plants = np.stack([row[kind][0].T for row in self.abroad]) if k else np.zeros((n_steps, 0, s_n))
            jobs = np.stack([row[kind][1].T for row in self.abroad]) if k else np.zeros((n_steps, 0, s_n))
            frame[f"plants_{label}"] = plants.ravel().astype(np.int64)
            frame[f"employment_{label}"] = jobs.ravel()
        plants = (frame["plants_from_china"] + frame["plants_new"]).reshape(n_steps, -1)
        jobs = (frame["employment_from_china"] + frame["employment_new"]).reshape(n_steps, -1)
        frame["plants_total"] = plants.cumsum(axis=0).ravel()
        frame["employment_total"] = jobs.cumsum(axis=0).ravel()
        return pd.DataFrame(frame)

    def flow_table(self, model: ModelState) -> pd.DataFrame:
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


def exports_by_mode(exports: np.ndarray, sectors: Sectors, unit: costs.UnitCosts) -> np.ndarray:
    """(markets, modes) exports in yuan/year: ``exports`` (S, R) by each sector's destination shares
    and the value shares of the freight modes to each market (``UnitCosts.mode_shares``)."""
    return np.einsum("sr,sm,srmk->mk", exports, sectors.destinations(), unit.mode_shares)
