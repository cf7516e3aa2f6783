"""Effects of each scenario against the baseline: mean paired differences over seeds with a t-interval.

Every scenario of a sweep runs with the same seeds (common random numbers), so run *i* of scenario
*s* and run *i* of the baseline share their random draws. For an outcome *y* the paired differences
are ``d_i = y_s,i - y_b,i`` (i = 1..n pairs, both runs ok), and the effect is reported as

    mean  d̄ = (1/n) Σ d_i
    sd    s = sqrt( Σ (d_i - d̄)² / (n - 1) )
    CI    d̄ ± t_{1-α/2, n-1} · s / √n          (α = 0.05 for a 95% interval)

(Student's t-interval for a mean of paired differences; e.g. Casella & Berger, *Statistical
Inference*, 2nd ed., §9.2). With a design, pairs are formed within each design point.

**Monte-Carlo precision.** Beside each effect: its standard error ``s / √n`` (``diff_se``) and the
seeds a stated precision needs (``seeds_needed``): the smallest ``n ≥ 2`` with
``t_{1-α/2, n-1} · s / √n ≤ h``, ``s`` the sd of the paired differences seen so far and ``h`` the
target half-width (``precision``): 0.001 (±0.1 percentage points) for shares (outcomes named
``*share*``), else a tenth of the effect's size.

**Cost-effectiveness** (:func:`cost_effectiveness`): jobs moved inland per 100 million yuan of
public money, from the paired differences of inland employment at the end (``inland_employment_end``)
and of the fiscal cost (``fiscal_cost_yuan_total``):

    jobs per 10^8 yuan = d̄_jobs / (d̄_cost / 10^8),   CI = CI(d̄_jobs) / (d̄_cost / 10^8)

The fiscal cost varies little between seeds (it depends on where firms are only through flows
such as subsidies on output), so the interval treats it as fixed and carries the uncertainty of the
jobs effect; the standard deviation of the cost differences is reported beside it.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation import results_format as fmt
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
    "diff_se",
    "precision",
    "seeds_needed",
)
SHARE_PRECISION = 0.001  # ±0.1 percentage points: the half-width asked of an effect on a share
RELATIVE_PRECISION = 0.1  # other outcomes: ±10% of the effect


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


def precision_for(outcome: str, effect: float) -> float:
    """The target half-width of an effect (see the module docstring): 0.001 for a share, else a tenth
    of ``|effect|`` (NaN for a zero effect: no relative precision exists)."""
    if "share" in outcome:
        return SHARE_PRECISION
    return RELATIVE_PRECISION * abs(effect) if effect else math.nan


def seeds_needed(sd: float, half_width: float, confidence: float = 0.95, cap: int = 10**7) -> float:
    """Smallest number of seeds ``n >= 2`` whose t-interval ``t_{1-α/2, n-1} · sd / √n`` is at most
    ``half_width`` (NaN if ``sd`` or ``half_width`` is unknown; ``cap`` if more are needed)."""
    if not (math.isfinite(sd) and math.isfinite(half_width)) or half_width <= 0:
        return math.nan
    if sd == 0:
        return 2.0
    q = 0.5 + confidence / 2

    def meets(n: int) -> bool:
        return float(stats.t.ppf(q, n - 1)) * sd / math.sqrt(n) <= half_width

    low = max(2, math.ceil((float(stats.norm.ppf(q)) * sd / half_width) ** 2))  # t > z: a lower bound
    if meets(low):
        return float(low)
    high = low
    while not meets(high):  # low fails, high meets: bisect between them
        low, high = high, 2 * high
        if high >= cap:
            return float(cap)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if meets(mid) else (mid, high)
    return float(high)


#: An outcome of a long table, ``column[key=value,...]``:
#: ``sector_inland_share_end[sector=electronics]``.
SELECTOR = re.compile(r"(?P<column>\w+)\[(?P<where>[^\]]+)\]")


def choose_outcomes(
    table: pd.DataFrame, requested: list[str] | None, source: str = "--outcome", root: Path | None = None
) -> list[str]:
    """The outcomes to compare: ``requested`` (each a numeric column of ``table``, or with ``root``
    a long-table selector ``column[key=value]``, see :func:`with_selected`) or the
    :data:`DEFAULT_OUTCOMES` present in it. A wrong name is reported with its closest matches."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    if not requested:
        return [c for c in DEFAULT_OUTCOMES if c in numeric]
    for name in requested:
        if name in numeric:
            continue
        if SELECTOR.fullmatch(name) and root is not None:
            _selected(root, name)  # raises naming what is wrong
            continue
        raise SweepError(source, name, _no_such_outcome(name, numeric))
    return list(requested)


