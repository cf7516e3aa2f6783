"""Provinces, regions and distances: the places firms choose among.

The default world is China's 31 mainland provinces from ``simulation/data/provinces.csv``. A scenario
may instead define a small world of its own (``[world]`` in the scenario file) for teaching and for
checks against theory; missing columns then take neutral defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from simulation.tables import Column, DataError, data_path, read_table

REGIONS: tuple[str, ...] = ("east", "central", "west", "northeast")
#: "Inland": every NBS region but the east (central, west, northeast). The one place that says so;
#: everything else asks :func:`is_inland` or uses this tuple.
INLAND_REGIONS: tuple[str, ...] = tuple(r for r in REGIONS if r != "east")
EARTH_RADIUS_KM = 6371.0

_F, _B, _S = "float", "bool", "str"
PROVINCE_COLUMNS: tuple[Column, ...] = (
    Column("province", _S),
    Column("name_zh", _S, required=False),
    Column("region", _S),
    Column("coastal", _B),
    Column("land_border", _B),
    Column("lat", _F, "degrees", 15, 55),
    Column("lon", _F, "degrees", 70, 140),
    Column("population", _F, "persons", 1e5, 2e8),
    Column("wage_yuan", _F, "yuan/year", 10_000, 500_000),
    Column("min_wage_month_yuan", _F, "yuan/month", 500, 10_000),
    Column("elec_flat_yuan_kwh", _F, "yuan/kWh", 0.1, 3.0),
    Column("tou_peak_mult", _F, "x flat price", 1.0, 5.0),
    Column("tou_valley_mult", _F, "x flat price", 0.0, 1.0),
    Column("tou_critical_mult", _F, "x flat price", 1.0, 10.0),
    Column("tou_peak_hours", _F, "h/day", 0, 24),
    Column("tou_flat_hours", _F, "h/day", 0, 24),
    Column("tou_valley_hours", _F, "h/day", 0, 24),
    Column("tou_critical_hours", _F, "h/day", 0, 24),
    Column("port", _S),
    Column("port_km", _F, "km", 0, 5000),
    Column("cre_origin", _B),
    Column("cre_assembly_centre", _B),
    Column("air_cargo_intl", _B),
    Column("land_port_asean", _B),
    Column("land_port_eurasia", _B),
    Column("bonded_zones", _F, "zones", 0, 100),
    Column("national_park", _B),
    Column("undertaking_sites_known", _F, "sites", 0, 100),
    Column("west_cit_15", _B),
    Column("land_price_yuan_m2", _F, "yuan/m2", 10, 10_000),
    Column("processing_trade_100m_yuan", _F, "100 million yuan/year", 0, 1e6),
)
REGION_COLUMNS: tuple[Column, ...] = (
    Column("region", _S),
    Column("outmigrant_cross_province_share", _F, "share", 0, 1),
    Column("migrant_income_2024_month_yuan", _F, "yuan/month", 500, 50_000),
    Column("migrant_income_growth_2024", _F, "1/year", -0.5, 0.5),
)

# Columns a scenario may override or drive by a time series (except START_ONLY), with their defaults
# for custom worlds.
NUMERIC_DEFAULTS: dict[str, float] = {
    "population": 1e7,
    "wage_yuan": 60_000.0,
    "min_wage_month_yuan": 2000.0,
    "elec_flat_yuan_kwh": 0.7,
    "tou_peak_mult": 1.5,
    "tou_valley_mult": 0.5,
    "tou_critical_mult": 1.8,
    "tou_peak_hours": 8.0,
    "tou_flat_hours": 8.0,
    "tou_valley_hours": 8.0,
    "tou_critical_hours": 0.0,
    "port_km": 0.0,
    "cre_origin": 0.0,
    "cre_assembly_centre": 0.0,
    "air_cargo_intl": 0.0,
    "land_port_asean": 0.0,
    "land_port_eurasia": 0.0,
    "bonded_zones": 0.0,
    "national_park": 0.0,
    "undertaking_sites_known": 0.0,
    "west_cit_15": 0.0,
    "land_price_yuan_m2": 500.0,
    "processing_trade_100m_yuan": 1.0,
    "coastal": 0.0,
    "land_border": 0.0,
    # model-side columns (not in the data file): levers and scenarios set them
    "skill_efficiency": 1.0,
    "amenity": 0.0,
    "wage_growth": 0.0,
    "outmigrant_share": 0.0,
    # national, the same in every province: CNY per USD, set by the documented annual averages
    # (simulation.prices.documented_series); 2023's average until a series says otherwise
    "cny_per_usd": 7.0467,
}
# The model-side columns of NUMERIC_DEFAULTS (not in provinces.csv): the ranges a scenario's
# override, [[series]] or [world] row must keep to, so that no value the loader accepts can turn a
# run's outputs into NaN or infinities.
MODEL_COLUMNS: tuple[Column, ...] = (
    # multiplies labour.skill_efficiency (0, 10]; 0 or less makes effective labour cost infinite
    Column("skill_efficiency", _F, "x national skill efficiency", 0.0, 10.0, low_open=True),
    # a province constant in logit units: beyond +-50 (odds of e^50) a province is simply certain or
    # impossible, and the logit's exponentials stay far from overflow
    Column("amenity", _F, "logit units", -50.0, 50.0),
    # the range of regions.csv's migrant income growth; -1 or below would make wages zero or negative
    Column("wage_growth", _F, "1/year", -0.5, 0.5),
    Column("outmigrant_share", _F, "share", 0.0, 1.0),
    # the yuan has stayed between about 1.5 (1980) and 8.6 (1994) per dollar; the range leaves room for
    # counterfactuals and keeps prices positive and finite
    Column("cny_per_usd", _F, "yuan per US dollar", 0.5, 50.0),
)
#: The declared range of every column a scenario can set (NUMERIC_DEFAULTS): provinces.csv's columns
#: and the model-side ones.
SPEC_BY_NAME = {c.name: c for c in (*PROVINCE_COLUMNS, *MODEL_COLUMNS)}
# Columns of NUMERIC_DEFAULTS that are national (the same in every province): only a [[series]] with
# where = "all" may set them, never a province override.
NATIONAL_ONLY: dict[str, str] = {"cny_per_usd": "the CNY/USD exchange rate is the same in every province"}
# Columns of NUMERIC_DEFAULTS that only set the start of a run (read once, at set-up): a scenario may
# override them but not drive them by a series, which would have no effect after step 0.
START_ONLY: dict[str, str] = {
    "processing_trade_100m_yuan": "it sets the initial distribution of firms (the target of the sorting "
    "and of the calibration) and is not read after set-up",
}


@dataclass
class World:
    """The provinces of a run: names, regions, numeric columns and distances."""

    names: np.ndarray  # (R,) str
    region: np.ndarray  # (R,) str, one of REGIONS
    columns: dict[str, np.ndarray]  # numeric columns, float64 (booleans as 0/1)
    distance_km: np.ndarray  # (R, R) great-circle distance between capitals
    freeness: np.ndarray | None = None  # (R, R) given domestic freeness, or None to derive
    label: str = "china31"

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def inland(self) -> np.ndarray:
        """Boolean mask of central, western and north-eastern provinces."""
        return is_inland(self.region)

    def index(self, name: str) -> int:
        """Index of a province by English name."""
        hits = np.flatnonzero(self.names == name)
        if not len(hits):
            raise KeyError(name)
        return int(hits[0])

    def col(self, name: str) -> np.ndarray:
        return self.columns[name]

    def targets(self, spec: str) -> np.ndarray:
        """Boolean mask for 'all', an NBS region, 'inland', 'coastal' or a province name."""
        if spec == "all":
            return np.ones(self.n, bool)
        if spec == "inland":
            return self.inland
        if spec == "coastal":
            return self.columns["coastal"] > 0
        if spec in REGIONS:
            return self.region == spec
        if spec in self.names:
            return self.names == spec
        raise KeyError(spec)


def is_inland(region: ArrayLike) -> np.ndarray:
    """Boolean mask, same length as ``region`` (NBS region names, an array or a pandas column):
    True for the inland regions (:data:`INLAND_REGIONS`)."""
    return np.isin(np.asarray(region), INLAND_REGIONS)


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances (km) between points given in degrees."""
    la, lo = np.radians(lat), np.radians(lon)
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def load_china() -> World:
    """The 31 mainland provinces from the shipped data files, checked."""
    path = data_path("provinces.csv")
    t = read_table(path, PROVINCE_COLUMNS, key="province")
    if len(t["province"]) != 31:
        raise DataError(f"{path}: expected 31 provinces, found {len(t['province'])}")
    bad = sorted(set(t["region"]) - set(REGIONS))
    if bad:
        raise DataError(f"{path}: column 'region' has {bad}; allowed: {', '.join(REGIONS)}")
    hours = t["tou_peak_hours"] + t["tou_flat_hours"] + t["tou_valley_hours"]
    off = np.flatnonzero(np.abs(hours - 24) > 1e-6)
    if len(off):
        raise DataError(
            f"{path}: tou peak+flat+valley hours must sum to 24 for {t['province'][off].tolist()}"
        )
    if (t["tou_critical_hours"] > t["tou_peak_hours"]).any():
        raise DataError(f"{path}: tou_critical_hours must not exceed tou_peak_hours")
    regions = load_regions()
    columns = {c.name: t[c.name].astype(float) for c in PROVINCE_COLUMNS if c.kind != "str"}
    for name, default in NUMERIC_DEFAULTS.items():
        columns.setdefault(name, np.full(31, default))
    ridx = np.array([REGIONS.index(r) for r in t["region"]])
    columns["wage_yuan"] = processing_wages(columns["wage_yuan"], columns["population"], ridx, regions)
    columns["wage_growth"] = regions["migrant_income_growth_2024"][ridx]
    columns["outmigrant_share"] = regions["outmigrant_cross_province_share"][ridx]
    lat, lon = columns["lat"], columns["lon"]
    return World(t["province"].astype(str), t["region"].astype(str), columns, great_circle_km(lat, lon))


