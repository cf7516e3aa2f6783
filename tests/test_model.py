"""Mechanisms of the model core act in the documented direction."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import costs
from simulation import scenario as scenario_mod
from simulation.firms import CellTallies, Firm
from simulation.model import RelocationModel
from simulation.province_agent import Province
from simulation.sectors import load_sectors

BASELINE = "scenarios/baseline.toml"
SMALL = {"run.firms": 800, "calibration.sorting_rounds": 5}


def small(**overrides) -> scenario_mod.Scenario:
    return scenario_mod.load(BASELINE, {**SMALL, **overrides})


def test_series_starting_at_run_start_is_not_absorbed_by_calibration():
    """A policy-like series from the first simulated quarter acts against the same-seed baseline
    (4,000 firms: with 800 a handful of moves of unequal size decides the sign)."""
    series = [{"variable": "wage_yuan", "where": "Henan", "values": {"2024": 36000}}]
    base = RelocationModel(small(**{"run.firms": 4000}))
    cheap = RelocationModel(
        scenario_mod.from_dict(
            {"run": {"firms": 4000}, "calibration": {"sorting_rounds": 5}, "series": series}, "<t>"
        )
    )
    np.testing.assert_array_equal(base.alpha, cheap.alpha)
    np.testing.assert_array_equal(base.firms.location, cheap.firms.location)
    henan = base.world.index("Henan")
    for _ in range(20):
        base.step()
        cheap.step()
    assert cheap.employment_by_province()[henan] > base.employment_by_province()[henan]


def test_series_switch_on_in_their_quarter():
    """A China-Europe rail origin opening in Jiangxi in 2025 lowers its EU freight cost from then."""
    sc = small(**{"run.start": "2024Q3"})
    raw_series = {"variable": "cre_origin", "where": "Jiangxi", "values": {"2025": 1}}
    sc = scenario_mod.from_dict(
        {
            "run": {"start": "2024Q3", "firms": 800},
            "calibration": {"sorting_rounds": 5},
            "series": [raw_series],
        },
        "<test>",
    )
    model = RelocationModel(sc)
    jx = model.world.index("Jiangxi")
    costs_by_quarter = {}
    for _ in range(4):
        model.step()
        costs_by_quarter[str(model.quarter)] = model.unit.logistics[0, jx]
    assert model.columns["cre_origin"][jx] == 1
    assert costs_by_quarter["2024Q3"] == costs_by_quarter["2024Q4"]
    assert costs_by_quarter["2025Q1"] < costs_by_quarter["2024Q4"]


def test_replay_from_2010_runs_with_wage_series():
    sc = scenario_mod.from_dict(
        {
            "run": {"start": "2010Q1", "steps": 4, "firms": 500},
            "calibration": {"sorting_rounds": 2},
            "series": [{"variable": "wage_yuan", "where": "Henan", "values": {"2010": 20000, "2011": 23000}}],
        },
        "<test>",
    )
    model = RelocationModel(sc)
    henan = model.world.index("Henan")
    assert model.wage[henan] != 20000  # step 0 is 2009Q4, before the series starts
    model.step()
    assert model.wage_level[henan] == 20000
    for _ in range(3):
        model.step()
    assert str(model.quarter) == "2010Q4"
    assert model.wage_level[henan] > 20000  # trend on top of the 2010 level


def test_wages_rise_where_processing_jobs_arrive():
    model = RelocationModel(small(**{"labour.wage_trend": False}))
    f = model.firms
    sichuan = model.world.index("Sichuan")
    movers = np.flatnonzero(f.location != sichuan)[:100]
    f.location[movers] = sichuan
    model.refresh_tallies()  # firm arrays changed by hand
    model._update_factor_prices()
    assert model.wage[sichuan] > model.wage_level[sichuan]
    assert model.rent_index[sichuan] > 1.0
    losers = model.employment_by_province() < model.employment0
    assert np.all(model.wage[losers] <= model.wage_level[losers])


def test_tallies_are_the_firm_arrays_summed_after_every_step():
    model = RelocationModel(small(**{"behaviour.review_hazard": 0.3}))
    for _ in range(3):
        model.step()
        f, t = model.firms, model.tallies
        fresh = CellTallies(f, model.sectors.n, model.world.n)
        for name in ("employment", "output", "inputs", "park_inputs", "park_employment"):
            np.testing.assert_allclose(
                getattr(t, name),
                getattr(fresh, name),
                rtol=1e-12,
                atol=1e-12 * getattr(fresh, name).sum(),
                err_msg=name,
            )
        for name in ("count", "cell", "park_key"):
            assert np.array_equal(getattr(t, name), getattr(fresh, name)), name
        np.testing.assert_allclose(model.employment_by_province(), np.bincount(f.location, f.employment, 31))
    assert sum(row["relocations_in"].sum() for row in model.recorder.steps) > 0  # firms moved
    assert model.firms.in_park.any()  # and parks were used


def test_park_capacity_is_never_exceeded():
    model = RelocationModel(small(**{"behaviour.review_hazard": 0.5, "parks.initial_occupancy": 0.3}))
    for _ in range(8):
        model.step()
        used = model.park_capacity - model.park_free()
        assert np.all(model.park_free() >= 0)
        f = model.firms
        occupied = np.bincount(f.location, weights=f.employment * f.in_park, minlength=model.world.n)
        assert np.all(occupied <= model.park_capacity + 1e-9)
        np.testing.assert_allclose(used, occupied)
    assert (model.park_capacity > 0).sum() == 13  # the 13 national parks of 2021


def test_wider_time_of_use_spread_helps_flexible_and_hurts_inflexible_load():
    sectors = load_sectors()
    sectors.columns["load_flexibility"][:] = [0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    sectors.columns["peak_load_share"][:] = 0.5
    cols = {
        "tou_peak_hours": np.array([8.0]),
        "tou_flat_hours": np.array([8.0]),
        "tou_valley_hours": np.array([8.0]),
        "tou_critical_hours": np.array([0.0]),
        "tou_critical_mult": np.array([1.8]),
    }
    narrow = costs.tou_multiplier(
        sectors, {**cols, "tou_peak_mult": np.array([1.5]), "tou_valley_mult": np.array([0.5])}
    )
    wide = costs.tou_multiplier(
        sectors, {**cols, "tou_peak_mult": np.array([1.8]), "tou_valley_mult": np.array([0.2])}
    )
    assert wide[0, 0] < narrow[0, 0]  # flexible: shifts peak load into a cheaper valley
    assert wide[1, 0] > narrow[1, 0]  # inflexible and peak-heavy: pays the higher peak


def test_agents_are_views_on_the_arrays():
    model = RelocationModel(small(**{"run.firm_agents": True}))
    firms = model.agents_by_type[Firm]
    provinces = model.agents_by_type[Province]
    assert len(firms) == model.firms.n and len(provinces) == 31
    agent = firms.to_list()[0]
    before = agent.province
    model.firms.location[agent.idx] = (model.firms.location[agent.idx] + 1) % 31
    assert agent.province != before
    total = sum(p.employment for p in provinces)
    np.testing.assert_allclose(total, model.employment_by_province().sum() * model.scale)


@pytest.mark.parametrize("entry", [None, 0.2])
def test_plants_in_a_full_park_cannot_grow_past_its_capacity(entry):
    """Growth of plants in parks (ODD 7.18) is capped by the places still free: with frequent
    reviews filling the parks and strong growth, occupancy stays within capacity every quarter
    (without the cap it exceeds it from the first quarter, by 5-48 persons a park). With many new
    plants (``entry``: trend growth a year) they enter against the places growth left (against the
    places before growth, the parks end up to 9 persons over)."""
    settings = {
        "behaviour.review_hazard": 0.1,
        "behaviour.logit_scale": 0.06,
        "parks.initial_occupancy": 0.3,
        "demography.growth_elasticity": 5.0,
    }
    if entry is not None:
        settings["demography.trend_growth"] = entry
    model = RelocationModel(small(**settings))
    for _ in range(12):
        model.step()
        f = model.firms
        occupied = np.bincount(f.location, weights=f.employment * f.in_park, minlength=model.world.n)
        assert np.all(occupied <= model.park_capacity + 1e-6)
