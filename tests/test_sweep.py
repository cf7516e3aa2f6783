"""Sweep layer: designs, seeds, the run function, effects, the results folder and the CLI (serial).

Runs use a tiny baseline (300 firms, 3 quarters, a capped calibration: ~0.05 s each).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from simulation import cli, scenario
from simulation.sweep import design, effects, runs
from simulation.sweep.errors import SweepError
from simulation.sweep.experiment import Sizes
from simulation.sweep.experiment import load as load_experiment

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
# more frequent reviews: more relocation than the baseline in every seed (a cheaper move changed too
# few of the handful of moves of 300 firms in 3 quarters to give the effect a spread)
ALT = TINY.replace('name = "baseline"', 'name = "more-reviews"') + "[behaviour]\nreview_hazard = 0.2\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "baseline.toml").write_text(TINY)
    (folder / "alt.toml").write_text(ALT)
    return folder / "baseline.toml", folder / "alt.toml"


@pytest.fixture(scope="module")
def two_scenario_sweep(tiny, tmp_path_factory) -> Path:
    """Baseline and alternative, 4 seeds each, in this process."""
    out = tmp_path_factory.mktemp("sweep") / "two"
    assert cli.main(["sweep", *map(str, tiny), "--seeds", "4", "--workers", "0", "--out", str(out)]) == 0
    return out


def sweep(*args: str | Path) -> int:
    return cli.main(["sweep", *map(str, args)])


# --- seeds -------------------------------------------------------------------------------------


def test_seeds_are_reproducible_distinct_and_extendable():
    seeds = design.spawn_seeds(42, 6)
    assert seeds == design.spawn_seeds(42, 6)
    assert len(set(seeds)) == 6
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in seeds)
    assert design.spawn_seeds(42, 3) == seeds[:3]  # more seeds later keeps the earlier ones
    assert set(design.spawn_seeds(43, 6)).isdisjoint(seeds)


# --- designs -----------------------------------------------------------------------------------


RANGES = [
    design.parse_range("behaviour.logit_scale=0.01:0.04"),
    design.parse_range("behaviour.consideration_size=2:8"),
]


def test_grid_is_the_full_factorial():
    d = design.grid(
        [
            design.parse_vary("behaviour.logit_scale=0.01,0.02,0.03"),
            design.parse_vary("parks.enabled=true,false"),
        ]
    )
    assert len(d.points) == 6
    combos = {(p["behaviour.logit_scale"], p["parks.enabled"]) for p in d.points}
    assert combos == {(a, b) for a in (0.01, 0.02, 0.03) for b in (True, False)}


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_samplers_shape_bounds_integers_and_seed(method):
    d = design.SAMPLERS[method](RANGES, 8, 3)
    x = np.array([[p[k] for k in d.keys] for p in d.points], dtype=float)
    assert x.shape == (8, 2)
    assert np.all((x[:, 0] >= 0.01) & (x[:, 0] <= 0.04))
    assert np.all((x[:, 1] >= 2) & (x[:, 1] <= 8))
    assert all(isinstance(p["behaviour.consideration_size"], int) for p in d.points)  # an int parameter
    assert design.SAMPLERS[method](RANGES, 8, 3).points == d.points
    assert design.SAMPLERS[method](RANGES, 8, 4).points != d.points


def test_lhs_is_stratified():
    d = design.lhs(RANGES[:1], 10, 0)
    bins = np.floor((np.array([p["behaviour.logit_scale"] for p in d.points]) - 0.01) / 0.003).astype(int)
    assert sorted(bins) == list(range(10))  # one point in each tenth of the range


def test_sobol_needs_a_power_of_two():
    with pytest.raises(SweepError, match="power of two.*got 10"):
        design.sobol(RANGES, 10, 0)


def test_morris_design_and_indices_of_a_linear_function():
    d = design.morris(RANGES, 6, 1, levels=4)
    assert len(d.points) == 6 * (2 + 1)
    assert design.morris(RANGES, 6, 1).points == d.points
    levels = {round(p["behaviour.logit_scale"], 9) for p in d.points}
    assert levels <= {0.01, 0.02, 0.03, 0.04}
    y = np.array([3 * p["behaviour.logit_scale"] - 0.5 * p["behaviour.consideration_size"] for p in d.points])
    idx = design.analyze(d, y).set_index("parameter")
    # elementary effects per unit of the scaled range: coefficient x range width
    assert idx.loc["behaviour.logit_scale", "mu_star"] == pytest.approx(3 * 0.03)
    assert idx.loc["behaviour.consideration_size", "mu"] == pytest.approx(-0.5 * 6, rel=0.35)  # rounding
    assert idx.loc["behaviour.logit_scale", "sigma"] == pytest.approx(0, abs=1e-12)


def test_saltelli_design_and_first_order_indices():
    f = [design.parse_range("agglomeration.gamma=0:1"), design.parse_range("behaviour.logit_scale=0.5:1.5")]
    d = design.saltelli(f, 256, 2)
    assert len(d.points) == 256 * (2 + 2)
    x = d.matrix
    y = x[:, 0] + 2 * x[:, 1]  # additive: S1 = ST = 1/5 and 4/5
    idx = design.analyze(d, y, seed=1).set_index("parameter")
    assert idx["S1"].to_numpy() == pytest.approx([0.2, 0.8], abs=0.08)
    assert idx["ST"].to_numpy() == pytest.approx([0.2, 0.8], abs=0.08)
    assert np.all(idx["S1_conf"] > 0)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("behaviour.logit_scale=", "expected key=lo:hi"),
        ("provinces.Henan.wage_yuan", "no plausible range"),  # a bare key takes the plausible range
        ("behaviour.logit_scale=0.04:0.01", "lo < hi"),
        ("behaviour.logit_scale=a:b", "two numbers"),
        ("behaviour.logit_scale=-1:0.5", r"leaves a number in \(0, 10\]"),
        ("parks.enabled=0:1", "needs a numeric parameter"),
    ],
)
def test_bad_ranges_name_flag_key_and_what_is_allowed(text, match):
    with pytest.raises(SweepError, match=match) as err:
        design.parse_range(text)
    assert str(err.value).startswith("--range: key")


def test_build_checks_combinations():
    vary = [design.parse_vary("parks.enabled=true,false")]
    with pytest.raises(SweepError, match="needs a sampler"):
        design.build([], RANGES, None, 4, 0)
    with pytest.raises(SweepError, match="cannot be crossed"):
        design.build(vary, RANGES, "morris", 4, 0)
    crossed = design.build(vary, RANGES, "lhs", 4, 0)
    assert len(crossed.points) == 8 and set(crossed.points[0]) == {
        "parks.enabled",
        *design.build([], RANGES, "lhs", 4, 0).keys,
    }
    assert design.build([], [], None, None, 0).points == ({},)


# --- the run function --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_dict(tiny) -> dict:
    return runs.scenario_dict(scenario.load(tiny[0]))


def test_scenario_dict_round_trips(tiny):
    sc = scenario.load(tiny[0])
    assert scenario.from_dict(runs.scenario_dict(sc)).hash() == sc.hash()


def test_run_one_returns_flat_outcomes_and_series(tiny_dict):
    r = runs.run_one(tiny_dict, 11, {"behaviour.logit_scale": 0.03}, tag="t", timeseries=True)
    assert r.ok and r.tag == "t" and r.seed == 11 and r.wall_time_s > 0 and r.error == ""
    assert r.outcomes["steps"] == 3 and r.outcomes["run_firms"] == 300
    assert 0 < r.outcomes["inland_employment_share_end"] < 1
    regions = r.outcome_tables["summary_by_region"]
    assert math.isclose(sum(row["employment_share_end"] for row in regions), 1)
    assert all(isinstance(v, (int, float)) for v in r.outcomes.values())
    assert len(r.timeseries) == 4 * 31 and {"employment", "relocations_in", "wage_yuan"} <= set(r.timeseries)
    again = runs.run_one(tiny_dict, 11, {"behaviour.logit_scale": 0.03}, timeseries=True)
    assert again.outcomes == r.outcomes and again.timeseries.equals(r.timeseries)
    other = runs.run_one(tiny_dict, 12, {"behaviour.logit_scale": 0.03})
    assert other.outcomes != r.outcomes and other.timeseries is None


def test_run_one_reports_errors_as_failed_runs(tiny_dict, monkeypatch):
    bad = runs.run_one(tiny_dict, 1, {"behaviour.logit_scale": -1.0})
    assert bad.status == "failed" and not bad.ok and bad.outcomes == {}
    assert "behaviour.logit_scale" in bad.error and "ScenarioError" in bad.error
    monkeypatch.setenv(runs.FAULT_ENV, "x=raise")
    assert runs.run_one(tiny_dict, 1, tag="x").status == "failed"
    assert runs.run_one(tiny_dict, 1, tag="y").ok


# --- effects -----------------------------------------------------------------------------------


def test_t_interval_matches_a_hand_computation():
    d = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    # mean 3.2; s = sqrt(14.8 / 4); t(0.975, 4) = 2.7764451051977987; half = t s / sqrt(5)
    half = 2.7764451051977987 * math.sqrt(14.8 / 4) / math.sqrt(5)
    mean, sd, lo, hi = effects.t_interval(d)
    assert (mean, sd) == pytest.approx((3.2, math.sqrt(3.7)))
    assert (lo, hi) == pytest.approx((3.2 - half, 3.2 + half))
    assert lo == pytest.approx(0.8116, abs=1e-4)
    assert math.isnan(effects.t_interval(np.array([1.0]))[2])


def test_paired_effects_pair_by_seed_and_skip_failed_runs():
    rows = []
    for i, (b, s) in enumerate([(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (9.0, 0.0)]):
        rows.append(dict(scenario="baseline", point=0, seed_index=i, seed=100 + i, status="ok", y=b))
        rows.append(
            dict(
                scenario="lever", point=0, seed_index=i, seed=100 + i, status="ok" if i < 3 else "failed", y=s
            )
        )
    table = pd.DataFrame(rows)
    eff = effects.paired_effects(table, "baseline", ["y"])
    assert len(eff) == 1
    row = eff.iloc[0]
    assert row["n"] == 3 and row["diff_mean"] == pytest.approx(5 / 3)
    mean, sd, lo, hi = effects.t_interval(np.array([1.0, 2.0, 2.0]))
    assert (row["diff_sd"], row["ci_low"], row["ci_high"]) == pytest.approx((sd, lo, hi))
    assert row["baseline_mean"] == pytest.approx(2.0)  # the failed pair is left out on both sides


def test_choose_outcomes_defaults_and_errors():
    table = pd.DataFrame({"relocations_total": [1], "inland_employment_share_end": [0.3], "status": ["ok"]})
    assert effects.choose_outcomes(table, None) == ["inland_employment_share_end", "relocations_total"]
    with pytest.raises(SweepError, match="relocation_total.*did you mean relocations_total") as err:
        effects.choose_outcomes(table, ["relocation_total"])
    assert "inland_employment_share_end" not in str(err.value)  # the close matches, not every column


# --- the CLI and the results folder ------------------------------------------------------------


def test_sweep_writes_summary_parts_and_manifest(two_scenario_sweep):
    out = two_scenario_sweep
    table = pd.read_parquet(out / "summary.parquet")
    assert len(table) == 8 and table["run_id"].is_unique and (table["status"] == "ok").all()
    assert list(table.columns[:8]) == [
        "run_id",
        "scenario",
        "point",
        "seed_index",
        "seed",
        "status",
        "wall_time_s",
        "error",
    ]
    assert {"inland_employment_share_end", "run_firms"} <= set(table.columns)
    regions = pd.read_parquet(out / "summary_by_region.parquet")
    assert len(regions) == 8 * 4 and set(regions["region"]) == {"east", "central", "west", "northeast"}
    # common random numbers: the same seeds for both scenarios
    seeds = table.pivot(index="seed_index", columns="scenario", values="seed")
    assert (seeds["baseline"] == seeds["more-reviews"]).all() and seeds["baseline"].is_unique
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "complete" and len(manifest["spec_hash"]) == 64
    assert manifest["seeds"] == seeds["baseline"].tolist()
    assert manifest["master_seed"] == 20240101 and manifest["runs_ok"] == 8
    assert {r["run_id"] for r in manifest["runs"]} == set(table["run_id"])
    assert all(r["wall_time_s"] > 0 for r in manifest["runs"])
    assert "pandas" in manifest["versions"] and "dask" in manifest["versions"]
    parts = pd.read_parquet(out / "runs")  # hive partitions: scenario=<name>
    assert set(parts["scenario"].astype(str)) == {"baseline", "more-reviews"}
    assert parts.groupby("run_id").size().eq(4 * 31).all() and set(parts["run_id"]) == set(table["run_id"])
    assert {"seed", "step", "province", "employment", "relocations_out"} <= set(parts.columns)
    assert not list(out.rglob("*.tmp"))


def test_summary_csv_round_trips(two_scenario_sweep):
    table = pd.read_parquet(two_scenario_sweep / "summary.parquet")
    csv = pd.read_csv(two_scenario_sweep / "summary.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(table.columns)
    text = {c: str for c in table.select_dtypes("category").columns}  # categoricals in Parquet
    pd.testing.assert_frame_equal(
        csv.drop(columns="error"), table.astype(text).drop(columns="error"), check_dtype=False
    )


def test_sweep_writes_effects_and_compare_prints_them(two_scenario_sweep, capsys):
    eff = pd.read_csv(two_scenario_sweep / "effects.csv")
    table = pd.read_parquet(two_scenario_sweep / "summary.parquet")
    present = [o for o in effects.DEFAULT_OUTCOMES if o in table.columns]  # fiscal ones come with levers
    assert {"inland_employment_share_end", "relocations_total", "relocated_employment_total"} <= set(present)
    assert list(eff["outcome"]) == present
    assert (eff["scenario"] == "more-reviews").all() and (eff["n"] == 4).all()
    pivot = table.pivot(index="seed_index", columns="scenario", values="relocations_total")
    d = (pivot["more-reviews"] - pivot["baseline"]).to_numpy(dtype=float)
    row = eff.set_index("outcome").loc["relocations_total"]
    assert row["diff_mean"] == pytest.approx(d.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(effects.t_interval(d)[2:])
    capsys.readouterr()
    before = (two_scenario_sweep / "effects.csv").read_bytes()
    args = ["compare", str(two_scenario_sweep), "--outcome", "relocations_total", "--confidence", "0.9"]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "effects against 'baseline'" in printed and "relocations_total" in printed and "90% CI" in printed
    assert "not saved" in printed and not (two_scenario_sweep / "compare_effects.csv").exists()
    assert cli.main([*args, "--write"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (two_scenario_sweep / "effects.csv").read_bytes() == before  # the sweep's own table is kept
    again = pd.read_csv(two_scenario_sweep / "compare_effects.csv")
    assert list(again["outcome"]) == ["relocations_total"]
    assert again["ci_high"].iloc[0] - again["ci_low"].iloc[0] < row["ci_high"] - row["ci_low"]  # 90% < 95%


def test_compare_rejects_a_missing_outcome_and_baseline(two_scenario_sweep, capsys):
    assert cli.main(["compare", str(two_scenario_sweep), "--outcome", "inland_employment_share_ned"]) == 2
    err = capsys.readouterr().err
    assert "no such numeric outcome" in err and "did you mean inland_employment_share_end" in err
    assert len(err) < 600 and "wall_time_s" not in err  # the close matches, not every column
    assert cli.main(["compare", str(two_scenario_sweep), "--baseline", "nope"]) == 2
    assert "scenarios: baseline, more-reviews" in capsys.readouterr().err


def test_existing_folder_is_not_overwritten(two_scenario_sweep, tiny, capsys):
    before = (two_scenario_sweep / "summary.parquet").read_bytes()
    assert sweep(*tiny, "--seeds", "4", "--workers", "0", "--out", two_scenario_sweep) == 2
    assert "not empty" in capsys.readouterr().err
    assert (two_scenario_sweep / "summary.parquet").read_bytes() == before


def test_resume_of_a_finished_sweep_redoes_nothing(tiny, tmp_path):
    out = tmp_path / "s"
    assert sweep(tiny[0], "--seeds", "2", "--workers", "0", "--out", out) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    assert sweep(tiny[0], "--seeds", "2", "--workers", "0", "--out", out, "--resume") == 0
    assert {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()} == stamps


def test_changed_spec_refuses_to_resume(tiny, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep(tiny[0], "--seeds", "2", "--workers", "0", "--out", out) == 0
    capsys.readouterr()
    assert sweep(tiny[0], "--seeds", "3", "--steps", "2", "--workers", "0", "--out", out, "--resume") == 2
    err = capsys.readouterr().err
    assert "spec changed" in err and "seeds: 2 -> 3" in err and "run.steps: 3 -> 2" in err
    assert len(list((out / "records").iterdir())) == 2


def test_failed_runs_are_reported_not_fatal(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(runs.FAULT_ENV, "baseline-p00000-s0001=raise")
    out = tmp_path / "f"
    assert sweep(*tiny, "--seeds", "3", "--workers", "0", "--out", out) == 1
    assert "1 run(s) failed" in capsys.readouterr().err
    table = pd.read_parquet(out / "summary.parquet").set_index("run_id")
    assert table.loc["baseline-p00000-s0001", "status"] == "failed"
    assert "fault injected" in table.loc["baseline-p00000-s0001", "error"]
    assert math.isnan(table.loc["baseline-p00000-s0001", "relocations_total"])
    assert (table.drop(index="baseline-p00000-s0001")["status"] == "ok").all()
    eff = pd.read_csv(out / "effects.csv")
    assert (eff["n"] == 2).all()  # the pair with the failed run is left out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_failed"] == 1 and manifest["state"].startswith("complete: 1 failed")
    monkeypatch.delenv(runs.FAULT_ENV)
    assert sweep(*tiny, "--seeds", "3", "--workers", "0", "--out", out, "--resume") == 1  # failed is final
    assert sweep(*tiny, "--seeds", "3", "--workers", "0", "--out", out, "--resume", "--retry-failed") == 0
    table = pd.read_parquet(out / "summary.parquet")
    assert len(table) == 6 and (table["status"] == "ok").all()


def test_grid_and_sample_columns_in_the_summary(tiny, tmp_path):
    out = tmp_path / "g"
    args = [
        "--vary",
        "parks.enabled=true,false",
        "--sample",
        "lhs",
        "--n",
        "2",
        "--range",
        "behaviour.consideration_size=2:9",
    ]
    assert sweep(tiny[0], *args, "--seeds", "1", "--workers", "0", "--out", out) == 0
    table = pd.read_parquet(out / "summary.parquet")
    # varied keys under identifier names (design.csv keeps the keys; the manifest maps one to the other)
    assert len(table) == 4 and table["parks_enabled"].tolist().count(True) == 2
    size = table["behaviour_consideration_size"]
    assert size.between(2, 9).all() and (size == size.round()).all()
    design = pd.read_csv(out / "design.csv")
    assert len(design) == 4 and list(design.columns[1:]) == ["parks.enabled", "behaviour.consideration_size"]
    assert json.loads((out / "manifest.json").read_text())["parameter_columns"] == {
        "parks_enabled": "parks.enabled",
        "behaviour_consideration_size": "behaviour.consideration_size",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--vary", "behaviour.nonsense=1,2"],
            "key 'behaviour.nonsense': unknown parameter; allowed in [behaviour]",
        ),
        (
            ["--vary", "behaviour.logit_scale=0.02,-1"],
            "--vary: key 'behaviour.logit_scale': must be a number in (0, 10]",
        ),
        (["--range", "provinces.Atlantis.wage_yuan=1:2", "--sample", "lhs", "--n", "2"], "unknown province"),
        (["--range", "behaviour.logit_scale=0.01:0.02"], "needs a sampler"),
        (["--vary", "run.seed=1,2"], "master seed"),
        (["--set", "run.firms=0"], "run.firms"),
    ],
)
def test_bad_sweep_input_exits_2_with_a_clear_message(tiny, tmp_path, capsys, args, message):
    assert sweep(tiny[0], *args, "--workers", "0", "--out", tmp_path / "x") == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_missing_scenario_file_is_named(tmp_path, capsys):
    assert sweep(tmp_path / "nope.toml", "--out", tmp_path / "x") == 2
    assert "nope.toml" in capsys.readouterr().err


def test_experiment_file_errors_name_the_file_and_key(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "experiment.toml").write_text('[experiment]\nscenarios = ["baseline.toml"]\nseedz = 3\n')
    with pytest.raises(
        SweepError, match=r"experiment.toml: key 'experiment.seedz': unknown key; allowed: name"
    ):
        load_experiment(folder, Sizes())
    (folder / "experiment.toml").write_text('[experiment]\nscenarios = ["nowhere.toml"]\n')
    with pytest.raises(SweepError, match="'nowhere.toml' not found; tried"):
        load_experiment(folder, Sizes())
    (folder / "experiment.toml").write_text(
        f'[experiment]\nscenarios = ["{BASELINE.as_posix()}"]\n[design]\nmethod = "lhs"\nn = 2\n'
        '[design.range]\n"behaviour.logit_scale" = [0.05]\n'
    )
    with pytest.raises(SweepError, match=r"design.range.behaviour.logit_scale': expected \[low, high\]"):
        load_experiment(folder, Sizes())


def test_optional_packages_load_lazily_and_their_absence_is_explained(monkeypatch):
    import subprocess
    import sys

    code = (
        "import sys; from simulation import cli; cli._parser(); import simulation.sweep.engine; "
        "print(sorted(m for m in ('distributed', 'dask', 'SALib', 'ema_workbench') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
    from simulation.sweep.executors import backend

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(SweepError, match=r"optional package .distributed.*pip install -e \"\.\[dask\]\""):
        backend(scheduler="tcp://127.0.0.1:8786")
    monkeypatch.setitem(sys.modules, "SALib.sample.morris", None)
    with pytest.raises(SweepError, match=r"optional package 'SALib'.*\[sa\]"):
        design.morris(RANGES, 2, 0)


def test_cost_effectiveness_is_jobs_effect_per_100m_of_extra_spending():
    rows = []
    for i, (jobs_b, jobs_s, cost_s) in enumerate(
        [(100.0, 160.0, 2e8), (110.0, 150.0, 2e8), (90.0, 170.0, 2e8)]
    ):
        common = dict(point=0, seed_index=i, seed=7 + i, status="ok")
        rows.append(
            dict(scenario="baseline", inland_employment_end=jobs_b, fiscal_cost_yuan_total=0.0, **common)
        )
        rows.append(
            dict(scenario="lever", inland_employment_end=jobs_s, fiscal_cost_yuan_total=cost_s, **common)
        )
    rows.append(dict(scenario="free", point=0, seed_index=0, seed=7, status="ok", inland_employment_end=101.0,
                     fiscal_cost_yuan_total=0.0))  # fmt: skip
    ce = effects.cost_effectiveness(pd.DataFrame(rows), "baseline")
    lever = ce[ce["scenario"] == "lever"].iloc[0]
    d = np.array([60.0, 40.0, 80.0])
    mean, _, lo, hi = effects.t_interval(d)
    assert lever["jobs_inland_mean"] == pytest.approx(60.0)
    assert lever["jobs_per_100m_yuan"] == pytest.approx(30.0)  # 60 jobs for 2 x 100 million yuan
    assert (lever["jobs_per_100m_ci_low"], lever["jobs_per_100m_ci_high"]) == pytest.approx((lo / 2, hi / 2))
    assert math.isnan(ce[ce["scenario"] == "free"].iloc[0]["jobs_per_100m_yuan"])
    assert "lever" in effects.format_cost_effectiveness(
        ce
    ) and "free" not in effects.format_cost_effectiveness(ce)


def test_sweep_of_a_priced_lever_reports_jobs_per_100m(tiny, tmp_path, capsys):
    priced = tmp_path / "bonds.toml"
    priced.write_text(
        tiny[0].read_text().replace('name = "baseline"', 'name = "bonds"')
        + "[levers.special_bonds]\nenabled = true\nbuild_lag_quarters = 0\n"
    )
    out = tmp_path / "ce"
    assert (
        cli.main(["sweep", str(tiny[0]), str(priced), "--seeds", "3", "--workers", "0", "--out", str(out)])
        == 0
    )
    ce = pd.read_csv(out / "cost_effectiveness.csv")
    summary = pd.read_parquet(out / "summary.parquet")
    spent = summary.loc[summary["scenario"] == "bonds", "fiscal_cost_yuan_total"]
    assert ce.loc[0, "fiscal_cost_yuan_mean"] == pytest.approx(spent.mean()) and spent.mean() > 0
    assert ce.loc[0, "jobs_per_100m_yuan"] == pytest.approx(
        ce.loc[0, "jobs_inland_mean"] / (spent.mean() / 1e8)
    )
    assert "jobs moved inland per 100 million yuan" in capsys.readouterr().out
