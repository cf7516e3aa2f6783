"""The province as a Mesa agent (a view on the model's province arrays).

Kept apart from :mod:`simulation.geography` so that reading the world's tables does not import
Mesa, and with it pandas and scipy.
"""

from __future__ import annotations

import mesa


class Province(mesa.Agent):
    """A province as a Mesa agent: a view on the model's province arrays."""

    def __init__(self, model: mesa.Model, idx: int):
        super().__init__(model)
        self.idx = idx
        self.name = str(model.world.names[idx])
        self.region = str(model.world.region[idx])

    @property
    def employment(self) -> float:
        """Processing employment (real persons represented)."""
        return float(self.model.employment_by_province()[self.idx] * self.model.scale)

    @property
    def wage(self) -> float:
        """Annual wage (yuan/year)."""
        return float(self.model.wage[self.idx])

    @property
    def rent_index(self) -> float:
        return float(self.model.rent_index[self.idx])
