"""``ptsim validate-history``: the naive benchmarks on series with known answers, the scores, the
validation.json schema, the figure, and the command on the real replay (small)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from simulation import cli
from simulation.estimation import validation as v

YEARS = list(range(2012, 2022))
PROVINCES = ["Henan", "Sichuan", "Guangdong", "Jiangsu"]


def _observed(fn) -> pd.DataFrame:
    """Observed shares ``fn(province index, year)`` for every province and year."""
    rows = [(p, y, fn(i, y)) for i, p in enumerate(PROVINCES) for y in YEARS]
    return pd.DataFrame(rows, columns=["province", "year", "share"])


def _cells(observed: pd.DataFrame, model_error: float = 0.01) -> pd.DataFrame:
    model = observed.assign(share=observed["share"] + model_error)
    return v.forecast_cells(observed, model, fit_until=2019)


def test_persistence_wins_on_a_constant_series():
    """Constant shares with an early in-sample outlier: carrying the last value forward is exact; the
    trend is tilted by the outlier and the shift-share extrapolates it."""
    levels = [0.05, 0.02, 0.3, 0.2]
    obs = _observed(lambda i, y: levels[i] * (1.5 if y == 2012 else 1.0))
    s = v.scores(_cells(obs)[lambda c: c["sample"] == "out"])
    assert s["persistence"]["rmse_pp"] == pytest.approx(0.0, abs=1e-12)
    assert s["persistence"]["rmse_pp"] < s["trend"]["rmse_pp"]
    assert s["persistence"]["rmse_pp"] < s["shift_share"]["rmse_pp"]
    assert s["model"]["rmse_pp"] == pytest.approx(1.0)  # a model 1 point off everywhere
    assert s["persistence"]["n"] == len(PROVINCES) * 2  # 2020 and 2021


def test_trend_wins_on_a_linear_series():
    obs = _observed(lambda i, y: 0.05 + 0.01 * i + (0.002 if i % 2 else -0.001) * (y - 2012) + 0.02)
    s = v.scores(_cells(obs)[lambda c: c["sample"] == "out"])
    assert s["trend"]["rmse_pp"] == pytest.approx(0.0, abs=1e-9)
    assert s["trend"]["rmse_pp"] < s["persistence"]["rmse_pp"]
    assert s["trend"]["rmse_pp"] < s["shift_share"]["rmse_pp"]
    # persistence misses by the slope times the horizon: 1 and 2 years of 0.2 or 0.1 points
    expected = math.sqrt(np.mean([(0.2 * h) ** 2 for h in (1, 2)] + [(0.1 * h) ** 2 for h in (1, 2)]))
    assert s["persistence"]["rmse_pp"] == pytest.approx(expected)


def test_shift_share_is_exact_on_a_constant_regional_shift():
    obs = _observed(lambda i, y: 0.02 * (1 + i) * (1.05 if i % 2 else 0.97) ** (y - 2012))
    s = v.scores(_cells(obs)[lambda c: c["sample"] == "out"])
    assert s["shift_share"]["rmse_pp"] == pytest.approx(0.0, abs=1e-9)
    assert s["shift_share"]["rmse_pp"] < min(s["persistence"]["rmse_pp"], s["trend"]["rmse_pp"])


def test_benchmarks_fall_back_to_persistence_with_one_in_sample_year():
    obs = pd.DataFrame({"province": ["Henan"] * 2, "year": [2015, 2021], "share": [0.04, 0.05]})
    cells = v.forecast_cells(obs, obs, fit_until=2019)
    out = cells[cells["sample"] == "out"].iloc[0]
    assert out["persistence"] == out["trend"] == out["shift_share"] == 0.04


def test_spearman_is_one_for_a_rank_preserving_model():
    obs = _observed(lambda i, y: 0.01 * (i + 1) + 0.0001 * (y - 2012))
    cells = v.forecast_cells(obs, obs.assign(share=obs["share"] * 2), fit_until=2019)
    s = v.scores(cells[cells["sample"] == "out"])
    assert s["model"]["spearman_mean"] == pytest.approx(1.0)
    assert set(s["model"]["spearman_by_year"]) == {"2020", "2021"}


def test_observed_shares_over_the_same_period_as_their_national_total():
    panel = pd.DataFrame(
        {
            "province": ["Henan", "Henan", "Sichuan", "Sichuan", "Hubei", "Hubei", "Anhui"],
            "year": [2019, 2020, 2019, 2019, 2019, 2020, 2018],
            "months": [12, 12, 12, 6, 9, 8, 6],
            "flow": ["trade"] * 7,
            "value_100m_yuan": [1000.0, 1200.0, 3000.0, 1400.0, 500.0, 450.0, 300.0],
            "basis": ["reported"] * 7,
        }
    )
    national = pd.DataFrame({"year": [2019], "flow": ["trade"], "value_100m_yuan": [79322.1]})
    part = pd.DataFrame(
        {"year": [2019, 2019, 2019, 2019], "months": [9, 9, 3, 6], "flow": ["trade"] * 4,
         "value_100m_yuan": [58000.0, 60000.0, 19000.0, 39000.0]}
    )  # fmt: skip
    obs = v.observed_shares(panel, national, "trade", part).set_index("province")
    # Henan 2020: no national total; Sichuan: the full year, not its H1; Hubei 2019 Jan-Sep over
    # the mean of the two national Jan-Sep figures; Hubei 2020 Jan-Aug: not whole quarters; Anhui
    # 2018 H1: no national H1 of 2018
    assert sorted(obs.index) == ["Henan", "Hubei", "Sichuan"] and set(obs["year"]) == {2019}
    assert obs.loc["Sichuan", "share"] == pytest.approx(3000 / 79322.1) and obs.loc["Sichuan", "months"] == 12
    assert obs.loc["Hubei", "share"] == pytest.approx(500 / 59000) and obs.loc["Hubei", "months"] == 9
    assert v.excluded_cells(panel, national, "trade", part) == {
        "cells_of_flow": 7,
        "used": 3,
        "months_not_whole_quarters": 1,
        "no_national_total_of_the_period": 2,
        "shorter_period_of_a_used_year": 1,
        "other_flows": 0,
    }


def test_part_year_cells_are_scored_against_the_model_over_the_same_months():
    obs = pd.DataFrame({"province": ["Henan"] * 3, "year": [2018, 2019, 2020], "months": [12, 12, 9],
                        "share": [0.04, 0.05, 0.06]})  # fmt: skip
    model = pd.DataFrame({"province": ["Henan"] * 4, "year": [2018, 2019, 2020, 2020],
                          "months": [12, 12, 12, 9], "share": [0.04, 0.05, 0.5, 0.061]})  # fmt: skip
    cells = v.forecast_cells(obs, model, fit_until=2019)
    out = cells[cells["sample"] == "out"].iloc[0]
    assert out["months"] == 9 and out["model"] == pytest.approx(0.061)
    assert out["trend"] == pytest.approx(0.06) and out["persistence"] == pytest.approx(0.05)


def _timeseries() -> pd.DataFrame:
    """Two provinces, quarters 2010Q4 (step 0) to 2012Q2: Henan exports 1 a quarter, Sichuan 3."""
    quarters = pd.date_range("2010-10-01", periods=7, freq="QS")
    rows = []
    for step, q in enumerate(quarters):
        for p, x in (("Henan", 1.0), ("Sichuan", 3.0 + step)):
            rows.append({"step": step, "quarter": q, "province": p, "sector": "food", "exports_yuan": x})
    return pd.DataFrame(rows)


def test_model_shares_by_full_year_and_by_months():
    ts = _timeseries()
    full = v.model_shares(ts)
    assert set(full["year"]) == {2011}  # 2012 is incomplete; step 0 (2010Q4) is the start
    s = full.set_index("province")["share"]
    assert s["Henan"] == pytest.approx(4 / (4 + 4 * 3 + 1 + 2 + 3 + 4))
    assert s.sum() == pytest.approx(1.0)
    half = v.model_shares(ts, months=6).set_index(["year", "province"])["share"]
    assert half[(2012, "Henan")] == pytest.approx(2 / (2 + 8 + 9))


def _document(tmp_path, model_error: float, slope: float = 0.0):
    obs = _observed(lambda i, y: [0.05, 0.02, 0.3, 0.2][i] + slope * (y - 2012))
    replay = v.Replay(obs.assign(share=obs["share"] + model_error), {6: obs}, [1, 2])
    milestones = pd.DataFrame(
        {
            "year": [2011, 2021],
            "period": ["2011", "2021 H1"],
            "months": [12, 6],
            "group": ["central+western"] * 2,
            "flow": ["trade", "exports"],
            "share_pct": [6.31, 27.0],
        }
    )
    doc, cells = v.validate(obs, replay, milestones, 2019, {"scenario": "synthetic", "flow": "trade"})
    v.write(doc, cells, replay, tmp_path)
    return doc


def test_validation_json_schema_and_an_honest_verdict(tmp_path):
    doc = _document(tmp_path, model_error=0.01)
    data = json.loads((tmp_path / "validation.json").read_text())  # strict JSON: NaN written as null
    assert data["format"] == "ptsim-validation/1"
    for key in (
        "fit_until", "seeds", "definitions", "cells", "scores_out_of_sample", "scores_in_sample",
        "central_western", "central_western_scores", "verdict", "years_out_of_sample",
    ):  # fmt: skip
        assert key in data, key
    assert set(data["scores_out_of_sample"]) == {"model", "persistence", "trend", "shift_share"}
    for score in data["scores_out_of_sample"].values():
        assert {"n", "rmse_pp", "mae_pp", "spearman_mean", "spearman_by_year"} <= set(score)
    assert data["years_out_of_sample"] == [2020, 2021]
    # a constant world: persistence is exact, the model (1 point off) does not beat it, and says so
    assert doc["verdict"]["beats"]["persistence"]["rmse"] is False
    assert "does NOT beat persistence" in doc["verdict"]["text"]
    cw = {r["period"]: r for r in data["central_western"]}
    assert cw["2011"]["sample"] == "in" and cw["2011"]["persistence_pct"] is None
    assert cw["2021 H1"]["persistence_pct"] == pytest.approx(6.31)
    # the model's central+western share (Henan and Sichuan here) in the same months of 2021
    assert cw["2021 H1"]["model_pct"] == pytest.approx(7.0)
    cells = pd.read_csv(tmp_path / "validation_cells.csv")
    assert list(cells.columns) == list(v.CELL_COLUMNS)
    assert "does NOT beat persistence" in v.format_report(doc)


def test_a_better_model_is_credited(tmp_path):
    """Shares drifting by 0.1 point a year: a model that tracks them exactly beats persistence."""
    doc = _document(tmp_path, model_error=0.0, slope=0.001)
    assert doc["scores_out_of_sample"]["model"]["rmse_pp"] == 0
    assert doc["verdict"]["beats"]["persistence"]["rmse"] is True
    assert doc["verdict"]["text"].startswith("the model beats persistence")


def test_figure_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    from simulation.plots.history import write_figure

    _document(tmp_path, model_error=0.01)
    path = write_figure(tmp_path)
    assert path.name == "validation.png" and path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the command -------------------------------------------------------------------------------


SCENARIO = REPO / "scenarios" / "history" / "backcast_2011.toml"


def test_command_on_the_replay_writes_its_files(tmp_path, capsys):
    out = tmp_path / "val"
    assert cli.main(["validate-history", "--seeds", "1", "--firms", "2000", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "verdict:" in printed and "persistence" in printed
    doc = json.loads((out / "validation.json").read_text())
    assert doc["scenario"].endswith("backcast_2011.toml") and doc["firms"] == 2000
    assert {"validation_cells.csv", "model_shares.csv", "validation.png"} <= {p.name for p in out.iterdir()}
    shares = pd.read_csv(out / "model_shares.csv")
    assert shares.groupby("year")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert sorted(shares["year"].unique()) == list(range(2011, 2022))


def test_command_refuses_a_bad_estimate_file(tmp_path, capsys):
    bad = tmp_path / "estimate.json"
    bad.write_text('{"format": "ptsim-estimate/1"}')
    args = ["validate-history", "--estimate", str(bad), "--out", str(tmp_path / "val")]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "estimate.json" in err and "missing key" in err
    assert not (tmp_path / "val" / "validation.json").exists()


def test_command_refuses_an_estimate_fitted_after_the_fit_period(tmp_path, capsys):
    example = json.loads((REPO / "tests" / "data" / "estimate_example.json").read_text())
    path = tmp_path / "estimate.json"
    path.write_text(json.dumps(example | {"fit_until": 2021}))
    assert cli.main(["validate-history", "--estimate", str(path), "--out", str(tmp_path / "val")]) == 2
    assert "key 'fit_until'" in capsys.readouterr().err


def test_estimated_defaults_are_not_scored_in_their_own_sample(monkeypatch, tmp_path):
    """The defaults are the estimate fitted through 2021, so without --estimate the validation from
    2019 takes the shipped fit-2019 estimate; a fit-until year without one is refused, naming
    --estimate."""
    from simulation import parameters
    from simulation.estimation import validation

    assert parameters.USE_ESTIMATES
    assert validation.default_estimate(2019).name == "fit_2019.json"
    assert validation.default_estimate(2021) is None  # the defaults were fitted through 2021
    with pytest.raises(ValueError, match="--estimate"):
        validation.default_estimate(2017)
    monkeypatch.setattr(parameters, "USE_ESTIMATES", False)
    assert validation.default_estimate(2017) is None  # assumed defaults: nothing was fitted
