"""The classroom dashboard without a browser: controls from the lever registry, the per-session
model, the views (plotted numbers equal the model's), the page rendered in-process, the CLI."""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import pytest
import solara
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from simulation import cli, levers
from simulation.dashboard import app, controls, lessons, views
from simulation.dashboard import cli as dash_cli
from simulation.dashboard.session import DashboardModel
from simulation.levers import CHANNELS

FIRMS = 600


@pytest.fixture(scope="module")
def stepped() -> DashboardModel:
    """A small special-bonds run stepped with its baseline: 5 quarters, then on to a quarter with
    relocations (so the map has arrows)."""
    lesson = lessons.get("special_bonds_lag")
    m = DashboardModel(lesson=lesson.name, settings=controls.settings_of(lesson.load()), firms=FIRMS)
    for _ in range(5):
        m.step()
    while m.recorder.steps[-1]["relocations_in"].sum() == 0 and m.steps < 20:
        m.step()
    return m


# --- controls ------------------------------------------------------------------------------------


def test_every_headline_parameter_has_a_control_with_the_declared_range():
    by_key = {c.key: c for c in controls.all_controls()}
    for name, keys in controls.HEADLINE.items():
        for p in levers.params(levers.BY_NAME[name]):
            if p.key.split(".")[-1] not in (*keys, "enabled"):
                continue
            c = by_key[p.key]
            assert c.param is p or c.param == p  # the registry's own declaration
            if p.kind is bool:
                assert c.widget == "switch"
            elif p.choices:
                assert c.widget == "select" and c.param.choices == p.choices
            elif p.kind is list:
                assert c.widget == "provinces"
            else:
                assert c.widget == "slider"
                assert (c.value_at(0), c.value_at(c.positions)) == (p.low, p.high)
                assert c.value_at(c.position_of(p.default)) == pytest.approx(p.default)
                assert c.param.unit in c.text(p.default) or "bn" in c.text(p.default)
    # the headline levers are all there
    assert {"special_bonds", "time_of_use", "freight_routes", "domestic_links"} <= set(controls.HEADLINE)


def test_every_other_measure_gets_a_switch():
    switches = {c.lever for c in controls.all_controls() if c.widget == "switch"}
    assert switches == {lv.name for lv in levers.LEVERS}


def test_slider_values_pass_the_schema_and_log_slider_hits_the_doses():
    for c in controls.all_controls():
        if c.widget == "slider":
            for pos in range(0, c.positions + 1, max(1, c.positions // 10)):
                c.param.check(c.value_at(pos))  # raises if outside the declared range
    budget = next(c for c in controls.all_controls() if c.key.endswith("budget_yuan_per_year"))
    assert budget.log and budget.low == 0.0 and budget.high == 1e13
    for dose in (2e9, 1e10, 5e10):
        assert budget.value_at(budget.position_of(dose)) == dose
    assert budget.text(1e10) == "10 bn yuan/year"


def test_settings_of_a_lesson_are_the_scenario_values():
    sc = lessons.get("tou_flexible").load()
    s = controls.settings_of(sc)
    assert s["levers.time_of_use.enabled"] is True
    assert s["levers.time_of_use.spread_scale"] == 2.0
    assert set(s) == {c.key for c in controls.all_controls()}


# --- session -------------------------------------------------------------------------------------


def test_baseline_has_same_seed_and_firms_and_steps_together(stepped):
    base = stepped.baseline.model
    assert (base.seed, base.spec.params["run.firms"]) == (stepped.seed, stepped.spec.params["run.firms"])
    assert base.steps == stepped.steps >= 5
    assert (
        stepped.spec.params["levers.special_bonds.enabled"]
        and not base.spec.params["levers.special_bonds.enabled"]
    )
    # same seed, no lever before the first quarter: identical starting state
    assert np.array_equal(stepped.recorder.steps[0]["employment"], base.recorder.steps[0]["employment"])


def test_baseline_is_reused_only_for_the_same_seed_and_firms(stepped):
    again = DashboardModel(firms=FIRMS, seed=stepped.seed, baseline=stepped.baseline)
    assert again.baseline is stepped.baseline and again.steps == 0
    assert len(again.baseline_steps()) == 1  # reads the shared baseline only up to its own step
    other = DashboardModel(firms=FIRMS, seed=stepped.seed + 1, baseline=stepped.baseline)
    assert other.baseline is not stepped.baseline and other.baseline.seed == stepped.seed + 1


def test_bad_settings_are_refused_by_the_schema():
    with pytest.raises(ValueError):
        DashboardModel(firms=FIRMS, settings={"levers.time_of_use.spread_scale": 99.0})
    with pytest.raises(ValueError):
        DashboardModel(firms=5)  # below run.firms' declared low


# --- views ---------------------------------------------------------------------------------------


def test_map_plots_every_province_with_area_by_employment(stepped):
    fig = views.map_figure(stepped)
    assert isinstance(fig, Figure)
    dots = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection))
    emp = stepped.employment_by_province() * stepped.scale
    np.testing.assert_allclose(dots.get_offsets()[:, 0], stepped.world.columns["lon"])
    np.testing.assert_allclose(dots.get_sizes() / dots.get_sizes().max(), emp / emp.max(), rtol=1e-9)
    flows = views.latest_flows(stepped)
    moved = stepped.recorder.steps[-1]["relocated_employment_in"].sum()
    assert flows and sum(e for *_, e in views.latest_flows(stepped, top=999)) == pytest.approx(moved)
    arrows = [t for t in fig.axes[0].texts if t.arrow_patch is not None]
    assert len(arrows) == len(flows)


