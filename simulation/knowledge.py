"""What firms know: the provinces each firm can consider, how that knowledge turns over in the
baseline, and how matchmaking (lever 五) adds to it.

A firm always knows the provinces of the NBS region it is in. Whether it knows another province r
is a two-state process that runs in the baseline too (a search friction that exists without the
policy): each quarter a firm that does not know r learns of it with chance lambda_q[r], and one that
knows it forgets it with chance delta. With ``behaviour.know_other_region_prob`` = p and
``behaviour.knowledge_turnover`` = tau,

    lambda = tau p (+ learn_prob_q[r] where matchmaking promotes r),   delta = tau (1 - p),

so without the lever the share of firms that know r stays at p: the known sets drawn at the start
(p per province, what the province constants are calibrated on) are the baseline's stationary state,
and the lever moves that state to (tau p + l) / (tau + l) at most instead of to certainty. With
tau = 0 nothing turns over and learning from the lever is never forgotten.

The chance x_q of knowing r follows x_q = (1 - t_q) x_{q-1} + t_q pi_q with t_q = lambda_q + delta
and pi_q = lambda_q / t_q (affine in x), so over quarters (a, b] a firm that knew r (s = 1) or not
(s = 0) at a knows it at b with chance D s + W_b - D W_a, D = prod (1 - t_q), W the running
x of a firm that started unaware. Knowledge is only used when a firm reviews, so a firm draws when
it is needed, from that chance: the same distribution as drawing every quarter. The uniforms of a
quarter are one block over all firms and provinces, drawn from the quarter's lever stream and read
by firm row, so a firm that syncs in the same state in a run with and a run without a lever draws
the same uniform whichever other firms review (common random numbers).
"""

from __future__ import annotations

import numpy as np

from simulation.firms import FirmArrays


class Learning:
    """The running log of the knowledge process, quarter by quarter, by province."""

    def __init__(self, region: np.ndarray, known_prob: float, turnover: float):
        self.region = np.asarray(region)
        self.known_prob, self.turnover = float(known_prob), float(turnover)
        n = len(self.region)
        self.log_decay = np.zeros((1, n))  # (step, R): sum of log(1 - t_q)
        self.aware = np.zeros((1, n))  # (step, R): W, the chance of knowing for a firm unaware at 0
        self._block: tuple[int, np.ndarray] = (-1, np.zeros((0, n), np.float32))  # (step, uniforms)

    @property
    def step(self) -> int:
        """The step the log has reached (0 at the start)."""
        return len(self.aware) - 1

    def advance(self, learn_prob: np.ndarray) -> None:
        """Add a quarter in which matchmaking adds learning chances ``learn_prob`` (R,) (1/quarter)."""
        learn = np.minimum(self.turnover * self.known_prob + learn_prob, 1.0)
        t = np.minimum(learn + self.turnover * (1.0 - self.known_prob), 1.0)
        decay = self.log_decay[-1] + np.log1p(-np.minimum(t, 1.0 - 1e-12))  # finite: no -inf - -inf
        # W_q = (1 - t) W_{q-1} + lambda (t pi = lambda)
        aware = (1.0 - t) * self.aware[-1] + learn
        self.log_decay = np.vstack([self.log_decay, decay])
        self.aware = np.vstack([self.aware, aware])

    def sync(self, firms: FirmArrays, idx: np.ndarray, rng: np.random.Generator) -> None:
        """Bring the known sets of firms ``idx`` up to the current quarter (draws from ``rng``): one
        uniform per firm and province outside its region, whatever the levers."""
        f = firms
        now = self.step
        if len(idx) and now > 0:
            then = f.known_step.take(idx)
            d = np.exp(self.log_decay[now][None, :] - self.log_decay[then])
            was = f.known.take(idx, axis=0)
            chance = d * was + self.aware[now][None, :] - d * self.aware[then]
            known = self._uniforms(rng, len(f.known)).take(idx, axis=0) < chance
            home = f.location.take(idx)
            own = self.region[None, :] == self.region[np.maximum(home, 0)][:, None]
            f.known[idx] = known | (own & (home >= 0)[:, None])
        f.known_step[idx] = now

    def _uniforms(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """(rows, R) uniforms of this quarter, one per firm row and province, drawn from ``rng`` at
        the quarter's first use (more rows appended if firms entered since)."""
        step, block = self._block
        if step != self.step:
            block = rng.random((rows, len(self.region)), dtype=np.float32)
        elif len(block) < rows:
            block = np.vstack([block, rng.random((rows - len(block), len(self.region)), dtype=np.float32)])
        self._block = (self.step, block)
        return block
