"""Initial sorting and province constants, so that the no-policy baseline starts in balance.

Two steps. First, firms are placed as if they had sorted among provinces in the past: random
pairwise swaps of location between firms of one sector and similar size, accepted with logit
probability, keep the documented distribution while low-productivity firms end up where labour is
cheap (a Gibbs sampler of the conditional-logit assignment, whose constants cancel in a swap).
Without it a randomly placed population would sort during the run and the baseline would drift.

At step 0 each reviewing firm chooses by logit over its consideration set, with moving costs. The
constants alpha[s, r] are set so that the expected destination of reviewing firms, weighted by
employment x review hazard, reproduces the initial employment distribution of each sector:

    alpha <- alpha + ln(target) - ln(predicted(alpha))

(Berry 1994; the same fixed point as BLP's share inversion). Then the expected inflow equals the
expected outflow of every province and sector, so the baseline drifts only through documented trends
and Monte-Carlo noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from simulation import costs, decision, demography
from simulation.choice import (
    consideration_sets,
    considered,
    logit_probabilities,
    review_hazard,
    stay_probabilities,
)
from simulation.firms import FirmArrays

SWAP_BLOCK = 16  # firms of adjacent size ranks paired for swaps: keeps employment shares


@dataclass(frozen=True)
class CalibrationResult:
    alpha: np.ndarray  # (S, R) utility constants
    iterations: int
    max_error: float  # max |ln target - ln predicted| at the end
    converged: bool


def berry_contraction(
    base_utility: np.ndarray,
    mask: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    target: np.ndarray,
    tol: float,
    max_iter: int,
    start: np.ndarray | None = None,
    current: np.ndarray | None = None,
    taste: np.ndarray | None = None,
) -> CalibrationResult:
    """Solve for alpha given firms' utilities without constants.

    base_utility, mask: (n, R) for a sample of firms; sector: (n,); weight: (n,) employment x
    hazard; target: (S, R) shares per sector (rows sum to 1). Provinces with zero target get
    alpha = -inf-like (-50) and are never chosen. With ``current`` ((n,) province of each row, -1
    for a new plant) and ``taste`` ((n,) its persistent shock there), rows with a current province
    choose by :func:`~simulation.choice.stay_probabilities` instead of the plain logit.
    """
    s_n, r_n = target.shape
    positive = target > 0
    alpha = np.zeros((s_n, r_n)) if start is None else np.where(positive, start, 0.0)
    log_target = np.log(np.where(positive, target, 1.0))
    # exp(u + alpha[s]) = exp(u) x exp(alpha[s]): exponentiate the utilities once, then every
    # iteration is two matrix-vector products per sector (the probabilities of logit_probabilities)
    blocks = [
        _SectorBlock(base_utility, mask, weight, np.flatnonzero(sector == s), current, taste)
        for s in range(s_n)
    ]
    err, iterations = np.inf, 0
    while iterations < max_iter and not err < tol:
        iterations += 1
        log_scale = alpha - alpha.max(axis=1, keepdims=True)  # <= 0: exp cannot overflow
        pred = np.array([block.predicted(log_scale[s]) for s, block in enumerate(blocks)])
        step = np.where(positive, log_target - np.log(np.maximum(pred, 1e-300)), 0.0)
        err = float(np.abs(step).max())
        alpha += step
        alpha -= alpha.mean(axis=1, keepdims=True)
    alpha = np.where(positive, alpha, -50.0)
    return CalibrationResult(alpha, iterations, err, err < tol)


class _SectorBlock:
    """The sampled firms of one sector in the contraction: their utilities over their masked
    alternatives (each row less its maximum, -inf outside the mask), exponentiated once, and their
    weights."""

    def __init__(
        self,
        utility: np.ndarray,
        mask: np.ndarray,
        weight: np.ndarray,
        rows: np.ndarray,
        current: np.ndarray | None = None,
        taste: np.ndarray | None = None,
    ):
        keep = np.zeros(len(rows), bool) if current is None else current[rows] >= 0
        u = np.where(mask[rows], utility[rows], -np.inf)
        self.kept: tuple = (None, None, None, None)
        if keep.any():  # rows that keep their taste where they are: exact form, every iteration
            self.kept = (u[keep], current[rows][keep], taste[rows][keep], weight[rows][keep])
        u = u[~keep]
        self.u = u - u.max(axis=1, keepdims=True) if len(u) else u
        self.exp_u = np.exp(self.u)
        self.weight = weight[rows][~keep]
        self.total = max(float(weight[rows].sum()), 1e-300)

    def predicted(self, log_scale: np.ndarray) -> np.ndarray:
        """(R,) weighted mean choice probability of the block's firms with constants
        ``log_scale`` (alpha less its maximum)."""
        logit = self._logit(log_scale)
        if self.kept[1] is None:
            return logit
        u, current, taste, weight = self.kept
        probs = stay_probabilities(u + log_scale[None, :], current, taste)
        return logit + weight @ probs / self.total

    def _logit(self, log_scale: np.ndarray) -> np.ndarray:
        """The plain logit rows' part of :meth:`predicted`."""
        if not len(self.u):
            return np.zeros(len(log_scale))
        scale = np.exp(log_scale)
        denom = self.exp_u @ scale  # sum_r exp(u + alpha), rows scaled
        # rows whose every alternative has a far lower constant underflow: exact form for them
        low = denom < 1e-250
        if not low.any():
            return scale * ((self.weight / denom) @ self.exp_u) / self.total
        pred = scale * ((self.weight[~low] / denom[~low]) @ self.exp_u[~low])
        v = self.u[low] + log_scale[None, :]
        p = np.exp(v - v.max(axis=1, keepdims=True))
        return (pred + self.weight[low] @ (p / p.sum(axis=1, keepdims=True))) / self.total


