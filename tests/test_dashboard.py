"""The classroom dashboard without a browser: controls from the lever registry, the per-session
model, the views (plotted numbers equal the model's), the page rendered in-process, the CLI."""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pytest
import solara
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.text import Text

from simulation import cli, levers
from simulation.dashboard import app, controls, i18n, lessons, views
from simulation.dashboard import cli as dash_cli
from simulation.dashboard.session import DashboardModel, RunSlot
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


def _texts(fig: Figure) -> list:
    """Every visible, non-empty text of a figure (titles, labels, ticks, legends, annotations)."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture
def tiles(monkeypatch):
    """The tile-grid map, whether or not the outline map's extra is installed."""
    monkeypatch.setattr(views, "_outline_module", lambda: None)


def test_map_plots_every_province_with_area_by_employment(stepped, tiles):
    fig = views.map_figure(stepped)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    dots = next(c for c in ax.collections if isinstance(c, PathCollection))
    emp = stepped.employment_by_province() * stepped.scale
    assert len(dots.get_offsets()) == stepped.world.n
    np.testing.assert_allclose(dots.get_sizes() / dots.get_sizes().max(), emp / emp.max(), rtol=1e-9)
    flows = views.latest_flows(stepped)
    moved = stepped.recorder.steps[-1]["relocated_employment_in"].sum()
    assert flows and sum(e for *_, e in views.latest_flows(stepped, top=999)) == pytest.approx(moved)
    arrows = [a for a in ax.get_children() if isinstance(a, FancyArrowPatch)]
    assert len(arrows) == len(flows)
    # every province is labelled with its name and its employment (thousand persons)
    texts = {t.get_text().replace("\n", " ") for t in _texts(fig)}
    assert {str(n) for n in stepped.world.names} <= texts
    assert {f"{e / 1e3:,.0f}" for e in emp} <= texts


def _boxes(fig: Figure, artists) -> list:
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_map_names_do_not_overlap_and_legends_stay_off_the_provinces(stepped, lang, tiles):
    fig = views.map_figure(stepped, lang=lang)
    fig.canvas.draw()
    ax = fig.axes[0]
    tiles = _boxes(fig, [p for p in ax.patches if isinstance(p, Rectangle)])
    assert len(tiles) == stepped.world.n
    names = [t for t in ax.texts if t.get_fontweight() == "bold"]
    assert len(names) == stepped.world.n
    name_boxes = _boxes(fig, names)
    for i, a in enumerate(name_boxes):
        assert not any(a.overlaps(b) for b in name_boxes[i + 1 :]), names[i].get_text()
        assert any(
            tile.contains(a.x0 + 1, a.y0 + 1) and tile.contains(a.x1 - 1, a.y1 - 1) for tile in tiles
        ), (
            names[i].get_text()  # each name inside its tile
        )
    legends = [c for c in ax.get_children() if isinstance(c, Legend)]
    assert len(legends) == 2
    canvas = fig.bbox
    for legend in legends:
        box = legend.get_window_extent(fig.canvas.get_renderer())
        assert not any(box.overlaps(tile) for tile in tiles)  # Xinjiang included
        assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1 and canvas.y0 <= box.y0 and box.y1 <= canvas.y1


def test_outline_map_when_its_extra_is_installed_else_the_tile_grid(stepped):
    view = views.MapView()
    fig = view.figure(stepped)
    fig.canvas.draw()
    ax = fig.axes[0]
    rectangles = [p for p in ax.patches if isinstance(p, Rectangle)]
    if views._outline_module() is None:
        assert view.base["legends"] == "corners" and len(rectangles) == stepped.world.n
        return
    names = view.base["names"]  # the outline map's labels: on top of circles and arrows
    assert len(names) == stepped.world.n and view.overdraw == names
    boxes = _boxes(fig, names)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    axes_box = ax.get_window_extent(fig.canvas.get_renderer())
    for legend in (c for c in ax.get_children() if isinstance(c, Legend)):
        assert legend.get_window_extent(fig.canvas.get_renderer()).y1 <= axes_box.y0 + 1  # below the map


