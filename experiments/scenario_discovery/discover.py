"""Scenario discovery that is not seed noise: where does matchmaking (measure 五) move the inland
share by more than a threshold? PRIM (Friedman & Fisher 1999) on the paired effect of the lever
against the zero-dose policy, replicated over seeds, then checked on fresh seeds.

    python experiments/scenario_discovery/discover.py            # the documented run (about 15 min)
    python experiments/scenario_discovery/discover.py --small    # the test's size (1-2 min)

Steps: (1) EMA Workbench samples the uncertainties (Latin hypercube) and the lever's dose; every
experiment runs with the same ``seeds`` seeds, once with the lever and once at zero dose, and gives
the mean paired effect on the inland employment share in percentage points. (2) PRIM finds a box of
uncertainties and dose where the effect exceeds ``threshold``. (3) New experiments with *fresh*
seeds (another master seed) inside and outside the box: the box survives replication if its mean
effect exceeds the outside mean by more than two standard errors of the difference and it still holds
a larger share of experiments above the threshold than the rest of the space.
See docs/sweeps.md §8.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation import scenario as scenario_mod
from simulation.sweep.ema import EFFECT, ema_model, ema_name, mean_se, perform_experiments, scenario_key

REPO = Path(__file__).resolve().parents[2]
OUTCOME = "inland_employment_share_end"
UNCERTAINTIES = {  # None: the plausible range of docs/parameters.md
    "behaviour.know_other_region_prob": None,
    "behaviour.relocation_cost_share": None,
}
LEVERS = {"levers.matchmaking.learn_prob": (0.0, 0.2)}  # chance per quarter a firm learns of a province
SIZES = {  # firms, steps, EMA scenarios, policies per scenario, seeds, fresh points each side
    "full": dict(firms=5000, steps=16, scenarios=60, policies=2, seeds=6, fresh=30),
    "small": dict(firms=3000, steps=12, scenarios=40, policies=2, seeds=4, fresh=12),
}


@dataclass
class Discovery:
    """A PRIM box and its replication on fresh seeds (effects in percentage points)."""

    limits: dict[str, tuple[float, float]]  # restricted dimensions only: key -> (low, high)
    coverage: float
    density: float
    inside: tuple[float, float]  # fresh seeds: mean effect inside the box and its standard error
    outside: tuple[float, float]
    density_inside: float  # fresh seeds: share of experiments with an effect above the threshold
    density_outside: float
    threshold: float

    @property
    def survives(self) -> bool:
        """Fresh seeds: the box's mean effect exceeds the outside's by more than two standard errors
        of the difference, and the box holds a larger share of cases of interest than the rest."""
        (m_in, se_in), (m_out, se_out) = self.inside, self.outside
        return m_in - m_out > 2 * np.hypot(se_in, se_out) and self.density_inside > self.density_outside


def model(firms: int, steps: int, seeds: int, master_seed: int):
    """The EMA model: baseline with matchmaking on, replicated, with the paired effect."""
    sc = scenario_mod.load(REPO / "scenarios" / "baseline.toml").with_overrides(
        {
            "run.firms": firms,
            "run.steps": steps,
            "calibration.sorting_rounds": 2,
            "calibration.max_iter": 50,
            "levers.matchmaking.enabled": True,
        },
        source="discover.py",
    )
    return ema_model(
        sc, UNCERTAINTIES, LEVERS, outcomes=(OUTCOME,), series=False, seed=master_seed,
        replications=seeds, effect=True,
    )  # fmt: skip


def effect_pp(outcomes: dict) -> np.ndarray:
    return 100 * np.asarray(outcomes[ema_name(OUTCOME) + EFFECT], dtype=float)


def find_box(experiments: pd.DataFrame, effect: np.ndarray, threshold: float, density: float = 0.75):
    """PRIM on ``effect > threshold``; the box of largest coverage with at least ``density``."""
    from ema_workbench.analysis import prim

    names = [ema_name(k) for k in [*UNCERTAINTIES, *LEVERS]]
    p = prim.Prim(experiments[names].astype(float), effect > threshold)
    box = p.find_box()
    trajectory = box.peeling_trajectory
    ok = trajectory[trajectory["density"] >= density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(trajectory["density"].idxmax())
    box.select(i)
    lim, init = box.box_lim, p.box_init
    limits = {
        scenario_key(n): (float(lim[n][0]), float(lim[n][1]))
        for n in names
        if (lim[n][0], lim[n][1]) != (init[n][0], init[n][1])
    }
    return limits, float(trajectory["coverage"][i]), float(trajectory["density"][i])


def replicate(limits, size: dict, master_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Effects (pp) of fresh experiments (fresh seeds and points) inside and outside the box."""
    m = model(size["firms"], size["steps"], size["seeds"], master_seed)
    rng = np.random.default_rng(master_seed)
    bounds = {p.name: (p.lower_bound, p.upper_bound) for p in [*m.uncertainties, *m.levers]}
    inside, outside = [], []
    while len(inside) < size["fresh"] or len(outside) < size["fresh"]:
        point = {n: rng.uniform(lo, hi) for n, (lo, hi) in bounds.items()}
        into = all(lo <= point[ema_name(k)] <= hi for k, (lo, hi) in limits.items())
        (inside if into else outside).append(point)
    results = []
    for points in (inside[: size["fresh"]], outside[: size["fresh"]]):
        # m.function is the experiment EMA would run (ema_function): call it for paired points
        results.append(np.array([100 * m.function(**p)[ema_name(OUTCOME) + EFFECT] for p in points]))
    return results[0], results[1]