def sort_by_swaps(
    rng: np.random.Generator,
    sector: np.ndarray,
    size: np.ndarray,
    location: np.ndarray,
    value: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rounds: int,
    swap_along: tuple[np.ndarray, ...] = (),
) -> None:
    """Sort ``location`` in place by logit-accepted swaps between firms of one sector and size.

    ``value(idx, where)`` is the utility (logit units) of firms ``idx`` at provinces ``where``.
    Firms are ordered by sector and size (ties at random); each round pairs every firm once with a
    partner drawn within its block of ``SWAP_BLOCK`` neighbours in that order (pairs across a
    sector boundary are skipped) and swaps their locations with probability 1 / (1 + exp(-gain)).
    Arrays in ``swap_along`` (e.g. park membership) travel with the location.
    """
    n = len(sector)
    order = np.lexsort((rng.random(n), size, sector))
    for _ in range(rounds):
        perm = order[_shuffled_within_blocks(rng, n, SWAP_BLOCK)]
        a, b = perm[0:-1:2], perm[1::2]
        same = sector[a] == sector[b]
        a, b = a[same], b[same]
        la, lb = location[a], location[b]
        gain = value(a, lb) + value(b, la) - value(a, la) - value(b, lb)
        accept = rng.random(len(a)) < 1.0 / (1.0 + np.exp(-np.clip(gain, -50, 50)))
        a, b = a[accept], b[accept]
        location[a], location[b] = location[b], location[a].copy()
        for arr in swap_along:
            arr[a], arr[b] = arr[b], arr[a].copy()


