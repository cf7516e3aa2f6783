"""The names ``ptsim plot`` and ``ptsim report`` accept (figure kinds, languages, sizes, formats).

They live apart from :mod:`simulation.plots.style` and :mod:`simulation.plots.figures` because those
import matplotlib, and ``ptsim`` builds its option lists at every start, ``ptsim --help`` included.
"""

from __future__ import annotations

#: Figure kinds of ``ptsim plot --kind``, in the order they are drawn.
KINDS = ("timeseries", "effects", "map", "flows", "channels", "dose", "sensitivity")
#: Label languages.
LANGS = ("en", "zh")
#: File formats of saved figures.
FORMATS = ("png", "svg", "pdf")
#: Names of the figure sizes (the sizes themselves are :data:`simulation.plots.style.SIZES`).
SIZES = ("slide", "column")
