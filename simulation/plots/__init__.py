"""Figures and reports for analysts, from any results folder (``ptsim run`` or a sweep).

Each figure family has its own module with a ``*_figure`` function (data in, a
:class:`matplotlib.figure.Figure` out, to restyle or save in a notebook) and a ``*_data`` companion
returning the exact table it plots:

=================  ===========================================  ===============================
module             figure                                       reads
=================  ===========================================  ===============================
``timeseries``     inland share and regional shares over time   timeseries.parquet / runs/
``effects``        effects against the baseline, 95% CI         effects.csv (or summary)
``maps``           tile-grid map of provinces + biggest flows   timeseries + flows / runs + flows/
``flows``          region x region flows, flows by sector       flows.parquet / flows/
``channels``       lever effect by channel (stacked bars)       channels.parquet / channels/
``dose``           dose-response of a varied lever parameter    summary, design.csv
``sensitivity``    Morris mu*/sigma or Sobol' S1/ST             sensitivity.csv
=================  ===========================================  ===============================

``simulation.plots.data.load(folder)`` opens a folder; :mod:`simulation.plots.figures` lists the
kinds; :mod:`simulation.plots.report` writes the HTML and Markdown report. ``run_figures`` (the PNGs
``ptsim run`` writes) are kept here for ``ptsim run``; the colours of every figure and of the
dashboard are in :mod:`simulation.plots.palette`.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> submodule holding it. Resolved on first use (PEP 562) so that ``ptsim`` can register the
# plot commands (``simulation.plots.cli``) without importing matplotlib.
_EXPORTS = {
    "inland_share_figure": "runfigs",
    "region_employment": "runfigs",
    "region_figure": "runfigs",
    "run_figures": "runfigs",
    "save": "runfigs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The figure helpers above, imported from their submodule when first asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
