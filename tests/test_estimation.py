"""ptsim estimate: the estimate file, the moments, common random numbers, the cache and parameter
recovery (docs/estimation.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulation.estimation.estimate_file import Estimate, EstimateFileError, read_estimate, write_estimate

EXAMPLE = Path(__file__).parent / "data" / "estimate_example.json"


# --- the estimate file ------------------------------------------------------------------------


def test_example_round_trip(tmp_path):
    est = read_estimate(EXAMPLE)
    assert est.parameters == ["behaviour.logit_scale", "behaviour.review_hazard"]
    out = write_estimate(est, tmp_path / "e.json")
    again = read_estimate(out)
    assert again == est
    assert json.loads(out.read_text())["format"] == "ptsim-estimate/1"


def test_draws_follow_the_covariance_inside_the_bounds():
    est = read_estimate(EXAMPLE)
    draws = est.draw(np.random.default_rng(1), 4000)
    x = np.array([[d[p] for p in est.parameters] for d in draws])
    lo, hi = est.box()
    assert np.all(x >= lo) and np.all(x <= hi)
    assert np.allclose(x.mean(axis=0), est.mean(), rtol=0.05)
    assert np.allclose(np.cov(x.T), est.covariance, rtol=0.15, atol=2e-7)
    assert all(d["agglomeration.gamma"] == 0.2 for d in draws)  # fixed parameters ride along
    again = est.draw(np.random.default_rng(1), 4000)
    assert again == draws  # same generator state, same draws


def test_draws_are_truncated_not_piled_on_the_bound():
    est = read_estimate(EXAMPLE)
    est.bounds["behaviour.review_hazard"] = [0.01, 0.05]  # the mean on the lower bound
    x = np.array([d["behaviour.review_hazard"] for d in est.draw(np.random.default_rng(2), 2000)])
    assert x.min() >= 0.01
    assert np.mean(x == 0.01) < 0.01  # redrawn, not clipped


def _bad(tmp_path: Path, edit) -> Path:
    data = json.loads(EXAMPLE.read_text())
    edit(data)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data))
    return p


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d.pop("se"), "missing key(s) se"),
        (lambda d: d.update(format="ptsim-estimate/9"), "'format'"),
        (lambda d: d.update(extra=1), "unknown key(s) extra"),
        (lambda d: d["parameters"].append("behaviour.nonsense"), "'behaviour.nonsense' is not a declared"),
        (
            lambda d: d["estimate"].update({"behaviour.logit_scale": "0.02"}),
            "'estimate.behaviour.logit_scale'",
        ),
        (lambda d: d["estimate"].update({"behaviour.logit_scale": 0.5}), "outside its bounds"),
        (lambda d: d["se"].update({"behaviour.review_hazard": -1}), "'se.behaviour.review_hazard'"),
        (lambda d: d.update(covariance=[[1.0]]), "'covariance': must be a 2 x 2"),
        (lambda d: d.update(covariance=[[1.0, 0.5], [0.0, 1.0]]), "must be symmetric"),
        (lambda d: d.update(covariance=[[1.0, 2.0], [2.0, 1.0]]), "positive semi-definite"),
        (lambda d: d["moments"][0].update(sd=0), "'moments[0].sd'"),
        (lambda d: d["moments"][0].pop("observed"), "'moments[0]'"),
        (lambda d: d.update(fit_until=True), "'fit_until'"),
        (lambda d: d.update(fixed={"behaviour.logit_scale": 0.1}), "'fixed.behaviour.logit_scale'"),
    ],
)
def test_bad_files_name_the_file_and_key(tmp_path, edit, words):
    p = _bad(tmp_path, edit)
    with pytest.raises(EstimateFileError) as info:
        read_estimate(p)
    assert str(p) in str(info.value)
    assert words in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(EstimateFileError, match="no such estimate file"):
        read_estimate(tmp_path / "absent.json")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(EstimateFileError, match="not a JSON estimate file"):
        read_estimate(tmp_path / "x.json")
    (tmp_path / "l.json").write_text("[]")
    with pytest.raises(EstimateFileError, match="must hold a JSON object"):
        read_estimate(tmp_path / "l.json")


def test_write_refuses_an_invalid_estimate_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "e.json"
    write_estimate(read_estimate(EXAMPLE), target)
    before = target.read_text()
    bad = read_estimate(EXAMPLE)
    bad.se = {"behaviour.logit_scale": 0.1}
    with pytest.raises(EstimateFileError, match="'se'"):
        write_estimate(bad, target)
    assert target.read_text() == before
    assert isinstance(bad, Estimate)


# --- moments ----------------------------------------------------------------------------------

FAST = {"calibration.sorting_rounds": 5}


def _scenario(firms: int = 600) -> dict:
    from simulation.estimation.msm import SCENARIO
    from simulation.scenario import load
    from simulation.sweep.runs import scenario_dict

    return scenario_dict(load(SCENARIO).with_overrides({"run.firms": firms, **FAST}, source="test"))


def test_observed_moments_of_the_panel():
    from simulation.estimation import moments as mom

    obs = mom.load_observed()
    assert list(obs.columns) == list(mom.MOMENT_COLUMNS)
    assert obs["name"].is_unique and len(obs) >= 8
    assert set(obs["kind"]) == {"group_share", "province_share", "national_index"}
    assert (obs["sd"] > 0).all()
    shares = obs[obs["kind"] != "national_index"]
    assert shares["observed"].between(0, 100).all()
    cw = obs.set_index("name").loc["group_share:central_western:trade:2011"]
    assert cw["observed"] == pytest.approx(6.31) and cw["months"] == 12


def test_partial_years_weigh_the_same_months():
    import pandas as pd

    from simulation.estimation.moments import _weights

    q = pd.Index(["2012Q1", "2012Q2", "2012Q3", "2012Q4", "2013Q1"])
    assert _weights(q, 2012, 8).tolist() == pytest.approx([1, 1, 2 / 3, 0, 0])
    assert _weights(q, 2012, 12).tolist() == [1, 1, 1, 1, 0]


def test_simulated_moments_common_random_numbers():
    from simulation.estimation import moments as mom
    from simulation.estimation.msm import simulate_one

    obs = mom.load_observed()
    sc = _scenario()
    a = simulate_one(sc, 7, {"behaviour.review_hazard": 0.02}, obs)
    b = simulate_one(sc, 7, {"behaviour.review_hazard": 0.02}, obs)
    c = simulate_one(sc, 8, {"behaviour.review_hazard": 0.02}, obs)
    assert len(a) == len(obs)
    np.testing.assert_array_equal(a, b)  # same parameters and seed: the same moments, bit for bit
    assert not np.allclose(a, c, equal_nan=True)
    inside = obs["year"].between(2011, 2021).to_numpy()
    assert np.isfinite(np.array(a)[inside]).all()
    assert np.isnan(np.array(a)[~inside]).all()  # 2007 and 2010 lie before the replay
    cw = obs.index[obs["name"] == "group_share:central_western:trade:2011"][0]
    assert 1 < a[cw] < 15  # the start holds 6.31% (600 firms draw it coarsely)


# --- the estimation ---------------------------------------------------------------------------


def _tiny(**kw):
    from simulation.estimation.msm import Setup

    base = dict(
        firms=600,
        seeds=2,
        max_evaluations=6,
        explore=4,
        parameters=("behaviour.review_hazard", "behaviour.logit_scale"),
        extra_overrides=FAST,
    )
    return Setup(**{**base, **kw})


def test_resume_takes_every_simulation_from_the_cache(tmp_path, monkeypatch):
    from simulation.estimation import msm

    calls = []
    real = msm.simulate_one

    def counted(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(msm, "simulate_one", counted)
    first = msm.estimate(_tiny(), tmp_path, workers=0, progress=False)
    n = len(calls)
    assert n >= 3 and first.n_simulations == n
    assert (tmp_path / "estimate.json").exists()
    calls.clear()
    again = msm.estimate(_tiny(), tmp_path, workers=0, progress=False)
    assert calls == []  # resumed: nothing re-simulated
    assert again.estimate == first.estimate and again.se == first.se
    assert read_estimate(tmp_path / "estimate.json").estimate == first.estimate
    calls.clear()
    msm.estimate(_tiny(seeds=3), tmp_path, workers=0, progress=False)
    # a third seed runs everywhere; the first two only where the (new) path leaves the old one
    assert calls.count(20110101) < calls.count(20110103)


def test_too_few_moments_is_refused(tmp_path):
    from simulation.estimation import msm

    with pytest.raises(msm.EstimationError, match="at least as many moments as parameters"):
        msm.estimate(_tiny(fit_until=2011, parameters=tuple(msm.BOUNDS)), tmp_path, workers=0, progress=False)


def test_cli_refuses_bad_flags(capsys):
    from simulation.cli import main

    assert main(["estimate", "--params", "behaviour.nonsense"]) == 2
    assert "--params" in capsys.readouterr().err
    assert main(["estimate", "--seeds", "0"]) == 2
    assert main(["estimate", "--fit-until", "1999"]) == 2


def _synthetic_moments(truth: dict[str, float], seeds: list[int], firms: int, steps: int):
    """Moments the model itself produces at ``truth``: six provinces' export shares, the central +
    western share, the national index and the relocation rate by year. The mean over ``seeds`` is
    the 'data'; their covariance (moment names as index and columns) is that of a mean of
    ``len(seeds)`` runs, measured over 16 other seeds at the truth (a seed's draw of where plants
    start persists, so the years of one province err together)."""
    import pandas as pd

    from simulation.estimation import moments as mom
    from simulation.estimation.msm import simulate_one

    years = range(2012, 2011 + steps // 4)
    rows = [mom._row("group_share", "central+western", y, 12, "exports", 0, 1, "A", "") for y in years]
    rows += [mom._row("national_index", "China", y, 12, "exports", 0, 1, "A", "") for y in years]
    rows += [mom._row("relocation_rate", "China", y, 12, "exports", 0, 1, "A", "") for y in years]
    provinces = ("Sichuan", "Chongqing", "Henan", "Guangdong", "Jiangsu", "Hubei")
    rows += [mom._row("province_share", p, y, 12, "exports", 0, 1, "A", "") for p in provinces for y in years]
    table = pd.DataFrame(rows, columns=list(mom.MOMENT_COLUMNS))
    sc = _scenario(firms) | {}
    sc["run"] = {**sc["run"], "steps": steps, "plant_draws": True}
    sims = np.array([simulate_one(sc, s, truth, table) for s in seeds])
    table["observed"] = sims.mean(axis=0)
    table["sd"] = np.maximum(sims.std(axis=0, ddof=1) / np.sqrt(len(seeds)), 0.01)
    spread = np.array([simulate_one(sc, s, truth, table) for s in range(5001, 5017)])
    cov = pd.DataFrame(spread, columns=table["name"]).cov() / len(seeds)
    return table, cov


RECOVERY_TRUTH = {"behaviour.review_hazard": 0.03, "behaviour.logit_scale": 0.035}
RECOVERY_START = {"behaviour.review_hazard": 0.01, "behaviour.logit_scale": 0.02}  # the assumed values
#: the other estimated parameters at their assumed values: recovery is tested in that world (at the
#: estimated defaults, with moving costing 1.02 of fixed capital, few plants move and the hazard is
#: not recovered: docs/estimation.md, 'Parameter recovery')
RECOVERY_WORLD = {
    "behaviour.relocation_cost_share": 0.3,
    "agglomeration.gamma": 0.2,
    "behaviour.know_other_region_prob": 0.5,
    "abroad.constant": -2.0,
}
ESTIMATOR_SEEDS = [20110101 + i for i in range(4)]  # msm.Setup's seeds (base_seed 20110101)


def _recover(tmp_path_factory, data_seeds: list[int]):
    """The review hazard and the logit scale estimated jointly, from the assumed values, on data
    simulated at known parameters (2,000 firms, 4 seeds, 2011-2019)."""
    from simulation.estimation import msm

    firms, steps = 2000, 36
    observed, cov = _synthetic_moments({**RECOVERY_WORLD, **RECOVERY_TRUTH}, data_seeds, firms, steps)
    setup = _tiny(
        firms=firms,
        seeds=4,
        max_evaluations=40,
        explore=16,
        observed=observed,
        observed_cov=cov,
        extra_overrides={**FAST, **RECOVERY_WORLD, "run.steps": steps},
        start=RECOVERY_START,
    )
    assert setup.seed_list() == ESTIMATOR_SEEDS
    return msm.estimate(setup, tmp_path_factory.mktemp("recovery"), workers=0, progress=False)


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """Recovery from data of other seeds than the estimator's (the real test: the data's noise is
    not the estimator's)."""
    return _recover(tmp_path_factory, [901, 902, 903, 904])