def _no_such_outcome(name: str, numeric: list[str] | None) -> str:
    """The message for an unknown outcome: the closest summary columns and long-table columns."""
    long = {_form(t, c): c for t in fmt.OUTCOME_TABLES for c in t.values}
    bare = SELECTOR.fullmatch(name)
    stem = bare["column"] if bare else name
    close = difflib.get_close_matches(stem, numeric or [], n=5, cutoff=0.6)
    close += [k for k, v in long.items() if v in difflib.get_close_matches(stem, list(long.values()), n=5)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `ptsim compare --help` lists the forms"
    return f"no such numeric outcome in the summary{hint}" if numeric is not None else hint


def with_selected(table: pd.DataFrame, root: Path, outcomes: list[str]) -> pd.DataFrame:
    """``table`` (a sweep's summary) with one column per long-table selector among ``outcomes``
    (``sector_inland_share_end[sector=electronics]``: that column of ``summary_by_sector`` at
    that key, joined on the run ids), so that effects and indices treat it as any outcome."""
    extra = [o for o in outcomes if o not in table.columns and SELECTOR.fullmatch(o)]
    for name in extra:
        table = table.merge(_selected(root, name), on=list(fmt.RUN_ID_COLUMNS), how="left")
    return table


def _form(table: fmt.ResultFile, column: str) -> str:
    """The selector form of a long-table column: ``column[key=...]``."""
    return f"{column}[{','.join(f'{k}=...' for k in table.keys)}]"


def _selected(root: Path, selector: str) -> pd.DataFrame:
    """The run ids and the one column a selector picks from its long table (named ``selector``)."""
    m = SELECTOR.fullmatch(selector)
    where = dict(part.split("=", 1) for part in m["where"].split(",") if "=" in part)
    tables = [t for t in fmt.OUTCOME_TABLES if m["column"] in t.columns and set(where) == set(t.keys)]
    if not tables or len(where) != len(m["where"].split(",")):
        forms = [_form(t, m["column"]) for t in fmt.OUTCOME_TABLES if m["column"] in t.values]
        hint = f"; the form is {' or '.join(forms)}" if forms else _no_such_outcome(selector, None)
        raise SweepError("outcome", selector, f"no long table has this column and these keys{hint}")
    spec = tables[0]
    path = Path(root) / spec.name
    if not path.is_file():
        raise SweepError(str(root), spec.name, "not found: the sweep predates the long outcome tables")
    long = pd.read_parquet(path)
    for key, value in where.items():
        if value not in set(long[key].astype(str)):
            near = difflib.get_close_matches(value, sorted(set(long[key].astype(str))), n=3, cutoff=0.5)
            hint = (
                f"; did you mean {', '.join(near)}?"
                if near
                else f"; values: {', '.join(sorted(set(long[key].astype(str))))}"
            )
            raise SweepError("outcome", selector, f"no {key} '{value}' in {spec.name}{hint}")
        long = long[long[key].astype(str) == value]
    picked = long[[*fmt.RUN_ID_COLUMNS, m["column"]]].rename(columns={m["column"]: selector})
    return picked.astype({c: object for c in ("run_id", "scenario")})


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


def _pairs(
    table: pd.DataFrame, baseline: str, names: list[str] | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """Each scenario of ``names`` (default: in order of first appearance among the ok runs) but
    ``baseline``, with its ok runs merged on :data:`PAIR_KEYS` with the baseline's ok runs (their
    columns suffixed ``__base``); a table with a run twice is refused (:func:`check_unique_runs`)."""
    check_unique_runs(table)
    ok = table[table["status"] == "ok"]
    base = ok[ok["scenario"] == baseline]
    return [
        (name, ok[ok["scenario"] == name].merge(base, on=PAIR_KEYS, suffixes=("", "__base")))
        for name in (dict.fromkeys(ok["scenario"]) if names is None else names)
        if name != baseline
    ]


def _diff(pairs: pd.DataFrame, column: str) -> np.ndarray:
    """Scenario minus baseline value of ``column`` for each pair."""
    return (pairs[column] - pairs[f"{column}__base"]).to_numpy(dtype=float)


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
    rows = []
    for name, pairs in _pairs(table, baseline, scenarios):
        for point, group in pairs.groupby("point", sort=True):
            for outcome in outcomes:
                d = _diff(group, outcome)
                mean, sd, lo, hi = t_interval(d, confidence)
                se = sd / math.sqrt(len(d)) if len(d) > 1 else math.nan
                h = precision_for(outcome, mean)
                rows.append(
                    (name, baseline, int(point), outcome, len(d), float(group[f"{outcome}__base"].mean()),
                     float(group[outcome].mean()), mean, sd, lo, hi, se, h, seeds_needed(sd, h, confidence))
                )  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def cost_effectiveness(table: pd.DataFrame, baseline: str, confidence: float = 0.95) -> pd.DataFrame:
    """Jobs moved inland per 100 million yuan, per (scenario, design point) against ``baseline``
    (see the module docstring); empty when the table lacks the two outcomes. NaN ratio where the
    scenario costs no more than the baseline."""
    if JOBS not in table.columns or COST not in table.columns:
        return pd.DataFrame(columns=list(CE_COLUMNS))
    rows = []
    for name, pairs in _pairs(table, baseline):
        for point, group in pairs.groupby("point", sort=True):
            jobs, cost = _diff(group, JOBS), _diff(group, COST)
            mean, _, lo, hi = t_interval(jobs, confidence)
            cost_mean = float(cost.mean())
            cost_sd = float(cost.std(ddof=1)) if len(cost) > 1 else math.nan
            per = 1e8 / cost_mean if cost_mean > 0 else math.nan
            rows.append(
                (name, baseline, int(point), len(jobs), mean, lo, hi, cost_mean, cost_sd,
                 mean * per, lo * per, hi * per)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(CE_COLUMNS))


#: The paired accounts of :func:`net_fiscal_cost`: quantity -> (summary column(s), unit, meaning).
NET_QUANTITIES: dict[str, tuple[str, str]] = {
    "gross_cost": ("yuan", "gross fiscal cost, undiscounted (fiscal_cost_yuan_total)"),
    "gross_cost_pv": ("yuan, PV", "gross fiscal cost, present value (fiscal_cost_pv_yuan)"),
    "public_cost_pv": ("yuan, PV", "spending with the bonds net of project revenue (public_cost_pv_yuan)"),
    "tax_feedback_pv": ("yuan, PV", "extra CIT at the standard rate and VAT (tax_standard_pv_yuan)"),
    "preferential_loss_pv": (
        "yuan, PV",
        "extra revenue lost to the 15% western CIT (preferential_loss_pv_yuan)",
    ),
    "net_cost_pv": ("yuan, PV", "public_cost_pv - tax_feedback_pv + preferential_loss_pv"),
    "value_added_pv": ("yuan, PV", "value added (value_added_pv_yuan)"),
    "welfare_pv": ("yuan, PV", "national welfare (welfare_pv_yuan)"),
    "jobs_inland": ("persons", "inland processing jobs at the end (inland_employment_end)"),
    "jobs_east": ("persons", "eastern processing jobs at the end (east_employment_end)"),
    "jobs_china": (
        "persons",
        "all processing jobs in China at the end (employment_total): the net jobs effect",
    ),
    "jobs_abroad": ("persons", "jobs gone abroad over the run (employment_abroad_total)"),
}
_NET_SOURCES = {
    "gross_cost": "fiscal_cost_yuan_total",
    "gross_cost_pv": "fiscal_cost_pv_yuan",
    "public_cost_pv": "public_cost_pv_yuan",
    "tax_feedback_pv": "tax_standard_pv_yuan",
    "preferential_loss_pv": "preferential_loss_pv_yuan",
    "value_added_pv": "value_added_pv_yuan",
    "welfare_pv": "welfare_pv_yuan",
    "jobs_inland": "inland_employment_end",
    "jobs_east": "east_employment_end",
    "jobs_china": "employment_total",
    "jobs_abroad": "employment_abroad_total",
}
NET_COLUMNS = ("scenario", "baseline", "point", "quantity", "unit", "n", "mean", "sd", "ci_low", "ci_high")


def net_fiscal_cost(table: pd.DataFrame, baseline: str, confidence: float = 0.95) -> pd.DataFrame:
    """The paired accounts of each scenario against ``baseline``, one row per (scenario, design
    point, quantity of :data:`NET_QUANTITIES`), plus the cost per job: ``yuan_per_inland_job`` =
    mean net cost / mean inland jobs effect and ``inland_jobs_per_100m_net`` (its inverse per 10^8
    yuan), whose interval holds the net cost at its mean and carries the jobs interval (as
    :func:`cost_effectiveness`). The net cost of pair i is

        net_i = Δpublic_cost_pv_i − Δtax_standard_pv_i + Δpreferential_loss_pv_i

    (Δ: scenario minus baseline run with the same seed). Empty when the summary predates the
    accounts."""
    if any(c not in table.columns for c in _NET_SOURCES.values()):
        return pd.DataFrame(columns=list(NET_COLUMNS))
    rows = []
    for name, pairs in _pairs(table, baseline):
        for point, group in pairs.groupby("point", sort=True):
            d = {q: _diff(group, c) for q, c in _NET_SOURCES.items()}
            d["net_cost_pv"] = d["public_cost_pv"] - d["tax_feedback_pv"] + d["preferential_loss_pv"]
            stats_ = {q: t_interval(d[q], confidence) for q in NET_QUANTITIES}
            for q, (unit, _) in NET_QUANTITIES.items():
                rows.append((name, baseline, int(point), q, unit, len(group), *stats_[q]))
            rows += _per_job(name, baseline, int(point), len(group), stats_)
    return pd.DataFrame(rows, columns=list(NET_COLUMNS))


def _per_job(name: str, baseline: str, point: int, n: int, st: dict[str, tuple]) -> list[tuple]:
    """The cost-per-job rows: net cost held at its mean, the jobs interval carried (NaN where the
    jobs effect or the net cost is not positive, or the jobs interval includes zero for the
    yuan-per-job bound it would make infinite)."""
    net = st["net_cost_pv"][0]
    jobs, _, lo, hi = st["jobs_inland"]
    per = 1e8 / net if net > 0 else math.nan
    yuan = net / jobs if net > 0 and jobs > 0 else math.nan
    y_lo, y_hi = (net / hi, net / lo) if net > 0 and lo > 0 else (math.nan, math.nan)
    return [
        (name, baseline, point, "inland_jobs_per_100m_net", "persons per 10^8 yuan", n, jobs * per,
         math.nan, lo * per, hi * per),
        (name, baseline, point, "yuan_per_inland_job", "yuan per person", n, yuan, math.nan, y_lo, y_hi),
    ]  # fmt: skip


def format_net_fiscal_cost(net: pd.DataFrame, confidence: float = 0.95) -> str:
    """A plain-text table of :func:`net_fiscal_cost`: one line per scenario and design point, money
    in 10^8 yuan (present values at the start unless marked), jobs in persons, 95% CIs."""
    if net.empty:
        return "no net fiscal cost: the summary has no accounts (a sweep from before them)"
    values = {(r.scenario, r.point, r.quantity): r for r in net.itertuples(index=False)}

    def cell(key: tuple, q: str, scale: float) -> str:
        r = values[(*key, q)]
        m, lo, hi = r.mean / scale, r.ci_low / scale, r.ci_high / scale
        return f"{m:,.1f} [{lo:,.1f}, {hi:,.1f}]" if math.isfinite(lo) else f"{m:,.1f}"

    cols = (
        ("gross_cost", 1e8),
        ("net_cost_pv", 1e8),
        ("tax_feedback_pv", 1e8),
        ("value_added_pv", 1e8),
        ("welfare_pv", 1e8),
        ("jobs_inland", 1.0),
        ("jobs_china", 1.0),
        ("yuan_per_inland_job", 1e4),
    )
    lines = [
        f"paired accounts against '{net['baseline'].iloc[0]}' (mean, {confidence:.0%} CI over seeds; "
        "money in 10^8 yuan, present value at the start except gross; jobs in persons; cost per job "
        "in 10^4 yuan of net cost)",
        " | ".join(["scenario", *(q for q, _ in cols)]),
    ]
    for key in dict.fromkeys(zip(net["scenario"], net["point"], strict=True)):
        lines.append(" | ".join([str(key[0]), *(cell(key, q, scale) for q, scale in cols)]))
    return "\n".join(lines)


def format_cost_effectiveness(
    ce: pd.DataFrame, confidence: float = 0.95, design: pd.DataFrame | None = None
) -> str:
    """A plain-text table of :func:`cost_effectiveness`: one fixed number format per column, units in
    the header, design points labelled by their varied values (``design``: ``design.csv``)."""
    priced = ce[ce["fiscal_cost_yuan_mean"] > 0] if not ce.empty else ce
    if priced.empty:
        return "no cost-effectiveness: no scenario spends public money beyond the baseline"
    labels = point_labels(design, priced["point"])
    pct = f"{confidence:.0%} CI"
    sw = max(8, *(len(x) for x in priced["scenario"]))
    lw = max((len(v) for v in labels.values()), default=0)
    point_head = f" {'design point':<{lw}}" if lw else ""
    lines = [
        "jobs moved inland per 100 million yuan (paired over seeds)",
        f"{'scenario':<{sw}}{point_head} {'jobs inland, persons':>20} {'cost, 10^8 yuan':>15} "
        f"{'jobs per 10^8 yuan':>18}  {pct}, jobs per 10^8 yuan",
    ]
    for r in priced.itertuples(index=False):
        ci = (
            "n/a"
            if math.isnan(r.jobs_per_100m_ci_low)
            else f"[{r.jobs_per_100m_ci_low:,.0f}, {r.jobs_per_100m_ci_high:,.0f}]"
        )
        point = f" {labels.get(int(r.point), ''):<{lw}}" if lw else ""
        lines.append(
            f"{r.scenario:<{sw}}{point} {r.jobs_inland_mean:>20,.0f} {r.fiscal_cost_yuan_mean / 1e8:>15,.2f} "
            f"{r.jobs_per_100m_yuan:>18,.0f}  {ci}"
        )
    return "\n".join(lines)


def point_labels(design: pd.DataFrame | None, points: pd.Series) -> dict[int, str]:
    """Design point -> ``key=value`` of its varied keys (the last part of each dotted key), from
    ``design`` (``design.csv``); empty when nothing is varied (a single point)."""
    if design is None or "point" not in design or len(design) < 2:
        return {}
    keys = [c for c in design.columns if c != "point" and design[c].nunique() > 1]
    rows = design.set_index("point")
    return {
        int(p): ", ".join(f"{k.rsplit('.', 1)[-1]}={_plain(rows.at[p, k])}" for k in keys)
        if p in rows.index
        else str(p)
        for p in dict.fromkeys(int(x) for x in points)
    }


def _plain(x: object) -> str:
    return f"{x:g}" if isinstance(x, (float, np.floating)) else str(x)


def outcome_unit(outcome: str) -> str:
    """The unit of an outcome (a summary column or a long-table selector), from
    :mod:`simulation.results_format`; ``""`` when it is not declared."""
    m = SELECTOR.fullmatch(outcome)
    column = m["column"] if m else outcome
    fields = [*fmt.SCALAR_OUTCOMES, *(f for t in fmt.OUTCOME_TABLES for f in t.fields)]
    return next((f.unit for f in fields if f.name == column), "")


def default_baseline(scenarios: list[str]) -> str:
    """``baseline`` if a scenario has that name, else the first scenario of the sweep."""
    if not scenarios:
        raise SweepError("--baseline", "-", "the sweep has no finished runs")
    return "baseline" if "baseline" in scenarios else scenarios[0]


def format_effects(
    effects: pd.DataFrame, confidence: float = 0.95, design: pd.DataFrame | None = None
) -> str:
    """A plain-text table of the effects, one block per outcome with its unit in the header: shares
    in percentage points (levels in per cent), every other unit as declared; one fixed number format
    per column; design points labelled by their varied values (``design``: ``design.csv``). The
    Monte-Carlo standard error of an effect is ``diff_sd / sqrt(n)``."""
    if effects.empty:
        return "no effects: the sweep needs a second scenario besides the baseline, with ok runs"
    pct = f"{confidence:.0%} CI"
    labels = point_labels(design, effects["point"])
    sw = max(8, *(len(x) for x in effects["scenario"]))
    lw = max((len(v) for v in labels.values()), default=0)
    lines = [f"effects against '{effects['baseline'].iloc[0]}' (mean paired difference over seeds)"]
    for outcome, block in effects.groupby("outcome", sort=False):
        unit = outcome_unit(str(outcome))
        share = unit == "share"
        scale = 100.0 if share else 1.0
        values = block[["baseline_mean", "diff_mean", "ci_low", "ci_high"]].to_numpy(dtype=float) * scale
        number = _column_format(values, 2 if share else None)
        level, diff = ("%", "pp") if share else (unit, unit)
        if share:
            title = "share; baseline in %, effect, s.e. and CI in percentage points"
        else:
            title = f"all columns in {unit}" if unit else "no declared unit"
        if not share and len(unit) > 10:  # long units: in the title only
            level = diff = ""
        lines += ["", f"{outcome}: {title}"]
        lv, df = (f", {level}" if level else ""), (f", {diff}" if diff else "")
        point_head = f" {'design point':<{lw}}" if lw else ""
        lines.append(
            f"{'scenario':<{sw}}{point_head} {'n':>4} {'baseline' + lv:>16} {'effect' + df:>16} "
            f"{'MC s.e.' + df:>14} {'seeds for ±h':>12}  {pct}{df}"
        )
        for r in block.itertuples(index=False):
            se = r.diff_sd / math.sqrt(r.n) if r.n > 1 else math.nan
            ci = (
                "n/a"
                if math.isnan(r.ci_low)
                else f"[{number(r.ci_low * scale)}, {number(r.ci_high * scale)}]"
            )
            point = f" {labels.get(int(r.point), ''):<{lw}}" if lw else ""
            need = getattr(r, "seeds_needed", math.nan)
            need = "n/a" if math.isnan(need) else f"{need:,.0f}"
            lines.append(
                f"{r.scenario:<{sw}}{point} {r.n:>4} {number(r.baseline_mean * scale):>16} "
                f"{number(r.diff_mean * scale):>16} {number(se * scale):>14} {need:>12}  {ci}"
            )
    lines.append(
        f"\nMC s.e.: Monte-Carlo standard error of the effect; seeds for ±h: seeds for a {pct} half-width "
        f"h of {SHARE_PRECISION * 100:g} percentage points (shares) or {RELATIVE_PRECISION:.0%} of the effect"
    )
    return "\n".join(lines)


def _column_format(values: np.ndarray, decimals: int | None = None):
    """One fixed format for a block of numbers: ``decimals`` places, or enough to show about four
    significant digits of the largest value (none from 1,000 up), with thousands separators."""
    if decimals is None:
        finite = np.abs(values[np.isfinite(values)])
        top = float(finite.max()) if finite.size else 0.0
        decimals = 0 if top >= 1000 or top == 0 else min(8, 3 - math.floor(math.log10(top)))
    return lambda x: "nan" if math.isnan(x) else f"{x:,.{decimals}f}"


#: The cost-effectiveness outcome of :func:`point_effects` (persons per 10^8 yuan).
CE_OUTCOME = "jobs_per_100m_yuan"


def effect_label(scenario: str, baseline: str) -> str:
    """The ``scenario`` column of indices computed on the paired effect of ``scenario`` (e.g.
    ``full_package-vs-baseline`` in ``sensitivity.csv``)."""
    return f"{scenario}-vs-{baseline}"


def point_effects(table: pd.DataFrame, baseline: str, outcomes: list[str], points: int) -> pd.DataFrame:
    """Per (scenario, design point): the mean over seeds of the paired differences to ``baseline`` of
    each outcome (same unit as the outcome) and, where the summary has the jobs and cost columns,
    :data:`CE_OUTCOME` = mean jobs difference / (mean cost difference / 10^8) (NaN where the scenario
    costs no more). Index: ``scenario`` × ``point`` (0..``points``-1; NaN where no pair is ok)."""
    cols = list(dict.fromkeys([*outcomes, *([JOBS, COST] if {JOBS, COST} <= set(table.columns) else [])]))
    frames = []
    for name, pairs in _pairs(table, baseline):
        diff = pd.DataFrame({c: _diff(pairs, c) for c in cols})
        mean = diff.groupby(pairs["point"].to_numpy()).mean().reindex(range(points))
        if JOBS in mean and COST in mean:
            cost = mean[COST].where(mean[COST] > 0)
            mean[CE_OUTCOME] = mean[JOBS] / (cost / 1e8)
        mean.index.name = "point"
        frames.append(mean.reset_index().assign(scenario=name))
    if not frames:
        return pd.DataFrame(columns=["scenario", "point", *cols])
    return pd.concat(frames, ignore_index=True)


POSTERIOR_COLUMNS = (
    "scenario",
    "baseline",
    "outcome",
    "draws",
    "n",
    "diff_mean",
    "interval_low",
    "interval_high",
    "total_var",
    "between_draw_var",
    "within_draw_var",
    "parameter_share",
    "parameter_var_anova",
    "parameter_share_anova",
    "mean_ci_low",
    "mean_ci_high",
)


def variance_decomposition(d: np.ndarray, draw: np.ndarray) -> tuple[float, float, float]:
    """Total, between-draw and within-draw variance of the paired differences ``d`` grouped by
    ``draw`` (law of total variance with population weights, ddof 0):

        Var(d) = Σ_j (n_j/N)(d̄_j − d̄)²  +  Σ_j (n_j/N) Var_j(d)

    so ``total == between + within`` exactly (up to rounding)."""
    d = np.asarray(d, dtype=float)
    frame = pd.DataFrame({"d": d, "g": np.asarray(draw)})
    grouped = frame.groupby("g")["d"]
    weight = grouped.size() / len(d)
    between = float((weight * (grouped.mean() - d.mean()) ** 2).sum())
    within = float((weight * grouped.var(ddof=0)).sum())
    return float(d.var(ddof=0)), between, within


def anova_components(between: float, within: float, draws: int, n: int) -> tuple[float, float]:
    """The parameter variance net of the seed noise in the draws' means (one-way random-effects
    ANOVA, method of moments, K = n / draws seeds per draw): with the seed variance
    σ²_s = within · K / (K − 1), σ²_p = between · J / (J − 1) − σ²_s / K, clipped at 0; and its
    share σ²_p / (σ²_p + σ²_s). NaN with one draw or one seed per draw."""
    k = n / draws if draws else math.nan
    if draws < 2 or not k > 1:
        return math.nan, math.nan
    seed_var = within * k / (k - 1)
    param_var = max(0.0, between * draws / (draws - 1) - seed_var / k)
    total = param_var + seed_var
    return param_var, (param_var / total if total > 0 else math.nan)


def posterior_effects(
    table: pd.DataFrame, baseline: str, outcomes: list[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Effects of a posterior sweep (design points = parameter draws): one row per scenario and
    outcome, pooled over draws × seeds. ``interval_low/high``: the central ``confidence`` interval
    (quantiles) of the paired effect over all draw × seed pairs, which carries parameter and seed
    uncertainty; the variance decomposition (:func:`variance_decomposition`) says how much of it is
    parameter uncertainty (``parameter_share`` = between-draw / total variance); ``mean_ci_*``: the
    t-interval of the mean effect over the draws' means (Monte-Carlo precision of ``diff_mean``).
    With the jobs and cost columns also :data:`CE_OUTCOME` per pair (jobs / (cost / 10^8))."""
    q = (0.5 - confidence / 2, 0.5 + confidence / 2)
    rows = []
    for name, pairs in _pairs(table, baseline):
        diffs = {o: _diff(pairs, o) for o in outcomes}
        if {JOBS, COST} <= set(pairs.columns):
            cost, jobs = _diff(pairs, COST), _diff(pairs, JOBS)
            diffs[CE_OUTCOME] = np.where(cost > 0, jobs / np.where(cost > 0, cost, 1.0) * 1e8, np.nan)
        for outcome, d in diffs.items():
            keep = np.isfinite(d)
            d, g = d[keep], pairs["point"].to_numpy()[keep]
            if len(d) == 0:
                continue
            total, between, within = variance_decomposition(d, g)
            means = pd.Series(d).groupby(g).mean().to_numpy()
            _, _, lo, hi = t_interval(means, confidence)
            low, high = np.quantile(d, q)
            share = between / total if total > 0 else math.nan
            p_var, p_share = anova_components(between, within, len(means), len(d))
            rows.append(
                (name, baseline, outcome, len(means), len(d), float(d.mean()), float(low), float(high),
                 total, between, within, share, p_var, p_share, lo, hi)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(POSTERIOR_COLUMNS))


def format_posterior_effects(post: pd.DataFrame, confidence: float = 0.95) -> str:
    """A plain-text table of :func:`posterior_effects`: shares in percentage points."""
    if post.empty:
        return "no posterior effects: the sweep needs a second scenario besides the baseline, with ok runs"
    pct = f"{confidence:.0%}"
    lines = [
        f"effects against '{post['baseline'].iloc[0]}' over parameter draws x seeds "
        f"({pct} interval: quantiles of the paired effect over all draws and seeds; parameter share: "
        "between-draw / total variance)"
    ]
    for outcome, block in post.groupby("outcome", sort=False):
        unit = outcome_unit(str(outcome)) or ("persons per 10^8 yuan" if outcome == CE_OUTCOME else "")
        scale = 100.0 if unit == "share" else 1.0
        shown = "percentage points" if unit == "share" else unit or "no declared unit"
        number = _column_format(block[["diff_mean", "interval_low", "interval_high"]].to_numpy(float) * scale)
        lines += ["", f"{outcome}: effect in {shown}"]
        sw = max(8, *(len(x) for x in block["scenario"]))
        lines.append(
            f"{'scenario':<{sw}} {'draws':>5} {'pairs':>6} {'effect':>14}  {pct + ' interval':<28} "
            f"{'sd total':>12} {'sd param':>12} {'sd seeds':>12} {'param share':>11} {'net of noise':>12}"
        )
        for r in block.itertuples(index=False):
            interval = f"[{number(r.interval_low * scale)}, {number(r.interval_high * scale)}]"
            sds = (math.sqrt(v) * scale for v in (r.total_var, r.between_draw_var, r.within_draw_var))
            lines.append(
                f"{r.scenario:<{sw}} {r.draws:>5} {r.n:>6} {number(r.diff_mean * scale):>14}  {interval:<28} "
                + " ".join(f"{number(v):>12}" for v in sds)
                + f" {r.parameter_share:>11.0%} "
                + (
                    "n/a".rjust(12)
                    if math.isnan(r.parameter_share_anova)
                    else f"{r.parameter_share_anova:>12.0%}"
                )
            )
    lines.append(
        "\nsd total² = sd param² + sd seeds² (between-draw and within-draw variance of the paired effect); "
        "sd param includes the seed noise of each draw's mean; 'net of noise': the parameter share with that "
        "noise removed (one-way random-effects ANOVA; needs 2+ seeds per draw)"
    )
    return "\n".join(lines)
