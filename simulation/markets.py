"""Factor markets: wages and land rents respond to where the processing jobs are.

Local processing employment relative to the province's labour pool is the pressure on both: wages
follow the inverse labour-supply elasticity (larger where out-migrants can be drawn back, so the
supply is more elastic), land rents their own elasticity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

MIN_PRESSURE = 0.05  # floor on 1 + change: a province that loses every job keeps positive prices


def wages_and_rents(
    employment: np.ndarray,
    employment0: np.ndarray,
    labour_pool: np.ndarray,
    wage_level: np.ndarray,
    outmigrant_share: np.ndarray,
    params: Mapping[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """(R,) wages (yuan/year) and rent index (1 at the start) at processing ``employment``
    (persons; ``employment0`` at the start, ``labour_pool`` the province's pool) on top of the
    trend path ``wage_level``."""
    pressure = np.maximum(1.0 + (employment - employment0) / labour_pool, MIN_PRESSURE)
    if params["labour.wage_feedback"]:
        elasticity = params["labour.supply_elasticity"] * (
            1.0 + params["labour.migrant_pool_weight"] * outmigrant_share
        )
        wage = wage_level * pressure ** (1.0 / elasticity)
    else:
        wage = wage_level.copy()
    return wage, pressure ** params["land.rent_elasticity"]
