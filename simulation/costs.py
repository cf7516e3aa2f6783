"""Cost and profit components per sector and province, per yuan of output.

Everything here is an (S, R) array (sector x province) computed once per step; a firm's margin at a
province is then ``A[s, r] - B[s, r] / phi`` (phi = the firm's productivity), taxed, so that the
utility of every reviewing firm over every province is one vectorised expression.

Units: yuan per yuan of output (a margin) unless stated. Equations are in ``docs/model.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation import logistics
from simulation.sectors import MARKETS, Sectors

if TYPE_CHECKING:
    from simulation.levers.base import Effects


@dataclass
class UnitCosts:
    """Per-yuan-of-output components at one step (all (S, R) unless noted)."""

    labour: np.ndarray  # at productivity 1
    land: np.ndarray  # at productivity 1, outside parks
    electricity: np.ndarray  # bill plus outage losses
    logistics: np.ndarray  # net of freight subsidies
    compliance: np.ndarray
    maintenance: np.ndarray  # bonded-maintenance margin (a gain)
    risk: np.ndarray  # export risk premium
    market_access: np.ndarray  # operating profit from domestic sales (a gain)
    subsidy: np.ndarray  # operating subsidies (a gain)
    tax_rate: np.ndarray  # (R,) expected CIT rate with the levers
    tax_rate_law: np.ndarray  # (R,) expected CIT rate without them
    rd_deduction: np.ndarray  # extra deductible R&D per yuan of output, with the levers
    rd_deduction_law: np.ndarray  # the same without them
    mode_shares: np.ndarray  # (S, R, M, modes) freight mode shares by value
    freight_subsidy: dict[str, np.ndarray]  # lever -> (S, R) freight paid by government per yuan

    def fixed_part(self, gross_margin: np.ndarray) -> np.ndarray:
        """A[s, r]: the part of the pre-tax margin that does not scale with 1/productivity."""
        gains = gross_margin[:, None] + self.market_access + self.maintenance + self.subsidy
        return gains - self.electricity - self.logistics - self.compliance - self.risk


def tou_multiplier(sectors: Sectors, cols: dict[str, np.ndarray], shift_cost: float = 0.0) -> np.ndarray:
    """Effective time-of-use price, as a multiple of the flat price, (S, R).

    Unshifted load: ``peak_load_share`` in peak hours (critical hours a part of them), the rest
    spread over flat and valley hours in proportion to their length. A firm moves the share x of
    its peak load to valley hours at a rising cost (shift work, storage): the marginal kWh moved
    costs ``shift_cost`` x x / ``load_flexibility`` flat prices, so it moves x = flexibility x
    min(1, saving / shift_cost), saving = peak price - valley price, and pays shift_cost x x^2 /
    (2 flexibility) per kWh of peak load. With ``shift_cost`` 0 it moves all its flexible load.
    A wider spread thus lowers the bill of flexible sectors, as far as their flexibility allows,
    and raises that of peak-heavy inflexible ones.
    """
    peak = sectors.col("peak_load_share")[:, None]
    flex = sectors.col("load_flexibility")[:, None]
    ph, fh, vh = cols["tou_peak_hours"], cols["tou_flat_hours"], cols["tou_valley_hours"]
    crit_frac = np.divide(cols["tou_critical_hours"], ph, out=np.zeros_like(ph), where=ph > 0)
    off = fh + vh
    valley_frac = np.divide(vh, off, out=np.zeros_like(vh), where=off > 0)
    peak_price = crit_frac * cols["tou_critical_mult"] + (1 - crit_frac) * cols["tou_peak_mult"]
    saving = np.maximum(peak_price - cols["tou_valley_mult"], 0.0)[None, :]
    share = np.minimum(saving / shift_cost, 1.0) if shift_cost > 0 else np.ones_like(saving)
    moved = flex * share  # (S, R) share of peak load moved
    effort = np.divide(shift_cost * moved**2, 2 * flex, out=np.zeros_like(moved), where=flex > 0)
    stay_peak = peak * (1 - moved)
    valley_load = (1 - peak) * valley_frac + peak * moved
    flat_load = (1 - peak) * (1 - valley_frac)
    return stay_peak * peak_price + flat_load * 1.0 + valley_load * cols["tou_valley_mult"] + peak * effort


def freeness_matrix(
    distance_km: np.ndarray,
    coastal: np.ndarray,
    params: dict,
    given: np.ndarray | None = None,
    coast_cut: np.ndarray | None = None,
    interior_cut: np.ndarray | None = None,
) -> np.ndarray:
    """Freeness of domestic trade phi[r, k] in (0, 1], 1 inside a province.

    Links between a coastal and an interior province and links between two interior provinces
    scale separately (``logistics.coast_interior_cost`` and ``logistics.interior_cost``); levers cut
    the cost of coast-interior links at their interior end (``coast_cut``) and of interior links
    whose both ends they target (``interior_cut``, the smaller of the two).
    """
    if given is not None:
        return given
    coast = coastal > 0
    n = len(coast)
    c_cut = np.zeros(n) if coast_cut is None else coast_cut
    i_cut = np.zeros(n) if interior_cut is None else interior_cut
    mixed = coast[:, None] != coast[None, :]
    inner = ~coast[:, None] & ~coast[None, :]
    interior_end = np.where(coast[:, None], c_cut[None, :], c_cut[:, None])
    mult = np.ones_like(distance_km)
    mult[mixed] = (params["logistics.coast_interior_cost"] * (1 - interior_end))[mixed]
    both = np.minimum(i_cut[:, None], i_cut[None, :])
    mult[inner] = (params["logistics.interior_cost"] * (1 - both))[inner]
    return np.exp(-distance_km * mult / params["logistics.domestic_decay_km"])


def market_access(freeness: np.ndarray, expenditure: np.ndarray, firm_share: np.ndarray) -> np.ndarray:
    """Footloose-capital market access B[s, r] = sum_k phi[r,k] E_k / Delta[s,k].

    ``Delta[s, k] = sum_j phi[j, k] n[s, j]`` is the competition a firm meets in market k, with
    ``n`` the sector's output shares (rows sum to 1) and ``E`` expenditure shares. Its
    output-weighted mean sum_r n[s,r] B[s,r] = sum_k E_k = 1 for any n: B is relative by itself.
    """
    delta = firm_share @ freeness  # (S, R): sum_j n[s,j] phi[j,k]
    # a market no firm can reach (zero freeness in a custom world) has no competition at all
    return (expenditure[None, :] / np.maximum(delta, 1e-12)) @ freeness.T


@dataclass(frozen=True)
class QuarterCosts:
    """The parts of unit costs fixed within a quarter: they depend on the quarter's inputs and lever
    effects only, not on wages, rents or where firms are, so each quarter computes them once.

    ``fixed`` holds every :class:`UnitCosts` field but labour, land and market access.
    """

    skill: np.ndarray  # (S, R) labour efficiency (labour cost divides by it)
    land_yuan_per_worker: np.ndarray  # (R,) land cost per worker at rent index 1, yuan/year
    domestic_margin: np.ndarray  # (S, R) operating margin on domestic sales x domestic share
    # (S, R) the operating margin the sales moved home no longer earn abroad (the gross margin pays
    # it on all output): 1/sigma at average access, as the domestic margin
    export_margin_forgone: np.ndarray
    expenditure: np.ndarray  # (R,) domestic expenditure shares
    fixed: dict


def domestic_share(sectors: Sectors, effects: Effects | None = None) -> np.ndarray:
    """(S, R) share of output sold at home: the sector's ``domestic_sales_share`` plus the
    domestic-market lever's ``Effects.domestic_share_add`` in its provinces, clipped to [0, 1];
    (S, 1) without ``effects`` (no lever)."""
    share = sectors.col("domestic_sales_share")[:, None]
    if effects is not None:
        share = share + effects.domestic_share_add[None, :]
    return np.clip(share, 0.0, 1.0)


def bonded_sale_tax(params: dict) -> float:
    """Duty and interest owed per yuan of bonded inputs in goods sold at home (内销补税): the import
    duty, which is a cost, and the deferral interest (缓税利息) on duty and import VAT from import to
    sale; the VAT itself is credited against output VAT, as for any domestic seller."""
    duty, vat = params["economy.input_tariff"], params["tax.vat_rate"]
    interest = params["economy.bonded_interest_rate"] * params["economy.bonded_deferral_years"]
    return duty + interest * (duty + vat * (1 + duty))


def export_share(sectors: Sectors, effects: Effects | None = None) -> np.ndarray:
    """(S, R) share of output exported, in [0, 1]: one minus :func:`domestic_share` ((S, 1) with
    no lever). The costs, the recorded ``exports_yuan``, the fiscal cost of the export-risk cut, the
    capacity flows and the money anchor all use this one share."""
    return 1 - domestic_share(sectors, effects)


def quarter_costs(
    *,
    sectors: Sectors,
    effects: Effects,
    freight: logistics.FreightTable,
    distance_km: np.ndarray,
    freight_by_market: dict | None = None,
) -> QuarterCosts:
    """The quarter's part of unit costs under ``effects`` (units: module docstring).

    ``freight_by_market`` is :func:`market_costs` for the same effects, if already computed.
    """
    sc, cols, params = sectors.col, effects.columns, effects.params
    skill = (params["labour.skill_efficiency"] * cols["skill_efficiency"])[None, :] ** sc(
        "skill_requirement"
    )[:, None]
    land_yuan_per_worker = (
        params["land.m2_per_worker"] * cols["land_price_yuan_m2"] * params["land.annuity_rate"]
    )
    kwh = sc("elec_kwh_per_10k_yuan")[:, None] / 1e4
    outage = 1 + params["economy.outage_loss_share"] * (1 - effects.outage_cut)
    electricity = (
        kwh
        * (cols["elec_flat_yuan_kwh"] * outage)[None, :]
        * tou_multiplier(sectors, cols, params["economy.load_shift_cost"])
    )
    freight_cost = (
        freight_by_market
        if freight_by_market is not None
        else market_costs(sectors, freight, effects, distance_km)
    )
    domestic = domestic_share(sectors, effects)
    exports = export_share(sectors, effects)
    moved_home = domestic - domestic_share(sectors)  # (S, R) sales the domestic-market lever moved home
    weights = _freight_weights(sectors, domestic)
    zone = (cols["bonded_zones"] > 0) * params["economy.bonded_zone_discount"]
    # goods sold at home from bonded stock still clear customs (内销 declaration): the customs
    # volume stays that of the exports they replace
    trade = exports + moved_home + sc("imported_input_share")[:, None]
    keep = (1 - zone) * (1 - effects.compliance_cut)
    law = _law_tax_rate(cols, params)
    cut = np.nan_to_num(effects.cit_coverage * np.maximum(law - effects.cit_rate, 0.0))
    rd_law = np.broadcast_to((params["tax.rd_super_deduction"] * sc("rd_intensity"))[:, None], domestic.shape)
    fixed = {
        "electricity": electricity,
        "logistics": (weights * freight_cost["cost"]).sum(axis=2),
        "compliance": params["economy.compliance_cost_share"] * trade * keep[None, :]
        + domestic * sc("imported_input_share")[:, None] * bonded_sale_tax(params),
        "maintenance": effects.maintenance,
        # export credit insurance (lever finance) covers exports; sales moved home carry buyer risk
        # of their own, at the same premium
        "risk": params["economy.export_risk_premium"]
        * (exports * (1 - effects.risk_cut)[None, :] + moved_home),
        "subsidy": effects.subsidy_total(domestic.shape),
        "tax_rate": law - cut,
        "tax_rate_law": law,
        "rd_deduction": rd_law + effects.rd_extra,
        "rd_deduction_law": rd_law.copy(),
        "mode_shares": freight_cost["shares"],
        "freight_subsidy": {k: (weights * v).sum(axis=2) for k, v in freight_cost["subsidy"].items()},
    }
    return QuarterCosts(
        skill=skill,
        land_yuan_per_worker=land_yuan_per_worker,
        domestic_margin=params["economy.domestic_operating_margin"] * domestic,
        export_margin_forgone=params["economy.domestic_operating_margin"] * moved_home,
        expenditure=expenditure_shares(cols),
        fixed=fixed,
    )


def unit_costs(
    quarter: QuarterCosts,
    *,
    sectors: Sectors,
    wage: np.ndarray,
    rent_index: np.ndarray,
    wage_ref: float,
    output_per_worker: np.ndarray,
    freeness: np.ndarray,
    firm_share: np.ndarray,
    value_index: float = 1.0,
) -> UnitCosts:
    """All components: the quarter's part with labour, land and market access at the current
    wages, rents and output shares (units: module docstring).

    ``value_index`` is output value per worker relative to step 0 (productivity times the export
    price in yuan, :func:`simulation.prices.output_value_index`): costs paid per worker (labour,
    land) per yuan of output divide by it, so labour is the unit labour cost share.
    """
    labour = sectors.col("labour_share")[:, None] * (wage[None, :] / wage_ref) / quarter.skill / value_index
    land = (quarter.land_yuan_per_worker * rent_index)[None, :] / output_per_worker[:, None] / value_index
    access = market_access(freeness, quarter.expenditure, firm_share)
    return UnitCosts(
        labour=labour,
        land=land,
        market_access=quarter.domestic_margin * access - quarter.export_margin_forgone,
        **quarter.fixed,
    )


def market_costs(
    sectors: Sectors,
    freight: logistics.FreightTable,
    effects: Effects,
    distance_km: np.ndarray,
    flows: np.ndarray | None = None,
) -> dict:
    """Freight cost per yuan of goods by sector, province and market under ``effects``
    (:func:`simulation.logistics.market_costs`); ``flows`` (S, R, M) export values turn on the
    rail and land-port capacity limits (:func:`export_flows`)."""
    return logistics.market_costs(
        freight,
        effects.columns,
        distance_km,
        sectors.col("value_density_yuan_t"),
        sectors.col("time_cost_per_day"),
        effects.params,
        effects.freight,
        flows,
    )


def export_flows(sectors: Sectors, output: np.ndarray) -> np.ndarray:
    """(S, R, M) export value by sector, province and market from output (S, R), yuan/year."""
    exports = output * export_share(sectors)
    return exports[:, :, None] * sectors.destinations()[:, None, :]


def market_costs_key(effects: Effects) -> bytes:
    """Digest of everything :func:`market_costs` reads from ``effects`` (the access columns, the
    ``logistics.*`` parameters and the freight policy); the rest of its inputs are fixed for a run.
    Equal keys give equal freight costs, so quarters in which none of them changes share one."""
    digest = hashlib.blake2b(digest_size=16)
    policy = effects.freight
    arrays = [effects.columns[name] for name in ("port_km", *logistics.MODE_ACCESS.values())]
    arrays += [policy.rate_mult, policy.days_cut, policy.leg_mult, policy.market_rate_mult]
    arrays += [policy.market_days_add]
    for by_lever in (policy.access_subsidy, policy.origin_subsidy):
        arrays += [by_lever[name] for name in sorted(by_lever)]
        digest.update(repr(sorted(by_lever)).encode())
    for a in arrays:
        digest.update(np.ascontiguousarray(a, dtype=float).tobytes())
    logistics_params = sorted((k, v) for k, v in effects.params.items() if k.startswith("logistics."))
    digest.update(repr(logistics_params).encode())
    return digest.digest()


def _freight_weights(sectors: Sectors, domestic: np.ndarray) -> np.ndarray:
    """(S, R, M) tonnage weights per yuan of output: exports by destination, imports from East Asia."""
    exports = (1 - domestic)[:, :, None] * sectors.destinations()[:, None, :]
    imports = np.zeros_like(exports)
    imports[:, :, MARKETS.index("eastasia")] = sectors.col("imported_input_share")[:, None]
    return exports + imports


def _law_tax_rate(cols: dict[str, np.ndarray], params: dict) -> np.ndarray:
    """(R,) expected CIT rate under the tax.* parameters (15% in the west for the covered share)."""
    cov = params["tax.west_cit_coverage"] * (cols["west_cit_15"] > 0)
    return cov * params["tax.cit_west"] + (1 - cov) * params["tax.cit_standard"]


def expenditure_shares(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Domestic expenditure by province, proportional to population (assumption, see docs)."""
    pop = cols["population"]
    return pop / pop.sum()


def after_tax(pretax: np.ndarray, tax_rate: np.ndarray, rd_deduction: np.ndarray) -> np.ndarray:
    """Margin after CIT: tax on (margin - R&D super-deduction) when positive; no tax on losses."""
    return pretax - tax_rate * np.maximum(pretax - rd_deduction, 0.0)