def processing_wages(
    private: np.ndarray, population: np.ndarray, ridx: np.ndarray, regions: dict[str, np.ndarray]
) -> np.ndarray:
    """(R,) annual wage of processing workers at the start (end of 2023), yuan/year.

    The level of each NBS region is the migrant workers' income by region of work (NBS 农民工监测调查
    报告: 2024 monthly income / (1 + its 2024 growth) x 12), which halves the coast-interior gap of
    urban private-sector wages; within a region, provinces keep the relative private-sector wages of
    ``provinces.csv`` (no provincial migrant incomes were found: an assumption).
    """
    monthly = regions["migrant_income_2024_month_yuan"] / (1 + regions["migrant_income_growth_2024"])
    weights = np.bincount(ridx, population, minlength=len(REGIONS))
    mean = np.bincount(ridx, private * population, minlength=len(REGIONS)) / np.maximum(weights, 1e-300)
    return 12 * monthly[ridx] * private / mean[ridx]


def load_regions() -> dict[str, np.ndarray]:
    """Region-level facts, ordered as ``REGIONS``."""
    path = data_path("regions.csv")
    t = read_table(path, REGION_COLUMNS, key="region")
    if sorted(t["region"]) != sorted(REGIONS):
        raise DataError(f"{path}: regions must be exactly {', '.join(REGIONS)}")
    order = [int(np.flatnonzero(t["region"] == r)[0]) for r in REGIONS]
    return {k: v[order] for k, v in t.items()}


