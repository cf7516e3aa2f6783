"""Fiscal accounts: what each lever costs the public purse in a quarter (yuan, real scale).

Flows at annual rates (subsidies on output, freight paid by government, tax forgone) count a
quarter of a year; one-off payments (per relocated job, deferred tax on a move) count when the move
happens; programme budgets and bond interest come from the levers themselves
(:attr:`simulation.levers.base.Effects.programme`). Tax forgone is split between the CIT lever and
the R&D lever sequentially (rate first, then deduction), so the parts add up to the total exactly.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from simulation import costs, decision
from simulation.state import ModelState


def quarter_costs(
    model: ModelState, moved: np.ndarray, pretax: np.ndarray, taxable: np.ndarray
) -> dict[str, float]:
    """Spending of each enabled lever in the quarter just simulated (movers ``moved``;
    ``pretax``: every firm's pre-tax margin where it is; ``taxable``: (S, R) sum over firms of
    output x max(pre-tax margin - R&D deduction, 0), yuan/year at model scale)."""
    e, unit, scale = model.effects, model.unit, model.scale
    out: dict[str, float] = defaultdict(float, e.programme)
    output = model.tallies.output
    for name, per_yuan in (*e.subsidy.items(), *unit.freight_subsidy.items()):
        out[name] += float((per_yuan * output).sum()) * scale / 4
    _tax_forgone(model, pretax, taxable, out)
    owner = e.owners.get("risk_cut")
    if owner:
        exports = costs.export_share(model.sectors, e)
        premium = model.params["economy.export_risk_premium"] * exports * e.risk_cut[None, :]
        out[owner] += float((premium * output).sum()) * scale / 4
    if len(moved):
        _move_costs(model, moved, out)
    return {k: v for k, v in out.items() if v}


def _tax_forgone(model: ModelState, pre: np.ndarray, taxable: np.ndarray, out: dict[str, float]) -> None:
    """Rate cut on the base after the extra deduction, then the extra deduction at the law's rate.

    Tax rates vary by province only, so both parts are cell sums of per-firm bases."""
    cit_lever, rd_lever = model.effects.tax_levers
    if not (cit_lever or rd_lever):
        return
    f, unit, t = model.firms, model.unit, model.tallies
    quarter = model.scale / 4
    if cit_lever:
        out[cit_lever] += float(((unit.tax_rate_law - unit.tax_rate)[None, :] * taxable).sum()) * quarter
    if rd_lever:
        base_law = np.maximum(pre - unit.rd_deduction_law.ravel().take(t.cell), 0.0) * f.output
        taxable_law = model.by_cell(base_law)
        out[rd_lever] += float((unit.tax_rate_law[None, :] * (taxable_law - taxable)).sum()) * quarter


def _move_costs(model: ModelState, moved: np.ndarray, out: dict[str, float]) -> None:
    """One-off payments on this quarter's moves, by destination."""
    f, e, scale = model.firms, model.effects, model.scale
    dest = f.location[moved]
    for name, per_job in e.move_subsidy.items():
        out[name] += float((per_job[dest] * f.employment[moved]).sum()) * scale
    setup = decision.setup_cost(model.situation(), moved, model.park_availability(), dest[:, None])
    setup_yuan = setup[:, 0] * f.output[moved]
    owner = e.owners.get("foreign_move_cut")
    if owner:
        out[owner] += float((setup_yuan * f.foreign[moved] * e.foreign_move_cut[dest]).sum()) * scale
    owner = e.owners.get("sme_premium_cut")
    if owner:
        premium = model.params["economy.sme_finance_premium"] * e.sme_premium_cut[dest]
        out[owner] += float((setup_yuan * f.sme[moved] * premium).sum()) * scale
