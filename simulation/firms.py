"""Firms: a synthetic population stored as arrays, and the Mesa agent that views one of them.

Firm state lives in :class:`FirmArrays` (one numpy array per attribute) so that the quarterly
decision is vectorised; :class:`Firm` agents read those arrays and exist for inspection and
visualisation only (``run.firm_agents``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from simulation.sectors import Sectors


@dataclass
class FirmArrays:
    """Attributes of all firms, index = firm id (all arrays length F)."""

    sector: np.ndarray  # int, index into Sectors
    location: np.ndarray  # int, index into World
    employment: np.ndarray  # persons (of a synthetic firm)
    productivity: np.ndarray  # phi, mean 1
    output: np.ndarray  # yuan/year
    capital: np.ndarray  # yuan
    foreign: np.ndarray  # bool: foreign-invested
    sme: np.ndarray  # bool
    equipment_age: np.ndarray  # years since duty-free equipment was last imported (cyclic)
    tenure: np.ndarray  # years at the current location
    in_park: np.ndarray  # bool: located in a designated park
    known: np.ndarray  # (F, R) bool: provinces the firm knows about
    moves: np.ndarray  # int: relocations so far

    @property
    def n(self) -> int:
        return len(self.sector)


def allocate_counts(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(int)
    short = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def synthesize(
    n: int,
    sectors: Sectors,
    target: np.ndarray,
    region: np.ndarray,
    wage_ref: float,
    params: dict,
    rng: np.random.Generator,
) -> FirmArrays:
    """Draw ``n`` firms whose employment by (sector, province) matches ``target`` (S, R).

    Sizes are lognormal around each sector's mean (heavy right tail); firms of a sector are placed
    in random order along the cumulative employment target, so every province's employment share
    matches the target up to the size of one firm.
    """
    s_n, r_n = target.shape
    emp_share = target.sum(axis=1)
    counts = allocate_counts(emp_share / sectors.col("mean_employment"), n)
    sector = np.repeat(np.arange(s_n), counts)
    size_sigma = params["economy.size_sigma"]
    employment = sectors.col("mean_employment")[sector] * rng.lognormal(-(size_sigma**2) / 2, size_sigma, n)
    employment = np.maximum(employment, 1.0)
    location = np.empty(n, dtype=np.int64)
    for s in range(s_n):
        members = np.flatnonzero(sector == s)
        if not len(members):
            continue
        members = members[rng.permutation(len(members))]
        cum = np.cumsum(employment[members])
        mid = (cum - employment[members] / 2) / cum[-1]
        edges = np.cumsum(target[s] / target[s].sum())
        location[members] = np.minimum(np.searchsorted(edges, mid), r_n - 1)
    p_sigma = params["economy.productivity_sigma"]
    productivity = rng.lognormal(-(p_sigma**2) / 2, p_sigma, n)
    output = employment * productivity * output_per_worker(sectors, wage_ref)[sector]
    foreign = rng.random(n) < params["economy.foreign_share"]
    known = region[None, :] == region[location][:, None]
    known |= rng.random((n, r_n)) < params["behaviour.know_other_region_prob"]
    return FirmArrays(
        sector=sector,
        location=location,
        employment=employment,
        productivity=productivity,
        output=output,
        capital=output * sectors.col("capital_output_ratio")[sector],
        foreign=foreign,
        sme=employment < params["economy.sme_threshold"],
        equipment_age=rng.uniform(0.0, params["economy.equipment_renewal_years"], n),
        tenure=rng.uniform(0.0, 10.0, n),
        in_park=np.zeros(n, bool),
        known=known,
        moves=np.zeros(n, dtype=np.int64),
    )


def output_per_worker(sectors: Sectors, wage_ref: float) -> np.ndarray:
    """Output per worker at productivity 1 (yuan/year): the reference wage over the labour share,
    so that labour costs are the input-output labour share at the reference wage."""
    return wage_ref / sectors.col("labour_share")


class Firm(mesa.Agent):
    """A processing-trade firm: a view on row ``idx`` of the model's firm arrays."""

    def __init__(self, model: mesa.Model, idx: int):
        super().__init__(model)
        self.idx = idx

    def _get(self, name: str):
        return getattr(self.model.firms, name)[self.idx]

    @property
    def sector(self) -> str:
        return str(self.model.sectors.names[self._get("sector")])

    @property
    def province(self) -> str:
        return str(self.model.world.names[self._get("location")])

    @property
    def employment(self) -> float:
        return float(self._get("employment"))

    @property
    def output(self) -> float:
        return float(self._get("output"))

    @property
    def foreign(self) -> bool:
        return bool(self._get("foreign"))

    @property
    def in_park(self) -> bool:
        return bool(self._get("in_park"))

    @property
    def moves(self) -> int:
        return int(self._get("moves"))
