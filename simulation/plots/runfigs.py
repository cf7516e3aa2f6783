"""The two quick PNG figures ``ptsim run`` writes into a run folder's ``figures/`` (``ptsim plot``
makes the full set)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulation.geography import REGIONS, is_inland
from simulation.io import atomic_write
from simulation.plots.palette import REGION_COLOURS
from simulation.plots.style import PRINT_RC, SCREEN_DPI, PlotFigure


def region_employment(ts: pd.DataFrame) -> pd.DataFrame:
    """Employment by quarter x region (real persons)."""
    table = ts.groupby(["step", "quarter", "region"])["employment"].sum().unstack("region")
    return table.reindex(columns=[r for r in REGIONS if r in table.columns]).reset_index()


def _figure() -> PlotFigure:
    # no pyplot: a notebook or a script keeps its own backend
    return PlotFigure(figsize=(7, 4), layout="constrained", rc=PRINT_RC)


def inland_share_figure(ts: pd.DataFrame) -> Figure:
    """Inland (central + western + north-eastern) share of processing employment and output."""
    by = ts.assign(inland=is_inland(ts["region"])).groupby(["step", "quarter", "inland"])
    emp = by["employment"].sum().unstack("inland")
    out = by["output_yuan"].sum().unstack("inland")
    fig = _figure()
    ax = fig.add_subplot()
    quarters = emp.index.get_level_values("quarter")
    ax.plot(range(len(emp)), 100 * emp[True] / emp.sum(axis=1), label="employment", color="#0072B2")
    ax.plot(
        range(len(out)), 100 * out[True] / out.sum(axis=1), label="output", color="#D55E00", linestyle="--"
    )
    _quarter_axis(ax, list(quarters))
    ax.set_ylabel("inland share (%)")
    ax.set_title("Inland share of processing trade (central + western + north-eastern)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig


def region_figure(ts: pd.DataFrame) -> Figure:
    """Processing employment by NBS region, stacked (million persons)."""
    table = region_employment(ts)
    regions = [r for r in REGIONS if r in table.columns]
    fig = _figure()
    ax = fig.add_subplot()
    ax.stackplot(
        range(len(table)),
        *(table[r] / 1e6 for r in regions),
        labels=regions,
        colors=[REGION_COLOURS[r] for r in regions],
        alpha=0.9,
    )
    _quarter_axis(ax, table["quarter"].tolist())
    ax.set_ylabel("employment (million persons)")
    ax.set_title("Processing employment by region")
    ax.margins(x=0)
    # beside the plot, in the order of the bands (top band first), never over them
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def _quarter_axis(ax: Axes, quarters: list[str]) -> None:
    ticks = [i for i, q in enumerate(quarters) if q.endswith("Q1")] or [0]
    ax.set_xticks(ticks, [quarters[i][:4] for i in ticks])
    ax.set_xlabel("year")


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` to ``path`` atomically (PNG at the screen resolution: quick-look figures)."""
    atomic_write(path, lambda p: fig.savefig(p, dpi=SCREEN_DPI, format=path.suffix.lstrip(".")))


def run_figures(ts: pd.DataFrame, folder: Path) -> list[Path]:
    """The figures of one run, as PNG files in ``folder``."""
    made = []
    for name, make in (("inland_share", inland_share_figure), ("employment_by_region", region_figure)):
        path = folder / f"{name}.png"
        save(make(ts), path)
        made.append(path)
    return made
