"""Each lever acts in its documented direction against the same-seed baseline.

Most checks compare the logit choice probabilities of every firm with and without the quarter's
levers at the same state (``RelocationModel.under``): deterministic, so a direction can be asserted
without Monte-Carlo noise. Stateful levers (special bonds, matchmaking) are checked over a run.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import levers
from simulation import scenario as S
from simulation.levers.targets import resolve
from simulation.model import RelocationModel

FIRMS = 1500


def build(lever_tables: dict, steps: int = 1, firms: int = FIRMS, **extra) -> RelocationModel:
    raw = {"run": {"firms": firms, "seed": 7}, "calibration": {"sorting_rounds": 5}, "levers": lever_tables}
    raw.update(extra)
    model = RelocationModel(S.from_dict(raw, "<test>"))
    for _ in range(steps):
        model.step()
    return model


def mass(model: RelocationModel, where: np.ndarray, firms: np.ndarray | None = None) -> tuple[float, float]:
    """Mean choice probability of the provinces ``where``: (with the levers, without them)."""
    idx = np.arange(model.firms.n) if firms is None else firms
    with_levers = model.choice_probabilities(idx)[:, where].sum(axis=1).mean()
    with model.under(model.no_policy_effects()):
        without = model.choice_probabilities(idx)[:, where].sum(axis=1).mean()
    return float(with_levers), float(without)


def sector_firms(model: RelocationModel, *names: str) -> np.ndarray:
    return np.flatnonzero(np.isin(model.sectors.names[model.firms.sector], names))


def region(model: RelocationModel, *names: str) -> np.ndarray:
    return resolve(model.world, list(names))


# (lever tables, where, sectors (None: all), expected sign of the change in choice probability)
DIRECTIONS = {
    "rd_support": ({"rd_support": {"targets": ["Henan"], "fund_rate": 1.0}}, ["Henan"], ["electronics"], +1),
    "bonded_maintenance": ({"bonded_maintenance": {"margin": 0.02}}, ["coastal"], ["electronics"], +1),
    "maintenance_pilots": (
        {"maintenance_pilots": {"margin": 0.02}},
        ["maintenance_pilots"],
        ["electronics", "machinery"],
        +1,
    ),
    "bonded_sites": ({"bonded_sites": {}}, ["inland"], None, +1),
    "special_funds": ({"special_funds": {"yuan_per_job": 50_000.0}}, ["inland"], None, +1),
    "preferential_cit": ({"preferential_cit": {"targets": ["central"]}}, ["central"], None, +1),
    "finance": ({"finance": {"targets": ["inland"], "risk_cut": 1.0}}, ["inland"], None, +1),
    "border_ports": (
        {"border_ports": {"rate_cut": 0.5, "days_cut": 1.0}},
        ["Guangxi", "Yunnan"],
        ["food"],
        +1,
    ),
    "freight_routes": ({"freight_routes": {"cre_origins": ["Guizhou"]}}, ["inland"], None, +1),
    "training": (
        {"training": {"gain_per_trainee": 0.5, "trained_share_per_year": 0.5}},
        ["inland"],
        None,
        +1,
    ),
    "time_of_use": (
        {"time_of_use": {"targets": ["inland"], "spread_scale": 2.0}},
        ["inland"],
        ["apparel"],
        +1,
    ),
    "domestic_links_coast": ({"domestic_links": {"coast_interior_cut": 0.5}}, ["coastal"], None, +1),
    "domestic_links_interior": (
        {"domestic_links": {"coast_interior_cut": 0.0, "interior_cut": 0.5}},
        ["inland"],
        None,
        +1,
    ),
    # more domestic sales: market access weighs more and export freight less; both favour the
    # interior, where fewer competitors share each domestic market
    "domestic_market": ({"domestic_market": {"domestic_share_add": 0.3}}, ["inland"], None, +1),
}


@pytest.mark.parametrize("case", sorted(DIRECTIONS))
def test_lever_moves_choices_in_documented_direction(case):
    tables, where, sectors, sign = DIRECTIONS[case]
    tables = {name: {"enabled": True, **t} for name, t in tables.items()}
    model = build(tables)
    firms = None if sectors is None else sector_firms(model, *sectors)
    with_levers, without = mass(model, region(model, *where), firms)
    # the same state with and without the levers (no draws): any change above float noise is the
    # lever's; border ports move food by about 1e-4 since food's value density is documented (2022)
    assert sign * (with_levers - without) > 1e-6, (with_levers, without)


def test_levers_that_do_not_apply_to_a_sector_leave_it_alone():
    """R&D funds go to the advanced sectors only; maintenance margins to eligible sectors only."""
    model = build({"rd_support": {"enabled": True, "targets": ["Henan"], "fund_rate": 1.0}})
    with_levers, without = mass(model, region(model, "Henan"), sector_firms(model, "apparel"))
    assert abs(with_levers - without) < 1e-9
    model = build({"maintenance_pilots": {"enabled": True, "margin": 0.02}})
    with_levers, without = mass(model, region(model, "maintenance_pilots"), sector_firms(model, "apparel"))
    assert abs(with_levers - without) < 1e-9


def test_eastern_maintenance_pilots_hold_firms_on_the_coast():
    """Eligible firms in the pilot provinces become less likely to leave them."""
    model = build({"maintenance_pilots": {"enabled": True, "margin": 0.02}})
    pilots = region(model, "maintenance_pilots")
    f = model.firms
    eligible = model.sectors.col("bonded_maintenance")[f.sector] > 0
    there = np.flatnonzero(pilots[f.location] & eligible)
    assert len(there) > 20
    with_levers, without = mass(model, ~pilots, there)
    assert with_levers < without - 1e-3


def test_time_of_use_spread_helps_flexible_and_hurts_inflexible_load():
    """A wider spread lowers the electricity cost of flexible load and raises that of inflexible
    peak load, in the same provinces (those whose schedule is not already at the observed cap,
    which the stretch leaves as it is)."""
    sectors = {
        "apparel": {"load_flexibility": 0.9, "peak_load_share": 0.4},
        "machinery": {"load_flexibility": 0.0, "peak_load_share": 0.8},
    }
    model = build({"time_of_use": {"enabled": True, "spread_scale": 2.0}}, sectors=sectors)
    s_flex, s_rigid = model.sectors.index("apparel"), model.sectors.index("machinery")
    with model.under(model.no_policy_effects()) as flat:
        before = flat.electricity.copy()
    after = model.unit.electricity
    widened = model.columns["tou_valley_mult"] < model.no_policy_effects().columns["tou_valley_mult"]
    assert widened.sum() > 20
    assert (after[s_flex, widened] < before[s_flex, widened]).all()
    assert (after[s_rigid, widened] > before[s_rigid, widened]).all()
    assert np.array_equal(after[:, ~widened], before[:, ~widened])


def test_ndrc_preset_meets_the_2021_minimum_spreads():
    model = build(
        {"time_of_use": {"enabled": True, "preset": "ndrc2021", "high_load_gap": ["Guangdong", "Henan"]}}
    )
    cols = model.columns
    ratio = cols["tou_peak_mult"] / cols["tou_valley_mult"]
    high = region(model, "Guangdong", "Henan")
    assert (ratio[high] >= 4.0 - 1e-9).all()
    assert (ratio[~high] >= 3.0 - 1e-9).all()
    assert (cols["tou_critical_mult"] >= 1.2 * cols["tou_peak_mult"] - 1e-9).all()


def test_energy_guarantee_cuts_electricity_cost_only_at_carriers():
    tou = {"enabled": True, "spread_scale": 1.0, "critical_over_peak": 1.0, "outage_cut": 1.0}
    model = build({"time_of_use": tou})
    with model.under(model.no_policy_effects()) as flat:
        before = flat.electricity.copy()
    sites = region(model, "national_parks", "undertaking_sites")
    assert (model.unit.electricity[:, sites] < before[:, sites]).all()
    assert np.allclose(model.unit.electricity[:, ~sites], before[:, ~sites])


def test_coast_interior_links_and_interior_world_links_pull_opposite_ways():
    """Better coast-interior links raise the coast's pull; better interior-world links (rail,
    air, multimodal) raise the interior's."""
    coast = build({"domestic_links": {"enabled": True, "coast_interior_cut": 0.5}})
    world = build({"freight_routes": {"enabled": True, "multimodal_leg_cut": 0.5}})
    inland_after_coast_links = mass(coast, coast.world.inland)
    inland_after_world_links = mass(world, world.world.inland)
    assert inland_after_coast_links[0] < inland_after_coast_links[1]
    assert inland_after_world_links[0] > inland_after_world_links[1]


def test_new_rail_origin_carries_goods_to_europe_by_rail():
    model = build({"freight_routes": {"enabled": True, "targets": ["Guizhou"], "cre_origins": ["Guizhou"]}})
    r, rail, eu = model.world.index("Guizhou"), 2, 0
    with model.under(model.no_policy_effects()) as before:
        share_before = before.mode_shares[:, r, eu, rail].copy()
    assert (model.unit.mode_shares[:, r, eu, rail] > share_before).all()


def test_foreign_firms_move_more_easily_with_the_withholding_deferral_and_shorter_supervision():
    for tables in (
        {"withholding_deferral": {"enabled": True, "reinvested_share": 1.0}},
        {
            "management": {
                "enabled": True,
                "supervision_years": 0.0,
                "compliance_cut": 0.0,
                "guarantee_cut": 0.0,
            }
        },
    ):
        model = build(tables)
        f = model.firms
        for foreign, moves_more in ((True, True), (False, False)):
            idx = np.flatnonzero(f.foreign == foreign)
            probs = model.choice_probabilities(idx)
            with model.under(model.no_policy_effects()):
                base = model.choice_probabilities(idx)
            rows = np.arange(len(idx))
            leave_with = 1 - probs[rows, f.location[idx]].mean()
            leave_without = 1 - base[rows, f.location[idx]].mean()
            if moves_more:
                assert leave_with > leave_without + 1e-5, tables
            else:
                assert leave_with == pytest.approx(leave_without, abs=1e-12), tables


