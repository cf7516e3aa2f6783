"""The calibrated baseline: it starts at the documented distribution and drifts only with trends."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import scenario as scenario_mod
from simulation.calibration import berry_contraction, sort_by_swaps
from simulation.choice import logit_probabilities
from simulation.model import RelocationModel

BASELINE = "scenarios/baseline.toml"


def baseline(**overrides) -> scenario_mod.Scenario:
    return scenario_mod.load(BASELINE, overrides or None)


def test_step_zero_reproduces_documented_distribution():
    model = RelocationModel(baseline(), firms=10000)
    emp = model.employment_by_province()
    share = emp / emp.sum()
    # granularity of 10,000 heavy-tailed firms: every province within 0.5 percentage points
    assert np.abs(share - model.province_share0).max() < 0.005
    documented_inland = model.province_share0[model.world.inland].sum()
    assert abs(model.inland_employment_share() - documented_inland) < 0.005
    assert model.calibration.converged


def test_contraction_balances_expected_flows():
    """After calibration the expected destination shares of reviewing firms equal the target."""
    rng = np.random.default_rng(1)
    n, r, s = 3000, 5, 2
    base = rng.normal(size=(n, r))
    current = rng.integers(0, r, n)
    mask = rng.random((n, r)) < 0.7
    mask[np.arange(n), current] = True
    sector = rng.integers(0, s, n)
    weight = rng.lognormal(size=n)
    # as in the model: the firms' own weighted distribution, which staying put always attains
    target = np.array(
        [np.bincount(current[sector == k], weights=weight[sector == k], minlength=r) for k in range(s)]
    )
    target /= target.sum(axis=1, keepdims=True)
    result = berry_contraction(base, mask, sector, weight, target, tol=1e-10, max_iter=5000)
    assert result.converged
    prob = logit_probabilities(base + result.alpha[sector], mask)
    for k in range(s):
        pred = (prob[sector == k] * weight[sector == k, None]).sum(axis=0)
        np.testing.assert_allclose(pred / pred.sum(), target[k], atol=1e-8)


def test_contraction_that_cannot_converge_stays_finite():
    """A target no firm can reach drives constants apart without bound (thousands of logit units
    here); the contraction reports non-convergence with finite constants instead of NaN."""
    n, r = 40, 4
    current = np.arange(n) % 2  # firms sit in provinces 0 and 1 and consider nothing else
    mask = np.zeros((n, r), bool)
    mask[np.arange(n), current] = True
    mask[:, 1 - current] = True
    target = np.array([[0.3, 0.3, 0.2, 0.2]])  # provinces 2 and 3 are out of everyone's reach
    result = berry_contraction(np.zeros((n, r)), mask, np.zeros(n, int), np.ones(n), target, 1e-8, 200)
    assert not result.converged and np.isfinite(result.max_error)
    assert np.all(np.isfinite(result.alpha)) and np.ptp(result.alpha) > 1000


def test_swaps_keep_marginals_and_sort_by_comparative_advantage():
    rng = np.random.default_rng(2)
    n = 4000
    sector = np.zeros(n, np.int64)
    size = np.ones(n)
    location = np.repeat([0, 1], n // 2)
    skill = rng.normal(size=n)

    def value(idx, where):  # high-skill firms gain in province 1
        return 2.0 * skill[idx] * (where == 1)

    before = np.bincount(location)
    sort_by_swaps(rng, sector, size, location, value, rounds=40)
    np.testing.assert_array_equal(np.bincount(location), before)
    assert skill[location == 1].mean() - skill[location == 0].mean() > 1.0


def drifts(seeds: range, **overrides) -> np.ndarray:
    """Change of the inland employment share over 48 quarters, one per seed (8,000 firms)."""
    out = []
    for seed in seeds:
        model = RelocationModel(baseline(**overrides), seed=seed, firms=8000)
        start = model.inland_employment_share()
        for _ in range(48):
            model.step()
        out.append(model.inland_employment_share() - start)
    return np.array(out)


def mean_drift(seeds: range, **overrides) -> tuple[float, float]:
    d = drifts(seeds, **overrides)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="under the estimated defaults (agglomeration 0.68) the calibrated start is not a steady "
    "state once plants enter and exit: with no trend the inland share drifts +3.7 points in 12 years "
    "(se 0.8, 5 seeds; +1.2 with agglomeration 0.2, 0.0 with demography off), new plants' choices "
    "amplified by agglomeration (docs/estimation.md section 7, ODD 7.18)",
)
def test_baseline_without_trends_does_not_drift():
    """With the wage trends and productivity growth off nothing documented changes (prices and
    the exchange rate are flat by default), so the inland share stays put."""
    mean, se = mean_drift(range(1, 6), **{"labour.wage_trend": False, "labour.productivity_growth": 0.0})
    assert abs(mean) < max(3 * se, 0.002) + 0.005


@pytest.mark.slow
def test_baseline_drift_comes_from_wage_trends():
    """Mechanism: nominal wages rising (slowest in the north-east) against no productivity growth
    widen labour-cost differences and move the inland share inland. With the default productivity
    growth (6.5%/yr) unit labour costs fall instead and the wage trend's effect on the drift is no
    longer significant at 5 seeds (docs/model.md 7.12a and §11). The effect is significant and
    positive: about 8 points under the estimated defaults (about 2 under the assumed ones, with
    firms less cost-sensitive and weaker agglomeration)."""
    no_productivity = {"labour.productivity_growth": 0.0}
    gap = drifts(range(1, 4), **no_productivity) - drifts(
        range(1, 4), **{"labour.wage_trend": False, **no_productivity}
    )  # paired on the seed: the same firms, with and without the trend
    assert gap.mean() > 3 * gap.std(ddof=1) / np.sqrt(len(gap)), gap
