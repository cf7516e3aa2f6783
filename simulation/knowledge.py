"""What firms know: the provinces each firm can consider, and learning from matchmaking (lever 五).

Matchmaking lets every firm learn of promoted province r with chance learn_prob_q[r] in each quarter
q. Knowledge is only used when a firm reviews, so instead of drawing for every firm every quarter,
a firm draws when it is needed: it learns of r with the chance of having learned of it at least
once since its last update, 1 - prod_q (1 - learn_prob_q[r]) — the same distribution at a fraction
of the draws.
"""

from __future__ import annotations

import numpy as np

from simulation.firms import FirmArrays


class Learning:
    """The running log of the chance of not having learned of each province, quarter by quarter."""

    def __init__(self, n_provinces: int):
        self.survival_log = np.zeros((1, n_provinces))  # (step, R): sum of log(1 - learn_prob)

    def advance(self, learn_prob: np.ndarray) -> None:
        """Add a quarter with learning chances ``learn_prob`` (R,)."""
        survival = self.survival_log[-1] + _log_not_learning(learn_prob)
        self.survival_log = np.vstack([self.survival_log, survival])

    def sync(self, firms: FirmArrays, idx: np.ndarray, rng: np.random.Generator) -> None:
        """Bring the known sets of firms ``idx`` up to the current quarter (draws from ``rng``)."""
        f, r_n = firms, self.survival_log.shape[1]
        now = self.survival_log[-1]
        promoted = np.flatnonzero(now < 0)
        if len(idx) and len(promoted):
            rows, cols = np.nonzero(~f.known.take(idx, axis=0)[:, promoted])  # what a firm does not know
            firm, r = idx[rows], promoted[cols]
            # certain learning (log survival -inf) gives chance 1; an unknown province cannot have
            # been certain at the firm's last update, so no -inf - -inf arises
            then = self.survival_log.ravel().take(f.known_step[firm] * r_n + r)
            chance = -np.expm1(now[r] - then)
            learned = rng.random(len(firm)) < chance
            f.known[firm[learned], r[learned]] = True
        f.known_step[idx] = len(self.survival_log) - 1


def _log_not_learning(learn_prob: np.ndarray) -> np.ndarray:
    """log(1 - learn_prob), -inf where learning is certain."""
    with np.errstate(divide="ignore"):
        return np.log1p(-np.minimum(learn_prob, 1.0))
