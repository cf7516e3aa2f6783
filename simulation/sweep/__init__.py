"""Scenario sweeps: designs, seeds, executors (local processes, Dask), the result store, effects.

The unit of work is :func:`simulation.sweep.runs.run_one` (a scenario, a seed and overrides in; a
:class:`~simulation.sweep.runs.RunResult` out). See ``simulation/sweep/README.md`` and
``docs/sweeps.md``.
"""

from __future__ import annotations

from typing import Any

from simulation.sweep.errors import SweepError

__all__ = ["RunResult", "SweepError", "run_one"]


def __getattr__(name: str) -> Any:
    """``run_one`` and ``RunResult`` from :mod:`simulation.sweep.runs`, imported on first use (it
    loads pandas) so that ``ptsim`` can register the sweep commands cheaply."""
    if name in ("RunResult", "run_one"):
        from simulation.sweep import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
