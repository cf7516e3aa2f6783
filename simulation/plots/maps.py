"""A tile-grid map of China's 31 provinces coloured by the change in employment share, with the
biggest origin-destination flows as arrows.

**The tile layout** (:data:`TILES`, column from west to east, row from north to south) needs no
geodata. It was placed by hand: each province starts at the cell given by the rank of its capital's
longitude and latitude (``lat``/``lon`` of ``simulation/data/provinces.csv``), then cells were nudged
so that neighbouring provinces share an edge where the grid allows (Xinjiang, Tibet and Qinghai in
the west; the three north-eastern provinces stacked in the north-east; Hainan below Guangdong;
Shanghai east of Jiangsu and above Zhejiang), the arrangement of the common tile-grid maps of China
in news graphics. It keeps compass order: a province's row never lies north of a province whose
capital is more than 3 degrees further north, and likewise for columns and longitude (tested).
Labels are the ISO 3166-2:CN province codes (Chinese names with ``lang="zh"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from simulation.geography import REGIONS
from simulation.plots import common, palette, style
from simulation.plots.data import Results

#: (column, row) of each province's tile: columns west to east, rows north to south.
TILES: dict[str, tuple[int, int]] = {
    "Heilongjiang": (8, 0),
    "Xinjiang": (2, 1),
    "Inner Mongolia": (5, 1),
    "Beijing": (6, 1),
    "Liaoning": (7, 1),
    "Jilin": (8, 1),
    "Qinghai": (2, 2),
    "Gansu": (3, 2),
    "Ningxia": (4, 2),
    "Shanxi": (5, 2),
    "Hebei": (6, 2),
    "Tianjin": (7, 2),
    "Tibet": (2, 3),
    "Sichuan": (3, 3),
    "Shaanxi": (4, 3),
    "Henan": (5, 3),
    "Shandong": (6, 3),
    "Yunnan": (3, 5),
    "Chongqing": (4, 4),
    "Hubei": (5, 4),
    "Anhui": (6, 4),
    "Jiangsu": (7, 4),
    "Shanghai": (8, 4),
    "Guizhou": (4, 5),
    "Hunan": (5, 5),
    "Jiangxi": (6, 5),
    "Zhejiang": (7, 5),
    "Guangxi": (4, 6),
    "Guangdong": (5, 6),
    "Fujian": (6, 6),
    "Hainan": (5, 7),
}
#: ISO 3166-2:CN codes (without the ``CN-`` prefix), the tile labels.
CODES: dict[str, str] = {
    "Beijing": "BJ",
    "Tianjin": "TJ",
    "Hebei": "HE",
    "Shanxi": "SX",
    "Inner Mongolia": "NM",
    "Liaoning": "LN",
    "Jilin": "JL",
    "Heilongjiang": "HL",
    "Shanghai": "SH",
    "Jiangsu": "JS",
    "Zhejiang": "ZJ",
    "Anhui": "AH",
    "Fujian": "FJ",
    "Jiangxi": "JX",
    "Shandong": "SD",
    "Henan": "HA",
    "Hubei": "HB",
    "Hunan": "HN",
    "Guangdong": "GD",
    "Guangxi": "GX",
    "Hainan": "HI",
    "Chongqing": "CQ",
    "Sichuan": "SC",
    "Guizhou": "GZ",
    "Yunnan": "YN",
    "Tibet": "XZ",
    "Shaanxi": "SN",
    "Gansu": "GS",
    "Qinghai": "QH",
    "Ningxia": "NX",
    "Xinjiang": "XJ",
}
#: Diverging colour map safe for colour-blind readers (ColorBrewer PuOr): purple loses, orange gains.
CMAP = "PuOr_r"


def _zh_names() -> dict[str, str]:
    from simulation.tables import data_path

    table = pd.read_csv(data_path("provinces.csv"), usecols=["province", "name_zh"])
    return dict(zip(table["province"], table["name_zh"], strict=True))


def map_data(
    res: Results, scenario: str | None = None, against: str | None = "baseline", point: int | None = None
) -> pd.DataFrame:
    """One row per province: ``col``, ``row`` (tile), ``region``, ``share_start`` and ``share_end``
    (its share of processing employment at step 0 and at the last step, fractions; mean over seeds
    in a sweep) and ``change`` (percentage points): ``share_end - share_start`` for a run (or with
    ``against=None``), else the mean paired difference of ``share_end`` between ``scenario`` and the
    baseline over seeds (``against="baseline"``, when ``scenario`` is not the baseline itself)."""
    if res.kind == "run":
        ts = res.timeseries
        emp = ts.groupby(["step", "province", "region"])["employment"].sum().reset_index()
        shares = _start_end(emp.assign(run_id="run", seed_index=0))
        against = None
    else:
        name = common.scenario_of(res, scenario)
        p = common.point_of(res, point)
        s = res.series[res.series["point"] == p]
        emp = s.groupby(["scenario", "run_id", "seed_index", "step", "province", "region"])[
            "employment"
        ].sum()
        emp = emp.reset_index()
        shares = _start_end(emp[emp["scenario"] == name])
        if against == "baseline" and name != res.baseline:
            base = _start_end(emp[emp["scenario"] == res.baseline])
            pair = shares.merge(base, on=["seed_index", "province"], suffixes=("", "_base"))
            pair["change"] = 100 * (pair["share_end"] - pair["share_end_base"])
            mean = pair.groupby("province")[["share_start", "share_end", "change"]].mean()
            return _tiles(mean, shares)
        against = None
    shares["change"] = 100 * (shares["share_end"] - shares["share_start"])
    return _tiles(shares.groupby("province")[["share_start", "share_end", "change"]].mean(), shares)


def _start_end(emp: pd.DataFrame) -> pd.DataFrame:
    """Per run and province: employment share at the first and the last step."""
    first, last = emp["step"].min(), emp["step"].max()
    total = emp.groupby(["run_id", "step"])["employment"].transform("sum")
    emp = emp.assign(share=emp["employment"] / total)
    start = emp[emp["step"] == first].set_index(["run_id", "seed_index", "province", "region"])["share"]
    end = emp[emp["step"] == last].set_index(["run_id", "seed_index", "province", "region"])["share"]
    return pd.DataFrame({"share_start": start, "share_end": end}).reset_index()


def _tiles(values: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    regions = shares.drop_duplicates("province").set_index("province")["region"]
    out = values.join(regions).reset_index()
    out["col"] = out["province"].map(lambda p: TILES.get(p, (np.nan, np.nan))[0])
    out["row"] = out["province"].map(lambda p: TILES.get(p, (np.nan, np.nan))[1])
    return (
        out[["province", "region", "col", "row", "share_start", "share_end", "change"]]
        .sort_values(["row", "col"])
        .reset_index(drop=True)
    )


def top_flows_data(
    res: Results,
    scenario: str | None = None,
    top: int = 10,
    point: int | None = None,
    against: str | None = "baseline",
) -> pd.DataFrame:
    """The ``top`` largest **net** flows between pairs of provinces over the run, all sectors:
    ``origin``, ``destination`` (the net direction), ``net`` (persons, real scale, > 0),
    ``forward`` and ``backward`` (the two gross flows origin -> destination and back, persons),
    largest first. A run, or a sweep's baseline (or ``against=None``): the mean over seeds of the
    scenario's flows. A sweep's other scenarios: the **change** in flows against the baseline,
    paired over seeds (``forward`` = scenario minus baseline, origin -> destination, mean over
    the seeds both ran), so the arrows show what the scenario moved beyond the baseline."""
    od = _od_means(res, scenario, point, against)
    flows = od.unstack("destination", fill_value=0.0)
    names = sorted(set(flows.index) | set(flows.columns))
    m = flows.reindex(index=names, columns=names, fill_value=0.0).to_numpy(dtype=float, copy=True)
    np.fill_diagonal(m, 0.0)
    net = m - m.T
    i, j = np.nonzero(np.triu(np.ones_like(net, dtype=bool), 1) & (net != 0))
    forward = net[i, j] > 0
    o = np.where(forward, i, j)
    d = np.where(forward, j, i)
    out = pd.DataFrame(
        {
            "origin": np.array(names, dtype=object)[o],
            "destination": np.array(names, dtype=object)[d],
            "net": np.abs(net[i, j]),
            "forward": m[o, d],
            "backward": m[d, o],
        }
    )
    out = out.sort_values(["net", "origin", "destination"], ascending=[False, True, True])
    return out.head(top).reset_index(drop=True)


def _od_means(res: Results, scenario: str | None, point: int | None, against: str | None) -> pd.Series:
    """Employment moved per (origin, destination), persons: a run's flows; a sweep's scenario mean
    over its ok runs, or its mean paired change against the baseline (see :func:`top_flows_data`)."""
    if res.kind == "run":
        return res.flows.groupby(["origin", "destination"])["employment"].sum()
    name = common.scenario_of(res, scenario)
    p = common.point_of(res, point)
    parts = res.flow_parts[res.flow_parts["point"] == p]
    t = res.table
    ok = t[(t["point"] == p) & (t["status"] == "ok")]

    def per_seed(scen: str) -> pd.Series:
        f = parts[parts["scenario"] == scen]
        return f.groupby(["seed_index", "origin", "destination"])["employment"].sum()

    seeds = set(ok.loc[ok["scenario"] == name, "seed_index"])
    if against == "baseline" and name != res.baseline:
        seeds &= set(ok.loc[ok["scenario"] == res.baseline, "seed_index"])
        a, b = per_seed(name), per_seed(res.baseline)
        diff = a.sub(b, fill_value=0.0)
    else:
        diff = per_seed(name)
    diff = diff[diff.index.get_level_values("seed_index").isin(seeds)]
    n = max(len(seeds), 1)
    return diff.groupby(["origin", "destination"]).sum() / n


def map_figure(
    source: Results | str,
    *,
    scenario: str | None = None,
    against: str | None = "baseline",
    top: int = 8,
    point: int | None = None,
    size: str = "slide",
    lang: str = "en",
    outline: bool | None = None,
) -> Figure:
    """A map of the provinces coloured by :func:`map_data`'s ``change`` (percentage points, a
    diverging scale centred on zero), region borders in the region's colour, and arrows for the
    ``top`` largest net flows of :func:`top_flows_data` (width proportional to the net flow; in a
    sweep, the change in net flows against the baseline), listed with their size on slides.
    ``outline``: the outline map of :mod:`simulation.plots.outline` (needs cnmaps), or the tile
    grid (``False``); default: the outline map when cnmaps is installed."""
    from simulation.plots import outline as outline_mod

    res = common.results(source)
    use_outline = outline_mod.available() if outline is None else outline
    if use_outline and not outline_mod.available():
        raise ModuleNotFoundError(outline_mod.MISSING_MESSAGE)
    tiles = map_data(res, scenario, against, point)
    flows = top_flows_data(res, scenario, top, point, against)
    name = res.scenarios[0] if res.kind == "run" else common.scenario_of(res, scenario)
    paired = res.kind == "sweep" and against == "baseline" and name != res.baseline
    zh = _zh_names() if style.resolve_lang(lang)[0] == "zh" else {}
    with style.context(size, lang) as s:
        big = not style.column(s)
        fig = style.figure(s, aspect=None if big else (0.92 if use_outline else 1.05))
        if big:
            ax_list, ax = fig.subplots(1, 2, width_ratios=[0.24, 1.0])
            ax_list.axis("off")
        else:
            ax, ax_list = fig.add_subplot(), None
        vmax = float(np.nanmax(np.abs(tiles["change"]))) if len(tiles) else 1.0
        norm = colors.TwoSlopeNorm(0.0, -(vmax or 1e-9), vmax or 1e-9)
        values = dict(zip(tiles["province"], tiles["change"], strict=True))
        # values on slides only; rounded first, so that no label reads "-0.00"
        labels = {
            p: _label(p, zh) + (f"\n{round(v, 2) + 0.0:+.2f}" if big else "") for p, v in values.items()
        }
        if use_outline:
            regions = dict(zip(tiles["province"], tiles["region"], strict=True))
            drawn = outline_mod.draw_outline_map(
                ax,
                values,
                cmap=CMAP,
                norm=norm,
                labels=labels,
                label_size=s.font * (0.62 if big else 0.62),
                groups=regions,
                group_colours=palette.REGION_COLOURS,
                linewidth=s.line * 0.4,
            )
            anchors, mappable = drawn.anchors, drawn.collection
        else:
            anchors = _draw_tiles(ax, tiles, norm, labels, s)
            mappable = _scalar_mappable(_cmap(), norm)
        _arrows(ax, flows, anchors, s, curved=not use_outline)
        cbar = fig.colorbar(mappable, ax=ax, shrink=0.7, pad=0.01, location="right" if big else "bottom")
        cbar.set_label(style.t("percentage points"))
        cbar.locator = MaxNLocator(7 if big else 4)  # a narrow column: few, legible ticks
        handles = [
            Line2D([], [], color=palette.REGION_COLOURS[r], linewidth=s.line * 3, label=style.t(r))
            for r in REGIONS
        ]
        what = _what(name, res.baseline, paired, res.kind == "sweep")
        arrows = _arrow_text(len(flows), paired)
        head = style.t("Change in employment share by province")
        if big:
            _flow_list(ax_list, flows, zh, paired, s)
            ax_list.legend(handles=handles, loc="lower left", frameon=False, fontsize=s.font * 0.75)
            style.suptitle(fig, f"{head}\n{what}\n{arrows}", s, 0.9)
        else:
            fig.legend(
                handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=s.font * 0.7
            )
            style.suptitle(fig, f"{head}\n{what}\n{arrows}", s, 0.85)
    return fig


def _what(name: str, baseline: str, paired: bool, sweep: bool) -> str:
    if paired:
        text = style.tr(f"{name} minus {baseline} at the end", f"{name} 减 {baseline}（期末）")
    else:
        text = style.tr(f"{name}, first to last step", f"{name}：首期至末期")
    return text + (style.tr(", mean over seeds", "，各种子均值") if sweep else "")


def _arrow_text(n: int, paired: bool) -> str:
    if paired:
        return style.tr(f"arrows: the {n} largest changes in net flows", f"箭头：净迁移变化最大的{n}组省份")
    return style.tr(f"arrows: the {n} largest net flows", f"箭头：净迁移最大的{n}组省份")


def _flow_list(ax, flows: pd.DataFrame, zh: dict[str, str], paired: bool, s: style.Size) -> None:
    """The arrows' flows as a list beside the map (thousand persons)."""
    head = (
        style.tr("change in net flows", "净迁移变化")
        if paired
        else style.tr("largest net flows", "最大净迁移")
    )
    head += "\n" + style.tr("(thousand persons)", "（千人）")
    lines = [
        f"{_label(o, zh)} → {_label(d, zh)}  {n / 1e3:,.1f}"
        for o, d, n in zip(flows["origin"], flows["destination"], flows["net"], strict=True)
    ]
    ax.text(
        0.0,
        0.98,
        head + "\n" + "\n".join(lines),
        ha="left",
        va="top",
        transform=ax.transAxes,
        fontsize=s.font * 0.72,
        family=None if zh else "monospace",
    )


