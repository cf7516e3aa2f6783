"""The validation figure of ``ptsim validate-history``: the replay against the data by province and
year, with the naive benchmarks out of sample, and the central + western share against every
reported figure.

Reads what :mod:`simulation.estimation.validation` wrote: ``validation_cells.csv`` (observed and
forecast shares per province and year), ``model_shares.csv`` (the replay's shares in every year)
and ``validation.json`` (the central + western rows and the fit period).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulation.io import atomic_write
from simulation.plots import palette, style

BENCH_STYLE = {
    "persistence": ("#777777", "s"),
    "trend": ("#E69F00", "^"),
    "shift_share": ("#009E73", "D"),
}
MODEL_COLOUR = palette.POLICY_COLOUR
MAX_PANELS = 12  # provinces shown (those with the most observed years first)


def history_figure(
    cells: pd.DataFrame, model: pd.DataFrame, doc: dict, size: str = "slide", lang: str = "en"
) -> Figure:
    """One panel per observed province (share of national processing trade, %, by year: the model's
    line, observed points filled in sample and open out of sample, the benchmarks' forecasts) and a
    last panel of the central + western share (model by year and at each reported period)."""
    counts = cells.groupby("province")["year"].nunique().sort_values(ascending=False, kind="stable")
    provinces = list(counts.index[:MAX_PANELS])
    fit_until = int(doc.get("fit_until", 0))
    with style.context(size, lang) as s:
        n = len(provinces) + 1
        ncols = min(4, n)
        nrows = math.ceil(n / ncols)
        fig = style.figure(s, rows=0.45 * nrows + 0.2, cols=ncols / 2)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        for ax, p in zip(axes, provinces, strict=False):
            _province_panel(ax, p, cells[cells["province"] == p], model[model["province"] == p], fit_until)
            style.title(ax, p, s, fig.get_figwidth() / ncols, fontsize=s.font * 0.9)
        _cw_panel(axes[len(provinces)], model, doc, fit_until, s, fig.get_figwidth() / ncols)
        for ax in axes[:n]:
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))  # years, never 2012.5
        for ax in axes[n:]:
            ax.set_visible(False)
        score = doc.get("scores_out_of_sample", {})
        head = style.t("Replay vs data: share of national processing trade, %")
        if score.get("model", {}).get("n"):
            head += " — " + ", ".join(
                f"{k} RMSE {v['rmse_pp']:.2f} pp" for k, v in score.items() if v.get("rmse_pp") is not None
            )
        else:
            head += " — " + style.t("no out-of-sample province cells to score")
        style.suptitle(fig, head, s, 0.8)
        handles, labels = axes[len(provinces)].get_legend_handles_labels()
        for ax in axes[: len(provinces)]:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(
            handles, labels, loc="outside lower center", ncols=min(4, len(labels)), fontsize=s.font * 0.8
        )
    return fig


def _province_panel(ax, province: str, cells: pd.DataFrame, model: pd.DataFrame, fit_until: int) -> None:
    ax.plot(model["year"], model["share"] * 100, color=MODEL_COLOUR, label=style.t("model"))
    ins, out = cells[cells["sample"] == "in"], cells[cells["sample"] == "out"]
    ax.plot(ins["year"], ins["observed"] * 100, "o", color="black", label=style.t("observed (in sample)"))
    ax.plot(
        out["year"],
        out["observed"] * 100,
        "o",
        mfc="none",
        color="black",
        label=style.t("observed (out of sample)"),
    )
    for name, (colour, marker) in BENCH_STYLE.items():
        if name in out and out[name].notna().any():
            ax.plot(
                out["year"],
                out[name] * 100,
                marker,
                color=colour,
                ms=4,
                label=style.t(name.replace("_", "-")),
            )
    ax.axvline(fit_until + 0.5, color="#999999", linewidth=0.8, linestyle=":")
    ax.grid(alpha=0.3)


def _cw_panel(ax, model: pd.DataFrame, doc: dict, fit_until: int, s: style.Size, width: float) -> None:
    """The central + western share: the model by year, the reported figures and the model at each."""
    rows = pd.DataFrame(doc.get("central_western", []))
    members = set(doc.get("central_western_provinces", []))
    by_year = model[model["province"].isin(members)].groupby("year")["share"].sum() * 100
    ax.plot(by_year.index, by_year.to_numpy(), color=MODEL_COLOUR, label=style.t("model"))
    if not rows.empty:
        ax.plot(rows["year"], rows["reported_pct"], "*", color="black", ms=8, label=style.t("reported"))
        shown = rows.dropna(subset=["model_pct"])
        ax.plot(
            shown["year"], shown["model_pct"], "x", color=MODEL_COLOUR, label=style.t("model, same months")
        )
        for name, (colour, marker) in BENCH_STYLE.items():
            col = f"{name}_pct"
            if col in rows and rows[col].notna().any():
                ax.plot(
                    rows["year"], rows[col], marker, color=colour, ms=4, label=style.t(name.replace("_", "-"))
                )
    ax.axvline(fit_until + 0.5, color="#999999", linewidth=0.8, linestyle=":")
    ax.grid(alpha=0.3)
    style.title(ax, style.t("central + western"), s, width, fontsize=s.font * 0.9)


def write_figure(folder: Path, fmt: str = "png", size: str = "slide", lang: str = "en") -> Path:
    """Draw the validation figure from the files in ``folder`` into ``folder/validation.<fmt>``."""
    folder = Path(folder)
    doc = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    cells = pd.read_csv(folder / "validation_cells.csv")
    model = pd.read_csv(folder / "model_shares.csv")
    fig = history_figure(cells, model, doc, size, lang)
    path = folder / f"validation.{fmt}"
    atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=style.SCREEN_DPI))
    return path
