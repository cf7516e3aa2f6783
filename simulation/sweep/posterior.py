"""Posterior designs: parameter vectors drawn from an estimate file, for sweeps whose effects carry
parameter uncertainty as well as seed noise (``ptsim sweep --posterior FILE --draws N``).

The estimate file is the ``ptsim-estimate/1`` JSON that ``ptsim estimate`` writes (docs/estimation.md;
the full reader and its validation are ``simulation.estimation.estimate_file``, a layer above the
sweeps). This module reads only what a draw needs — ``format``, ``parameters``, ``estimate``,
``covariance``, ``bounds`` and ``fixed`` — and checks those keys with errors naming the file and key.

Draws (:func:`draw`) follow the estimate file's rule: N(estimate, covariance) truncated to the box
(``bounds`` where given, else each parameter's declared range) by rejection — draws outside are
redrawn, up to :data:`MAX_REDRAWS` rounds, and any still outside are clipped — so the accepted draws
follow the normal restricted to the box. The generator is ``numpy.random.default_rng(design_seed)``:
the same seed gives the same draws (tested equal to ``Estimate.draw`` for the same generator).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulation import parameters
from simulation.io import ResultFileError, read_input_text
from simulation.sweep.design import Design, Factor
from simulation.sweep.errors import MAX_DESIGN_N, SweepError, check_count

FORMAT = "ptsim-estimate/1"
MAX_REDRAWS = 200  # rounds of redrawing before clipping (truncated_normal)
METHOD = "posterior"


@dataclass(frozen=True)
class Posterior:
    """What a draw needs from an estimate file: the estimated ``parameters`` (in order), their
    ``mean`` and ``covariance`` (parameters' own units), the box ``low``/``high`` and the ``fixed``
    parameters added unchanged to every draw."""

    path: str
    parameters: tuple[str, ...]
    mean: np.ndarray
    covariance: np.ndarray
    low: np.ndarray
    high: np.ndarray
    fixed: dict[str, float] = field(default_factory=dict)
    sha256: str = ""


def read_posterior(path: Path) -> Posterior:
    """Read the draw-relevant keys of an estimate file; :class:`SweepError` names the file and key."""
    src = str(path)
    try:
        text = read_input_text(Path(path), limit=16 << 20)
    except ResultFileError as exc:
        raise SweepError(src, "-", str(exc)) from None
    except OSError as exc:
        raise SweepError(src, "-", f"cannot read the estimate file ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SweepError(src, "-", f"not a JSON estimate file ({exc})") from None
    if not isinstance(data, dict):
        raise SweepError(src, "-", f"must hold a JSON object (ptsim-estimate/1), got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise SweepError(src, "format", f"must be {FORMAT!r}, got {data.get('format')!r}")
    names = _names(data.get("parameters"), src)
    mean = np.array([_number(_get(data, "estimate", src), p, f"estimate.{p}", src) for p in names])
    cov = _covariance(data.get("covariance"), len(names), src)
    low, high = _box(data.get("bounds", {}), names, mean, src)
    fixed = _fixed(data.get("fixed", {}), names, src)
    return Posterior(src, names, mean, cov, low, high, fixed, hashlib.sha256(text.encode()).hexdigest())


def draw(post: Posterior, rng: np.random.Generator, n: int) -> list[dict[str, float]]:
    """``n`` parameter vectors from the truncated normal (module docstring), each with the fixed
    parameters; values in each parameter's unit."""
    out = truncated_normal(post.mean, post.covariance, post.low, post.high, rng, n)
    return [{**post.fixed, **dict(zip(post.parameters, map(float, row), strict=True))} for row in out]


def truncated_normal(
    mean: np.ndarray, cov: np.ndarray, low: np.ndarray, high: np.ndarray, rng: np.random.Generator, n: int
) -> np.ndarray:
    """``n`` rows from N(mean, cov) restricted to the box [low, high] by rejection: rows outside are
    redrawn, up to :data:`MAX_REDRAWS` rounds; any still outside (only when the box holds a tiny
    share of the mass) are clipped to it. Shared by ``Estimate.draw`` so both give the same draws."""
    out = np.empty((n, len(mean)))
    todo = np.arange(n)
    for _ in range(MAX_REDRAWS):
        if todo.size == 0:
            break
        x = rng.multivariate_normal(mean, cov, size=todo.size, method="eigh")
        ok = np.all((x >= low) & (x <= high), axis=1)
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
    if todo.size:
        out[todo] = np.clip(rng.multivariate_normal(mean, cov, size=todo.size, method="eigh"), low, high)
    return out


def design(path: Path, draws: int, seed: int, source: str = "--posterior") -> Design:
    """The posterior design: ``draws`` points drawn with ``default_rng(seed)``. Its factors are the
    estimated parameters with the range the draws span; ``options`` record the file's SHA-256 (so
    ``--resume`` refuses a changed estimate file, wherever it is; the manifest's command names it)
    and its fixed parameters."""
    check_count(source, "draws", draws, MAX_DESIGN_N)
    post = read_posterior(path)
    points = draw(post, np.random.default_rng(seed), draws)
    x = np.array([[p[k] for k in post.parameters] for p in points])
    factors = tuple(
        Factor(k, low=float(x[:, i].min()), high=float(x[:, i].max())) for i, k in enumerate(post.parameters)
    )
    options = {"sha256": post.sha256, "fixed": dict(post.fixed)}
    return Design(METHOD, factors, tuple(points), draws, seed, options, x)


# --- checks ------------------------------------------------------------------------------------


def _get(data: dict, key: str, src: str) -> Any:
    if key not in data:
        raise SweepError(src, key, "missing (an estimate file has parameters, estimate, covariance)")
    return data[key]


def _names(value: Any, src: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(p, str) for p in value)):
        raise SweepError(src, "parameters", f"must be a non-empty list of parameter names, got {value!r}")
    if len(set(value)) != len(value):
        raise SweepError(src, "parameters", f"names must be unique, got {value!r}")
    for p in value:
        spec = parameters.find(p)
        if spec is None or spec.kind is not float:
            raise SweepError(src, "parameters", f"{p!r} is not a declared real parameter (ptsim params)")
    return tuple(value)


