"""Experimental designs over scenario parameters, and the seeds of the replications.

Every sampler has the same call shape, as in SALib: ``method(factors, n, seed, **options) -> Design``.
A *factor* is any dotted key that :meth:`simulation.scenario.Scenario.with_overrides` accepts
(``behaviour.logit_scale``, ``provinces.Henan.wage_yuan``, ...), with either levels (grid) or a range
``[low, high]`` (samplers). Integer parameters (``kind=int`` in :mod:`simulation.parameters`) are
rounded to the nearest integer after sampling.

References
----------
- Full factorial grid: Montgomery, *Design and Analysis of Experiments*, 9th ed., Wiley 2017, ch. 5.
- Latin hypercube: McKay, Beckman & Conover (1979), Technometrics 21(2), 239-245.
- Sobol' sequence (scrambled): Sobol' (1967), USSR Comput. Math. & Math. Phys. 7(4), 86-112;
  Owen (1998), J. Complexity 14(4), 466-489 — via :class:`scipy.stats.qmc.Sobol`.
- Morris elementary effects: Morris (1991), Technometrics 33(2), 161-174; mu* from Campolongo,
  Cariboni & Saltelli (2007), Environ. Model. Softw. 22(10), 1509-1518 — via SALib.
- Sobol' indices (Saltelli sampling): Saltelli (2002), Comput. Phys. Commun. 145(2), 280-297;
  Saltelli et al. (2010), Comput. Phys. Commun. 181(2), 259-270 — via SALib.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation import parameters
from simulation import scenario as scenario_mod
from simulation.sweep.errors import SweepError, require
from simulation.sweep.names import METHODS

SENSITIVITY = ("morris", "saltelli")  # designs with an analysis of indices


@dataclass(frozen=True)
class Factor:
    """One varied key: grid ``levels``, or a range ``[low, high]`` for samplers."""

    key: str
    levels: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def to_dict(self) -> dict:
        if self.levels:
            return {"key": self.key, "levels": list(self.levels)}
        return {"key": self.key, "low": self.low, "high": self.high, "integer": self.integer}


@dataclass(frozen=True)
class Design:
    """Design points (``{key: value}`` each) and, for samplers, the unrounded unit matrix scaled to
    the ranges (rows = points), which the sensitivity analyses need."""

    method: str
    factors: tuple[Factor, ...]
    points: tuple[dict[str, Any], ...]
    n: int | None = None
    seed: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    matrix: np.ndarray | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    def to_dict(self) -> dict:
        """JSON-ready description (the points follow from it deterministically)."""
        return {
            "method": self.method,
            "factors": [f.to_dict() for f in self.factors],
            "n": self.n,
            "seed": self.seed,
            "options": dict(self.options),
            "points": len(self.points),
        }

    def table(self) -> pd.DataFrame:
        """One row per point: ``point`` and one column per key."""
        frame = pd.DataFrame(list(self.points), columns=list(self.keys))
        frame.insert(0, "point", np.arange(len(self.points), dtype=np.int64))
        return frame


# --- parsing -----------------------------------------------------------------------------------


def parse_vary(text: str, source: str = "--vary") -> Factor:
    """``key=v1,v2,...`` → grid factor; each value is read as TOML (numbers, true/false, "text")."""
    key, values = _split(text, source, "key=v1,v2,... e.g. behaviour.logit_scale=0.01,0.02")
    levels = tuple(scenario_mod.parse_assignment(f"{key}={v}")[1] for v in values.split(","))
    if any(isinstance(v, str) and not v for v in levels) or not levels:
        raise SweepError(source, key, f"empty value in {values!r}; expected v1,v2,...")
    if len(set(map(repr, levels))) != len(levels):
        raise SweepError(source, key, f"repeated value in {values!r}")
    return Factor(key, levels=levels)


def parse_range(text: str, source: str = "--range") -> Factor:
    """``key=lo:hi`` → range factor (numbers, lo < hi; integer if the parameter is an integer);
    a bare ``key`` takes the parameter's plausible range (:func:`plausible_range`)."""
    if "=" not in text and text.strip():
        return make_range(text.strip(), *plausible_range(text.strip(), source), source)
    key, bounds = _split(text, source, "key=lo:hi e.g. behaviour.logit_scale=0.01:0.04")
    lo_text, sep, hi_text = bounds.partition(":")
    try:
        low, high = float(lo_text), float(hi_text)
    except ValueError:
        low = high = math.nan
    if not sep or not (math.isfinite(low) and math.isfinite(high)):
        raise SweepError(source, key, f"expected two numbers lo:hi, got {bounds!r}")
    return make_range(key, low, high, source)


