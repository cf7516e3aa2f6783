"""Measure 五: matchmaking — the processing-trade expo and the online platform."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, budget_param, spend_budget
from simulation.schema import Param

A = "assumption"


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """Firms learn of the promoted provinces and weigh more provinces when they review."""
    e = ctx.effects
    e.learn_prob = np.maximum(e.learn_prob, cfg["learn_prob"] * ctx.mask)
    if cfg["extra_considered"] > 0:
        e.extra_considered = max(e.extra_considered, cfg["extra_considered"])
        e.extra_considered_where = e.extra_considered_where | ctx.mask
    spend_budget(ctx, cfg)


MATCHMAKING = Lever(
    name="matchmaking",
    measure="五",
    measure_no=5,
    title_en="Matchmaking: processing-trade expo and online platform",
    title_zh="完善加工贸易梯度转移对接合作机制（加博会、线上平台）",
    mechanism="Each quarter every firm that does not yet know a promoted province learns of it with "
    "probability `learn_prob`, and reviewing firms weigh `extra_considered` more provinces "
    "(larger consideration sets, lower search cost), drawn among the promoted provinces they know.",
    params=(
        Param(
            "learn_prob",
            0.05,
            "1/quarter",
            "Chance per quarter that a firm learns of a promoted province.",
            A + ": expo reach not found; 5% of firms a quarter",
            low=0.0,
            high=1.0,
        ),
        Param(
            "extra_considered",
            1,
            "provinces",
            "Provinces added to each consideration set.",
            A + ": one more province weighed per review",
            kind=int,
            low=0,
            high=40,
        ),
        budget_param("Public cost of the expo and the platform."),
    ),
    apply=apply,
    targets=("inland",),
    fiscal="budget_yuan_per_year (0 unless set)",
    sources="商贸发〔2023〕308号 五",
    channels=(),
    new_plants="not at all: new plants already weigh every province (knowledge limits only the "
    "reviews of existing firms), so matchmaking acts on movers alone",
)
