"""Sector parameters (national input-output tables and documented assumptions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.tables import Column, DataError, data_path, read_table

MARKETS: tuple[str, ...] = ("eu", "na", "eastasia", "asean")

_F, _B, _S = "float", "bool", "str"
SECTOR_COLUMNS: tuple[Column, ...] = (
    Column("sector", _S),
    Column("name", _S),
    # output per worker is the wage over it: below 0.001 (1,000 x the wage) outputs overflow
    Column("labour_share", _F, "yuan per yuan of output", 0.001, 1.0),
    Column("elec_cost_share", _F, "yuan per yuan of output", 0.0, 1.0),
    Column("elec_kwh_per_10k_yuan", _F, "kWh per 10,000 yuan of output", 0.0, 100_000.0),
    Column("load_flexibility", _F, "share of peak load", 0.0, 1.0),
    Column("peak_load_share", _F, "share of kWh", 0.0, 1.0),
    Column("value_density_yuan_t", _F, "yuan/t", 100.0, 1e8),
    Column("time_cost_per_day", _F, "share of value per day", 0.0, 0.2),
    Column("dest_eu", _F, "share", 0.0, 1.0),
    Column("dest_na", _F, "share", 0.0, 1.0),
    Column("dest_eastasia", _F, "share", 0.0, 1.0),
    Column("dest_asean", _F, "share", 0.0, 1.0),
    Column("domestic_sales_share", _F, "share of output", 0.0, 1.0),
    Column("imported_input_share", _F, "yuan per yuan of output", 0.0, 1.0),
    Column("rd_intensity", _F, "yuan per yuan of revenue", 0.0, 1.0),
    Column("bonded_maintenance", _B),
    Column("mean_employment", _F, "employees per firm", 1.0, 1e6),
    Column("employment_share", _F, "share of processing employment", 0.0, 1.0),
    Column("capital_output_ratio", _F, "yuan of capital per yuan of annual output", 0.0, 20.0),
    Column("skill_requirement", _F, "index 0-1", 0.0, 1.0),
)
NUMERIC = tuple(c.name for c in SECTOR_COLUMNS if c.kind != "str")
# freight characteristics come from their own file; sectors.csv's old columns of the same names
# are no longer read (SOURCES.md s.3.5)
FREIGHT_COLUMNS: tuple[Column, ...] = (
    Column("sector", _S),
    Column("value_density_yuan_t", _F, "yuan/t", 100.0, 1e8),
    Column("time_cost_per_day", _F, "share of value per day", 0.0, 0.2),
)


@dataclass
class Sectors:
    """Sector table: ``names`` and one float array per numeric column."""

    names: np.ndarray
    columns: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.names)

    def col(self, name: str) -> np.ndarray:
        return self.columns[name]

    def destinations(self) -> np.ndarray:
        """(S, 4) export shares by market, rows summing to 1."""
        return np.stack([self.columns[f"dest_{m}"] for m in MARKETS], axis=1)

    def index(self, name: str) -> int:
        hits = np.flatnonzero(self.names == name)
        if not len(hits):
            raise KeyError(name)
        return int(hits[0])


def load_sectors() -> Sectors:
    """The seven sectors from ``simulation/data/sectors.csv``, checked."""
    path = data_path("sectors.csv")
    t = read_table(path, SECTOR_COLUMNS, key="sector")
    columns = {c: t[c].astype(float) for c in NUMERIC}
    columns.update(load_sector_freight(t["sector"].astype(str)))
    sectors = Sectors(t["sector"].astype(str), columns)
    check_sectors(sectors, str(path))
    return sectors


def load_sector_freight(names: np.ndarray) -> dict[str, np.ndarray]:
    """Value density (yuan/t) and time cost (share of value per day in transit) per sector, in the
    order of ``names``, from ``simulation/data/sector_freight.csv``."""
    path = data_path("sector_freight.csv")
    t = read_table(path, FREIGHT_COLUMNS, key="sector")
    rows = {str(name): i for i, name in enumerate(t["sector"])}
    missing = [str(n) for n in names if str(n) not in rows]
    if missing:
        raise DataError(f"{path}: no row for sector(s) {', '.join(missing)}")
    order = np.array([rows[str(n)] for n in names], dtype=int)
    return {c.name: t[c.name].astype(float)[order] for c in FREIGHT_COLUMNS if c.kind != "str"}


def check_sectors(sectors: Sectors, where: str) -> None:
    """Shares that must add up do add up (after scenario overrides too)."""
    dest = sectors.destinations().sum(axis=1)
    bad = np.flatnonzero(np.abs(dest - 1) > 1e-3)
    if len(bad):
        raise DataError(
            f"{where}: dest_eu+dest_na+dest_eastasia+dest_asean must sum to 1 for "
            f"sector(s) {sectors.names[bad].tolist()}"
        )
    total = sectors.columns["employment_share"].sum()
    if abs(total - 1) > 1e-3:
        raise DataError(f"{where}: employment_share must sum to 1 over sectors, got {total:.4f}")
