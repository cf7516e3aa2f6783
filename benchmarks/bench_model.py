"""Benchmark: model set-up, seconds per step and peak memory by number of firms.

Each size runs in a fresh process so that peak memory (max RSS) is its own. Prints a table and
writes ``benchmarks/model.json``. Usage: ``python benchmarks/bench_model.py [--firms 10000 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(firms: int, steps: int) -> dict:
    """Run the baseline once in this process and return timings (s) and peak RSS (MiB)."""
    from simulation import scenario
    from simulation.model import RelocationModel

    sc = scenario.load(HERE.parent / "scenarios" / "baseline.toml", {"run.firms": firms, "run.steps": steps})
    t0 = time.perf_counter()
    model = RelocationModel(sc)
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "firms": firms,
        "steps": steps,
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "per_step_s": (t2 - t1) / steps,
        "total_s": t2 - t0,
        "peak_rss_mib": rss,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--steps", type=int, default=48)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.firms[0], args.steps)))
        return
    rows = []
    for n in args.firms:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--firms", str(n), "--steps", str(args.steps)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = ("firms", "steps", "set-up s", "s/step", "run s", "total s", "peak MiB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (10, 6, 9, 8, 7, 8, 9), strict=True)))
    for r in rows:
        print(
            f"{r['firms']:>10,} {r['steps']:>6} {r['setup_s']:>9.2f} {r['per_step_s']:>8.4f} "
            f"{r['run_s']:>7.2f} {r['total_s']:>8.2f} {r['peak_rss_mib']:>9.0f}"
        )
    (HERE / "model.json").write_text(
        json.dumps({"machine": platform.platform(), "rows": rows}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
