"""Measure 七: fiscal and tax support — special funds, withholding-tax deferral on reinvested
profit, and preferential CIT under the encouraged-industry catalogues (15% in the west)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, share_param
from simulation.schema import Param

A = "assumption"


def apply_funds(ctx: Context, cfg: dict[str, Any]) -> None:
    """A one-off subsidy per job that relocates into the targets."""
    ctx.effects.move_subsidy[ctx.name] = cfg["yuan_per_job"] * ctx.mask


def apply_deferral(ctx: Context, cfg: dict[str, Any]) -> None:
    """Foreign-invested firms that fund a move from reinvested profit defer withholding tax."""
    cut = cfg["withholding_rate"] * cfg["reinvested_share"] * ctx.mask
    ctx.effects.foreign_move_cut = np.maximum(ctx.effects.foreign_move_cut, cut)
    ctx.effects.owners["foreign_move_cut"] = ctx.name


def apply_cit(ctx: Context, cfg: dict[str, Any]) -> None:
    """A preferential CIT rate for the share ``coverage`` of firms in the targets."""
    e = ctx.effects
    where = ctx.mask & (cfg["coverage"] > 0)  # no firm qualifies at coverage 0: no rate in force
    e.cit_rate = np.where(where, cfg["rate"], e.cit_rate)
    e.cit_coverage = np.where(where, cfg["coverage"], e.cit_coverage)
    e.tax_levers = (ctx.name, e.tax_levers[1])


SPECIAL_FUNDS = Lever(
    name="special_funds",
    measure="七",
    measure_no=7,
    title_en="Special funds for transformation and relocation (per relocated job)",
    title_zh="统筹用好外经贸发展专项资金等支持加工贸易梯度转移",
    mechanism="A firm that moves into a target province receives `yuan_per_job` per job once; the "
    "moving cost it weighs falls by the annuity of that sum.",
    params=(
        Param(
            "yuan_per_job",
            5000.0,
            "yuan per relocated job",
            "One-off subsidy per job relocated into the targets.",
            A + ": per-job amounts of the special funds not found; about one month of an inland wage",
            low=0.0,
            high=1e6,
            plausible=(2000.0, 20000.0),
            plausible_basis="assumption: a week to four months of an inland processing wage",
        ),
    ),
    apply=apply_funds,
    targets=("inland",),
    fiscal="yuan_per_job x jobs that relocate into the targets",
    sources="商贸发〔2023〕308号 七",
    channels=("subsidies",),
)

WITHHOLDING_DEFERRAL = Lever(
    name="withholding_deferral",
    measure="七",
    measure_no=7,
    title_en="Withholding-tax deferral on profit reinvested by foreign investors",
    title_zh="境外投资者以分配利润直接投资暂不征收预提所得税",
    mechanism="A foreign-invested firm funds the share `reinvested_share` of its moving cost from "
    "profit that would otherwise bear `withholding_rate` when paid out: its moving cost falls by "
    "withholding_rate x reinvested_share.",
    params=(
        share_param(
            "withholding_rate",
            0.10,
            "Withholding tax on dividends to non-residents.",
            "EIT Law Implementation Regulations art. 91 (10%)",
        ),
        Param(
            "reinvested_share",
            0.5,
            "share of moving cost",
            "Share of a move funded from profit.",
            A + ": not found",
            low=0.0,
            high=1.0,
            plausible=(0.2, 0.8),
            plausible_basis="assumption: a fifth to four fifths of a move funded from retained profit",
        ),
    ),
    apply=apply_deferral,
    targets=("all",),
    fiscal="tax deferred: withholding_rate x reinvested_share x moving cost of the foreign movers",
    sources="商贸发〔2023〕308号 七; 财税〔2018〕102号",
    channels=("subsidies",),
)

PREFERENTIAL_CIT = Lever(
    name="preferential_cit",
    measure="七",
    measure_no=7,
    title_en="Preferential CIT under the encouraged-industry catalogues",
    title_zh="实施好鼓励外商投资产业目录、西部地区鼓励类产业目录，落实税收优惠",
    mechanism="The share `coverage` of firms in the targets pays `rate` instead of the rate in force "
    "(tax.* parameters, which already give 15% to the west). With the default targets (west) the "
    "lever restates current law; extending the targets (e.g. central) shows an extension.",
    params=(
        Param(
            "rate",
            0.15,
            "share of profit",
            "Preferential CIT rate.",
            "MOF/STA/NDRC Announcement 2020 No. 23 (15% in the west, 2021-2030)",
            low=0.0,
            high=1.0,
        ),
        share_param(
            "coverage",
            1.0,
            "Share of firms in the targets that qualify.",
            A + ": processing firms in encouraged industries; as tax.west_cit_coverage",
            band=(0.5, 1.0),
            band_basis="assumption: half to all processing firms are in encouraged industries",
        ),
    ),
    apply=apply_cit,
    targets=("west",),
    fiscal="tax forgone against the rates in force without the lever",
    sources="商贸发〔2023〕308号 七; SOURCES.md §8",
    channels=("tax",),
)
