"""Where a lever acts: names in ``targets`` resolved to a province mask.

A target is a province, an NBS region, ``inland``/``coastal``/``all``, a named city (mapped to its
province by ``simulation/data/cities.csv``) or a group of designated carriers. Carrier groups are
read from province columns, so they also work in a custom world.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from simulation.geography import REGIONS, World
from simulation.tables import Column, DataError, data_path, read_table

# group name -> (province column that marks it, or None for a city role in cities.csv)
CARRIERS: dict[str, tuple[str | None, str]] = {
    "national_parks": ("national_park", "the 13 national processing-trade parks of 2021"),
    "undertaking_sites": ("undertaking_sites_known", "provinces with known key undertaking sites"),
    "bonded_zones": ("bonded_zones", "provinces with comprehensive bonded zones"),
    "cre_origins": ("cre_origin", "China-Europe Railway Express origins"),
    "border_ports": ("land_port_asean", "provinces with land ports to ASEAN"),
    "maintenance_pilots": (None, "the bonded-maintenance pilot cities of measure 三"),
}
CARRIER_ROLE = {"maintenance_pilots": "maintenance_pilot"}


@cache
def cities() -> dict[str, tuple[str, str]]:
    """``{city: (province, role)}`` from ``cities.csv``."""
    path = data_path("cities.csv")
    t = read_table(
        path,
        (Column("city", "str"), Column("province", "str"), Column("role", "str"), Column("basis", "str")),
        key="city",
    )
    return {c: (p, r) for c, p, r in zip(t["city"], t["province"], t["role"], strict=True)}


def target_vocabulary(province_names: list[str]) -> list[str]:
    """Every name a ``targets`` list may contain in a world with these provinces."""
    city_names = [c for c, (p, _) in cities().items() if p in province_names]
    return ["all", "inland", "coastal", *REGIONS, *CARRIERS, *province_names, *city_names]


def resolve(world: World, names: list[str]) -> np.ndarray:
    """(R,) bool mask: the union of the named targets."""
    mask = np.zeros(world.n, bool)
    for name in names:
        mask |= _one(world, name)
    return mask


def _one(world: World, name: str) -> np.ndarray:
    if name in CARRIERS:
        column, _ = CARRIERS[name]
        if column is not None:
            return world.columns[column] > 0
        role = CARRIER_ROLE[name]
        provs = {p for p, r in cities().values() if r == role}
        return np.isin(world.names, list(provs))
    if name in cities() and name not in world.names:
        return world.names == cities()[name][0]
    try:
        return world.targets(name)
    except KeyError:
        raise DataError(f"unknown target {name!r}") from None
