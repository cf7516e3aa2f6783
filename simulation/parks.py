"""National processing-trade parks: where they are, how many places they have, how many are free.

Capacity is in model persons (real jobs / ``scale``). A province designated a park (by the data, an
override or a series) receives the standard capacity ``parks.capacity_jobs`` once, opening empty;
special bonds add places after their build lag (``Effects.park_capacity_opened``). Capacity is never
taken away: when a series drops a designation the factories and the firms in them stay. Who gets a
place is a lottery (:func:`simulation.choice.admit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simulation.firms import CellTallies


class Parks:
    """Park capacity by province and the provinces that have received the standard capacity."""

    def __init__(self, national_park: np.ndarray, params: Mapping[str, Any], scale: float):
        """``national_park`` (R,) flags at the start; ``scale`` real persons per model person."""
        self.standard = params["parks.capacity_jobs"] / scale if params["parks.enabled"] else 0.0
        self.designated = national_park > 0
        self.capacity = self.designated * self.standard

    def open(self, national_park: np.ndarray, built: np.ndarray) -> None:
        """Add the places opening this quarter: ``built`` (R,) by levers, and the standard capacity
        of each province that ``national_park`` (the inputs in force, not a lever's ``designate``,
        whose capacity is what bonds buy) makes a park for the first time."""
        new = (national_park > 0) & ~self.designated
        if new.any():
            self.designated = self.designated | new
            built = built + new * self.standard
        if built.any():
            self.capacity = self.capacity + built


def free(capacity: np.ndarray, tallies: CellTallies) -> np.ndarray:
    """(R,) park capacity not yet taken (model persons)."""
    return np.maximum(capacity - tallies.park_employment, 0.0)


def availability(capacity: np.ndarray, tallies: CellTallies) -> np.ndarray:
    """(R,) share of park capacity still free (0 where there is no park): the chance of a slot."""
    return np.divide(free(capacity, tallies), capacity, out=np.zeros_like(capacity), where=capacity > 0)
