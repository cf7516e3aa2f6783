"""`ptsim run` / `ptsim validate` end to end on a small scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, SMALL_FIRMS, SMALL_STEPS

from simulation import cli, parameters
from simulation.geography import load_china
from simulation.recorder import COST_COLUMNS
from simulation.sectors import load_sectors
from simulation.timeline import Quarter

ID_COLUMNS = ("step", "quarter", "province", "region", "sector")
STATE_COLUMNS = ("firms", "employment", "output_yuan", "relocations_in", "relocations_out")
SUMMARY_KEYS = (
    "seed",
    "steps",
    "run_firms",
    "inland_employment_share_start",
    "inland_employment_share_end",
    "relocations_total",
)


def run(*args: str | Path) -> int:
    return cli.main(["run", *map(str, args)])


@pytest.fixture(scope="module")
def result(small_scenario_file, tmp_path_factory) -> Path:
    """One full run (with figures) of the small scenario."""
    out = tmp_path_factory.mktemp("run") / "out"
    assert run(small_scenario_file, "--out", out) == 0
    return out


@pytest.fixture(scope="module")
def ts(result) -> pd.DataFrame:
    return pd.read_parquet(result / "timeseries.parquet")


@pytest.fixture(scope="module")
def flows(result) -> pd.DataFrame:
    return pd.read_parquet(result / "flows.parquet")


@pytest.fixture(scope="module")
def summary(result) -> dict:
    return json.loads((result / "summary.json").read_text())


@pytest.fixture(scope="module")
def manifest(result) -> dict:
    return json.loads((result / "manifest.json").read_text())


# --- files -------------------------------------------------------------------------------------


def test_run_writes_result_files(result):
    for name in ("timeseries.parquet", "flows.parquet", "summary.json", "manifest.json"):
        assert (result / name).is_file(), name
        assert (result / name).stat().st_size > 0
    pngs = sorted((result / "figures").glob("*.png"))
    assert pngs
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(result.rglob("*.tmp"))  # no leftovers of the atomic writes


def test_run_prints_summary(small_scenario_file, tmp_path, capsys):
    out = tmp_path / "o"
    assert run(small_scenario_file, "--out", out, "--no-figures", "--steps", "2") == 0
    text = capsys.readouterr().out
    assert "inland employment" in text and "start, %" in text and "change, pp" in text
    assert str(out) in text
    assert not (out / "figures").exists()  # --no-figures


# --- timeseries --------------------------------------------------------------------------------


def test_timeseries_columns(ts):
    for col in (*ID_COLUMNS, *STATE_COLUMNS, *COST_COLUMNS):
        assert col in ts.columns, col
    for col in (*STATE_COLUMNS, *COST_COLUMNS):
        assert pd.api.types.is_numeric_dtype(ts[col]), col
        assert np.isfinite(ts[col].to_numpy(float)).all(), col
    for col in ("step", "firms", "relocations_in", "relocations_out"):
        assert pd.api.types.is_integer_dtype(ts[col]), col


def test_timeseries_one_row_per_step_province_sector(ts):
    provinces, sectors = load_china().names.tolist(), load_sectors().names.tolist()
    assert sorted(ts["step"].unique().tolist()) == list(range(SMALL_STEPS + 1))
    assert len(ts) == (SMALL_STEPS + 1) * len(provinces) * len(sectors)
    assert not ts.duplicated(["step", "province", "sector"]).any()
    assert set(ts["province"]) == set(provinces)
    assert set(ts["sector"]) == set(sectors)
    # region is the province's region
    world = load_china()
    region_of = dict(zip(world.names.tolist(), world.region.tolist(), strict=True))
    assert (ts["province"].map(region_of) == ts["region"]).all()


def test_timeseries_quarters(ts, small_scenario):
    start = Quarter.parse(small_scenario["run.start"])
    assert str(ts["quarter"].dtype) == "datetime64[ns]"  # a date in the file: the quarter's first day
    by_step = ts.groupby("step")["quarter"].unique()
    for step, quarters in by_step.items():
        quarters = [str(q) for q in pd.DatetimeIndex(quarters).to_period("Q")]
        assert list(quarters) == [str(start + (step - 1))], step  # step 0 = the quarter before


def test_timeseries_values_are_sane(ts):
    assert (ts["firms"] >= 0).all()
    assert (ts["employment"] >= 0).all()
    assert (ts["output_yuan"] >= 0).all()
    assert ((ts["firms"] == 0) == (ts["employment"] == 0)).all()
    assert (ts.loc[ts["step"] == 0, ["relocations_in", "relocations_out"]] == 0).all().all()
    assert (ts["labour_cost_yuan"] >= 0).all()


TURNOVER = ("entered", "exited", "converted", "abroad")


def _net_turnover(ts, what: str, by: list[str]):
    """entered - exited - converted - abroad of ``what`` (firms or employment) by ``by``."""
    signs = {"entered": 1, "exited": -1, "converted": -1, "abroad": -1}
    total = sum(signs[k] * ts[f"{what}_{k}"] for k in TURNOVER)
    return total.groupby([ts[c] for c in by]).sum()


def test_firms_and_employment_conserved_up_to_entry_and_exit(ts):
    """Plants and employment of a step = the previous step's + entered - exited - converted -
    gone abroad (+ the growth of the plants that stayed, for employment), nationally and by
    sector (plants keep their sector)."""
    per_step = ts.groupby("step")[["firms", "employment"]].sum()
    assert per_step["firms"].iloc[0] == SMALL_FIRMS
    net_firms = _net_turnover(ts, "firms", ["step"])
    assert (per_step["firms"].diff().iloc[1:] == net_firms.iloc[1:]).all()
    net_jobs = _net_turnover(ts, "employment", ["step"]) + ts.groupby("step")["employment_grown"].sum()
    assert np.allclose(per_step["employment"].diff().iloc[1:], net_jobs.iloc[1:], rtol=1e-9, atol=1e-3)
    by_sector = ts.groupby(["step", "sector"])["firms"].sum().unstack("sector")
    net = _net_turnover(ts, "firms", ["step", "sector"]).unstack("sector")
    assert (by_sector.diff().iloc[1:] == net.iloc[1:]).all().all()
    assert net_firms.iloc[1:].abs().sum() > 0  # the small run has turnover to conserve


def test_state_changes_are_the_recorded_flows(ts):
    """firms[t] - firms[t-1] = relocations_in[t] - relocations_out[t] + entered - exited -
    converted - abroad in every cell."""
    wide = ts.set_index(["step", "province", "sector"]).sort_index()
    firms = wide["firms"].unstack("step")
    change = firms.diff(axis=1).iloc[:, 1:]
    turnover = wide["firms_entered"] - wide["firms_exited"] - wide["firms_converted"] - wide["firms_abroad"]
    net = (wide["relocations_in"] - wide["relocations_out"] + turnover).unstack("step").iloc[:, 1:]
    assert (change == net).all().all()


def test_abroad_table_matches_the_time_series(result):
    """Plants leaving provinces for places abroad in the time series are the abroad table's."""
    ts = pd.read_parquet(result / "timeseries.parquet")
    abroad = pd.read_parquet(result / "abroad.parquet")
    assert set(abroad["country"]) == {"Vietnam", "India", "Indonesia", "Mexico"}
    from_ts = ts.groupby("step")["firms_abroad"].sum()
    from_table = abroad.groupby("step")["plants_from_china"].sum()
    assert (from_ts == from_table.reindex(from_ts.index, fill_value=0)).all()


