"""Benchmark: the vectorised model against the naive per-agent reference (``reference.py``).

Both run the same scenario (all levers on) from the same seeds. Speed: seconds per quarterly
decision (``_transition``: reviews, choices, moves) and per whole step. Agreement: the inland
employment share and the number of relocations after the run, over several seeds, compared with a
Welch t-test (the two implementations draw their random numbers in a different order, so they
agree in distribution, not draw by draw). Prints a table and writes ``benchmarks/reference.json``.

    python benchmarks/bench_reference.py [--firms 2000] [--steps 12] [--seeds 8]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from reference import PerAgentModel  # noqa: E402


class Timed:
    """Wraps ``model._transition`` to add up the seconds spent in decisions."""

    def __init__(self, model):
        self.seconds, self.inner = 0.0, model._transition
        model._transition = self

    def __call__(self, *args):
        t0 = time.perf_counter()
        out = self.inner(*args)
        self.seconds += time.perf_counter() - t0
        return out


def run(cls, sc) -> dict:
    model = cls(sc)
    timer = Timed(model)
    t0 = time.perf_counter()
    for _ in range(sc.params["run.steps"]):
        model.step()
    steps = sc.params["run.steps"]
    return {
        "inland_share": model.inland_employment_share(),
        "relocations": int(sum(r["relocations_in"].sum() for r in model.recorder.steps[1:])),
        "decision_s": timer.seconds / steps,
        "step_s": (time.perf_counter() - t0) / steps,
    }


def compare(firms: int, steps: int, seeds: int) -> dict:
    from simulation import scenario
    from simulation.model import RelocationModel

    base = scenario.load(
        HERE.parent / "scenarios" / "full_package.toml", {"run.firms": firms, "run.steps": steps}
    )
    rows = {"vectorised": [], "per_agent": []}
    for seed in range(seeds):
        sc = base.with_overrides({"run.seed": seed})
        rows["vectorised"].append(run(RelocationModel, sc))
        rows["per_agent"].append(run(PerAgentModel, sc))
    out = {"firms": firms, "steps": steps, "seeds": seeds}
    for key in ("inland_share", "relocations"):
        a = [r[key] for r in rows["vectorised"]]
        b = [r[key] for r in rows["per_agent"]]
        out[key] = {"vectorised_mean": float(np.mean(a)), "per_agent_mean": float(np.mean(b)),
                    "welch_p": float(stats.ttest_ind(a, b, equal_var=False).pvalue)}  # fmt: skip
    for key in ("decision_s", "step_s"):
        v = float(np.mean([r[key] for r in rows["vectorised"]]))
        p = float(np.mean([r[key] for r in rows["per_agent"]]))
        out[key] = {"vectorised": v, "per_agent": p, "speed_ratio": p / v}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--firms", type=int, default=2000)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--seeds", type=int, default=8)
    args = p.parse_args()
    r = compare(args.firms, args.steps, args.seeds)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"{r['firms']:,} firms x {r['steps']} quarters x {r['seeds']} seeds, all levers on")
    for key in ("inland_share", "relocations"):
        x = r[key]
        print(f"{key:>14}: vectorised {x['vectorised_mean']:.4g}, per-agent {x['per_agent_mean']:.4g}, "
              f"Welch p = {x['welch_p']:.2f}")  # fmt: skip
    for key in ("decision_s", "step_s"):
        x = r[key]
        v, a = x["vectorised"] * 1e3, x["per_agent"] * 1e3
        print(f"{key:>14}: vectorised {v:.2f} ms, per-agent {a:.1f} ms, ratio {x['speed_ratio']:.0f}x")
    (HERE / "reference.json").write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
