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
    res: Results, scenario: str | None = None, top: int = 10, point: int | None = None
) -> pd.DataFrame:
    """The ``top`` largest origin-destination flows between provinces over the run, all sectors:
    ``origin``, ``destination``, ``employment`` (persons, real scale; mean over seeds in a sweep) and
    ``firms`` (synthetic firms; mean over seeds), largest first."""
    if res.kind == "run":
        f = res.flows
        od = f.groupby(["origin", "destination"])[["employment", "firms"]].sum()
    else:
        name = common.scenario_of(res, scenario)
        p = common.point_of(res, point)
        f = res.flow_parts[(res.flow_parts["scenario"] == name) & (res.flow_parts["point"] == p)]
        runs = res.table[
            (res.table["scenario"] == name) & (res.table["point"] == p) & (res.table["status"] == "ok")
        ]
        n = max(len(runs), 1)
        od = f.groupby(["origin", "destination"])[["employment", "firms"]].sum() / n
    od = od.reset_index().sort_values(["employment", "origin", "destination"], ascending=[False, True, True])
    return od.head(top).reset_index(drop=True)


def map_figure(
    source: Results | str,
    *,
    scenario: str | None = None,
    against: str | None = "baseline",
    top: int = 10,
    point: int | None = None,
    size: str = "slide",
    lang: str = "en",
) -> Figure:
    """Tile-grid map: provinces coloured by :func:`map_data`'s ``change`` (percentage points, a
    diverging scale centred on zero), tile edges in the region's colour, and arrows for the ``top``
    largest flows of :func:`top_flows_data` (width proportional to employment moved)."""
    res = common.results(source)
    tiles = map_data(res, scenario, against, point)
    flows = top_flows_data(res, scenario, top, point)
    name = res.scenarios[0] if res.kind == "run" else common.scenario_of(res, scenario)
    paired = res.kind == "sweep" and against == "baseline" and name != res.baseline
    zh = _zh_names() if style.resolve_lang(lang)[0] == "zh" else {}
    with style.context(size, lang) as s:
        fig = style.figure(s, aspect=0.95 if s.width < 5 else None)
        ax = fig.add_subplot()
        vmax = float(np.nanmax(np.abs(tiles["change"]))) if len(tiles) else 1.0
        norm = colors.TwoSlopeNorm(0.0, -(vmax or 1e-9), vmax or 1e-9)
        cmap = _cmap()
        for r in tiles.itertuples(index=False):
            if np.isnan(r.col):
                continue
            x, y = r.col, -r.row
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
            light = abs(norm(r.change) - 0.5) < 0.3
            ink = "#000000" if light else "#FFFFFF"
            label = (
                zh.get(r.province, CODES.get(r.province, r.province[:2]))
                if zh
                else CODES.get(r.province, r.province[:2])
            )
            big = s.width >= 5
            ax.text(
                x,
                y + (0.14 if big else 0),
                label,
                ha="center",
                va="center",
                color=ink,
                fontweight="bold",
                fontsize=s.font * (0.85 if big else 0.7),
                zorder=6,
            )
            if big:
                ax.text(
                    x,
                    y - 0.2,
                    f"{r.change:+.2f}",
                    ha="center",
                    va="center",
                    color=ink,
                    fontsize=s.font * 0.6,
                    zorder=6,
                )
        _arrows(ax, flows, s)
        big = s.width >= 5
        if big and len(flows):
            lines = [
                f"{_code(o, zh)} → {_code(d, zh)}  {e / 1e3:,.0f}"
                for o, d, e in zip(flows["origin"], flows["destination"], flows["employment"], strict=True)
            ]
            head = "largest moves\n(thousand persons)"
            ax.text(
                -2.3,
                0.5,
                head + "\n" + "\n".join(lines),
                ha="left",
                va="top",
                fontsize=s.font * 0.7,
                family="monospace" if not zh else None,
            )
        ax.set_xlim(-2.4 if big else 1.3, 8.7)
        ax.set_ylim(-7.7, 0.7)
        ax.set_aspect("equal")
        ax.axis("off")
        sm = _scalar_mappable(cmap, norm)
        cbar = fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.01)
        cbar.set_label(style.t("percentage points"))
        what = f"{name} minus {res.baseline} at the end" if paired else f"{name}, first to last step"
        mean = ", mean over seeds" if res.kind == "sweep" else ""
        fig.suptitle(
            f"{style.t('Change in employment share by province')}\n{what}{mean}"
            f"{'; ' if big else chr(10)}arrows: the {len(flows)} largest moves",
            fontsize=s.font * (1.0 if big else 0.9),
        )
        handles = [
            Line2D([], [], color=palette.REGION_COLOURS[r], linewidth=s.line * 3, label=style.t(r))
            for r in REGIONS
        ]
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=s.font * 0.75, title=None)
    return fig


def _code(province: str, zh: dict[str, str]) -> str:
    return zh.get(province, province) if zh else CODES.get(province, province)


def _cmap():
    import matplotlib

    return matplotlib.colormaps[CMAP]


def _scalar_mappable(cmap, norm):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def _arrows(ax, flows: pd.DataFrame, s: style.Size) -> None:
    if flows.empty:
        return
    biggest = float(flows["employment"].max()) or 1.0
    for r in flows.itertuples(index=False):
        if r.origin not in TILES or r.destination not in TILES or r.origin == r.destination:
            continue
        (x0, y0), (x1, y1) = TILES[r.origin], TILES[r.destination]
        width = s.line * (0.5 + 2.5 * r.employment / biggest)
        ax.add_patch(
            FancyArrowPatch(
                (x0, -y0),
                (x1, -y1),
                connectionstyle="arc3,rad=0.25",
                arrowstyle="-|>",
                mutation_scale=s.font * 1.1,
                linewidth=width,
                color="#000000",
                alpha=0.6,
                zorder=5,
                shrinkA=6,
                shrinkB=6,
            )
        )
