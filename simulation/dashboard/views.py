"""Figures of the dashboard, drawn with matplotlib from a running :class:`DashboardModel`.

Each ``*_figure`` function takes the model (and a choice, for the advantage view) and returns a
``matplotlib.figure.Figure`` (no pyplot: figures are garbage-collected, nothing is shared between
sessions). The ``*_data`` helpers compute what is plotted, so tests can compare the plotted numbers
with the model's. Colours are those of every figure (:mod:`simulation.plots.palette`, Okabe-Ito,
colour-blind safe); fonts are large for a projector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter

from simulation import channels
from simulation.geography import REGIONS
from simulation.levers import CHANNELS
from simulation.plots.palette import (
    BASELINE_COLOUR,
    INLAND_MOVE_COLOUR,
    LEVEL_COLOUR,
    LEVER_COLOUR,
    OTHER_MOVE_COLOUR,
    POLICY_COLOUR,
    REGION_COLOURS,
    sector_colour,
)

if TYPE_CHECKING:
    from simulation.dashboard.session import DashboardModel

STYLE = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
DPI = 80
ALL_SECTORS = "all sectors"


def _figure(width: float, height: float, left: float = 0.11) -> Figure:
    """A figure with fixed margins (a layout engine would double the drawing time)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=left, right=0.97, top=0.9, bottom=0.13)
    return fig


# --- map -----------------------------------------------------------------------------------------


