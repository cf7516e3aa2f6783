"""Out-of-sample validation of the replay against naive benchmarks (``ptsim validate-history``).

The replay (``scenarios/history/backcast_2011.toml``, optionally with an estimate file's
parameters) gives each province's share of national processing exports by year. The observed
shares are the panel's provincial values over the national total of the same flow and period — a
full year, or the same whole quarters of a year from January (``simulation.history``); the model
is scored over the same months. Years after ``fit_until`` are out of sample: the model is scored on
them against three forecasts fitted on the observed in-sample years only, province by province:

- **persistence**: the province's last observed in-sample share, carried forward;
- **linear trend**: an ordinary least-squares line through the province's in-sample shares over
  the year, extrapolated (persistence when the province has a single in-sample year);
- **shift-share (constant shift)**: the province's value grows at the national rate plus its own
  differential ("regional shift") measured over the base period, held constant (Brown 1969, the
  constant-shift projection; reviewed as a forecasting method by Stevens & Moore 1980). In shares:
  ``s_i(t) = s_i(T) · (s_i(T) / s_i(T0)) ** ((t − T) / (T − T0))``, T0 and T the province's
  first and last in-sample years (persistence with a single in-sample year). With one sector, the
  industry-mix term of a shift-share is zero, so the regional shift is the whole forecast.

Scores (on the same out-of-sample cells for the model and every benchmark): the RMSE and mean
absolute error of the shares (percentage points), Spearman's rank correlation across provinces
(each out-of-sample year, and their mean), and the central + western share against every reported
figure of ``milestones.csv`` (the benchmarks of that aggregate are fitted on its in-sample reported
values). The model's trade share is its export share: the model has no import flow, so a
province's processing imports are taken to be proportional to its exports.

References: Brown, H. J. (1969), "Shift and share projections of regional economic growth: an
empirical test", *Journal of Regional Science* 9(1), 1-18. Stevens, B. H. & Moore, C. L. (1980),
"A critical review of the literature on shift-share as a forecasting technique", *Journal of
Regional Science* 20(4), 419-437.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation import geography
from simulation import scenario as scenario_mod
from simulation.io import atomic_write, write_csv

FORMAT = "ptsim-validation/1"
CW_REGIONS = ("central", "west")  # "central+western": the MOFCOM grouping, north-east excluded
BENCHMARKS = ("persistence", "trend", "shift_share")
FORECASTERS = ("model", *BENCHMARKS)
DEFINITIONS = {
    "persistence": "the province's last observed in-sample share, carried forward",
    "trend": "OLS line of the province's in-sample shares on the year, extrapolated (persistence with one "
    "in-sample year)",
    "shift_share": "constant-shift shift-share (Brown 1969): the province grows at the national rate plus "
    "its "
    "base-period differential, s(t) = s(T) (s(T)/s(T0))^((t-T)/(T-T0)) (persistence with one in-sample year)",
    "model": "the replay's share of national processing exports in the year (mean over seeds)",
}
CELL_COLUMNS = ("province", "year", "months", "sample", "observed", *FORECASTERS)


# --- benchmarks --------------------------------------------------------------------------------


def _series(obs_in: pd.DataFrame) -> dict[str, pd.Series]:
    """Province -> its in-sample shares indexed by year (sorted)."""
    return {p: g.set_index("year")["share"].sort_index() for p, g in obs_in.groupby("province")}


def persistence(obs_in: pd.DataFrame, targets: pd.DataFrame) -> np.ndarray:
    """Last in-sample share of each target's province (NaN without one)."""
    series = _series(obs_in)
    return np.array([series[p].iloc[-1] if p in series else math.nan for p in targets["province"]])


def trend(obs_in: pd.DataFrame, targets: pd.DataFrame) -> np.ndarray:
    """Per-province OLS line through the in-sample shares, at each target's year."""
    series = _series(obs_in)
    out = []
    for p, year in zip(targets["province"], targets["year"], strict=True):
        s = series.get(p)
        if s is None:
            out.append(math.nan)
        elif len(s) < 2:
            out.append(float(s.iloc[-1]))
        else:
            slope, intercept = np.polyfit(s.index.to_numpy(float), s.to_numpy(float), 1)
            out.append(float(intercept + slope * year))
    return np.array(out)


