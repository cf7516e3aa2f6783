"""Inland share and NBS-region shares of processing employment over time.

A run gives one line; a sweep gives one line per scenario (the mean over seeds) with a band over the
seeds (their range: lowest to highest). Reads ``timeseries.parquet`` (run) or the ``runs/`` parts
(sweep, one design point).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from simulation.geography import INLAND_REGIONS, REGIONS
from simulation.plots import common, palette, style
from simulation.plots.data import Results

GROUPS = ("inland", *REGIONS)


def share_data(res: Results, point: int | None = None) -> pd.DataFrame:
    """Employment shares over time: one row per scenario x step x group (``inland`` and each NBS
    region) with ``share`` (mean over seeds), ``low`` and ``high`` (range over seeds) and ``n``
    (seeds); shares are fractions of total processing employment (0-1)."""
    if res.kind == "run":
        ts = res.timeseries
        per = ts.groupby(["step", "quarter", "region"])["employment"].sum().unstack("region", fill_value=0.0)
        per = per.assign(run_id="run")
        scen = res.scenarios[0]
        per = per.reset_index().assign(scenario=scen)
    else:
        p = common.point_of(res, point)
        s = res.series[res.series["point"] == p]
        per = s.groupby(["scenario", "run_id", "step", "quarter", "region"])["employment"].sum()
        per = per.unstack("region", fill_value=0.0).reset_index()
    regions = [r for r in REGIONS if r in per.columns]
    total = per[regions].sum(axis=1)
    shares = pd.DataFrame({r: per[r] / total for r in regions})
    shares["inland"] = shares[[r for r in regions if r in INLAND_REGIONS]].sum(axis=1)
    shares[["scenario", "run_id", "step", "quarter"]] = per[["scenario", "run_id", "step", "quarter"]]
    long = shares.melt(["scenario", "run_id", "step", "quarter"], var_name="group", value_name="value")
    out = (
        long.groupby(["scenario", "step", "quarter", "group"])["value"]
        .agg(share="mean", low="min", high="max", n="count")
        .reset_index()
    )
    order = {s: i for i, s in enumerate(res.scenarios)}
    out["_o"] = out["scenario"].map(order)
    out["_g"] = out["group"].map({g: i for i, g in enumerate(GROUPS)})
    return out.sort_values(["_o", "_g", "step"]).drop(columns=["_o", "_g"]).reset_index(drop=True)


#: Beyond this many scenarios the inland share is drawn as small multiples (one panel per scenario
#: against the baseline) and the region shares without bands: one panel of 14 overlapping bands
#: cannot be read.
FACET_ABOVE = 6


def inland_share_figure(
    source: common.Source, *, size: str = "slide", lang: str = "en", point: int | None = None
) -> Figure:
    """Inland (central + western + north-eastern) share of processing employment over time, in
    percent: a line per scenario, a band over seeds; with more than :data:`FACET_ABOVE` scenarios,
    one panel per scenario, each with the baseline in grey."""
    res = None if isinstance(source, pd.DataFrame) else common.results(source)
    table = common.table(res if res is not None else source, share_data, point=point)
    table = table[table["group"] == "inland"]
    scenarios = list(dict.fromkeys(table["scenario"]))
    baseline = res.baseline if res is not None else ("baseline" if "baseline" in scenarios else None)
    styles = style.scenario_styles(res.scenarios if res is not None else scenarios, baseline)
    n = int(table["n"].max()) if len(table) else 0
    with style.context(size, lang) as s:
        title = style.t("Inland share of processing employment")
        if n > 1:
            title += style.tr(f" (band: range over {n} seeds)", f"（阴影：{n}个种子的范围）")
        if len(scenarios) > FACET_ABOVE:
            return _facets(table, scenarios, baseline, styles, title, s)
        fig = style.figure(s)
        ax = fig.add_subplot()
        _lines(ax, table, scenarios, styles, most=6 if style.column(s) else 8)
        style.suptitle(fig, title, s)
        ax.set_ylabel(style.t("share of employment (%)"))
        ax.grid(alpha=0.3)
        if len(scenarios) > 1 or res is None or res.kind == "sweep":
            # beside the plot (slides) or under it (columns): never over the lines
            if style.column(s):
                fig.legend(loc="outside lower center", ncols=2, frameon=False)
            else:
                ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def _facets(table, scenarios, baseline, styles, title: str, s: style.Size) -> Figure:
    """Small multiples: one panel per scenario other than the baseline, the baseline in grey."""
    others = [x for x in scenarios if x != baseline] or scenarios
    ncols = 2 if style.column(s) else 4
    nrows = -(-len(others) // ncols)
    fig = style.figure(s, rows=nrows * (0.42 if style.column(s) else 0.3), cols=ncols)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    base = table[table["scenario"] == baseline].sort_values("step") if baseline else None
    for ax, name in zip(axes, others, strict=False):
        if base is not None and not base.empty:
            grey = {baseline: {"color": "#999999", "linestyle": "-"}}
            _lines(ax, base, [baseline], grey, xlabel=False, most=3)
        _lines(ax, table[table["scenario"] == name], [name], styles, xlabel=False, most=3)
        ax.set_title(name, fontsize=s.font * 0.8, color=styles.get(name, {}).get("color", "#000000"))
        ax.grid(alpha=0.3)
    for ax in axes[len(others) :]:
        ax.set_visible(False)
    fig.supylabel(style.t("share of employment (%)"), fontsize=s.font * 0.9)
    note = style.tr(f"grey: {baseline}", f"灰线：{baseline}") if baseline else ""
    style.suptitle(fig, f"{title}\n{note}" if note else title, s)
    return fig


def region_share_figure(
    source: common.Source, *, size: str = "slide", lang: str = "en", point: int | None = None
) -> Figure:
    """Share of processing employment in each NBS region over time (percent), one panel per region
    (panel titles in the region's colour), a line per scenario with a band over seeds (no bands
    beyond :data:`FACET_ABOVE` scenarios); the legend beside or under the panels."""
    res = None if isinstance(source, pd.DataFrame) else common.results(source)
    table = common.table(res if res is not None else source, share_data, point=point)
    scenarios = list(dict.fromkeys(table["scenario"]))
    baseline = res.baseline if res is not None else ("baseline" if "baseline" in scenarios else None)
    styles = style.scenario_styles(res.scenarios if res is not None else scenarios, baseline)
    bands = len(scenarios) <= FACET_ABOVE
    with style.context(size, lang) as s:
        column = style.column(s)
        fig = style.figure(s, rows=(1.5 + 0.1 * min(len(scenarios), 14)) if column else 1.0)
        axes = fig.subplots(2, 2, sharex=True)
        for ax, region in zip(axes.ravel(), REGIONS, strict=True):
            sub = table[table["group"] == region]
            _lines(ax, sub, scenarios, styles, xlabel=False, bands=bands, most=4 if column else 8)
            # bold only in English: the CJK fonts have no bold face (matplotlib would warn)
            bold = "normal" if style.current_lang() == "zh" else "bold"
            ax.set_title(style.t(region), color=palette.REGION_COLOURS[region], fontweight=bold)
            ax.grid(alpha=0.3)
        for ax in axes[1]:
            ax.set_xlabel(style.t("year"))
        fig.supylabel(style.t("share of employment (%)"), fontsize=s.font * 0.9)
        style.suptitle(fig, style.t("Employment share by NBS region"), s)
        if len(scenarios) > 1:
            handles, labels = axes[0, 0].get_legend_handles_labels()
            if column:
                fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
            else:
                fig.legend(handles, labels, loc="outside right center", ncols=1, frameon=False)
    return fig


def _lines(
    ax,
    table: pd.DataFrame,
    scenarios: list[str],
    styles: dict,
    xlabel: bool = True,
    bands: bool = True,
    most: int = 8,
) -> None:
    for name in scenarios:
        t = table[table["scenario"] == name].sort_values("step")
        if t.empty:
            continue
        x = range(len(t))
        st = styles.get(name, {"color": palette.INLAND_COLOUR, "linestyle": "-"})
        ax.plot(x, 100 * t["share"], label=name, **st)
        if bands and (t["n"] > 1).any():
            ax.fill_between(x, 100 * t["low"], 100 * t["high"], color=st["color"], alpha=0.2, linewidth=0)
        common.quarter_axis(ax, t["quarter"].tolist(), style.t("year") if xlabel else "", most=most)
