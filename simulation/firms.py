"""Firms: a synthetic population stored as arrays, and the Mesa agent that views one of them.

Firm state lives in :class:`FirmArrays` (one numpy array per attribute) so that the quarterly
decision is vectorised; :class:`Firm` agents read those arrays and exist for inspection and
visualisation only (``run.firm_agents``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
    known: np.ndarray  # (F, R) bool: provinces the firm knows about (as of ``known_step``)
    known_step: np.ndarray  # int: the step up to which ``known`` includes what the firm learned
    moves: np.ndarray  # int: relocations so far
    owner: np.ndarray  # int: the firm a plant belongs to (plants of one firm share it)
    loss_quarters: np.ndarray  # int: consecutive quarters with an after-tax loss
    taste: np.ndarray  # the firm's persistent taste shock for where it is (logit units)
    uid: np.ndarray  # int: the plant's id, never reused (plant-tied random draws, ``run.plant_draws``)

    @property
    def n(self) -> int:
        return len(self.sector)

    def take(self, idx: np.ndarray) -> FirmArrays:
        """The plants ``idx`` (an index or a boolean mask), as new arrays."""
        rows = np.flatnonzero(idx) if np.asarray(idx).dtype == bool else np.asarray(idx)
        return FirmArrays(**{f.name: getattr(self, f.name).take(rows, axis=0) for f in fields(self)})

    def merged(self, keep: np.ndarray, new: FirmArrays) -> tuple[FirmArrays, np.ndarray, np.ndarray]:
        """Plants ``keep`` (boolean mask) and the ``new`` ones, ordered by sector (these plants must
        be): the new plants of a sector go after its kept plants. Returns the arrays and the new
        positions of the kept and of the new plants (in ``new``'s order). Copies are contiguous
        blocks, one pair per sector (a scatter by index is several times slower)."""
        kept = np.flatnonzero(keep)
        order = np.argsort(new.sector, kind="stable")
        top = max(int(self.sector.max(initial=-1)), int(new.sector.max(initial=-1)))
        sectors = np.arange(top + 1)  # every sector index (an empty block costs nothing; no sort)
        k_edges = np.searchsorted(self.sector[kept], sectors, side="left")
        k_edges = np.append(k_edges, len(kept))
        n_edges = np.append(np.searchsorted(new.sector[order], sectors, side="left"), new.n)
        blocks = [(k_edges[i], k_edges[i + 1], n_edges[i], n_edges[i + 1]) for i in range(len(sectors))]
        out = {}
        for f in fields(self):
            old, add = getattr(self, f.name).take(kept, axis=0), getattr(new, f.name).take(order, axis=0)
            out[f.name] = np.concatenate([part for a, b, c, d in blocks for part in (old[a:b], add[c:d])])
        at = np.searchsorted(self.sector[kept], new.sector[order], side="right")
        pos_new = np.empty(new.n, np.int64)
        pos_new[order] = at + np.arange(new.n)
        is_new = np.zeros(len(kept) + new.n, bool)
        is_new[pos_new] = True
        return FirmArrays(**out), np.flatnonzero(~is_new), pos_new

    def relocate(self, idx: np.ndarray, dest: np.ndarray, supervision_years: float) -> None:
        """Firms ``idx`` move to provinces ``dest``: tenure restarts, and equipment moved counts as
        past customs supervision (``supervision_years``) so no duty is owed on it again."""
        self.location[idx] = dest
        self.tenure[idx] = 0.0
        self.moves[idx] += 1
        self.equipment_age[idx] = np.maximum(self.equipment_age[idx], supervision_years)

    def age_a_quarter(self, renewal_years: float) -> None:
        """Tenure and equipment age advance by a quarter (equipment is renewed cyclically)."""
        self.tenure += 0.25
        self.equipment_age += 0.25
        due = self.equipment_age >= renewal_years
        if due.any():  # in place and only where due: the same as a modulo over all firms, cheaper
            self.equipment_age[due] %= renewal_years


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
    employment = draw_sizes(rng, sector, sectors, params)
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
    traits = draw_traits(rng, sector, employment, sectors, wage_ref, params)
    known = region[None, :] == region[location][:, None]
    known |= rng.random((n, r_n)) < params["behaviour.know_other_region_prob"]
    return FirmArrays(
        sector=sector,
        location=location,
        **traits,
        equipment_age=rng.uniform(0.0, params["economy.equipment_renewal_years"], n),
        tenure=rng.uniform(0.0, 10.0, n),
        in_park=np.zeros(n, bool),
        known=known,
        known_step=np.zeros(n, dtype=np.int64),
        moves=np.zeros(n, dtype=np.int64),
        owner=np.arange(n, dtype=np.int64),
        loss_quarters=np.zeros(n, dtype=np.int64),
        taste=np.zeros(n),
        uid=np.arange(n, dtype=np.int64),
    )


def draw_sizes(rng: np.random.Generator, sector: np.ndarray, sectors: Sectors, params: dict) -> np.ndarray:
    """Employment (persons) of plants of ``sector``: lognormal around each sector's mean (a heavy
    right tail), at least one person."""
    size_sigma = params["economy.size_sigma"]
    draws = rng.lognormal(-(size_sigma**2) / 2, size_sigma, len(sector))
    return np.maximum(sectors.col("mean_employment")[sector] * draws, 1.0)


def draw_traits(
    rng: np.random.Generator,
    sector: np.ndarray,
    employment: np.ndarray,
    sectors: Sectors,
    wage_ref: float,
    params: dict,
) -> dict[str, np.ndarray]:
    """Productivity (lognormal, mean 1), output (yuan/year: employment x productivity x output per
    worker), capital, foreign ownership and SME status of plants of ``sector`` and ``employment``."""
    n = len(sector)
    p_sigma = params["economy.productivity_sigma"]
    productivity = rng.lognormal(-(p_sigma**2) / 2, p_sigma, n)
    output = employment * productivity * output_per_worker(sectors, wage_ref)[sector]
    return {
        "employment": employment,
        "productivity": productivity,
        "output": output,
        "capital": output * sectors.col("capital_output_ratio")[sector],
        "foreign": rng.random(n) < params["economy.foreign_share"],
        "sme": employment < params["economy.sme_threshold"],
    }


class CellTallies:
    """The firm arrays summed by cell (sector x province), and the per-firm keys into cell arrays.

    They change only when firms move or enter or leave a park, so the model keeps them up to date
    from the movers alone (:meth:`move`) instead of summing over every firm at each use. Units are
    the model's (synthetic firms), not the real economy's: employment in persons, output and inputs
    (the sum of output / phi, what labour and land costs scale with) in yuan/year.
    """

    def __init__(self, firms: FirmArrays, s_n: int, r_n: int):
        self.shape = (s_n, r_n)
        self.inv_productivity = 1.0 / firms.productivity  # (F,) never changes
        self.cell = firms.sector * r_n + firms.location  # (F,) index into a raveled (S, R) array
        self._sector_starts = _segment_starts(firms.sector)
        self.park_key = 2 * self.cell + firms.in_park  # (F,) index into a raveled (S, R, 2) array
        self.count = np.zeros(self.shape, np.int64)  # firms
        self.employment, self.output = np.zeros(self.shape), np.zeros(self.shape)
        self.inputs, self.park_inputs = np.zeros(self.shape), np.zeros(self.shape)  # park: firms in parks
        self.park_employment = np.zeros(r_n)  # (R,) persons in parks
        self._add(firms, np.arange(firms.n), self.cell, 1.0, firms.in_park)

    def sector_sum(self, sector: np.ndarray, values: np.ndarray) -> np.ndarray:
        """(S,) sum of ``values`` (per firm) by sector. Firms are stored sorted by sector, so this
        is a sum over contiguous segments (a bincount over sorted keys is several times slower)."""
        if self._sector_starts is None:
            return np.bincount(sector, values, minlength=self.shape[0])
        present, starts = self._sector_starts
        out = np.zeros(self.shape[0])
        out[present] = np.add.reduceat(values, starts)
        return out

    def move(self, firms: FirmArrays, idx: np.ndarray, old_cell: np.ndarray, old_in_park: np.ndarray) -> None:
        """Update for firms ``idx`` that were in ``old_cell`` with park status ``old_in_park``
        before the firm arrays changed: work in proportion to the movers, not to all firms."""
        new_cell = firms.sector[idx] * self.shape[1] + firms.location[idx]
        self._add(firms, idx, old_cell, -1.0, old_in_park)
        self._add(firms, idx, new_cell, 1.0, firms.in_park[idx])
        empty = self.count == 0  # exactly zero there, not a rounding residual of the updates
        for total in (self.employment, self.output, self.inputs, self.park_inputs):
            total[empty] = 0.0
        self.cell[idx] = new_cell
        self.park_key[idx] = 2 * new_cell + firms.in_park[idx]

    def _add(
        self, firms: FirmArrays, idx: np.ndarray, cells: np.ndarray, sign: float, in_park: np.ndarray
    ) -> None:
        """Add ``sign`` (+1 or -1) times firms ``idx``, placed in ``cells``, to every total."""
        s_n, r_n = self.shape

        def by_cell(weights: np.ndarray | None = None) -> np.ndarray:
            return np.bincount(cells, weights, minlength=s_n * r_n).reshape(self.shape)

        employment, output = firms.employment[idx] * sign, firms.output[idx] * sign
        inputs = output * self.inv_productivity[idx]
        self.count += int(sign) * by_cell()
        self.employment += by_cell(employment)
        self.output += by_cell(output)
        self.inputs += by_cell(inputs)
        self.park_inputs += by_cell(inputs * in_park)
        self.park_employment += np.bincount(cells % r_n, employment * in_park, minlength=r_n)


def _segment_starts(sector: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(sectors present, index of their first firm) if ``sector`` is sorted, else None."""
    if len(sector) == 0 or np.any(sector[1:] < sector[:-1]):
        return None
    starts = np.flatnonzero(np.concatenate(([True], sector[1:] != sector[:-1])))
    return sector[starts], starts


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
