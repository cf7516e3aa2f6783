"""A resumable cache of simulated moments: one small JSON file per (setting, parameter vector, seed).

The key is a SHA-256 of the run's setting (scenario, firms, moment names), the seed and the exact
parameter values (``repr`` of each float, so 0.1 and 0.1000000001 differ), which makes a rerun of an
interrupted estimate on the same folder replay the optimiser's path from the cache instead of
re-simulating. Each file is written atomically (temporary file, then rename): an interrupted write
leaves no entry rather than a damaged one; an entry that cannot be read counts as missing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from simulation.io import atomic_write

FORMAT = "ptsim-moment-cache/1"


def context_key(*parts: object) -> str:
    """A short stable hash of everything besides parameters and seed that a simulation depends on."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class MomentCache:
    """Simulated moments by (context, parameters, seed) under ``folder``."""

    def __init__(self, folder: Path, context: str, names: Sequence[str]):
        self.folder = Path(folder)
        self.context = context
        self.names = list(names)
        self.hits = 0
        self.misses = 0

    def key(self, params: Mapping[str, float], seed: int) -> str:
        exact = {k: repr(float(v)) for k, v in sorted(params.items())}
        text = json.dumps({"context": self.context, "seed": int(seed), "params": exact}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, params: Mapping[str, float], seed: int) -> np.ndarray | None:
        """The cached moments (in the order of ``names``) or None."""
        path = self._path(self.key(params, seed))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            values = np.array(
                [np.nan if data["moments"][n] is None else data["moments"][n] for n in self.names]
            )
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return values.astype(float)

    def put(self, params: Mapping[str, float], seed: int, values: Sequence[float], seconds: float) -> None:
        """Store one simulation's moments (NaN stored as null)."""
        moments = {
            n: (None if not math.isfinite(v) else float(v)) for n, v in zip(self.names, values, strict=True)
        }
        entry = {
            "format": FORMAT,
            "context": self.context,
            "seed": int(seed),
            "params": {k: float(v) for k, v in params.items()},
            "seconds": round(float(seconds), 3),
            "moments": moments,
        }
        text = json.dumps(entry, indent=0)
        atomic_write(self._path(self.key(params, seed)), lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*.json")) if self.folder.exists() else 0
