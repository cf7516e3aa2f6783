"""The estimate file (``ptsim-estimate/1``): what ``ptsim estimate`` writes and others read.

One JSON file holds the estimated parameters, their standard errors and covariance (in the
parameter space the estimation used: the parameters' own units), the bounds the optimiser searched
within, the moments (observed, simulated, standard deviation) and the sensitivity measures.
:func:`read_estimate` validates every key with an error naming the file, the key and what is
allowed; :func:`write_estimate` writes atomically. :meth:`Estimate.draw` samples parameter vectors
for sweeps that carry parameter uncertainty.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulation.io import ResultFileError, atomic_write, read_input_text
from simulation.parameters import BY_KEY
from simulation.sweep.posterior import truncated_normal

FORMAT = "ptsim-estimate/1"
REQUIRED = (
    "format",
    "method",
    "library",
    "scenario",
    "fit_until",
    "parameters",
    "estimate",
    "se",
    "covariance",
    "n_simulations",
    "moments",
    "sensitivity",
    "created",
    "ptsim_version",
)
MOMENT_KEYS = ("name", "observed", "simulated", "sd")


class EstimateFileError(ValueError):
    """A malformed estimate file; the message names the file, the key and what is allowed."""


@dataclass
class Estimate:
    """An estimate of behavioural parameters (values in each parameter's declared unit)."""

    method: str
    library: str
    scenario: str
    fit_until: int
    parameters: list[str]
    estimate: dict[str, float]
    se: dict[str, float]
    covariance: list[list[float]]
    n_simulations: int
    moments: list[dict[str, Any]]
    sensitivity: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    ptsim_version: str = ""
    #: the box the optimiser searched, per parameter [low, high]; draws stay inside it
    bounds: dict[str, list[float]] = field(default_factory=dict)
    #: parameters held fixed (not identified by the moments) and their values
    fixed: dict[str, float] = field(default_factory=dict)
    #: run settings of the simulations (firms, seeds, steps, ...) and anything else worth keeping
    settings: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT

    def mean(self) -> np.ndarray:
        """The point estimate as a vector in the order of ``parameters``."""
        return np.array([self.estimate[p] for p in self.parameters], dtype=float)

    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds per parameter: ``bounds`` if given, else the declared range."""
        lo, hi = [], []
        for p in self.parameters:
            if p in self.bounds:
                a, b = self.bounds[p]
            else:
                decl = BY_KEY[p]
                a = -math.inf if decl.low is None else decl.low
                b = math.inf if decl.high is None else decl.high
            lo.append(a)
            hi.append(b)
        return np.array(lo, dtype=float), np.array(hi, dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> list[dict[str, float]]:
        """``n`` parameter vectors from N(estimate, covariance) truncated to the bounds.

        Truncation is by rejection: draws outside the box are redrawn (up to ``MAX_REDRAWS``
        rounds), so the accepted draws follow the normal restricted to the box; any still outside
        after that (only when the box holds a tiny share of the mass) are clipped to it. The
        fixed parameters are added unchanged to every draw.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        lo, hi = self.box()
        cov = np.asarray(self.covariance, dtype=float)
        out = truncated_normal(self.mean(), cov, lo, hi, rng, n)
        return [{**self.fixed, **dict(zip(self.parameters, map(float, row), strict=True))} for row in out]

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the file (``format`` first)."""
        d = asdict(self)
        return {"format": d.pop("format"), **d}


def write_estimate(est: Estimate, path: str | Path) -> Path:
    """Validate ``est`` and write it to ``path`` as JSON, atomically (a crash leaves the old file)."""
    path = Path(path)
    data = est.to_json()
    _validate(json.loads(json.dumps(data)), path)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def read_estimate(path: str | Path) -> Estimate:
    """Read and validate an estimate file; :class:`EstimateFileError` names the file and key."""
    path = Path(path)
    if not path.exists():
        raise EstimateFileError(f"{path}: no such estimate file")
    try:
        data = json.loads(read_input_text(path, limit=16 << 20))
    except ResultFileError as exc:
        raise EstimateFileError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise EstimateFileError(f"{path}: not a JSON estimate file ({exc})") from None
    _validate(data, path)
    known = {f for f in Estimate.__dataclass_fields__}
    return Estimate(**{k: v for k, v in data.items() if k in known})


def _fail(path: Path, key: str, msg: str) -> EstimateFileError:
    return EstimateFileError(f"{path}: key {key!r}: {msg}")


def _number(path: Path, key: str, v: Any, *, allow_nan: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _fail(path, key, f"must be a number, got {v!r}")
    if not allow_nan and not math.isfinite(v):
        raise _fail(path, key, f"must be a finite number, got {v!r}")
    return float(v)


def _validate(data: Any, path: Path) -> None:
    """Raise :class:`EstimateFileError` unless ``data`` is a valid ``ptsim-estimate/1`` object."""
    if not isinstance(data, dict):
        raise EstimateFileError(f"{path}: must hold a JSON object, got {type(data).__name__}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise EstimateFileError(
            f"{path}: missing key(s) {', '.join(missing)} (required: {', '.join(REQUIRED)})"
        )
    unknown = sorted(set(data) - set(Estimate.__dataclass_fields__))
    if unknown:
        raise EstimateFileError(
            f"{path}: unknown key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(Estimate.__dataclass_fields__)})"
        )
    if data["format"] != FORMAT:
        raise _fail(path, "format", f"must be {FORMAT!r}, got {data['format']!r}")
    for k in ("method", "library", "scenario", "created", "ptsim_version"):
        if not isinstance(data[k], str):
            raise _fail(path, k, f"must be a string, got {data[k]!r}")
    for k in ("fit_until", "n_simulations"):
        if isinstance(data[k], bool) or not isinstance(data[k], int) or data[k] < 0:
            raise _fail(path, k, f"must be an integer >= 0, got {data[k]!r}")
    params = data["parameters"]
    if not isinstance(params, list) or not params or not all(isinstance(p, str) for p in params):
        raise _fail(path, "parameters", f"must be a non-empty list of parameter names, got {params!r}")
    if len(set(params)) != len(params):
        raise _fail(path, "parameters", f"names must be unique, got {params!r}")
    for p in params:
        if p not in BY_KEY or BY_KEY[p].kind is not float:
            raise _fail(
                path, "parameters", f"{p!r} is not a declared real parameter (see docs/parameters.md)"
            )
    _check_vectors(data, params, path)
    _check_covariance(data["covariance"], len(params), path)
    _check_moments(data["moments"], path)
    for k in ("sensitivity", "settings", "fixed", "bounds"):
        if k in data and not isinstance(data[k], dict):
            raise _fail(path, k, f"must be a JSON object, got {data[k]!r}")
    for p, v in data.get("fixed", {}).items():
        if p not in BY_KEY or p in params:
            raise _fail(path, f"fixed.{p}", "must be a declared parameter that is not estimated")
        _number(path, f"fixed.{p}", v)


def _check_vectors(data: dict, params: list[str], path: Path) -> None:
    for k in ("estimate", "se"):
        vec = data[k]
        if not isinstance(vec, dict) or set(vec) != set(params):
            raise _fail(path, k, f"must map exactly the parameters {params} to numbers")
        for p in params:
            x = _number(path, f"{k}.{p}", vec[p], allow_nan=(k == "se"))
            if k == "se" and x < 0:
                raise _fail(path, f"se.{p}", f"must be >= 0 (or NaN if not available), got {x}")
    bounds = data.get("bounds", {})
    if not isinstance(bounds, dict) or not set(bounds) <= set(params):
        raise _fail(path, "bounds", f"must map some of the parameters {params} to [low, high]")
    for p, b in bounds.items():
        if not (isinstance(b, list) and len(b) == 2):
            raise _fail(path, f"bounds.{p}", f"must be [low, high], got {b!r}")
        lo, hi = (_number(path, f"bounds.{p}", x) for x in b)
        if not lo <= data["estimate"][p] <= hi:
            raise _fail(path, f"estimate.{p}", f"{data['estimate'][p]} lies outside its bounds [{lo}, {hi}]")
    for p in params:
        try:
            BY_KEY[p].check(data["estimate"][p])
        except ValueError as exc:
            raise _fail(path, f"estimate.{p}", str(exc)) from None


def _check_covariance(cov: Any, n: int, path: Path) -> None:
    if not (
        isinstance(cov, list) and len(cov) == n and all(isinstance(r, list) and len(r) == n for r in cov)
    ):
        raise _fail(path, "covariance", f"must be a {n} x {n} list of lists (one row per parameter)")
    m = np.array([[_number(path, "covariance", x) for x in row] for row in cov])
    if not np.allclose(m, m.T, rtol=1e-6, atol=1e-12 * max(1.0, float(np.abs(m).max()))):
        raise _fail(path, "covariance", "must be symmetric")
    if np.linalg.eigvalsh(m).min() < -1e-9 * max(1.0, float(np.abs(m).max())):
        raise _fail(path, "covariance", "must be positive semi-definite")


def _check_moments(moments: Any, path: Path) -> None:
    if not isinstance(moments, list):
        raise _fail(path, "moments", "must be a list of {name, observed, simulated, sd}")
    for i, m in enumerate(moments):
        if not isinstance(m, dict) or not set(MOMENT_KEYS) <= set(m):
            raise _fail(path, f"moments[{i}]", f"must be an object with keys {', '.join(MOMENT_KEYS)}")
        if not isinstance(m["name"], str):
            raise _fail(path, f"moments[{i}].name", f"must be a string, got {m['name']!r}")
        for k in ("observed", "simulated", "sd"):
            _number(path, f"moments[{i}].{k}", m[k], allow_nan=(k == "simulated"))
        if m["sd"] <= 0:
            raise _fail(path, f"moments[{i}].sd", f"must be > 0, got {m['sd']}")
