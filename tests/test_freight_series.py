"""National freight series replay history (issue 13 item 4): a rate multiplier, added days or a
logistics parameter acts from its key on and not before, is an input (part of the no-policy
effects, so no lever is credited with it), changes the freight cache key, and bad or overlapping
entries are refused naming the key."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO

from simulation import costs, logistics
from simulation import scenario as S
from simulation.model import RelocationModel
from simulation.sectors import MARKETS
from simulation.timeline import Quarter

BASELINE = "scenarios/baseline.toml"
TINY = {"run.firms": 300, "calibration.method": "none"}  # fast: the costs in force are the point
SEA, RAIL, EU = logistics.MODES.index("sea"), logistics.MODES.index("rail"), MARKETS.index("eu")
SEA_EU = {"variable": "rate_mult", "mode": "sea", "market": "eu", "values": {"2024Q3": 3.5}}


def scenario(freight_series: list[dict], **params) -> S.Scenario:
    """The baseline with ``params`` (dotted keys) and raw ``[[freight_series]]`` tables."""
    return _with(freight_series, params)


def _with(freight_series: list[dict], params: dict) -> S.Scenario:
    raw: dict = {"freight_series": freight_series}
    for key, value in {**TINY, **params}.items():
        *path, name = key.split(".")
        node = raw
        for part in path:
            node = node.setdefault(part, {})
        node[name] = value
    return S.from_dict(raw, "<freight-series-test>")


def error(freight_series: list[dict]) -> S.ScenarioError:
    with pytest.raises(S.ScenarioError) as info:
        _with(freight_series, {})
    return info.value


def steps_to(model: RelocationModel, quarter: str) -> None:
    while model.quarter < Quarter.parse(quarter):
        model.step()


# --- in force from the key on ---------------------------------------------------------------------


def test_sea_rate_to_the_eu_raises_logistics_costs_from_its_key_and_not_before():
    plain, spiked = RelocationModel(scenario([])), RelocationModel(scenario([SEA_EU]))
    for quarter in ("2024Q1", "2024Q2"):  # before the key: the same run, firm by firm
        steps_to(plain, quarter)
        steps_to(spiked, quarter)
        np.testing.assert_array_equal(plain.unit.logistics, spiked.unit.logistics)
        np.testing.assert_array_equal(plain.firms.location, spiked.firms.location)
        assert spiked.effects.freight.market_rate_mult[SEA, EU] == 1.0
    steps_to(plain, "2024Q3")
    steps_to(spiked, "2024Q3")
    assert spiked.effects.freight.market_rate_mult[SEA, EU] == 3.5
    rest = np.delete(spiked.effects.freight.market_rate_mult.ravel(), SEA * len(MARKETS) + EU)
    assert (rest == 1.0).all()  # sea to the EU only
    to_eu = plain.sectors.destinations()[:, EU] > 0
    # the same firms until the key, so the costs in the quarter of the key differ by the spike alone
    before, after = plain.unit_costs(plain.effects), spiked.unit_costs(spiked.effects)
    assert (after.logistics[to_eu] > before.logistics[to_eu]).all()


def test_days_added_to_sea_freight_raise_time_costs_from_the_key():
    days = {"variable": "days_add", "mode": "sea", "market": "all", "values": {2024: 0.0, "2024Q2": 10}}
    model = RelocationModel(scenario([days]))
    steps_to(model, "2024Q1")
    start = model.unit_costs().logistics.copy()
    assert (model.effects.freight.market_days_add == 0).all()
    model.step()  # 2024Q2
    assert (model.effects.freight.market_days_add[SEA] == 10).all()
    assert (model.effects.freight.market_days_add[RAIL] == 0).all()
    assert (model.unit_costs().logistics >= start).all() and (model.unit_costs().logistics > start).any()


def test_a_rail_subsidy_series_changes_rail_costs_from_its_key():
    sub = {"variable": "cre_subsidy_share", "values": {"2024Q3": 0.5}}
    plain, subsidised = RelocationModel(scenario([])), RelocationModel(scenario([sub]))
    steps_to(plain, "2024Q2")
    steps_to(subsidised, "2024Q2")
    assert subsidised.params["logistics.cre_subsidy_share"] == 0.0
    assert costs.market_costs_key(subsidised.effects) == costs.market_costs_key(plain.effects)
    steps_to(plain, "2024Q3")
    steps_to(subsidised, "2024Q3")
    assert subsidised.params["logistics.cre_subsidy_share"] == 0.5
    key_plain, key_sub = costs.market_costs_key(plain.effects), costs.market_costs_key(subsidised.effects)
    assert key_plain != key_sub  # the freight cache recomputes
    m = plain
    fp = costs.market_costs(m.sectors, m.inputs.freight, plain.effects, m.world.distance_km, m.inputs.flows)
    fs = costs.market_costs(
        m.sectors, m.inputs.freight, subsidised.effects, m.world.distance_km, m.inputs.flows
    )
    # cheaper rail: its capacity is scarcer, so its shadow price rises (and cannot fall)
    assert fs["shadow_price"][RAIL] >= fp["shadow_price"][RAIL] and not np.allclose(fs["cost"], fp["cost"])
    # without the capacity limit, the cost to the EU falls wherever rail is used, and nowhere rises
    free_p = costs.market_costs(m.sectors, m.inputs.freight, plain.effects, m.world.distance_km, None)
    free_s = costs.market_costs(m.sectors, m.inputs.freight, subsidised.effects, m.world.distance_km, None)
    assert (free_s["cost"][:, :, EU] <= free_p["cost"][:, :, EU] + 1e-15).all()
    assert (free_s["cost"][:, :, EU] < free_p["cost"][:, :, EU]).any()
    other = [k for k in range(len(MARKETS)) if k != EU]  # no rail to other markets: unchanged
    np.testing.assert_allclose(free_s["cost"][:, :, other], free_p["cost"][:, :, other])


# --- inputs, not levers ---------------------------------------------------------------------------


def test_no_policy_effects_include_the_series():
    """The channel decomposition compares the levers' effects with the no-policy ones: a freight
    series must be in both, so that it is not counted as a lever effect."""
    sub = {"variable": "cre_subsidy_share", "values": {2024: 0.3}}
    sc = scenario([SEA_EU, sub], **{"levers.freight_routes.enabled": True})
    model = RelocationModel(sc)
    steps_to(model, "2024Q3")
    neutral, one = model.no_policy_effects(), model.one_lever_effects("freight_routes")
    for effects in (model.effects, neutral, one):
        assert effects.freight.market_rate_mult[SEA, EU] == 3.5
        assert effects.params["logistics.cre_subsidy_share"] == 0.3
    assert model.no_policy_effects() is neutral  # cached while the inputs stay the same


def test_without_levers_the_no_policy_freight_equals_the_run_s():
    model = RelocationModel(scenario([SEA_EU]))
    steps_to(model, "2024Q3")
    assert costs.market_costs_key(model.no_policy_effects()) == costs.market_costs_key(model.effects)


def test_the_no_policy_effects_follow_the_series_over_time():
    model = RelocationModel(scenario([SEA_EU]))
    first = model.no_policy_effects()
    assert first.freight.market_rate_mult[SEA, EU] == 1.0
    steps_to(model, "2024Q3")
    assert model.no_policy_effects().freight.market_rate_mult[SEA, EU] == 3.5


# --- the scenario: validation, hash, round trips ----------------------------------------------------


def test_a_toml_table_is_read_and_accumulates_over_extends(write_toml):
    write_toml(
        f"""