def _number(table: Any, key: str, where: str, src: str) -> float:
    if not isinstance(table, dict) or key not in table:
        raise SweepError(src, where, "missing: every estimated parameter needs a value")
    v = table[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SweepError(src, where, f"must be a finite number, got {v!r}")
    return float(v)


def _covariance(value: Any, k: int, src: str) -> np.ndarray:
    if not (
        isinstance(value, list)
        and len(value) == k
        and all(isinstance(r, list) and len(r) == k for r in value)
    ):
        raise SweepError(src, "covariance", f"must be a {k} x {k} list of lists (one row per parameter)")
    m = np.array([[_number({"x": x}, "x", "covariance", src) for x in row] for row in value])
    scale = max(1.0, float(np.abs(m).max()))
    if not np.allclose(m, m.T, rtol=1e-6, atol=1e-12 * scale):
        raise SweepError(src, "covariance", "must be symmetric")
    if np.linalg.eigvalsh(m).min() < -1e-9 * scale:
        raise SweepError(src, "covariance", "must be positive semi-definite")
    return m


def _box(bounds: Any, names: tuple[str, ...], mean: np.ndarray, src: str) -> tuple[np.ndarray, np.ndarray]:
    """``bounds`` where given, else the declared range; the estimate must lie inside."""
    if not isinstance(bounds, dict) or not set(bounds) <= set(names):
        raise SweepError(src, "bounds", f"must map some of the parameters {list(names)} to [low, high]")
    low, high = [], []
    for p, m in zip(names, mean, strict=True):
        spec = parameters.find(p)
        lo = -math.inf if spec.low is None else spec.low
        hi = math.inf if spec.high is None else spec.high
        if p in bounds:
            b = bounds[p]
            if not (isinstance(b, list) and len(b) == 2):
                raise SweepError(src, f"bounds.{p}", f"must be [low, high], got {b!r}")
            lo, hi = (_number({"x": x}, "x", f"bounds.{p}", src) for x in b)
        if not lo <= m <= hi:
            raise SweepError(src, f"estimate.{p}", f"{m:g} lies outside its bounds [{lo:g}, {hi:g}]")
        low.append(lo)
        high.append(hi)
    return np.array(low, dtype=float), np.array(high, dtype=float)


def _fixed(value: Any, names: tuple[str, ...], src: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise SweepError(src, "fixed", f"must be a JSON object of parameter values, got {value!r}")
    out: dict[str, Any] = {}
    for p in value:
        spec = parameters.find(p)
        if spec is None or p in names:
            raise SweepError(src, f"fixed.{p}", "must be a declared parameter that is not estimated")
        x = _number(value, p, f"fixed.{p}", src)
        out[p] = int(x) if spec.kind is int and x == int(x) else x
    return out


def check_draws(scenarios: dict, design: Design, source: str) -> None:
    """Every draw must be accepted by every scenario (an error names ``source`` and the key)."""
    for sc in scenarios.values():
        for point in design.points:
            sc.with_overrides(point, source=source)
