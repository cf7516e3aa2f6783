"""Dose-response: a lever scenario's effect against the baseline as a varied parameter changes.

For a sweep whose design varies a numeric key (``--vary``, ``[design.vary]``, or a sample), at each
design point: (a) the effect on jobs inland, the mean paired difference over seeds against the
baseline at the same point with its 95% t-interval, and (b) the fiscal cost per job, the mean paired
difference of ``fiscal_cost_yuan_total`` divided by the jobs effect, with the interval of ``ptsim
compare``'s cost-effectiveness (:func:`simulation.sweep.effects.cost_effectiveness`: the cost
varies little between seeds and is taken as fixed, so the interval is the cost divided by the ends
of the jobs interval). Where the jobs interval includes zero the cost per job is **unbounded**
above (drawn as a dotted line to the top of the panel with an arrow); where the jobs effect is not
positive, or the scenario spends nothing beyond the baseline, it is **undefined** (a cross on the
axis). Other varied keys split the lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
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
    ``n``, ``cost`` (mean paired fiscal-cost difference, yuan; NaN if the summary has none),
    ``cost_per_job`` (yuan per job) with its 95% interval ``cpj_low``, ``cpj_high`` (``inf`` when
    unbounded) and ``cpj_status``: ``bounded``, ``unbounded`` (the jobs interval includes zero),
    ``undefined`` (no positive jobs effect, or no extra cost) or ``no interval`` (fewer than two
    seeds)."""
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
    out["parameter"] = key
    out = out.join(_cost_per_job(out))
    cols = ["scenario", "series", "point", "parameter", "x", "outcome", "n", "effect", "ci_low", "ci_high"]
    cols += ["cost", "cost_per_job", "cpj_low", "cpj_high", "cpj_status"]
    order = {name: i for i, name in enumerate(res.scenarios)}
    out = out.assign(_o=out["scenario"].map(order)).sort_values(["_o", "series", "x"])
    return out[cols].reset_index(drop=True)


