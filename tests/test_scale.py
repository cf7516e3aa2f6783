"""The scale card: the baseline's start against documented figures, and the accounts add up.

Tolerances: ±15% for national totals from official tables (GACC, NBS); a documented total by market
from a secondary source bounds the model's processing exports there from above (processing is part
of all exports). A check the model fails today is listed in ``NOT_MET`` with the reason and runs as a
strict xfail, so it is reported, and fails loudly once the model meets it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation import outputs, parameters, scale
from simulation import scenario as S
from simulation.model import RelocationModel
from simulation.recorder import COST_COLUMNS
from simulation.sectors import MARKETS

FIRMS = 4000
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TOLERANCE = 0.15

NOT_MET = {
    "processing_imports_yuan": "imported-input shares (sectors.csv: electronics 0.70 from the 2008 "
    "domestic content of Koopman, Wang and Wei) give 1.25x the documented 2023 processing imports; the "
    "foreign content of processing exports has fallen since, and no sector-level 2023 figure was found",
    "processing_employment": "employment follows from documented exports and input-output output per "
    "worker (7.9 million); MOFCOM's round 'about 40 million' (2014, whole enterprises, definition not "
    "given) is 5x that, while the model's electronics employment stays below the industry's 10.5 million "
    "(2023 census, tested below)",
}


@pytest.fixture(scope="module")
def run():
    model = RelocationModel(None, firms=FIRMS)
    for _ in range(2):
        model.step()
    ts = model.recorder.timeseries(model)
    return model, ts, outputs.summary(model, ts)["scale"]


def test_the_anchors_are_the_documented_figures():
    doc = scale.documented()
    assert (
        parameters.BY_KEY["economy.processing_exports_yuan"].default == doc["processing_exports_yuan"].value
    )
    assert parameters.BY_KEY["economy.processing_firms"].default == doc["processing_firms"].value
    assert parameters.BY_KEY["run.firms"].default == doc["processing_firms"].value  # one to one
    # freight's railway capacity starts from the same documented cargo as the card's comparison
    assert parameters.BY_KEY["logistics.cre_cargo_usd"].default == doc["cre_cargo_value_usd"].value
    assert {d.confidence for d in doc.values()} <= {"A", "B", "C"}


@pytest.mark.parametrize(
    "key",
    [
        "processing_exports_yuan",
        "processing_firms",
        pytest.param(
            "processing_imports_yuan",
            marks=pytest.mark.xfail(strict=True, reason=NOT_MET["processing_imports_yuan"]),
        ),
        pytest.param(
            "processing_employment",
            marks=pytest.mark.xfail(strict=True, reason=NOT_MET["processing_employment"]),
        ),
    ],
)
def test_start_is_within_tolerance_of_documented_national_totals(run, key):
    entry = run[2][key]
    assert entry["documented"] is not None and entry["confidence"] in "ABC"
    assert abs(entry["ratio"] - 1) <= TOLERANCE, f"{key}: model / documented = {entry['ratio']:.3f}"


def test_processing_share_of_all_exports_matches_customs(run):
    """Processing exports (anchored in yuan) over China's exports (a separate USD figure, at the
    documented exchange rate) against the customs-regime share: three documents that must agree."""
    share = run[2]["exports_usd"]["ratio"]
    assert share == pytest.approx(scale.documented()["processing_share_of_exports"].value, rel=TOLERANCE)


@pytest.mark.parametrize("market", [m for m in MARKETS if f"china_exports_{m}_usd" in scale.documented()])
def test_exports_by_market_stay_below_all_of_china_s_exports_there(run, market):
    entry = run[2][f"exports_{market}_usd"]
    assert 0 < entry["model"] <= entry["documented"]


def test_electronics_employment_stays_below_the_industry_s(run):
    model, ts, _ = run
    start = ts[ts["step"] == 0]
    electronics = start.loc[start["sector"] == "electronics", "employment"].sum()
    assert electronics <= scale.documented()["electronics_industry_employment"].value


def test_every_card_entry_is_finite_and_sourced_where_documented(run):
    for key, entry in run[2].items():
        assert np.isfinite(entry["model"]) and entry["model"] >= 0, key
        if entry["documented"] is not None:
            assert entry["source"] and entry["documented_year"] >= 2000 and np.isfinite(entry["ratio"]), key


def test_output_is_costs_plus_profit_in_every_cell_and_step(run):
    """output = other inputs + labour + land + electricity + logistics + compliance + export risk
    - market access - maintenance - subsidy + pre-tax profit (yuan/year, each cell)."""
    ts = run[1]
    costs = ts[["other_inputs_yuan", *[c for c in COST_COLUMNS if c.endswith("cost_yuan")]]].sum(axis=1)
    gains = ts[["market_access_gain_yuan", "maintenance_gain_yuan", "subsidy_yuan"]].sum(axis=1)
    total = costs - gains + ts["pretax_profit_yuan"]
    np.testing.assert_allclose(total, ts["output_yuan"], rtol=1e-9, atol=1e-3)
    assert (ts["tax_yuan"] >= 0).all()


def test_employment_and_firms_are_conserved_up_to_entry_and_exit(run):
    """Each step's plants and employment are the previous step's plus what entered less what exited,
    converted or went abroad, and for employment the growth of the plants that stayed."""
    ts = run[1]
    by_step = ts.groupby("step").sum(numeric_only=True)
    assert by_step["firms"].iloc[0] == FIRMS
    for what in ("firms", "employment"):
        net = by_step[f"{what}_entered"] - sum(
            by_step[f"{what}_{k}"] for k in ("exited", "converted", "abroad")
        )
        net += by_step["employment_grown"] if what == "employment" else 0
        np.testing.assert_allclose(by_step[what].diff().iloc[1:], net.iloc[1:], rtol=1e-9, atol=1e-3)


@pytest.mark.slow
def test_a_lever_s_effect_does_not_depend_on_how_many_synthetic_firms_run():
    """The full package's paired effect on the inland employment share after 12 quarters, at 20,000
    and 100,000 synthetic firms (8 seeds each; 4 give too rough a standard error): equal within 3
    Monte-Carlo standard errors. Seen on 1 December 2026: 0.0127 +- 0.0008 against 0.0108 +- 0.0005,
    2 standard errors apart, so a small dependence on the run's size may remain."""
    effects = {n: [_paired_effect(n, seed) for seed in range(8)] for n in (20_000, 100_000)}
    means = {n: np.mean(e) for n, e in effects.items()}
    se = np.hypot(*(np.std(e, ddof=1) / np.sqrt(len(e)) for e in effects.values()))
    assert means[20_000] > 0 and means[100_000] > 0
    assert abs(means[20_000] - means[100_000]) <= 3 * se, (means, se)


def _paired_effect(firms: int, seed: int, steps: int = 12) -> float:
    shares = []
    for name in ("baseline.toml", "full_package.toml"):
        sc = S.load(SCENARIOS / name, {"run.firms": firms, "run.seed": seed, "run.steps": steps})
        model = RelocationModel(sc)
        for _ in range(steps):
            model.step()
        shares.append(model.inland_employment_share())
    return shares[1] - shares[0]


def test_agglomeration_counts_real_firms_whatever_the_run_size():
    """The same documented economy at two run sizes: the agglomeration utility of a province is
    the same function of real firms (synthetic count x firms represented per synthetic firm)."""
    small, large = RelocationModel(None, firms=2000), RelocationModel(None, firms=8000)
    assert small.firm_scale == pytest.approx(4 * large.firm_scale)
    real = [m.firm_counts().sum() * m.firm_scale for m in (small, large)]
    assert real[0] == pytest.approx(real[1]) == parameters.BY_KEY["economy.processing_firms"].default