@pytest.fixture(scope="module")
def recovered_own_draws(tmp_path_factory):
    """Recovery from data of the estimator's own seeds: the criterion is 0 at the truth, so this
    tests identification and the search, not the noise."""
    return _recover(tmp_path_factory, ESTIMATOR_SEEDS)


@pytest.mark.slow
def test_parameter_recovery_moves_towards_the_truth(recovered):
    """Both estimates leave the start (0.01, 0.02) towards the truth (0.03, 0.035), with finite
    standard errors inside the box."""
    from simulation.estimation import msm

    hz = "behaviour.review_hazard"
    lo, hi = msm.BOUNDS[hz]
    assert 0 < recovered.se[hz] < 0.1 * (hi - lo)
    assert recovered.estimate[hz] > 0.02  # from the start 0.01 towards 0.03
    assert recovered.estimate["behaviour.logit_scale"] > 0.025  # from the start 0.02 towards 0.035


@pytest.mark.slow
@pytest.mark.parametrize("key", list(RECOVERY_TRUTH))
def test_the_estimator_finds_the_truth_from_its_own_draws(recovered_own_draws, key):
    """With plant-tied draws (common random numbers) the search finds known parameters within
    three reported standard errors when the data's draws are the estimator's own (without them a
    1% change of a parameter decoupled the runs and the criterion was jagged: 0 at the truth,
    100-200 a step away)."""
    est, se = recovered_own_draws.estimate[key], recovered_own_draws.se[key]
    assert abs(est - RECOVERY_TRUTH[key]) < 3 * se, (key, est, se)