def custom_world(spec: dict, source: str) -> World:
    """A small world from a scenario's ``[world]`` table (already type-checked by the scenario)."""
    rows = spec["provinces"]
    names = np.array([r["province"] for r in rows])
    region = np.array([r.get("region", "east") for r in rows])
    n = len(rows)
    columns: dict[str, np.ndarray] = {}
    for name, default in NUMERIC_DEFAULTS.items():
        columns[name] = np.array([float(r.get(name, default)) for r in rows])
    for i, r in enumerate(rows):
        for name, value in r.items():
            if name in ("province", "region", "lat", "lon"):
                continue
            spec_col = SPEC_BY_NAME.get(name)
            if spec_col is not None and spec_col.kind == "float":
                spec_col.check(float(value), f"{source}: world.provinces[{i}]")
    if "distance_km" in spec:
        dist = np.asarray(spec["distance_km"], float)
    elif all("lat" in r and "lon" in r for r in rows):
        dist = great_circle_km(
            np.array([r["lat"] for r in rows], float), np.array([r["lon"] for r in rows], float)
        )
    else:
        dist = np.where(np.eye(n, dtype=bool), 0.0, 1000.0)
    freeness = np.asarray(spec["freeness"], float) if "freeness" in spec else None
    return World(names, region, columns, dist, freeness, label=spec.get("name", "custom"))
