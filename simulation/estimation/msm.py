"""The method of simulated moments on the 2011-2021 replay, with optimagic's ``estimate_msm``.

The estimator (McFadden 1989; Gourieroux & Monfort 1996) picks the behavioural parameters that
bring the model's moments closest to the observed ones, weighted by the inverse of each moment's
variance (``weights="diagonal"``). optimagic does the statistics: the derivative-free search (optimagic's
multistart: a Sobol' sample of the box, then Nelder-Mead from the best points, TikTak, Arnoud,
Guvenen & Kleineberg 2019; robust to the simulation noise that stops gradient-based and
model-based local searches), the MSM sandwich covariance from the Jacobian of the simulated moments and the
Andrews-Gentzkow-Shapiro (2017) sensitivity of each estimate to each moment. The search runs on the
parameters mapped linearly onto the unit box (one numerical step, ``STEP_SHARE``, then fits every
parameter; results are mapped back exactly). Every candidate runs the same ``seeds`` (common random
numbers). The moment covariance is the data covariance (diagonal, from the confidence grades,
unless the observed moments come with their own) plus the simulation covariance of a mean of
``seeds`` runs: the full covariance over ``noise_runs`` seeds, divided by ``seeds``, measured at
the start values for the weights and again at the estimate for the standard errors. Its
off-diagonal terms matter: with finitely many firms a seed's draw of where firms start persists
year after year, so one province's shares of successive years err together, and a diagonal
covariance would understate the standard errors several-fold (the sandwich
``(G'WG)^-1 G'W Omega W G (G'WG)^-1`` of Gourieroux & Monfort 1996 uses the whole of Omega, while
the weights W stay the inverse of its diagonal).
Simulations go through the sweep's executors (local processes or Dask) and a resumable cache
(:mod:`simulation.estimation.cache`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulation import scenario as scenario_mod
from simulation.estimation import moments as mom
from simulation.estimation.cache import MomentCache, context_key
from simulation.estimation.estimate_file import Estimate, write_estimate
from simulation.estimation.space import BOUNDS, SCENARIO
from simulation.parameters import BY_KEY
from simulation.sweep.errors import require
from simulation.sweep.executors import backend
from simulation.sweep.runs import scenario_dict

#: numerical derivatives for the standard errors: central differences with a step of this share of
#: each parameter's box (with finitely many firms the moments are step functions of the
#: parameters, so the rule-of-thumb step of smooth functions would see flat steps)
STEP_SHARE = 0.1
LIBRARY = "optimagic"
#: a parameter whose information (diagonal of G'WG in the unit box) is below this share of the
#: largest is reported as not identified
NOT_IDENTIFIED = 1e-8
#: local Nelder-Mead searches after the exploration, from the best points found (tiktak)
LOCAL_RUNS = 2


class EstimationError(ValueError):
    """The estimation cannot be set up as asked (too few moments for the parameters)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass
class Setup:
    """What one estimation simulates and fits."""

    scenario: Path = SCENARIO
    fit_until: int = 2019
    seeds: int = 3
    firms: int = 8_000
    parameters: tuple[str, ...] = tuple(BOUNDS)
    max_evaluations: int = 120
    #: points of the exploration sample (Sobol' in the box) before the local searches
    explore: int = 36
    #: candidates simulated at once (threads, each submitting its seeds to the executor)
    lanes: int = 2
    base_seed: int = 20110101
    #: where the search starts (default: each parameter's default, inside the box)
    start: dict[str, float] = field(default_factory=dict)
    #: seeds whose spread, at the start values and at the estimate, measures the simulation
    #: covariance (the candidates' own seeds first, then others)
    noise_runs: int = 16
    #: observed moments to fit instead of the panel's (parameter recovery uses the model's own)
    observed: pd.DataFrame | None = None
    #: covariance of the observed moments (index and columns: moment names); None: diagonal, sd**2
    observed_cov: pd.DataFrame | None = None
    extra_overrides: dict[str, Any] = field(default_factory=dict)

    def seed_list(self) -> list[int]:
        return [self.base_seed + i for i in range(self.seeds)]

    def noise_seed_list(self) -> list[int]:
        """The candidates' seeds, then others up to ``noise_runs`` (their runs at the start values
        and at the estimate measure the simulation covariance)."""
        extra = [self.base_seed + 10_000 + i for i in range(max(0, self.noise_runs - self.seeds))]
        return self.seed_list() + extra