def make_range(key: str, low: float, high: float, source: str) -> Factor:
    """A range factor, checked: numbers, ``low < high``, within the parameter's allowed values."""
    if not (low < high):
        raise SweepError(source, key, f"expected lo < hi, got {low:g}:{high:g}")
    spec = parameters.find(key)
    if spec is not None:
        if spec.kind not in (int, float):
            raise SweepError(source, key, f"a range needs a numeric parameter; this one is {spec.allowed()}")
        for v in (low, high):
            try:
                spec.check(round(v) if spec.kind is int else v)
            except ValueError:
                raise SweepError(source, key, f"range {low:g}:{high:g} leaves {spec.allowed()}") from None
    return Factor(key, low=float(low), high=float(high), integer=spec is not None and spec.kind is int)


def plausible_range(key: str, source: str) -> tuple[float, float]:
    """The plausible range a parameter declares (``docs/parameters.md``), for factors given without
    bounds."""
    spec = parameters.find(key)
    if spec is None or spec.plausible is None:
        raise SweepError(source, key, "declares no plausible range; give the bounds, e.g. KEY=lo:hi")
    low, high = spec.plausible
    if not low < high:
        raise SweepError(
            source, key, f"its plausible range is the single value {low:g} ({spec.plausible_basis}); "
            "give bounds to vary it anyway",
        )  # fmt: skip
    return float(low), float(high)


def _split(text: str, source: str, expected: str) -> tuple[str, str]:
    key, sep, rest = text.partition("=")
    if not sep or not key.strip() or not rest.strip():
        raise SweepError(source, text, f"expected {expected}")
    return key.strip(), rest.strip()


# --- seeds -------------------------------------------------------------------------------------


def spawn_seeds(master: int, k: int) -> list[int]:
    """``k`` independent run seeds (ints in [0, 2**63)) spawned from ``master`` by
    :class:`numpy.random.SeedSequence`; the same list serves every scenario and design point
    (common random numbers)."""
    if k < 1:
        raise SweepError("--seeds", "seeds", f"need at least one seed, got {k}")
    children = np.random.SeedSequence(int(master)).spawn(k)
    return [int(c.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1)) for c in children]


# --- samplers ----------------------------------------------------------------------------------


def grid(factors: list[Factor], n: int | None = None, seed: int | None = None, **options: Any) -> Design:
    """Full factorial over the levels of every factor (``n`` and ``seed`` are unused)."""
    _need(factors, levels=True, method="grid")
    combos = itertools.product(*(f.levels for f in factors))
    points = tuple({f.key: v for f, v in zip(factors, combo, strict=True)} for combo in combos)
    return Design("grid", tuple(factors), points, options=options)


def lhs(factors: list[Factor], n: int, seed: int, **options: Any) -> Design:
    """Latin hypercube sample of ``n`` points over the ranges (McKay et al. 1979)."""
    from scipy.stats import qmc

    _need(factors, levels=False, method="lhs", n=n)
    unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
    return _from_unit("lhs", factors, unit, n, seed, options)


def sobol(factors: list[Factor], n: int, seed: int, **options: Any) -> Design:
    """Scrambled Sobol' sequence of ``n`` points (``n`` a power of two) over the ranges."""
    from scipy.stats import qmc

    _need(factors, levels=False, method="sobol", n=n)
    _power_of_two(n, "sobol")
    unit = qmc.Sobol(d=len(factors), scramble=True, rng=np.random.default_rng(seed)).random_base2(
        int(math.log2(n))
    )
    return _from_unit("sobol", factors, unit, n, seed, options)


def morris(factors: list[Factor], n: int, seed: int, levels: int = 4, **options: Any) -> Design:
    """Morris (1991) design: ``n`` trajectories of ``k + 1`` points on a ``levels``-level grid."""
    _need(factors, levels=False, method="morris", n=n)
    sample = require("SALib.sample.morris", "sa")
    x = sample.sample(_problem(factors), N=n, num_levels=levels, seed=seed)
    return _scaled("morris", factors, x, n, seed, {**options, "levels": levels})