# --- summary -----------------------------------------------------------------------------------


def test_summary_fields(summary, small_scenario, ts):
    for key in SUMMARY_KEYS:
        assert key in summary, key
    assert summary["seed"] == small_scenario["run.seed"]
    assert summary["steps"] == SMALL_STEPS
    assert summary["run_firms"] == SMALL_FIRMS
    for key in ("inland_employment_share_start", "inland_employment_share_end"):
        assert 0 < summary[key] < 1
    for step, key in ((0, "inland_employment_share_start"), (SMALL_STEPS, "inland_employment_share_end")):
        frame = ts[ts["step"] == step]
        inland = frame.loc[frame["region"] != "east", "employment"].sum() / frame["employment"].sum()
        assert summary[key] == pytest.approx(inland, rel=1e-12)


def test_relocations_total_matches_timeseries_and_flows(summary, ts, flows):
    assert summary["relocations_total"] == int(ts.loc[ts["step"] > 0, "relocations_in"].sum())
    assert summary["relocations_total"] == int(flows["firms"].sum())
    assert summary["relocations_total"] > 0  # 600 firms over 6 quarters at ~2%+ review hazard
    assert summary["relocated_employment_total"] == pytest.approx(flows["employment"].sum(), rel=1e-9)


# --- flows -------------------------------------------------------------------------------------