def latest_flows(model: DashboardModel, top: int = 8) -> list[tuple[int, int, float]]:
    """The latest step's largest relocations: (origin, destination, employment), all sectors
    summed, largest first."""
    rows = [f for f in model.recorder.flows if len(f) and f[0, 0] == model.steps]
    if not rows:
        return []
    flows = np.concatenate(rows)
    r_n = model.world.n
    key = flows[:, 1].astype(np.int64) * r_n + flows[:, 2].astype(np.int64)
    emp = np.bincount(key, weights=flows[:, 5], minlength=r_n * r_n)
    order = np.argsort(-emp, kind="stable")[:top]
    return [(int(k // r_n), int(k % r_n), float(emp[k])) for k in order if emp[k] > 0]


def map_data(model: DashboardModel) -> dict[str, np.ndarray]:
    """Per province: lon, lat, employment now and at step 0 (persons)."""
    steps = model.recorder.steps
    return {
        "lon": model.world.columns["lon"],
        "lat": model.world.columns["lat"],
        "employment": steps[-1]["employment"].sum(axis=0),
        "employment0": steps[0]["employment"].sum(axis=0),
    }


def map_figure(model: DashboardModel, top: int = 8) -> Figure:
    """Provinces at their capitals, circle area by processing employment, colour by NBS region;
    arrows for the latest quarter's largest relocations (black: from the east inland)."""
    d = map_data(model)
    w = model.world
    fig = _figure(8, 6)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        size = 2500 * d["employment"] / d["employment0"].max()
        colours = [REGION_COLOURS[r] for r in w.region]
        ax.scatter(d["lon"], d["lat"], s=size, c=colours, alpha=0.75, edgecolors="black", linewidths=0.6)
        for r in np.argsort(-d["employment"])[:10]:
            ax.annotate(str(w.names[r]), (d["lon"][r], d["lat"][r]), fontsize=11, ha="center", va="center")
        flows = latest_flows(model, top)
        biggest = max((e for _, _, e in flows), default=1.0)
        for o, t, emp in flows:
            inland_move = not w.inland[o] and w.inland[t]
            ax.annotate(
                "",
                xy=(d["lon"][t], d["lat"][t]),
                xytext=(d["lon"][o], d["lat"][o]),
                arrowprops={
                    "arrowstyle": "-|>",
                    "lw": 1.0 + 4.0 * emp / biggest,
                    "color": INLAND_MOVE_COLOUR if inland_move else OTHER_MOVE_COLOUR,
                    "alpha": 0.8,
                    "connectionstyle": "arc3,rad=0.15",
                    "mutation_scale": 18,
                },
            )
        handles = [
            Line2D([], [], marker="o", ls="", color=REGION_COLOURS[r], markersize=11, label=r)
            for r in REGIONS
        ]
        handles += [
            Line2D([], [], color=INLAND_MOVE_COLOUR, lw=3, label="move east → inland"),
            Line2D([], [], color=OTHER_MOVE_COLOUR, lw=3, label="other move"),
        ]
        ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.85, fontsize=11)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.set_title(f"{model.quarter}: processing employment by province (circle area)")
        ax.set_xlim(73, 136)
        ax.set_ylim(17, 54)
    return fig


# --- inland share --------------------------------------------------------------------------------


def inland_figure(model: DashboardModel) -> Figure:
    """Inland (central + western + north-eastern) share of processing employment, this run against
    the baseline run with the same seed and firms."""
    policy, base = model.inland_shares()
    fig = _figure(8, 5, left=0.13)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        x = np.arange(len(policy))
        ax.plot(x, 100 * base, color=BASELINE_COLOUR, lw=2.5, ls="--", label="baseline (same seed)")
        ax.plot(x, 100 * policy, color=POLICY_COLOUR, lw=3, label=f"this run: {model.lesson.name}")
        total = int(model.params["run.steps"])
        start = model.start + (-1)
        ticks = [i for i in range(total + 1) if (start + i).q == 4 and i % 8 == 0] or [0]
        ax.set_xticks(ticks, [str((start + i).year) for i in ticks])
        ax.set_xlim(0, total)
        ax.set_xlabel("year (end of Q4)")
        ax.set_ylabel("inland share of employment (%)")
        ax.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
        ax.set_title(f"Inland share: {100 * policy[-1]:.2f}% vs baseline {100 * base[-1]:.2f}%")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", frameon=False)
    return fig


# --- employment by region and sector ---------------------------------------------------------------


def employment_data(model: DashboardModel) -> tuple[np.ndarray, np.ndarray]:
    """(S, regions) employment of this run and (regions,) of the baseline, million persons, regions
    in :data:`~simulation.geography.REGIONS` order."""
    region = model.world.region
    emp = model.recorder.steps[-1]["employment"]
    base = model.baseline_steps()[-1]["employment"]
    table = np.stack([emp[:, region == r].sum(axis=1) for r in REGIONS], axis=1) / 1e6
    base_total = np.array([base[:, region == r].sum() for r in REGIONS]) / 1e6
    return table, base_total


def employment_figure(model: DashboardModel) -> Figure:
    """Employment by NBS region, stacked by sector; ticks mark the baseline's regional totals."""
    table, base_total = employment_data(model)
    fig = _figure(8, 5, left=0.15)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        y = np.arange(len(REGIONS))
        left = np.zeros(len(REGIONS))
        for s, name in enumerate(model.sectors.names):
            ax.barh(y, table[s], left=left, color=sector_colour(str(name), s), label=str(name), height=0.6)
            left += table[s]
        ax.scatter(
            base_total, y, marker="|", s=900, color="black", linewidths=3, label="baseline total", zorder=3
        )
        ax.set_yticks(y, REGIONS)
        ax.invert_yaxis()
        ax.set_xlabel("processing employment (million persons)")
        ax.set_title(f"{model.quarter}: employment by region and sector")
        ax.legend(loc="lower right", frameon=True, framealpha=0.85, ncols=2, fontsize=11)
    return fig


# --- advantage by channel --------------------------------------------------------------------------


def advantage_data(
    model: DashboardModel, province: str, sector: str = ALL_SECTORS
) -> tuple[np.ndarray, np.ndarray]:
    """(C,) advantage of ``province`` over the national mean by channel, and (C,) absolute change
    of its margin made by the levers in force, both in yuan per yuan of output.

    For all sectors the advantage is the model's recorded one (``recorder.advantage``); for one
    sector, the same decomposition (:mod:`simulation.channels`) for that sector alone. The change by
    the levers compares margins with and without this quarter's levers at the same state.
    """
    r = model.world.index(province)
    weights = model.recorder.weights
    with_levers = channels.components(model, model.unit, model.effects.move_subsidy_total())
    if model.lever_plan.masks:
        without = channels.components_under(model, model.no_policy_effects())
    else:
        without = with_levers
    if sector == ALL_SECTORS:
        adv = model.recorder.advantage[-1][0][r]
        sector_w = weights.sum(axis=1) / weights.sum()
    else:
        s = model.sectors.index(sector)
        one = np.zeros_like(weights)
        one[s] = weights[s]
        adv = channels.advantage(with_levers, one)[r]
        sector_w = np.eye(weights.shape[0])[s]
    change = np.einsum("cs,s->c", (with_levers - without)[:, :, r], sector_w)
    return adv, change


def advantage_figure(model: DashboardModel, province: str, sector: str = ALL_SECTORS) -> Figure:
    """A province's profit advantage by channel and the change the levers make, as bars."""
    adv, change = advantage_data(model, province, sector)
    fig = _figure(8, 6, left=0.22)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        y = np.arange(len(CHANNELS))
        ax.barh(y - 0.2, 100 * adv, height=0.4, color=LEVEL_COLOUR, label="advantage over national mean")
        ax.barh(y + 0.2, 100 * change, height=0.4, color=LEVER_COLOUR, label="change by the levers")
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(y, [c.replace("_", " ") for c in CHANNELS])
        ax.invert_yaxis()
        ax.set_xlabel("profit margin (% of output)")
        who = province if sector == ALL_SECTORS else f"{province}, {sector}"
        ax.set_title(f"{model.quarter}: advantage of {who}")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", frameon=True, framealpha=0.85)
    return fig