def shift_share(obs_in: pd.DataFrame, targets: pd.DataFrame) -> np.ndarray:
    """Constant-shift projection of each target's province (module docstring)."""
    series = _series(obs_in)
    out = []
    for p, year in zip(targets["province"], targets["year"], strict=True):
        s = series.get(p)
        if s is None:
            out.append(math.nan)
            continue
        t0, t1 = int(s.index[0]), int(s.index[-1])
        first, last = float(s.iloc[0]), float(s.iloc[-1])
        if t1 == t0 or first <= 0 or last <= 0:
            out.append(last)
        else:
            out.append(last * (last / first) ** ((year - t1) / (t1 - t0)))
    return np.array(out)


FORECAST: dict[str, Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]] = {
    "persistence": persistence,
    "trend": trend,
    "shift_share": shift_share,
}


# --- scores ------------------------------------------------------------------------------------


def scores(cells: pd.DataFrame, forecasters: tuple[str, ...] = FORECASTERS) -> dict[str, dict[str, Any]]:
    """Per forecaster: ``n``, ``rmse_pp``, ``mae_pp`` (shares in percentage points) and Spearman's
    rank correlation across provinces per year (``spearman_by_year``, years with ≥ 3 provinces) and
    their mean (``spearman_mean``), on the cells where every forecaster has a value."""
    cells = cells.dropna(subset=["observed", *forecasters])
    out = {}
    for name in forecasters:
        err = (cells[name] - cells["observed"]).to_numpy(float) * 100
        by_year = {}
        for year, g in cells.groupby("year"):
            if len(g) >= 3 and g["observed"].nunique() > 1 and g[name].nunique() > 1:
                by_year[str(int(year))] = float(stats.spearmanr(g["observed"], g[name]).statistic)
        out[name] = {
            "n": len(err),
            "rmse_pp": float(np.sqrt(np.mean(err**2))) if len(err) else math.nan,
            "mae_pp": float(np.mean(np.abs(err))) if len(err) else math.nan,
            "spearman_by_year": by_year,
            "spearman_mean": float(np.mean(list(by_year.values()))) if by_year else math.nan,
        }
    return out


def forecast_cells(observed: pd.DataFrame, model: pd.DataFrame, fit_until: int) -> pd.DataFrame:
    """One row per observed (province, year): its ``months``, ``sample`` (``in``/``out``), the
    observed share, the model's share over the same months and (out of sample) every benchmark's
    forecast fitted on the in-sample years."""
    observed = observed if "months" in observed else observed.assign(months=12)
    model = model if "months" in model else model.assign(months=12)
    cells = observed[["province", "year", "months", "share"]].rename(columns={"share": "observed"})
    cells = cells.merge(
        model.rename(columns={"share": "model"}), on=["province", "year", "months"], how="left"
    )
    cells["sample"] = np.where(cells["year"] <= fit_until, "in", "out")
    obs_in = observed[observed["year"] <= fit_until]
    out = cells["sample"] == "out"
    for name, fn in FORECAST.items():
        cells[name] = math.nan
        if out.any():
            cells.loc[out, name] = fn(obs_in, cells[out])
    return cells[list(CELL_COLUMNS)].sort_values(["year", "province"]).reset_index(drop=True)


def aggregate_forecasts(reported: pd.DataFrame, fit_until: int) -> pd.DataFrame:
    """The three benchmarks of the central + western share (one series, ``share`` as a fraction) at
    every reported year, fitted on its in-sample reported values (the latest value of a year)."""
    series = reported.sort_values(["year", "months"]).groupby("year")["share"].last().reset_index()
    obs_in = series[series["year"] <= fit_until].assign(province="central+western")
    targets = reported.assign(province="central+western")
    return pd.DataFrame({name: fn(obs_in, targets) for name, fn in FORECAST.items()}, index=reported.index)


# --- observed and simulated shares -------------------------------------------------------------