def test_flows_table(flows):
    assert list(flows.columns) == ["step", "origin", "destination", "sector", "firms", "employment"]
    assert (flows["origin"] != flows["destination"]).all()
    assert flows["step"].between(1, SMALL_STEPS).all()
    assert (flows["firms"] > 0).all() and (flows["employment"] > 0).all()
    assert set(flows["origin"]) | set(flows["destination"]) <= set(load_china().names.tolist())
    assert not flows.duplicated(["step", "origin", "destination", "sector"]).any()


def test_flows_in_equal_flows_out(ts, flows):
    per_step = ts.groupby("step")[["relocations_in", "relocations_out"]].sum()
    assert (per_step["relocations_in"] == per_step["relocations_out"]).all()
    emp = ts.groupby("step")[["relocated_employment_in", "relocated_employment_out"]].sum()
    assert np.allclose(emp["relocated_employment_in"], emp["relocated_employment_out"])
    by_step = flows.groupby("step")["firms"].sum().reindex(per_step.index, fill_value=0)
    assert (by_step == per_step["relocations_in"]).all()


def test_flows_match_timeseries_cells(ts, flows):
    moved = ts[ts["step"] > 0].set_index(["step", "province", "sector"])
    inflow = flows.groupby(["step", "destination", "sector"])["firms"].sum()
    inflow.index.names = ["step", "province", "sector"]
    outflow = flows.groupby(["step", "origin", "sector"])["firms"].sum()
    outflow.index.names = ["step", "province", "sector"]
    assert (inflow.reindex(moved.index, fill_value=0) == moved["relocations_in"]).all()
    assert (outflow.reindex(moved.index, fill_value=0) == moved["relocations_out"]).all()


# --- manifest ----------------------------------------------------------------------------------


def test_manifest(manifest, small_scenario, summary):
    assert manifest["scenario_hash"] == small_scenario.hash()
    assert manifest["scenario"] == json.loads(json.dumps(small_scenario.to_dict()))
    assert manifest["seed"] == small_scenario["run.seed"]
    assert manifest["scenario"]["params"]["run.firms"] == SMALL_FIRMS
    assert summary["scenario_hash"] == manifest["scenario_hash"]
    assert {"python", "mesa", "numpy"} <= set(manifest["versions"])
    assert manifest["scenario_source"].endswith("small.toml")


# --- reproducibility ---------------------------------------------------------------------------


def test_same_seed_is_byte_identical(small_scenario_file, result, tmp_path):
    again = tmp_path / "again"
    assert run(small_scenario_file, "--out", again, "--no-figures") == 0
    for name in ("timeseries.parquet", "summary.json", "flows.parquet"):
        assert (again / name).read_bytes() == (result / name).read_bytes(), name


def test_different_seed_differs(small_scenario_file, ts, summary, tmp_path):
    other = tmp_path / "other"
    assert run(small_scenario_file, "--out", other, "--no-figures", "--seed", "7") == 0
    ts7 = pd.read_parquet(other / "timeseries.parquet")
    assert ts7.shape == ts.shape
    assert not ts7.equals(ts)
    assert not np.array_equal(ts7["employment"].to_numpy(), ts["employment"].to_numpy())
    assert json.loads((other / "summary.json").read_text())["seed"] == 7


