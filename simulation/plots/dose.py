"""Dose-response: a lever scenario's effect against the baseline as a varied parameter changes.

For a sweep whose design varies a numeric key (``--vary``, ``[design.vary]``, or a sample), at each
design point: (a) the effect on jobs inland, the mean paired difference over seeds against the
baseline at the same point with its 95% t-interval, and (b) the fiscal cost per job, the mean paired
difference of ``fiscal_cost_yuan_total`` divided by the jobs effect (undefined where the jobs effect
is not positive). Other varied keys split the lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from simulation.plots import common, palette, style
from simulation.plots.data import PlotDataError, Results, require_columns

#: Jobs outcomes in order of preference (the first present in the summary is used).
JOBS = ("inland_employment_end", "relocated_jobs_to_inland", "relocated_employment_total")
COST = "fiscal_cost_yuan_total"


def dose_keys(res: Results) -> list[str]:
    """Varied numeric keys with at least two values: the candidates for the x axis."""
    if res.kind != "sweep" or not res.has("design.csv"):
        return []
    d = res.design
    return [k for k in res.varied if pd.api.types.is_numeric_dtype(d[k]) and d[k].nunique() > 1]


def dose_data(res: Results, x: str | None = None, outcome: str | None = None) -> pd.DataFrame:
    """One row per non-baseline scenario x design point: ``parameter`` (the varied key), ``x`` (its
    value at the point), ``series`` (the
    other varied keys, ``""`` if none), ``outcome``, ``effect``, ``ci_low``, ``ci_high`` (persons),
    ``n``, ``cost`` (mean paired fiscal-cost difference, yuan; NaN if the summary has none) and
    ``cost_per_job`` (yuan per job)."""
    keys = dose_keys(res)
    if not keys:
        raise PlotDataError(
            res.root,
            "design.csv",
            "dose-response needs a sweep that varies a numeric parameter "
            "(--vary KEY=V1,V2,... or a sample); design.csv has no such column",
        )
    key = x or keys[0]
    if key not in keys:
        raise PlotDataError(
            res.root / "design.csv", key, f"not a varied numeric key; varied: {', '.join(keys)}"
        )
    table = res.table
    if outcome is None:
        outcome = next((o for o in JOBS if o in table.columns), None)
        if outcome is None:
            require_columns(table, [JOBS[0]], res.root / "summary.parquet")
    wanted = [outcome] + ([COST] if COST in table.columns else [])
    eff = res.effects(wanted)
    jobs = eff[eff["outcome"] == outcome].set_index(["scenario", "point"])
    out = jobs[["n", "diff_mean", "ci_low", "ci_high"]].rename(columns={"diff_mean": "effect"})
    if COST in wanted:
        out["cost"] = eff[eff["outcome"] == COST].set_index(["scenario", "point"])["diff_mean"]
    else:
        out["cost"] = np.nan
    out = out.reset_index()
    design = res.design.set_index("point")
    out["x"] = out["point"].map(design[key])
    others = [k for k in res.varied if k != key]
    out["series"] = [
        ", ".join(f"{k.split('.')[-1]}={design.loc[p, k]}" for k in others) for p in out["point"]
    ]
    out["outcome"] = outcome
    out["cost_per_job"] = np.where(
        out["effect"] > 0, out["cost"] / out["effect"].where(out["effect"] > 0), np.nan
    )
    out["parameter"] = key
    cols = ["scenario", "series", "point", "parameter", "x", "outcome", "n", "effect", "ci_low", "ci_high"]
    cols += ["cost", "cost_per_job"]
    order = {name: i for i, name in enumerate(res.scenarios)}
    out = out.assign(_o=out["scenario"].map(order)).sort_values(["_o", "series", "x"])
    return out[cols].reset_index(drop=True)


def dose_figure(
    source: Results | str,
    *,
    x: str | None = None,
    outcome: str | None = None,
    size: str = "slide",
    lang: str = "en",
) -> Figure:
    """Two panels over the varied parameter: (a) the jobs effect (thousand persons) with 95% CI per
    scenario (and per level of other varied keys); (b) the fiscal cost per job (thousand yuan per
    job). A log x axis when the values span a factor of 10 or more."""
    res = common.results(source)
    table = dose_data(res, x, outcome)
    key = str(table["parameter"].iloc[0])
    styles = style.scenario_styles(res.scenarios, res.baseline)
    unit = common.param_unit(key)
    xs = table["x"].to_numpy(dtype=float)
    divisor = 1e8 if "yuan" in unit and np.nanmax(np.abs(xs)) >= 1e8 else 1.0
    xunit = ("100 million " + unit) if divisor == 1e8 else unit
    with style.context(size, lang) as s:
        column = s.width < 5
        fig = style.figure(s, rows=2.0 if column else 1.0, cols=2)
        ax_e, ax_c = fig.subplots(2, 1, sharex=True) if column else fig.subplots(1, 2, sharex=True)
        dashes = palette.LINESTYLES
        positive = xs[xs > 0]
        log = len(positive) == len(xs) and positive.max() / positive.min() >= 10
        for (name, series), g in table.groupby(["scenario", "series"], sort=False):
            g = g.sort_values("x")
            st = dict(styles.get(name, {"color": "#000000"}))
            levels = list(dict.fromkeys(table.loc[table["scenario"] == name, "series"]))
            st["linestyle"] = dashes[levels.index(series) % len(dashes)]
            label = name if not series else f"{name} ({series})"
            xv = _dodge(g["x"] / divisor, levels.index(series), len(levels), log)
            yerr = np.vstack([g["effect"] - g["ci_low"], g["ci_high"] - g["effect"]]) / 1e3
            ax_e.errorbar(
                xv, g["effect"] / 1e3, yerr=np.nan_to_num(yerr), marker="o", capsize=3, label=label, **st
            )
            ax_c.plot(xv, g["cost_per_job"] / 1e3, marker="o", label=label, **st)
        if log:
            ax_e.set_xscale("log")
            # ticks at the swept values, as plain numbers (log minor labels overlap)
            ax_e.xaxis.set_major_locator(FixedLocator(np.unique(xs / divisor)))
            ax_e.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax_e.xaxis.set_minor_formatter(NullFormatter())
        ax_e.axhline(0, color="#777777", linewidth=0.8)
        out_unit = style.outcome_unit(table["outcome"].iloc[0])
        ax_e.set_ylabel(f"effect on {out_unit.label}\n({style.t('thousand persons')})")
        ax_e.set_title("(a) jobs effect, 95% CI", loc="left")
        ax_c.set_ylabel(style.t("fiscal cost per job (thousand yuan per job)"))
        ax_c.set_title("(b) fiscal cost per job", loc="left")
        if table["cost_per_job"].isna().all():
            ax_c.text(
                0.5,
                0.5,
                "no positive jobs effect with a fiscal cost",
                ha="center",
                va="center",
                transform=ax_c.transAxes,
            )
        for ax in (ax_c,) if column else (ax_e, ax_c):
            ax.set_xlabel(f"{key} ({xunit})" if xunit else key)
        for ax in (ax_e, ax_c):
            ax.grid(alpha=0.3)
        ax_e.legend(frameon=False)
        fig.suptitle(f"{style.t('Dose-response')}: {key}")
    return fig


def _dodge(x: pd.Series, i: int, n: int, log: bool) -> pd.Series:
    """Shift series ``i`` of ``n`` sideways a little so their error bars do not overlap."""
    if n < 2:
        return x
    k = i - (n - 1) / 2
    return x * 10 ** (0.02 * k) if log else x + 0.01 * k * (x.max() - x.min() or 1.0)
