"""Measure 十: training and talent — vocational training bases and talent policies.

The effect is scaled to the workers actually trained: each year `trained_share_per_year` of the
processing workers in the targets is trained, trained workers leave the province's processing
workforce at `leave_rate_per_year`, and each trained worker is `gain_per_trainee` more productive
(the wage return to training in the evaluation literature, read as a productivity gain). So the
skill efficiency of a province rises by gain_per_trainee x trained share, and never by more than
gain_per_trainee x trained_share_per_year / (trained_share_per_year + leave_rate_per_year).
"""

from __future__ import annotations

from typing import Any

from simulation.levers.base import Context, Lever, spend
from simulation.schema import Param

A = "assumption"
GAIN_BASIS = (
    "derived (B): propensity-score matching on 4,138 migrant workers in 13 central and western "
    "provinces finds skill training raises the hourly wage by 1.61 yuan (Journal of Finance and "
    "Economics 财经研究, 'Is Teaching People to Fish Effective?'); on the 17.6 yuan/hour of a migrant "
    "worker (NBS Migrant Worker Monitoring Survey 2018: 3,721 yuan/month, about 212 hours) that is "
    "9%; wages read as productivity (competitive labour market)"
)


def trained_share(quarters: int, per_year: float, leave_per_year: float) -> float:
    """Share of the workforce trained after ``quarters`` quarters of the programme (0 at the start):
    each quarter per_year/4 of the workers is trained, and trained workers leave at leave_per_year/4
    (their replacements arrive untrained)."""
    rate = (per_year + leave_per_year) / 4.0
    if rate <= 0:
        return 0.0
    steady = per_year / (per_year + leave_per_year)
    return steady * (1.0 - (1.0 - min(rate, 1.0)) ** quarters)


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """Skill efficiency in the targets rises by gain_per_trainee x the share trained so far."""
    share = trained_share(ctx.quarters_active + 1, cfg["trained_share_per_year"], cfg["leave_rate_per_year"])
    cols = ctx.effects.columns
    cols["skill_efficiency"] = cols["skill_efficiency"] * (1 + cfg["gain_per_trainee"] * share * ctx.mask)
    workers = (ctx.model.employment_by_province() * ctx.mask).sum() * ctx.scale
    spend(ctx, workers * cfg["trained_share_per_year"] / 4.0 * cfg["yuan_per_trainee"])


TRAINING = Lever(
    name="training",
    measure="十",
    measure_no=10,
    title_en="Training and talent: vocational training, on-site engineers, talent policies",
    title_zh="满足多层次用人需求（职业教育培训基地、现场工程师、人才政策）",
    mechanism="Each year `trained_share_per_year` of the processing workers in the targets is "
    "trained and paid for; trained workers leave at `leave_rate_per_year` and are replaced by "
    "untrained ones. Skill efficiency rises by `gain_per_trainee` x the share of workers trained so "
    "far (at most gain_per_trainee x trained_share_per_year / (trained_share_per_year + "
    "leave_rate_per_year)), so effective labour cost falls, most for skill-intensive sectors "
    "(skill_requirement).",
    params=(
        Param(
            "gain_per_trainee",
            0.09,
            "share of a worker's productivity",
            "Productivity gain of a trained worker.",
            GAIN_BASIS,
            low=0.0,
            high=1.0,
            plausible=(0.0, 0.12),
            plausible_basis="the simplest short training has no significant wage effect (Wang, Cai "
            "and Zhang, Social Sciences in China 31(3), 2010) to 1.88 yuan/hour for any training on "
            "a lower wage (the same PSM study; about 12%)",
        ),
        Param(
            "trained_share_per_year",
            0.05,
            "1/year",
            "Share of processing workers trained a year.",
            A + ": 5% of the workforce a year, about 2 million of the 40 million processing workers",
            low=0.0,
            high=1.0,
        ),
        Param(
            "leave_rate_per_year",
            0.2,
            "1/year",
            "Rate at which trained workers leave the province's processing workforce.",
            A + ": migrant workers change jobs often (mean stay of about five years); not found by province",
            low=0.0,
            high=4.0,
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
    sources="商贸发〔2023〕308号 十; 财经研究 (PSM of vocational training on migrant wages); NBS Migrant "
    "Worker Monitoring Survey 2018",
    channels=("labour",),
)