# --- --set -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def set_run(small_scenario_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("set") / "out"
    assert (
        run(
            small_scenario_file,
            "--out",
            out,
            "--no-figures",
            "--set",
            "behaviour.logit_scale=0.03",
            "--set",
            "provinces.Henan.wage_yuan=45000",
        )
        == 0
    )
    return out


def test_set_changes_resolved_parameter(set_run, manifest):
    changed = json.loads((set_run / "manifest.json").read_text())
    assert changed["scenario"]["params"]["behaviour.logit_scale"] == 0.03
    assert (
        manifest["scenario"]["params"]["behaviour.logit_scale"]
        == parameters.BY_KEY["behaviour.logit_scale"].default
    )
    assert changed["scenario"]["provinces"] == {"Henan": {"wage_yuan": 45000.0}}
    assert changed["scenario_hash"] != manifest["scenario_hash"]
    # everything else is the file's
    assert changed["scenario"]["params"]["run.firms"] == SMALL_FIRMS


def test_set_keeps_scenario_source(set_run):
    """The manifest must still say which file was run when --set is used."""
    changed = json.loads((set_run / "manifest.json").read_text())
    assert changed["scenario_source"].endswith("small.toml"), changed["scenario_source"]


def test_run_bad_set_exits_2(small_scenario_file, tmp_path, capsys):
    out = tmp_path / "never"
    assert run(small_scenario_file, "--out", out, "--set", "behaviour.logit_scale=-1") == 2
    err = capsys.readouterr().err
    assert "behaviour.logit_scale" in err and "(0, 10]" in err
    assert not out.exists()


# --- validate ----------------------------------------------------------------------------------