def denominators(national: pd.DataFrame, part_years: pd.DataFrame | None, flow: str) -> pd.DataFrame:
    """National totals of ``flow`` by ``year`` and ``months`` (12: full years; part years from
    ``national_part_years.csv``, the mean where two sources give the same period)."""
    full = national[national["flow"] == flow].assign(months=12)
    frames = [full[["year", "months", "value_100m_yuan"]]]
    if part_years is not None and len(part_years):
        part = part_years[(part_years["flow"] == flow) & (part_years["months"] < 12)]
        frames.append(part[["year", "months", "value_100m_yuan"]])
    both = pd.concat(frames, ignore_index=True).astype({"year": int, "months": int})
    return both.groupby(["year", "months"], as_index=False)["value_100m_yuan"].mean()


def observed_shares(
    panel: pd.DataFrame, national: pd.DataFrame, flow: str, part_years: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Provincial shares of the national total of ``flow`` over the same period: ``province, year,
    months, share`` (fraction), one row per province and year: the full year if reported, else the
    longest part year of whole quarters from January with a national total of that period (the
    model's shares are over whole quarters). A missing cell stays missing."""
    p = panel[(panel["flow"] == flow) & (panel["months"] % 3 == 0)].dropna(subset=["value_100m_yuan"])
    p = p.astype({"year": int, "months": int}).merge(
        denominators(national, part_years, flow), on=["year", "months"], suffixes=("", "_national")
    )
    # one cell per (province, year): the longest period; a reported value before a derived one
    p = p.assign(derived=p["basis"].ne("reported")).sort_values(
        ["province", "year", "months", "derived"], ascending=[True, True, False, True]
    )
    p = p.drop_duplicates(["province", "year"])
    share = p["value_100m_yuan"].to_numpy(float) / p["value_100m_yuan_national"].to_numpy(float)
    return pd.DataFrame(
        {"province": p["province"].to_numpy(), "year": p["year"].to_numpy(int),
         "months": p["months"].to_numpy(int), "share": share}
    ).reset_index(drop=True)  # fmt: skip


def model_shares(ts: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """A run's provincial shares of processing exports by year: ``province, year, share``, from the
    first ``months`` months (whole quarters) of each year the run covers in full (step 0, the
    starting state, left out)."""
    t = ts[ts["step"] > 0]
    q = t["quarter"]  # timestamps in a run folder's Parquet, "2011Q1" in a model's own table
    q = pd.PeriodIndex(
        q.dt.to_period("Q") if pd.api.types.is_datetime64_any_dtype(q) else q.astype(str), freq="Q"
    )
    quarters = math.ceil(months / 3)
    t = t.assign(year=np.asarray(q.year), qn=np.asarray(q.quarter))
    t = t[t["qn"] <= quarters]
    complete = t.groupby("year")["qn"].nunique()
    t = t[t["year"].isin(complete[complete == quarters].index)]
    by = t.groupby(["year", "province"], sort=True)["exports_yuan"].sum()
    share = by / by.groupby(level="year").transform("sum")
    return share.rename("share").reset_index()


def region_members(regions: tuple[str, ...] = CW_REGIONS) -> set[str]:
    """The provinces of ``regions`` (``simulation/data/provinces.csv``)."""
    world = geography.load_china()
    return set(world.names[np.isin(world.region, regions)].tolist())


# --- the whole validation ----------------------------------------------------------------------


@dataclass
class Replay:
    """The simulated shares of a replay over ``seeds`` (mean): by year (``full``) and, per number of
    months of a reported period, over those months (``partial``)."""

    full: pd.DataFrame
    partial: dict[int, pd.DataFrame] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)


def run_replay(
    sc: scenario_mod.Scenario, seeds: list[int], months: set[int], progress: bool = False
) -> Replay:
    """Run ``sc`` once per seed; average its shares (full years and each partial period length)."""
    from simulation.runner import simulate

    full, partial = [], {m: [] for m in months if m != 12}
    for seed in seeds:
        model = simulate(sc.with_overrides({"run.seed": seed}, source="validate-history"), progress)
        ts = model.recorder.timeseries(model)
        full.append(model_shares(ts))
        for m in partial:
            partial[m].append(model_shares(ts, m))

    def mean(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(frames).groupby(["province", "year"], as_index=False)["share"].mean()

    return Replay(mean(full), {m: mean(f) for m, f in partial.items()}, list(seeds))


def replay_table(replay: Replay) -> pd.DataFrame:
    """The replay's shares with a ``months`` column: full years (12) and every part-year length."""
    frames = [replay.full.assign(months=12)] + [f.assign(months=m) for m, f in sorted(replay.partial.items())]
    return pd.concat(frames, ignore_index=True)


def central_western(replay: Replay, milestones: pd.DataFrame, fit_until: int) -> list[dict[str, Any]]:
    """Every reported central + western share beside the model's (same months of the year) and the
    three benchmarks of the aggregate series."""
    rep = milestones[milestones["group"] == "central+western"].copy()
    if rep.empty:
        return []
    rep["share"] = rep["share_pct"].astype(float) / 100
    rep = rep.reset_index(drop=True)
    bench = aggregate_forecasts(rep, fit_until)
    members = region_members()
    rows = []
    for i, r in rep.iterrows():
        shares = replay.full if int(r["months"]) == 12 else replay.partial.get(int(r["months"]))
        model = math.nan
        if shares is not None and int(r["year"]) in set(shares["year"]):
            s = shares[(shares["year"] == int(r["year"])) & shares["province"].isin(members)]
            model = float(s["share"].sum())
        out_of_sample = int(r["year"]) > fit_until
        rows.append(
            {
                "year": int(r["year"]), "period": str(r["period"]), "months": int(r["months"]),
                "flow": str(r["flow"]), "reported_pct": float(r["share_pct"]),
                "model_pct": _pct(model), "sample": "out" if out_of_sample else "in",
                **{f"{b}_pct": _pct(bench.at[i, b]) if out_of_sample else None for b in BENCHMARKS},
            }
        )  # fmt: skip
    return rows


def aggregate_scores(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per forecaster: the mean absolute error (percentage points) of the central + western share
    over the out-of-sample reported figures where every forecaster has a value."""
    out = [r for r in rows if r["sample"] == "out" and all(r[f"{f}_pct"] is not None for f in FORECASTERS)]
    return {
        f: {"n": len(out), "mae_pp": float(np.mean([abs(r[f"{f}_pct"] - r["reported_pct"]) for r in out]))}
        if out
        else {"n": 0, "mae_pp": None}
        for f in FORECASTERS
    }


def _pct(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(100 * float(x), 4)


def verdict(out: dict[str, dict[str, Any]], cw: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Whether the model beats each benchmark out of sample (lower RMSE; higher mean Spearman; lower
    error of the central + western share), and sentences saying so."""
    model = out["model"]
    beats = {
        b: {
            "rmse": bool(model["rmse_pp"] < out[b]["rmse_pp"]),
            "spearman": bool(model["spearman_mean"] > out[b]["spearman_mean"]),
        }
        for b in BENCHMARKS
        if b in out
    }
    if not model["n"]:
        text = "no out-of-sample cells: the panel has no province observed both in and after the fit period"
    elif beats["persistence"]["rmse"]:
        text = (
            f"the model beats persistence out of sample (RMSE {model['rmse_pp']:.3g} vs "
            f"{out['persistence']['rmse_pp']:.3g} pp over {model['n']} cells)"
        )
    else:
        text = (
            f"the model does NOT beat persistence out of sample (RMSE {model['rmse_pp']:.3g} vs "
            f"{out['persistence']['rmse_pp']:.3g} pp over {model['n']} cells): its provincial shares "
            "after the fit period are no better than carrying the last observed shares forward"
        )
    if cw and cw["model"]["n"]:
        m = cw["model"]["mae_pp"]
        for b in BENCHMARKS:
            beats[b]["central_western"] = bool(m < cw[b]["mae_pp"])
        worse = [b for b in BENCHMARKS if not beats[b]["central_western"]]
        text += (
            f"; central + western share: the model's mean error {m:.3g} pp over {cw['model']['n']} reported "
            f"figure(s) after the fit period "
            + (f"is larger than {', '.join(worse)}'s" if worse else "is smaller than every benchmark's")
        )
    return {"beats": beats, "text": text}


def validate(
    observed: pd.DataFrame,
    replay: Replay,
    milestones: pd.DataFrame,
    fit_until: int,
    meta: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The validation document (``validation.json``) and its cell table, from observed shares
    (:func:`observed_shares`), the replay's and the reported aggregate shares."""
    cells = forecast_cells(observed, replay_table(replay), fit_until)
    out_cells = cells[cells["sample"] == "out"]
    out_scores = scores(out_cells)
    in_scores = scores(cells[cells["sample"] == "in"], ("model",))
    cw = central_western(replay, milestones, fit_until)
    doc = {
        "format": FORMAT,
        **meta,
        "fit_until": fit_until,
        "seeds": replay.seeds,
        "definitions": DEFINITIONS,
        "cells": {"in_sample": int((cells["sample"] == "in").sum()), "out_of_sample": len(out_cells)},
        "provinces_out_of_sample": sorted(out_cells["province"].unique().tolist()),
        "years_out_of_sample": sorted(int(y) for y in out_cells["year"].unique()),
        "scores_out_of_sample": out_scores,
        "scores_in_sample": in_scores,
        "central_western": cw,
        "central_western_provinces": sorted(region_members()),
        "central_western_scores": aggregate_scores(cw),
        "verdict": verdict(out_scores, aggregate_scores(cw)),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return doc, cells


def write(doc: dict[str, Any], cells: pd.DataFrame, replay: Replay, out: Path) -> list[Path]:
    """Write ``validation.json``, ``validation_cells.csv`` and ``model_shares.csv`` (the replay's
    shares in every full year) into ``out``, each atomically."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_clean(doc), indent=1, ensure_ascii=False) + "\n"
    atomic_write(out / "validation.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    write_csv(out / "validation_cells.csv", cells)
    write_csv(out / "model_shares.csv", replay.full)
    return [out / "validation.json", out / "validation_cells.csv", out / "model_shares.csv"]


def run(
    scenario: Path,
    out: Path,
    fit_until: int = 2019,
    estimate: Path | None = None,
    seeds: int = 3,
    firms: int | None = None,
    flow: str = "trade",
    progress: bool = False,
) -> dict[str, Any]:
    """The whole validation: load the panel, run the replay (with the estimate's parameters, if
    given) over ``seeds`` seeds, score, write the files into ``out``; returns the document."""
    from simulation import history
    from simulation.sweep.design import spawn_seeds

    estimate = estimate if estimate is not None else default_estimate(fit_until)
    sc, overrides = _scenario(scenario, estimate, fit_until, firms)
    panel, national, part = history.panel(), history.national(), history.national_part_years()
    observed = observed_shares(panel, national, flow, part)
    milestones = history.milestones()
    months = {int(m) for m in milestones["months"]} | {int(m) for m in observed["months"]}
    replay = run_replay(sc, spawn_seeds(sc.params["run.seed"], seeds), months, progress)
    replay.overrides = overrides
    meta = {
        "scenario": str(scenario),
        "estimate": None if estimate is None else str(estimate),
        "parameters": overrides,
        "firms": int(sc.params["run.firms"]),
        "flow": flow,
        "excluded": excluded_cells(panel, national, flow, part),
    }
    covered = observed["year"].isin(set(replay.full["year"]))
    meta["excluded"]["outside_the_replay_years"] = int((~covered).sum())
    meta["excluded"]["used"] = int(covered.sum())
    doc, cells = validate(observed[covered], replay, milestones, fit_until, meta)
    write(doc, cells, replay, Path(out))
    return doc


def default_estimate(fit_until: int) -> Path | None:
    """The estimate to validate when none is given: None if the defaults are assumptions or an
    estimate fitted through ``fit_until`` or earlier; else the shipped ``fit_<fit_until>.json``
    (the defaults were fitted on the years to be scored, so they cannot be scored out of sample)."""
    from simulation import parameters
    from simulation.estimation.estimate_file import read_estimate

    if not parameters.USE_ESTIMATES:
        return None
    fitted_until = read_estimate(parameters.ESTIMATE_FILE).fit_until
    if fitted_until <= fit_until:
        return None
    shipped = parameters.ESTIMATE_FILE.parent / f"fit_{fit_until}.json"
    if shipped.exists():
        return shipped
    raise scenario_mod.ScenarioError(
        "--estimate",
        "fit_until",
        f"the default parameters are the estimate {parameters.ESTIMATE_FILE.name}, fitted on data through "
        f"{fitted_until}, after --fit-until {fit_until}, and no "
        f"fit_{fit_until}.json ships: pass --estimate FILE fitted until {fit_until} or earlier "
        f"(ptsim estimate --fit-until {fit_until})",
    )


def _scenario(
    path: Path, estimate: Path | None, fit_until: int, firms: int | None
) -> tuple[scenario_mod.Scenario, dict[str, Any]]:
    """The replay scenario with the estimate's values (estimated and fixed) and ``run.firms``."""
    sc = scenario_mod.load(path)
    overrides: dict[str, Any] = {}
    if estimate is not None:
        from simulation.estimation.estimate_file import read_estimate

        est = read_estimate(estimate)
        if est.fit_until > fit_until:
            raise scenario_mod.ScenarioError(
                str(estimate),
                "fit_until",
                f"the estimate was fitted on data through {est.fit_until}, after --fit-until {fit_until}: "
                f"its out-of-sample years would not be out of sample; use one fitted until "
                f"{fit_until} or earlier",
            )
        overrides = {**est.fixed, **est.estimate}
    if firms is not None:
        overrides["run.firms"] = firms
    return (sc.with_overrides(overrides, source=str(estimate or "--firms")) if overrides else sc), overrides


def excluded_cells(
    panel: pd.DataFrame, national: pd.DataFrame, flow: str, part_years: pd.DataFrame | None = None
) -> dict[str, int]:
    """How many panel cells of ``flow`` are not scored, by reason, so that the coverage of the scores
    is explicit: a period of months that are not whole quarters, no national total of that period,
    or a shorter period of a province and year that has a longer one."""
    p = panel[panel["flow"] == flow].astype({"year": int, "months": int})
    quarters = p["months"] % 3 == 0
    known = denominators(national, part_years, flow)
    has_total = (
        p.merge(known, on=["year", "months"], how="left", indicator=True)["_merge"].eq("both").to_numpy()
    )
    used = len(observed_shares(panel, national, flow, part_years))
    return {
        "cells_of_flow": len(p),
        "used": used,
        "months_not_whole_quarters": int((~quarters).sum()),
        "no_national_total_of_the_period": int((quarters.to_numpy() & ~has_total).sum()),
        "shorter_period_of_a_used_year": int((quarters.to_numpy() & has_total).sum()) - used,
        "other_flows": int((panel["flow"] != flow).sum()),
    }


def _clean(x: Any) -> Any:
    """NaN and infinities as null (strict JSON)."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def format_report(doc: dict[str, Any]) -> str:
    """The scores as a plain-text table (shares in percentage points) and the verdict."""
    lines = [
        f"out of sample: years after {doc['fit_until']}, {doc['cells']['out_of_sample']} province-year cells "
        f"({doc['cells']['in_sample']} in sample); flow {doc['flow']}",
        f"{'forecast':<12} {'cells':>5} {'RMSE, pp':>9} {'MAE, pp':>8} {'Spearman':>9}",
    ]
    for name, v in doc["scores_out_of_sample"].items():
        rmse, mae, rho = (v[k] for k in ("rmse_pp", "mae_pp", "spearman_mean"))
        lines.append(f"{name:<12} {v['n']:>5} {_f(rmse):>9} {_f(mae):>8} {_f(rho):>9}")
    if doc["central_western"]:
        lines += ["", "central + western share, % (reported vs model and benchmarks)"]
        lines.append(
            f"{'period':<34} {'flow':<8} {'sample':<6} {'reported':>8} {'model':>7} "
            + " ".join(f"{b:>11}" for b in BENCHMARKS)
        )
        for r in doc["central_western"]:
            lines.append(
                f"{r['period']:<34} {r['flow']:<8} {r['sample']:<6} {_f(r['reported_pct']):>8} "
                f"{_f(r['model_pct']):>7} " + " ".join(f"{_f(r[f'{b}_pct']):>11}" for b in BENCHMARKS)
            )
        agg = doc["central_western_scores"]
        lines.append(
            "mean absolute error out of sample, pp: "
            + ", ".join(f"{k} {_f(v['mae_pp'])}" for k, v in agg.items())
            + f" ({agg['model']['n']} reported figures)"
        )
    lines += ["", f"verdict: {doc['verdict']['text']}"]
    return "\n".join(lines)


def _f(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3g}"
