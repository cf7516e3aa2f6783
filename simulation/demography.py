"""Plants are born, expand, convert and die: the quarter's turnover of the plant population.

Each quarter (after the reviews and moves):

1. **Exit.** A plant closes after ``demography.loss_exit_quarters`` consecutive quarters with an
   after-tax loss, or by the exogenous hazard ``demography.exit_rate``.
2. **Conversion.** A plant leaves the processing regime for ordinary trade with hazard
   ``demography.conversion_rate`` (it leaves the simulated population: it is no longer
   processing trade).
3. **Entry.** New plants arrive at rate exit + conversion + trend (``demography.trend_growth``)
   times the plants present; a share ``demography.expansion_share`` of them are second plants of
   profitable firms (drawn in proportion to employment; they keep the firm's owner, sector,
   productivity and ownership, and the firm keeps its first plant), the rest new firms of a
   sector drawn in proportion to the sectors' plant counts at the start. Every new plant chooses
   among all provinces and the places abroad by the same logit as movers
   (:func:`simulation.decision.place_new`), so the calibrated constants and every lever that makes a
   province attractive act on new plants too; it enters a designated park by the lottery movers
   face.

Movers and plants that went abroad this quarter are exempt from exit and conversion draws in the
quarter they acted. Hazards are annual rates turned into quarterly probabilities,
1 - (1 - rate)^(1/4). All draws come from the demography stream of the model's seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation import decision
from simulation.firms import FirmArrays, draw_sizes, draw_traits, output_per_worker
from simulation.sectors import Sectors


def quarterly(rate: float) -> float:
    """Quarterly probability of an annual rate (``rate`` in [0, 1), a share of plants a year)."""
    return 1.0 - (1.0 - min(max(rate, 0.0), 1.0)) ** 0.25


def entry_rate(params: Mapping[str, Any]) -> float:
    """Annual entry rate: exits and conversions replaced, plus the documented trend (>= 0)."""
    p = params
    return max(
        p["demography.exit_rate"] + p["demography.conversion_rate"] + p["demography.trend_growth"], 0.0
    )


def abroad_leaving(rng: np.random.Generator, s: decision.Situation) -> float:
    """Quarterly share of plants expected to go abroad at the start (review hazard x chance of
    choosing a place abroad). New plants replace them too, so that the baseline's processing
    totals follow the documented trend; what levers change in that route then changes the totals.
    Exits after losses are not replaced: they weed out the plants that lose money (docs/model.md
    7.18)."""
    going = decision.hazard(s) * decision.abroad_probability(rng, s)
    return float(going.sum() / max(s.firms.n, 1))


@dataclass(frozen=True)
class Leaving:
    """Which plants leave this quarter, by reason (boolean masks over the plants)."""

    exited: np.ndarray
    converted: np.ndarray

    @property
    def gone(self) -> np.ndarray:
        return self.exited | self.converted


def leaving(
    rng: np.random.Generator, s: decision.Situation, margin: np.ndarray, exempt: np.ndarray
) -> Leaving:
    """Update each plant's run of loss-making quarters (``margin``: after-tax, where it is) and
    draw exits and conversions; plants ``exempt`` (boolean mask: movers, plants gone abroad)
    neither exit nor convert."""
    p, f = s.params, s.firms
    losing = margin < 0
    f.loss_quarters[:] = np.where(losing, f.loss_quarters + 1, 0)
    draws = rng.random((2, f.n))
    exited = (f.loss_quarters >= p["demography.loss_exit_quarters"]) | (
        draws[0] < quarterly(p["demography.exit_rate"])
    )
    converted = ~exited & (draws[1] < quarterly(p["demography.conversion_rate"]))
    return Leaving(exited & ~exempt, converted & ~exempt)


def new_plants(
    rng: np.random.Generator,
    s: decision.Situation,
    margin: np.ndarray,
    sector_weights: np.ndarray,
    wage_ref: float,
    next_owner: int,
    allowance: float = 0.0,
) -> FirmArrays:
    """This quarter's new plants, not yet placed (location -1): a Poisson number at the entry
    rate plus ``allowance`` (a quarterly share of plants: :func:`abroad_leaving` at the
    start), second plants of firms with a positive after-tax ``margin`` and new firms (module
    docstring)."""
    p, f, sectors = s.params, s.firms, s.sectors
    n = int(rng.poisson((quarterly(entry_rate(p)) + allowance) * f.n))
    profitable = np.flatnonzero(margin > 0)
    n_expand = int(rng.binomial(n, p["demography.expansion_share"])) if len(profitable) else 0
    weight = f.employment[profitable]
    parents = rng.choice(profitable, n_expand, p=weight / weight.sum()) if n_expand else profitable[:0]
    fresh_sector = rng.choice(sectors.n, n - n_expand, p=sector_weights)
    sector = np.concatenate([f.sector[parents], fresh_sector])
    employment = draw_sizes(rng, sector, sectors, p)
    traits = draw_traits(rng, sector, employment, sectors, wage_ref, p)
    _inherit(traits, f, parents, sectors, wage_ref)
    owner = np.concatenate([f.owner[parents], next_owner + np.arange(n - n_expand)])
    return _unplaced(sector, traits, owner, f.known[parents], p, rng, s.n_provinces)


def _inherit(
    traits: dict[str, np.ndarray], f: FirmArrays, parents: np.ndarray, sectors: Sectors, wage_ref: float
) -> None:
    """Second plants carry their firm's productivity and ownership (the first ``len(parents)``
    rows of ``traits``)."""
    k = len(parents)
    traits["productivity"][:k] = f.productivity[parents]
    traits["foreign"][:k] = f.foreign[parents]
    sector = f.sector[parents]
    per_worker = output_per_worker(sectors, wage_ref)[sector]
    traits["output"][:k] = traits["employment"][:k] * f.productivity[parents] * per_worker
    traits["capital"][:k] = traits["output"][:k] * sectors.col("capital_output_ratio")[sector]


def _unplaced(
    sector: np.ndarray,
    traits: dict[str, np.ndarray],
    owner: np.ndarray,
    parent_known: np.ndarray,
    params: Mapping[str, Any],
    rng: np.random.Generator,
    r_n: int,
) -> FirmArrays:
    """New plants at location -1: new equipment (duty-free under supervision, no duty owed on a
    first installation), tenure 0; a second plant knows what its firm knows, a new firm each
    province with ``behaviour.know_other_region_prob`` (its own region is added once placed)."""
    n = len(sector)
    known = rng.random((n, r_n)) < params["behaviour.know_other_region_prob"]
    known[: len(parent_known)] |= parent_known
    return FirmArrays(
        sector=sector,
        location=np.full(n, -1, np.int64),
        **traits,
        equipment_age=np.full(n, float(params["economy.equipment_supervision_years"])),
        tenure=np.zeros(n),
        in_park=np.zeros(n, bool),
        known=known,
        known_step=np.zeros(n, np.int64),
        moves=np.zeros(n, np.int64),
        owner=owner.astype(np.int64),
        loss_quarters=np.zeros(n, np.int64),
        taste=np.zeros(n),
        uid=np.full(n, -1, np.int64),  # the model numbers them (``RelocationModel._turnover``)
    )


def settle(plants: FirmArrays, dest: np.ndarray, region: np.ndarray) -> None:
    """New plants take their provinces ``dest``: they know their own region, and their equipment
    starts its supervision period."""
    plants.location[:] = dest
    plants.known |= region[None, :] == region[dest][:, None]
    plants.equipment_age[:] = 0.0


KINDS: tuple[str, ...] = ("entered", "exited", "converted", "abroad")
GROWTH_CAP = 0.1  # at most 10% growth or shrinkage in a quarter (numerical guard)


def grow(s: decision.Situation, margin: np.ndarray) -> np.ndarray:
    """Scale each plant's employment, output and capital by its growth factor for the quarter,
    exp(growth_elasticity / 4 x (margin - its sector's output-weighted mean margin)), within
    1 -/+ ``GROWTH_CAP``, the growth of plants in a park capped by its room (:func:`park_room`);
    returns the change in employment (model persons) of each plant. The output-weighted mean gap
    is zero, so growth moves activity to profitable plants and places without changing the total
    much."""
    f, p = s.firms, s.params
    if p["demography.growth_elasticity"] == 0:
        return np.zeros(f.n)
    gap = margin - decision.sector_mean_margin(s, margin)[f.sector]
    factor = np.clip(np.exp(p["demography.growth_elasticity"] / 4 * gap), 1 - GROWTH_CAP, 1 + GROWTH_CAP)
    change = f.employment * (factor - 1)
    rising = f.in_park & (change > 0)
    share = park_room(f, change, s.tallies.park_employment, s.park_capacity)
    factor = np.where(rising, 1 + (factor - 1) * share[f.location], factor)
    change = f.employment * (factor - 1)
    for name in ("employment", "output", "capital"):
        getattr(f, name)[:] *= factor
    return change


def park_room(f: FirmArrays, change: np.ndarray, occupied: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(R,) share in [0, 1] of their growth ``change`` (model persons, per plant) that the growing
    plants in each province's park keep, so that the park's employment after growth stays within
    ``capacity`` (``occupied`` before growth; model persons, (R,)).

    Growth in a full park is rationed pro rata, all growing plants alike; shrinking plants shrink as
    they would anyway and the places they give up this quarter are room for the others; plants
    outside parks are not touched. A plant in a park grows in the park's factory buildings: growth
    the park has no room for is not taken up (rather than the plant's surplus spilling out of the
    park, which would split one plant over two sites with different rents and set-up terms). The
    occupancy is the employment of the plants in the park, the sum the free places, the lotteries
    for places and the park rents read (:class:`~simulation.firms.CellTallies`)."""
    r_n = len(capacity)
    park = f.in_park.astype(float)
    rise = np.bincount(f.location, park * np.maximum(change, 0.0), r_n)
    fall = np.bincount(f.location, park * np.minimum(change, 0.0), r_n)
    room = np.maximum(capacity - occupied - fall, 0.0)
    return np.divide(room, rise, out=np.ones(r_n), where=rise > room)


@dataclass
class Turnover:
    """The quarter's turnover in model units: plants and employment by (sector, province) for each
    kind in :data:`KINDS` (``abroad``: the province they left) and the employment change of the
    plants that stay (``grown``, employment only), and plants and employment that
    went abroad by (sector, place abroad), from China (``firms_abroad``) and as new plants
    (``new_abroad``)."""

    plants: dict[str, np.ndarray]  # kind -> (S, R)
    employment: dict[str, np.ndarray]  # kind -> (S, R), model persons
    abroad_plants: dict[str, np.ndarray]  # "firms_abroad" | "new_abroad" -> (S, K)
    abroad_employment: dict[str, np.ndarray]  # the same, model persons

    @classmethod
    def none(cls, s_n: int, r_n: int, k: int = 0) -> Turnover:
        def zeros(kinds: tuple[str, ...], columns: int) -> dict[str, np.ndarray]:
            return {kind: np.zeros((s_n, columns)) for kind in kinds}

        places = ("firms_abroad", "new_abroad")
        return cls(zeros(KINDS, r_n), zeros((*KINDS, "grown"), r_n), zeros(places, k), zeros(places, k))

    def add(self, plants: FirmArrays, mask: np.ndarray, kind: str) -> None:
        """Count plants ``mask`` (boolean) of ``plants`` where they are, as ``kind``."""
        s_n, r_n = self.plants[kind].shape
        keys = plants.sector[mask] * r_n + plants.location[mask]
        self.plants[kind] += np.bincount(keys, minlength=s_n * r_n).reshape(s_n, r_n)
        self.employment[kind] += np.bincount(keys, plants.employment[mask], s_n * r_n).reshape(s_n, r_n)

    def add_growth(self, plants: FirmArrays, change: np.ndarray) -> None:
        """Add the employment change ``change`` (per plant) by cell as ``grown``."""
        s_n, r_n = self.employment["grown"].shape
        keys = plants.sector * r_n + plants.location
        self.employment["grown"] += np.bincount(keys, change, s_n * r_n).reshape(s_n, r_n)

    def add_abroad(self, plants: FirmArrays, idx: np.ndarray, place: np.ndarray, kind: str) -> None:
        """Count plants ``idx`` going to places abroad ``place`` (0..K-1) as ``kind``; plants that
        left a province also count as ``abroad`` there."""
        s_n, k = self.abroad_plants[kind].shape
        if not len(idx):
            return
        keys = plants.sector[idx] * k + place
        self.abroad_plants[kind] += np.bincount(keys, minlength=s_n * k).reshape(s_n, k)
        self.abroad_employment[kind] += np.bincount(keys, plants.employment[idx], s_n * k).reshape(s_n, k)
        if kind == "firms_abroad":
            mask = np.zeros(plants.n, bool)
            mask[idx] = True
            self.add(plants, mask, "abroad")