def test_inland_share_lines_equal_the_models(stepped):
    fig = views.inland_figure(stepped)
    lines = {ln.get_label(): ln.get_ydata() for ln in fig.axes[0].get_lines()}
    policy = lines[f"this run: {stepped.lesson.name}"]
    base = lines["baseline (same seed)"]
    assert len(policy) == len(base) == stepped.steps + 1
    assert policy[-1] == pytest.approx(100 * stepped.inland_employment_share())
    assert base[-1] == pytest.approx(100 * stepped.baseline.model.inland_employment_share())


def test_employment_bars_equal_the_models(stepped):
    fig = views.employment_figure(stepped)
    bars = [p for p in fig.axes[0].patches]
    table, base_total = views.employment_data(stepped)
    assert len(bars) == table.size
    widths = np.array([b.get_width() for b in bars]).reshape(table.shape)
    np.testing.assert_allclose(widths, table)
    assert widths.sum() == pytest.approx(stepped.employment_by_province().sum() * stepped.scale / 1e6)
    ticks = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection))
    np.testing.assert_allclose(ticks.get_offsets()[:, 0], base_total)


def test_advantage_bars_equal_the_recorded_advantage(stepped):
    fig = views.advantage_figure(stepped, "Henan")
    bars = fig.axes[0].patches
    r = stepped.world.index("Henan")
    np.testing.assert_allclose(
        [b.get_width() for b in bars[: len(CHANNELS)]], 100 * stepped.recorder.advantage[-1][0][r]
    )
    # one sector: its own decomposition; the levers' change is zero without levers
    adv, change = views.advantage_data(stepped, "Henan", "electronics")
    assert adv.shape == change.shape == (len(CHANNELS),)
    plain = DashboardModel(firms=FIRMS, seed=stepped.seed, baseline=stepped.baseline)
    plain.step()
    assert not np.any(views.advantage_data(plain, "Henan")[1])


# --- the page in-process ---------------------------------------------------------------------------


def _stat(rc, key: str) -> str:
    return rc.find(v.Html, attributes={"id": f"ptsim-{key}"}).widget.children[1].children[0]


@pytest.mark.slow  # renders the page repeatedly
def test_page_steps_restarts_on_a_lever_and_loads_a_lesson():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _stat(rc, "quarter").startswith("2024Q1 (step 1")
        tou = next(c for c in controls.all_controls() if c.key == "levers.time_of_use.enabled")
        rc.find(v.Switch, label=tou.label).widget.v_model = True
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")  # a lever restarts the run
        slider = rc.find(v.Slider, class_="ptsim-slider ptsim-levers-time_of_use-spread_scale").widget
        slider.fire_event("change", 100)  # the thumb released at the right end: the declared high, 5
        rc.find(
            v.Html, children=["Stretch of the spread (preset 'scale'): 5 x current spread"]
        ).assert_single()
        rc.find(v.Btn, children=["Step"]).widget.click()
        # the page shows what the same model computes in-process
        settings = controls.settings_of(lessons.get("free").load())
        settings.update({"levers.time_of_use.enabled": True, "levers.time_of_use.spread_scale": 5.0})
        expected = DashboardModel(settings=settings)
        expected.step()
        policy, base = expected.inland_shares()
        assert _stat(rc, "inland") == f"{100 * policy[-1]:.2f} %"
        assert _stat(rc, "gap") == f"{100 * (policy[-1] - base[-1]):+.2f} points" != "+0.00 points"
        lesson = lessons.get("matchmaking")
        rc.find(v.Select, label="Lesson").widget.v_model = lesson.title
        assert rc.find(v.Switch, label=tou.label).widget.v_model is False
        match = next(c for c in controls.all_controls() if c.key == "levers.matchmaking.enabled")
        assert rc.find(v.Switch, label=match.label).widget.v_model is True
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")
    finally:
        rc.close()


# --- command line --------------------------------------------------------------------------------


def test_ptsim_lessons_lists_every_lesson(capsys):
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    for lesson in lessons.LESSONS:
        assert lesson.name in out and lesson.title in out


def test_ptsim_dashboard_options_and_server_command():
    args = cli._parser().parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    args = cli._parser().parse_args(["dashboard", "--port", "9001", "--host", "0.0.0.0"])
    assert (args.host, args.port) == ("0.0.0.0", 9001)
    cmd = dash_cli.server_command("127.0.0.1", 9001)
    assert cmd[1:5] == ["-m", "solara", "run", "simulation.dashboard.app"]
    assert "--production" in cmd and cmd[cmd.index("--port") + 1] == "9001"
    assert dash_cli.server_env()["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert math.isfinite(app.PLAY_INTERVAL_MS)