RECOVERY_FAILS = pytest.mark.xfail(
    strict=True,
    reason="the logit scale is not recovered within three reported standard errors from data of other "
    "seeds: on main of 1 December 2026 (plant-tied draws, the full simulation covariance measured at "
    "the estimate) it came out at 0.068 (se 0.0092) against 0.035, while the hazard came out at 0.0284 "
    "(se 0.0014) against 0.03; the data's seeds pull the logit scale and the sandwich does not carry "
    "that (docs/estimation.md, 'Parameter recovery')",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "key", [pytest.param(k, marks=RECOVERY_FAILS) if "logit" in k else k for k in RECOVERY_TRUTH]
)
def test_parameter_recovery_within_reported_uncertainty(recovered, key):
    est, se = recovered.estimate[key], recovered.se[key]
    assert abs(est - RECOVERY_TRUTH[key]) < 3 * se, (key, est, se)


# --- the shipped estimates ----------------------------------------------------------------------

ESTIMATES = Path(__file__).resolve().parent.parent / "simulation" / "data" / "estimates"


@pytest.mark.parametrize("name", ["fit_2019.json", "all_years.json"])
def test_shipped_estimates_are_valid(name):
    est = read_estimate(ESTIMATES / name)
    assert est.n_simulations > 0
    assert est.fit_until == (2019 if name == "fit_2019.json" else 2021)
    used = [m for m in est.moments if m["used"]]
    assert len(used) >= len(est.parameters)
    assert all(m["year"] > est.fit_until for m in est.moments if not m["used"])


def test_parameters_cite_the_shipped_estimate():
    from simulation import parameters

    est = read_estimate(parameters.ESTIMATE_FILE)
    for key in est.parameters:
        p = parameters.BY_KEY[key]
        assert "estimated (MSM, se " in p.basis and "all_years.json" in p.basis
        if parameters.USE_ESTIMATES:
            assert p.default == pytest.approx(est.estimate[key], rel=5e-3)
        else:
            assert "not the default" in p.basis


@pytest.mark.slow
def test_dask_scheduler_gives_the_serial_estimate(tmp_path):
    """--scheduler: the same estimate on a local Dask cluster as in this process (same seeds)."""
    distributed = pytest.importorskip("distributed")
    from simulation.estimation import msm

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = msm.estimate(
            _tiny(), tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False
        )
    here = msm.estimate(_tiny(), tmp_path / "here", workers=0, progress=False)
    assert on_dask.estimate == here.estimate and on_dask.se == here.se
    assert on_dask.n_simulations == here.n_simulations