def saltelli(factors: list[Factor], n: int, seed: int, **options: Any) -> Design:
    """Saltelli (2002, 2010) design for first-order and total Sobol' indices: ``n * (k + 2)`` points,
    ``n`` a power of two."""
    _need(factors, levels=False, method="saltelli", n=n)
    _power_of_two(n, "saltelli")
    sample = require("SALib.sample.sobol", "sa")
    x = sample.sample(_problem(factors), N=n, calc_second_order=False, seed=seed)
    return _scaled("saltelli", factors, x, n, seed, options)


SAMPLERS: dict[str, Callable[..., Design]] = {
    "grid": grid,
    "lhs": lhs,
    "sobol": sobol,
    "morris": morris,
    "saltelli": saltelli,
}


def build(
    vary: list[Factor], ranges: list[Factor], method: str | None, n: int | None, seed: int, **options: Any
) -> Design:
    """The design of a sweep: the grid of ``vary`` crossed with a ``method`` sample over ``ranges``
    (either may be empty; no factors at all gives one point, the scenario as it is)."""
    keys = [f.key for f in vary + ranges]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise SweepError("--vary/--range", dup, "given more than once")
    if ranges and method is None:
        raise SweepError("--range", ranges[0].key, f"needs a sampler: --sample {'|'.join(METHODS[1:])}")
    if method is not None and method not in METHODS[1:]:
        raise SweepError("--sample", str(method), f"unknown method; allowed: {', '.join(METHODS[1:])}")
    if method is not None and not ranges:
        raise SweepError("--sample", method, "needs at least one --range key=lo:hi")
    if method in SENSITIVITY and vary:
        raise SweepError("--vary", vary[0].key, f"cannot be crossed with the {method} design; use scenarios")
    if not vary and method is None:
        return Design("none", (), ({},))
    if method is None:
        return grid(vary)
    sample = SAMPLERS[method](ranges, n, seed, **options)
    if not vary:
        return sample
    outer = grid(vary)
    points = tuple({**g, **s} for g in outer.points for s in sample.points)
    return Design(f"grid x {method}", (*vary, *ranges), points, n, seed, sample.options)


def analysis_seed(seed: int | None) -> int:
    """The seed handed to SALib's analyses: derived from the design seed by
    :class:`numpy.random.SeedSequence`, never 0 (SALib's Sobol' analysis treats a seed of 0 as no
    seed at all and its bootstrap intervals then change from call to call)."""
    state = int(np.random.SeedSequence(int(seed or 0)).generate_state(1, dtype=np.uint32)[0])
    return state or 1


def analyze(design: Design, y: np.ndarray, seed: int | None = None) -> pd.DataFrame:
    """Sensitivity indices of one outcome ``y`` (one value per design point, e.g. the mean over
    seeds): Morris → ``mu, mu_star, sigma, mu_star_conf``; Saltelli → ``S1, S1_conf, ST, ST_conf``
    (95% bootstrap confidence half-widths). One row per factor. The bootstrap uses
    :func:`analysis_seed` of ``seed`` (default: the design's seed), so the intervals are reproducible.

    Morris with integer factors: the runs used the rounded values, so the elementary effects divide by
    the rounded steps (:func:`morris_indices`), not by the grid step SALib assumes."""
    if design.method not in SENSITIVITY:
        raise SweepError("design", design.method, f"no sensitivity analysis; use one of {SENSITIVITY}")
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise SweepError(
            "sensitivity", "outcome", f"{int(np.sum(~np.isfinite(y)))} design points lack a value"
        )
    problem = _problem(list(design.factors))
    rng_seed = analysis_seed(design.seed if seed is None else seed)
    if design.method == "morris" and any(f.integer for f in design.factors):
        res = morris_indices(design, y, rng_seed)
        cols = ("mu", "mu_star", "sigma", "mu_star_conf")
    elif design.method == "morris":
        morris_an = require("SALib.analyze.morris", "sa")
        res = morris_an.analyze(
            problem,
            design.matrix,
            y,
            num_levels=design.options["levels"],
            seed=rng_seed,
            print_to_console=False,
        )
        cols = ("mu", "mu_star", "sigma", "mu_star_conf")
    else:
        sobol_an = require("SALib.analyze.sobol", "sa")
        res = sobol_an.analyze(problem, y, calc_second_order=False, seed=rng_seed, print_to_console=False)
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    frame = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in cols})
    frame.insert(0, "parameter", list(design.keys))
    return frame


