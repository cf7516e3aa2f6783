"""Measure 十一: integration of domestic and foreign trade (domestic sales of processing firms).

The measure supplies training, promotion, information services, talent and channels for domestic
sales and insurance for them (its text); it does not waive the duty or the deferral interest owed
on bonded inputs sold at home (内销补税). So the lever moves a share of output from export to home
sales and prices what that share really earns and costs (simulation/costs.py): the domestic margin
at the province's market access instead of the export margin, no export freight, the same customs
declarations and buyer risk, and the duty and deferral interest on its bonded inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, budget_param, spend_budget
from simulation.schema import Param

A = "assumption"


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    e = ctx.effects
    e.domestic_share_add = np.maximum(e.domestic_share_add, cfg["domestic_share_add"] * ctx.mask)
    spend_budget(ctx, cfg)


DOMESTIC_MARKET = Lever(
    name="domestic_market",
    measure="十一",
    measure_no=11,
    title_en="Domestic market: integration of domestic and foreign trade",
    title_zh="支持拓展国内市场（内外贸一体化）",
    mechanism="The measure's services, channels and insurance let firms in the targets sell "
    "`domestic_share_add` of their output at home instead of abroad. Those sales earn the domestic "
    "margin at the province's market access (economy.domestic_operating_margin x access) instead of "
    "the export margin (the same 1/sigma at average access, which the gross margin paid on all "
    "output), save export freight, still clear customs (内销 declaration) and bear buyer risk at "
    "the export risk premium, and pay the duty and deferral interest on their bonded inputs "
    "(内销补税: economy.input_tariff + economy.bonded_interest_rate x economy.bonded_deferral_years "
    "x (duty + tax.vat_rate x (1 + duty)), per yuan of imported inputs), which the measure does not "
    "waive. The net gain is positive only where market access is above average and export freight "
    "dear.",
    params=(
        Param(
            "domestic_share_add",
            0.05,
            "share of output",
            "Added domestic sales share.",
            A + ": doubles the assumed 5% domestic share of processing output",
            plausible=(0.01, 0.1),
            plausible_basis="assumption: from a fifth of today's domestic share to twice it",
            low=0.0,
            high=0.9,
        ),
        budget_param("Public cost of training, promotion and information services."),
    ),
    apply=apply,
    targets=("all",),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 十一; duty, VAT and deferral interest in docs/parameters.md "
    "(economy.input_tariff, tax.vat_rate, economy.bonded_interest_rate)",
    channels=("market_access", "logistics", "customs"),
)
