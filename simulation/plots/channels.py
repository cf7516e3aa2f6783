"""Why firms move: the levers' direct effect on the profit advantage, decomposed by channel.

``lever_effect`` (``docs/outputs.md`` §4) is a province's profit advantage with the quarter's
levers minus without them, by channel (labour, land, electricity, logistics, customs, finance,
market access, tax, subsidies, agglomeration), in yuan per yuan of output; plotted in yuan per
thousand yuan of output. Averages over provinces use step-0 employment as weights (as
``summary.json``'s ``lever_effect_by_channel``); over time, the mean over steps >= 1.

A run: one stacked bar per NBS region and for the inland regions together. A sweep: one stacked bar
per scenario (inland regions, mean over seeds), from the ``channels/`` parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulation.geography import INLAND_REGIONS, REGIONS
from simulation.plots import common, palette, style
from simulation.plots.data import PlotDataError, Results

SCALE = 1e3  # plotted: yuan per thousand yuan of output
UNIT = "yuan per thousand yuan of output"


def _weighted(values: pd.DataFrame, weights: pd.Series, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Per group of regions and channel: the ``weights``-weighted mean over provinces of ``value``."""
    rows = []
    v = values.join(weights.rename("w"), on="province")
    for group, regions in groups.items():
        sub = v[v["region"].isin(regions)]
        for channel, g in sub.groupby("channel", sort=False):
            w = g["w"].to_numpy(dtype=float)
            total = w.sum()
            rows.append(
                (group, channel, float(w @ g["value"].to_numpy(dtype=float) / total) if total > 0 else 0.0)
            )
    return pd.DataFrame(rows, columns=["group", "channel", "lever_effect"])


def channels_data(res: Results, stat: str = "mean", point: int | None = None) -> pd.DataFrame:
    """Lever effect by channel, yuan per yuan of output: ``group`` (a run: ``inland`` and each
    region; a sweep: each scenario but the baseline, inland regions), ``channel``, ``lever_effect``.
    ``stat``: ``mean`` (over steps >= 1) or ``end`` (the last step); ``point``: the design point of
    a sweep (default the first)."""
    if stat not in ("mean", "end"):
        raise ValueError("stat: 'mean' or 'end'")
    if res.kind == "run":
        ch = res.channels
        first, last = ch["step"].min(), ch["step"].max()
        sel = ch[ch["step"] > first] if stat == "mean" and last > first else ch[ch["step"] == last]
        values = sel.groupby(["province", "region", "channel"], sort=False)["lever_effect"].mean()
        values = values.rename("value").reset_index()
        ts = res.timeseries
        weights = ts[ts["step"] == ts["step"].min()].groupby("province")["employment"].sum()
        groups = {"inland": INLAND_REGIONS, **{r: (r,) for r in REGIONS}}
        return _weighted(values, weights, groups)
    parts = res.channel_parts
    column = "lever_effect_mean" if stat == "mean" else "lever_effect"
    if column not in parts.columns:
        raise PlotDataError(
            res.root / "channels", column, f"missing column '{column}' in the channels/ parts"
        )
    series = res.series
    start = series[series["step"] == series.groupby("run_id")["step"].transform("min")]
    p = common.point_of(res, point)
    rows = []
    for name in res.scenarios:
        if name == res.baseline:
            continue
        sub = parts[(parts["scenario"] == name) & (parts["point"] == p)]
        per_run = []
        for run_id, g in sub.groupby("run_id", sort=True):
            w = start[start["run_id"] == run_id].groupby("province")["employment"].sum()
            per_run.append(_weighted(g.rename(columns={column: "value"}), w, {name: INLAND_REGIONS}))
        if per_run:
            rows.append(
                pd.concat(per_run)
                .groupby(["group", "channel"], sort=False)["lever_effect"]
                .mean()
                .reset_index()
            )
    if not rows:
        raise PlotDataError(
            res.root / "channels", "scenario", "no scenario besides the baseline has channel parts"
        )
    return pd.concat(rows, ignore_index=True)


def channels_figure(
    source: common.Source,
    *,
    stat: str = "mean",
    point: int | None = None,
    size: str = "slide",
    lang: str = "en",
) -> Figure:
    """Stacked bars of the lever effect by channel (yuan per thousand yuan of output): positive
    channels stacked up, negative down, a black diamond for the net effect; one bar per group of
    :func:`channels_data`."""
    table = common.table(source, channels_data, stat=stat, point=point)
    groups = list(dict.fromkeys(table["group"]))
    channels = [c for c in palette.CHANNEL_COLOURS if c in set(table["channel"])]
    with style.context(size, lang) as s:
        fig = style.figure(s, rows=1.3 if s.width < 5 else 1.0)
        ax = fig.add_subplot()
        horizontal = len(groups) > 6  # many scenarios: names along the y axis stay readable
        bar = ax.barh if horizontal else ax.bar
        x = np.arange(len(groups))
        up, down = np.zeros(len(groups)), np.zeros(len(groups))
        for c in channels:
            v = (
                table[table["channel"] == c]
                .set_index("group")
                .reindex(groups)["lever_effect"]
                .fillna(0)
                .to_numpy()
                * SCALE
            )
            base = np.where(v >= 0, up, down)
            kw = {"left": base} if horizontal else {"bottom": base}
            bar(
                x,
                v,
                0.7,
                color=palette.CHANNEL_COLOURS[c],
                label=style.t(c),
                edgecolor="#FFFFFF",
                linewidth=0.3,
                **kw,
            )
            up += np.where(v >= 0, v, 0)
            down += np.where(v < 0, v, 0)
        net = table.groupby("group", sort=False)["lever_effect"].sum().reindex(groups).to_numpy() * SCALE
        names = [style.t(g) for g in groups]
        if horizontal:
            ax.plot(net, x, "D", color="#000000", markersize=s.font * 0.45, zorder=5)
            ax.axvline(0, color="#777777", linewidth=0.8)
            ax.set_yticks(x, names)
            ax.invert_yaxis()
            ax.set_xlabel(style.t(UNIT))
            ax.grid(axis="x", alpha=0.3)
        else:
            ax.plot(x, net, "D", color="#000000", markersize=s.font * 0.45, zorder=5)
            ax.axhline(0, color="#777777", linewidth=0.8)
            ax.set_xticks(x, names)
            for lab, g in zip(ax.get_xticklabels(), groups, strict=True):
                if g in palette.REGION_COLOURS:
                    lab.set_color(palette.REGION_COLOURS[g])
            ax.set_ylabel(style.t(UNIT))
            ax.grid(axis="y", alpha=0.3)
        when = (
            style.tr("mean over quarters", "各季度均值")
            if stat == "mean"
            else style.tr("last quarter", "末季度")
        )
        head = style.t("Lever effect on the profit advantage, by channel")
        style.suptitle(fig, head + style.tr(f" ({when})", f"（{when}）"), s)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], marker="D", linestyle="", color="#000000"))
        labels.append(style.t("net"))
        if style.column(s):
            fig.legend(handles, labels, frameon=False, loc="outside lower center", ncols=3)
        else:
            ax.legend(handles, labels, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig
