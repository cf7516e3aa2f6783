"""The accounts add up: value added and welfare from their parts, the special-bond account, present
values against hand examples, the net fiscal cost of a paired pair of runs, and no lever effect
printed by a single run."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from simulation import accounts, cli
from simulation import scenario as S
from simulation.model import RelocationModel
from simulation.outputs import scalar_outcomes, summary
from simulation.sweep import effects

SMALL = {"run.firms": 800, "run.steps": 4, "calibration.sorting_rounds": 3}


def run(sc: S.Scenario) -> tuple[RelocationModel, dict]:
    model = RelocationModel(sc)
    for _ in range(sc.params["run.steps"]):
        model.step()
    return model, summary(model, model.recorder.timeseries(model))


def levers_scenario(tables: dict, **extra) -> S.Scenario:
    return S.from_dict({"levers": tables}, "<test>").with_overrides({**SMALL, **extra})


@pytest.fixture(scope="module")
def full_package():
    return run(S.load(SCENARIOS / "full_package.toml", SMALL))


@pytest.fixture(scope="module")
def bonds():
    """Bonds of a short term (two quarters) so that principal falls due within the run."""
    tables = {
        "special_bonds": {
            "enabled": True,
            "budget_yuan_per_year": 4e10,
            "term_years": 0.5,
            "build_lag_quarters": 1,
            "interest_rate": 0.04,
        }
    }
    return run(levers_scenario(tables, **{"run.steps": 6}))


def test_value_added_gdp_and_welfare_are_their_components(full_package):
    model, s = full_package
    a = model.recorder.accounts_table(model)
    parts = a["profit_after_tax_yuan"] + a["wages_yuan"] + a["cit_yuan"] + a["indirect_tax_yuan"]
    assert np.allclose(a["value_added_yuan"], parts, rtol=1e-12)
    assert np.allclose(a["gdp_yuan"], a["value_added_yuan"] - a["subsidies_yuan"], rtol=1e-12)
    assert np.allclose(a["welfare_yuan"], a["gdp_yuan"] - a["relocation_cost_yuan"], rtol=1e-12)
    assert np.allclose(a["preferential_loss_yuan"], a["cit_standard_yuan"] - a["cit_law_yuan"])
    assert (a["subsidies_yuan"] > 0).any() and (a["relocation_cost_yuan"] > 0).any()
    # the preferential western rate costs revenue in the west and nowhere else
    west = a["region"] == "west"
    assert (a.loc[west, "preferential_loss_yuan"] > 0).any()
    assert (a.loc[a["region"] == "east", "preferential_loss_yuan"] == 0).all()
    later = a[a["step"] > 0]
    assert s["value_added_yuan_total"] == pytest.approx(later["value_added_yuan"].sum(), rel=1e-12)
    assert s["welfare_national_yuan_total"] == pytest.approx(
        later["welfare_yuan"].sum() - s["programme_real_yuan_total"], rel=1e-12
    )
    # wages are the time series' wage bill (annual rate) for a quarter
    ts = model.recorder.timeseries(model)
    wage_bill = ts.groupby("step")["labour_cost_yuan"].sum() / 4
    assert np.allclose(a.groupby("step")["wages_yuan"].sum(), wage_bill, rtol=1e-12)


def test_subsidies_in_margins_are_what_the_fiscal_accounts_book(full_package):
    """The accounts' subsidies are the fiscal cost of R&D funds (measure 一: an operating subsidy
    only, its extra deduction is 0 in the package), freight paid by government and insurance."""
    model, _ = full_package
    a = model.recorder.accounts_table(model)
    step = int(a["step"].max())
    booked = model.recorder.fiscal[step]
    in_margins = sum(booked.get(k, 0.0) for k in ("rd_support", "freight_routes", "finance"))
    assert in_margins > 0
    # finance also pays SME credit support on moves, which is not in margins
    assert a.loc[a["step"] == step, "subsidies_yuan"].sum() <= in_margins + 1e-6
    assert a.loc[a["step"] == step, "subsidies_yuan"].sum() >= booked.get("rd_support", 0.0)


def test_tax_forgone_is_law_revenue_less_revenue_paid():
    tables = {
        "preferential_cit": {"enabled": True, "targets": ["west", "central"]},
        "rd_support": {"enabled": True, "fund_rate": 0.0, "extra_deduction": 1.0},
    }
    model, _ = run(levers_scenario(tables, **{"run.steps": 1}))
    a = model.recorder.accounts_table(model)
    at1 = a[a["step"] == 1]
    forgone = sum(model.recorder.fiscal[1].values())
    assert forgone > 0
    assert forgone == pytest.approx((at1["cit_law_yuan"] - at1["cit_yuan"]).sum(), rel=1e-9)


def test_bond_account_issuance_less_repayment_is_the_debt_outstanding(bonds):
    model, s = bonds
    a = model.recorder.accounts_table(model).sort_values(["province", "step"])
    g = a.groupby("province")
    outstanding = g["bond_issued_yuan"].cumsum() - g["bond_repaid_yuan"].cumsum()
    assert np.allclose(a["bond_outstanding_yuan"], outstanding, rtol=1e-12, atol=1e-3)
    by_step = a.groupby("step")[["bond_issued_yuan", "bond_repaid_yuan", "bond_interest_yuan"]].sum()
    issued = by_step["bond_issued_yuan"]
    assert issued.loc[1:].to_numpy() == pytest.approx(np.full(6, 1e10))
    # bullet repayment two quarters after issue; the coupon on what is still outstanding
    assert by_step.loc[3:, "bond_repaid_yuan"].to_numpy() == pytest.approx(issued.loc[1:4].to_numpy())
    assert by_step.loc[1:2, "bond_repaid_yuan"].sum() == 0
    held = a.groupby("step")["bond_outstanding_yuan"].sum()
    assert by_step["bond_interest_yuan"].to_numpy() == pytest.approx(held.to_numpy() * 0.04 / 4)
    due = a["bond_interest_yuan"] + a["bond_repaid_yuan"] - a["bond_revenue_yuan"]
    assert np.allclose(a["bond_shortfall_yuan"], np.maximum(due, 0))
    # gross booking unchanged: issuance + coupons
    assert s["fiscal_cost_yuan"]["special_bonds"] == pytest.approx(
        issued.sum() + by_step["bond_interest_yuan"].sum()
    )
    assert s["bond_outstanding_yuan_end"] == pytest.approx(2e10)
    # the places opened are occupied and pay rent: project revenue, never above the park's rents
    assert a["bond_places"].max() > 0
    assert (a["bond_revenue_yuan"] >= 0).all() and a["bond_revenue_yuan"].sum() > 0


def test_present_value_of_bond_service_against_a_hand_example():
    # 100 yuan issued in step 1 at a 4% coupon for two quarters: coupons of 1 in steps 1 and 2,
    # the principal in step 3
    v = 1.1**-0.25
    assert accounts.bond_service_pv(np.array([100.0, 0.0]), 0.04, 2, 0.1) == pytest.approx(
        v + v**2 + 100 * v**3, rel=1e-12
    )
    assert accounts.bond_service_pv(np.array([100.0]), 0.04, 2, 0.0) == pytest.approx(102.0)
    assert accounts.discount(np.array([0, 4, 8]), 0.05) == pytest.approx([1.0, 1 / 1.05, 1 / 1.05**2])


def test_present_values_of_the_run(bonds):
    model, s = bonds
    v = accounts.discount(np.arange(1, 7), model.params["accounts.discount_rate"])
    gross = np.array([sum(q.values()) for q in model.recorder.fiscal[1:]])
    assert s["fiscal_cost_pv_yuan"] == pytest.approx(float(gross @ v), rel=1e-12)
    a = model.recorder.accounts_table(model)
    by_step = a[a["step"] > 0].groupby("step").sum(numeric_only=True)
    issued, revenue = by_step["bond_issued_yuan"].to_numpy(), by_step["bond_revenue_yuan"].to_numpy()
    rate = model.params["accounts.discount_rate"]
    service = accounts.bond_service_pv(issued, 0.04, 2, rate)
    assert s["bond_net_cost_pv_yuan"] == pytest.approx(service - revenue @ v, rel=1e-12)
    assert s["public_cost_pv_yuan"] == pytest.approx(s["bond_net_cost_pv_yuan"], rel=1e-12)  # bonds only


def _pair(scenario: S.Scenario, baseline: S.Scenario) -> tuple[pd.DataFrame, dict, dict, tuple]:
    """Summary table of one paired pair (same seed) in the sweep's shape."""
    rows, sums, models = [], [], []
    for name, sc in (("baseline", baseline), ("policy", scenario)):
        model, s = run(sc)
        rows.append(
            {"scenario": name, "point": 0, "seed_index": 0, "seed": 1, "status": "ok", **scalar_outcomes(s)}
        )
        sums.append(s)
        models.append(model)
    return pd.DataFrame(rows), sums[0], sums[1], tuple(models)


