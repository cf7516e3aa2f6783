"""Value added, GDP, welfare, tax revenue and the special-bond account, by province and quarter.

Every flow is yuan in the quarter at the real scale (annual rates from the unit costs count a
quarter of a year; one-off relocation costs count when the move happens). The identities
(docs/model.md 7.16 and 7.21):

    value added  = profit after tax + wages + CIT + indirect taxes   (= pre-tax profit + wages + VAT)
    GDP          = value added − subsidies in firms' margins          (subsidies on production)
    welfare      = GDP − real relocation costs                         (by province; nationally also
                   less the programme spending on real resources, ``programme_real``)
    preferential loss = CIT at the standard rate − CIT under the law (the 15% western rate)

A lever's net fiscal cost is a paired difference against the baseline (``ptsim compare``,
:func:`simulation.sweep.effects.net_fiscal_cost`); a run records its own present values
(:func:`present_values`) so that the comparison can pair them.
"""

from __future__ import annotations

import numpy as np

from simulation import costs, fiscal, levers
from simulation.levers.special_bonds import term_quarters
from simulation.results_format import ACCOUNT_COLUMNS
from simulation.state import ModelState

#: Columns of ``accounts.parquet`` after step, quarter, province and region (yuan in the quarter,
#: ``bond_outstanding_yuan`` and ``bond_places`` are stocks at the end of it), as declared.
COLUMNS = ACCOUNT_COLUMNS
BOND_KEYS = ("issued", "interest", "repaid", "outstanding", "places")


def pretax_profit(model: ModelState) -> np.ndarray:
    """(S, R) pre-tax profit, yuan/year at model scale: the margin's fixed part on output less
    labour and land (park firms pay the discounted rent)."""
    unit, t = model.unit, model.tallies
    land_inputs = t.inputs - model.params["parks.rent_discount"] * t.park_inputs
    return unit.fixed_part(model.gross_margin) * t.output - unit.labour * t.inputs - unit.land * land_inputs


def quarter(
    model: ModelState, moved: np.ndarray, pre: np.ndarray, taxable: np.ndarray
) -> dict[str, np.ndarray]:
    """The accounts of the quarter just simulated, (R,) per column of :data:`COLUMNS` (``moved``:
    this quarter's movers; ``pre``: every firm's pre-tax margin; ``taxable``: (S, R) taxable base,
    yuan/year at model scale, as the recorder computes them)."""
    unit, t, p = model.unit, model.tallies, model.params
    q = model.scale / 4  # model-scale annual rate -> real yuan in a quarter
    profit = pretax_profit(model)
    wages = unit.labour * t.inputs
    base_law = fiscal.law_taxable(model, pre, taxable)
    domestic = costs.domestic_share(model.sectors, model.effects)
    vat = (
        p["accounts.vat_rate"] * (1 + p["accounts.vat_surcharge"]) * domestic * np.maximum(profit + wages, 0)
    )
    out = {
        "wages_yuan": wages.sum(axis=0) * q,
        "cit_yuan": (unit.tax_rate[None, :] * taxable).sum(axis=0) * q,
        "indirect_tax_yuan": vat.sum(axis=0) * q,
        "cit_law_yuan": (unit.tax_rate_law[None, :] * base_law).sum(axis=0) * q,
        "cit_standard_yuan": p["tax.cit_standard"] * base_law.sum(axis=0) * q,
    }
    out["profit_after_tax_yuan"] = profit.sum(axis=0) * q - out["cit_yuan"]
    out["value_added_yuan"] = (
        out["profit_after_tax_yuan"] + out["wages_yuan"] + out["cit_yuan"] + out["indirect_tax_yuan"]
    )
    transfers = fiscal.margin_transfers(model).values()
    out["subsidies_yuan"] = sum((a.sum(axis=0) / 4 for a in transfers), np.zeros(model.world.n))
    out["gdp_yuan"] = out["value_added_yuan"] - out["subsidies_yuan"]
    out["relocation_cost_yuan"] = np.bincount(
        model.firms.location[moved], weights=fiscal.setup_yuan(model, moved), minlength=model.world.n
    )
    out["welfare_yuan"] = out["gdp_yuan"] - out["relocation_cost_yuan"]
    out["preferential_loss_yuan"] = out["cit_standard_yuan"] - out["cit_law_yuan"]
    out.update(bond_account(model))
    return {k: out[k] for k in COLUMNS}


