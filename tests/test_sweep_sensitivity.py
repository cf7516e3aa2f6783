"""Sensitivity analyses: reproducible Saltelli intervals with the default design seed (a resumed
sweep rewrites byte-identical tables), Morris with integer factors on the steps actually run, and
ranges given without bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_sweep import TINY

from simulation import cli, parameters
from simulation.sweep import design
from simulation.sweep.errors import SweepError

pytest.importorskip("SALib")


def test_the_analysis_seed_is_never_zero_and_follows_the_design_seed():
    seeds = [design.analysis_seed(s) for s in (0, 1, 2, None)]
    assert all(s > 0 for s in seeds)  # SALib's Sobol' analysis ignores a seed of 0
    assert seeds[0] == seeds[3] == design.analysis_seed(0) and len(set(seeds[:3])) == 3


def test_saltelli_intervals_are_reproducible_with_design_seed_zero():
    factors = [design.make_range("a", 0.0, 1.0, "t"), design.make_range("b", 0.0, 1.0, "t")]
    d = design.saltelli(factors, 16, 0)
    x = np.array([[p["a"], p["b"]] for p in d.points])
    y = x[:, 0] + 0.3 * x[:, 1] ** 2 + 0.1 * x[:, 0] * x[:, 1]
    first, again = design.analyze(d, y), design.analyze(d, y)
    pd.testing.assert_frame_equal(first, again)  # before: a fresh bootstrap on every call
    other = design.analyze(d, y, seed=1)
    assert not np.allclose(first["S1_conf"], other["S1_conf"])  # the seed does drive the bootstrap


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("sens") / "baseline.toml"
    path.write_text(TINY)
    return path


def test_a_resumed_saltelli_sweep_rewrites_byte_identical_tables(tiny, tmp_path):
    out = tmp_path / "sal"
    args = [
        "sweep",
        str(tiny),
        "--sample",
        "saltelli",
        "--n",
        "2",
        "--range",
        "behaviour.logit_scale=0.01:0.04",
    ]
    args += [
        "--range",
        "behaviour.relocation_cost_share",
        "--workers",
        "0",
        "--no-progress",
        "--out",
        str(out),
    ]
    assert cli.main(args) == 0
    files = ("sensitivity.csv", "sensitivity.parquet", "design.csv")
    before = {f: (out / f).read_bytes() for f in files}
    sens = pd.read_csv(out / "sensitivity.csv")
    assert set(sens["parameter"]) == {"behaviour.logit_scale", "behaviour.relocation_cost_share"}
    assert sens["S1_conf"].notna().all() and sens["ST_conf"].notna().all()  # intervals to reproduce
    summary = pd.read_parquet(out / "summary.parquet").drop(columns="wall_time_s")
    # interrupt: two runs lose their record (and so must run again), then resume
    records = sorted((out / "records").glob("run-*.json"))
    for path in records[:2]:
        path.unlink()
    assert cli.main([*args, "--resume"]) == 0
    assert {f: (out / f).read_bytes() for f in files} == before
    # the two reruns give the same outcomes (only their wall times differ)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summary.parquet").drop(columns="wall_time_s"), summary
    )
    # and the bare --range key took the plausible range
    table = pd.read_parquet(out / "summary.parquet")
    low, high = parameters.find("behaviour.relocation_cost_share").plausible
    assert table["behaviour_relocation_cost_share"].between(low, high).all()  # the summary's name of the key


def _morris(levels: int = 4, n: int = 6, seed: int = 3):
    factors = [
        design.make_range("behaviour.consideration_size", 2, 4, "t"),  # integer: grid 2, 2.67, 3.33, 4
        design.make_range("behaviour.logit_scale", 0.01, 0.04, "t"),
    ]
    assert factors[0].integer and not factors[1].integer
    return design.morris(factors, n, seed, levels=levels)


def test_morris_elementary_effects_use_the_rounded_steps_of_integer_factors():
    d = _morris()
    used = np.array([[p["behaviour.consideration_size"], p["behaviour.logit_scale"]] for p in d.points])
    assert set(used[:, 0]) <= {2, 3, 4}  # the runs used integers
    a, b = 0.7, 20.0
    y = a * used[:, 0] + b * used[:, 1]  # linear in the values run: every effect is a x range
    ee = design.elementary_effects(d, y)
    finite = ee[0][np.isfinite(ee[0])]
    assert len(finite) > 0
    np.testing.assert_allclose(finite, a * (4 - 2))
    np.testing.assert_allclose(ee[1], b * (0.04 - 0.01))
    idx = design.analyze(d, y).set_index("parameter")
    assert idx.loc["behaviour.consideration_size", "mu"] == pytest.approx(a * 2)
    assert idx.loc["behaviour.logit_scale", "mu"] == pytest.approx(b * 0.03)
    assert idx.loc["behaviour.consideration_size", "sigma"] == pytest.approx(0, abs=1e-12)
    # SALib on the unrounded grid divides by the grid step, which rounding changed
    from SALib.analyze import morris as salib_morris

    naive = salib_morris.analyze(
        design._problem(list(d.factors)), d.matrix, y, num_levels=4, seed=1, print_to_console=False
    )
    assert not np.isclose(naive["mu"][0], a * 2)


def test_morris_indices_equal_salib_without_integer_factors():
    factors = [design.make_range("x1", 0.0, 2.0, "t"), design.make_range("x2", -1.0, 1.0, "t")]
    d = design.morris(factors, 8, 5, levels=4)
    x = d.matrix
    y = np.sin(x[:, 0]) + x[:, 1] ** 2 + 0.5 * x[:, 0] * x[:, 1]
    from SALib.analyze import morris as salib_morris

    seed = design.analysis_seed(5)
    ours = design.morris_indices(d, y, seed)
    ref = salib_morris.analyze(
        design._problem(factors), x, y, num_levels=4, seed=seed, print_to_console=False
    )
    for key in ("mu", "mu_star", "sigma", "mu_star_conf"):
        np.testing.assert_allclose(ours[key], np.asarray(ref[key], dtype=float), rtol=1e-12, err_msg=key)


def test_ranges_without_bounds_take_the_plausible_range_or_say_why_not():
    f = design.parse_range("agglomeration.gamma")
    assert (f.low, f.high) == parameters.find("agglomeration.gamma").plausible
    with pytest.raises(SweepError, match="single value"):
        design.parse_range("tax.cit_standard")
    with pytest.raises(SweepError, match="no plausible range"):
        design.parse_range("provinces.Henan.wage_yuan")


def test_an_experiment_range_can_be_the_plausible_range(tiny, tmp_path):
    from simulation.sweep.experiment import load

    (tmp_path / "experiment.toml").write_text(
        f'[experiment]\nscenarios = ["{tiny.as_posix()}"]\n[design]\nmethod = "lhs"\nn = 4\n'
        '[design.range]\n"agglomeration.gamma" = "plausible"\n"behaviour.logit_scale" = [0.01, 0.02]\n'
    )
    spec = load(tmp_path)
    gamma = spec.design.factors[0]
    assert (gamma.low, gamma.high) == parameters.find("agglomeration.gamma").plausible
    (tmp_path / "experiment.toml").write_text(
        f'[experiment]\nscenarios = ["{tiny.as_posix()}"]\n[design]\nmethod = "lhs"\nn = 4\n'
        '[design.range]\n"agglomeration.gamma" = "wide"\n'
    )
    with pytest.raises(SweepError, match='"plausible"'):
        load(tmp_path)