def test_a_step_redraws_only_the_changing_artists_and_matches_a_fresh_drawing(stepped):
    """The kept view, stepped, shows the same pixels as a view drawn from scratch."""
    settings = controls.settings_of(lessons.get("matchmaking").load())
    model = DashboardModel(
        lesson="matchmaking", settings=settings, firms=FIRMS, seed=stepped.seed, baseline=stepped.baseline
    )
    kept = {"map": views.MapView(), "inland": views.InlandView()}
    first = {k: v.image(model) for k, v in kept.items()}
    for _ in range(3):
        model.step()
    for name, view in kept.items():
        again = view.image(model)
        assert view.full_draws == 1 and again != first[name]  # blitted, and it changed
        kept_pixels = np.asarray(view.fig.canvas.buffer_rgba()).copy()
        fresh = type(view)()
        fresh.image(model)
        np.testing.assert_array_equal(kept_pixels, np.asarray(fresh.fig.canvas.buffer_rgba()), err_msg=name)
    restarted = DashboardModel(firms=FIRMS, seed=stepped.seed, baseline=stepped.baseline)
    kept["inland"].image(restarted)
    assert kept["inland"].full_draws == 2  # a new run: everything drawn anew (its legend changed)


def test_inland_share_lines_equal_the_models_on_a_fixed_scale(stepped):
    fig = views.inland_figure(stepped)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    policy = lines["this run: Special-bond support for relocation carriers"]  # the lever switched on
    base = lines["baseline (same seed)"]
    assert len(policy) == len(base) == stepped.steps + 1
    assert policy[-1] == pytest.approx(100 * stepped.inland_employment_share())
    assert base[-1] == pytest.approx(100 * stepped.baseline.model.inland_employment_share())
    low, high = ax.get_ylim()
    assert high - low >= views.INLAND_BELOW + views.INLAND_ABOVE  # not autoscaled to the lines
    assert (low, high) == views.inland_limits(stepped.recorder.steps and policy[0] / 100)
    assert [t.get_text() for t in ax.get_legend().get_texts()][1].startswith("this run: Special-bond")
    plain = DashboardModel(firms=FIRMS, seed=stepped.seed, baseline=stepped.baseline)
    legend = views.inland_figure(plain).axes[0].get_legend()
    assert legend.get_texts()[1].get_text() == "this run: no lever on"


def test_employment_bars_take_the_palettes_sector_colours(stepped):
    from simulation.plots.palette import sector_colour

    fig = views.employment_figure(stepped)
    faces = [to_hex(b.get_facecolor()).upper() for b in fig.axes[0].patches]
    names = [str(n) for n in stepped.sectors.names]
    expected = [sector_colour(n, i).upper() for i, n in enumerate(names) for _ in range(4)]
    assert faces == expected  # one colour per sector, each bar of a sector in it (4 regions)


def test_sector_colours_differ_from_region_colours():
    from simulation.plots.palette import REGION_COLOURS, SECTOR_COLOURS

    assert not set(SECTOR_COLOURS.values()) & set(REGION_COLOURS.values())


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


ENGLISH_WORD = re.compile(r"[A-Za-z_]{3,}")
#: Words allowed in the Chinese interface: proper names (the program, cited authors) and the
#: parameter names a lesson asks to move (they are the scenario file's keys).
PROPER = {"ptsim", "Martin", "Rogers", "Faber", "build_lag_quarters", "load_flexibility"}
PROPER |= {w for pkg in i18n.CJK_PACKAGES for w in pkg.split("-")}  # packages the no-font note names


def test_chinese_figures_have_no_english_words_or_fall_back_to_english(stepped):
    """With a CJK font every label of every figure is Chinese (numbers, quarters like 2024Q1 and
    units like % aside); without one the figures stay English and the page says why."""
    figures = [
        views.map_figure(stepped, lang="zh"),
        views.inland_figure(stepped, lang="zh"),
        views.employment_figure(stepped, lang="zh"),
        views.advantage_figure(stepped, "Henan", "electronics", lang="zh"),
    ]
    words = [w for fig in figures for t in _texts(fig) for w in ENGLISH_WORD.findall(t.get_text())]
    if i18n.cjk_font() is None:
        assert i18n.figure_lang("zh") == "en" and "Inland" in words
    else:
        assert i18n.figure_lang("zh") == "zh"
        assert words == []


