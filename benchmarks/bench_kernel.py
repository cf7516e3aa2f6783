"""Benchmark: the model's decision and whole step against a bare numpy kernel.

The bare kernel does only the arithmetic of the quarterly decision, on arrays prepared beforehand
(not timed), written as an expert would write it in plain numpy (flat gathers by cell, sums over
the sector segments): every firm's after-tax margin where it is, the sector means, the review
hazard and draw, then for every reviewing firm the after-tax margin, moving cost and utility of
every province and the Gumbel-max draw. The model's *decision* (the hot step) is the same work done
by the model's own method (``RelocationModel.decide``: review hazard, knowledge, consideration
sets, utilities of the considered provinces, logit draw); its *step* is everything a quarter
does, timed phase by phase: levers and inputs, unit costs, decision, moves and the park lottery,
entry, exit and moves abroad,
factor prices, recording (aggregates, fiscal accounts, channel decomposition). Prints the times
and ratios and writes ``benchmarks/kernel.json``.

    python benchmarks/bench_kernel.py [--firms 100000]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from simulation.decision import annuity

HERE = Path(__file__).resolve().parent


def prepared(model) -> dict:
    """The arrays the kernel needs, taken from the model's current state."""
    f, unit, p = model.firms, model.unit, model.params
    avail = model.park_availability()
    counts = model.firm_counts()
    kappa = model.sectors.col("capital_output_ratio")
    s_n, r_n = counts.shape
    starts = np.flatnonzero(np.concatenate(([True], f.sector[1:] != f.sector[:-1])))
    return {
        "A": unit.fixed_part(model.gross_margin),
        "B": unit.labour + unit.land * (1 - p["parks.rent_discount"] * avail)[None, :],
        "tax": unit.tax_rate,
        "ded": unit.rd_deduction,
        "sector": f.sector,
        "loc": f.location,
        "cell": f.sector * r_n + f.location,
        "inv_phi": 1.0 / f.productivity,
        "output": f.output,
        "starts": starts,  # firms are stored sorted by sector
        "sector_output": np.add.reduceat(f.output, starts),
        "move": annuity(p) * p["behaviour.relocation_cost_share"] * kappa,  # (S,) per yuan
        "setup": 1 - p["parks.setup_discount"] * avail,  # (R,)
        "agglo": p["agglomeration.gamma"] * np.log(counts * model.firm_scale + p["agglomeration.offset"]),
        "alpha": model.alpha,
        "mu": p["behaviour.logit_scale"],
        "hazard": (p["behaviour.review_hazard"], p["behaviour.hazard_gap_slope"], p["behaviour.max_hazard"]),
    }


def kernel(k: dict, rng: np.random.Generator) -> np.ndarray:
    """The bare decision; returns the chosen province of each reviewing firm."""
    s, cell, inv_phi = k["sector"], k["cell"], k["inv_phi"]
    pre = k["A"].ravel().take(cell) - k["B"].ravel().take(cell) * inv_phi
    post = pre - k["tax"].take(k["loc"]) * np.maximum(pre - k["ded"].ravel().take(cell), 0.0)
    mean = np.add.reduceat(post * k["output"], k["starts"]) / k["sector_output"]
    h0, slope, hmax = k["hazard"]
    hazard = np.minimum(h0 * (1 + slope * np.maximum((mean[s] - post) / k["mu"], 0)), hmax)
    rev = np.flatnonzero(rng.random(len(s)) < hazard)
    sr = s[rev]
    pre_r = k["A"][sr] - k["B"][sr] * inv_phi[rev, None]
    post_r = pre_r - k["tax"][None, :] * np.maximum(pre_r - k["ded"][sr], 0.0)
    mc = k["move"][sr, None] * k["setup"][None, :]
    utility = (post_r - mc) / k["mu"] + k["agglo"][sr] + k["alpha"][sr]
    return (utility + rng.gumbel(size=utility.shape)).argmax(axis=1)


def decision(model, rng: np.random.Generator) -> np.ndarray:
    """The model's own decision at its current state (``decide``), without moving anyone."""
    return model.decide(rng, model.unit)[1]


def best_of(fn, repeat: int = 7) -> float:
    """Shortest of ``repeat`` timings (s): the least disturbed by other work on the machine."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


PHASES = {
    "_update_inputs": "levers and inputs",
    "_update_factor_prices": "factor prices",
    "unit_costs": "unit costs",
    "_transition": "decision",
    "_relocate": "moves and park lottery",
    "_turnover": "entry, exit and abroad",
}


def step_phases(model, steps: int = 20) -> dict[str, float]:
    """Mean seconds per step in each phase of ``model.step``, by timing the model's own methods
    (wrapped on the instance); the decision excludes the moves it calls."""
    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    for method, name in PHASES.items():
        setattr(model, method, timed(name, getattr(model, method)))
    model.recorder.record = timed("recording", model.recorder.record)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    total = time.perf_counter() - t0
    spent["decision"] -= spent["moves and park lottery"]
    spent["other"] = total - sum(spent.values())
    return {name: value / steps for name, value in spent.items()}


def measure(firms: int) -> dict:
    from simulation import scenario
    from simulation.model import RelocationModel

    sc = scenario.load(HERE.parent / "scenarios" / "full_package.toml", {"run.firms": firms, "run.steps": 48})
    model = RelocationModel(sc)
    for _ in range(4):
        model.step()
    k, rng = prepared(model), np.random.default_rng(0)
    t_kernel = best_of(lambda: kernel(k, rng))
    t_decision = best_of(lambda: decision(model, rng))
    t_step = best_of(model.step)
    return {
        "firms": firms,
        "kernel_s": t_kernel,
        "decision_s": t_decision,
        "step_s": t_step,
        "decision_over_kernel": t_decision / t_kernel,
        "step_over_kernel": t_step / t_kernel,
        "step_phases_s": step_phases(model),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--firms", type=int, default=100_000)
    args = p.parse_args()
    r = measure(args.firms)
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}; {r['firms']:,} firms, all levers"
    )
    print(f"bare kernel {r['kernel_s'] * 1e3:.2f} ms, model decision {r['decision_s'] * 1e3:.2f} ms "
          f"({r['decision_over_kernel']:.1f}x), model step {r['step_s'] * 1e3:.2f} ms "
          f"({r['step_over_kernel']:.1f}x)")  # fmt: skip
    print("mean ms per step by phase: " + ", ".join(
        f"{name} {sec * 1e3:.2f}" for name, sec in r["step_phases_s"].items()))  # fmt: skip
    (HERE / "kernel.json").write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
