"""Benchmark: throughput of ``ptsim estimate`` (simulations and candidate evaluations per minute)
with 1 and 2 local worker processes.

Each configuration evaluates the same ``--points`` candidate parameter vectors (a Sobol' sample of
the estimation's box) with ``--seeds`` seeds each, at the default size (8,000 firms, the 44 quarters
of the 2011-2021 replay), through the estimator's own :class:`~simulation.estimation.msm.Simulator`
with an empty cache, in a fresh Python process (so the time includes starting the pool). Prints a
table and writes ``benchmarks/estimate.json``. Usage::

    python benchmarks/bench_estimate.py [--points 8] [--seeds 3] [--workers 1 2] [--firms 8000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(workers: int, points: int, seeds: int, firms: int) -> dict:
    """Evaluate ``points`` candidates x ``seeds`` seeds; wall time and throughput."""
    import numpy as np
    from scipy.stats import qmc

    from simulation.estimation import moments as mom
    from simulation.estimation import msm
    from simulation.estimation.cache import MomentCache
    from simulation.sweep.executors import backend

    setup = msm.Setup(firms=firms, seeds=seeds)
    scenario, first, last = msm._replay(setup)
    table = msm.usable(mom.load_observed(), first, last)
    names = list(setup.parameters)
    lo = np.array([msm.BOUNDS[p][0] for p in names])
    hi = np.array([msm.BOUNDS[p][1] for p in names])
    xs = lo + qmc.Sobol(len(names), seed=0).random(points) * (hi - lo)
    with tempfile.TemporaryDirectory() as tmp:
        cache = MomentCache(Path(tmp), "bench", list(table["name"]))
        t0 = time.perf_counter()
        with backend(workers).open() as executor:
            sim = msm.Simulator(scenario, names, table, setup.seed_list(), cache, executor, {})
            for x in xs:
                sim(x)
        wall = time.perf_counter() - t0
    return {
        "workers": workers,
        "points": points,
        "seeds": seeds,
        "firms": firms,
        "simulations": sim.n_simulations,
        "wall_s": wall,
        "simulations_per_minute": 60 * sim.n_simulations / wall,
        "evaluations_per_minute": 60 * points / wall,
    }


def _in_fresh_process(workers: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", "--workers", str(workers), "--points", str(args.points)]
    cmd += ["--seeds", str(args.seeds), "--firms", str(args.firms)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=8, help="candidate parameter vectors")
    p.add_argument("--seeds", type=int, default=3, help="seeds per candidate (the estimate's default)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--firms", type=int, default=8_000)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.workers[0], args.points, args.seeds, args.firms)))
        return
    rows = [_in_fresh_process(w, args) for w in args.workers]
    base = rows[0]
    for r in rows:
        r["speed_up"] = r["simulations_per_minute"] / base["simulations_per_minute"]
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{args.points} candidates x {args.seeds} seeds, {args.firms:,} firms, 2011Q1-2021Q4; load {load:.1f}"
    )
    print(f"{'workers':>8} {'wall s':>8} {'sims/min':>9} {'evals/min':>10} {'speed-up':>9}")
    for r in rows:
        print(
            f"{r['workers']:>8} {r['wall_s']:>8.1f} {r['simulations_per_minute']:>9.1f} "
            f"{r['evaluations_per_minute']:>10.2f} {r['speed_up']:>9.2f}"
        )
    info = {"machine": platform.platform(), "cores": os.cpu_count(), "load_average_1min": load, "rows": rows}
    (HERE / "estimate.json").write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    main()
