"""Every lesson loads, validates and runs; the mechanisms its text tells the class to watch show in
the model (the direct effects, which do not depend on the noise of a few quarters)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.dashboard import controls, lessons, views
from simulation.dashboard.session import DEFAULT_SEED, Baseline, DashboardModel
from simulation.geography import load_china
from simulation.levers import CHANNELS

FIRMS = 800
ELECTRICITY, CUSTOMS = CHANNELS.index("electricity"), CHANNELS.index("customs")
LOGISTICS, MARKET = CHANNELS.index("logistics"), CHANNELS.index("market_access")


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    """One baseline run shared by the lessons (same seed and firms), as a session shares it."""
    return Baseline(DEFAULT_SEED, FIRMS)


def _run(name: str, baseline: Baseline, steps: int = 3) -> DashboardModel:
    lesson = lessons.get(name)
    settings = controls.settings_of(lesson.load())
    m = DashboardModel(lesson=name, settings=settings, firms=FIRMS, baseline=baseline)
    for _ in range(steps):
        m.step()
    return m


@pytest.mark.slow  # a run per lesson
@pytest.mark.parametrize("lesson", lessons.LESSONS, ids=lambda lesson: lesson.name)
def test_every_lesson_loads_validates_and_runs(lesson: lessons.Lesson, baseline: Baseline):
    assert lesson.path.is_file(), lesson.path
    sc = lesson.load()  # validated by the scenario schema
    assert sc.params["run.start"] == "2024Q1"
    assert lesson.title and len(lesson.watch) > 40 and len(lesson.why) > 40
    assert lesson.province in load_china().names
    m = _run(lesson.name, baseline)
    assert m.steps == 3 and m.baseline.model.steps >= 3 and len(m.baseline_steps()) == 4
    policy, base = m.inland_shares()
    assert len(policy) == len(base) == 4 and np.all((policy > 0) & (policy < 1))
    for make in (views.map_figure, views.inland_figure, views.employment_figure):
        assert make(m).axes
    assert views.advantage_figure(m, lesson.province).axes


def test_lessons_cover_the_issue_and_have_unique_names():
    names = [lesson.name for lesson in lessons.LESSONS]
    assert len(set(names)) == len(names) >= 6
    assert {"special_bonds_lag", "tou_flexible", "links_coast_interior"} <= set(names)
    with pytest.raises(KeyError, match="allowed"):
        lessons.get("nope")


def test_special_bonds_capacity_opens_after_the_build_lag(baseline):
    m = _run("special_bonds_lag", baseline, steps=6)
    lag = m.spec.params["levers.special_bonds.build_lag_quarters"]
    r = m.world.index(m.lesson.province)
    cap = [row["park_capacity_jobs"][r] for row in m.recorder.steps]
    assert all(c == cap[0] for c in cap[: lag + 1])  # steps 0..lag: nothing has opened yet
    assert all(b > a for a, b in zip(cap[lag:], cap[lag + 1 :], strict=False))  # then it grows


def test_time_of_use_helps_flexible_sectors_and_hurts_inflexible_ones(baseline):
    flexible, rigid = _run("tou_flexible", baseline, 1), _run("tou_inflexible", baseline, 1)
    gains = [views.advantage_data(flexible, "Henan", str(s))[1][ELECTRICITY] for s in flexible.sectors.names]
    losses = [views.advantage_data(rigid, "Henan", str(s))[1][ELECTRICITY] for s in rigid.sectors.names]
    assert all(g > 0 for g in gains)
    assert sum(x < 0 for x in losses) > len(losses) / 2 and sum(losses) < 0


def test_coast_interior_links_favour_the_coast_interior_world_links_the_interior(baseline):
    coast, world = _run("links_coast_interior", baseline, 1), _run("links_interior_world", baseline, 1)
    assert (
        views.advantage_data(coast, "Guangdong")[1][MARKET]
        > 0
        > views.advantage_data(coast, "Henan")[1][MARKET]
    )
    assert views.advantage_data(world, "Sichuan")[1][LOGISTICS] > 0


def test_maintenance_pilots_raise_the_coasts_customs_margin_and_matchmaking_no_cost(baseline):
    pilots, match = _run("maintenance_pilots", baseline, 1), _run("matchmaking", baseline, 1)
    assert views.advantage_data(pilots, "Guangdong")[1][CUSTOMS] > 0
    assert not np.any(views.advantage_data(match, "Henan")[1])