# --- the page in-process ---------------------------------------------------------------------------


def _stat(rc, key: str) -> str:
    return rc.find(v.Html, attributes={"id": f"ptsim-{key}"}).widget.children[1].children[0]


def _busy(rc) -> bool:
    return bool(rc.find(v.Html, attributes={"id": "ptsim-busy"}))


def _settle(rc, timeout: float = 60.0) -> None:
    """Wait until the run being prepared in the background is ready."""
    deadline = time.monotonic() + timeout
    while _busy(rc):
        assert time.monotonic() < deadline, "the new run was not ready in time"
        time.sleep(0.05)
    time.sleep(0.5)  # the background thread's last render may still be running


@pytest.mark.slow  # renders the page repeatedly
def test_page_steps_restarts_on_a_lever_and_loads_a_lesson():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _stat(rc, "quarter").startswith("2024Q1 (step 1")
        tou = next(c for c in controls.all_controls() if c.key == "levers.time_of_use.enabled")
        rc.find(v.Switch, label=tou.label).widget.v_model = True
        _settle(rc)
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")  # a lever restarts the run
        slider = rc.find(v.Slider, class_="ptsim-slider ptsim-levers-time_of_use-spread_scale").widget
        slider.fire_event("change", 100)  # the thumb released at the right end: the declared high, 5
        rc.find(
            v.Html, children=["Stretch of the spread (preset 'scale'): 5 x current spread"]
        ).assert_single()
        _settle(rc)
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
        _settle(rc)
        assert _stat(rc, "quarter").startswith("2023Q4 (step 0")
    finally:
        rc.close()


@pytest.mark.slow  # renders the page and plays for a few seconds
def test_play_advances_quarters_and_pause_stops_them():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        rc.find(v.Btn, children=["▶"]).widget.click()
        deadline = time.monotonic() + 60
        while not _stat(rc, "quarter").startswith("2024Q2"):  # two quarters played
            assert time.monotonic() < deadline, _stat(rc, "quarter")
            time.sleep(0.1)
        rc.find(v.Btn, children=["❚❚"]).widget.click()
        time.sleep(2 * app.PLAY_INTERVAL_MS / 1000 + 1.0)  # a quarter under way may still finish
        paused = _stat(rc, "quarter")
        time.sleep(4 * app.PLAY_INTERVAL_MS / 1000)
        assert _stat(rc, "quarter") == paused
    finally:
        rc.close()


@pytest.mark.slow  # renders the page
def test_a_step_clicked_while_a_lesson_loads_is_queued_not_lost(monkeypatch):
    built = []
    plain_init = DashboardModel.__init__

    def slow_init(self, **kwargs):  # a lesson switch on a busy machine: the new run takes a while
        plain_init(self, **kwargs)
        if built:
            time.sleep(1.0)
        built.append(self)

    monkeypatch.setattr(DashboardModel, "__init__", slow_init)
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        rc.find(v.Select, label="Lesson").widget.v_model = lessons.get("matchmaking").title
        assert _busy(rc)  # the page says it is preparing the run
        step = rc.find(v.Btn, children=["Step"]).widget
        assert not step.disabled  # a Step can be clicked while the run is prepared
        step.click()
        step.click()
        assert not rc.find(v.Btn, children=["Step"]).widget.disabled
        note = rc.find(v.Html, attributes={"id": "ptsim-busy"}).widget.children[0]
        assert "Steps clicked meanwhile: 2" in note
        _settle(rc)
        assert _stat(rc, "quarter").startswith("2024Q2 (step 2")  # both clicks applied to the new run
        assert built[-1].lesson.name == "matchmaking" and built[-1].steps == 2
    finally:
        rc.close()


def _ui_strings(root) -> list[str]:
    """Every text a viewer reads on the page below widget ``root``: labels, button texts,
    choices, HTML text (tags, CSS and the figures' pixels aside)."""
    from ipywidgets import Widget

    out, todo, seen = [], [root], set()
    while todo:
        w = todo.pop()
        if id(w) in seen or getattr(w, "tag", None) == "style":
            continue
        seen.add(id(w))
        for attr in ("label", "children", "items", "hint", "placeholder", "v_slots", "template"):
            value = getattr(w, attr, None)
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, dict):
                    item = item.get("children")
                if isinstance(item, Widget):
                    todo.append(item)
                elif isinstance(item, str) and item.strip():
                    # markdown arrives as a Vue template: its HTML, minus scripts, styles, bindings
                    text = re.sub(
                        r"<script.*?</script>|<style.*?</style>|\{\{.*?\}\}|<[^>]+>", " ", item, flags=re.S
                    )
                    out.append(text)
    return out


