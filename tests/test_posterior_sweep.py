"""Posterior sweeps: parameter draws from an estimate file x seeds, and the variance decomposition
of the paired effect (``ptsim sweep --posterior``, ``[design] posterior``, ``ptsim compare``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, REPO

from simulation import cli
from simulation.sweep import effects, posterior
from simulation.sweep.errors import SweepError
from simulation.sweep.experiment import Sizes
from simulation.sweep.experiment import load as load_experiment

EXAMPLE = REPO / "tests" / "data" / "estimate_example.json"
TINY = f"""
[scenario]
extends = "{BASELINE.as_posix()}"
name = "baseline"
[run]
firms = 300
steps = 3
[calibration]
sorting_rounds = 2
max_iter = 50
"""
CHEAP = (
    TINY.replace('name = "baseline"', 'name = "cheap-move"') + "[behaviour]\nrelocation_cost_share = 0.05\n"
)


def _example(tmp_path: Path, **changes) -> Path:
    data = json.loads(EXAMPLE.read_text()) | changes
    path = tmp_path / "estimate.json"
    path.write_text(json.dumps(data))
    return path


# --- draws -------------------------------------------------------------------------------------


def test_draws_are_reproducible_by_seed_and_differ_between_seeds():
    a = posterior.design(EXAMPLE, 40, seed=7)
    b = posterior.design(EXAMPLE, 40, seed=7)
    c = posterior.design(EXAMPLE, 40, seed=8)
    assert a.points == b.points
    assert a.points != c.points
    assert a.method == "posterior" and len(a.points) == 40
    # the fixed parameters of the estimate ride along in every draw
    assert all(p["agglomeration.gamma"] == 0.2 for p in a.points)


def test_draws_stay_inside_the_bounds_even_with_a_wide_covariance(tmp_path):
    """A covariance much wider than the box: rejection (and clipping) keep every draw inside."""
    path = _example(tmp_path, covariance=[[1e-3, 0.0], [0.0, 4e-4]])
    post = posterior.read_posterior(path)
    d = posterior.design(path, 300, seed=1)
    x = np.array([[p[k] for k in post.parameters] for p in d.points])
    assert np.all(x >= post.low) and np.all(x <= post.high)
    assert post.low.tolist() == [0.005, 0.001] and post.high.tolist() == [0.08, 0.05]
    # truncated, not collapsed: the draws spread over the box
    assert np.all(x.std(axis=0) > 0.1 * (post.high - post.low))


def test_draws_follow_the_estimate_mean_and_covariance():
    post = posterior.read_posterior(EXAMPLE)
    d = posterior.design(EXAMPLE, 4000, seed=3)
    x = np.array([[p[k] for k in post.parameters] for p in d.points])
    se = np.sqrt(np.diag(post.covariance))
    assert np.all(np.abs(x.mean(axis=0) - post.mean) < 4 * se / math.sqrt(len(x)))
    assert np.allclose(np.cov(x.T), post.covariance, rtol=0.1, atol=1e-7)


def test_draws_equal_the_estimate_files_own_draws():
    """The sweep's reader and ``Estimate.draw`` give the same vectors for the same generator."""
    estimate_file = pytest.importorskip("simulation.estimation.estimate_file")
    est = estimate_file.read_estimate(EXAMPLE)
    ours = posterior.draw(posterior.read_posterior(EXAMPLE), np.random.default_rng(11), 25)
    theirs = est.draw(np.random.default_rng(11), 25)
    assert ours == theirs


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"format": "ptsim-estimate/0"}, "format"),
        ({"parameters": ["behaviour.no_such"]}, "parameters"),
        ({"covariance": [[1.6e-05, -2e-06]]}, "covariance"),
        ({"covariance": [[1.6e-05, -2e-06], [3e-06, 4e-06]]}, "covariance"),
        ({"covariance": [[-1.0, 0.0], [0.0, 1.0]]}, "covariance"),
        ({"estimate": {"behaviour.logit_scale": 0.02}}, "estimate.behaviour.review_hazard"),
        ({"estimate": {"behaviour.logit_scale": "x", "behaviour.review_hazard": 0.01}}, "estimate"),
        ({"bounds": {"behaviour.logit_scale": [0.03, 0.08]}}, "estimate.behaviour.logit_scale"),
        ({"fixed": {"behaviour.logit_scale": 0.02}}, "fixed.behaviour.logit_scale"),
    ],
)
def test_a_bad_estimate_file_is_refused_naming_file_and_key(tmp_path, change, key):
    path = _example(tmp_path, **change)
    with pytest.raises(SweepError, match=rf"estimate\.json: key '{key}"):
        posterior.read_posterior(path)


