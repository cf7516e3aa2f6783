"""A naive per-agent implementation of the quarterly decision, as the reference the vectorised model
is measured against (speed) and checked against (results agree statistically).

``PerAgentModel`` is the same ``RelocationModel`` (same data, levers, calibration, factor prices,
recording) except for the decision: every firm is a Mesa agent whose ``decide`` method computes its
own margin, review hazard and — when it reviews — the utility of each province in a Python loop,
then draws its choice, as textbook agent-based code does. Random numbers come from the same
per-step stream, drawn firm by firm, so the two implementations agree in distribution, not draw
by draw.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from simulation import costs
from simulation import scenario as scenario_mod
from simulation.decision import annuity
from simulation.model import RelocationModel


class DecidingFirm(mesa.Agent):
    """One firm that takes its own location decision in Python."""

    def __init__(self, model: PerAgentModel, idx: int):
        super().__init__(model)
        self.idx = idx

    def margin_at(self, r: int, here: bool, ctx: dict) -> float:
        """After-tax margin (yuan per yuan of output) at province ``r``."""
        m, f, i = self.model, self.model.firms, self.idx
        s, unit, p = int(f.sector[i]), ctx["unit"], m.params
        in_park = bool(f.in_park[i]) if here else None
        discount = p["parks.rent_discount"] * (float(in_park) if here else ctx["avail"][r])
        land = unit.land[s, r] * (1 - discount)
        pre = ctx["fixed"][s, r] - (unit.labour[s, r] + land) / f.productivity[i]
        tax = unit.tax_rate[r] * max(pre - unit.rd_deduction[s, r], 0.0)
        return pre - tax

    def move_cost(self, r: int, ctx: dict) -> float:
        """Annualised moving cost to ``r`` per yuan of output (as :func:`simulation.decision.move_cost`)."""
        m, f, i, p, e = self.model, self.model.firms, self.idx, self.model.params, self.model.effects
        kappa = m.sectors.col("capital_output_ratio")[f.sector[i]]
        setup = (
            p["behaviour.relocation_cost_share"] * kappa * (1 - p["parks.setup_discount"] * ctx["avail"][r])
        )
        premium = p["economy.sme_finance_premium"] * f.sme[i] * (1 - e.sme_premium_cut[r])
        fin = (1 + premium) * (1 - f.foreign[i] * e.foreign_move_cut[r])
        years = p["economy.equipment_supervision_years"]
        remaining = min(max(1 - f.equipment_age[i] / years, 0.0), 1.0) if years > 0 else 0.0
        duty = (
            f.foreign[i] * p["economy.supervised_equipment_share"] * kappa * p["economy.equipment_duty_rate"]
        )
        grant = ctx["grant"][r] * f.employment[i] / f.output[i]
        return ctx["annuity"] * (setup * fin + duty * remaining - grant)

    def utility(self, r: int, here: int, ctx: dict) -> float:
        """Deterministic utility (logit units) of province ``r`` for this firm, now at ``here``."""
        m, f, i, p = self.model, self.model.firms, self.idx, self.model.params
        s = int(f.sector[i])
        post = self.margin_at(r, r == here, ctx)
        mc = 0.0 if r == here else self.move_cost(r, ctx)
        agglo = p["agglomeration.gamma"] * math.log(ctx["counts"][s, r] + p["agglomeration.offset"])
        return (post - mc) / p["behaviour.logit_scale"] + agglo + m.columns["amenity"][r] + m.alpha[s, r]

    def decide(self, ctx: dict, rng: np.random.Generator) -> int:
        """Review or not; if so, choose a province by logit over the consideration set."""
        m, f, i, p = self.model, self.model.firms, self.idx, self.model.params
        s, here = int(f.sector[i]), int(f.location[i])
        gap = (ctx["mean"][s] - self.margin_at(here, True, ctx)) / p["behaviour.logit_scale"]
        # choice.review_hazard for one firm
        h = min(p["behaviour.review_hazard"] * (1 + p["behaviour.hazard_gap_slope"] * max(gap, 0.0)),
                p["behaviour.max_hazard"])  # fmt: skip
        if rng.random() >= h:
            return here
        known = [r for r in range(m.world.n) if f.known[i, r] and r != here]
        picked = _sample(rng, known, p["behaviour.consideration_size"])
        e = m.effects  # matchmaking's extra places, among the known provinces it promotes
        promoted = [r for r in known if r not in picked and e.extra_considered_where[r]]
        options = [here] + picked + _sample(rng, promoted, e.extra_considered)
        best, choice = -math.inf, here
        for r in options:
            u = self.utility(r, here, ctx) + rng.gumbel()
            if u > best:
                best, choice = u, r
        return choice


def _sample(rng: np.random.Generator, items: list[int], k: int) -> list[int]:
    """``k`` of ``items`` drawn uniformly without replacement (all of them if there are fewer)."""
    return items if len(items) <= k else [items[j] for j in rng.permutation(len(items))[:k]]


class PerAgentModel(RelocationModel):
    """``RelocationModel`` with the decision taken agent by agent in Python: the reference of the
    relocation decision, so a closed population (no entry or exit) without places abroad."""

    def __init__(self, scenario=None, **kwargs):
        closed = {"demography.enabled": False, "abroad.enabled": False}
        super().__init__(scenario_mod.resolve(scenario).with_overrides(closed, "PerAgentModel"), **kwargs)
        self.deciders = [DecidingFirm(self, i) for i in range(self.firms.n)]

    def _transition(
        self, rng: np.random.Generator, unit: costs.UnitCosts
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = self.firms
        self.sync_knowledge()  # the known sets of every firm, as each agent reads its own
        ctx = self._context(unit)
        ctx["mean"] = self._mean_margins(ctx)
        chosen = np.array([agent.decide(ctx, rng) for agent in self.deciders], dtype=np.int64)
        movers = np.flatnonzero(chosen != f.location)
        origin = f.location[movers].copy()
        self._relocate(rng, movers, chosen[movers])
        f.age_a_quarter(self.params["economy.equipment_renewal_years"])
        return movers, origin, np.zeros((0, 2), np.int64)

    def _context(self, unit: costs.UnitCosts) -> dict:
        return {
            "unit": unit,
            "fixed": unit.fixed_part(self.gross_margin),
            "avail": self.park_availability(),
            "grant": self.effects.move_subsidy_total(),
            "annuity": annuity(self.params),
            "counts": self.firm_counts() * self.firm_scale,  # real firms, as the model counts them
        }

    def _mean_margins(self, ctx: dict) -> list[float]:
        """Output-weighted mean margin of each sector, summed firm by firm."""
        f = self.firms
        num, den = [0.0] * self.sectors.n, [0.0] * self.sectors.n
        for agent in self.deciders:
            i, s = agent.idx, int(f.sector[agent.idx])
            num[s] += agent.margin_at(int(f.location[i]), True, ctx) * f.output[i]
            den[s] += f.output[i]
        return [n / d if d > 0 else 0.0 for n, d in zip(num, den, strict=True)]
