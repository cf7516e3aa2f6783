"""Measure 四: relocation carriers — special-bond-funded park capacity and bonded supervision sites."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import (
    Context,
    Lever,
    budget_param,
    combine_cuts,
    share_param,
    spend,
    spend_budget,
)
from simulation.levers.targets import resolve
from simulation.schema import Param

A = "assumption"
ALLOCATIONS = ("equal", "carriers", "employment", "weights")


def allocation(ctx: Context, cfg: dict[str, Any]) -> np.ndarray:
    """(R,) shares of the budget over the target provinces (sum 1, or all 0 with no target)."""
    m, cols = ctx.model, ctx.effects.columns
    rule = cfg["allocation"]
    if rule == "carriers":
        w = cols["national_park"] + cols["undertaking_sites_known"]
    elif rule == "employment":
        w = m.employment_by_province()
    elif rule == "weights":
        w = np.array([cfg["weights"].get(str(name), 0.0) for name in m.world.names])
    else:
        w = np.ones(m.world.n)
    w = w * ctx.mask
    if w.sum() <= 0:  # no carrier among the targets: share equally
        w = ctx.mask.astype(float)
    return w / w.sum() if w.sum() > 0 else w


def yuan_per_job(cfg: dict[str, Any]) -> float:
    """Bond spending per real job of park capacity (yuan)."""
    return cfg["yuan_per_m2"] * cfg["floor_m2_per_job"]


def designate(ctx: Context, cfg: dict[str, Any]) -> None:
    """Newly designated carriers become park provinces and join the targets."""
    if cfg["designate"]:
        new = resolve(ctx.model.world, cfg["designate"])
        ctx.effects.columns["national_park"] = np.where(new, 1.0, ctx.effects.columns["national_park"])
        ctx.mask = ctx.mask | new


def term_quarters(cfg: dict[str, Any]) -> int:
    """Quarters from issuance to the bullet repayment of the principal (at least one)."""
    return max(1, round(4 * cfg["term_years"]))


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """Issue this quarter's bonds and start building; capacity arrives after the lag."""
    designate(ctx, cfg)
    state = _memory(ctx)
    money = cfg["budget_yuan_per_year"] / 4.0
    issued = money * allocation(ctx, cfg)  # (R,) yuan by province
    jobs = issued / yuan_per_job(cfg) / ctx.scale  # model jobs
    state["pipeline"].append((ctx.quarters_active + cfg["build_lag_quarters"], jobs))
    state["tranches"].append((ctx.quarters_active + term_quarters(cfg), issued))
    state["principal"] = state["principal"] + issued
    state["issued"] = issued
    spend(ctx, float(issued.sum()))


def carry(ctx: Context, cfg: dict[str, Any]) -> None:
    """Open parks whose lag has passed (handed to the model as ``park_capacity_opened``), repay
    the tranches that mature, pay the coupon on the bonds still outstanding, and hand the quarter's bond
    account to the fiscal layer (``Effects.bonds``, yuan by province; ``places``: bond-funded park
    places open, model persons)."""
    state = _memory(ctx)
    n = len(ctx.mask)
    for ready, jobs in state["pipeline"]:
        if ready == ctx.quarters_active:
            ctx.effects.park_capacity_opened = ctx.effects.park_capacity_opened + jobs
            state["places"] = state["places"] + jobs
    repaid = np.zeros(n)
    for due, amount in state["tranches"]:
        if due == ctx.quarters_active:
            repaid = repaid + amount
    state["principal"] = state["principal"] - repaid
    interest = state["principal"] * cfg["interest_rate"] / 4.0  # a coupon for each quarter held
    spend(ctx, float(interest.sum()))
    issued = state.pop("issued", np.zeros(n))
    ctx.effects.bonds = {
        "issued": issued,
        "interest": interest,
        "repaid": repaid,
        "outstanding": state["principal"].copy(),
        "places": state["places"].copy(),
    }


def _memory(ctx: Context) -> dict[str, Any]:
    """The lever's memory: parks being built (quarter ready, model jobs), the bond tranches
    (quarter due, yuan by province), the principal outstanding and the places open by province."""
    if not ctx.memory:
        n = len(ctx.mask)
        ctx.memory.update(pipeline=[], tranches=[], principal=np.zeros(n), places=np.zeros(n))
    return ctx.memory


def apply_sites(ctx: Context, cfg: dict[str, Any]) -> None:
    """New bonded supervision sites cut the remaining customs compliance cost."""
    cut = cfg["compliance_cut"] * ctx.mask
    ctx.effects.compliance_cut = combine_cuts(ctx.effects.compliance_cut, cut)
    spend_budget(ctx, cfg)


