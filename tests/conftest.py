"""Shared fixtures: the repository paths, a TOML writer and a small, fast scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"

SMALL_FIRMS = 600
SMALL_STEPS = 6
SMALL_SORTING_ROUNDS = 5

SMALL_TOML = f"""
[scenario]
extends = "{BASELINE.as_posix()}"
name = "small"
description = "baseline, shrunk for tests"

[run]
firms = {SMALL_FIRMS}
steps = {SMALL_STEPS}

[calibration]
sorting_rounds = {SMALL_SORTING_ROUNDS}
"""


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """Write TOML text to ``tmp_path / name`` and return the path."""

    def write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def small_scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Baseline with 600 firms, 6 steps and 5 sorting rounds (a run takes about a second)."""
    path = tmp_path_factory.mktemp("scenarios") / "small.toml"
    path.write_text(SMALL_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_scenario(small_scenario_file: Path):
    """The validated small scenario."""
    from simulation import scenario

    return scenario.load(small_scenario_file)
