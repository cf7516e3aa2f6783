"""Entry, second plants, exit, conversion and places abroad (docs/model.md 7.18-7.19)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulation import abroad, decision, demography
from simulation import scenario as S
from simulation.model import RelocationModel

FIRMS = 3000


def build(steps: int = 0, firms: int = FIRMS, **params) -> RelocationModel:
    sc = S.resolve(None).with_overrides(
        {"run.firms": firms, "run.seed": 11, "calibration.sorting_rounds": 5, **params}, "<test>"
    )
    model = RelocationModel(sc)
    for _ in range(steps):
        model.step()
    return model


@pytest.fixture(scope="module")
def stepped() -> RelocationModel:
    return build(steps=8)


def test_plants_and_jobs_are_conserved_quarter_by_quarter():
    """Plants after a step = before + entered - exited - converted - abroad; employment likewise,
    plus the growth of the plants that stayed."""
    model = build()
    for _ in range(6):
        n0, jobs0 = model.firms.n, model.firms.employment.sum()
        model.step()
        t = model.turnover
        net = t.plants["entered"].sum() - sum(t.plants[k].sum() for k in ("exited", "converted", "abroad"))
        jobs = t.employment["entered"].sum() + t.employment["grown"].sum()
        jobs -= sum(t.employment[k].sum() for k in ("exited", "converted", "abroad"))
        assert model.firms.n == n0 + net
        assert model.firms.employment.sum() == pytest.approx(jobs0 + jobs, rel=1e-12)
        assert model.tallies.count.sum() == model.firms.n


def test_turnover_happens_at_the_declared_rates(stepped):
    """Over 8 quarters, exogenous exits and conversions are near their annual hazards and entry
    near exit + conversion + trend (Poisson noise on a few thousand plants)."""
    p, steps = stepped.params, stepped.recorder.steps[1:]
    plants = np.mean([r["firms"].sum() for r in steps])
    per_year = {k: sum(r[f"firms_{k}"].sum() for r in steps) / plants / 2 for k in ("entered", "converted")}
    assert per_year["converted"] == pytest.approx(p["demography.conversion_rate"], rel=0.3)
    assert per_year["entered"] == pytest.approx(demography.entry_rate(p), rel=0.2)


def test_closed_population_without_entry_or_exit():
    model = build(steps=4, **{"demography.enabled": False, "abroad.enabled": False})
    assert model.firms.n == FIRMS
    assert all(r[f"firms_{k}"].sum() == 0 for r in model.recorder.steps for k in demography.KINDS)


def test_plants_losing_money_for_long_enough_close():
    model = build(**{"demography.exit_rate": 0.0, "demography.conversion_rate": 0.0})
    s = model.situation()
    model.firms.loss_quarters[:] = model.params["demography.loss_exit_quarters"] - 1
    losing = decision.margins_here(s) < 0
    leave = demography.leaving(
        np.random.default_rng(0), s, decision.margins_here(s), np.zeros(model.firms.n, bool)
    )
    assert losing.any()
    assert np.array_equal(leave.exited, losing)
    assert not leave.converted.any()


def test_a_province_made_attractive_wins_new_plants_as_the_logit_says():
    """Raising one province's constant by d multiplies its odds among new plants by e^d: the share
    of new plants it wins follows the logit probabilities (checked on 40,000 new plants)."""
    model = build(**{"abroad.enabled": False})
    s = model.situation()
    rng = np.random.default_rng(3)
    plants = demography.new_plants(
        rng, s, decision.margins_here(s), model.sector_weights, model.wage_ref, 10**6
    )
    plants = plants.take(np.resize(np.arange(plants.n), 40_000))
    henan = int(np.flatnonzero(model.world.names == "Henan")[0])
    shares = []
    for bump in (0.0, 1.0):
        alpha = model.alpha.copy()
        alpha[:, henan] += bump
        t = replace(s, firms=plants, alpha=alpha)
        expected = decision.utility(t, np.arange(plants.n)) + alpha[plants.sector]
        p = np.exp(expected - expected.max(axis=1, keepdims=True))
        p = (p / p.sum(axis=1, keepdims=True))[:, henan].mean()
        drawn = (decision.place_new(np.random.default_rng(5), t) == henan).mean()
        assert drawn == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / plants.n))
        shares.append(p)
    assert shares[1] > 2 * shares[0]


def test_a_firm_that_expands_keeps_its_first_plant(stepped):
    """Second plants share their firm's owner, sector and productivity; the first plant of every
    such firm is still there (a plant of the start keeps its owner id, which is its row there)."""
    f = stepped.firms
    owners, counts = np.unique(f.owner, return_counts=True)
    multi = owners[counts > 1]
    assert len(multi) > 0
    start_n = stepped.spec.params["run.firms"]
    for owner in multi[:50]:
        plants = np.flatnonzero(f.owner == owner)
        assert len(set(f.sector[plants])) == 1
        assert len(set(np.round(f.productivity[plants], 12))) == 1
        if owner < start_n:  # a firm of the start: its original plant is one of them (tenure > 0)
            assert (f.tenure[plants] > 0).any()


def test_places_abroad_are_chosen_and_recorded(stepped):
    table = stepped.recorder.abroad_table(stepped)
    assert set(table["country"]) == set(abroad.PLACES)
    assert table["plants_from_china"].sum() + table["plants_new"].sum() > 0
    ts_abroad = sum(int(r["firms_abroad"].sum()) for r in stepped.recorder.steps)
    assert table["plants_from_china"].sum() == ts_abroad


def test_us_tariffs_push_plants_abroad():
    """With the 2019 Section 301 duties in force, places abroad are worth more to a North-American
    exporter than in 2017 (before any duty)."""
    model = build()
    before = abroad.quarter(2017.0, model.sectors, model.params, model.world.names)
    after = abroad.quarter(2020.0, model.sectors, model.params, model.world.names)
    assert before.tariff_saving.max() == 0.0
    assert (after.tariff_saving >= 0).all() and after.tariff_saving.max() > 0.01
    s = model.situation()
    idx = np.arange(200)
    gain = decision.abroad_utility(replace(s, abroad=after), idx) - decision.abroad_utility(
        replace(s, abroad=before), idx
    )
    na = model.sectors.destinations()[:, 1][model.firms.sector[idx]]
    assert (gain[na > 0] > 0).all()


def test_a_small_world_needs_places_abroad_switched_off():
    raw = {
        "run": {"firms": 50},
        "world": {"name": "two", "provinces": [{"province": "A"}, {"province": "B"}]},
    }
    with pytest.raises(Exception, match="abroad.enabled"):
        RelocationModel(S.from_dict(raw, "<test>"))


def test_churn_without_policy_is_within_the_documented_range():
    """Moves between provinces per plant and year, no policy, 12 years: between the registry's lower
    bound (0.04% of firms a year change province) and a third of the Dutch firms' 7.9% (2.6%;
    docs/model.md 7.10); persistent tastes move fewer firms than fresh draws."""
    rates = {}
    for persistent in (True, False):
        model = build(steps=48, firms=5000, **{"behaviour.taste_persistence": persistent})
        moves = sum(int(r["relocations_in"].sum()) for r in model.recorder.steps)
        plants = np.mean([r["firms"].sum() for r in model.recorder.steps])
        rates[persistent] = moves / plants / 12
    assert 0.0004 <= rates[True] <= 0.026
    assert rates[True] < rates[False]


def test_plants_grow_with_their_margin_and_keep_the_total():
    """A plant above its sector's mean margin grows (in a park: as far as the park has room), one
    below shrinks; total output (the mean gap is output-weighted) changes far less than the plants
    do."""
    model = build()
    s = model.situation()
    margin = decision.margins_here(s)
    before, output = model.firms.employment.copy(), model.firms.output.copy()
    gap = margin - decision.sector_mean_margin(s, margin)[model.firms.sector]
    change = demography.grow(s, margin)
    clear = np.abs(gap) > 1e-6
    rationed = model.firms.in_park & (gap > 0)  # the parks start full: their room is rationed
    assert np.all(np.sign(change[clear & ~rationed]) == np.sign(gap[clear & ~rationed]))
    assert np.all(change[rationed] >= 0) and rationed.sum() > 10
    assert np.allclose(model.firms.employment, before + change)
    moved = model.firms.output - output
    assert abs(moved.sum()) < 0.05 * np.abs(moved).sum()


def _growth_with_and_without_room() -> tuple[RelocationModel, np.ndarray, np.ndarray]:
    """(model, change with the parks' capacity, change with unlimited park places) of one quarter's
    growth from the same state, in full parks with strong growth (model persons per plant; no
    sorting at the start, whose swaps can leave a park over its capacity)."""
    settings = {"parks.initial_occupancy": 1.0, "demography.growth_elasticity": 5.0}
    model = build(**settings, **{"calibration.sorting_rounds": 0})
    f = model.firms
    assert np.all(np.bincount(f.location, f.employment * f.in_park, model.world.n) <= model.park_capacity)
    s = model.situation()
    margin = decision.margins_here(s)
    unlimited = replace(s, firms=model.firms.take(np.arange(model.firms.n)))
    unlimited = replace(unlimited, park_capacity=np.full(model.world.n, np.inf))
    return model, demography.grow(s, margin), demography.grow(unlimited, margin)


def test_growth_in_a_full_park_is_rationed_to_its_room():
    """The parks' employment after growth stays within capacity, and the cap bites."""
    model, capped, free = _growth_with_and_without_room()
    f = model.firms
    occupied = np.bincount(f.location, f.employment * f.in_park, model.world.n)
    assert np.all(occupied <= model.park_capacity + 1e-6)
    assert capped[f.in_park].sum() < free[f.in_park].sum() - 1.0


def test_growth_outside_parks_is_not_capped():
    """Plants outside parks grow exactly as they would with unlimited park places."""
    model, capped, free = _growth_with_and_without_room()
    outside = ~model.firms.in_park
    assert (free[outside] > 0).sum() > 100
    np.testing.assert_array_equal(capped[outside], free[outside])


def test_shrinking_plants_in_parks_are_not_capped():
    """Plants that shrink, in a park or not, shrink exactly as they would without the cap."""
    model, capped, free = _growth_with_and_without_room()
    shrinking = free < 0
    assert (shrinking & model.firms.in_park).sum() > 10
    np.testing.assert_array_equal(capped[shrinking], free[shrinking])