def test_net_cost_is_gross_less_feedback_plus_preferential_loss():
    """The western 15% CIT extended to every inland province (a tax lever, no bonds): the paired
    net cost equals the extra outlays less the extra revenue collected (CIT paid and VAT), summed
    from the two runs' own fiscal and accounts tables, and splits as gross - feedback + loss."""
    base = S.load(SCENARIOS / "baseline.toml", SMALL)
    policy = levers_scenario({"preferential_cit": {"enabled": True, "targets": ["inland"]}})
    table, b, p, (mb, mp) = _pair(policy, base)
    net = effects.net_fiscal_cost(table, "baseline")
    got = net.set_index("quantity")["mean"]
    expect = (
        (p["public_cost_pv_yuan"] - b["public_cost_pv_yuan"])
        - (p["tax_standard_pv_yuan"] - b["tax_standard_pv_yuan"])
        + (p["preferential_loss_pv_yuan"] - b["preferential_loss_pv_yuan"])
    )
    assert got["net_cost_pv"] == pytest.approx(expect, rel=1e-12)
    assert got["gross_cost"] == pytest.approx(p["fiscal_cost_yuan_total"] - b["fiscal_cost_yuan_total"])
    v = accounts.discount(np.arange(1, 5), mb.params["accounts.discount_rate"])

    def collected_pv(model: RelocationModel) -> float:
        a = model.recorder.accounts_table(model)
        by = a[a["step"] > 0].groupby("step")[["cit_yuan", "indirect_tax_yuan"]].sum().sum(axis=1)
        return float(by.to_numpy() @ v)

    # the lever spends nothing but tax forgone, so the purse loses exactly the revenue not collected
    direct = -(collected_pv(mp) - collected_pv(mb))
    assert got["net_cost_pv"] == pytest.approx(direct, rel=1e-6)
    assert got["gross_cost"] > 0 and got["net_cost_pv"] > 0


