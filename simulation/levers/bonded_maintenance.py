"""Measures 二 and 三: bonded maintenance in comprehensive bonded zones and FTZs, and pilots
elsewhere (Suzhou, Dongguan, Tianjin Binhai — eastern: a counter-force to relocation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, share_param
from simulation.schema import Param

A = "assumption"
MARGIN_BASIS = (
    A + ": maintenance business as a share of output not found; 0.5% of output for eligible "
    "sectors (sectors.csv bonded_maintenance = 1) as a medium dose"
)


def _eligible(ctx: Context) -> np.ndarray:
    return ctx.model.sectors.col("bonded_maintenance")


def apply_zones(ctx: Context, cfg: dict[str, Any]) -> None:
    """Margin for eligible sectors, rising with the number of bonded zones in the province."""
    zones = ctx.effects.columns["bonded_zones"]
    reach = np.minimum(zones / cfg["zones_for_full_effect"], 1.0) * ctx.mask
    ctx.effects.maintenance += cfg["margin"] * _eligible(ctx)[:, None] * reach[None, :]


def apply_pilots(ctx: Context, cfg: dict[str, Any]) -> None:
    """The same margin for the share ``coverage`` of eligible firms of the pilot provinces."""
    reach = cfg["coverage"] * ctx.mask
    ctx.effects.maintenance += cfg["margin"] * _eligible(ctx)[:, None] * reach[None, :]


ZONES = Lever(
    name="bonded_maintenance",
    measure="二",
    measure_no=2,
    title_en="Bonded maintenance in comprehensive bonded zones and free trade zones",
    title_zh="促进综合保税区和自贸试验区保税维修业务发展",
    mechanism="A wider maintenance catalogue, own-product maintenance and 两头在外 maintenance add a "
    "margin `margin` for sectors eligible for bonded maintenance, in proportion to how many bonded "
    "zones a province has (full effect at `zones_for_full_effect`). Zones are densest on the coast.",
    params=(
        Param(
            "margin",
            0.005,
            "yuan per yuan of output",
            "Extra margin at full effect.",
            MARGIN_BASIS,
            low=0.0,
            high=0.1,
        ),
        Param(
            "zones_for_full_effect",
            10.0,
            "zones",
            "Number of comprehensive bonded zones at which the full margin applies.",
            A + ": more zones, more firms within reach of one; Jiangsu has 21, most inland provinces 1-7",
            low=0.0,
            low_open=True,
            high=100.0,
        ),
    ),
    apply=apply_zones,
    targets=("bonded_zones",),
    sources="商贸发〔2023〕308号 二; bonded_zones column of provinces.csv",
    channels=("customs",),
)

PILOTS = Lever(
    name="maintenance_pilots",
    measure="三",
    measure_no=3,
    title_en="Bonded-maintenance pilots outside the zones (Suzhou, Dongguan, Tianjin Binhai)",
    title_zh="推进其他区域保税维修试点（苏州、东莞、天津滨海新区）",
    mechanism="Eligible sectors in the pilot provinces earn the maintenance margin `margin` for the "
    "share `coverage` of their firms that sit in the pilot city. The named pilots are eastern, so "
    "this lever holds firms on the coast.",
    params=(
        Param(
            "margin",
            0.005,
            "yuan per yuan of output",
            "Extra margin for a firm in a pilot.",
            MARGIN_BASIS,
            low=0.0,
            high=0.1,
        ),
        share_param(
            "coverage",
            0.5,
            "Share of the province's eligible firms located in the pilot city.",
            A + ": Suzhou, Dongguan and Binhai hold a large part of their provinces' processing trade",
        ),
    ),
    apply=apply_pilots,
    targets=("maintenance_pilots",),
    sources="商贸发〔2023〕308号 三; pilot cities in simulation/data/cities.csv",
    channels=("customs",),
)
