"""Places abroad: the foreign locations a plant can choose instead of a Chinese province.

Each place abroad is priced against a reference province (``abroad.reference_province``, the coast's
processing hub) from the facts of ``data/abroad.csv``: its manufacturing wage relative to China's in
the same survey (JETRO), less labour productivity (``abroad.productivity_ratio``), its corporate
income tax, no access to China's domestic market and no Chinese lever, and the US Section 301
duties a plant in China pays on its North-American sales and one abroad does not. Electricity,
freight, land and compliance are those of the reference province (assumption: the competitors are
coastal export platforms too). What the figures leave out (supply-chain depth, infrastructure,
the cost of bringing parts from China) is one constant per run, ``abroad.constant`` (logit units),
an assumption that the estimation issue is to fit. A year without a figure keeps the last
documented one (the rule of ``data/national_series.csv``), and years before the first keep the
first.

A plant that chooses a place abroad leaves the Chinese simulation (an absorbing state: plants
abroad are counted, not simulated further). Equations: ``docs/model.md`` (Places abroad).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from simulation import costs
from simulation.sectors import Sectors
from simulation.tables import Column, DataError, data_path, read_table

PLACES: tuple[str, ...] = ("Vietnam", "India", "Indonesia", "Mexico")
HOME = "China"

ABROAD_COLUMNS: tuple[Column, ...] = (
    Column("year", "float", "year", 1990, 2100),
    Column("country", "str"),
    Column("variable", "str"),
    Column("value", "float", "see unit", 0, 1e9),
    Column("unit", "str"),
    Column("source", "str"),
    Column("date", "str"),
    Column("confidence", "str"),
    Column("note", "str", required=False),
)


@cache
def load() -> dict[str, np.ndarray]:
    """``data/abroad.csv`` (one row per year x country x variable), checked."""
    path = data_path("abroad.csv")
    table = read_table(path, ABROAD_COLUMNS)
    bad = [c for c in table["confidence"] if c not in ("A", "B", "C")]
    if bad:
        raise DataError(f"{path}: column 'confidence' = {bad[0]!r}; expected one of A, B, C")
    unknown = sorted(set(table["country"]) - {*PLACES, HOME})
    if unknown:
        raise DataError(
            f"{path}: column 'country' = {unknown[0]!r}; expected one of {HOME}, {', '.join(PLACES)}"
        )
    return table


def documented(country: str, variable: str) -> list[tuple[float, float]]:
    """Sorted (year, value) points of one fact; an error if there is none."""
    t = load()
    rows = (t["country"] == country) & (t["variable"] == variable)
    if not rows.any():
        raise DataError(f"abroad.csv: no rows for country {country!r}, variable {variable!r}")
    return sorted(zip(t["year"][rows].tolist(), t["value"][rows].tolist(), strict=True))


def in_force(points: list[tuple[float, float]], year: float) -> float:
    """The value of the last point at or before ``year`` (the first before any point)."""
    value = points[0][1]
    for when, v in points:
        if when <= year:
            value = v
    return value


def wage_ratio(country: str, year: float) -> float:
    """The country's manufacturing wage over China's in the same survey, in force at ``year``
    (Mexico's comes from another survey and is compared with China's figure in it)."""
    own = documented(country, "wage_usd_month")
    if country == "Mexico":
        return in_force(own, year) / in_force(documented(HOME, "wage_usd_month_marklines"), year)
    china = documented(HOME, "wage_usd_month")
    common = [w for w, _ in own if any(w == c for c, _ in china)]
    at = max([w for w in common if w <= year], default=common[0])  # one survey year for both
    return in_force(own, at) / in_force(china, at)


@dataclass(frozen=True)
class AbroadQuarter:
    """The places abroad in one quarter (K places)."""

    names: tuple[str, ...]
    reference: int  # index of the reference province
    labour_factor: np.ndarray  # (K,) unit labour cost relative to the reference province
    tax_rate: np.ndarray  # (K,) corporate income tax
    tariff_saving: np.ndarray  # (S, K) US duty avoided, per yuan of output
    constant: float  # logit units, every place

    @property
    def k(self) -> int:
        return len(self.names)


def quarter(
    year: float, sectors: Sectors, params: Mapping[str, Any], province_names: np.ndarray
) -> AbroadQuarter | None:
    """The places abroad at ``year`` (a fraction for quarters), or None when switched off."""
    if not params["abroad.enabled"]:
        return None
    ref = str(params["abroad.reference_province"])
    hits = np.flatnonzero(province_names == ref)
    if not len(hits):
        raise DataError(
            f"abroad.reference_province = {ref!r} is not a province of this world: set "
            "abroad.enabled = false (a small [world] has no places abroad) or name one of its provinces"
        )
    wage = np.array([wage_ratio(c, year) for c in PLACES])
    tax = np.array([in_force(documented(c, "cit_rate"), year) for c in PLACES])
    duty = in_force(documented(HOME, "us_extra_tariff"), year) * params["abroad.tariff_incidence"]
    na = sectors.destinations()[:, 1]
    return AbroadQuarter(
        names=PLACES,
        reference=int(hits[0]),
        labour_factor=wage / params["abroad.productivity_ratio"],
        tax_rate=tax,
        tariff_saving=np.outer(na * costs.export_share(sectors)[:, 0], np.full(len(PLACES), duty)),
        constant=float(params["abroad.constant"]),
    )


def pretax(
    place: AbroadQuarter,
    unit: costs.UnitCosts,
    gross_margin: np.ndarray,
    sector: np.ndarray,
    inv_phi: np.ndarray,
) -> np.ndarray:
    """(n, K) pre-tax margin abroad of plants of ``sector`` with 1/productivity ``inv_phi``: the
    reference province's costs with labour scaled by ``labour_factor``, without China's domestic
    market, maintenance or subsidies (levers do not act abroad), plus the US duty avoided."""
    r = place.reference
    fixed = (
        gross_margin[sector]
        - unit.electricity[sector, r]
        - unit.logistics[sector, r]
        - unit.compliance[sector, r]
        - unit.risk[sector, r]
    )
    labour = unit.labour[sector, r][:, None] * place.labour_factor[None, :]
    scaled = (labour + unit.land[sector, r][:, None]) * inv_phi[:, None]
    return fixed[:, None] + place.tariff_saving[sector] - scaled
