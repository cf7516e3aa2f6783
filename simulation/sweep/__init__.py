"""Scenario sweeps: designs, seeds, executors (local processes, Dask), the result store, effects.

The unit of work is :func:`simulation.sweep.runs.run_one` (a scenario, a seed and overrides in; a
:class:`~simulation.sweep.runs.RunResult` out). See ``simulation/sweep/README.md`` and
``docs/sweeps.md``.
"""

from simulation.sweep.errors import SweepError
from simulation.sweep.runs import RunResult, run_one

__all__ = ["RunResult", "SweepError", "run_one"]
