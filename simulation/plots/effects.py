"""Effects of each scenario against the baseline with 95% confidence intervals (dot and whisker).

One panel per outcome; a row per scenario (and design point). The effect is the mean paired
difference over seeds (common random numbers) with its Student t-interval, as ``ptsim compare``
computes it (``docs/sweeps.md`` §6); read from ``effects.csv``, or computed from the summary table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulation.plots import common, style
from simulation.plots.data import PlotDataError, Results


def effects_data(res: Results, outcomes: list[str] | None = None) -> pd.DataFrame:
    """One row per outcome x scenario x design point: the columns of ``effects.csv`` (in the
    outcome's own units) plus ``label`` (the row's name), ``unit`` and ``divisor`` and the plotted
    ``effect``, ``low`` and ``high`` (= ``diff_mean``, ``ci_low``, ``ci_high`` / ``divisor``).
    Outcomes whose effects are all missing (e.g. a ratio that is undefined in the baseline) are
    left out."""
    if res.kind != "sweep":
        raise PlotDataError(
            res.root,
            "effects.csv",
            "effects need a sweep with a baseline and seeds (ptsim sweep), not a single run",
        )
    eff = res.effects(outcomes).copy()
    eff = eff[eff.groupby("outcome")["diff_mean"].transform(lambda v: np.isfinite(v).any())]
    if eff.empty:
        raise PlotDataError(res.root, "effects.csv", "no finite effects to plot")
    design = res.design if res.has("design.csv") and len(res.points) > 1 else None
    alone = eff["scenario"].nunique() == 1  # one scenario: its name is in the title, not on every row
    eff["label"] = [
        point_label(s, int(p), design, alone) for s, p in zip(eff["scenario"], eff["point"], strict=True)
    ]
    units = {o: style.outcome_unit(o) for o in eff["outcome"].unique()}
    eff["unit"] = eff["outcome"].map(lambda o: units[o].unit)
    eff["divisor"] = eff["outcome"].map(lambda o: units[o].divisor)
    for src, dst in (("diff_mean", "effect"), ("ci_low", "low"), ("ci_high", "high")):
        eff[dst] = eff[src] / eff["divisor"]
    order = {s: i for i, s in enumerate(res.scenarios)}
    outcome_order = {o: i for i, o in enumerate(dict.fromkeys(eff["outcome"]))}
    eff = eff.assign(_s=eff["scenario"].map(order), _o=eff["outcome"].map(outcome_order))
    return eff.sort_values(["_o", "_s", "point"]).drop(columns=["_s", "_o"]).reset_index(drop=True)


def point_label(scenario: str, point: int, design: pd.DataFrame | None, alone: bool = False) -> str:
    """The row name of a scenario at a design point: ``scenario @ key=value, ...`` (without the
    scenario when ``alone``), or the scenario alone without a design."""
    if design is None:
        return scenario
    row = design[design["point"] == point]
    if row.empty:
        return f"{scenario} @ point {point}"
    values = ", ".join(f"{k.split('.')[-1]}={_short(v)}" for k, v in row.iloc[0].items() if k != "point")
    return values if alone else f"{scenario} @ {values}"


def _short(v) -> str:
    """A design value as a label: whole numbers with thousands separators (never ``2e+09``)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def effects_figure(
    source: common.Source, *, size: str = "slide", lang: str = "en", outcomes: list[str] | None = None
) -> Figure:
    """Dot-and-whisker plot of the effects against the baseline: one panel per outcome (x: the
    effect in the outcome's unit, with a line at zero), one row per scenario, colours per scenario."""
    res = None if isinstance(source, pd.DataFrame) else common.results(source)
    table = common.table(res if res is not None else source, effects_data, outcomes=outcomes)
    names = res.scenarios if res is not None else list(dict.fromkeys(table["scenario"]))
    styles = style.scenario_styles(names, res.baseline if res is not None else table["baseline"].iloc[0])
    outcome_list = list(dict.fromkeys(table["outcome"]))
    labels = list(dict.fromkeys(table["label"]))
    with style.context(size, lang) as s:
        column = style.column(s)
        ncols = 1 if len(outcome_list) == 1 else 2
        nrows = math.ceil(len(outcome_list) / ncols)
        # inches per scenario row and per panel (title, axis): a column figure stays within a page
        lines = max(len(style.wrap(k, 1.3 if column else 3.2, s.font * 0.8).split("\n")) for k in labels)
        per_label, extra = (0.12 * lines, 0.75) if column else (0.28 * max(1, lines * 0.7), 1.2)
        height = nrows * (per_label * len(labels) + extra) + 0.5
        fig = style.figure(s, rows=height / s.height, cols=ncols)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
        y = {label: len(labels) - 1 - i for i, label in enumerate(labels)}
        panel = fig.get_figwidth() / ncols * (0.45 if column else 0.6)
        for ax, outcome in zip(axes, outcome_list, strict=False):
            t = table[table["outcome"] == outcome]
            for r in t.itertuples(index=False):
                colour = styles.get(r.scenario, {"color": "#000000"})["color"]
                err = None
                if np.isfinite(r.low) and np.isfinite(r.high):
                    err = [[r.effect - r.low], [r.high - r.effect]]
                ax.errorbar(
                    r.effect,
                    y[r.label],
                    xerr=err,
                    fmt="o",
                    color=colour,
                    capsize=2 if column else 3,
                    markersize=s.font * 0.4,
                    linewidth=s.line,
                )
            ax.axvline(0, color="#777777", linewidth=0.8, zorder=0)
            unit = style.outcome_unit(outcome)
            style.title(ax, unit.name(), s, panel, loc="left", fontsize=s.font * (0.85 if column else 1.0))
            ax.set_xlabel(style.t(unit.unit))
            ax.grid(axis="x", alpha=0.3)
            tick_size = s.font * (0.75 if column else 0.9)
            room = 1.3 if column else 3.2  # inches for a row's name: long design labels wrap
            ax.set_yticks(list(y.values()), [style.wrap(k, room, tick_size) for k in y])
            ax.tick_params(axis="y", labelsize=tick_size)
            ax.xaxis.set_major_locator(MaxNLocator(3 if column else 5))
        for ax in axes[len(outcome_list) :]:
            ax.set_visible(False)
        head = style.t("Effects against the baseline (mean paired difference, 95% CI)")
        alone = table["scenario"].nunique() == 1 and len(labels) > 1
        style.suptitle(fig, head + (f"\n{table['scenario'].iloc[0]}" if alone else ""), s)
    return fig