SPECIAL_BONDS = Lever(
    name="special_bonds",
    measure="四",
    measure_no=4,
    title_en="Special-bond support for relocation carriers (parks, key undertaking and demonstration sites)",
    title_zh="加强梯度转移载体建设（地方政府专项债券支持载体项目）",
    mechanism="Each quarter a quarter of `budget_yuan_per_year` is issued as special bonds and spent "
    "on park capacity in the targets, shared by `allocation` (equal; by designated carriers; by "
    "current processing employment; by user `weights`). Money buys capacity at `yuan_per_m2` x "
    "`floor_m2_per_job` per job and the capacity opens after `build_lag_quarters`. Firms that move "
    "into a park pay less rent (parks.rent_discount) and less set-up cost (parks.setup_discount) "
    "while there is room; capacity turns provinces without a national park into park provinces. "
    "`designate` adds new carriers to the targets. The bonds pay `interest_rate` a year and are "
    "repaid after `term_years`; the rents paid by the occupants (movers and new plants) of the "
    "bond-funded places are the project revenue that services them.",
    params=(
        Param(
            "budget_yuan_per_year",
            1e10,
            "yuan/year",
            "Special bonds issued for carrier projects per year.",
            A + ": new special-bond quota 3.9 tn yuan (2024 GWR, A), of which municipal and industrial-"
            "park infrastructure took 26.6% in 2025 (B); the share for processing-trade carriers is "
            "not found: 10 bn yuan/year as a medium dose (low 2 bn, high 50 bn in the scenarios)",
            low=0.0,
            high=1e13,
        ),
        Param(
            "allocation",
            "carriers",
            "-",
            "How the budget is shared among target provinces.",
            "measure 四 supports 'qualifying carrier projects'",
            kind=str,
            choices=ALLOCATIONS,
        ),
        Param(
            "designate",
            [],
            "provinces or cities",
            "New carriers designated (key undertaking or demonstration sites, parks): they join the "
            "targets and count as carriers for allocation = 'carriers'.",
            "measure 四: the lists of 商贸函〔2023〕188号 were not retrievable (SOURCES.md §8)",
            kind=list,
        ),
        Param(
            "weights",
            {},
            "relative weight",
            "Weights by province for allocation = 'weights'.",
            "scenario choice",
            kind=dict,
        ),
        Param(
            "yuan_per_m2",
            4317.0,
            "yuan/m2 of floor space",
            "Construction cost of standard factory space.",
            "derived: Taiyuan phase 1, 114 m yuan for 26,410 m2 (2024-25 local press, C)",
            low=0.0,
            low_open=True,
            high=1e6,
        ),
        Param(
            "floor_m2_per_job",
            25.0,
            "m2 per job",
            "Factory floor space per job.",
            A + ": labour-intensive assembly; not found in the data files",
            low=0.0,
            low_open=True,
            high=1000.0,
        ),
        Param(
            "build_lag_quarters",
            3,
            "quarters",
            "Quarters from issuance until the capacity opens.",
            "standard factories 5-12 months (Huarong, Taiyuan) plus ~3 months of land procedures (C)",
            kind=int,
            low=0,
            high=40,
        ),
        Param(
            "interest_rate",
            0.0287,
            "1/year",
            "Coupon on the bonds outstanding.",
            "average issuance rate of special bonds, Jan-Dec 2023: 2.87% (MOF via Tellerreport, "
            "'Ministry of Finance: from January to December 2023, new bonds issued nationwide were "
            "4,657.1 billion yuan', 2024-01, A)",
            low=0.0,
            high=0.2,
        ),
        Param(
            "term_years",
            12.4,
            "years",
            "Term of the bonds; the principal is repaid in one sum at maturity (bullet), from project "
            "revenue where it suffices and from the budget for the shortfall.",
            "average issuance term of local-government bonds in 2023: 12.4 years (MOF via Shanghai "
            "Daily/Shine, 2024-01-30, A); special bonds alone run longer (18.7 years in Jan 2023, MOF via "
            "CCTV, 2023-02-27, A): no full-year 2023 term of special bonds alone was found",
            low=0.25,
            high=50.0,
            plausible=(10.0, 20.0),
            plausible_basis="from the 2023 average of all local bonds (12.4) to special bonds' January 2023 "
            "average (18.7), rounded",
        ),
    ),
    apply=apply,
    carry=carry,
    targets=("national_parks",),
    fiscal="gross: bond-funded spending when issued, plus the coupon on the principal outstanding "
    "every quarter (principal repayment is not counted again). Net (accounts.parquet, docs/model.md "
    "7.16): the present value of the debt service over the bonds' life less the park rents paid by "
    "the occupants of the bond-funded places (project revenue)",
    sources="商贸发〔2023〕308号 四; 2024 work report (quota); MOF 2023 (coupon and term); press (lags)",
    channels=("land", "subsidies"),
    new_plants="through the parks it builds: new plants enter them by the movers' lottery and weigh "
    "the rent and set-up discounts of a likely park place; their rents are project revenue as movers' are",
)

BONDED_SITES = Lever(
    name="bonded_sites",
    measure="四",
    measure_no=4,
    title_en="Bonded supervision sites in the centre, west and north-east",
    title_zh="优先支持中西部和东北地区设立保税监管场所",
    mechanism="New bonded supervision sites bring customs facilities nearer to firms: the remaining "
    "compliance cost (after the bonded-zone discount) falls by `compliance_cut` in the targets.",
    params=(
        share_param(
            "compliance_cut",
            0.3,
            "Share of the remaining compliance cost removed.",
            A + ": the same size as economy.bonded_zone_discount",
        ),
        budget_param("Public cost of setting up and running the sites."),
    ),
    apply=apply_sites,
    targets=("inland",),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 四",
    channels=("customs",),
)
