"""Measures 六 and 九 (transport): border land ports, international freight routes from the
interior, and links between the coast and the interior — kept apart because they pull opposite ways
(better coast-interior links can draw firms to the bigger coastal market; better links from the
interior to the world draw them inland: Martin & Rogers 1995, Faber 2014)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, budget_param, share_param, spend_budget
from simulation.levers.targets import resolve
from simulation.logistics import MODES
from simulation.schema import Param

A = "assumption"
RAIL, AIR, LAND = MODES.index("rail"), MODES.index("air"), MODES.index("land")


def _open(ctx: Context, column: str, names: list[str]) -> None:
    if names:
        ctx.effects.columns[column] = np.where(
            resolve(ctx.model.world, names), 1.0, ctx.effects.columns[column]
        )


def apply_border(ctx: Context, cfg: dict[str, Any]) -> None:
    """Cheaper, faster land route to ASEAN through the land ports of the targets (and the new
    ports of ``new_ports``)."""
    _open(ctx, "land_port_asean", cfg["new_ports"])
    ports = ctx.mask & (ctx.effects.columns["land_port_asean"] > 0)
    fp = ctx.effects.freight
    fp.rate_mult[LAND] *= np.where(ports, 1 - cfg["rate_cut"], 1.0)
    fp.days_cut[LAND] += cfg["days_cut"] * ports
    spend_budget(ctx, cfg)


def apply_routes(ctx: Context, cfg: dict[str, Any]) -> None:
    """New rail and air origins; frequency, subsidies and multimodal legs in the targets."""
    _open(ctx, "cre_origin", cfg["cre_origins"])
    _open(ctx, "air_cargo_intl", cfg["air_routes"])
    fp, m = ctx.effects.freight, ctx.mask
    fp.rate_mult[RAIL] *= np.where(m, 1 - cfg["cre_rate_cut"], 1.0)
    fp.days_cut[RAIL] += cfg["cre_days_cut"] * m
    access = np.zeros_like(fp.rate_mult)
    access[RAIL] = cfg["cre_subsidy"] * m
    access[AIR] = cfg["air_subsidy"] * m
    fp.access_subsidy[ctx.name] = access
    fp.origin_subsidy[ctx.name] = cfg["logistics_subsidy"] * m
    fp.leg_mult *= np.where(m, 1 - cfg["multimodal_leg_cut"], 1.0)


def apply_links(ctx: Context, cfg: dict[str, Any]) -> None:
    """Cheaper domestic trade between the coast and the targets, and inside the interior."""
    e = ctx.effects
    e.coast_link_cut = np.maximum(e.coast_link_cut, cfg["coast_interior_cut"] * ctx.mask)
    e.interior_link_cut = np.maximum(e.interior_link_cut, cfg["interior_cut"] * ctx.mask)
    spend_budget(ctx, cfg)


BORDER_PORTS = Lever(
    name="border_ports",
    measure="六",
    measure_no=6,
    title_en="Border regions: smart land ports and cross-border logistics to ASEAN",
    title_zh="加大对边境地区支持力度（广西、云南；智慧口岸、陆路口岸过货能力）",
    mechanism="Land ports in the targets get a land route to ASEAN that costs `rate_cut` less and "
    "takes `days_cut` fewer days (direct cross-border trucking, more capacity); `new_ports` opens "
    "land ports where there is none (a target without a port gains nothing itself). Provinces "
    "without a land port reach it by the domestic leg, so nearby inland provinces gain too.",
    params=(
        Param(
            "new_ports",
            [],
            "provinces or cities",
            "New land ports to ASEAN (they join the lever's ports where targeted).",
            "scenario choice (measure 六: raise the capacity of the land ports of Guangxi and Yunnan)",
            kind=list,
        ),
        share_param(
            "rate_cut",
            0.2,
            "Share off the land-route rate.",
            "derived: GMS-CBTA direct trucking saves 800-1,000 yuan per truck (Xinhua 2025, A/B) / ~20 t "
            "per truck (assumption) = ~45 yuan/t of the 230 yuan/t land rate",
        ),
        Param(
            "days_cut",
            1.0,
            "days",
            "Days saved on the land route.",
            "GMS-CBTA direct trucking saves ~1 day (Xinhua 2025, A/B)",
            low=0.0,
            high=10.0,
        ),
        budget_param("Public cost of smart ports and port capacity."),
    ),
    apply=apply_border,
    targets=("Guangxi", "Yunnan"),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 六; simulation/data/SOURCES.md §4 (land route; China Daily 2025)",
    channels=("logistics",),
)

FREIGHT_ROUTES = Lever(
    name="freight_routes",
    measure="九",
    measure_no=9,
    title_en="Freight routes from the interior to the world: rail to Europe, air cargo, multimodal, "
    "logistics subsidies",
    title_zh="强化交通物流保障（中欧班列、国际货运航线、多式联运、国际物流成本支持）",
    mechanism="Provinces in `cre_origins` become China-Europe Railway Express origins and those in "
    "`air_routes` get international air cargo. In the targets, trains run more often (`cre_days_cut` "
    "fewer days, `cre_rate_cut` lower rate), government pays `cre_subsidy` of the rail rate and "
    "`air_subsidy` of the air rate leaving there, multimodal transport cuts the domestic leg to the "
    "port or railhead by `multimodal_leg_cut`, and local governments refund `logistics_subsidy` of "
    "the international freight of firms located there. Links between the coast and the interior "
    "are the separate lever domestic_links.",
    params=(
        Param(
            "cre_origins",
            [],
            "provinces or cities",
            "New China-Europe Railway Express origins.",
            "scenario choice (measure 九: optimise the CRE layout)",
            kind=list,
        ),
        share_param(
            "cre_rate_cut",
            0.0,
            "Share off the rail rate from origins in the targets.",
            "scenario choice: efficiency gains not quantified in the sources",
        ),
        Param(
            "cre_days_cut",
            2.0,
            "days",
            "Days saved by more frequent, timetabled trains.",
            "Xi'an-Duisburg timetabled train 10 days against 12-16 before (duisport 2023, B); "
            "assumption: 2 days on average",
            low=0.0,
            high=20.0,
        ),
        share_param(
            "cre_subsidy",
            0.3,
            "Share of the rail rate paid by government at origins in the targets.",
            "the 2020 cap on CRE subsidies, 30% of the rail cost (BOFIT 2019/35, B)",
        ),
        Param(
            "air_routes",
            [],
            "provinces or cities",
            "Provinces that gain international cargo routes.",
            "scenario choice (measure 九: more cargo routes to central, western, north-eastern cities)",
            kind=list,
        ),
        share_param(
            "air_subsidy",
            0.0,
            "Share of the air rate paid by government at airports in the targets.",
            "scenario choice: route subsidies not found",
        ),
        share_param(
            "multimodal_leg_cut",
            0.1,
            "Share off the domestic leg to the port or railhead.",
            A + ": rail-sea intermodal against trucking; the 2008 rail container tariff is already "
            "used where cheaper",
        ),
        share_param(
            "logistics_subsidy",
            0.05,
            "Share of international freight refunded to firms in the targets.",
            A + ": measure 九 asks interior provinces to lower international logistics costs; amount "
            "not found",
        ),
    ),
    apply=apply_routes,
    targets=("inland",),
    fiscal="rail and air subsidies paid at the origins in the targets plus the freight refunds, "
    "each = share x freight money on the goods that use it",
    sources="商贸发〔2023〕308号 九; simulation/data/SOURCES.md §4-5 (rail, air and truck rates)",
    channels=("logistics",),
)

DOMESTIC_LINKS = Lever(
    name="domestic_links",
    measure="九",
    measure_no=9,
    title_en="Domestic links: coast-interior and within the interior",
    title_zh="进一步优化运输组织与线路布局（沿海—内陆与内陆之间的国内通道）",
    mechanism="Domestic trade between the coast and the target provinces costs `coast_interior_cut` "
    "less and trade among interior target provinces `interior_cut` less (freeness of domestic "
    "trade, market access channel). Cheaper coast-interior links let firms serve the interior from "
    "the bigger coastal market and may pull them to the coast (home-market effect).",
    params=(
        share_param(
            "coast_interior_cut",
            0.1,
            "Share off the trade cost of coast-interior links.",
            A + ": medium dose; sweep it",
        ),
        share_param(
            "interior_cut",
            0.0,
            "Share off the trade cost between interior target provinces.",
            A + ": off by default; the contrast scenarios set it",
        ),
        budget_param("Public cost of the investment."),
    ),
    apply=apply_links,
    targets=("inland",),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 九; Martin & Rogers 1995; Baldwin et al. 2003; Faber 2014",
    channels=("market_access",),
)