def test_not_json_and_missing_file_are_clear(tmp_path):
    bad = tmp_path / "estimate.json"
    bad.write_text("{not json")
    with pytest.raises(SweepError, match="not a JSON estimate file"):
        posterior.read_posterior(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(SweepError, match="must hold a JSON object"):
        posterior.read_posterior(bad)


# --- variance decomposition --------------------------------------------------------------------


def test_decomposition_sums_to_the_total_variance_with_unequal_groups():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(7), [3, 5, 2, 8, 4, 4, 6])
    d = rng.normal(size=len(g)) + 2.0 * g
    total, between, within = effects.variance_decomposition(d, g)
    assert total == pytest.approx(np.var(d))
    assert between + within == pytest.approx(total, rel=1e-12)
    assert between > within > 0


def _summary(effect: np.ndarray, draws: int, seeds: int) -> pd.DataFrame:
    """A posterior sweep's summary: baseline 0 and scenario ``effect[draw, seed]``."""
    rows = []
    for name, y in (("baseline", np.zeros_like(effect)), ("lever", effect)):
        for p in range(draws):
            for i in range(seeds):
                run = {"run_id": f"{name}-{p}-{i}", "scenario": name, "point": p, "seed_index": i}
                rows.append(
                    run | {"seed": 100 + i, "status": "ok", "inland_employment_share_end": 0.3 + y[p, i]}
                )
    return pd.DataFrame(rows)


def test_posterior_effects_split_parameter_and_seed_variance():
    rng = np.random.default_rng(5)
    draws, seeds = 12, 6
    only_param = np.repeat(rng.normal(0.05, 0.02, size=(draws, 1)), seeds, axis=1)
    only_seed = rng.normal(0.05, 0.01, size=(draws, seeds))
    out = {}
    for label, eff in (("param", only_param), ("seed", only_seed), ("both", only_param + only_seed)):
        post = effects.posterior_effects(
            _summary(eff, draws, seeds), "baseline", ["inland_employment_share_end"]
        )
        r = post.iloc[0]
        assert r.between_draw_var + r.within_draw_var == pytest.approx(r.total_var, rel=1e-10)
        assert r.total_var == pytest.approx(np.var(eff))
        assert r.n == draws * seeds and r.draws == draws
        assert r.diff_mean == pytest.approx(eff.mean())
        assert r.interval_low == pytest.approx(np.quantile(eff, 0.025))
        out[label] = r.parameter_share
    assert out["param"] == pytest.approx(1.0)
    assert out["seed"] < 0.35  # between-draw variance of pure noise: about 1/seeds of the total
    assert out["seed"] < out["both"] < out["param"]
    text = effects.format_posterior_effects(post)
    assert "param share" in text and "percentage points" in text


# --- the command and experiment files ----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "baseline.toml").write_text(TINY)
    (folder / "cheap.toml").write_text(CHEAP)
    return folder / "baseline.toml", folder / "cheap.toml"


