"""Helpers shared by the figure modules: accepting a folder, results or a table; axes of quarters;
parameter units."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from simulation.plots import data as data_mod
from simulation.plots.data import PlotDataError, Results

Source = Results | str | Path | pd.DataFrame


def results(source: Results | str | Path) -> Results:
    """A :class:`Results` from a folder path (or the results themselves)."""
    return source if isinstance(source, Results) else data_mod.load(source)


def table(source: Source, make: Callable[..., pd.DataFrame], **options: Any) -> pd.DataFrame:
    """The table a figure plots: ``source`` itself if it is a DataFrame (the output of the figure's
    ``*_data`` function, perhaps filtered), else ``make(results(source), **options)``."""
    if isinstance(source, pd.DataFrame):
        return source
    return make(results(source), **options)


def quarter_axis(ax: Axes, quarters: list[str], label: str = "year", most: int = 8) -> None:
    """Year ticks at each first quarter (thinned to at most ``most`` labels) on an axis of step
    indices."""
    ticks = [i for i, q in enumerate(quarters) if str(q).endswith("Q1")] or [0]
    every = max(1, int(np.ceil(len(ticks) / most)))
    ticks = ticks[::every]
    ax.set_xticks(ticks, [str(quarters[i])[:4] for i in ticks])
    ax.set_xlim(0, max(len(quarters) - 1, 1))
    ax.set_xlabel(label)


def scenario_of(res: Results, scenario: str | None) -> str:
    """``scenario`` checked against the folder's scenarios (default: the focal one)."""
    name = scenario or res.focal
    if name not in res.scenarios:
        raise PlotDataError(res.root, name, f"no scenario {name!r}; scenarios: {', '.join(res.scenarios)}")
    return name


def point_of(res: Results, point: int | None) -> int:
    """``point`` checked against the design (default: the first point)."""
    points = res.points
    p = points[0] if point is None else int(point)
    if p not in points:
        raise PlotDataError(res.root, "point", f"no design point {p}; points: {points}")
    return p


def param_unit(key: str) -> str:
    """The unit of a scenario parameter (``ptsim params``, lever parameters), or ``""``."""
    from simulation import parameters

    p = parameters.BY_KEY.get(key)
    if p is None:
        try:
            from simulation import levers

            for lever in levers.LEVERS:
                for q in levers.params(lever):
                    if q.key == key:
                        p = q
        except Exception:  # broad on purpose: a label, never worth failing a figure
            p = None
    return getattr(p, "unit", "") or ""