def test_sme_credit_makes_smes_more_mobile():
    model = build({"finance": {"enabled": True, "sme_premium_cut": 1.0, "risk_cut": 0.0}})
    f = model.firms
    idx = np.flatnonzero(f.sme)
    rows = np.arange(len(idx))
    leave_with = 1 - model.choice_probabilities(idx)[rows, f.location[idx]].mean()
    with model.under(model.no_policy_effects()):
        leave_without = 1 - model.choice_probabilities(idx)[rows, f.location[idx]].mean()
    assert leave_with > leave_without


def test_special_bonds_build_parks_after_the_lag_and_firms_fill_them():
    lag, budget = 2, 5e10
    tables = {
        "special_bonds": {
            "enabled": True,
            "budget_yuan_per_year": budget,
            "build_lag_quarters": lag,
            "allocation": "equal",
        }
    }
    model = build(tables, steps=0, firms=3000)
    base = build({}, steps=0, firms=3000)
    targets = region(model, "national_parks")
    capacity = []
    for _ in range(8):
        model.step()
        base.step()
        capacity.append(model.park_capacity.copy())
    first = capacity[0]
    assert np.allclose(capacity[lag - 1], first)  # nothing opens before the lag
    added = capacity[lag] - first
    per_quarter_jobs = budget / 4 / (4317.0 * 25.0) / model.scale
    assert added[targets] == pytest.approx(np.full(targets.sum(), per_quarter_jobs / targets.sum()))
    assert np.allclose(added[~targets], 0.0)
    occupied = (model.park_capacity - model.park_free())[targets].sum()
    occupied_base = (base.park_capacity - base.park_free())[targets].sum()
    assert occupied > occupied_base


def test_matchmaking_spreads_knowledge_of_promoted_provinces_at_its_rate():
    """Without baseline turnover (behaviour.knowledge_turnover = 0) a firm learns of a promoted
    province with chance learn_prob a quarter: after 4 quarters it knows 1 - 0.7**4 of those it did
    not know, whether its known set is brought up to date every quarter or only when read at the
    end; nothing is forgotten and nothing else is learned (by firms still where they started)."""
    tables = {"matchmaking": {"enabled": True, "learn_prob": 0.3, "extra_considered": 2}}
    closed = {  # the same firms throughout, and no baseline turnover of knowledge
        "demography": {"enabled": False},
        "abroad": {"enabled": False},
        "behaviour": {"knowledge_turnover": 0.0},
    }
    base = build({}, steps=4, **closed)
    base.sync_knowledge()  # a mover knows the provinces of its new region
    start = build({}, steps=0, **closed).firms.known
    for eager in (False, True):
        model = build(tables, steps=0, **closed)
        for _ in range(4):
            model.step()
            if eager:
                model.sync_knowledge()
        model.sync_knowledge()
        promoted = model.effects.learn_prob > 0
        known, known0 = model.firms.known[:, promoted], start[:, promoted]
        assert known[~known0].mean() == pytest.approx(1 - 0.7**4, abs=0.02)
        assert known[known0].all()
        stayed = model.firms.location == base.firms.location
        assert np.array_equal(model.firms.known[stayed][:, ~promoted], base.firms.known[stayed][:, ~promoted])
    assert model.effects.extra_considered == 2 and base.effects.extra_considered == 0
    assert np.array_equal(model.effects.extra_considered_where, model.lever_plan.masks["matchmaking"])


def test_switching_a_lever_on_leaves_the_start_and_other_draws_unchanged():
    """Common random numbers: the calibrated start is identical and a lever with no effect on
    costs (the default preferential CIT restates current law) gives an identical run."""
    a = build({}, steps=3)
    b = build({"preferential_cit": {"enabled": True}}, steps=3)
    assert np.array_equal(a.recorder.steps[0]["employment"], b.recorder.steps[0]["employment"])
    assert np.array_equal(a.firms.location, b.firms.location)


