"""The location decision: margins where firms are, the review hazard, moving costs, the utility of
the considered provinces and the choice.

Every lever reaches the decision through this file: the quarter's :class:`~simulation.levers.Effects`
enter the unit costs (:mod:`simulation.costs`), the moving cost (relocation subsidies, financing
and withholding-tax cuts), the consideration sets (matchmaking) and park availability.

The functions read a :class:`Situation` — the firms, their cell sums, the unit costs and what the
levers changed this quarter — never the model itself, so they can be called and tested on any
state. Margins are yuan per yuan of output (after tax unless said); utilities are in logit units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation import abroad as abroad_mod
from simulation import costs, parks
from simulation.abroad import AbroadQuarter
from simulation.choice import (
    considered,
    logit_draw_kept,
    logit_probabilities,
    review_hazard,
    stay_probabilities,
)
from simulation.firms import CellTallies, FirmArrays
from simulation.levers import Effects
from simulation.sectors import Sectors


@dataclass(frozen=True)
class Situation:
    """What the decision reads at one set of unit costs (views, not copies)."""

    firms: FirmArrays
    tallies: CellTallies
    sectors: Sectors
    params: Mapping[str, Any]  # in force this quarter (levers may change them)
    effects: Effects
    unit: costs.UnitCosts
    gross_margin: np.ndarray  # (S,) world price net of unmodelled inputs, per yuan of output
    alpha: np.ndarray  # (S, R) calibrated province constants, logit units
    amenity: np.ndarray  # (R,) province amenity, logit units
    park_capacity: np.ndarray  # (R,) park places, model persons
    firm_scale: float = 1.0  # real firms per synthetic firm (agglomeration counts real firms)
    abroad: AbroadQuarter | None = None  # the places abroad this quarter (None: none to choose)

    @property
    def n_provinces(self) -> int:
        return len(self.amenity)


# --- margins where firms are ---------------------------------------------------------------------


def pretax_here(s: Situation, idx: np.ndarray | None = None) -> np.ndarray:
    """Pre-tax margin of firms ``idx`` (default all) where they are.

    A[s, r] - (labour + land x (1 - rent discount if in a park)) / phi, read from flat cell
    arrays by the firms' keys (one gather each, no (S, R) fancy indexing per firm)."""
    t, unit = s.tallies, s.unit
    cell, key, inv_phi = (
        (t.cell, t.park_key, t.inv_productivity)
        if idx is None
        else (t.cell[idx], t.park_key[idx], t.inv_productivity[idx])
    )
    discount = s.params["parks.rent_discount"]
    scaled = np.stack((unit.labour + unit.land, unit.labour + unit.land * (1 - discount)), axis=-1)
    return unit.fixed_part(s.gross_margin).ravel().take(cell) - scaled.ravel().take(key) * inv_phi


def margins_here(s: Situation) -> np.ndarray:
    """After-tax margin of every firm at its current location."""
    rate = s.unit.tax_rate.take(s.firms.location)
    deduction = s.unit.rd_deduction.ravel().take(s.tallies.cell)
    return costs.after_tax(pretax_here(s), rate, deduction)


def sector_mean_margin(s: Situation, margin: np.ndarray) -> np.ndarray:
    """(S,) output-weighted mean of ``margin`` over each sector's firms."""
    f, t = s.firms, s.tallies
    return t.sector_sum(f.sector, margin * f.output) / np.maximum(t.output.sum(axis=1), 1e-300)


def hazard(s: Situation) -> np.ndarray:
    """Each firm's chance of reviewing its location this quarter (rises with its margin gap)."""
    p, f = s.params, s.firms
    margin = margins_here(s)
    gap = (sector_mean_margin(s, margin)[f.sector] - margin) / p["behaviour.logit_scale"]
    return review_hazard(
        gap, p["behaviour.review_hazard"], p["behaviour.hazard_gap_slope"], p["behaviour.max_hazard"]
    )


# --- the cost of moving --------------------------------------------------------------------------


def annuity(params: Mapping[str, Any]) -> float:
    """Annual payment per yuan of one-off cost over the planning horizon."""
    r, h = params["behaviour.discount_rate"], params["behaviour.planning_horizon_years"]
    return 1.0 / h if r == 0 else r / (1.0 - (1.0 + r) ** -h)


def setup_cost(
    s: Situation, idx: np.ndarray, avail: np.ndarray, where: np.ndarray | None = None
) -> np.ndarray:
    """(n, k) set-up cost of moving firms ``idx`` to ``where`` per yuan of output, before financing
    terms (cheaper where a park place is likely: ``avail``, (R,))."""
    kappa = s.sectors.col("capital_output_ratio")[s.firms.sector[idx]]
    setup = 1 - s.params["parks.setup_discount"] * avail[_provinces(s, where)]
    return s.params["behaviour.relocation_cost_share"] * kappa[:, None] * setup


