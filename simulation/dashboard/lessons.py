"""Lessons: ready-made presets for a class, each a scenario plus what to watch for and why.

A lesson names a scenario file of the library (``scenarios/``) and may add overrides on top of it;
the dashboard loads it, sets the controls to its values and points the advantage view at a
province where the lesson's mechanism shows. ``ptsim lessons`` lists them.

The texts describe what the model does at the dashboard's default size (5,000 firms, seed
20240101); ``tests/test_dashboard_lessons.py`` checks that every lesson loads, validates and runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class Lesson:
    """A preset: a scenario (file under ``scenarios/`` plus overrides) and the story to tell."""

    name: str
    title: str
    scenario: str  # path relative to scenarios/
    watch: str  # what to watch for in the dashboard
    why: str  # the mechanism behind it
    province: str = "Henan"  # province shown in the advantage view
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return SCENARIOS / self.scenario

    def load(self, settings: dict[str, Any] | None = None):
        """The lesson's validated scenario, with ``settings`` (flat keys) applied on top."""
        from simulation import scenario as scenario_mod

        values = {**self.overrides, **(settings or {})}
        return scenario_mod.load(self.path, values or None)


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "free",
        "Free play: the baseline, no new policy",
        "baseline.toml",
        "Every lever is off. Switch one on or move a slider: the run restarts in 2024Q1 and the blue "
        "line is compared with the grey baseline run on the same seed.",
        "Without new policy firms still drift inland slowly as coastal wages grow faster; the "
        "baseline shows that drift, so the gap between the lines is the policy's effect.",
    ),
    Lesson(
        "special_bonds_lag",
        "Special bonds build parks: why do firms arrive only after the lag?",
        "doses/special_bonds_high.toml",
        "Henan's park capacity (panel on the left) stays at its 2024 level for three quarters and "
        "only then grows each quarter; Henan's employment pulls away from the baseline only after "
        "that, and slowly.",
        "Bonds are issued from 2024Q1 but a park opens build_lag_quarters (3) later. Even then only "
        "firms that review their location in a quarter (a few per cent) can move into the new room, "
        "so the effect builds up over years. Move the build-lag slider and watch the start shift.",
    ),
    Lesson(
        "tou_flexible",
        "A wider time-of-use spread helps flexible sectors and hurts inflexible ones",
        "contrasts/tou_wide_flexible.toml",
        "The spread is doubled everywhere and every sector can shift half of its peak load. In the "
        "advantage view choose a sector: the orange 'change by the levers' bar of electricity is "
        "positive (the bill falls). Then open the next lesson (no load shifting): the same bar "
        "turns negative.",
        "A wider spread makes peak power dearer and valley power cheaper. Load that can move to "
        "the valley pays less; load stuck in the peak pays more. Which provinces gain depends on "
        "their own tariff structure.",
    ),
    Lesson(
        "tou_inflexible",
        "The same wide spread when no sector can shift load",
        "contrasts/tou_wide_inflexible.toml",
        "Same spread as the previous lesson, but load_flexibility is 0: the electricity bar of "
        "'change by the levers' turns negative for most sectors (choose one in the advantage view).",
        "With nothing to move off-peak, the higher peak price is pure cost. Compare the inland "
        "share with the flexible case on the same seed.",
    ),
    Lesson(
        "links_coast_interior",
        "Better coast-interior roads can pull firms to the coast",
        "contrasts/links_coast_interior.toml",
        "Domestic trade between the coast and the interior costs 30% less. Market access improves "
        "in Guangdong (the orange bar) and falls in Henan and Sichuan; the inland share does not "
        "rise above the baseline the way it does in the next lesson.",
        "Cheaper links let a firm serve the interior from the bigger coastal market (the "
        "home-market effect: Martin & Rogers 1995; Faber 2014 found China's trunk highways slowed "
        "growth in the peripheral counties they connected). Compare with the next lesson.",
        province="Guangdong",
    ),
    Lesson(
        "links_interior_world",
        "Better links from the interior to the world draw firms inland",
        "contrasts/links_interior_world.toml",
        "Cheaper legs to ports and railheads and cheaper trade inside the interior: the logistics "
        "bar of Sichuan jumps at once; the inland share pulls above the baseline within two years.",
        "Links from the interior to the world (rail to Europe, multimodal legs) cut the interior's "
        "freight handicap without helping the coast serve the interior: the opposite pull to the "
        "coast-interior roads of the previous lesson.",
        province="Sichuan",
    ),
    Lesson(
        "matchmaking",
        "Matchmaking: firms cannot move to a province they have never heard of",
        "measures/m05_matchmaking.toml",
        "No cost bar moves: the expo and the platform change what firms know, not what things cost. "
        "Yet the inland share rises above the baseline from the first year and the gap keeps growing.",
        "Each quarter 5% of firms learn of interior provinces and reviewing firms weigh one more "
        "province. Firms only choose among places they know; as more of them learn of cheaper "
        "inland provinces, more of the firms that review move there, so the effect accumulates.",
    ),
    Lesson(
        "maintenance_pilots",
        "Bonded-maintenance pilots hold firms on the coast",
        "measures/m03_maintenance_pilots.toml",
        "The customs bar of Guangdong turns positive (Suzhou, Dongguan and Tianjin Binhai are the "
        "pilots); in the first years the inland share runs below the baseline.",
        "Measure 三 names eastern pilot cities: eligible firms there earn a maintenance margin, a "
        "reason to stay. Not every measure of the policy pushes inland.",
        province="Guangdong",
    ),
)
BY_NAME: dict[str, Lesson] = {lesson.name: lesson for lesson in LESSONS}


def get(name: str) -> Lesson:
    """The lesson called ``name``; ``KeyError`` names the allowed ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown lesson {name!r}; allowed: {', '.join(BY_NAME)}") from None


def listing() -> str:
    """Plain-text list of the lessons (``ptsim lessons``)."""
    lines = []
    for lesson in LESSONS:
        lines.append(f"{lesson.name}: {lesson.title}\n  scenario: scenarios/{lesson.scenario}")
        lines.append(f"  watch: {lesson.watch}\n  why: {lesson.why}\n")
    lines.append("Start the dashboard with `ptsim dashboard` and choose a lesson at the top of the sidebar.")
    return "\n".join(lines)