def _draw_tiles(ax, tiles: pd.DataFrame, norm, labels: dict[str, str], s: style.Size) -> dict:
    """The tile grid (fallback without cnmaps); returns the tile centres as arrow anchors."""
    cmap = _cmap()
    anchors = {}
    # a light box, not a path-effect halo: text with path effects is saved as outlines, not as text
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "#FFFFFF", "edgecolor": "none", "alpha": 0.6}
    for r in tiles.itertuples(index=False):
        if np.isnan(r.col):
            continue
        x, y = r.col, -r.row
        anchors[r.province] = (float(x), float(y))
        ax.add_patch(
            Rectangle(
                (x - 0.46, y - 0.46),
                0.92,
                0.92,
                facecolor=cmap(norm(r.change)),
                edgecolor=palette.REGION_COLOURS.get(r.region, "#777777"),
                linewidth=s.line * 2,
            )
        )
        ax.text(
            x,
            y,
            labels[r.province],
            ha="center",
            va="center",
            color="#000000",
            fontsize=s.font * (0.7 if not style.column(s) else 0.6),
            zorder=8,
            bbox=halo,
            linespacing=1.1,
        )
    ax.set_xlim(1.4, 8.6)
    ax.set_ylim(-7.6, 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return anchors


def _label(province: str, zh: dict[str, str]) -> str:
    return zh.get(province, province) if zh else CODES.get(province, province[:2])


def _cmap():
    import matplotlib

    return matplotlib.colormaps[CMAP]


def _scalar_mappable(cmap, norm):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def _arrows(ax, flows: pd.DataFrame, anchors: dict, s: style.Size, curved: bool) -> None:
    """Arrows for the net flows, below the labels and stopping short of them."""
    if flows.empty:
        return
    biggest = float(flows["net"].max()) or 1.0
    for r in flows.itertuples(index=False):
        if r.origin not in anchors or r.destination not in anchors:
            continue
        width = s.line * (0.4 + 2.2 * r.net / biggest)
        ax.add_patch(
            FancyArrowPatch(
                anchors[r.origin],
                anchors[r.destination],
                connectionstyle=f"arc3,rad={0.25 if curved else 0.18}",
                arrowstyle="-|>",
                mutation_scale=s.font * 0.9,
                linewidth=width,
                color="#222222",
                alpha=0.55,
                zorder=5,
                shrinkA=s.font * 1.1,
                shrinkB=s.font * 1.3,
            )
        )