def simulate_one(scenario: dict, seed: int, overrides: dict[str, Any], moments: pd.DataFrame) -> list[float]:
    """Run the replay once (a worker's task) and return its value of every moment."""
    from simulation.runner import simulate

    sc = scenario_mod.from_dict(scenario, source="ptsim estimate")
    sc = sc.with_overrides({**overrides, "run.seed": int(seed)}, source="ptsim estimate")
    model = simulate(sc)
    return mom.simulated_moments(model.recorder.timeseries(model), moments).tolist()


class Simulator:
    """Simulated moments as a function of the parameter vector: the mean over the seeds, from the
    cache where it holds them, else run on ``executor`` (all missing seeds at once)."""

    def __init__(
        self,
        scenario: dict,
        names: Sequence[str],
        moments: pd.DataFrame,
        seeds: Sequence[int],
        cache: MomentCache,
        executor: Executor,
        fixed: dict[str, Any],
        on_eval: Callable[[int, bool], None] | None = None,
    ):
        self.scenario, self.names, self.moments = scenario, list(names), moments
        self.seeds, self.cache, self.executor, self.fixed = list(seeds), cache, executor, fixed
        self.on_eval = on_eval
        self.n_simulations = 0  # simulations run (not from the cache)
        self.n_evaluations = 0
        self.seconds = 0.0
        self.lock = threading.Lock()
        self.touched: set[tuple[tuple[float, ...], int]] = set()  # distinct (parameters, seed) used

    def per_seed(self, x: np.ndarray, seeds: Sequence[int] | None = None) -> np.ndarray:
        """Moments by seed (seeds x moments) at parameter vector ``x``, for the candidates' seeds
        or ``seeds``."""
        seeds = self.seeds if seeds is None else list(seeds)
        params = {n: float(v) for n, v in zip(self.names, x, strict=True)}
        self.touched.update((tuple(params.values()), s) for s in seeds)
        rows: dict[int, np.ndarray] = {}
        todo = []
        for s in seeds:
            hit = self.cache.get(params, s)
            if hit is None:
                todo.append(s)
            else:
                rows[s] = hit
        overrides = {**self.fixed, **params}
        t0 = time.perf_counter()
        futures = {
            s: self.executor.submit(simulate_one, self.scenario, s, overrides, self.moments) for s in todo
        }
        for s, fut in futures.items():
            rows[s] = np.asarray(fut.result(), dtype=float)
            self.cache.put(params, s, rows[s], time.perf_counter() - t0)
        with self.lock:  # candidates may be simulated from several threads (optimagic's lanes)
            self.n_simulations += len(todo)
            self.seconds += time.perf_counter() - t0
            self.n_evaluations += 1
            if self.on_eval is not None:
                self.on_eval(len(todo), not todo)
        return np.array([rows[s] for s in seeds])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.per_seed(x).mean(axis=0)


