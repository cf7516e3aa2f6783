"""What the recorder and the accounts read of the model: a small protocol, not ``RelocationModel``.

The recorder and the accounts (fiscal, channels) read :class:`ModelState`; levers read its smaller
part :class:`~simulation.levers.base.LeverState`. :class:`~simulation.model.RelocationModel`
satisfies both, and so can any other object with these members (a test double, a replayed state),
so nothing below the model depends on it. Shapes: (R,) per province, (S, R) per sector x
province; money in yuan at the real scale unless said; employment in model persons (times
``scale`` for real persons).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulation.levers.base import LeverState

if TYPE_CHECKING:
    from simulation.abroad import AbroadQuarter
    from simulation.calibration import CalibrationResult
    from simulation.costs import UnitCosts
    from simulation.decision import Situation
    from simulation.demography import Turnover
    from simulation.firms import CellTallies, FirmArrays
    from simulation.levers import Effects, Plan
    from simulation.scenario import Scenario
    from simulation.timeline import Quarter


class ModelState(LeverState, Protocol):
    """What the recorder and the accounts read after a step."""

    spec: Scenario
    seed: int
    start: Quarter
    quarter: Quarter
    steps: int
    params: Mapping[str, Any]  # in force this quarter
    effects: Effects
    unit: UnitCosts
    lever_plan: Plan
    firms: FirmArrays
    tallies: CellTallies
    gross_margin: np.ndarray
    output_per_worker: np.ndarray
    wage: np.ndarray
    rent_index: np.ndarray
    park_capacity: np.ndarray
    calibration: CalibrationResult | None
    firm_scale: float  # real firms per synthetic firm
    turnover: Turnover  # the quarter's entries, exits, conversions and moves abroad
    abroad: AbroadQuarter | None  # the places abroad in force

    def situation(self, unit: UnitCosts | None = None) -> Situation: ...

    def by_cell(self, weights: np.ndarray | None = None, idx: np.ndarray | None = None) -> np.ndarray: ...

    def firm_counts(self) -> np.ndarray: ...

    def park_free(self) -> np.ndarray: ...

    def park_availability(self) -> np.ndarray: ...

    def no_policy_effects(self) -> Effects: ...

    def one_lever_effects(self, name: str) -> Effects: ...

    def under(self, effects: Effects) -> AbstractContextManager[UnitCosts]: ...
