"""Measure 十二: management and services — shorter prohibited catalogue, guarantee suspension for
restricted goods until 2025, duty-free equipment supervision cut from 5 to 3 years."""

from __future__ import annotations

from typing import Any

from simulation.levers.base import Context, Lever, combine_cuts, share_param
from simulation.schema import Param
from simulation.timeline import Quarter

A = "assumption"


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    e = ctx.effects
    years = e.params["economy.equipment_supervision_years"]
    e.params["economy.equipment_supervision_years"] = min(years, cfg["supervision_years"])
    cut = cfg["compliance_cut"]
    if ctx.quarter <= Quarter.parse(cfg["guarantee_until"]):
        cut = combine_cuts(cut, cfg["guarantee_cut"])
    e.compliance_cut = combine_cuts(e.compliance_cut, cut * ctx.mask)


MANAGEMENT = Lever(
    name="management",
    measure="十二",
    measure_no=12,
    title_en="Management and services: catalogue, guarantees, equipment supervision",
    title_zh="优化加工贸易管理与服务（禁止类目录、担保管理、不作价设备监管年限5年缩至3年）",
    mechanism="Duty-free equipment is supervised for `supervision_years` instead of "
    "economy.equipment_supervision_years, so fewer moves owe back duty; a shorter prohibited "
    "catalogue and customs innovation cut compliance cost by `compliance_cut`, and the suspension of "
    "guarantees on restricted goods cuts it by a further `guarantee_cut` until `guarantee_until`.",
    params=(
        Param(
            "supervision_years",
            3.0,
            "years",
            "Supervision period of duty-free equipment.",
            "measure 十二: 5 -> 3 years",
            low=0.0,
            high=20.0,
        ),
        share_param(
            "compliance_cut",
            0.1,
            "Share of compliance cost removed.",
            A + ": a shorter prohibited catalogue and paperless customs; not found",
            band=(0.02, 0.2),
            band_basis="assumption: a fiftieth to a fifth of economy.compliance_cost_share",
        ),
        share_param(
            "guarantee_cut",
            0.05,
            "Further share removed while guarantees are suspended.",
            A + ": guarantees bind only restricted-category inputs; not found",
            band=(0.0, 0.1),
            band_basis="assumption: from none of the compliance cost to a tenth",
        ),
        Param(
            "guarantee_until",
            "2025Q4",
            "quarter",
            "Last quarter of the guarantee suspension.",
            "measure 十二: suspended until 2025",
            kind=str,
        ),
    ),
    apply=apply,
    targets=("all",),
    sources="商贸发〔2023〕308号 十二",
    channels=("customs",),
)