def elementary_effects(design: Design, y: np.ndarray) -> np.ndarray:
    """Morris elementary effects, shape (factors, trajectories), per unit of each factor's scaled
    range: ``(y_after - y_before) / ((x_after - x_before) / (high - low))`` with ``x`` the values the
    runs used (rounded for integer factors). A step that rounding made zero gives NaN (no effect
    measured). Without integer factors this is SALib's unscaled elementary effect."""
    k = len(design.factors)
    lo = np.array([f.low for f in design.factors])
    width = np.array([f.high - f.low for f in design.factors])
    used = np.array([[p[f.key] for f in design.factors] for p in design.points], dtype=float)
    x = design.matrix.reshape(-1, k + 1, k)
    xr = ((used - lo) / width).reshape(-1, k + 1, k)  # unit scale, as run
    yt = np.asarray(y, dtype=float).reshape(-1, k + 1)
    ee = np.full((k, x.shape[0]), np.nan)
    for t in range(x.shape[0]):
        for j in range(k):
            moved = np.flatnonzero(x[t, j + 1] != x[t, j])  # the factor this step moves
            if len(moved) != 1:
                raise SweepError("morris", "design", f"trajectory {t} step {j} moves {len(moved)} factors")
            i = int(moved[0])
            step = xr[t, j + 1, i] - xr[t, j, i]
            if step != 0:
                ee[i, t] = (yt[t, j + 1] - yt[t, j]) / step
    return ee


def morris_indices(
    design: Design, y: np.ndarray, seed: int, conf: float = 0.95, resamples: int = 100
) -> dict:
    """``mu, mu_star, sigma, mu_star_conf`` from :func:`elementary_effects` (steps as run), with
    SALib's statistics: mean, mean absolute value, sd (ddof 1), and the normal-approximation
    bootstrap half-width of mu* (Campolongo et al. 2007); effects of zero steps left out."""
    from scipy.stats import norm

    ee = elementary_effects(design, y)
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"mu": [], "mu_star": [], "sigma": [], "mu_star_conf": []}
    for row in ee:
        e = row[np.isfinite(row)]
        out["mu"].append(float(e.mean()) if len(e) else math.nan)
        out["mu_star"].append(float(np.abs(e).mean()) if len(e) else math.nan)
        out["sigma"].append(float(e.std(ddof=1)) if len(e) > 1 else math.nan)
        if len(e) > 1:
            boot = np.abs(e[rng.integers(len(e), size=(resamples, len(e)))]).mean(axis=1)
            out["mu_star_conf"].append(float(norm.ppf(0.5 + conf / 2) * boot.std(ddof=1)))
        else:
            out["mu_star_conf"].append(math.nan)
    return out


# --- internals ---------------------------------------------------------------------------------


def _need(factors: list[Factor], levels: bool, method: str, n: int | None = None) -> None:
    if not factors:
        raise SweepError(method, "-", "needs at least one factor")
    for f in factors:
        if levels and not f.levels:
            raise SweepError(method, f.key, "a grid factor needs levels (--vary key=v1,v2)")
        if not levels and (f.low is None or f.high is None):
            raise SweepError(method, f.key, "a sampled factor needs a range (--range key=lo:hi)")
    if not levels and (n is None or int(n) < 1):
        raise SweepError("--n", method, f"needs a number of points n >= 1, got {n}")


def _power_of_two(n: int, method: str) -> None:
    if n & (n - 1):
        lo = 1 << (n.bit_length() - 1)
        raise SweepError(
            "--n", method, f"must be a power of two for {method}, got {n} (try {lo} or {lo * 2})"
        )


def _problem(factors: list[Factor]) -> dict:
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def _from_unit(method: str, factors: list[Factor], unit: np.ndarray, n: int, seed: int, options) -> Design:
    lo = np.array([f.low for f in factors])
    hi = np.array([f.high for f in factors])
    return _scaled(method, factors, lo + unit * (hi - lo), n, seed, options)


def _scaled(method: str, factors: list[Factor], x: np.ndarray, n: int, seed: int, options) -> Design:
    points = tuple(
        {f.key: (int(round(v)) if f.integer else float(v)) for f, v in zip(factors, row, strict=True)}
        for row in x
    )
    return Design(method, tuple(factors), points, n, seed, dict(options), x)