def test_posterior_sweep_and_compare_report_the_decomposition(tiny, tmp_path, capsys):
    out = tmp_path / "post"
    args = ["sweep", *map(str, tiny), "--posterior", str(EXAMPLE), "--draws", "3", "--seeds", "2"]
    assert cli.main([*args, "--design-seed", "4", "--workers", "0", "--no-progress", "--out", str(out)]) == 0
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 2 * 3 * 2
    design = pd.read_csv(out / "design.csv")
    expected = posterior.design(EXAMPLE, 3, seed=4)
    assert np.allclose(design["behaviour.logit_scale"], [p["behaviour.logit_scale"] for p in expected.points])
    post = pd.read_csv(out / "posterior_effects.csv")
    assert "inland_employment_share_end" in set(post["outcome"])  # no lever: no cost, no jobs per yuan
    assert np.allclose(post["between_draw_var"] + post["within_draw_var"], post["total_var"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec"]["design"]["options"]["sha256"] == posterior.read_posterior(EXAMPLE).sha256
    capsys.readouterr()
    assert cli.main(["compare", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "over parameter draws x seeds" in printed and "param share" in printed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--vary", "behaviour.logit_scale=0.01,0.02"], "--vary"),
        (["--sample", "lhs", "--n", "4", "--range", "agglomeration.gamma=0.1:0.2"], "--range"),
        (["--draws", "0"], "draws"),
        (["--n", "4"], "--n"),
    ],
)
def test_posterior_flag_conflicts_exit_2(tiny, tmp_path, capsys, extra, message):
    args = ["sweep", str(tiny[0]), "--posterior", str(EXAMPLE), *extra, "--workers", "0"]
    assert cli.main([*args, "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err


def test_bad_estimate_file_exits_2_naming_file_and_key(tiny, tmp_path, capsys):
    bad = _example(tmp_path, covariance=[[1.0]])
    args = ["sweep", str(tiny[0]), "--posterior", str(bad), "--workers", "0", "--out", str(tmp_path / "x")]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "estimate.json: key 'covariance'" in err and "2 x 2" in err
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_draws_without_posterior_is_refused(tiny, tmp_path, capsys):
    assert (
        cli.main(["sweep", str(tiny[0]), "--draws", "3", "--workers", "0", "--out", str(tmp_path / "x")]) == 2
    )
    assert "only with --posterior" in capsys.readouterr().err


def test_experiment_file_posterior_design(tiny, tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "estimate.json").write_text(EXAMPLE.read_text())
    body = f"""
[experiment]
scenarios = ["{tiny[0].as_posix()}", "{tiny[1].as_posix()}"]
seeds = 2
[design]
posterior = "estimate.json"
draws = 5
seed = 9
[small]
n = 2
"""
    (exp / "experiment.toml").write_text(body)
    spec = load_experiment(exp)
    assert spec.design.method == "posterior" and len(spec.design.points) == 5
    assert spec.design.points == posterior.design(exp / "estimate.json", 5, seed=9).points
    assert len(load_experiment(exp, Sizes(small=True)).design.points) == 2
    (exp / "experiment.toml").write_text(body.replace("draws = 5", 'method = "lhs"\ndraws = 5'))
    with pytest.raises(SweepError, match="design.method"):
        load_experiment(exp)
    (exp / "experiment.toml").write_text(body.replace("draws = 5\n", ""))
    with pytest.raises(SweepError, match="design.draws"):
        load_experiment(exp)


def test_anova_share_removes_the_seed_noise_of_the_draw_means():
    """A random-effects world, parameter sd 0.02 and seed sd 0.01: the raw between-draw share
    overstates the parameter's part (its draw means carry seed noise); the ANOVA share recovers
    0.02² / (0.02² + 0.01²) = 0.8."""
    rng = np.random.default_rng(9)
    draws, seeds = 400, 3
    eff = rng.normal(0, 0.02, size=(draws, 1)) + rng.normal(0, 0.01, size=(draws, seeds))
    r = effects.posterior_effects(
        _summary(eff, draws, seeds), "baseline", ["inland_employment_share_end"]
    ).iloc[0]
    assert r.parameter_var_anova == pytest.approx(0.02**2, rel=0.15)
    assert r.parameter_share_anova == pytest.approx(0.8, abs=0.05)
    assert r.parameter_share > r.parameter_share_anova
    assert effects.anova_components(1.0, 0.0, 5, 10) == (1.25, 1.0)
    assert all(math.isnan(x) for x in effects.anova_components(1.0, 0.5, 5, 5))  # one seed per draw
