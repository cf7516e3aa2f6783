"""Effects of each scenario against the baseline: mean paired differences over seeds with a t-interval.

Every scenario of a sweep runs with the same seeds (common random numbers), so run *i* of scenario
*s* and run *i* of the baseline share their random draws. For an outcome *y* the paired differences
are ``d_i = y_s,i - y_b,i`` (i = 1..n pairs, both runs ok), and the effect is reported as

    mean  d̄ = (1/n) Σ d_i
    sd    s = sqrt( Σ (d_i - d̄)² / (n - 1) )
    CI    d̄ ± t_{1-α/2, n-1} · s / √n          (α = 0.05 for a 95% interval)

(Student's t-interval for a mean of paired differences; e.g. Casella & Berger, *Statistical
Inference*, 2nd ed., §9.2). With a design, pairs are formed within each design point.

**Cost-effectiveness** (:func:`cost_effectiveness`): jobs moved inland per 100 million yuan of
public money, from the paired differences of inland employment at the end (``inland_employment_end``)
and of the fiscal cost (``fiscal_cost_yuan_total``):

    jobs per 10^8 yuan = d̄_jobs / (d̄_cost / 10^8),   CI = CI(d̄_jobs) / (d̄_cost / 10^8)

The fiscal cost varies little between seeds (it depends on where firms are only through flows
such as subsidies on output), so the interval treats it as fixed and carries the uncertainty of the
jobs effect; the standard deviation of the cost differences is reported beside it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from simulation.sweep.errors import SweepError

#: Key outcomes compared by default, when present in the summary table.
DEFAULT_OUTCOMES = (
    "inland_employment_share_end",
    "inland_employment_end",
    "relocations_total",
    "relocated_employment_total",
    "fiscal_cost_yuan_total",
)
JOBS, COST = "inland_employment_end", "fiscal_cost_yuan_total"
CE_COLUMNS = (
    "scenario",
    "baseline",
    "point",
    "n",
    "jobs_inland_mean",
    "jobs_ci_low",
    "jobs_ci_high",
    "fiscal_cost_yuan_mean",
    "fiscal_cost_yuan_sd",
    "jobs_per_100m_yuan",
    "jobs_per_100m_ci_low",
    "jobs_per_100m_ci_high",
)
PAIR_KEYS = ["point", "seed_index", "seed"]
COLUMNS = (
    "scenario",
    "baseline",
    "point",
    "outcome",
    "n",
    "baseline_mean",
    "scenario_mean",
    "diff_mean",
    "diff_sd",
    "ci_low",
    "ci_high",
)


def t_interval(d: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, standard deviation and two-sided ``confidence`` t-interval of the values ``d``;
    the interval is NaN with fewer than two values."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def choose_outcomes(table: pd.DataFrame, requested: list[str] | None, source: str = "--outcome") -> list[str]:
    """The outcomes to compare: ``requested`` (each must be a numeric column of ``table``) or the
    :data:`DEFAULT_OUTCOMES` present in it."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    if not requested:
        return [c for c in DEFAULT_OUTCOMES if c in numeric]
    for name in requested:
        if name not in numeric:
            raise SweepError(
                source, name, f"no such numeric outcome in the summary; available: {', '.join(numeric)}"
            )
    return list(requested)


RUN_KEYS = ["scenario", "point", "seed_index"]  # one run of a sweep


def check_unique_runs(table: pd.DataFrame, source: object = "summary table") -> pd.DataFrame:
    """``table`` if it has at most one row per run (scenario, point, seed index); else a
    :class:`SweepError` naming ``source``. Duplicated rows are refused, not dropped: they would
    multiply the pairs (n) and narrow every interval, and a table holding them has been altered
    since the sweep wrote it (``--resume`` rebuilds it from the run records)."""
    keys = [k for k in RUN_KEYS if k in table.columns]
    dup = table.duplicated(keys, keep=False) if len(keys) == len(RUN_KEYS) else None
    if dup is None or not dup.any():
        return table
    runs = table.loc[dup, keys].drop_duplicates()
    first = runs.iloc[0]
    raise SweepError(
        str(source),
        "run_id",
        f"{int(dup.sum())} rows for {len(runs)} run(s) that should each have one (e.g. scenario "
        f"{first['scenario']!r}, point {first['point']}, seed index {first['seed_index']}): the table "
        "was altered after the sweep wrote it; rebuild it with the sweep's command and --resume",
    )


