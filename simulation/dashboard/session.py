"""Per-session model state: a policy run stepped together with its same-seed baseline.

Every browser session builds its own :class:`DashboardModel` (never a module-level model), so two
viewers on one server never see each other's runs. The baseline run (``scenarios/baseline.toml``
with the same seed and number of firms) lives in a :class:`Baseline` that a session keeps across
restarts: when only a lever changes, the policy run restarts but the baseline need not be rebuilt.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np

from simulation import parameters
from simulation.dashboard import lessons
from simulation.model import RelocationModel

RUN_PARAMS = {p.key: p for p in parameters.PARAMS if p.key in ("run.firms", "run.seed")}
DEFAULT_FIRMS = 5000  # class size: a step and its figures render well under a second
DEFAULT_SEED = int(RUN_PARAMS["run.seed"].default)
_UIDS = itertools.count(1)


class Baseline:
    """The baseline run of one (seed, firms), advanced lazily and thread-safely.

    Several policy runs of a session may share it one after another; each reads the recorded
    steps up to its own step count.
    """

    def __init__(self, seed: int, firms: int):
        self.seed, self.firms = seed, firms
        self.model = RelocationModel(lessons.SCENARIOS / "baseline.toml", seed=seed, firms=firms)
        self._lock = threading.Lock()

    def advance_to(self, steps: int) -> None:
        """Step the baseline until it has done ``steps`` steps."""
        with self._lock:
            while self.model.steps < steps:
                self.model.step()

    def matches(self, seed: int, firms: int) -> bool:
        return (self.seed, self.firms) == (seed, firms)


class DashboardModel(RelocationModel):
    """A lesson's scenario with the dashboard's settings, stepped with its baseline.

    Keyword arguments only (the page re-creates the model from them on Reset or a change):
    ``lesson`` names a :data:`~simulation.dashboard.lessons.LESSONS` entry, ``settings`` holds flat
    ``levers.<name>.<key>`` values from the controls, ``baseline`` is an optional :class:`Baseline`
    to reuse when it has the same seed and firms.
    """

    def __init__(
        self,
        *,
        lesson: str = "free",
        settings: dict[str, Any] | None = None,
        firms: int = DEFAULT_FIRMS,
        seed: int = DEFAULT_SEED,
        baseline: Baseline | None = None,
    ):
        firms = RUN_PARAMS["run.firms"].check(firms)
        seed = RUN_PARAMS["run.seed"].check(seed)
        self.lesson = lessons.get(lesson)
        self.settings = dict(settings or {})
        super().__init__(self.lesson.load(self.settings), seed=seed, firms=firms)
        self.baseline = baseline if baseline is not None and baseline.matches(seed, firms) else None
        if self.baseline is None:
            self.baseline = Baseline(seed, firms)
        self.uid = next(_UIDS)  # tells a restarted run from the last one (ids of freed objects recur)

    def step(self) -> None:
        """Advance the policy run and its baseline by one quarter."""
        super().step()
        self.baseline.advance_to(self.steps)
        self.running = self.steps < self.params["run.steps"]

    def baseline_steps(self) -> list[dict[str, Any]]:
        """The baseline's recorded steps 0..self.steps (the same quarters as this run)."""
        return self.baseline.model.recorder.steps[: self.steps + 1]

    def inland_shares(self) -> tuple[np.ndarray, np.ndarray]:
        """Inland employment share per recorded step: (this run, the baseline)."""
        inland = self.world.inland

        def share(rows: list[dict[str, Any]]) -> np.ndarray:
            return np.array([r["employment"][:, inland].sum() / r["employment"].sum() for r in rows])

        return share(self.recorder.steps), share(self.baseline_steps())


class RunSlot:
    """The run a session's Step button drives, safe against a run being swapped meanwhile.

    While a new run is prepared (:meth:`begin`, in a background thread) a Step is counted, not
    taken (:meth:`step` returns False); :meth:`finish` applies the counted Steps to the new run
    and makes it current in one locked exchange, so a click is never lost or applied to the old
    run. Only the newest request (``serial``) may finish; older ones are dropped.
    """

    def __init__(self, model: DashboardModel):
        self.model = model
        self.pending = 0
        self.serial: int | None = None  # the request being prepared, or None
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self.serial is not None

    def begin(self, serial: int) -> None:
        with self._lock:
            self.serial = serial

    def step(self) -> bool:
        """Step the current run (True), or count the Step while one is prepared (False)."""
        with self._lock:
            if self.busy:
                self.pending += 1
                return False
            model = self.model
        model.step()
        return True

    def finish(self, serial: int, built: DashboardModel | None) -> bool:
        """Make ``built`` current after the Steps counted meanwhile (``None``: the request failed;
        the counted Steps go to the current run); False if a newer request superseded this one."""
        target = built if built is not None else self.model
        while True:
            with self._lock:
                if serial != self.serial:
                    return False
                n, self.pending = self.pending, 0
                if n == 0:
                    self.model, self.serial = target, None
                    return True
            for _ in range(n):  # outside the lock: a click meanwhile is counted for the next round
                target.step()