def test_a_zero_dose_lever_has_zero_net_cost():
    base = S.load(SCENARIOS / "baseline.toml", SMALL)
    zero = levers_scenario({"special_bonds": {"enabled": True, "budget_yuan_per_year": 0.0}})
    table, b, p, _ = _pair(zero, base)
    net = effects.net_fiscal_cost(table, "baseline").set_index("quantity")["mean"]
    for q in ("gross_cost", "net_cost_pv", "tax_feedback_pv", "preferential_loss_pv", "value_added_pv"):
        assert net[q] == 0.0, q
    assert p["bond_issued_yuan_total"] == 0 and p["bond_net_cost_pv_yuan"] == 0


def test_ptsim_run_prints_no_lever_effect(tmp_path, capsys):
    """A single run knows its own totals, not what its levers did against a baseline: no jobs per
    100 million yuan (the gross figure it once printed), and a pointer to ptsim compare."""
    code = cli.main(
        [
            "run", str(SCENARIOS / "measures" / "m04_carriers.toml"), "--firms", "800", "--steps", "2",
            "--set", "calibration.sorting_rounds=3", "--out", str(tmp_path / "r"), "--no-figures",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "gross fiscal cost special_bonds" in out and "ptsim compare" in out
    assert not re.search(r"\d\s*jobs moved inland per 100 million yuan", out)
    assert not re.search(r"net fiscal cost\s+-?\d", out)
    saved = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert "jobs_relocated_per_100m_yuan" not in saved
    assert (tmp_path / "r" / "accounts.parquet").is_file()


def test_bond_funded_parks_serve_new_plants_and_their_rent_is_project_revenue():
    """No firm reviews its location (hazard 0), so the only occupants of a park the bonds build in
    a province without one are new plants; their rent is the bonds' project revenue."""
    tables = {
        "special_bonds": {
            "enabled": True,
            "budget_yuan_per_year": 4e10,
            "build_lag_quarters": 0,
            "targets": ["Inner Mongolia"],
            "allocation": "equal",
        }
    }
    frozen = {"run.steps": 6, "behaviour.review_hazard": 0.0, "behaviour.max_hazard": 0.0}
    model, s = run(levers_scenario(tables, **frozen))
    r = list(model.world.names).index("Inner Mongolia")
    assert s["relocations_total"] == 0 and s["firms_entered_total"] > 0
    f = model.firms
    assert (f.in_park & (f.location == r)).sum() > 0  # new plants took bond-funded places
    a = model.recorder.accounts_table(model)
    here = a[a["province"] == "Inner Mongolia"]
    assert here["bond_places"].iloc[-1] == pytest.approx(model.park_capacity[r] * model.scale)  # all bonds'
    assert here["bond_revenue_yuan"].sum() > 0
    assert a.loc[a["province"] != "Inner Mongolia", "bond_revenue_yuan"].sum() == 0


def test_compare_prints_the_paired_accounts_and_the_cost_per_job():
    """The plain-text table of the net fiscal cost: one line per scenario, a cost per job where the
    net cost and the jobs effect are positive, "nan" where it is undefined; an old summary without
    the accounts gives a message, not an error."""
    base = S.load(SCENARIOS / "baseline.toml", SMALL)
    policy = levers_scenario({"special_bonds": {"enabled": True}})
    table, *_ = _pair(policy, base)
    two = pd.concat([table, table.assign(seed_index=1, seed=2)])  # two pairs: an interval exists
    net = effects.net_fiscal_cost(two, "baseline")
    text = effects.format_net_fiscal_cost(net)
    assert "policy | " in text and "net_cost_pv" in text
    assert set(net["quantity"]) >= {"net_cost_pv", "yuan_per_inland_job", "jobs_china", "welfare_pv"}
    old = two.drop(columns=["public_cost_pv_yuan"])
    assert effects.net_fiscal_cost(old, "baseline").empty
    assert "no net fiscal cost" in effects.format_net_fiscal_cost(effects.net_fiscal_cost(old, "baseline"))