def usable(moments: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """The moments the replay can simulate: those of its years."""
    inside = moments[(moments["year"] >= first_year) & (moments["year"] <= last_year)].copy()
    return inside.reset_index(drop=True)


def _replay(setup: Setup) -> tuple[dict, int, int]:
    sc = scenario_mod.load(setup.scenario)
    # plant-tied draws: every candidate shares its seeds' numbers plant by plant (common random numbers)
    base = {"run.firms": setup.firms, "run.plant_draws": True}
    sc = sc.with_overrides({**base, **setup.extra_overrides}, source="ptsim estimate")
    start = int(sc.params["run.start"][:4])
    steps = int(sc.params["run.steps"])
    last = start + (steps - 1) // 4  # quarters from start Q1
    return scenario_dict(sc), start, last


def estimate(
    setup: Setup,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Estimate:
    """Run the estimation, write ``out/estimate.json`` and return it; rerun on the same ``out``
    to resume (simulations already done come from ``out/cache``)."""
    with warnings.catch_warnings():  # estimagic 0.5.4 calls a numpy helper deprecated in numpy 2.4
        warnings.simplefilter("ignore", DeprecationWarning)
        em = require("estimagic", "estimate")  # optimagic's estimation functions (same wheel)
    om = require("optimagic", "estimate")

    scenario, first, last = _replay(setup)
    observed = mom.load_observed() if setup.observed is None else setup.observed
    table = usable(observed, first, last)
    table["used"] = table["year"] <= setup.fit_until
    fit = table[table["used"]].reset_index(drop=True)
    if len(fit) < len(setup.parameters):
        raise EstimationError(
            "--fit-until",
            f"--fit-until {setup.fit_until}: {len(fit)} moments for {len(setup.parameters)} parameters; "
            "the MSM needs at least as many moments as parameters",
        )
    if setup.seeds < 2:
        raise EstimationError("--seeds", "at least 2: the simulation variance is measured from their spread")
    names = list(setup.parameters)
    lo = np.array([BOUNDS[p][0] for p in names])
    hi = np.array([BOUNDS[p][1] for p in names])
    start = np.clip(np.array([float(setup.start.get(p, BY_KEY[p].default)) for p in names]), lo, hi)
    ctx = context_key(scenario, list(table["name"]), setup.firms, setup.extra_overrides, mom.REL_SD)
    cache = MomentCache(Path(out) / "cache", ctx, list(table["name"]))
    used = table["used"].to_numpy()
    bar = tqdm(total=None, desc="ptsim estimate", unit="eval", disable=not progress, dynamic_ncols=True)

    def on_eval(ran: int, cached: bool) -> None:
        bar.update(1)
        bar.set_postfix(simulations=sim.n_simulations, cached=cache.hits)

    t0 = time.perf_counter()
    lanes = max(1, setup.lanes)
    with backend(workers, scheduler).open() as executor:
        sim = Simulator(scenario, names, table, setup.seed_list(), cache, executor, {}, on_eval)
        data_cov = _data_cov(setup, fit)
        simulate = lambda u: sim(lo + u * (hi - lo))[used]  # noqa: E731 (the search runs in the unit box)
        common = dict(
            simulate_moments=simulate,
            empirical_moments=fit["observed"].to_numpy(),
            bounds=om.Bounds(lower=np.zeros(len(names)), upper=np.ones(len(names))),
            jacobian_numdiff_options=om.NumdiffOptions(
                method="central", step_size=STEP_SHARE, n_cores=lanes, batch_evaluator="threading"
            ),
        )
        cov = data_cov + _simulation_cov(sim.per_seed(start, setup.noise_seed_list())[:, used], setup.seeds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            found = em.estimate_msm(
                **common,
                moments_cov=cov,
                params=(start - lo) / (hi - lo),
                optimize_options={
                    "algorithm": "scipy_neldermead",
                    "algo_options": {
                        "stopping_maxfun": max(1, (setup.max_evaluations - setup.explore) // LOCAL_RUNS),
                        "convergence_xtol_abs": 0.01,
                        "convergence_ftol_abs": 0.01,
                    },
                    "multistart": om.MultistartOptions(
                        n_samples=setup.explore,
                        stopping_maxopt=LOCAL_RUNS,
                        sampling_method="sobol",
                        # one candidate at a time (optimagic explores with joblib processes when
                        # n_cores > 1, which cannot carry the executor): the seeds run in parallel
                        n_cores=1,
                        seed=0,
                    ),
                },
            )
            # the simulation noise grows with the moves the parameters make: measured again at the
            # estimate, it gives the standard errors (no search: optimize_options=False)
            est_u = np.asarray(found.params, dtype=float)
            est_x = lo + est_u * (hi - lo)
            noise = _simulation_cov(sim.per_seed(est_x, setup.noise_seed_list())[:, used], setup.seeds)
            res = em.estimate_msm(
                **common, moments_cov=data_cov + noise, params=est_u, optimize_options=False
            )
        simulated = sim(est_x)  # from the cache
    bar.close()
    return _write(
        setup,
        out,
        res,
        found.optimize_result,
        names,
        est_x,
        table,
        simulated,
        lo,
        hi,
        sim,
        time.perf_counter() - t0,
    )


def _data_cov(setup: Setup, fit: pd.DataFrame) -> np.ndarray:
    """Covariance of the observed moments ``fit`` (in their order): the given one, else diagonal."""
    if setup.observed_cov is None:
        return np.diag(fit["sd"].to_numpy() ** 2)
    names = list(fit["name"])
    return setup.observed_cov.loc[names, names].to_numpy(dtype=float)


def _simulation_cov(runs: np.ndarray, seeds: int) -> np.ndarray:
    """Covariance of a mean of ``seeds`` runs, from ``runs`` (runs x moments; pairwise where a
    moment is missing in a run, 0 where it cannot be measured)."""
    full = pd.DataFrame(runs).cov(min_periods=2).to_numpy()
    return np.where(np.isfinite(full), full, 0.0) / seeds


def _sensitivity(res: Any, names: list[str], moment_names: list[str], width: np.ndarray) -> dict[str, Any]:
    """AGS sensitivity (bias: change of each estimate, in its own unit, per unit of bias in a
    moment), the precision lost when a moment is removed, and the Jacobian of the moments (per unit
    of each parameter); the identification diagnostics of docs/estimation.md."""
    out: dict[str, Any] = {}
    for kind in ("bias", "removal"):
        try:
            m = np.asarray(res.sensitivity(kind=kind, return_type="array"), dtype=float)
        except (np.linalg.LinAlgError, ValueError) as exc:
            out[kind] = f"not available: {exc}"
            continue
        if kind == "bias":
            m = m * width[:, None]
        out[kind] = {p: dict(zip(moment_names, map(_num, m[i]), strict=True)) for i, p in enumerate(names)}
    jac = np.asarray(res.jacobian, dtype=float) / width[None, :]
    out["jacobian"] = {
        m: dict(zip(names, map(_num, jac[j]), strict=True)) for j, m in enumerate(moment_names)
    }
    w = np.asarray(res.weights, dtype=float)
    info = (jac * width).T @ w @ (jac * width)  # in the unit box: comparable across parameters
    out["information_condition_number"] = _num(np.linalg.cond(info))
    out["information_eigenvalues"] = [_num(v) for v in np.linalg.eigvalsh(info)]
    return out


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _write(
    setup: Setup,
    out: Path,
    res: Any,
    opt: Any,
    names: list[str],
    x: np.ndarray,
    table: pd.DataFrame,
    simulated: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    sim: Simulator,
    seconds: float,
) -> Estimate:
    width = hi - lo  # the search ran on u = (x - lo) / width, in the unit box
    cov = np.asarray(res.cov(return_type="array"), dtype=float) * np.outer(width, width)
    cov = np.where(np.isfinite(cov), cov, 0.0)
    cov = (cov + cov.T) / 2
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    # a parameter no moment responds to (its Jacobian column is zero) is not identified: optimagic's
    # pseudo-inverse then reports a variance of 0, which would read as certainty; its se is NaN
    # and its row of the covariance 0 (draws keep it at the estimate)
    jac = np.asarray(res.jacobian, dtype=float)
    w = np.asarray(res.weights, dtype=float)
    info = np.einsum("ki,kl,li->i", jac, w, jac)
    lost = info < NOT_IDENTIFIED * max(float(info.max()), 1e-300)
    se = np.where(lost, np.nan, se)
    cov[lost, :] = 0.0
    cov[:, lost] = 0.0
    used = table["used"].to_numpy()
    moments = [
        {
            "name": r.name,
            "observed": float(r.observed),
            "simulated": _num(s),
            "sd": float(r.sd),
            "used": bool(r.used),
            "kind": r.kind,
            "where": r.where,
            "year": int(r.year),
            "months": int(r.months),
            "flow": r.flow,
            "confidence": r.confidence,
            "source": r.source,
        }
        for r, s in zip(table.itertuples(), simulated, strict=True)
    ]
    est = Estimate(
        method="method of simulated moments (estimate_msm, diagonal weights, Sobol exploration + "
        "Nelder-Mead, common random numbers)",
        library=f"{LIBRARY} {_version('optimagic')}",
        scenario=_relative(setup.scenario),
        fit_until=setup.fit_until,
        parameters=names,
        estimate={p: float(v) for p, v in zip(names, x, strict=True)},
        se={p: float(v) for p, v in zip(names, se, strict=True)},
        covariance=cov.tolist(),
        n_simulations=len(sim.touched),
        moments=moments,
        sensitivity=_sensitivity(res, names, list(table.loc[used, "name"]), width),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ptsim_version=_version("processing-trade-sim"),
        bounds={p: [float(a), float(b)] for p, a, b in zip(names, lo, hi, strict=True)},
        settings={
            "firms": setup.firms,
            "seeds": setup.seed_list(),
            "max_evaluations": setup.max_evaluations,
            "evaluations": sim.n_evaluations,
            "simulations_run_now": sim.n_simulations,
            "simulations_from_cache": sim.cache.hits,
            "seconds": round(seconds, 1),
            "criterion": _num(float(opt.fun)) if opt is not None else None,
            "optimizer_message": str(getattr(opt, "message", "")),
            "moment_sd_rule": "moments.REL_SD by confidence, +10% partial year, +5% trade vs exports",
            "extra_overrides": setup.extra_overrides,
            "not_identified": [p for p, gone in zip(names, lost, strict=True) if gone],
        },
    )
    write_estimate(est, Path(out) / "estimate.json")
    return est


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def _relative(path: Path) -> str:
    root = SCENARIO.parents[2]
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
