"""Benchmark: how the model's time and memory grow with firms and with provinces.

Each measurement runs in a fresh process so that its peak memory (max RSS) is its own. By default
every lever is on (``scenarios/full_package.toml``), 48 quarters, for 1,000 to 1,000,000 firms;
``--provinces`` adds a scan over custom worlds of 8 to 124 provinces (copies of China's provinces,
baseline without levers, 100,000 firms). Prints tables with the log-log slopes and writes
``benchmarks/model.json``.

    python benchmarks/bench_model.py
    python benchmarks/bench_model.py --firms 10000 100000 --provinces 8 16 31 62
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

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"


def world_of(n: int) -> dict:
    """A custom world of ``n`` provinces: China's rows repeated, names made unique, nudged apart."""
    from simulation.geography import NUMERIC_DEFAULTS, load_china

    china = load_china()
    rows = []
    for i in range(n):
        r = i % china.n
        row = {"province": f"{china.names[r]}-{i // china.n}", "region": str(china.region[r])}
        row["lat"] = float(china.columns["lat"][r]) + 0.5 * (i // china.n)
        row["lon"] = float(china.columns["lon"][r]) + 0.5 * (i // china.n)
        for col in NUMERIC_DEFAULTS:
            row[col] = float(china.columns[col][r])
        rows.append(row)
    return {"name": f"china-x{n}", "provinces": rows}


def scenario_for(firms: int, steps: int, provinces: int | None):
    from simulation import scenario

    if provinces is None:
        return scenario.load(SCENARIOS / "full_package.toml", {"run.firms": firms, "run.steps": steps})
    raw = {"run": {"firms": firms, "steps": steps}, "world": world_of(provinces)}
    return scenario.from_dict(raw, f"<{provinces} provinces>")


def measure(firms: int, steps: int, provinces: int | None) -> dict:
    """Build and run one model in this process; timings (s) and peak RSS (MiB)."""
    from simulation.model import RelocationModel

    sc = scenario_for(firms, steps, provinces)
    t0 = time.perf_counter()
    model = RelocationModel(sc)
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {
        "firms": firms,
        "provinces": model.world.n,
        "steps": steps,
        "levers": len(model.lever_plan.masks),
        "setup_s": t1 - t0,
        "per_step_s": (t2 - t1) / steps,
        "total_s": t2 - t0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_child(firms: int, steps: int, provinces: int | None) -> dict:
    args = [sys.executable, __file__, "--child", "--firms", str(firms), "--steps", str(steps)]
    if provinces is not None:
        args += ["--provinces", str(provinces)]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y on log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0]) if len(x) > 1 else float("nan")


def print_rows(rows: list[dict]) -> None:
    header = ("firms", "provinces", "levers", "set-up s", "s/step", "total s", "peak MiB")
    print(" ".join(f"{h:>10}" for h in header))
    for r in rows:
        print(
            f"{r['firms']:>10,} {r['provinces']:>10} {r['levers']:>10} {r['setup_s']:>10.2f} "
            f"{r['per_step_s']:>10.4f} {r['total_s']:>10.2f} {r['peak_rss_mib']:>10.0f}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--firms", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    p.add_argument("--steps", type=int, default=48)
    p.add_argument("--provinces", type=int, nargs="*", default=None, help="also scan these world sizes")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        prov = args.provinces[0] if args.provinces else None
        print(json.dumps(measure(args.firms[0], args.steps, prov)))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = [in_child(n, args.steps, None) for n in args.firms]
    print("\nall levers on (scenarios/full_package.toml):")
    print_rows(rows)
    big = [r for r in rows if r["firms"] >= 10_000]
    result = {
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "firms": rows,
        "slope_step_vs_firms": slope([r["firms"] for r in big], [r["per_step_s"] for r in big]),
        "slope_total_vs_firms": slope([r["firms"] for r in big], [r["total_s"] for r in big]),
    }
    print(
        f"log-log slope over 10,000+ firms: per step {result['slope_step_vs_firms']:.2f}, "
        f"whole run {result['slope_total_vs_firms']:.2f}"
    )
    if args.provinces:
        prov = [in_child(100_000, args.steps, n) for n in args.provinces]
        print("\nbaseline in worlds of copied provinces, 100,000 firms:")
        print_rows(prov)
        result["provinces"] = prov
        result["slope_step_vs_provinces"] = slope(
            [r["provinces"] for r in prov], [r["per_step_s"] for r in prov]
        )
        print(f"log-log slope of the step over provinces: {result['slope_step_vs_provinces']:.2f}")
    (HERE / "model.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
