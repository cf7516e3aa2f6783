"""Measure 十一: integration of domestic and foreign trade (domestic sales of processing firms)."""

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
    mechanism="Firms in the targets sell `domestic_share_add` more of their output at home: market "
    "access (the footloose-capital term) weighs more in their margin, and export freight, customs "
    "compliance on exports and the export risk premium weigh less. In "
    "the calibrated China world both favour the interior, where fewer competitors share each "
    "domestic market and export freight is dearer.",
    params=(
        Param(
            "domestic_share_add",
            0.05,
            "share of output",
            "Added domestic sales share.",
            A + ": doubles the assumed 5% domestic share of processing output",
            low=0.0,
            high=0.9,
        ),
        budget_param("Public cost of training, promotion and information services."),
    ),
    apply=apply,
    targets=("all",),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 十一",
    channels=("market_access", "logistics", "customs", "finance"),
)
