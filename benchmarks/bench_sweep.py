"""Benchmark: sweep throughput (runs per minute) with 1 and 2 local worker processes.

Each configuration runs the same sweep (the baseline, 10,000 firms, 48 quarters, ``--runs`` seeds)
through :func:`simulation.sweep.engine.run_sweep` into a temporary folder, in a fresh Python process
(as ``ptsim sweep`` would), so the time includes starting the pool (about 2 s: the workers import
numpy, pandas and pyarrow), writing every run's Parquet parts and record, and the summary; short
sweeps therefore show lower speed-ups than long ones. Prints a table and writes
``benchmarks/sweep.json``. Usage::

    python benchmarks/bench_sweep.py [--runs 120] [--workers 1 2] [--firms 10000] [--steps 48]
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


def measure(workers: int, runs: int, firms: int, steps: int) -> dict:
    """Run the sweep once; runs per minute and the mean wall time of one run (s)."""
    from simulation.sweep import design
    from simulation.sweep.engine import run_sweep
    from simulation.sweep.executors import backend
    from simulation.sweep.spec import SweepSpec, load_scenarios

    fixed = {"run.firms": firms, "run.steps": steps}
    scenarios = load_scenarios([HERE.parent / "scenarios" / "baseline.toml"], fixed)
    spec = SweepSpec("bench", scenarios, design.build([], [], None, None, 0), runs, 20240101, fixed)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_sweep(spec, Path(tmp) / "out", backend(workers), progress=False)
        wall = time.perf_counter() - t0
    assert result.failed == 0, "benchmark runs failed"
    return {
        "workers": workers,
        "runs": runs,
        "firms": firms,
        "steps": steps,
        "wall_s": wall,
        "runs_per_minute": 60 * runs / wall,
        "mean_run_s": float(result.summary["wall_time_s"].mean()),
    }


def _in_fresh_process(workers: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", "--workers", str(workers), "--runs", str(args.runs)]
    cmd += ["--firms", str(args.firms), "--steps", str(args.steps)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=120, help="runs per configuration (seeds)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--firms", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=48)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.workers[0], args.runs, args.firms, args.steps)))
        return
    rows = [_in_fresh_process(w, args) for w in args.workers]
    base = rows[0]
    for r in rows:  # parallel efficiency against the first configuration
        r["speed_up"] = r["runs_per_minute"] / base["runs_per_minute"]
        r["efficiency"] = r["speed_up"] * base["workers"] / r["workers"]
    cores = os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    print(f"sweep of {args.runs} runs, {args.firms:,} firms x {args.steps} quarters each")
    print(f"{'workers':>8} {'wall s':>8} {'runs/min':>9} {'s/run':>7} {'speed-up':>9} {'efficiency':>11}")
    for r in rows:
        print(
            f"{r['workers']:>8} {r['wall_s']:>8.1f} {r['runs_per_minute']:>9.1f} {r['mean_run_s']:>7.2f} "
            f"{r['speed_up']:>9.2f} {r['efficiency']:>11.0%}"
        )
    (HERE / "sweep.json").write_text(
        json.dumps({"machine": platform.platform(), "cores": cores, "rows": rows}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
