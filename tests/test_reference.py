"""The per-agent reference of the benchmarks takes the same decision as the vectorised model."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO

from simulation import decision, scenario
from simulation.choice import considered
from simulation.model import RelocationModel

sys.path.insert(0, str(REPO / "benchmarks"))
from reference import PerAgentModel


@pytest.fixture(scope="module")
def stepped() -> PerAgentModel:
    sc = scenario.load(REPO / "scenarios" / "full_package.toml", {"run.firms": 400, "run.steps": 2})
    model = PerAgentModel(sc.with_overrides({"calibration.sorting_rounds": 3}))
    model.step()
    return model


def test_per_agent_utilities_equal_the_vectorised_ones(stepped):
    model = stepped
    ctx = model._context(model.unit)
    idx = np.arange(0, model.firms.n, 37)
    vectorised = decision.utility(model.situation(), idx) + model.alpha[model.firms.sector[idx]]
    for row, i in enumerate(idx):
        agent, here = model.deciders[i], int(model.firms.location[i])
        loop = [agent.utility(r, here, ctx) for r in range(model.world.n)]
        np.testing.assert_allclose(loop, vectorised[row], rtol=1e-9, atol=1e-9)


def test_utilities_of_considered_provinces_equal_the_full_ones(stepped):
    """The decision computes utilities for the considered provinces only; they are the full ones."""
    model, f = stepped, stepped.firms
    idx = np.arange(0, f.n, 7)
    options, _ = considered(np.random.default_rng(3), f.known[idx], f.location[idx], 5)
    np.testing.assert_allclose(
        decision.utility(model.situation(), idx, options),
        np.take_along_axis(decision.utility(model.situation(), idx), options, axis=1),
        rtol=1e-12,
        atol=1e-12,
    )


def test_kernel_benchmark_measures_every_phase():
    import bench_kernel

    r = bench_kernel.measure(1500)
    assert all(r[k] > 0 and np.isfinite(r[k]) for k in ("kernel_s", "decision_s", "step_s"))
    phases = r["step_phases_s"]
    assert set(phases) == {*bench_kernel.PHASES.values(), "recording", "other"}
    assert all(v > 0 for k, v in phases.items() if k != "other")


def test_per_agent_sector_means_equal_the_vectorised_ones(stepped):
    model = stepped
    ctx = model._context(model.unit)
    np.testing.assert_allclose(
        model._mean_margins(ctx),
        decision.sector_mean_margin(model.situation(), decision.margins_here(model.situation())),
        rtol=1e-9,
    )


def test_per_agent_model_runs_like_the_vectorised_one():
    """Same scenario and seed: the same start, and relocations of the same order of magnitude."""
    sc = scenario.load(
        REPO / "scenarios" / "full_package.toml",
        {"run.firms": 400, "run.steps": 4, "calibration.sorting_rounds": 3},
    ).with_overrides({"demography.enabled": False, "abroad.enabled": False}, "test")  # as the reference
    a, b = RelocationModel(sc), PerAgentModel(sc)
    assert np.array_equal(a.firms.location, b.firms.location)
    for _ in range(4):
        a.step()
        b.step()
    moved = [sum(int(r["relocations_in"].sum()) for r in m.recorder.steps[1:]) for m in (a, b)]
    assert moved[0] > 0 and moved[1] > 0
    assert 0.3 < moved[1] / moved[0] < 3
