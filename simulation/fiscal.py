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
    out: dict[str, float] = defaultdict(float, model.effects.programme)
    for name, yuan in margin_transfers(model).items():
        out[name] += float(yuan.sum()) / 4
    _tax_forgone(model, pretax, taxable, out)
    if len(moved):
        _move_costs(model, moved, out)
    return {k: v for k, v in out.items() if v}


def margin_transfers(model: ModelState) -> dict[str, np.ndarray]:
    """Public money that flows into firms' margins, by lever: operating subsidies, freight paid by
    government and export insurance support, (S, R) yuan/year at the real scale (a quarter of it
    is paid in a quarter)."""
    e, unit, scale = model.effects, model.unit, model.scale
    output = model.tallies.output
    out: dict[str, np.ndarray] = {}
    for name, per_yuan in (*e.subsidy.items(), *unit.freight_subsidy.items()):
        out[name] = out.get(name, 0.0) + per_yuan * output * scale
    owner = e.owners.get("risk_cut")
    if owner:
        exports = costs.export_share(model.sectors, e)
        premium = model.params["economy.export_risk_premium"] * exports * e.risk_cut[None, :]
        out[owner] = out.get(owner, 0.0) + premium * output * scale
    return out


def law_taxable(model: ModelState, pre: np.ndarray, taxable: np.ndarray) -> np.ndarray:
    """(S, R) taxable base under the law's R&D deduction (no lever's extra deduction): ``taxable``
    itself when no lever adds one (``pre``: every firm's pre-tax margin; yuan/year, model scale)."""
    if not model.effects.tax_levers[1]:
        return taxable
    t = model.tallies
    base_law = np.maximum(pre - model.unit.rd_deduction_law.ravel().take(t.cell), 0.0) * model.firms.output
    return model.by_cell(base_law)


def setup_yuan(model: ModelState, idx: np.ndarray) -> np.ndarray:
    """(n,) real set-up cost of the moves of firms ``idx`` to where they now are (yuan at the real
    scale, before any public support; cheaper where a park place is likely)."""
    dest = model.firms.location[idx]
    setup = decision.setup_cost(model.situation(), idx, model.park_availability(), dest[:, None])
    return setup[:, 0] * model.firms.output[idx] * model.scale


def _tax_forgone(model: ModelState, pre: np.ndarray, taxable: np.ndarray, out: dict[str, float]) -> None:
    """Rate cut on the base after the extra deduction, then the extra deduction at the law's rate.

    Tax rates vary by province only, so both parts are cell sums of per-firm bases."""
    cit_lever, rd_lever = model.effects.tax_levers
    if not (cit_lever or rd_lever):
        return
    unit, quarter = model.unit, model.scale / 4
    if cit_lever:
        out[cit_lever] += float(((unit.tax_rate_law - unit.tax_rate)[None, :] * taxable).sum()) * quarter
    if rd_lever:
        taxable_law = law_taxable(model, pre, taxable)
        out[rd_lever] += float((unit.tax_rate_law[None, :] * (taxable_law - taxable)).sum()) * quarter


def _move_costs(model: ModelState, moved: np.ndarray, out: dict[str, float]) -> None:
    """One-off payments on this quarter's moves, by destination."""
    f, e, scale = model.firms, model.effects, model.scale
    dest = f.location[moved]
    for name, per_job in e.move_subsidy.items():
        out[name] += float((per_job[dest] * f.employment[moved]).sum()) * scale
    setup = setup_yuan(model, moved) / scale
    owner = e.owners.get("foreign_move_cut")
    if owner:
        out[owner] += float((setup * f.foreign[moved] * e.foreign_move_cut[dest]).sum()) * scale
    owner = e.owners.get("sme_premium_cut")
    if owner:
        premium = model.params["economy.sme_finance_premium"] * e.sme_premium_cut[dest]
        out[owner] += float((setup * f.sme[moved] * premium).sum()) * scale
