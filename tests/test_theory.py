"""Checks against theory (docs/model.md §10) in small worlds where the answer is known in closed form.

Each test switches off the mechanisms the theorem abstracts from, runs the model to its long run and
compares the simulated shares with the formula, within Monte-Carlo error.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import costs
from simulation import scenario as scenario_mod
from simulation.model import RelocationModel

AMENITY = np.array([0.0, 0.5, 1.0, -0.5])
FIRMS = 12000


def frictionless(world: dict, **extra) -> scenario_mod.Scenario:
    """A world in which only what a test switches on differs between provinces."""
    raw = {
        "run": {"firms": FIRMS, "seed": 7, "steps": 60},
        "behaviour": {
            "relocation_cost_share": 0.0,
            "consideration_size": 50,
            "know_other_region_prob": 1.0,
            "hazard_gap_slope": 0.0,
            "review_hazard": 0.5,
            "max_hazard": 1.0,
            "taste_persistence": False,  # a fresh draw at each review: the logit's stationary shares
        },
        "economy": {"supervised_equipment_share": 0.0, "domestic_operating_margin": 0.0},
        "agglomeration": {"gamma": 0.0},
        "labour": {"wage_feedback": False, "wage_trend": False},
        "land": {"rent_elasticity": 0.0},
        "parks": {"enabled": False},
        "tax": {"cit_standard": 0.0},
        "calibration": {"method": "none"},
        "demography": {"enabled": False},  # the closed, memoryless population these results are about
        "abroad": {"enabled": False},
        "world": world,
    }
    for key, value in extra.items():
        section, name = key.split("__")
        raw.setdefault(section, {})[name] = value
    return scenario_mod.from_dict(raw, "<theory>")


def amenity_world() -> dict:
    return {
        "name": "four",
        "provinces": [{"province": f"P{i}", "amenity": float(a)} for i, a in enumerate(AMENITY)],
    }


def long_run_counts(model: RelocationModel, burn: int, keep: int) -> np.ndarray:
    """Firm-count shares by province averaged over ``keep`` steps after ``burn`` steps."""
    for _ in range(burn):
        model.step()
    acc = np.zeros(model.world.n)
    for _ in range(keep):
        model.step()
        acc += np.bincount(model.firms.location, minlength=model.world.n)
    return acc / acc.sum()


def softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def mc_bound(p: np.ndarray, n: int, sigmas: float = 5.0) -> np.ndarray:
    """A generous Monte-Carlo bound for a share estimated from n firms (autocorrelated steps)."""
    return sigmas * np.sqrt(p * (1 - p) / n)


def test_long_run_shares_are_logit_probabilities():
    model = RelocationModel(frictionless(amenity_world()))
    shares = long_run_counts(model, burn=20, keep=20)
    expected = softmax(AMENITY)
    assert np.all(np.abs(shares - expected) < mc_bound(expected, FIRMS))


def test_logit_shares_respond_to_the_constants():
    """The same check must fail when the expected shares are wrong (guards against a vacuous test)."""
    model = RelocationModel(frictionless(amenity_world()))
    shares = long_run_counts(model, burn=20, keep=10)
    wrong = softmax(AMENITY * 0.8)
    assert np.any(np.abs(shares - wrong) > mc_bound(wrong, FIRMS))


@pytest.mark.parametrize("gamma", [0.3, 0.6])
def test_agglomeration_shares_follow_closed_form(gamma):
    """V_r = x_r + gamma ln N_r settles at exp(x_r / (1 - gamma)) / sum (0 <= gamma < 1)."""
    model = RelocationModel(frictionless(amenity_world(), agglomeration__gamma=gamma))
    shares = long_run_counts(model, burn=30, keep=20)
    closed = softmax(AMENITY / (1 - gamma))
    # the model uses ln(N + 1) per sector; the exact fixed point of that differs from the closed
    # form by far less than the tolerance for thousands of firms per sector
    assert np.all(np.abs(shares - closed) < mc_bound(closed, FIRMS) + 0.01)


def test_strong_agglomeration_locks_in():
    """With gamma > 1 the firms of each sector end up in one place."""
    model = RelocationModel(frictionless(amenity_world(), agglomeration__gamma=1.5))
    for _ in range(60):
        model.step()
    counts = model.firm_counts()
    top = counts.max(axis=1) / counts.sum(axis=1)
    assert np.all(top > 0.95)


def two_region_world(phi: float, s_e: float) -> dict:
    return {
        "name": "footloose-capital",
        "freeness": [[1.0, phi], [phi, 1.0]],
        "provinces": [
            {"province": "North", "population": 1e8 * s_e},
            {"province": "South", "population": 1e8 * (1 - s_e)},
        ],
    }


def fc_scenario(phi: float, s_e: float, mu: float, hazard: float = 0.1) -> scenario_mod.Scenario:
    """Two regions, only domestic market access differs. The competition effect is a strong
    negative feedback at small mu, so the review hazard must be small for the quarterly dynamics
    to converge rather than oscillate (a cobweb): stability needs hazard < 2 / (1 + |dV/ds| / mu)."""
    sectors = {
        s: {"domestic_sales_share": 1.0}
        for s in ("electronics", "apparel", "food", "machinery", "biomedicine", "new_energy", "aerospace")
    }
    sc = frictionless(
        two_region_world(phi, s_e),
        economy__domestic_operating_margin=0.2,
        economy__size_sigma=0.0,
        economy__productivity_sigma=0.0,
        behaviour__logit_scale=mu,
        behaviour__review_hazard=hazard,
    )
    return sc.with_overrides({f"sectors.{k}.domestic_sales_share": 1.0 for k in sectors})


def logit_fixed_point(model: RelocationModel, start: float = 0.5) -> float:
    """Solve s = softmax(V(s) / mu) for the two-region market-access utility, by bisection."""
    psi = model.params["economy.domestic_operating_margin"]
    mu = model.params["behaviour.logit_scale"]
    expenditure = costs.expenditure_shares(model.columns)

    def excess(s: float) -> float:
        share = np.array([[s, 1 - s]])
        b = costs.market_access(model.freeness, expenditure, share)[0] * psi
        return softmax(b / mu)[0] - s

    lo, hi = 1e-9, 1 - 1e-9
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


def home_market_share(phi: float, s_e: float) -> float:
    """Footloose-capital equilibrium share of firms in region 1 with phi_1 = phi_2 = 1."""
    return 0.5 + (1 + phi) / (1 - phi) * (s_e - 0.5)


@pytest.mark.parametrize("phi", [0.2, 0.4])
def test_simulation_reaches_the_logit_fixed_point(phi):
    model = RelocationModel(fc_scenario(phi, 0.6, mu=0.01))
    shares = long_run_counts(model, burn=30, keep=20)
    expected = logit_fixed_point(model)
    assert abs(shares[0] - expected) < mc_bound(np.array([expected]), FIRMS)[0]


@pytest.mark.parametrize("phi", [0.2, 0.4])
def test_fixed_point_tends_to_home_market_effect(phi):
    """As the logit scale goes to zero the fixed point tends to the closed form."""
    closed = home_market_share(phi, 0.6)
    gaps = [
        abs(logit_fixed_point(RelocationModel(fc_scenario(phi, 0.6, mu), firms=50)) - closed)
        for mu in (0.01, 0.001, 0.0001)
    ]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 0.002


def test_simulation_shows_home_market_effect_at_small_noise():
    """Firms over-represent the bigger market (s_n > s_E > 1/2), by the closed-form amount."""
    phi, s_e = 0.3, 0.6
    model = RelocationModel(fc_scenario(phi, s_e, mu=0.001, hazard=0.02))
    shares = long_run_counts(model, burn=50, keep=20)
    assert shares[0] > s_e
    assert abs(shares[0] - home_market_share(phi, s_e)) < 0.02


def general_fc_share(phi: float, phi1: float, phi2: float, s_e: float) -> float:
    """s_n1 = s_E phi2 / (phi2 - phi) - (1 - s_E) phi / (phi1 - phi) (docs/model.md §10)."""
    return s_e * phi2 / (phi2 - phi) - (1 - s_e) * phi / (phi1 - phi)


def fc_model(phi: float, phi2: float, s_e: float = 0.6, mu: float = 0.0001) -> RelocationModel:
    sc = fc_scenario(phi, s_e, mu)
    world = two_region_world(phi, s_e)
    world["freeness"] = [[1.0, phi], [phi, phi2]]
    sc = scenario_mod.from_dict({**_raw(sc), "world": world}, "<theory>")
    return RelocationModel(sc, firms=50)


def _raw(sc: scenario_mod.Scenario) -> dict:
    raw: dict = {"sectors": sc.sectors}
    for key, value in sc.params.items():
        if not key.startswith("levers."):  # all levers are off in these checks
            section, name = key.split(".")
            raw.setdefault(section, {})[name] = value
    return raw


def test_internal_and_external_links_act_differently():
    """Better links inside region 2 (phi2) draw firms there; better links between the regions
    (phi) pull them to the bigger market, region 1 — as the closed form says."""
    base = logit_fixed_point(fc_model(0.3, 0.8))
    assert abs(base - general_fc_share(0.3, 1.0, 0.8, 0.6)) < 0.005
    assert logit_fixed_point(fc_model(0.3, 1.0)) < base  # phi2 up: firms to region 2
    assert logit_fixed_point(fc_model(0.4, 0.8)) > base  # phi up: firms to the big region
