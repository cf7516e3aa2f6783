"""The location decision: review hazard, consideration sets, logit draw, park capacity.

All functions take arrays over firms (and provinces) and the model's generator; none loops over
firms in Python. The generator is a numpy ``Generator`` (one stream a quarter), or, with
``run.plant_draws``, a :class:`PlantRows`: draws tied to plants, so that a plant gets the same
numbers whatever other plants do (common random numbers across parameter values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: purposes of plant-tied draws (sub-streams of one quarter)
PURPOSES = ("review", "choice", "park", "leave", "entry")


class PlantRows:
    """Generator-like draws whose row ``i`` belongs to plant ``uid[i]``.

    With a numpy stream, which plant gets which number depends on how many draws came before:
    one more firm reviewing shifts every later draw, so two runs whose parameters differ a little
    diverge entirely, and the simulated moments jump with any change of a parameter (the method of
    simulated moments then fits noise). Here plant ids are grouped in blocks of ``BLOCK``; each
    call draws, for every block holding a plant asked for, the block's numbers from its own
    sub-stream (master seed, quarter, purpose, call, block), and returns the plants' rows. A
    plant's numbers then depend only on its id. ``random`` and ``gumbel`` take the shapes the
    decision asks for; the plant axis is the first of length ``len(uid)`` (else the last). The
    loop runs over blocks (a few hundred at 100,000 plants), not over plants.
    """

    BLOCK = 512

    def __init__(self, seed_words: Sequence[int], step: int, purpose: str, uid: np.ndarray):
        self.words = [*map(int, seed_words), int(step), PURPOSES.index(purpose)]
        self.uid = np.asarray(uid, np.int64)
        self.calls = 0

    def _by_plant(
        self, size: int | tuple[int, ...], draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]
    ) -> np.ndarray:
        shape = (size,) if isinstance(size, int | np.integer) else tuple(size)
        n = len(self.uid)
        axis = shape.index(n) if n in shape else len(shape) - 1
        rest = shape[:axis] + shape[axis + 1 :]
        self.calls += 1
        blocks, where = np.unique(self.uid // self.BLOCK, return_inverse=True)
        drawn = np.zeros((0, self.BLOCK, *rest))
        if n:
            streams = (np.random.default_rng([*self.words, self.calls, int(b)]) for b in blocks)
            drawn = np.stack([draw(g, (self.BLOCK, *rest)) for g in streams])
        return np.moveaxis(drawn[where, self.uid % self.BLOCK], 0, axis)

    def random(self, size: int | tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        """Uniform [0, 1) numbers of ``size``, rows by plant."""
        return self._by_plant(size, lambda g, sh: g.random(sh, dtype=dtype))

    def gumbel(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Standard Gumbel numbers of ``size``, rows by plant."""
        return self._by_plant(size, lambda g, sh: g.gumbel(size=sh))


def gumbel_where(rng: np.random.Generator | PlantRows, mask: np.ndarray) -> np.ndarray:
    """Standard Gumbel shocks for the ``True`` entries of ``mask`` (row-major order): a stream
    draws only those; plant-tied draws draw the whole rows (so a plant's shock for an
    alternative does not depend on the other rows' masks)."""
    if isinstance(rng, PlantRows):
        return rng.gumbel(mask.shape)[mask]
    return rng.gumbel(size=np.count_nonzero(mask))


def review_hazard(gap: np.ndarray, base: float, slope: float, cap: float) -> np.ndarray:
    """Quarterly review probability; ``gap`` = (sector mean margin - own margin) / logit scale."""
    return np.minimum(base * (1.0 + slope * np.maximum(gap, 0.0)), cap)


