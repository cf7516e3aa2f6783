"""Origin-destination flows of relocating firms: a region x region matrix and flows by sector.

Employment moved over the whole run (persons, real scale), all steps summed; in a sweep the mean over
the seeds of one scenario at one design point. Reads ``flows.parquet`` (run) or the ``flows/`` parts
(sweep).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.geography import REGIONS, is_inland
from simulation.plots import common, palette, style
from simulation.plots.data import Results

FLOW_CLASSES = ("east to inland", "inland to east", "within east", "within inland")
CLASS_COLOURS = dict(zip(FLOW_CLASSES, ("#D55E00", "#0072B2", "#56B4E9", "#E69F00"), strict=True))


def _od(res: Results, scenario: str | None, point: int | None) -> tuple[pd.DataFrame, int, str]:
    """Flows with both regions, the number of runs they sum over, and the scenario name."""
    if res.kind == "run":
        f = res.flows
        regions = res.timeseries.drop_duplicates("province").set_index("province")["region"]
        f = f.assign(origin_region=f["origin"].map(regions), destination_region=f["destination"].map(regions))
        return f, 1, res.scenarios[0]
    name = common.scenario_of(res, scenario)
    p = common.point_of(res, point)
    f = res.flow_parts[(res.flow_parts["scenario"] == name) & (res.flow_parts["point"] == p)]
    t = res.table
    n = int(((t["scenario"] == name) & (t["point"] == p) & (t["status"] == "ok")).sum())
    return f, max(n, 1), name


def region_matrix_data(res: Results, scenario: str | None = None, point: int | None = None) -> pd.DataFrame:
    """Employment moved between NBS regions: one row per origin x destination region (all 16, zeros
    included) with ``employment`` (persons, mean over seeds in a sweep) and ``firms`` (synthetic
    firms, mean over seeds)."""
    f, n, _ = _od(res, scenario, point)
    g = f.groupby(["origin_region", "destination_region"])[["employment", "firms"]].sum() / n
    full = pd.MultiIndex.from_product([REGIONS, REGIONS], names=["origin_region", "destination_region"])
    return g.reindex(full, fill_value=0.0).reset_index()


def sector_flow_data(res: Results, scenario: str | None = None, point: int | None = None) -> pd.DataFrame:
    """Employment moved by sector and class of move (east to inland, inland to east, within the east,
    within the inland regions): one row per sector x class, ``employment`` in persons (mean over
    seeds in a sweep); sectors in order of total moved, largest first."""
    f, n, _ = _od(res, scenario, point)
    o_in, d_in = is_inland(f["origin_region"]), is_inland(f["destination_region"])
    cls = np.select(
        [~o_in & d_in, o_in & ~d_in, ~o_in & ~d_in], list(FLOW_CLASSES[:3]), default=FLOW_CLASSES[3]
    )
    g = f.assign(flow_class=cls).groupby(["sector", "flow_class"])["employment"].sum() / n
    sectors = list(g.groupby("sector").sum().sort_values(ascending=False).index)
    full = pd.MultiIndex.from_product([sectors, FLOW_CLASSES], names=["sector", "flow_class"])
    return g.reindex(full, fill_value=0.0).reset_index()


def flows_figure(
    source: Results | str,
    *,
    scenario: str | None = None,
    point: int | None = None,
    size: str = "slide",
    lang: str = "en",
) -> Figure:
    """Two panels: (a) the region x region matrix of employment moved (thousand persons, a
    colour-blind-safe sequential scale, values written in the cells), (b) employment moved by
    sector, stacked by class of move."""
    res = common.results(source)
    matrix = region_matrix_data(res, scenario, point)
    sectors = sector_flow_data(res, scenario, point)
    name = res.scenarios[0] if res.kind == "run" else common.scenario_of(res, scenario)
    with style.context(size, lang) as s:
        column = s.width < 5
        fig = style.figure(s, rows=2.0 if column else 1.0, cols=2)
        ax_m, ax_s = fig.subplots(2, 1) if column else fig.subplots(1, 2, width_ratios=[1, 1.3])
        m = matrix.pivot(index="origin_region", columns="destination_region", values="employment")
        m = m.reindex(index=list(REGIONS), columns=list(REGIONS)) / 1e3
        im = ax_m.imshow(m.to_numpy(), cmap="cividis")
        top = float(np.nanmax(m.to_numpy())) if m.size else 0.0
        for i in range(len(REGIONS)):
            for j in range(len(REGIONS)):
                v = m.iloc[i, j]
                ax_m.text(
                    j,
                    i,
                    f"{v:,.0f}",
                    ha="center",
                    va="center",
                    fontsize=s.font * 0.75,
                    color="#000000" if v > 0.6 * top else "#FFFFFF",
                )
        ticks = [style.t(r) for r in REGIONS]
        ax_m.set_xticks(range(len(REGIONS)), ticks, rotation=30 if column else 0)
        ax_m.set_yticks(range(len(REGIONS)), ticks)
        for lab, r in zip(ax_m.get_xticklabels(), REGIONS, strict=True):
            lab.set_color(palette.REGION_COLOURS[r])
        for lab, r in zip(ax_m.get_yticklabels(), REGIONS, strict=True):
            lab.set_color(palette.REGION_COLOURS[r])
        ax_m.set_xlabel(style.t("destination region"))
        ax_m.set_ylabel(style.t("origin region"))
        style.title(ax_m, style.t("Relocation flows between NBS regions"), s, fig.get_figwidth() * 0.45)
        cb = fig.colorbar(im, ax=ax_m, shrink=0.8)
        cb.set_label(style.wrap(style.t("employment moved (thousand persons)"), 2.4, s.font))
        order = list(dict.fromkeys(sectors["sector"]))
        left = np.zeros(len(order))
        for cls in FLOW_CLASSES:
            v = (
                sectors[sectors["flow_class"] == cls]
                .set_index("sector")
                .reindex(order)["employment"]
                .to_numpy()
                / 1e3
            )
            ax_s.barh(range(len(order)), v, left=left, color=CLASS_COLOURS[cls], label=style.t(cls))
            left += v
        ax_s.set_yticks(range(len(order)), [style.t(x) for x in order])
        ax_s.invert_yaxis()
        ax_s.set_xlabel(style.wrap(style.t("employment moved (thousand persons)"), 3.0, s.font))
        style.title(ax_s, style.t("Relocation flows by sector"), s, fig.get_figwidth() * 0.5)
        # under the panels: inside, the legend would cover the bars of the smaller sectors
        handles, labels = ax_s.get_legend_handles_labels()
        fig.legend(handles, labels, frameon=False, loc="outside lower center", ncols=2 if column else 4)
        ax_s.grid(axis="x", alpha=0.3)
        runs = "" if res.kind == "run" else style.tr(", mean over seeds", "，各种子均值")
        style.suptitle(fig, f"{name}: {style.tr('employment moved over the run', '全期迁移就业')}{runs}", s)
    return fig
