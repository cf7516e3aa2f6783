"""Measure 五: matchmaking — the processing-trade expo and the online platform.

The lever acts on the search friction of the baseline (simulation/knowledge.py): firms learn of and
forget provinces outside their region in every run, and the province constants are calibrated on
the stationary known sets of that process; matchmaking adds learning about the promoted provinces.
Its reach is tied to the documented scale of the matchmaking events (see REACH_BASIS)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, budget_param, spend_budget
from simulation.schema import Param

A = "assumption"
REACH_BASIS = (
    "derived (B): firms reached a year / processing firms (economy.processing_firms, 100,000) / 4. "
    "The 2014 processing-trade expo (加博会, Dongguan) had 1,210 exhibitors and 6,300 buyer firms "
    "(China News Service via ce.cn, 2014-06-20); MIIT's six industrial-transfer matchmaking events "
    "of 2024 had 5,500 participating firms (People's Daily, 2024-10-28). A firm that attends is "
    "assumed to learn of the promoted provinces: 8,000 a year (MIIT events plus the expo's "
    "exhibitors) gives 2% a quarter; the band 1.4-3.3% is the plausible range"
)


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
    mechanism="Firms learn of and forget provinces outside their region in the baseline too "
    "(behaviour.knowledge_turnover, behaviour.know_other_region_prob: the province constants are "
    "calibrated on that process's stationary known sets). Matchmaking adds the chance `learn_prob` a "
    "quarter that a firm which does not know a promoted province (the targets) learns of it, so the "
    "share of firms that know it rises towards (turnover x p + learn_prob) / (turnover + learn_prob), "
    "not to certainty, and falls back once the lever ends; reviewing firms weigh `extra_considered` "
    "more provinces, drawn among the promoted provinces they know. Provinces outside the targets are "
    "neither taught nor added.",
    params=(
        Param(
            "learn_prob",
            0.02,
            "1/quarter",
            "Chance per quarter that a firm learns of a promoted province (added to the baseline's).",
            REACH_BASIS,
            low=0.0,
            high=1.0,
            plausible=(0.014, 0.033),
            plausible_basis="the documented reach: MIIT's transfer matchmaking events alone (5,500 "
            "firms a year, 1.4% of 100,000 processing firms a quarter) to those plus the 2014 expo's "
            "exhibitors and buyer firms (13,000 a year, 3.3% a quarter)",
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