@pytest.mark.slow  # renders the page
@pytest.mark.parametrize("fonts", ["as installed", "none"])
def test_chinese_interface_labels_every_control(fonts, monkeypatch):
    if fonts == "none":  # a server without a CJK font: the page stays Chinese, says why the figures are not
        monkeypatch.setattr(i18n, "cjk_font", lambda: None)
    font = i18n.cjk_font() is not None
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        rc.find(v.Btn, children=["中文"]).widget.click()
        assert _stat(rc, "quarter").startswith("2023Q4（第 0 步")
        labels = _ui_strings(box)
        english = [s for s in labels if set(ENGLISH_WORD.findall(s)) - PROPER and s != "English"]
        assert len(labels) > 60 and english == [], english
        assert any(lessons.get("free").watch_zh[:12] in s for s in labels)  # the lesson text is read too
        assert any(i18n.NO_CJK_NOTE in s for s in labels) is not font
        rc.find(v.Select, label="课程").widget.v_model = lessons.get("matchmaking").title_zh
        _settle(rc)
        assert rc.find(v.Switch, label="(5) 完善加工贸易梯度转移对接合作机制").widget.v_model is True
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


FAKE_SERVER = """
import http.server, os, pathlib, sys, time
pathlib.Path(sys.argv[2]).write_text(str(os.getpid()))
time.sleep(float(sys.argv[3]))  # a slow start, like Solara's first import
if sys.argv[4] == "fail":
    sys.exit(3)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def _serve_with_fake_server(tmp_path, port: int, mode: str = "ok") -> tuple[subprocess.Popen, Path]:
    """``ptsim dashboard``'s serve() in its own process, with a stand-in for Solara that takes
    1.5 s to listen (or exits, ``mode="fail"``)."""
    fake, pidfile = tmp_path / "fake_server.py", tmp_path / "server.pid"
    fake.write_text(FAKE_SERVER)
    command = f"[sys.executable, {str(fake)!r}, str(p), {str(pidfile)!r}, '1.5', {mode!r}]"
    code = (
        "import sys; from simulation.dashboard import cli; "
        f"cli.server_command = lambda h, p: {command}; sys.exit(cli.serve('127.0.0.1', {port}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return proc, pidfile


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dashboard_prints_the_address_only_once_it_answers_and_sigterm_stops_the_server(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc, pidfile = _serve_with_fake_server(tmp_path, port)
    try:
        first = proc.stdout.readline()
        assert "starting" in first and "open" not in first
        line = proc.stdout.readline()  # blocks until serve() prints the address
        assert line.startswith(f"ptsim dashboard: open http://127.0.0.1:{port}")
        assert _answers(url)  # it answers at the moment the address is printed
        child = int(pidfile.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not _answers(url)  # nothing is left serving the port
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)
    finally:
        proc.kill()


def test_dashboard_says_when_the_server_exits_before_answering(tmp_path):
    proc, _ = _serve_with_fake_server(tmp_path, _free_port(), mode="fail")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "open http" not in out
    assert "the server exited with code 3" in err


def test_run_slot_hands_steps_counted_meanwhile_to_the_new_run():
    old = DashboardModel(firms=FIRMS)
    slot = RunSlot(old)
    assert slot.step() and old.steps == 1  # no run being prepared: steps the current one
    slot.begin(1)
    assert not slot.step() and not slot.step() and slot.pending == 2 and old.steps == 1
    slot.begin(2)  # a newer request: the first one may not finish
    new = DashboardModel(firms=FIRMS, baseline=old.baseline)
    assert not slot.finish(1, new) and slot.busy
    assert slot.finish(2, new) and slot.model is new and new.steps == 2 and not slot.busy
    slot.begin(3)
    slot.step()
    assert slot.finish(3, None) and slot.model is new and new.steps == 3  # failed: steps the current run
