"""Measure 八: finance — SME credit, export credit insurance and exchange-rate hedging."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, share_param

A = "assumption"


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """Lower export risk premium and SME financing premium on moves, in the targets."""
    e = ctx.effects
    e.risk_cut = np.maximum(e.risk_cut, cfg["risk_cut"] * ctx.mask)
    e.sme_premium_cut = np.maximum(e.sme_premium_cut, cfg["sme_premium_cut"] * ctx.mask)
    e.owners.update(risk_cut=ctx.name, sme_premium_cut=ctx.name)


FINANCE = Lever(
    name="finance",
    measure="八",
    measure_no=8,
    title_en="Finance: SME credit, export credit insurance, FX hedging",
    title_zh="加强金融政策支持（中小微企业信贷、出口信用保险、汇率避险）",
    mechanism="Export credit insurance and hedging remove the share `risk_cut` of the export risk "
    "premium (economy.export_risk_premium) of firms in the targets; SME credit removes the share "
    "`sme_premium_cut` of the extra cost SMEs pay to finance a move (economy.sme_finance_premium).",
    params=(
        share_param(
            "risk_cut",
            0.3,
            "Share of the export risk premium removed.",
            A + ": insurance and hedging cover part of the risk; not found",
            band=(0.1, 0.5),
            band_basis="assumption: a tenth to half of the export risk premium",
        ),
        share_param(
            "sme_premium_cut",
            0.5,
            "Share of the SME financing premium removed.",
            A + ": credit support halves the premium; not found",
            band=(0.2, 0.8),
            band_basis="assumption: a fifth to four fifths of economy.sme_finance_premium",
        ),
    ),
    apply=apply,
    targets=("all",),
    fiscal="insurance support (premium removed x exports of firms in the targets) plus credit "
    "support (SME premium removed on the moves of SMEs)",
    sources="商贸发〔2023〕308号 八",
    channels=("finance", "subsidies"),
)
