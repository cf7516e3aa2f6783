"""Fiscal accounts add up; every shipped scenario validates and runs; bad lever names fail clearly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from simulation import cli, decision, levers
from simulation import scenario as S
from simulation.model import RelocationModel
from simulation.outputs import summary
from simulation.runner import run_to_folder

SMALL = {"run.firms": 800, "run.steps": 4, "calibration.sorting_rounds": 3}
LIBRARY = sorted(SCENARIOS.rglob("*.toml"))


def run(sc: S.Scenario) -> tuple[RelocationModel, dict]:
    model = RelocationModel(sc)
    for _ in range(sc.params["run.steps"]):
        model.step()
    return model, summary(model, model.recorder.timeseries(model))


@pytest.fixture(scope="module")
def full_package():
    sc = S.load(SCENARIOS / "full_package.toml", SMALL)
    return run(sc)


def test_spending_per_lever_sums_to_the_total(full_package):
    model, s = full_package
    assert set(s["fiscal_cost_yuan"]) == set(levers.BY_NAME)
    assert sum(s["fiscal_cost_yuan"].values()) == pytest.approx(s["fiscal_cost_yuan_total"])
    table = model.recorder.fiscal_table(model)
    by_lever = table.groupby("lever")["yuan"].sum()
    for name, yuan in s["fiscal_cost_yuan"].items():
        assert by_lever[name] == pytest.approx(yuan)
    assert (table.loc[table["step"] == 0, "yuan"] == 0).all()  # the calibrated start costs nothing
    assert s["fiscal_cost_yuan_total"] > 0


def test_tax_forgone_splits_exactly_between_rate_and_deduction():
    """CIT extended to the central provinces and an extra R&D deduction: the two parts equal the
    total tax forgone computed directly from the two tax rules."""
    tables = {
        "preferential_cit": {"enabled": True, "targets": ["west", "central"]},
        "rd_support": {"enabled": True, "fund_rate": 0.0, "extra_deduction": 1.0},
    }
    sc = S.from_dict({"levers": tables}, "<test>").with_overrides(SMALL)
    model = RelocationModel(sc)
    model.step()
    spent = model.recorder.fiscal[-1]
    f, unit = model.firms, model.unit
    s, r = f.sector, f.location
    pre = decision.pretax_here(model.situation(unit), np.arange(f.n))
    law = unit.tax_rate_law[r] * np.maximum(pre - unit.rd_deduction_law[s, r], 0)
    new = unit.tax_rate[r] * np.maximum(pre - unit.rd_deduction[s, r], 0)
    direct = float(((law - new) * f.output).sum()) * model.scale / 4
    assert spent["preferential_cit"] > 0 and spent["rd_support"] > 0
    assert spent["preferential_cit"] + spent["rd_support"] == pytest.approx(direct)


def test_a_lever_that_is_off_costs_nothing():
    sc = S.load(SCENARIOS / "full_package.toml", {**SMALL, "levers.special_bonds.enabled": False})
    model, s = run(sc)
    assert "special_bonds" not in s["fiscal_cost_yuan"]
    assert "special_bonds" not in set(model.recorder.fiscal_table(model)["lever"])
    _, base = run(S.load(SCENARIOS / "baseline.toml", SMALL))
    assert base["fiscal_cost_yuan_total"] == 0 and base["fiscal_cost_yuan"] == {}
    assert "jobs_relocated_per_100m_yuan" not in base  # a gross lever effect: compare's, paired


def test_special_bond_spending_is_budget_plus_interest():
    budget, rate = 8e9, 0.04
    tables = {"special_bonds": {"enabled": True, "budget_yuan_per_year": budget, "interest_rate": rate}}
    sc = S.from_dict({"levers": tables}, "<test>").with_overrides(SMALL)
    model, s = run(sc)
    quarterly = budget / 4
    expected = sum(quarterly + quarterly * (q + 1) * rate / 4 for q in range(4))
    assert s["fiscal_cost_yuan"]["special_bonds"] == pytest.approx(expected)


@pytest.mark.slow  # runs all ~30 library scenarios; test_scenario validates them in the fast lane
@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_library_scenario_validates_runs_and_says_what_it_is(path, tmp_path):
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), f"{path} must open with a comment saying what it represents"
    sc = S.load(path, SMALL)
    assert sc.description
    s = run_to_folder(sc, tmp_path / "out")
    assert s["levers"] == levers.enabled(sc.params)
    for name in ("channels.parquet", "fiscal.parquet", "summary.json"):
        assert (tmp_path / "out" / name).is_file()
    channels = pd.read_parquet(tmp_path / "out" / "channels.parquet")
    assert set(channels["channel"]) == set(levers.CHANNELS)
    saved = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(saved["lever_effect_by_channel"]["inland"]) == set(levers.CHANNELS)


def test_library_covers_every_measure_and_dose():
    names = {p.stem for p in LIBRARY}
    assert {f"m{n:02d}" for n in range(1, 13)} <= {n[:3] for n in names}
    for lever in ("special_bonds", "time_of_use", "freight_routes"):
        assert {f"{lever}_{d}" for d in ("low", "medium", "high")} <= names
    full = S.load(SCENARIOS / "full_package.toml")
    assert levers.enabled(full.params) == list(levers.BY_NAME)


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ("[levers.special_bond]\nenabled = true\n", "special_bond"),
        ('[levers.special_bonds]\ntargets = ["Henna"]\n', "Henna"),
        ('[levers.freight_routes]\ncre_origins = ["Lanzou"]\n', "Lanzou"),
        ("[levers.special_bonds]\nweights = { Sichaun = 1.0 }\n", "Sichaun"),
        ("[levers.special_bonds]\nbudget = 1e9\n", "budget"),
        ('[levers.time_of_use]\nstart = "2024q5"\n', "2024q5"),
    ],
)
def test_misnamed_lever_province_or_city_is_named_in_the_error(write_toml, capsys, table, named):
    path = write_toml(f'[scenario]\nname = "bad"\n{table}')
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and named in err


def test_cities_map_to_their_provinces():
    sc = S.from_dict({"levers": {"special_bonds": {"enabled": True, "targets": ["Zhengzhou", "Meishan"]}}})
    model = RelocationModel(sc.with_overrides(SMALL))
    assert model.world.names[model.lever_plan.masks["special_bonds"]].tolist() == ["Henan", "Sichuan"]


def test_ptsim_levers_prints_every_lever(capsys):
    assert cli.main(["levers"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in levers.BY_NAME)
    assert cli.main(["levers", "special_bonds"]) == 0
    assert "levers.special_bonds.budget_yuan_per_year" in capsys.readouterr().out
    assert cli.main(["levers", "nope"]) == 2
