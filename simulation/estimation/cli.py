"""``ptsim estimate``: the behavioural parameters by the method of simulated moments (docs/estimation.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from simulation.estimation.space import BOUNDS, SCENARIO
from simulation.sweep.errors import SweepError, require

if TYPE_CHECKING:
    from simulation.estimation import msm
    from simulation.estimation.estimate_file import Estimate

MAX_SEEDS = 64


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``estimate`` to the ``ptsim`` subcommands."""
    es = sub.add_parser(
        "estimate",
        help="estimate the behavioural parameters on the 2011-2021 panel (method of simulated moments)",
        description="Fit the replay scenarios/history/backcast_2011.toml to the historical panel "
        "(simulation/data/history/) by the method of simulated moments (optimagic's estimate_msm): "
        "derivative-free search, MSM standard errors, sensitivity of each estimate to each moment. "
        "Writes DIR/estimate.json; rerun on the same --out to resume from DIR/cache.",
    )
    es.add_argument(
        "--fit-until", type=int, default=2019, metavar="YEAR", help="last year fitted (default 2019)"
    )
    es.add_argument(
        "--seeds", type=int, default=3, metavar="N", help="seeds per candidate, the same for all (3)"
    )
    es.add_argument("--firms", type=int, default=8_000, metavar="N", help="synthetic firms per run (8000)")
    es.add_argument(
        "--max-evals", type=int, default=120, metavar="N", help="optimiser's evaluations at most (120)"
    )
    es.add_argument(
        "--explore", type=int, default=36, metavar="N", help="Sobol' points before the local searches (36)"
    )
    es.add_argument(
        "--params",
        default=",".join(BOUNDS),
        metavar="KEY,KEY",
        help=f"parameters to estimate (default: all of {', '.join(BOUNDS)})",
    )
    es.add_argument("--scenario", type=Path, default=SCENARIO, help="the replay scenario")
    es.add_argument("--workers", type=int, help="local processes (default: the cores; 0 = this process)")
    es.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler tcp://HOST:PORT instead of local workers"
    )
    es.add_argument(
        "--out", type=Path, help="output folder (default results/estimate_fit_YEAR); resumes if it exists"
    )
    es.add_argument("--quiet", action="store_true", help="no progress bar")
    es.set_defaults(func=_cmd_estimate)


def setup_from(args: argparse.Namespace) -> msm.Setup:
    """The :class:`~simulation.estimation.msm.Setup` of the command line, checked."""
    from simulation.estimation import msm

    params = tuple(p.strip() for p in args.params.split(",") if p.strip())
    for p in params:
        if p not in BOUNDS:
            raise SweepError("--params", p, f"must be some of {', '.join(BOUNDS)}")
    if len(set(params)) != len(params) or not params:
        raise SweepError("--params", args.params, "a non-empty list without repeats")
    if not 2 <= args.seeds <= MAX_SEEDS:
        raise SweepError(
            "--seeds", str(args.seeds), f"must be 2..{MAX_SEEDS} (their spread is the simulation noise)"
        )
    if not 10 <= args.firms <= 5_000_000:
        raise SweepError("--firms", str(args.firms), "must be 10..5,000,000")
    if not 1 <= args.explore < args.max_evals:
        raise SweepError("--explore", str(args.explore), f"must be 1..--max-evals - 1 ({args.max_evals - 1})")
    if not 2011 <= args.fit_until <= 2100:
        raise SweepError("--fit-until", str(args.fit_until), "must be a year from 2011 (the replay's start)")
    return msm.Setup(
        scenario=args.scenario,
        fit_until=args.fit_until,
        seeds=args.seeds,
        firms=args.firms,
        parameters=params,
        max_evaluations=args.max_evals,
        explore=args.explore,
    )


def _cmd_estimate(args: argparse.Namespace) -> int:
    from simulation.estimation import msm

    require("optimagic", "estimate")
    setup = setup_from(args)
    out = args.out or Path("results") / f"estimate_fit_{setup.fit_until}"
    if out.exists() and not out.is_dir():
        raise SweepError("--out", str(out), "must be a folder (it exists as a file)")
    try:
        est = msm.estimate(
            setup, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
        )
    except msm.EstimationError as exc:
        raise SweepError("ptsim estimate", exc.key, str(exc)) from None
    print(report(est))
    print(f"wrote {out / 'estimate.json'}")
    return 0


def report(est: Estimate) -> str:
    """The estimates with standard errors and the fit, as text."""
    lines = [f"{est.method}; {est.library}; {est.n_simulations} simulations", "", "parameter  estimate  se"]
    lines += [f"  {p}  {est.estimate[p]:.4g}  {est.se[p]:.3g}" for p in est.parameters]
    lines += ["", "moment  observed  simulated  sd  (* = held out)"]
    for m in est.moments:
        sim = "nan" if m["simulated"] is None else f"{m['simulated']:.3g}"
        lines.append(
            f"  {m['name']}{'' if m.get('used', True) else ' *'}  {m['observed']:.3g}  {sim}  {m['sd']:.2g}"
        )
    return "\n".join(lines)
