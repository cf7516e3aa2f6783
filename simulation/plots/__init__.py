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
``ptsim run`` writes) is kept here for the runner; the colours of every figure and of the
dashboard are in :mod:`simulation.plots.palette`.
"""

from simulation.plots.runfigs import inland_share_figure, region_employment, region_figure, run_figures, save

__all__ = [
    "inland_share_figure",
    "region_employment",
    "region_figure",
    "run_figures",
    "save",
]