[scenario]
extends = "{REPO / BASELINE}"
[[freight_series]]
mode = "sea"
market = "eu"
variable = "rate_mult"
values = {{ 2021 = 3.5, 2022Q3 = 1.8, 2023 = 1.0 }}
""",
        "base.toml",
    )
    top = write_toml(
        """
[scenario]
extends = "base.toml"
[[freight_series]]
variable = "cre_subsidy_share"
values = { 2018 = 0.5, 2019 = 0.4, 2020 = 0.3, 2022 = 0.0 }
"""
    )
    sc = S.load(top)
    sea, rail = sc.freight_series
    assert (sea.mode, sea.market, sea.points) == ("sea", "eu", ((2021.0, 3.5), (2022.5, 1.8), (2023.0, 1.0)))
    assert sea.value_at(2020.75) is None and sea.value_at(2022.25) == 3.5 and sea.value_at(2022.5) == 1.8
    assert (rail.mode, rail.market, rail.value_at(2021.0)) == (None, None, 0.3)
    assert sc.with_overrides({"run.seed": 7}).freight_series == sc.freight_series


def test_the_hash_records_freight_series_and_is_unchanged_without_them():
    plain, spiked = scenario([]), scenario([SEA_EU])
    assert "freight_series" not in plain.to_dict()  # hashes of existing scenarios stay as they were
    assert spiked.to_dict()["freight_series"] == [
        {"variable": "rate_mult", "mode": "sea", "market": "eu", "points": [(2024.5, 3.5)]}
    ]
    assert plain.hash() != spiked.hash()
    later = dict(SEA_EU, values={"2024Q4": 3.5})
    assert scenario([later]).hash() != spiked.hash()


@pytest.mark.parametrize(
    ("entry", "key", "says"),
    [
        ({"variable": "rate", "mode": "sea", "values": {2021: 2}}, "freight_series[0].variable", "rate_mult"),
        (
            {"variable": "rate_mult", "mode": "ship", "values": {2021: 2}},
            "freight_series[0].mode",
            "sea, air",
        ),
        ({"variable": "rate_mult", "values": {2021: 2}}, "freight_series[0].mode", "sea, air, rail, land"),
        (
            {"variable": "rate_mult", "mode": "sea", "market": "africa", "values": {2021: 2}},
            "freight_series[0].market",
            "eu, na, eastasia, asean, all",
        ),
        (
            {"variable": "rate_mult", "mode": "rail", "market": "na", "values": {2021: 2}},
            "freight_series[0].market",
            "rail serves: eu",
        ),
        (
            {"variable": "rate_mult", "mode": "sea", "values": {2021: 0}},
            "freight_series[0].values.2021",
            "(0, 100]",
        ),
        (
            {"variable": "days_add", "mode": "sea", "values": {2021: 500}},
            "freight_series[0].values.2021",
            "120",
        ),
        (
            {"variable": "rate_mult", "mode": "sea", "values": {2021: "x"}},
            "freight_series[0].values.2021",
            "number",
        ),
        (
            {"variable": "rate_mult", "mode": "sea", "values": {"21Q5": 2}},
            "freight_series[0].values.21Q5",
            "years",
        ),
        (
            {"variable": "rate_mult", "mode": "sea", "values": {2005: 2}},
            "freight_series[0].values.2005",
            "2010",
        ),
        ({"variable": "rate_mult", "mode": "sea", "values": {}}, "freight_series[0].values", "table"),
        (
            {"variable": "cre_subsidy_share", "values": {2021: 1.5}},
            "freight_series[0].values.2021",
            "[0, 1]",
        ),
        (
            {"variable": "cre_subsidy_share", "mode": "rail", "values": {2021: 0.2}},
            "freight_series[0].mode",
            "national parameter",
        ),
        (
            {"variable": "rate_mult", "mode": "sea", "where": "Henan", "values": {2021: 2}},
            "freight_series[0].where",
            "allowed: variable, mode, market, values",
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_key(entry, key, says):
    err = error([entry])
    assert err.key == key and says in str(err) and "<freight-series-test>" in str(err)


@pytest.mark.parametrize(
    ("first", "second", "says"),
    [
        ({"mode": "sea", "market": "eu"}, {"mode": "sea", "market": "eu"}, "'rate_mult' of sea to eu"),
        ({"mode": "sea", "market": "all"}, {"mode": "sea", "market": "eu"}, "'rate_mult' of sea to eu"),
        ({"mode": "sea"}, {"mode": "sea", "market": "all"}, "'rate_mult' of sea to every market"),
    ],
)
def test_overlapping_entries_are_refused(first, second, says):
    a = {"variable": "rate_mult", "values": {2021: 2.0}, **first}
    b = {"variable": "rate_mult", "values": {2023: 1.0}, **second}
    err = error([a, b])
    assert err.key == "freight_series[1]"
    assert "freight_series[0]" in str(err) and says in str(err) and "<freight-series-test>" in str(err)


def test_overlapping_parameter_series_are_refused():
    err = error([{"variable": "cre_subsidy_share", "values": {2018: 0.5}}] * 2)
    assert "both set logistics.cre_subsidy_share" in str(err)


def test_entries_that_do_not_overlap_are_accepted():
    entries = [
        {"variable": "rate_mult", "mode": "sea", "market": "eu", "values": {2021: 3.5}},
        {"variable": "rate_mult", "mode": "sea", "market": "na", "values": {2021: 2.5}},
        {"variable": "rate_mult", "mode": "air", "market": "all", "values": {2020: 2.0}},
        {"variable": "days_add", "mode": "sea", "market": "eu", "values": {2024: 10}},
        {"variable": "cre_subsidy_share", "values": {2018: 0.5}},
    ]
    assert len(_with(entries, {}).freight_series) == 5
