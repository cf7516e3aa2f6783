"""Every lesson loads, validates and runs; the mechanisms its text tells the class to watch show in
the model; and every direction a lesson's text states holds over ten seeds (20240101..20240110):
the inland share against the baseline over full runs at the dashboard's size (5,000 firms), and
the sign of every bar the text points at after the first quarter."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.dashboard import controls, lessons, views
from simulation.dashboard.session import DEFAULT_FIRMS, DEFAULT_SEED, Baseline, DashboardModel
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


# --- every stated direction over ten seeds -------------------------------------------------------

SEEDS = [DEFAULT_SEED + i for i in range(10)]
YEAR = 4  # steps


@pytest.fixture(scope="module")
def gaps() -> dict[str, np.ndarray]:
    """Inland-share gap to the baseline (points), (seeds, steps + 1), of every lesson whose text
    states a direction for the inland share, at the dashboard's size; ``baseline`` holds the
    baseline's own change since step 0 (points)."""
    out: dict[str, list[np.ndarray]] = {}
    names = (
        "special_bonds_lag",
        "links_coast_interior",
        "links_interior_world",
        "matchmaking",
        "maintenance_pilots",
    )
    for seed in SEEDS:
        base = Baseline(seed, DEFAULT_FIRMS)
        for name in names:
            lesson = lessons.get(name)
            m = DashboardModel(
                lesson=name,
                settings=controls.settings_of(lesson.load()),
                firms=DEFAULT_FIRMS,
                seed=seed,
                baseline=base,
            )
            for _ in range(m.params["run.steps"]):
                m.step()
            policy, shares = m.inland_shares()
            out.setdefault(name, []).append(100 * (policy - shares))
        out.setdefault("baseline", []).append(100 * (shares - shares[0]))
    return {k: np.array(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def first_quarters() -> dict[str, list[DashboardModel]]:
    """Every lesson after one quarter on each of the ten seeds (small runs: the bars are direct
    effects of the levers, computed at the state reached)."""
    bases = [Baseline(seed, FIRMS) for seed in SEEDS]
    out: dict[str, list[DashboardModel]] = {}
    for lesson in lessons.LESSONS:
        settings = controls.settings_of(lesson.load())
        for seed, base in zip(SEEDS, bases, strict=True):
            m = DashboardModel(lesson=lesson.name, settings=settings, firms=FIRMS, seed=seed, baseline=base)
            m.step()
            out.setdefault(lesson.name, []).append(m)
    return out


def _bars(
    models: list[DashboardModel], province: str, channel: int, sector: str = views.ALL_SECTORS
) -> np.ndarray:
    """The levers' change of ``channel`` in ``province``, per seed."""
    return np.array([views.advantage_data(m, province, sector)[1][channel] for m in models])


def _mostly(values: np.ndarray, share: float = 0.7) -> bool:
    return bool(np.mean(values) > 0 and np.mean(values > 0) >= share)


@pytest.mark.slow  # 50 runs of 48 quarters at 5,000 firms
def test_every_lesson_states_only_directions_that_hold_over_ten_seeds(gaps):
    end = {k: v[:, -1] for k, v in gaps.items()}
    checked = set()
    # free: the baseline's inland share slips over the run in most seeds (no drift inland)
    assert _mostly(-end["baseline"]), end["baseline"]
    checked.add("free")
    # special bonds: nothing in the first year, above the baseline by the end in most seeds
    sb = gaps["special_bonds_lag"]
    assert _mostly(end["special_bonds_lag"]) and sb[:, YEAR].mean() < sb[:, -1].mean() / 3, sb[:, [YEAR, -1]]
    checked.add("special_bonds_lag")
    # coast-interior links: close to the baseline (both signs occur), below the interior-world
    # links in most seeds (paired on the seed)
    ci = end["links_coast_interior"]
    # "close to the baseline": no direction distinguishable from seed noise (within 2 s.e. of 0)
    assert (ci > 0).any() and (ci < 0).any() and abs(ci.mean()) < 2 * ci.std(ddof=1) / np.sqrt(len(ci)), ci
    assert _mostly(end["links_interior_world"] - ci), end["links_interior_world"] - ci
    checked.add("links_coast_interior")
    # interior-world links: above the baseline by the end in every seed, about three points on
    # average (measured +3.2, s.e. 0.6)
    iw = end["links_interior_world"]
    assert (iw > 0).all() and 2.0 < iw.mean() < 4.5, iw
    checked.add("links_interior_world")
    # matchmaking: above the baseline on average, about +1.4 points (measured +1.38, s.e. 0.58; the
    # band excludes the +0.7 of the old defaults), more than 2 s.e., in 8 of 10 seeds or more, yet
    # both signs occur, with swings of about two points from seed to seed
    mm = end["matchmaking"]
    se_mm = mm.std(ddof=1) / np.sqrt(len(mm))
    assert 0.9 < mm.mean() < 2.0 and mm.mean() > 2 * se_mm and (mm > 0).sum() >= 8, (mm, se_mm)
    assert (mm < 0).any() and 1.0 < mm.std(ddof=1) < 3.0, mm
    checked.add("matchmaking")
    # maintenance pilots: close to the baseline by the end (measured -0.58, s.e. 0.85): within 2 s.e.
    # of 0 and above the old defaults' -1.5, below it in about half the seeds, swings of nearly
    # three points
    mp = end["maintenance_pilots"]
    se = mp.std(ddof=1) / np.sqrt(len(mp))
    assert abs(mp.mean()) < 2 * se and -1.2 < mp.mean() < 0.6, (mp, se)
    assert 3 <= (mp < 0).sum() <= 7 and 2.0 < mp.std(ddof=1) < 4.0, mp
    checked.add("maintenance_pilots")
    # the two time-of-use lessons state no direction for the inland share: their bars are below
    checked |= {"tou_flexible", "tou_inflexible"}
    assert checked == set(lessons.BY_NAME)  # a new lesson needs its check here


@pytest.mark.slow  # 80 one-quarter runs
def test_every_lessons_bars_point_the_stated_way_over_ten_seeds(first_quarters):
    q = first_quarters
    for sector in ("electronics", "apparel"):
        assert (_bars(q["tou_flexible"], "Henan", ELECTRICITY, sector) > 0).all()
    rigid = np.array(
        [_bars(q["tou_inflexible"], "Henan", ELECTRICITY, s) for s in ("electronics", "apparel", "food")]
    )
    assert (rigid < 0).all()
    assert (_bars(q["links_coast_interior"], "Guangdong", MARKET) > 0).all()
    assert (_bars(q["links_coast_interior"], "Henan", MARKET) < 0).all()
    assert (_bars(q["links_interior_world"], "Sichuan", LOGISTICS) > 0).all()
    assert (_bars(q["maintenance_pilots"], "Guangdong", CUSTOMS) > 0).all()
    assert not np.any([_bars(q["matchmaking"], "Henan", c) for c in range(len(CHANNELS))])
