"""Unit tests of the location decision (simulation/choice.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.choice import (
    admit,
    consideration_sets,
    considered,
    logit_draw,
    logit_probabilities,
    review_hazard,
)

# --- consideration sets ------------------------------------------------------------------------


def random_known(rng: np.random.Generator, n: int, r: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    known = rng.random((n, r)) < p
    current = rng.integers(0, r, n)
    return known, current


@pytest.mark.parametrize("size", [1, 3, 5, 10, 29, 30, 40])
@pytest.mark.parametrize("p_known", [0.1, 0.5, 1.0])
def test_consideration_sets_shape_and_size(size, p_known):
    rng = np.random.default_rng(1234 + size)
    n, r = 2000, 31
    known, current = random_known(rng, n, r, p_known)
    known[: n // 4, :] = False  # some firms know nothing else
    mask = consideration_sets(np.random.default_rng(7), known, current, size)
    rows = np.arange(n)
    assert mask.shape == (n, r) and mask.dtype == bool
    assert mask[rows, current].all()  # always the current province
    others = mask.copy()
    others[rows, current] = False
    known_others = known.copy()
    known_others[rows, current] = False
    assert not (others & ~known).any()  # only known provinces
    expected = np.minimum(size, known_others.sum(axis=1))
    assert np.array_equal(others.sum(axis=1), expected)


def test_considered_lists_current_first_then_distinct_known_provinces():
    rng = np.random.default_rng(21)
    known, current = random_known(rng, 3000, 31, 0.3)
    options, valid = considered(np.random.default_rng(8), known, current, 6)
    assert options.shape == valid.shape == (3000, 7)
    assert np.array_equal(options[:, 0], current) and valid[:, 0].all()
    rows, cols = np.nonzero(valid[:, 1:])
    picked = options[:, 1:][rows, cols]
    assert known[rows, picked].all() and not (picked == current[rows]).any()
    assert all(len(set(options[i, valid[i]])) == valid[i].sum() for i in range(3000))  # distinct
    mask = consideration_sets(np.random.default_rng(8), known, current, 6)  # the same draws
    assert np.array_equal(mask.sum(axis=1), valid.sum(axis=1))


def test_extra_considered_places_come_from_the_promoted_provinces_only():
    """Matchmaking's extra places are drawn among the known promoted provinces not already drawn,
    and leave the first ``size`` draws as they are without the extras (paired effects)."""
    rng = np.random.default_rng(5)
    known, current = random_known(rng, 400, 31, 0.6)
    promoted = np.zeros(31, bool)
    promoted[[3, 9, 17]] = True
    plain, ok_plain = considered(np.random.default_rng(1), known, current, 4)
    extra, ok_extra = considered(np.random.default_rng(1), known, current, 4, extra=2, extra_among=promoted)
    assert np.array_equal(extra[:, :5], plain) and np.array_equal(ok_extra[:, :5], ok_plain)
    more, valid = extra[:, 5:], ok_extra[:, 5:]
    assert promoted[more[valid]].all() and known[np.nonzero(valid)[0], more[valid]].all()
    for row in range(len(extra)):  # no province twice, and extras exist whenever one is available
        chosen = extra[row][ok_extra[row]]
        assert len(set(chosen.tolist())) == len(chosen)
        left = known[row] & promoted & ~np.isin(np.arange(31), chosen)
        left[current[row]] = False
        assert valid[row].all() or not left.any()


def test_consideration_sets_current_unknown_still_included():
    known = np.zeros((3, 5), bool)
    current = np.array([0, 2, 4])
    mask = consideration_sets(np.random.default_rng(0), known, current, 2)
    assert np.array_equal(mask, np.eye(5, dtype=bool)[current])


def test_consideration_sets_sample_uniformly():
    """Each known, non-current province is equally likely to enter the set."""
    n, r, size = 40000, 8, 3
    known = np.ones((n, r), bool)
    known[:, 7] = False
    current = np.zeros(n, np.int64)
    mask = consideration_sets(np.random.default_rng(99), known, current, size)
    counts = mask[:, 1:7].sum(axis=0)
    assert mask[:, 7].sum() == 0
    # every candidate enters with probability size/6; chi-square on the 6 counts
    expected = np.full(6, n * size / 6)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(0.9999, df=5), counts


def test_consideration_sets_reproducible():
    known, current = random_known(np.random.default_rng(3), 500, 31, 0.5)
    a = consideration_sets(np.random.default_rng(5), known, current, 5)
    b = consideration_sets(np.random.default_rng(5), known, current, 5)
    c = consideration_sets(np.random.default_rng(6), known, current, 5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


# --- logit -------------------------------------------------------------------------------------


def test_logit_probabilities_basic():
    u = np.array([[0.0, np.log(2.0), np.log(3.0), 5.0]])
    mask = np.array([[True, True, True, False]])
    p = logit_probabilities(u, mask)
    assert np.allclose(p, [[1 / 6, 2 / 6, 3 / 6, 0.0]])
    # invariant to adding a constant, stable for huge utilities
    assert np.allclose(logit_probabilities(u + 1000.0, mask), p)
    big = logit_probabilities(np.array([[800.0, 0.0]]), np.ones((1, 2), bool))
    assert np.isfinite(big).all() and np.allclose(big, [[1.0, 0.0]])


def test_logit_draw_matches_probabilities():
    n = 200_000
    u_row = np.array([0.3, -1.0, 1.2, 0.0, 2.5, 0.7])
    mask_row = np.array([True, True, True, True, False, True])
    utility = np.tile(u_row, (n, 1))
    mask = np.tile(mask_row, (n, 1))
    choice = logit_draw(np.random.default_rng(2024), utility, mask)
    counts = np.bincount(choice, minlength=len(u_row))
    prob = logit_probabilities(u_row[None, :], mask_row[None, :])[0]
    assert counts[~mask_row].sum() == 0  # masked alternatives are never chosen
    sigma = np.sqrt(n * prob * (1 - prob))
    assert (np.abs(counts - n * prob) <= 5 * sigma + 1e-9).all(), (counts, n * prob)
    kept = mask_row
    chi2 = ((counts[kept] - n * prob[kept]) ** 2 / (n * prob[kept])).sum()
    assert chi2 < stats.chi2.ppf(0.9999, df=kept.sum() - 1)


def test_logit_draw_rows_are_independent_of_each_other():
    """Different rows with different utilities get their own probabilities."""
    n = 100_000
    utility = np.zeros((2 * n, 3))
    utility[n:, 2] = 3.0
    mask = np.ones_like(utility, bool)
    choice = logit_draw(np.random.default_rng(11), utility, mask)
    share_first = np.bincount(choice[:n], minlength=3) / n
    share_second = np.bincount(choice[n:], minlength=3) / n
    p2 = logit_probabilities(utility[n : n + 1], mask[:1])[0]
    assert np.allclose(share_first, 1 / 3, atol=5 * np.sqrt(2 / 9 / n))
    assert np.allclose(share_second, p2, atol=5 * np.sqrt(0.25 / n))


def test_logit_draw_single_alternative():
    utility = np.random.default_rng(0).normal(size=(50, 4))
    mask = np.zeros((50, 4), bool)
    only = np.random.default_rng(1).integers(0, 4, 50)
    mask[np.arange(50), only] = True
    assert np.array_equal(logit_draw(np.random.default_rng(2), utility, mask), only)


# --- park admission ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_admit_never_exceeds_free_capacity(seed):
    rng = np.random.default_rng(seed)
    n, r = 3000, 12
    dest = rng.integers(0, r, n)
    size = rng.lognormal(3.0, 1.0, n)
    free = rng.uniform(0, 1.0, r) * np.bincount(dest, weights=size, minlength=r)
    free[0] = 0.0
    ok = admit(np.random.default_rng(seed + 100), dest, size, free)
    assert ok.shape == (n,) and ok.dtype == bool
    used = np.bincount(dest[ok], weights=size[ok], minlength=r)
    assert (used <= free + 1e-9).all()
    assert not ok[dest == 0].any()
    # the lottery is not empty-handed where there is room for someone
    assert ok.sum() > 0


def test_admit_everything_when_capacity_is_ample():
    rng = np.random.default_rng(8)
    dest = rng.integers(0, 5, 400)
    size = rng.uniform(1, 50, 400)
    demand = np.bincount(dest, weights=size, minlength=5)
    assert admit(np.random.default_rng(1), dest, size, demand * 10).all()
    assert admit(np.random.default_rng(1), dest, size, demand + 1e-6).all()  # exactly enough
    assert not admit(np.random.default_rng(1), dest, size, np.zeros(5)).any()


def test_admit_empty():
    out = admit(np.random.default_rng(0), np.zeros(0, np.int64), np.zeros(0), np.ones(3))
    assert out.shape == (0,) and out.dtype == bool


def test_admit_is_a_fair_lottery():
    """Equal-sized applicants to one destination with room for k of n are admitted k/n of the time."""
    n, k, trials = 10, 3, 4000
    dest = np.zeros(n, np.int64)
    size = np.ones(n)
    rng = np.random.default_rng(42)
    wins = np.zeros(n)
    for _ in range(trials):
        ok = admit(rng, dest, size, np.array([float(k)]))
        assert ok.sum() == k
        wins += ok
    p = k / n
    sigma = np.sqrt(trials * p * (1 - p))
    assert (np.abs(wins - trials * p) <= 5 * sigma).all(), wins


def test_admit_groups_do_not_share_capacity():
    dest = np.array([0, 0, 1, 1, 1])
    size = np.array([5.0, 5.0, 1.0, 1.0, 1.0])
    ok = admit(np.random.default_rng(3), dest, size, np.array([5.0, 3.0]))
    assert ok[dest == 1].all()
    assert ok[dest == 0].sum() == 1


# --- review hazard -----------------------------------------------------------------------------


def test_review_hazard_monotone_and_capped():
    gap = np.linspace(-5, 50, 2001)
    h = review_hazard(gap, base=0.02, slope=0.5, cap=0.25)
    assert (np.diff(h) >= 0).all()
    assert np.allclose(h[gap <= 0], 0.02)  # firms ahead of the mean review at the base rate
    assert h.max() == pytest.approx(0.25)
    assert (h <= 0.25).all()
    assert h[gap == 0] == pytest.approx(0.02)
    assert review_hazard(np.array([2.0]), 0.02, 0.5, 0.25)[0] == pytest.approx(0.02 * 2.0)
    # strictly increasing between the base and the cap
    inside = (gap > 0) & (h < 0.25)
    assert inside.sum() > 10 and (np.diff(h[inside]) > 0).all()


@pytest.mark.parametrize(("base", "slope", "cap"), [(0.0, 1.0, 0.3), (0.05, 0.0, 0.3), (0.5, 2.0, 0.2)])
def test_review_hazard_edge_parameters(base, slope, cap):
    gap = np.array([-1.0, 0.0, 1.0, 100.0])
    h = review_hazard(gap, base, slope, cap)
    assert (h >= 0).all() and (h <= cap).all()
    assert (np.diff(h) >= 0).all()
    if slope == 0:
        assert np.allclose(h, min(base, cap))


def test_admit_large_misfit_does_not_block_smaller_applicants():
    """Whatever the lottery order, the small applicant that fits is admitted."""
    dest = np.array([0, 0])
    size = np.array([10.0, 2.0])
    for seed in range(20):
        ok = admit(np.random.default_rng(seed), dest, size, np.array([5.0]))
        assert ok.tolist() == [False, True]


# --- plant-tied draws (run.plant_draws: common random numbers across parameter values) ----------


def test_plant_rows_give_each_plant_its_own_numbers_whoever_else_draws():
    """A plant's numbers depend on its id alone: drawing for a subset returns the subset's rows of
    the draw for all, for every shape the decision asks for (plant axis first or last)."""
    from simulation.choice import PlantRows

    uid = np.array([3, 700, 5, 1400, 9, 2048])
    sub = np.array([1, 3, 4])
    for draw in ("random", "gumbel"):
        for shape_all, shape_sub, axis in (((6,), (3,), 0), ((6, 4), (3, 4), 0), ((2, 6), (2, 3), 1)):
            every = getattr(PlantRows([1, 2], 5, "choice", uid), draw)(shape_all)
            some = getattr(PlantRows([1, 2], 5, "choice", uid[sub]), draw)(shape_sub)
            np.testing.assert_array_equal(np.take(every, sub, axis=axis), some)
    other_quarter = PlantRows([1, 2], 6, "choice", uid).random(6)
    assert not np.allclose(other_quarter, PlantRows([1, 2], 5, "choice", uid).random(6))


def _locations_by_plant(logit_scale: float, plant_draws: bool) -> dict[int, int]:
    from simulation.model import RelocationModel
    from simulation.scenario import load

    settings = {"run.firms": 2000, "run.plant_draws": plant_draws, "behaviour.logit_scale": logit_scale}
    sc = load("scenarios/baseline.toml", {**settings, "calibration.sorting_rounds": 5})
    model = RelocationModel(sc)
    for _ in range(8):
        model.step()
    return dict(zip(model.firms.uid.tolist(), model.firms.location.tolist(), strict=True))


def test_plant_draws_make_a_small_parameter_change_move_few_plants():
    """With plant-tied draws, a 1% change of the logit scale leaves almost every surviving plant
    where it was in the run at the old value (common random numbers); with one stream a quarter,
    the runs decouple and many more plants differ."""

    def changed(plant_draws: bool) -> float:
        a, b = _locations_by_plant(0.035, plant_draws), _locations_by_plant(0.03535, plant_draws)
        both = a.keys() & b.keys()
        return sum(a[k] != b[k] for k in both) / len(both)

    tied, stream = changed(True), changed(False)
    assert tied < 0.02
    assert stream > 3 * tied