def move_cost_factor(s: Situation, idx: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """(n, k) financing multiplier on the set-up cost: the SME premium (less what credit support
    removes) and the withholding-tax saving of foreign firms, by destination."""
    f, e, where = s.firms, s.effects, _provinces(s, where)
    premium = s.params["economy.sme_finance_premium"] * f.sme[idx][:, None] * (1 - e.sme_premium_cut[where])
    return (1 + premium) * (1 - f.foreign[idx][:, None] * e.foreign_move_cut[where])


def move_cost(
    s: Situation, idx: np.ndarray, avail: np.ndarray, where: np.ndarray | None = None
) -> np.ndarray:
    """(n, k) annualised one-off cost of moving firms ``idx`` to ``where`` ((n, k) province
    indices; default every province) per yuan of output: set-up and financing, the duty on
    supervised equipment still under customs supervision, less relocation subsidies."""
    p, f = s.params, s.firms
    where = _provinces(s, where)
    kappa = s.sectors.col("capital_output_ratio")[f.sector[idx]]
    base = setup_cost(s, idx, avail, where) * move_cost_factor(s, idx, where)
    per_job = f.employment[idx] / f.output[idx]  # jobs per yuan of output
    subsidy = per_job[:, None] * s.effects.move_subsidy_total()[where]
    years = p["economy.equipment_supervision_years"]
    remaining = np.clip(1 - f.equipment_age[idx] / years, 0, 1) if years > 0 else 0.0
    duty = (
        f.foreign[idx]
        * p["economy.supervised_equipment_share"]
        * kappa
        * p["economy.equipment_duty_rate"]
        * remaining
    )
    return annuity(p) * (base + duty[:, None] - subsidy)


# --- utility and choice --------------------------------------------------------------------------


def cells(s: Situation, idx: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Indices into raveled (S, R) arrays of firms ``idx`` at provinces ``where``."""
    return s.firms.sector[idx][:, None] * s.n_provinces + _provinces(s, where)


def utility(s: Situation, idx: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Deterministic utility of firms ``idx`` at provinces ``where`` ((n, k) indices; default
    every province), without the province constants alpha: after-tax margin net of the moving
    cost over the logit scale, plus agglomeration and amenity."""
    p, f, unit = s.params, s.firms, s.unit
    where = _provinces(s, where)
    cell = cells(s, idx, where)
    here = where == f.location[idx][:, None]
    avail = parks.availability(s.park_capacity, s.tallies)
    scaled = unit.labour + unit.land * (1 - p["parks.rent_discount"] * avail)[None, :]
    pre = (
        unit.fixed_part(s.gross_margin).ravel()[cell]
        - scaled.ravel()[cell] * (1.0 / f.productivity[idx])[:, None]
    )
    if here.any():  # a new plant (location -1) is nowhere yet
        pre = np.where(here, pretax_here(s, idx)[:, None], pre)
    post = costs.after_tax(pre, unit.tax_rate[where], unit.rd_deduction.ravel()[cell])
    mc = np.where(here, 0.0, move_cost(s, idx, avail, where))
    agglo = agglomeration(s.tallies.count, s.firm_scale, p)
    return (post - mc) / p["behaviour.logit_scale"] + agglo.ravel()[cell] + s.amenity[where]


def agglomeration(count: np.ndarray, firm_scale: float, params: Mapping[str, Any]) -> np.ndarray:
    """(S, R) agglomeration utility gamma x ln(N + offset), N the real firms of a sector in a
    province (synthetic ``count`` x ``firm_scale``), so that it does not depend on the run's size."""
    return params["agglomeration.gamma"] * np.log(count * firm_scale + params["agglomeration.offset"])


def choice_probabilities(s: Situation, idx: np.ndarray | None = None) -> np.ndarray:
    """(n, R) logit probabilities of firms ``idx`` (default all) over every province, if they
    reviewed now."""
    idx = np.arange(s.firms.n) if idx is None else idx
    u = utility(s, idx) + s.alpha[s.firms.sector[idx]]
    return logit_probabilities(u, np.ones(u.shape, bool))


def reviewers(rng: np.random.Generator, s: Situation) -> np.ndarray:
    """Indices of the firms that review their location this quarter."""
    return np.flatnonzero(rng.random(s.firms.n) < hazard(s))


def consider(rng: np.random.Generator, s: Situation, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The provinces firms ``idx`` weigh (column 0: where they are) and which entries are valid:
    ``behaviour.consideration_size`` drawn from what each firm knows, plus matchmaking's extra
    places drawn among the known provinces it promotes (its targets)."""
    e = s.effects
    return considered(
        rng,
        s.firms.known[idx],
        s.firms.location[idx],
        s.params["behaviour.consideration_size"],
        extra=e.extra_considered,
        extra_among=e.extra_considered_where,
    )


def abroad_utility(s: Situation, idx: np.ndarray) -> np.ndarray:
    """(n, K) utility of firms ``idx`` at the places abroad (:mod:`simulation.abroad`): the after-tax
    margin there net of the set-up cost (no Chinese lever pays any of it) over the logit scale, plus
    the reference province's constant and amenity and the places' common constant."""
    a, f, p = s.abroad, s.firms, s.params
    if a is None:
        return np.zeros((len(idx), 0))
    sector = f.sector[idx]
    pre = abroad_mod.pretax(a, s.unit, s.gross_margin, sector, 1.0 / f.productivity[idx])
    post = costs.after_tax(pre, a.tax_rate[None, :], 0.0)
    no_park = np.zeros(s.n_provinces)
    ref = np.full((len(idx), 1), a.reference)
    setup = setup_cost(s, idx, no_park, ref) * (1 + p["economy.sme_finance_premium"] * f.sme[idx])[:, None]
    constant = s.alpha[sector, a.reference] + s.amenity[a.reference] + a.constant
    return (post - annuity(p) * setup) / p["behaviour.logit_scale"] + constant[:, None]


def choose(rng: np.random.Generator, s: Situation, idx: np.ndarray) -> np.ndarray:
    """The place each reviewing firm ``idx`` chooses by logit over the provinces it considers and
    the places abroad: a province index, or ``R + k`` for place abroad ``k``. With
    ``behaviour.taste_persistence`` a firm's taste shock for where it is carries over from the
    choice that took it there (a match quality that persists), and the chosen place's shock is
    kept for the next review."""
    if not len(idx):
        return s.firms.location[idx]
    options, valid = consider(rng, s, idx)
    u = utility(s, idx, options) + s.alpha.ravel()[cells(s, idx, options)]
    if s.abroad is not None:
        places = np.broadcast_to(s.n_provinces + np.arange(s.abroad.k), (len(idx), s.abroad.k))
        options = np.concatenate([options, places], axis=1)
        u = np.concatenate([u, abroad_utility(s, idx)], axis=1)
        valid = np.concatenate([valid, np.ones(places.shape, bool)], axis=1)
    kept = s.firms.taste[idx] if s.params["behaviour.taste_persistence"] else None
    pick, shock = logit_draw_kept(rng, u, valid, kept)
    if kept is not None:
        s.firms.taste[idx] = shock  # the taste for wherever it now is
    return options[np.arange(len(idx)), pick]


def abroad_probability(rng: np.random.Generator, s: Situation) -> np.ndarray:
    """(F,) chance that each firm chooses a place abroad if it reviews now (its consideration set
    drawn from ``rng``; with persistent tastes, its taste for where it is counts)."""
    if s.abroad is None:
        return np.zeros(s.firms.n)
    idx = np.arange(s.firms.n)
    options, valid = consider(rng, s, idx)
    u = np.where(valid, utility(s, idx, options) + s.alpha.ravel()[cells(s, idx, options)], -np.inf)
    u = np.concatenate([u, abroad_utility(s, idx)], axis=1)
    if s.params["behaviour.taste_persistence"]:
        probs = stay_probabilities(u, np.zeros(len(idx), np.int64), s.firms.taste)
    else:
        probs = logit_probabilities(u, np.isfinite(u))
    return probs[:, -s.abroad.k :].sum(axis=1)


def place_new(rng: np.random.Generator, s: Situation) -> np.ndarray:
    """Where each new plant (``s.firms``, location -1) goes: a province index, or ``R + k`` for
    place abroad ``k``, by logit over every province and place abroad with the calibrated
    constants (new plants choose as movers do, without a current location)."""
    idx = np.arange(s.firms.n)
    u = np.concatenate([utility(s, idx) + s.alpha[s.firms.sector], abroad_utility(s, idx)], axis=1)
    pick, shock = logit_draw_kept(rng, u, np.ones(u.shape, bool))
    s.firms.taste[:] = shock
    return pick


def _provinces(s: Situation, where: np.ndarray | None) -> np.ndarray:
    """``where``, or every province as a (1, R) row that broadcasts over firms."""
    return np.arange(s.n_provinces)[None, :] if where is None else where
