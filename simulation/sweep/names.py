"""The design methods ``ptsim sweep`` accepts, apart from :mod:`simulation.sweep.design` (which
imports pandas) so that ``ptsim`` can list them in its options without loading it."""

from __future__ import annotations

#: ``grid`` (from --vary) and the samplers of ``--sample``.
METHODS = ("grid", "lhs", "sobol", "morris", "saltelli")