def test_registry_declares_every_measure_once_with_units_and_sources():
    measures = {lv.measure_no for lv in levers.LEVERS}
    assert measures == set(range(1, 13))
    assert len(levers.BY_NAME) == len(levers.LEVERS)
    for lv in levers.LEVERS:
        assert lv.title_zh and lv.title_en and lv.mechanism and lv.sources, lv.name
        for p in lv.params:
            assert p.unit and p.doc and p.basis, (lv.name, p.key)
            p.check(p.default)


def test_time_of_use_set_preset_gives_the_targets_a_schedule():
    tou = {
        "enabled": True,
        "preset": "set",
        "targets": ["Henan"],
        "peak_mult": 1.5,
        "valley_mult": 0.3,
        "peak_hours": 6.0,
        "valley_hours": 10.0,
    }
    model = build({"time_of_use": tou})
    r, other = model.world.index("Henan"), model.world.index("Hubei")
    cols = model.columns
    assert (cols["tou_peak_mult"][r], cols["tou_valley_mult"][r]) == (1.5, 0.3)
    assert cols["tou_peak_hours"][r] + cols["tou_flat_hours"][r] + cols["tou_valley_hours"][r] == 24.0
    assert cols["tou_critical_mult"][r] >= 1.2 * 1.5
    assert cols["tou_peak_mult"][other] == model.no_policy_effects().columns["tou_peak_mult"][other]
    with pytest.raises(S.ScenarioError, match="valley_hours"):
        S.from_dict({"levers": {"time_of_use": {"preset": "set", "peak_hours": 16.0, "valley_hours": 10.0}}})


def test_designated_carriers_receive_bond_funded_parks():
    bonds = {"enabled": True, "targets": ["Henan"], "designate": ["Ganzhou"], "build_lag_quarters": 0}
    model = build({"special_bonds": bonds})
    jiangxi, henan = model.world.index("Jiangxi"), model.world.index("Henan")
    assert model.no_policy_effects().columns["national_park"][jiangxi] == 0
    assert model.columns["national_park"][jiangxi] == 1
    start = build({}).park_capacity
    assert model.park_capacity[jiangxi] > start[jiangxi] == 0
    assert model.park_capacity[henan] > start[henan]


def test_every_named_city_lies_in_a_province_of_the_data():
    from simulation.geography import load_china
    from simulation.levers.targets import cities

    names = set(load_china().names)
    assert all(province in names for province, _ in cities().values())
    assert len(cities()) == 33


def test_each_lever_alone_explains_its_own_channel():
    """In a package, each lever's direct effect alone shows in the channel it works through."""
    tables = {
        "freight_routes": {"enabled": True},
        "training": {"enabled": True, "trained_share_per_year": 0.5},
        "bonded_sites": {"enabled": True},
    }
    model = build(tables, steps=2)
    from simulation import channels
    from simulation.levers import CHANNELS

    each = channels.per_lever(model, model.recorder.weights)
    inland = model.world.inland
    weight = model.recorder.weights.sum(axis=0) * inland
    mean = {name: (weight @ adv) / weight.sum() for name, adv in each.items()}
    assert set(mean) == set(tables)
    assert mean["freight_routes"][CHANNELS.index("logistics")] > 0
    assert mean["training"][CHANNELS.index("labour")] > 0
    assert mean["bonded_sites"][CHANNELS.index("customs")] > 0
    assert mean["training"][CHANNELS.index("logistics")] == pytest.approx(0.0, abs=1e-12)


def test_recorded_exports_count_the_domestic_market_lever():
    """With the lever on in the west, recorded exports / output = 1 - (domestic share + lever add)
    there, and 1 - domestic share elsewhere (issue 12, item 5: one export share)."""
    add = 0.3
    lever = {"enabled": True, "targets": ["west"], "domestic_share_add": add}
    model = build({"domestic_market": lever}, steps=2)
    ts = model.recorder.timeseries(model)
    last = ts[(ts["step"] == 2) & (ts["output_yuan"] > 0)]
    share = dict(zip(model.sectors.names, model.sectors.col("domestic_sales_share"), strict=True))
    domestic = last["sector"].map(share) + np.where(last["region"] == "west", add, 0.0)
    np.testing.assert_allclose(last["exports_yuan"] / last["output_yuan"], 1 - domestic, rtol=1e-12)
    assert (last["region"] == "west").any() and (last["region"] != "west").any()
