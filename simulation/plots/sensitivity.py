"""Global sensitivity indices as bars with intervals, from a sweep's ``sensitivity.csv``.

Morris (``--sample morris``): ``mu_star`` (mean absolute elementary effect: importance) with its 95%
bootstrap half-width, and ``sigma`` (spread of the effects: interaction or non-linearity), both in
the outcome's unit per full range of the parameter. Saltelli (``--sample saltelli``): first-order
``S1`` and total ``ST`` Sobol' indices (shares of variance, 0-1) with 95% half-widths.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulation.plots import common, style
from simulation.plots.data import PlotDataError, Results

INDEX_COLOURS = {"mu_star": "#0072B2", "sigma": "#E69F00", "S1": "#0072B2", "ST": "#E69F00"}


def sensitivity_data(
    res: Results, scenario: str | None = None, outcomes: list[str] | None = None
) -> pd.DataFrame:
    """One row per outcome x parameter x index: ``scenario``, ``outcome``, ``parameter``, ``index``
    (``mu_star``/``sigma`` or ``S1``/``ST``), ``value`` and ``conf`` (95% half-width; NaN for sigma)
    as stored, and the plotted ``plotted``/``plotted_conf`` (Morris: divided by the outcome's unit
    divisor; Sobol' unchanged) with ``unit``."""
    if res.kind != "sweep":
        raise PlotDataError(
            res.root, "sensitivity.csv", "sensitivity indices come from a morris or saltelli sweep"
        )
    sens = res.sensitivity
    name = scenario or str(sens["scenario"].iloc[0])
    sens = sens[sens["scenario"].astype(str) == name]
    if outcomes:
        missing = [o for o in outcomes if o not in set(sens["outcome"])]
        if missing:
            raise PlotDataError(
                res.root / "sensitivity.csv", missing[0], f"no indices for outcome {missing[0]!r}"
            )
        sens = sens[sens["outcome"].isin(outcomes)]
    morris = "mu_star" in sens.columns and sens["mu_star"].notna().any()
    pairs = (
        (("mu_star", "mu_star_conf"), ("sigma", None)) if morris else (("S1", "S1_conf"), ("ST", "ST_conf"))
    )
    rows = []
    for r in sens.itertuples(index=False):
        unit = style.outcome_unit(r.outcome)
        for index, conf in pairs:
            value = float(getattr(r, index))
            c = float(getattr(r, conf)) if conf else math.nan
            div = unit.divisor if morris else 1.0
            rows.append(
                (
                    name,
                    r.outcome,
                    r.parameter,
                    index,
                    value,
                    c,
                    value / div,
                    c / div,
                    unit.unit if morris else "share of variance",
                )
            )
    cols = ["scenario", "outcome", "parameter", "index", "value", "conf", "plotted", "plotted_conf", "unit"]
    return pd.DataFrame(rows, columns=cols)


def sensitivity_figure(
    source: common.Source,
    *,
    scenario: str | None = None,
    outcomes: list[str] | None = None,
    size: str = "slide",
    lang: str = "en",
) -> Figure:
    """Horizontal bars per parameter, one panel per outcome: Morris mu* (with 95% interval) beside
    sigma, or Sobol' S1 beside ST (with 95% intervals); parameters ordered by the first index."""
    table = common.table(source, sensitivity_data, scenario=scenario, outcomes=outcomes)
    outcome_list = list(dict.fromkeys(table["outcome"]))
    indices = list(dict.fromkeys(table["index"]))
    with style.context(size, lang) as s:
        column = style.column(s)
        # at most two panels across: each carries the parameter names as its tick labels
        ncols = 1 if column or len(outcome_list) == 1 else 2
        nrows = math.ceil(len(outcome_list) / ncols)
        fig = style.figure(s, rows=nrows * (0.9 if column else 0.45) + 0.15, cols=ncols)
        panel = fig.get_figwidth() / ncols * (0.55 if column else 0.45)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        for ax, outcome in zip(axes, outcome_list, strict=False):
            t = table[table["outcome"] == outcome]
            first = t[t["index"] == indices[0]].sort_values("plotted")
            params = list(first["parameter"])
            y = np.arange(len(params))
            h = 0.8 / len(indices)
            for k, index in enumerate(indices):
                v = t[t["index"] == index].set_index("parameter").reindex(params)
                err = v["plotted_conf"].to_numpy(dtype=float)
                ax.barh(
                    y + (k - (len(indices) - 1) / 2) * h,
                    v["plotted"],
                    height=h,
                    color=INDEX_COLOURS.get(index),
                    xerr=None if np.isnan(err).all() else np.nan_to_num(err),
                    capsize=3,
                    label=style.t(_name(index)),
                )
            ax.set_yticks(y, [p.split(".")[-1] if column else p for p in params])
            unit = style.outcome_unit(outcome)
            style.title(ax, unit.name(), s, panel, loc="left")
            ax.set_xlabel(style.t(t["unit"].iloc[0]))
            ax.axvline(0, color="#777777", linewidth=0.8)
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.grid(axis="x", alpha=0.3)
        for ax in axes[len(outcome_list) :]:
            ax.set_visible(False)
        # under the panels: a legend inside one would cover bars or tick labels
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
        if "mu_star" in indices:
            method = style.tr("Morris elementary effects", "Morris基本效应")
        else:
            method = style.tr("Sobol' indices", "Sobol'指数")
        style.suptitle(
            fig, f"{style.t('Sensitivity indices')}: {method} ({style.tr('95% intervals', '95%区间')})", s
        )
    return fig


def _name(index: str) -> str:
    return {
        "mu_star": "μ* (importance)",
        "sigma": "σ (interaction)",
        "S1": "S1 (first order)",
        "ST": "ST (total)",
    }[index]
