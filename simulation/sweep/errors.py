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