def test_validate_prints_resolved_parameters(small_scenario_file, capsys):
    assert cli.main(["validate", str(small_scenario_file), "--set", "behaviour.review_hazard=0.03"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert "valid" in lines[0]
    for p in parameters.PARAMS:
        assert any(line.startswith(f"{p.key} = ") for line in lines), p.key
    assert any(
        line.startswith(f"run.firms = {SMALL_FIRMS}") and "changed from default" in line for line in lines
    )
    assert any(line.startswith("behaviour.review_hazard = 0.03") for line in lines)
    assert not any(line.startswith("behaviour.logit_scale") and "changed" in line for line in lines)


def test_validate_bad_file_exits_2(write_toml, capsys):
    path = write_toml("[behaviour]\nlogit_scale = -0.5\n", "bad.toml")
    assert cli.main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "behaviour.logit_scale" in captured.err
    assert str(path) in captured.err
    assert "(0, 10]" in captured.err
    assert "valid" not in captured.out


# --- a failing run leaves existing results alone -----------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    "bad",
    [
        "[behaviour]\nlogit_scale = 0\n",  # rejected by the scenario loader
        "[run]\nfirms = 50\nsteps = 1\n[sectors.electronics]\ndest_eu = 0.9\n",  # rejected at set-up
    ],
    ids=["invalid-parameter", "inconsistent-sector-override"],
)
def test_bad_scenario_leaves_existing_output_untouched(result, tmp_path, write_toml, bad, capsys):
    import shutil

    out = tmp_path / "existing"
    shutil.copytree(result, out)
    (out / "notes.txt").write_text("keep me")
    before = snapshot(out)
    path = write_toml(bad, "bad.toml")
    assert run(path, "--out", out, "--overwrite") == 2  # even when replacing is allowed
    assert "ptsim: error:" in capsys.readouterr().err
    assert snapshot(out) == before


def test_existing_run_folder_is_refused_without_overwrite(small_scenario_file, tmp_path, capsys):
    out = tmp_path / "existing"
    assert run(small_scenario_file, "--out", out, "--steps", "1") == 0  # with figures/
    assert (out / "figures").is_dir()
    (out / "notes.txt").write_text("keep me")
    before = snapshot(out)
    assert run(small_scenario_file, "--out", out, "--no-figures", "--steps", "2") == 2
    err = capsys.readouterr().err
    assert "folder exists and is not empty; add --overwrite" in err
    assert snapshot(out) == before
    assert run(small_scenario_file, "--out", out, "--no-figures", "--steps", "2", "--overwrite") == 0
    assert {p.name for p in out.iterdir()} == set(json.loads((out / "manifest.json").read_text())["files"])
    assert not (out / "figures").exists() and not (out / "notes.txt").exists()  # nothing stale is left
    assert json.loads((out / "summary.json").read_text())["steps"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["existing"]  # no temporary sibling remains


# --- the module entry point --------------------------------------------------------------------


def test_python_m_simulation_help():
    proc = subprocess.run(
        [sys.executable, "-m", "simulation", "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    for word in ("run", "validate", "params"):
        assert word in proc.stdout


def test_python_m_simulation_run_help():
    proc = subprocess.run(
        [sys.executable, "-m", "simulation", "run", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for flag in ("--seed", "--steps", "--firms", "--out", "--set", "--no-figures"):
        assert flag in proc.stdout


# --- the declared format (simulation.results_format) ---------------------------------------------


@pytest.fixture(scope="module")
def lever_run(small_scenario_file, tmp_path_factory) -> Path:
    """The small scenario with a spending lever, so that fiscal.parquet has rows."""
    out = tmp_path_factory.mktemp("lever") / "out"
    args = ("--set", "levers.special_funds.enabled=true", "--set", "levers.domestic_market.enabled=true")
    assert run(small_scenario_file, "--out", out, "--no-figures", *args) == 0
    return out


JSON_TYPES = {
    "str": (str,),
    "int": (int,),
    "float": (float,),
    "bool": (bool,),
    "object": (dict,),
    "list of str": (list,),
}


def _json_type_ok(value: object, declared: str) -> bool:
    """Whether a JSON value has the declared type (``X or null`` also admits None)."""
    base, _, null = declared.partition(" or ")
    if value is None:
        return null == "null"
    if isinstance(value, bool) and base != "bool":
        return False
    if base == "list of str":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, JSON_TYPES[base])


def _dtype_ok(series: pd.Series, declared: str) -> bool:
    """Whether a column read back has the declared pandas dtype (``str``: any text dtype)."""
    if declared == "str":
        return pd.api.types.is_string_dtype(series.dtype)
    return str(series.dtype) == declared


@pytest.mark.parametrize("folder", ["result", "lever_run"])
def test_run_folder_has_exactly_the_declared_format(folder, request):
    from simulation import results_format

    out: Path = request.getfixturevalue(folder)
    for name, spec in results_format.TABLES.items():
        frame = pd.read_parquet(out / name)
        assert tuple(frame.columns) == spec.columns, name
        wrong = {c: str(frame[c].dtype) for c, d in spec.dtypes.items() if not _dtype_ok(frame[c], d)}
        assert not wrong, f"{name}: columns whose dtype is not the declared one: {wrong}"
    for name, spec in results_format.JSON_FILES.items():
        data = json.loads((out / name).read_text(encoding="utf-8"))
        assert set(data) == set(spec.columns), f"{name}: {set(data) ^ set(spec.columns)}"
        wrong = {k: data[k] for k, d in spec.dtypes.items() if not _json_type_ok(data[k], d)}
        assert not wrong, f"{name}: keys whose type is not the declared one: {wrong}"
    declared = {f.name.rstrip("/") for f in results_format.RUN_FOLDER}
    assert {p.name for p in out.iterdir()} <= declared


def test_lever_run_fills_the_fiscal_table(lever_run):
    fiscal = pd.read_parquet(lever_run / "fiscal.parquet")
    assert set(fiscal["lever"]) == {"special_funds", "domestic_market"}
