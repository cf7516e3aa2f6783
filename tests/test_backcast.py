"""The 2011 replay (scenarios/history/backcast_2011.toml): its data, its start and its series."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from simulation import scenario as S
from simulation.geography import load_china
from simulation.model import RelocationModel
from simulation.runner import run_to_folder
from simulation.timeline import Quarter

SCENARIO = REPO / "scenarios" / "history" / "backcast_2011.toml"
HISTORY = REPO / "simulation" / "data" / "history"
SMALL = {"run.firms": 5000, "calibration.sorting_rounds": 5}
CENTRAL_WEST = ("central", "west")


def facts() -> pd.DataFrame:
    return pd.read_csv(HISTORY / "processing_trade.csv")


def fact(key: str) -> float:
    f = facts()
    return float(f[f["key"] == key]["value"].iloc[0])


@pytest.fixture(scope="module")
def sc() -> S.Scenario:
    return S.load(SCENARIO)


@pytest.fixture(scope="module")
def model() -> RelocationModel:
    """The replay with 5,000 firms, after four quarters (2011Q1-2011Q4)."""
    m = RelocationModel(S.load(SCENARIO, SMALL))
    for _ in range(4):
        m.step()
    return m


def test_the_scenario_is_generated_from_its_data():
    """The TOML and the derived tables are what the builder makes of the sourced tables."""
    done = subprocess.run(
        [sys.executable, "scenarios/history/build_backcast_2011.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_scenario_validates(sc):
    assert str(sc.start) == "2011Q1"
    assert sc.params["run.steps"] == 44
    assert sc.params["economy.processing_exports_yuan"] == pytest.approx(
        fact("processing_exports_yuan"), rel=1e-4
    )


def test_every_history_row_has_a_source_a_period_a_grade_and_a_note():
    """wage_path.csv is derived (every row C, its arithmetic in the note); the others cite a source."""
    for path in HISTORY.glob("*.csv"):
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
        source = "source_url" if "source_url" in t.columns else "source"  # the panel's files: source_url
        need = ["confidence", "note"] + ([] if path.name == "wage_path.csv" else [source])
        for column in need:
            assert (t[column].str.strip() != "").all(), f"{path.name}: empty {column}"
        assert t["confidence"].isin(["A", "B", "C"]).all(), path.name
        assert {"date", "period", "year", "model_quarter", "source_date"} & set(t.columns), path.name


def test_start_reproduces_the_documented_central_western_share(sc):
    world = S.build_world(sc)
    pt = world.columns["processing_trade_100m_yuan"]
    share = pt[np.isin(world.region, CENTRAL_WEST)].sum() / pt.sum()
    assert 100 * share == pytest.approx(fact("cw_processing_trade_share"), abs=0.5)
    total_usd = pt.sum() / 10 / 6.46
    assert total_usd == pytest.approx(fact("processing_trade_usd"), rel=1e-3)


def test_the_model_start_has_that_share_of_employment(model):
    ts = model.recorder.timeseries(model)
    s0 = ts[ts["step"] == 0]
    share = s0[s0["region"].isin(CENTRAL_WEST)]["employment"].sum() / s0["employment"].sum()
    assert 100 * share == pytest.approx(fact("cw_processing_trade_share"), abs=0.5)


def test_sichuan_starts_at_its_report(sc):
    fx = pd.read_csv(REPO / "simulation" / "data" / "national_series.csv")
    rate = float(fx[(fx["variable"] == "cny_per_usd") & (fx["year"] == 2011)]["value"].iloc[0])
    expected = fact("sichuan_processing_trade_usd") * rate * 10  # bn USD -> 亿元
    assert sc.provinces["Sichuan"]["processing_trade_100m_yuan"] == pytest.approx(expected, abs=0.05)


def _quarter_of(date: str) -> Quarter:
    """The quarter holding an ISO date or a year-month."""
    year, month = int(date[:4]), int(date[5:7])
    return Quarter.parse(f"{year}Q{(month - 1) // 3 + 1}")


def test_the_rail_origins_switch_on_at_their_documented_dates(model):
    cre = pd.read_csv(HISTORY / "cre_origins.csv")
    at = model.inputs.column_at
    start = Quarter.parse("2010Q4")
    assert not at("cre_origin", start).any()  # no origin before the first train
    firsts = cre[cre["event"] != "suspended"].groupby("province").first()
    for prov, row in firsts.iterrows():
        r = model.world.index(prov)
        q = _quarter_of(row["date"]) if len(row["date"]) >= 7 else Quarter.parse(row["model_quarter"])
        assert str(q) == row["model_quarter"]
        assert at("cre_origin", q + (-1))[r] == 0, prov
        assert at("cre_origin", q)[r] == 1, prov
    wuhan = model.world.index("Hubei")
    assert at("cre_origin", Quarter.parse("2013Q3"))[wuhan] == 0  # the halt of 2012-14
    assert at("cre_origin", Quarter.parse("2014Q2"))[wuhan] == 1
    # in 2021 every origin of provinces.csv is on
    flags = load_china().columns["cre_origin"]
    np.testing.assert_array_equal(at("cre_origin", Quarter.parse("2021Q4")), flags)


def test_parks_and_assembly_centres_open_at_their_designation(model):
    at = model.inputs.column_at
    data = load_china().columns
    for column, quarter in (("national_park", "2021Q3"), ("cre_assembly_centre", "2020Q3")):
        q = Quarter.parse(quarter)
        assert not at(column, q + (-1)).any(), column
        np.testing.assert_array_equal(at(column, q), data[column])


def test_wages_start_at_the_2011_level_and_reset_in_2014(model, sc):
    at = model.inputs.column_at
    henan = model.world.index("Henan")
    assert at("wage_yuan", Quarter.parse("2010Q4"))[henan] == sc.provinces["Henan"]["wage_yuan"]
    path = pd.read_csv(HISTORY / "wage_path.csv")
    central = path[(path["region"] == "central") & (path["kind"] == "level_yuan_month")].set_index("year")[
        "value"
    ]
    ratio = at("wage_yuan", Quarter.parse("2014Q1"))[henan] / at("wage_yuan", Quarter.parse("2013Q4"))[henan]
    assert ratio == pytest.approx(central[2014] / central[2011], rel=1e-3)


def test_four_quarters_finish_with_finite_outputs(model):
    ts = model.recorder.timeseries(model)
    assert ts["step"].max() == 4 and ts["quarter"].iloc[-1] == "2011Q4"
    numeric = ts.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(float)).all()
    assert ts[ts["step"] == 4]["employment"].sum() > 0


def _report_module():
    spec = importlib.util.spec_from_file_location("replay_report", REPO / "scripts" / "replay_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_replay_report_prints_the_shares_of_a_short_run(tmp_path, capsys):
    sc = S.load(SCENARIO, {**SMALL, "run.firms": 1500, "run.steps": 4})
    out = tmp_path / "run"
    run_to_folder(sc, out)
    report = _report_module()
    assert report.main([str(out), str(out)]) == 0
    text = capsys.readouterr().out
    ts = pd.read_parquet(out / "timeseries.parquet")
    y = ts[pd.to_datetime(ts["quarter"]).dt.year == 2011]
    per_q = y.groupby(["step", y["region"].isin(CENTRAL_WEST)])["exports_yuan"].sum().unstack()
    expected = 100 * (per_q[True] / per_q.sum(axis=1)).mean()
    row = next(line for line in text.splitlines() if line.startswith("| 2011 |"))
    assert f"{expected:.2f} ± 0.00" in row.split("|")[3]  # two identical runs: sd 0
    assert "| start |" in text and "## By sector, 2011" in text and "electronics" in text
    assert "27% (exports" in text
