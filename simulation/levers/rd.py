"""Measure 一: high value-added processing trade — R&D super-deduction and local R&D funds."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever
from simulation.schema import Param

A = "assumption"
ADVANCED = ["electronics", "biomedicine", "aerospace", "new_energy"]


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """R&D funds: an operating subsidy of ``fund_rate`` x R&D spending; extra deduction."""
    sectors = ctx.model.sectors
    eligible = np.isin(sectors.names, cfg["sectors"]).astype(float)
    rd = sectors.col("rd_intensity") * eligible
    cell = rd[:, None] * ctx.mask[None, :]
    ctx.effects.subsidy[ctx.name] = cfg["fund_rate"] * cell
    ctx.effects.rd_extra = ctx.effects.rd_extra + cfg["extra_deduction"] * cell
    ctx.effects.tax_levers = (ctx.effects.tax_levers[0], ctx.name)


RD_SUPPORT = Lever(
    name="rd_support",
    measure="一",
    measure_no=1,
    title_en="High value-added processing: R&D super-deduction and local R&D funds",
    title_zh="鼓励开展高附加值产品加工贸易（研发费用加计扣除、地方研发资金）",
    mechanism="Firms of the named advanced sectors in the targets receive `fund_rate` x their R&D "
    "spending (rd_intensity x output) as a subsidy, and may deduct an extra `extra_deduction` x R&D "
    "spending from taxable profit on top of tax.rd_super_deduction. Both raise the after-tax margin "
    "of R&D-intensive sectors where they apply; the deduction is worth more where the CIT rate is "
    "higher (25% on the coast against 15% in the west).",
    params=(
        Param(
            "fund_rate",
            0.1,
            "share of R&D spending",
            "Share of R&D spending reimbursed by local R&D funds.",
            A + ": measure 一 encourages local funds without amounts; 10% as a medium dose",
            low=0.0,
            high=1.0,
        ),
        Param(
            "extra_deduction",
            0.0,
            "share of R&D spending",
            "Extra super-deduction on top of tax.rd_super_deduction (statutory 100% since 2023).",
            "MOF/STA Announcement 2023 No. 7 sets 100%; measure 一 asks for full use, so 0 by default",
            low=0.0,
            high=2.0,
        ),
        Param(
            "sectors",
            ADVANCED,
            "sector names",
            "Sectors eligible for the R&D funds.",
            "measure 一: 电子信息、生物医药、航空航天、新能源、新材料",
            kind=list,
        ),
    ),
    apply=apply,
    targets=("all",),
    fiscal="R&D fund grants (fund_rate x R&D spending of eligible firms in the targets) plus the "
    "tax forgone through the extra deduction",
    sources="商贸发〔2023〕308号 一; sector R&D intensities in simulation/data/sectors.csv",
    channels=("subsidies", "tax"),
)
