"""Canonical experiments from the CLI at small size, and EMA Workbench driving the model."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from test_sweep import TINY

from simulation import cli, scenario
from simulation.sweep import runs
from simulation.sweep.experiment import Sizes
from simulation.sweep.experiment import load as load_experiment

EXPERIMENTS = sorted(p.parent for p in (REPO / "experiments").glob("*/experiment.toml"))
SENSITIVITY = REPO / "experiments" / "sensitivity"


def test_there_are_canonical_experiments():
    assert SENSITIVITY in EXPERIMENTS
    for folder in EXPERIMENTS:
        assert (folder / "README.md").is_file(), folder


@pytest.mark.slow  # 2 s per experiment
@pytest.mark.parametrize("folder", EXPERIMENTS, ids=lambda p: p.name)
def test_every_experiment_runs_small_from_the_cli(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        cli.main(["experiment", str(folder), "--small", "--workers", "0", "--out", str(out), "--no-progress"])
        == 0
    )
    table = pd.read_parquet(out / "summary.parquet")
    spec = load_experiment(folder, Sizes(small=True))
    assert len(table) == len(spec.scenarios) * len(spec.design.points) * spec.seeds
    assert (table["status"] == "ok").all()
    assert (table["steps"] == spec.fixed["run.steps"]).all() and (
        table["run_firms"] == spec.fixed["run.firms"]
    ).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["name"] == spec.name and manifest["state"] == "complete"
    assert "runs:" in capsys.readouterr().out


def test_sensitivity_experiment_writes_sobol_indices_of_the_package_effect(tmp_path):
    """The experiment's Sobol' indices: of the full package's paired effect on the inland share and
    of its jobs per 100 million yuan, over nine parameters including the review hazard and the
    demography (each within its declared plausible range)."""
    from simulation import parameters

    out = tmp_path / "sens"
    args = ["experiment", str(SENSITIVITY), "--small", "--workers", "0", "--out", str(out)]
    assert cli.main([*args, "--no-progress"]) == 0
    sens = pd.read_csv(out / "sensitivity.csv")
    params = [
        "behaviour.review_hazard",
        "behaviour.logit_scale",
        "behaviour.relocation_cost_share",
        "agglomeration.gamma",
        "labour.supply_elasticity",
        "demography.exit_rate",
        "demography.loss_exit_quarters",
        "demography.expansion_share",
        "demography.growth_elasticity",
    ]
    assert set(sens["parameter"]) == set(params)
    effect = sens[sens["scenario"] == "full_package-vs-baseline"]
    assert {"inland_employment_share_end", "jobs_per_100m_yuan"} <= set(effect["outcome"])
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sens.columns)
    assert (sens["method"] == "saltelli").all()
    table = pd.read_parquet(out / "summary.parquet")
    assert len(table) == 2 * 2 * (len(params) + 2)  # 2 scenarios x N (k + 2) points, N = 2, 1 seed
    for p in params:  # the design stays inside the declared plausible ranges
        low, high = parameters.find(p).plausible
        assert table[p.replace(".", "_")].between(low, high).all()


def test_sensitivity_experiment_full_size_is_the_plain_command():
    spec = load_experiment(SENSITIVITY, Sizes())
    assert spec.fixed == {"run.steps": 48, "run.firms": 10000}
    assert spec.seeds == 1 and spec.design.method == "saltelli" and len(spec.design.points) == 64 * 11
    assert list(spec.scenarios) == ["baseline", "full_package"]
    small = load_experiment(SENSITIVITY, Sizes(small=True, seeds=3))
    assert small.seeds == 3 and small.fixed["run.firms"] == 300 and len(small.design.points) == 2 * 11
    assert small.hash() != spec.hash()


# --- EMA Workbench -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("ema") / "tiny.toml"
    path.write_text(TINY)
    return scenario.load(path)


@pytest.mark.slow  # EMA Workbench start-up
def test_ema_workbench_sequential_evaluator_runs_the_model(tiny_scenario):
    import ema_workbench as ema  # in the test extra

    from simulation.sweep.ema import SERIES_OUTCOME, ema_model

    model = ema_model(
        tiny_scenario,
        uncertainties={"behaviour.logit_scale": (0.01, 0.04), "behaviour.consideration_size": (2, 8)},
        levers={"parks.enabled": None},
        seed=5,
    )
    assert [p.name for p in model.uncertainties] == [
        "behaviour__logit_scale",
        "behaviour__consideration_size",
    ]
    assert type(model.uncertainties["behaviour__consideration_size"]).__name__ == "IntegerParameter"
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=2)
    assert len(experiments) == 6
    assert outcomes[SERIES_OUTCOME].shape == (6, 4)  # fixed length: run.steps + 1
    assert outcomes["inland_employment_share_end"].shape == (6,)
    assert np.all(np.isfinite(outcomes["relocations_total"]))
    np.testing.assert_allclose(outcomes[SERIES_OUTCOME][:, -1], outcomes["inland_employment_share_end"])
    # an EMA experiment is exactly run_one with the same parameters and seed
    row = experiments.iloc[4]
    params = {
        "behaviour.logit_scale": float(row["behaviour__logit_scale"]),
        "behaviour.consideration_size": int(row["behaviour__consideration_size"]),
        "parks.enabled": bool(row["parks__enabled"]),
    }
    direct = runs.run_one(runs.scenario_dict(tiny_scenario), 5, params)
    assert direct.outcomes["relocations_total"] == outcomes["relocations_total"][4]


def test_ema_function_gives_nan_outcomes_for_a_failed_run(tiny_scenario):
    from simulation.sweep.ema import SERIES_OUTCOME, Setup, ema_function

    setup = Setup(runs.scenario_dict(tiny_scenario), (1,), ("relocations_total",), 3)
    out = ema_function(setup, **{"behaviour.logit_scale": -1})
    assert math.isnan(out["relocations_total"]) and out[SERIES_OUTCOME].shape == (4,)
    assert np.isnan(out[SERIES_OUTCOME]).all()


def test_ema_model_rejects_reserved_names_and_missing_bounds(tiny_scenario):
    from simulation.sweep.ema import ema_model
    from simulation.sweep.errors import SweepError

    with pytest.raises(SweepError, match="reserved by EMA Workbench"):
        ema_model(tiny_scenario, {"behaviour.logit_scale": (0.01, 0.02)}, outcomes=("model",))
    with pytest.raises(SweepError, match="cannot be an EMA name"):
        ema_model(tiny_scenario, {"sectors.new-energy.load_flexibility": (0, 1)})
    with pytest.raises(SweepError, match="plausible range"):
        ema_model(tiny_scenario, {"provinces.Henan.wage_yuan": None})
    with pytest.raises(Exception, match="provinces.Henan.wage_yuan"):
        ema_model(tiny_scenario, {"provinces.Henan.wage_yuan": (1, 2)})  # outside the data's range


def test_ema_levers_are_the_policy_levers_of_the_registry(tiny_scenario):
    """EMA's policy levers can be the model's levers: types and ranges from their declarations."""
    import ema_workbench as ema

    from simulation.sweep.ema import ema_model

    model = ema_model(
        tiny_scenario,
        uncertainties={"behaviour.logit_scale": (0.015, 0.03)},
        levers={
            "levers.special_bonds.enabled": None,
            "levers.special_bonds.budget_yuan_per_year": (1e9, 5e10),
            "levers.special_bonds.build_lag_quarters": (0, 4),
            "levers.special_bonds.allocation": None,
        },
        outcomes=("inland_employment_share_end", "fiscal_cost_yuan_total"),
        series=False,
        seed=3,
    )
    kinds = {p.name: type(p).__name__ for p in model.levers}
    assert kinds == {
        "levers__special_bonds__enabled": "BooleanParameter",
        "levers__special_bonds__budget_yuan_per_year": "RealParameter",
        "levers__special_bonds__build_lag_quarters": "IntegerParameter",
        "levers__special_bonds__allocation": "CategoricalParameter",
    }
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=1, policies=4)
    spent = outcomes["fiscal_cost_yuan_total"]
    on = experiments["levers__special_bonds__enabled"].to_numpy(dtype=bool)
    assert np.all(spent[~on] == 0) and np.all(spent[on] > 0)
