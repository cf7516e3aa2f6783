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
