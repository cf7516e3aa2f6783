"""Start-up time of the ``ptsim`` command: ``ptsim --help`` and ``ptsim validate`` (issue 12, item 6).

Each command runs in a fresh process, as a user types it, ``--repeat`` times; prints the median and
the best wall time, and how many of the heavy libraries the command imported. Also times Python
doing nothing, the floor no command can go below.

    python benchmarks/bench_cli.py [--repeat 15] [--scenario scenarios/baseline.toml] [--repo DIR]

The commands run as ``python -m simulation`` (what the ``ptsim`` script does) in ``--repo``, by
default this repository; point it at an export of an older commit (``git archive``) to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "pandas", "pyarrow", "scipy", "mesa")
# Runs the command in-process the way the ptsim script does, then reports the heavy modules loaded.
PROBE = (
    "import contextlib, io, sys\n"
    "from simulation import cli\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n"
    "        cli.main(sys.argv[1:])\n"
    "    except SystemExit:\n"
    "        pass\n"
    f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
)


def wall_times(argv: list[str], repeat: int, repo: Path) -> list[float]:
    """Seconds of ``repeat`` fresh runs of ``argv`` in ``repo`` (output discarded)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=repo)
        times.append(time.perf_counter() - t0)
    return times


def heavy_imports(args: list[str], repo: Path) -> list[str]:
    """The heavy libraries ``ptsim ARGS`` imports."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], check=True, capture_output=True, text=True, cwd=repo
    )
    return out.stdout.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--scenario", default="scenarios/baseline.toml")
    ap.add_argument("--repo", type=Path, default=REPO, help="checkout to run in (default: this one)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    ptsim = [sys.executable, "-m", "simulation"]
    cases = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "ptsim --help": ([*ptsim, "--help"], ["--help"]),
        f"ptsim validate {args.scenario}": ([*ptsim, "validate", args.scenario], ["validate", args.scenario]),
    }
    rows = {}
    print(f"{'command':48}{'median s':>10}{'best s':>9}  heavy imports")
    for name, (argv, cli_args) in cases.items():
        times = wall_times(argv, args.repeat, args.repo)
        heavy = [] if cli_args is None else heavy_imports(cli_args, args.repo)
        rows[name] = {"median_s": statistics.median(times), "best_s": min(times), "heavy": heavy}
        print(f"{name:48}{rows[name]['median_s']:>10.3f}{min(times):>9.3f}  {' '.join(heavy) or '-'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
