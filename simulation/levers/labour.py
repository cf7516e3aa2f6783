"""Measure 十: training and talent — vocational training bases and talent policies."""

from __future__ import annotations

from typing import Any

from simulation.levers.base import Context, Lever, share_param, spend
from simulation.schema import Param

A = "assumption"


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """Skill efficiency in the targets rises to ``1 + skill_gain`` over ``ramp_years``."""
    ramp = min(1.0, (ctx.quarters_active + 1) / (4.0 * cfg["ramp_years"])) if cfg["ramp_years"] > 0 else 1.0
    cols = ctx.effects.columns
    cols["skill_efficiency"] = cols["skill_efficiency"] * (1 + cfg["skill_gain"] * ramp * ctx.mask)
    workers = (ctx.model.employment_by_province() * ctx.mask).sum() * ctx.scale
    spend(ctx, workers * cfg["trained_share_per_year"] / 4.0 * cfg["yuan_per_trainee"])


TRAINING = Lever(
    name="training",
    measure="十",
    measure_no=10,
    title_en="Training and talent: vocational training, on-site engineers, talent policies",
    title_zh="满足多层次用人需求（职业教育培训基地、现场工程师、人才政策）",
    mechanism="Skill efficiency in the targets rises by `skill_gain` (reached after `ramp_years`), so "
    "effective labour cost falls, most for skill-intensive sectors (skill_requirement).",
    params=(
        share_param("skill_gain", 0.05, "Rise in skill efficiency at full effect.", A + ": not found; 5%"),
        Param(
            "ramp_years", 3.0, "years", "Years to full effect.", A + ": a training cycle", low=0.0, high=30.0
        ),
        Param(
            "trained_share_per_year",
            0.05,
            "1/year",
            "Share of processing workers trained a year.",
            A,
            low=0.0,
            high=1.0,
        ),
        Param(
            "yuan_per_trainee",
            3000.0,
            "yuan",
            "Public cost per trainee.",
            A + ": not in the sources",
            low=0.0,
            high=1e6,
        ),
    ),
    apply=apply,
    targets=("inland",),
    fiscal="trainees (trained_share_per_year x processing employment in the targets) x yuan_per_trainee",
    sources="商贸发〔2023〕308号 十",
    channels=("labour",),
)