def _cost_per_job(t: pd.DataFrame) -> pd.DataFrame:
    """Cost per job (yuan) and its interval: cost / jobs effect, cost / the ends of the jobs
    interval (cost held fixed, as in ``ptsim compare``)."""
    cost, eff, lo, hi = (t[c].to_numpy(dtype=float) for c in ("cost", "effect", "ci_low", "ci_high"))
    defined = (eff > 0) & (cost > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        point = np.where(defined, cost / eff, np.nan)
        low = np.where(defined & (hi > 0), cost / hi, np.nan)
        high = np.where(defined & (lo > 0), cost / lo, np.where(defined & np.isfinite(lo), np.inf, np.nan))
    status = np.select(
        [~defined, ~(np.isfinite(lo) & np.isfinite(hi)), np.isinf(high)],
        ["undefined", "no interval", "unbounded"],
        default="bounded",
    )
    return pd.DataFrame(
        {"cost_per_job": point, "cpj_low": low, "cpj_high": high, "cpj_status": status}, index=t.index
    )


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
        column = style.column(s)
        xunit = style.t(xunit)
        fig = style.figure(s, rows=2.2 if column else 1.1, cols=2)
        ax_e, ax_c = fig.subplots(2, 1, sharex=True) if column else fig.subplots(1, 2, sharex=True)
        dashes = palette.LINESTYLES
        positive = xs[xs > 0]
        log = len(positive) == len(xs) and positive.max() / positive.min() >= 10
        open_ends, undefined = [], []
        for (name, series), g in table.groupby(["scenario", "series"], sort=False):
            g = g.sort_values("x")
            st = dict(styles.get(name, {"color": "#000000"}))
            levels = list(dict.fromkeys(table.loc[table["scenario"] == name, "series"]))
            st["linestyle"] = dashes[levels.index(series) % len(dashes)]
            label = name if not series else f"{name} ({series})"
            xv = _dodge(g["x"] / divisor, levels.index(series), len(levels), log)
            yerr = np.vstack([g["effect"] - g["ci_low"], g["ci_high"] - g["effect"]]) / 1e3
            ax_e.errorbar(
                xv,
                g["effect"] / 1e3,
                yerr=np.nan_to_num(yerr),
                marker="o",
                markersize=s.font * 0.45,
                capsize=3,
                label=label,
                **st,
            )
            cpj = g["cost_per_job"] / 1e3
            lo = (cpj - g["cpj_low"] / 1e3).where(g["cpj_status"] == "bounded", 0.0)
            hi = (g["cpj_high"] / 1e3 - cpj).where(g["cpj_status"] == "bounded", 0.0)
            ax_c.errorbar(
                xv,
                cpj,
                yerr=np.nan_to_num(np.vstack([lo, hi])),
                marker="o",
                markersize=s.font * 0.45,
                capsize=3,
                **st,
            )
            for xi, r in zip(xv, g.itertuples(index=False), strict=True):
                if r.cpj_status == "unbounded":
                    open_ends.append((xi, r.cpj_low / 1e3, st["color"]))
                elif r.cpj_status == "undefined":
                    undefined.append((xi, st["color"]))
        _open_intervals(ax_c, open_ends, undefined, s)
        if log:
            ax_e.set_xscale("log")
            # ticks at the swept values, as plain numbers (log minor labels overlap)
            ax_e.xaxis.set_major_locator(FixedLocator(np.unique(xs / divisor)))
            ax_e.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax_e.xaxis.set_minor_formatter(NullFormatter())
        ax_e.axhline(0, color="#777777", linewidth=0.8)
        out_unit = style.outcome_unit(table["outcome"].iloc[0])
        ax_e.set_ylabel(
            style.tr(f"effect on {out_unit.name()}", f"对{out_unit.name()}的效应")
            + f"\n({style.t('thousand persons')})"
        )
        ax_e.set_title(style.tr("(a) jobs effect, 95% CI", "(a) 就业效应，95%置信区间"), loc="left")
        ax_c.set_ylabel(style.wrap(style.t("fiscal cost per job (thousand yuan per job)"), 2.2, s.font))
        ax_c.set_title(
            style.tr("(b) fiscal cost per job, 95% CI", "(b) 每个岗位的财政成本，95%置信区间"), loc="left"
        )
        short = key.split(".")[-1]
        panel = fig.get_figwidth() * (0.8 if column else 0.4)
        for ax in (ax_c,) if column else (ax_e, ax_c):
            ax.set_xlabel(style.wrap(f"{short} ({xunit})" if xunit else short, panel, s.font))
        for ax in (ax_e, ax_c):
            ax.grid(alpha=0.3)
        handles, labels = ax_e.get_legend_handles_labels()
        handles += _open_handles(open_ends, undefined, s)
        labels += [h.get_label() for h in handles[len(labels) :]]
        fig.legend(handles, labels, loc="outside lower center", ncols=1 if column else 2, frameon=False)
        style.suptitle(fig, f"{style.t('Dose-response')}: {key}", s)
    return fig


def _open_intervals(ax, open_ends: list, undefined: list, s: style.Size) -> None:
    """Unbounded intervals as dotted lines from their lower end to the top of the panel, ending in
    an arrow; undefined costs per job as crosses on the bottom of the panel."""
    if open_ends or undefined:
        ax.autoscale_view()
        ends = [lo for _, lo, _ in open_ends if np.isfinite(lo)]
        if ends:
            bottom, top = ax.get_ylim()
            ax.set_ylim(min(bottom, 0.0), max(top, max(ends) * 1.3))
    top = ax.get_ylim()[1]
    edge = ax.get_xaxis_transform()
    for x, lo, colour in open_ends:
        start = lo if np.isfinite(lo) else ax.get_ylim()[0]
        ax.plot([x, x], [start, top], linestyle=":", color=colour, linewidth=s.line)
        ax.plot([x], [0.97], marker="^", color=colour, transform=edge, markersize=s.font * 0.5, clip_on=False)
    for x, colour in undefined:
        ax.plot([x], [0.03], marker="x", color=colour, transform=edge, markersize=s.font * 0.5, clip_on=False)


def _open_handles(open_ends: list, undefined: list, s: style.Size) -> list:
    handles = []
    if open_ends:
        text = style.tr(
            "cost per job unbounded above (jobs CI includes 0)", "每岗位成本无上界（就业效应区间含0）"
        )
        handles.append(Line2D([], [], linestyle=":", marker="^", color="#555555", label=text))
    if undefined:
        text = style.tr(
            "cost per job undefined (no positive jobs effect or no cost)",
            "每岗位成本无定义（无正就业效应或无成本）",
        )
        handles.append(Line2D([], [], linestyle="", marker="x", color="#555555", label=text))
    return handles


def _dodge(x: pd.Series, i: int, n: int, log: bool) -> pd.Series:
    """Shift series ``i`` of ``n`` sideways a little so their error bars do not overlap."""
    if n < 2:
        return x
    k = i - (n - 1) / 2
    return x * 10 ** (0.02 * k) if log else x + 0.01 * k * (x.max() - x.min() or 1.0)