def discover(size: dict, threshold: float = 1.2, master_seed: int = 1, fresh_seed: int = 2) -> Discovery:
    """Steps (1)-(3) of the module docstring at ``size`` (one of :data:`SIZES`)."""
    m = model(size["firms"], size["steps"], size["seeds"], master_seed)
    experiments, outcomes = perform_experiments(
        m,
        scenarios=size["scenarios"],
        policies=size["policies"],
        log_progress=True,  # a log, not a progress bar
        uncertainty_sampling_kwargs={"rng": master_seed},  # EMA's samplers are unseeded by default
        lever_sampling_kwargs={"rng": master_seed + 1},
    )
    limits, coverage, density = find_box(experiments, effect_pp(outcomes), threshold)
    inside, outside = replicate(limits, size, fresh_seed)
    return Discovery(
        limits, coverage, density, mean_se(inside), mean_se(outside),
        float(np.mean(inside > threshold)), float(np.mean(outside > threshold)), threshold,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the test's size")
    parser.add_argument("--threshold", type=float, default=1.2, help="effect of interest, pp (default 1.2)")
    parser.add_argument("--seeds", type=int, help="seeds per experiment (default: the size's)")
    args = parser.parse_args(argv)
    size = dict(SIZES["small" if args.small else "full"])
    size["seeds"] = args.seeds or size["seeds"]
    d = discover(size, args.threshold)
    print(f"PRIM box for effect > {d.threshold:g} pp (coverage {d.coverage:.2f}, density {d.density:.2f}):")
    for key, (lo, hi) in d.limits.items():
        print(f"  {key}: {lo:.4g} .. {hi:.4g}")
    for where, (m, se), share in (
        ("inside", d.inside, d.density_inside), ("outside", d.outside, d.density_outside)
    ):  # fmt: skip
        print(f"fresh seeds, {where} the box: mean effect {m:+.2f} pp (s.e. {se:.2f}), "
              f"{share:.0%} of experiments above {d.threshold:g} pp")  # fmt: skip
    print("the box survives replication" if d.survives else "the box does NOT survive replication")
    return 0 if d.survives else 1


if __name__ == "__main__":
    sys.exit(main())