def _shuffled_within_blocks(rng: np.random.Generator, n: int, block: int) -> np.ndarray:
    """0, ..., n-1 in random order within consecutive blocks of ``block`` (one small sort per
    block instead of a sort of all n)."""
    blocks = -(-n // block)
    within = np.argsort(rng.random((blocks, block)), axis=1)
    positions = (np.arange(blocks)[:, None] * block + within).ravel()
    return positions[positions < n]


# --- the two steps on a model's situation ---------------------------------------------------------


def sort_locations(rng: np.random.Generator, s: decision.Situation) -> None:
    """Place firms as if they had sorted among provinces in the past (:func:`sort_by_swaps`): the
    documented distribution is kept while each firm meets the provinces that suit it. Changes
    ``s.firms`` in place (location, park membership and known sets travel together).

    The weight of firm i at province r is exp(U_i(r)) / h_i(r): the stationary distribution of a
    logit chain in which firms leave r at their review hazard h_i(r).
    """
    p, f, unit = s.params, s.firms, s.unit
    fixed = unit.fixed_part(s.gross_margin)
    mu = p["behaviour.logit_scale"]
    mean = decision.sector_mean_margin(s, decision.margins_here(s))
    scaled = (unit.labour + unit.land).ravel()

    def log_weight(idx: np.ndarray, where: np.ndarray) -> np.ndarray:
        sector = f.sector[idx]
        cell = sector * s.n_provinces + where
        pre = fixed.ravel().take(cell) - scaled.take(cell) / f.productivity[idx]
        post = costs.after_tax(pre, unit.tax_rate.take(where), unit.rd_deduction.ravel().take(cell))
        hazard = review_hazard(
            (mean[sector] - post) / mu,
            p["behaviour.review_hazard"],
            p["behaviour.hazard_gap_slope"],
            p["behaviour.max_hazard"],
        )
        return post / mu - np.log(np.maximum(hazard, 1e-12))

    sort_by_swaps(
        rng,
        f.sector,
        f.employment,
        f.location,
        log_weight,
        p["calibration.sorting_rounds"],
        swap_along=(f.in_park, f.known),
    )


def province_constants(
    rng: np.random.Generator, s: decision.Situation, documented: np.ndarray
) -> CalibrationResult:
    """Berry contraction at the current state: expected inflows equal expected outflows.

    ``documented`` (S, R) is the documented distribution of employment; ``s.alpha`` is the start.
    """
    p, f = s.params, s.firms
    n = min(f.n, p["calibration.sample_firms"])
    idx = np.sort(rng.choice(f.n, n, replace=False)) if n < f.n else np.arange(f.n)
    base = decision.utility(s, idx)
    e = s.effects
    size = p["behaviour.consideration_size"]
    known, where = f.known[idx], f.location[idx]
    mask = consideration_sets(rng, known, where, size, e.extra_considered, e.extra_considered_where)
    weight = f.employment[idx] * decision.hazard(s)[idx]
    sector = f.sector[idx]
    current = f.location[idx] if p["behaviour.taste_persistence"] else None
    taste = f.taste[idx]
    leave = weight.copy()
    if p["demography.enabled"]:  # new plants replace leavers: both enter the balance
        entrants = _as_new_plants(f.take(idx), p)
        base = np.concatenate([base, decision.utility(replace(s, firms=entrants), np.arange(n))])
        mask = np.concatenate([mask, np.ones(mask.shape, bool)])
        rates = demography.quarterly(p["demography.exit_rate"]) + demography.quarterly(
            p["demography.conversion_rate"]
        )
        leave = leave + f.employment[idx] * rates
        weight = np.concatenate([weight, f.employment[idx] * demography.quarterly(demography.entry_rate(p))])
        sector = np.concatenate([sector, sector])
        if current is not None:
            current, taste = np.concatenate([current, np.full(n, -1)]), np.concatenate([taste, taste])
    target = _balance_target(s, idx, leave, documented)
    return berry_contraction(
        base,
        mask,
        sector,
        weight,
        target,
        p["calibration.tolerance"],
        p["calibration.max_iter"],
        start=s.alpha,
        current=current,
        taste=taste,
    )


def initial_tastes(rng: np.random.Generator, s: decision.Situation) -> None:
    """Each firm's persistent taste shock for where it is, as if it had chosen it at its last
    review: the shock of a chosen alternative is Gumbel less ln P(chosen) (the maximum of the
    Gumbel-perturbed utilities is independent of which alternative wins), with P the logit
    probability of its province over a consideration set drawn now. Sets ``s.firms.taste``."""
    f, p, e = s.firms, s.params, s.effects
    idx = np.arange(f.n)
    options, valid = considered(
        rng,
        f.known,
        f.location,
        p["behaviour.consideration_size"],
        e.extra_considered,
        e.extra_considered_where,
    )
    u = decision.utility(s, idx, options) + s.alpha.ravel()[decision.cells(s, idx, options)]
    here = logit_probabilities(u, valid)[:, 0]
    f.taste[:] = rng.gumbel(size=f.n) - np.log(np.maximum(here, 1e-300))


def _as_new_plants(plants: FirmArrays, params: dict) -> FirmArrays:
    """``plants`` as new plants of the same traits: nowhere yet (location -1), new equipment (no
    duty owed), so their utility is that of :func:`simulation.decision.place_new`."""
    plants.location[:] = -1
    plants.equipment_age[:] = params["economy.equipment_supervision_years"]
    return plants


def _balance_target(
    s: decision.Situation, idx: np.ndarray, weight: np.ndarray, documented: np.ndarray
) -> np.ndarray:
    """Shares that make expected inflows equal expected outflows at step 0.

    Outflows of a cell are proportional to its employment x hazard, so the target is the
    hazard-weighted distribution of the firms themselves; a small weight on the documented
    distribution keeps provinces with no firm of a sector choosable.
    """
    s_n, r_n = documented.shape
    keys = s.firms.sector[idx] * r_n + s.firms.location[idx]
    held = np.bincount(keys, weights=weight, minlength=s_n * r_n).reshape(s_n, r_n)
    held /= np.maximum(held.sum(axis=1, keepdims=True), 1e-300)
    shares = documented / documented.sum(axis=1, keepdims=True)
    eta = s.params["calibration.documented_weight"]
    return (1 - eta) * held + eta * shares