def bond_account(model: ModelState) -> dict[str, np.ndarray]:
    """(R,) the special bonds' quarter: issuance, coupon, principal repaid and outstanding (from the
    lever, ``Effects.bonds``), and the project revenue: the rent paid by the occupants of the
    bond-funded park places (movers and new plants alike, who fill a park's places in proportion
    to how many of them the bonds paid for), and the shortfall of that revenue below the debt
    service that the budget covers."""
    n = model.world.n
    b = {k: model.effects.bonds.get(k, np.zeros(n)) for k in BOND_KEYS}
    cap = model.park_capacity
    share = np.divide(b["places"], cap, out=np.zeros(n), where=cap > 0).clip(0, 1)
    unit, t = model.unit, model.tallies
    rent = (unit.land * (1 - model.params["parks.rent_discount"]) * t.park_inputs).sum(axis=0)
    revenue = rent * share * model.scale / 4
    return {
        "bond_issued_yuan": b["issued"],
        "bond_interest_yuan": b["interest"],
        "bond_repaid_yuan": b["repaid"],
        "bond_outstanding_yuan": b["outstanding"],
        "bond_revenue_yuan": revenue,
        "bond_shortfall_yuan": np.maximum(b["interest"] + b["repaid"] - revenue, 0.0),
        "bond_places": b["places"] * model.scale,
    }


def discount(steps: np.ndarray, rate: float) -> np.ndarray:
    """Discount factors of flows at the end of quarters ``steps`` (step 1 = the first quarter):
    ``(1 + rate) ** (-step / 4)``."""
    return (1.0 + rate) ** (-np.asarray(steps, dtype=float) / 4.0)


def bond_service_pv(issued: np.ndarray, coupon: float, term_quarters: int, rate: float) -> float:
    """Present value at the start of the whole debt service of bonds issued ``issued[k]`` yuan in
    step ``k + 1``: a coupon ``coupon / 4`` in each of the ``term_quarters`` quarters from the
    quarter of issue on, and the principal in the quarter it falls due (also after the run ends)."""
    v = (1.0 + rate) ** -0.25
    m = term_quarters
    annuity = m if v == 1.0 else (1 - v**m) / (1 - v)  # sum of v^j, j = 0..m-1
    per_yuan = coupon / 4 * annuity + v**m
    steps = np.arange(1, len(issued) + 1)
    return float((np.asarray(issued) * discount(steps, rate)).sum() * per_yuan)


def totals(model: ModelState) -> dict[str, float]:
    """The run's own accounts for ``summary.json``: totals over steps >= 1 (yuan), the bonds still
    outstanding at the end, and present values at ``accounts.discount_rate`` (``*_pv_yuan``), from
    which ``ptsim compare`` forms the paired net fiscal cost (no lever effect is known here)."""
    rec, p = model.recorder, model.params
    rows = rec.accounts[1:]
    steps = np.array([row["step"] for row in rec.steps[1:]], dtype=float)
    v = discount(steps, p["accounts.discount_rate"])

    def series(column: str) -> np.ndarray:
        return np.array([row[column].sum() for row in rows]) if rows else np.zeros(0)

    out = {
        f"{c.removesuffix('_yuan')}_yuan_total": float(series(c).sum())
        for c in COLUMNS
        if c.endswith("_yuan")
    }
    del out["bond_outstanding_yuan_total"]
    out["bond_outstanding_yuan_end"] = float(series("bond_outstanding_yuan")[-1]) if rows else 0.0
    programme = np.asarray(rec.programme_real[1:], dtype=float)
    out["programme_real_yuan_total"] = float(programme.sum())
    out["welfare_national_yuan_total"] = out["welfare_yuan_total"] - out["programme_real_yuan_total"]
    gross = np.array([sum(q.values()) for q in rec.fiscal[1:]], dtype=float)
    bonds = np.array([q.get("special_bonds", 0.0) for q in rec.fiscal[1:]], dtype=float)
    bond_net = _bond_net_pv(model, series("bond_issued_yuan"), series("bond_revenue_yuan"), v)
    out.update(
        fiscal_cost_pv_yuan=float(gross @ v),
        bond_net_cost_pv_yuan=bond_net,
        public_cost_pv_yuan=float((gross - bonds) @ v) + bond_net,
        tax_standard_pv_yuan=float((series("cit_standard_yuan") + series("indirect_tax_yuan")) @ v),
        preferential_loss_pv_yuan=float(series("preferential_loss_yuan") @ v),
        value_added_pv_yuan=float(series("value_added_yuan") @ v),
        welfare_pv_yuan=float((series("welfare_yuan") - programme) @ v),
    )
    return out


def _bond_net_pv(model: ModelState, issued: np.ndarray, revenue: np.ndarray, v: np.ndarray) -> float:
    """PV of the special bonds' debt service over their life less the project revenue of the run
    (revenue after the run is not counted: the net cost is an upper bound)."""
    if not issued.any():
        return 0.0
    cfg = levers.settings(model.spec.params, "special_bonds")
    rate = model.params["accounts.discount_rate"]
    return bond_service_pv(issued, cfg["interest_rate"], term_quarters(cfg), rate) - float(revenue @ v)
