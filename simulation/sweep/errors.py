"""The one error class of the sweep layer."""

from __future__ import annotations

from simulation.scenario import ScenarioError


class SweepError(ScenarioError):
    """Bad sweep input (flag, experiment file, results folder); the message names the flag or file,
    the key and what is allowed. A :class:`ScenarioError`, so ``ptsim`` exits with status 2."""

    def __init__(self, source: str, key: str, message: str):
        super().__init__(source, key, message)


def require(module: str, extra: str):
    """Import an optional dependency or raise a :class:`SweepError` saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise SweepError(
            module,
            "-",
            f"this feature needs the optional package '{module.split('.')[0]}' (the '{extra}' extra): "
            f'from the project\'s checkout, pip install -e ".[{extra}]" (`make install-test` installs '
            "every extra)",
        ) from None


#: Upper bounds of a sweep's size, stated so that a typo (``--seeds 50000000``) is refused at once
#: instead of exhausting memory: ~450 MB of run descriptions per million runs were measured, and at
#: ~200 runs a minute per core 200,000 runs are ~16 core-hours. Split larger studies.
MAX_SEEDS = 10_000  # replications per scenario and design point
MAX_DESIGN_N = 16_384  # --n: points, trajectories (morris) or base N (saltelli), 2**14
MAX_LEVELS = 100  # --levels of a Morris grid
MAX_RUNS = 200_000  # scenarios x design points x seeds


def check_count(source: str, key: str, value: object, maximum: int, minimum: int = 1) -> int:
    """``value`` as an int if it is a whole number (not a bool, string or fraction) in
    ``[minimum, maximum]``; else a :class:`SweepError` naming ``source`` and ``key``."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or not minimum <= value <= maximum:
        raise SweepError(
            source, key, f"must be a whole number from {minimum:,} to {maximum:,}, got {value!r}"
        )
    return value
