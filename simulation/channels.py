"""Why firms move: each province's profit advantage split by channel.

For a representative firm of each sector (productivity 1, outside a park) the margin at a province
is a sum of components (yuan per yuan of output): labour, land, electricity, logistics, customs
(bonded maintenance less compliance), finance (export risk premium), market access, subsidies
(operating subsidies plus the annuity of one-off relocation subsidies), tax and agglomeration (its
utility converted to margin units by the logit scale). A province's advantage in a channel is its
component minus the sector's employment-weighted national mean, averaged over sectors with
national employment weights fixed at step 0, so the advantages of all provinces average to zero.
"""

from __future__ import annotations

import numpy as np

from simulation import decision
from simulation.costs import UnitCosts
from simulation.levers import CHANNELS, Effects
from simulation.state import ModelState


def components(model: ModelState, unit: UnitCosts, move_subsidy: np.ndarray) -> np.ndarray:
    """(C, S, R) margin components in the order of ``CHANNELS``."""
    p = model.params
    opw = model.output_per_worker[:, None]
    operating = {
        "labour": -unit.labour,
        "land": -unit.land,
        "electricity": -unit.electricity,
        "logistics": -unit.logistics,
        "customs": unit.maintenance - unit.compliance,
        "finance": -unit.risk,
        "market_access": unit.market_access,
    }
    pre = model.gross_margin[:, None] + sum(operating.values()) + unit.subsidy
    tax = unit.tax_rate[None, :] * np.maximum(pre - unit.rd_deduction, 0.0)
    agglo = decision.agglomeration(model.firm_counts(), model.firm_scale, p)
    parts = {
        **operating,
        "subsidies": unit.subsidy + decision.annuity(p) * move_subsidy[None, :] / opw,
        "tax": -tax,
        "agglomeration": agglo * p["behaviour.logit_scale"],
    }
    out = np.empty((len(CHANNELS), *unit.labour.shape))
    for i, c in enumerate(CHANNELS):
        out[i] = parts[c]  # broadcasts (R,) and scalar parts
    return out


def advantage(comp: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(R, C) advantage by channel; ``weights`` (S, R) is the step-0 employment by cell."""
    within = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)  # (S, R)
    sector_w = weights.sum(axis=1) / weights.sum()  # (S,)
    centred = comp - (comp * within[None]).sum(axis=2, keepdims=True)
    return np.einsum("csr,s->rc", centred, sector_w)


def record(model: ModelState, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(advantage with the levers, direct effect of the levers) at the current state, each (R, C).

    The direct effect compares unit costs with and without this quarter's levers at the same
    wages, rents and firm locations; channels that move only through the state (agglomeration,
    and market access unless a lever changes links) are zero in it.
    """
    with_levers = components(model, model.unit, model.effects.move_subsidy_total())
    adv = advantage(with_levers, weights)
    if not model.lever_plan.masks:
        return adv, np.zeros_like(adv)
    return adv, adv - _advantage_under(model, model.no_policy_effects(), weights)


def components_under(model: ModelState, effects: Effects) -> np.ndarray:
    """(C, S, R) components at the current state under other lever ``effects``."""
    with model.under(effects) as unit:
        return components(model, unit, effects.move_subsidy_total())


def _advantage_under(model: ModelState, effects: Effects, weights: np.ndarray) -> np.ndarray:
    return advantage(components_under(model, effects), weights)


def per_lever(model: ModelState, weights: np.ndarray) -> dict[str, np.ndarray]:
    """(R, C) direct effect of each enabled lever alone at the current state and quarter.

    Levers interact (cuts multiply, taxes apply to subsidised margins), so these need not sum to
    the joint effect. Stateful levers (special bonds) act through the state (park capacity), which
    the comparison holds fixed: their direct effect here is what they write into the quarter's
    effects only.
    """
    base = _advantage_under(model, model.no_policy_effects(), weights)
    return {
        name: _advantage_under(model, model.one_lever_effects(name), weights) - base
        for name in model.lever_plan.masks
    }