def paired_effects(
    table: pd.DataFrame, baseline: str, outcomes: list[str], confidence: float = 0.95
) -> pd.DataFrame:
    """One row per (scenario, design point, outcome): paired difference to ``baseline`` over seeds.

    ``table`` is a sweep's summary table (``summary.parquet``); only runs with status ok are paired;
    a table with a run twice is refused (:func:`check_unique_runs`).
    """
    check_unique_runs(table)
    scenarios = list(dict.fromkeys(table["scenario"]))
    if baseline not in scenarios:
        raise SweepError(
            "--baseline", baseline, f"not a scenario of this sweep; scenarios: {', '.join(scenarios)}"
        )
    ok = table[table["status"] == "ok"]
    base = ok[ok["scenario"] == baseline]
    rows = []
    for name in scenarios:
        if name == baseline:
            continue
        pairs = ok[ok["scenario"] == name].merge(base, on=PAIR_KEYS, suffixes=("", "__base"))
        for point, group in pairs.groupby("point", sort=True):
            for outcome in outcomes:
                d = (group[outcome] - group[f"{outcome}__base"]).to_numpy(dtype=float)
                mean, sd, lo, hi = t_interval(d, confidence)
                rows.append(
                    (name, baseline, int(point), outcome, len(d), float(group[f"{outcome}__base"].mean()),
                     float(group[outcome].mean()), mean, sd, lo, hi)
                )  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def cost_effectiveness(table: pd.DataFrame, baseline: str, confidence: float = 0.95) -> pd.DataFrame:
    """Jobs moved inland per 100 million yuan, per (scenario, design point) against ``baseline``
    (see the module docstring); empty when the table lacks the two outcomes. NaN ratio where the
    scenario costs no more than the baseline."""
    if JOBS not in table.columns or COST not in table.columns:
        return pd.DataFrame(columns=list(CE_COLUMNS))
    check_unique_runs(table)
    ok = table[table["status"] == "ok"]
    base = ok[ok["scenario"] == baseline]
    rows = []
    for name in dict.fromkeys(ok["scenario"]):
        if name == baseline:
            continue
        pairs = ok[ok["scenario"] == name].merge(base, on=PAIR_KEYS, suffixes=("", "__base"))
        for point, group in pairs.groupby("point", sort=True):
            jobs = (group[JOBS] - group[f"{JOBS}__base"]).to_numpy(dtype=float)
            cost = (group[COST] - group[f"{COST}__base"]).to_numpy(dtype=float)
            mean, _, lo, hi = t_interval(jobs, confidence)
            cost_mean = float(cost.mean())
            cost_sd = float(cost.std(ddof=1)) if len(cost) > 1 else math.nan
            per = 1e8 / cost_mean if cost_mean > 0 else math.nan
            rows.append(
                (name, baseline, int(point), len(jobs), mean, lo, hi, cost_mean, cost_sd,
                 mean * per, lo * per, hi * per)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(CE_COLUMNS))


def format_cost_effectiveness(ce: pd.DataFrame, confidence: float = 0.95) -> str:
    """A plain-text table of :func:`cost_effectiveness`."""
    priced = ce[ce["fiscal_cost_yuan_mean"] > 0] if not ce.empty else ce
    if priced.empty:
        return "no cost-effectiveness: no scenario spends public money beyond the baseline"
    pct = f"{confidence:.0%} CI"
    lines = [
        "jobs moved inland per 100 million yuan (paired over seeds)",
        f"{'scenario':<28} {'point':>5} {'jobs inland':>14} {'cost, 100m yuan':>16} {'jobs/100m':>10}  {pct}",
    ]
    for r in priced.itertuples(index=False):
        ci = (
            "n/a"
            if math.isnan(r.jobs_per_100m_ci_low)
            else (f"[{_num(r.jobs_per_100m_ci_low)}, {_num(r.jobs_per_100m_ci_high)}]")
        )
        lines.append(
            f"{r.scenario:<28} {r.point:>5} {_num(r.jobs_inland_mean):>14} "
            f"{_num(r.fiscal_cost_yuan_mean / 1e8):>16} {_num(r.jobs_per_100m_yuan):>10}  {ci}"
        )
    return "\n".join(lines)


def default_baseline(scenarios: list[str]) -> str:
    """``baseline`` if a scenario has that name, else the first scenario of the sweep."""
    if not scenarios:
        raise SweepError("--baseline", "-", "the sweep has no finished runs")
    return "baseline" if "baseline" in scenarios else scenarios[0]


def format_effects(effects: pd.DataFrame, confidence: float = 0.95) -> str:
    """A plain-text table of the effects (one line per scenario, point and outcome)."""
    if effects.empty:
        return "no effects: the sweep needs a second scenario besides the baseline, with ok runs"
    pct = f"{confidence:.0%} CI"
    sw = max(22, *(len(x) for x in effects["scenario"]))
    ow = max(36, *(len(x) for x in effects["outcome"]))
    head = (
        f"{'scenario':<{sw}} {'point':>5} {'outcome':<{ow}} {'n':>4} {'baseline':>16} {'effect':>16}  {pct}"
    )
    lines = [f"effects against '{effects['baseline'].iloc[0]}' (mean paired difference over seeds)", head]
    for r in effects.itertuples(index=False):
        ci = "n/a" if math.isnan(r.ci_low) else f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
        lines.append(
            f"{r.scenario:<{sw}} {r.point:>5} {r.outcome:<{ow}} {r.n:>4} {_num(r.baseline_mean):>16} "
            f"{_num(r.diff_mean):>16}  {ci}"
        )
    return "\n".join(lines)


def _num(x: float) -> str:
    if math.isnan(x):
        return "nan"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:,.0f}"