def considered(
    rng: np.random.Generator,
    known: np.ndarray,
    current: np.ndarray,
    size: int,
    extra: int = 0,
    extra_among: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The provinces each firm considers, as (n, 1 + size + extra) province indices and their
    validity.

    Column 0 is the current province; then up to ``size`` provinces sampled uniformly without
    replacement from the known, non-current ones, by random keys (the ``size`` smallest keys among
    them); then up to ``extra`` more from the known provinces in ``extra_among`` ((R,) bool) not
    already drawn, by the same keys (so adding extras leaves the first draws unchanged). Entries
    beyond what a firm knows are invalid (``False``); their indices mean nothing.
    """
    n, r = known.shape
    rows = np.arange(n)
    keys = np.where(known, rng.random((n, r)), np.inf)
    keys[rows, current] = np.inf
    pick, valid = _smallest(keys, size)
    options, ok = [current[:, None], pick], [np.ones((n, 1), bool), valid]
    if extra > 0 and extra_among is not None and extra_among.any():
        keys[rows[:, None], pick] = np.inf
        keys[:, ~extra_among] = np.inf
        more, more_valid = _smallest(keys, extra)
        options.append(more)
        ok.append(more_valid)
    return np.concatenate(options, axis=1), np.concatenate(ok, axis=1)


def _smallest(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the ``size`` smallest keys of each row, and whether each key is finite."""
    n, r = keys.shape
    k = min(size, r - 1)
    pick = np.argpartition(keys, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((n, 0), np.int64)
    return pick, np.isfinite(np.take_along_axis(keys, pick, axis=1))


def consideration_sets(
    rng: np.random.Generator,
    known: np.ndarray,
    current: np.ndarray,
    size: int,
    extra: int = 0,
    extra_among: np.ndarray | None = None,
) -> np.ndarray:
    """(n, R) mask of the provinces each firm considers (:func:`considered`)."""
    options, valid = considered(rng, known, current, size, extra, extra_among)
    rows, cols = np.nonzero(valid)
    mask = np.zeros(known.shape, bool)
    mask[rows, options[rows, cols]] = True
    return mask


def logit_draw(rng: np.random.Generator, utility: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Choice of each row by multinomial logit over the masked alternatives (Gumbel-max; taste
    shocks are drawn for the masked alternatives only, row by row)."""
    noisy = np.full(utility.shape, -np.inf)
    noisy[mask] = utility[mask] + gumbel_where(rng, mask)
    return noisy.argmax(axis=1)


def logit_draw_kept(
    rng: np.random.Generator, utility: np.ndarray, mask: np.ndarray, kept: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`logit_draw` that can keep column 0's taste shock: with ``kept`` ((n,), logit units)
    the first alternative (where a firm is) carries the firm's persistent shock instead of a fresh
    one. Returns the choices and the taste shock of each chosen alternative. Draws exactly what
    :func:`logit_draw` draws, so without ``kept`` the choices are the same."""
    shocks = np.full(utility.shape, -np.inf)
    shocks[mask] = gumbel_where(rng, mask)
    if kept is not None:
        shocks[:, 0] = np.where(mask[:, 0], kept, -np.inf)
    noisy = np.where(mask, utility + shocks, -np.inf)
    choice = noisy.argmax(axis=1)
    return choice, shocks[np.arange(len(choice)), choice]


def stay_probabilities(log_weights: np.ndarray, current: np.ndarray, taste: np.ndarray) -> np.ndarray:
    """(n, R) choice probabilities when the current alternative keeps its taste shock ``taste`` and
    the others draw fresh Gumbel shocks (``log_weights``: utilities, -inf where not considered).

    The best of the others is Gumbel with location ln V, V = sum_k exp(u_k) over k != current, so
    P(stay) = exp(-V exp(-(u_cur + taste))); the others share 1 - P(stay) in logit proportions."""
    rows = np.arange(len(current))
    own = log_weights[rows, current] + taste
    others = log_weights.copy()
    others[rows, current] = -np.inf
    top = others.max(axis=1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_v = np.log(np.exp(others - safe).sum(axis=1)) + safe[:, 0]
        stay = np.exp(-np.exp(np.minimum(log_v - own, 700.0)))
        shares = np.exp(others - log_v[:, None])
    probs = np.where(np.isfinite(log_v)[:, None], shares * (1 - stay)[:, None], 0.0)
    probs[rows, current] = np.where(np.isfinite(log_v), stay, 1.0)
    return probs


def logit_probabilities(utility: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Logit choice probabilities over the masked alternatives (rows sum to 1)."""
    u = np.where(mask, utility, -np.inf)
    u = u - u.max(axis=1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(axis=1, keepdims=True)


def admit(
    rng: np.random.Generator, dest: np.ndarray, size: np.ndarray, free: np.ndarray, passes: int = 4
) -> np.ndarray:
    """Lottery for limited capacity: in random order, each applicant is admitted if it still fits.

    ``free[r]`` is the remaining capacity (same unit as ``size``); returns a boolean mask. Each pass
    admits, in the lottery order, the applicants whose cumulative size fits; those left out are
    tried again against what is left, so a large misfit does not block smaller applicants.
    """
    admitted = np.zeros(len(dest), bool)
    if not len(dest):
        return admitted
    left = np.asarray(free, float).copy()
    rank = rng.random(len(dest))
    for _ in range(passes):
        todo = np.flatnonzero(~admitted & (size <= left[dest]))
        if not len(todo):
            break
        order = todo[np.lexsort((rank[todo], dest[todo]))]
        d, s = dest[order], size[order]
        cum = np.cumsum(s)
        starts = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
        offset = np.repeat(cum[starts] - s[starts], np.diff(np.append(starts, len(d))))
        ok = (cum - offset) <= left[d]
        admitted[order[ok]] = True
        left -= np.bincount(d[ok], weights=s[ok], minlength=len(left))
    return admitted
