"""The lever mechanisms made faithful (issue 16): each test fails on the mechanism it replaced.

- matchmaking (五) acts on a knowledge process that runs in the baseline: known shares settle at a
  level below certainty and fall back once the lever ends; its reach is within the documented band;
- training (十) raises skill efficiency by gain per trainee x the share of workers trained, never
  by more than the trained share can give;
- domestic market (十一) prices sales moved home against the export margin they replace, their buyer
  risk and the duty and deferral interest on their bonded inputs (内销补税);
- time-of-use (九) never stretches a schedule beyond the observed extremes, and load moves to the
  valley at a cost, as far as a sector's flexibility allows;
- the unsourced regulatory wedges (十二, 八, parts of 七) carry a sensitivity band;
- a dose of a disabled lever in a sweep pairs it with a no-policy arm, and one that no scenario
  enables is an error.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulation import costs, levers
from simulation import scenario as S
from simulation.knowledge import Learning
from simulation.levers import labour
from simulation.model import RelocationModel
from simulation.sweep.design import Factor
from simulation.sweep.errors import SweepError
from simulation.sweep.spec import check_factors, disabled_levers, load_scenarios

FIRMS = 800
ROOT = Path(__file__).resolve().parents[1]


def build(lever_tables: dict, steps: int = 1, **extra) -> RelocationModel:
    raw = {"run": {"firms": FIRMS, "seed": 11}, "calibration": {"sorting_rounds": 3}, "levers": lever_tables}
    raw.update(extra)
    model = RelocationModel(S.from_dict(raw, "<mechanisms>"))
    for _ in range(steps):
        model.step()
    return model


# --- matchmaking (五) -----------------------------------------------------------------------------


def _firms(n: int, region: np.ndarray, p: float, rng: np.random.Generator) -> SimpleNamespace:
    """Firms all in province 0, knowing each other province with chance p (their region always)."""
    location = np.zeros(n, np.int64)
    known = rng.random((n, len(region))) < p
    known |= region[None, :] == region[location][:, None]
    return SimpleNamespace(known=known, known_step=np.zeros(n, np.int64), location=location)


def _known_share(learn: np.ndarray, quarters: int, p: float, turnover: float, seed: int = 3) -> np.ndarray:
    region = np.array(["east", "west", "west", "central"])
    learning = Learning(region, p, turnover)
    firms = _firms(40_000, region, p, np.random.default_rng(seed))
    for _ in range(quarters):
        learning.advance(learn)
    learning.sync(firms, np.arange(len(firms.location)), np.random.default_rng(seed + 1))
    return firms.known.mean(axis=0)


def test_baseline_knowledge_turns_over_and_stays_at_its_calibrated_share():
    """Without the lever the share of firms that know a province outside their region stays at
    behaviour.know_other_region_prob (the state the constants are calibrated on), although
    individual firms learn and forget."""
    share = _known_share(np.zeros(4), 40, p=0.5, turnover=0.1)
    assert share[0] == 1.0  # their own province (and region)
    assert share[1:] == pytest.approx([0.5, 0.5, 0.5], abs=0.01)


def test_matchmaking_raises_knowledge_to_a_stationary_level_below_certainty():
    """With learn_prob l on top of the baseline turnover, the known share of a promoted province
    settles at (turnover p + l) / (turnover + l), not at 1 (the old mechanism taught every firm
    in the end); an unpromoted province stays at p."""
    learn = np.array([0.0, 0.3, 0.0, 0.0])
    share = _known_share(learn, 80, p=0.5, turnover=0.1)
    assert share[1] == pytest.approx((0.1 * 0.5 + 0.3) / (0.1 + 0.3), abs=0.01)
    assert share[1] < 0.95
    assert share[2:] == pytest.approx([0.5, 0.5], abs=0.01)


def test_what_matchmaking_taught_is_forgotten_after_it_ends():
    region = np.array(["east", "west"])
    learning = Learning(region, 0.5, 0.1)
    firms = _firms(40_000, region, 0.5, np.random.default_rng(5))
    rng = np.random.default_rng(6)
    for _ in range(40):
        learning.advance(np.array([0.0, 0.3]))
    learning.sync(firms, np.arange(40_000), rng)
    during = firms.known[:, 1].mean()
    for _ in range(40):
        learning.advance(np.zeros(2))
    learning.sync(firms, np.arange(40_000), rng)
    assert during > 0.8
    assert firms.known[:, 1].mean() == pytest.approx(0.5 + (during - 0.5) * 0.9**40, abs=0.01)


def test_lazy_and_eager_knowledge_updates_agree():
    """Drawing once when a firm reviews gives the distribution of drawing every quarter."""
    region = np.array(["east", "west"])
    learn = [np.array([0.0, 0.2 if q < 5 else 0.0]) for q in range(12)]
    eager, lazy = Learning(region, 0.3, 0.15), Learning(region, 0.3, 0.15)
    f_eager = _firms(60_000, region, 0.3, np.random.default_rng(8))
    f_lazy = _firms(60_000, region, 0.3, np.random.default_rng(8))
    rng = np.random.default_rng(9)
    for q in range(12):
        eager.advance(learn[q])
        lazy.advance(learn[q])
        eager.sync(f_eager, np.arange(60_000), rng)
    lazy.sync(f_lazy, np.arange(60_000), rng)
    assert f_lazy.known[:, 1].mean() == pytest.approx(f_eager.known[:, 1].mean(), abs=0.01)


def test_matchmaking_reach_is_within_the_documented_band():
    """The default reach lies in the band derived from the expo and MIIT matchmaking figures
    (firms reached a year / 100,000 processing firms / 4)."""
    p = levers.BY_NAME["matchmaking"].param("learn_prob")
    low, high = p.plausible
    assert low == pytest.approx(5_500 / 100_000 / 4, abs=1e-3)
    assert high == pytest.approx(13_000 / 100_000 / 4, abs=2e-3)
    assert low <= p.default <= high


def test_matchmaking_teaches_only_its_targets():
    """Targets ['Henan']: firms learn of Henan and of no other province, and extra places come from
    Henan only."""
    tables = {
        "matchmaking": {"enabled": True, "targets": ["Henan"], "learn_prob": 0.5, "extra_considered": 2}
    }
    model = build(tables, steps=2)
    henan = model.world.names == "Henan"
    assert (model.effects.learn_prob[~henan] == 0).all() and (model.effects.learn_prob[henan] == 0.5).all()
    assert np.array_equal(model.effects.extra_considered_where, henan)


# --- training (十) --------------------------------------------------------------------------------


def test_training_gain_is_scaled_to_the_workers_trained():
    """5% of workers trained a year cannot raise every worker's efficiency by 5%: after three years
    the gain is gain_per_trainee x the trained share, at most gain x s / (s + leave rate)."""
    cfg = {"trained_share_per_year": 0.05, "leave_rate_per_year": 0.2, "gain_per_trainee": 0.09}
    model = build({"training": {"enabled": True, "targets": ["Henan"], **cfg}}, steps=12)
    r = model.world.index("Henan")
    ratio = model.columns["skill_efficiency"][r] / model.no_policy_effects().columns["skill_efficiency"][r]
    share = labour.trained_share(12, 0.05, 0.2)
    assert ratio == pytest.approx(1 + 0.09 * share, rel=1e-12)
    assert share == pytest.approx(0.2 * (1 - (1 - 0.0625) ** 12), rel=1e-12)
    assert ratio - 1 < 0.09 * 0.05 / (0.05 + 0.2) + 1e-12  # the cap
    assert ratio - 1 < 0.05 / 3  # the old mechanism gave 5% within three years


def test_training_gain_per_trainee_is_sourced_with_a_band():
    p = levers.BY_NAME["training"].param("gain_per_trainee")
    assert p.basis.startswith("derived") and p.plausible is not None
    assert p.plausible[0] <= p.default <= p.plausible[1]
    assert p.default == pytest.approx(1.61 / 17.6, abs=0.005)


# --- domestic market (十一) -----------------------------------------------------------------------


def test_domestic_sales_replace_the_export_margin_and_pay_the_bonded_duty():
    """Sales moved home earn the domestic margin at the province's access instead of the export
    margin: their output-weighted market-access gain is zero on average (the old mechanism added
    the whole domestic margin on top); they pay the duty and deferral interest on their bonded
    inputs, and their buyer risk at the export premium."""
    add = 0.1
    model = build({"domestic_market": {"enabled": True, "domestic_share_add": add}})
    with model.under(model.no_policy_effects()) as before:
        access_before, compliance_before = before.market_access.copy(), before.compliance.copy()
        risk_before = before.risk.copy()
    after = model.unit
    weights = model.output_shares()  # (S, R) rows sum to 1
    gain = ((after.market_access - access_before) * weights).sum(axis=1)
    assert np.allclose(gain, 0.0, atol=1e-9)
    assert ((after.market_access - access_before) ** 2).sum() > 0  # a gain where access is high
    imported = model.sectors.col("imported_input_share")[:, None]
    duty = costs.bonded_sale_tax(model.params)
    extra = after.compliance - compliance_before
    assert np.allclose(extra[:, ~(model.columns["bonded_zones"] > 0)], (add * imported * duty)[:, :1])
    assert np.allclose(after.risk, risk_before)


def test_bonded_sale_tax_is_duty_plus_interest_on_duty_and_vat():
    params = {
        "economy.input_tariff": 0.05,
        "tax.vat_rate": 0.13,
        "economy.bonded_interest_rate": 0.0345,
        "economy.bonded_deferral_years": 0.5,
    }
    expected = 0.05 + 0.0345 * 0.5 * (0.05 + 0.13 * 1.05)
    assert costs.bonded_sale_tax(params) == pytest.approx(expected)


def test_domestic_market_profit_gain_is_bounded_by_what_it_saves_abroad():
    """The lever's pre-tax gain, averaged over output, cannot exceed the export freight it saves
    (the old mechanism gave every firm the domestic margin on the moved sales on top)."""
    add = 0.1
    model = build({"domestic_market": {"enabled": True, "domestic_share_add": add}})
    gm = model.gross_margin
    with model.under(model.no_policy_effects()) as before:
        fixed_before, logistics_before = before.fixed_part(gm), before.logistics.copy()
    weights = model.output_shares()
    gain = ((model.unit.fixed_part(gm) - fixed_before) * weights).sum()
    saved = ((logistics_before - model.unit.logistics) * weights).sum()
    assert gain < saved
    assert gain < 0.2 * add * model.sectors.n  # the old: about the domestic margin x added share


# --- time-of-use (九) -----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [2.0, 3.0, 5.0])
def test_time_of_use_stretch_stops_at_the_observed_extremes(scale):
    """At x3 the old stretch drove valley prices to zero; now the valley stays at or above
    valley_floor and peak/valley at or below max_ratio, and no schedule is narrowed."""
    model = build({"time_of_use": {"enabled": True, "spread_scale": scale}}, steps=1)
    cols, base = model.columns, model.no_policy_effects().columns
    cfg = levers.settings(model.params, "time_of_use")
    assert (cols["tou_valley_mult"] >= min(cfg["valley_floor"], base["tou_valley_mult"].min()) - 1e-12).all()
    ratio = cols["tou_peak_mult"] / cols["tou_valley_mult"]
    base_ratio = base["tou_peak_mult"] / base["tou_valley_mult"]
    assert (ratio <= np.maximum(cfg["max_ratio"], base_ratio) + 1e-9).all()
    assert (ratio >= base_ratio - 1e-9).all()
    assert (cols["tou_valley_mult"] > 0.1).all()


def _cols(peak: float, valley: float) -> dict[str, np.ndarray]:
    return {
        "tou_peak_hours": np.array([8.0]),
        "tou_flat_hours": np.array([8.0]),
        "tou_valley_hours": np.array([8.0]),
        "tou_critical_hours": np.array([0.0]),
        "tou_critical_mult": np.array([peak]),
        "tou_peak_mult": np.array([peak]),
        "tou_valley_mult": np.array([valley]),
    }


def test_load_shifting_has_a_cost_and_follows_flexibility():
    """Moving load costs the firm: with a shifting cost the bill is higher than the free shift of
    the old mechanism; a wider spread moves more load, up to the sector's flexibility; an
    inflexible sector gains nothing from shifting."""
    from simulation.sectors import load_sectors

    sectors = load_sectors()
    sectors.columns["load_flexibility"][:] = 0.0
    sectors.columns["load_flexibility"][0] = 0.6
    sectors.columns["peak_load_share"][:] = 0.5
    narrow, wide = _cols(1.5, 0.5), _cols(1.8, 0.3)
    free = costs.tou_multiplier(sectors, narrow, 0.0)
    paid = costs.tou_multiplier(sectors, narrow, 2.0)
    assert paid[0, 0] > free[0, 0]  # shifting is not free
    assert paid[1, 0] == free[1, 0]  # nothing to shift, nothing paid
    # the share moved: saving / cost of the flexible share (1.0 / 2.0 = half), wider spread: 1.5 / 2
    moved = lambda cols, c: (  # noqa: E731
        costs.tou_multiplier(sectors, cols, c)[0, 0] - costs.tou_multiplier(sectors, cols, 1e9)[0, 0]
    )
    assert moved(wide, 2.0) < moved(narrow, 2.0) < 0  # more load moved, a bigger saving
    very_wide = _cols(3.0, 0.3)
    bill = costs.tou_multiplier(sectors, very_wide, 2.0)[0, 0]
    at_cap = 0.5 * (1 - 0.6) * 3.0 + 0.5 * 0.5 * 1.0 + (0.5 * 0.5 + 0.5 * 0.6) * 0.3 + 0.5 * 2.0 * 0.6 / 2
    assert bill == pytest.approx(at_cap)  # saving 2.7 > cost 2: all the flexible load, no more


def test_time_of_use_at_scale_one_is_no_policy():
    """spread_scale = 1 with the default guarantee (off) changes nothing (the old lever switched
    the energy guarantee on and lifted critical prices)."""
    model = build({"time_of_use": {"enabled": True, "spread_scale": 1.0}}, steps=1)
    base = model.no_policy_effects()
    for column in ("tou_peak_mult", "tou_valley_mult", "tou_critical_mult"):
        assert np.array_equal(model.columns[column], base.columns[column])
    assert (model.effects.outage_cut == 0).all()


# --- regulatory wedges (十二, 八, 七) -------------------------------------------------------------

UNSOURCED = [
    ("management", "compliance_cut"),
    ("management", "guarantee_cut"),
    ("finance", "risk_cut"),
    ("finance", "sme_premium_cut"),
    ("special_funds", "yuan_per_job"),
    ("withholding_deferral", "reinvested_share"),
    ("preferential_cit", "coverage"),
    ("domestic_market", "domestic_share_add"),
]


@pytest.mark.parametrize(("lever", "key"), UNSOURCED)
def test_unsourced_wedges_carry_a_sensitivity_band(lever, key):
    p = levers.BY_NAME[lever].param(key)
    assert p.basis.startswith("assumption")
    assert p.plausible is not None and p.plausible_basis
    low, high = p.plausible
    assert low <= p.default <= high and low < high


def test_band_scenarios_bracket_the_full_package():
    low = S.load(ROOT / "scenarios/doses/regulatory_low.toml").params
    high = S.load(ROOT / "scenarios/doses/regulatory_high.toml").params
    for lever, key in [(lv, k) for lv, k in UNSOURCED if lv in ("management", "finance")]:
        band = levers.BY_NAME[lever].param(key).plausible
        assert (low[f"levers.{lever}.{key}"], high[f"levers.{lever}.{key}"]) == band


# --- disabled doses in sweeps -----------------------------------------------------------------------


def test_a_sweep_pairs_a_disabled_scenario_as_its_no_policy_arm():
    """baseline + special_bonds_medium over the bond budget: the baseline runs each point with the
    lever explicitly off (a paired comparison), the dosed scenario with the dose."""
    paths = [ROOT / "scenarios/baseline.toml", ROOT / "scenarios/doses/special_bonds_medium.toml"]
    scenarios = load_scenarios(paths, {})
    key = "levers.special_bonds.budget_yuan_per_year"
    check_factors(scenarios, [Factor(key, levels=(2e9, 5e10))], "<test>")
    assert disabled_levers(scenarios["baseline"], {key: 2e9}) == ("special_bonds",)
    assert disabled_levers(scenarios["special_bonds_medium"], {key: 2e9}) == ()


def test_a_sweep_dose_that_no_scenario_enables_is_an_error():
    """The case of the four bond budgets that gave the same result: now an error naming the lever."""
    scenarios = load_scenarios([ROOT / "scenarios/baseline.toml"], {})
    key = "levers.special_bonds.budget_yuan_per_year"
    with pytest.raises(SweepError, match="special_bonds"):
        check_factors(scenarios, [Factor(key, levels=(2e9, 1e10, 5e10))], "<test>")
    with pytest.raises(SweepError, match="special_bonds"):
        load_scenarios([ROOT / "scenarios/baseline.toml"], {key: 2e9})
