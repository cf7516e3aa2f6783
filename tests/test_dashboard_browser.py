"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

One server for the module, started as a user starts it (``ptsim dashboard --port P``): it must print
its address only once the page answers, and SIGTERM must leave nothing serving the port. The
end-to-end test moves a lever, steps the model and checks the page's numbers against the same model
run in-process, checks the map changed and that the page loaded nothing from outside the local
server. At 1920x1080 (a projector) the tests check that the map fits without scrolling and the
sidebar never covers it (also after a lesson with a long text), that the page shows it is busy
while a new run is prepared and applies the Steps clicked meanwhile, that the Chinese interface
has no English label left, and they report the Step time through the page (not asserted: it
depends on the machine's load). Screenshots go to ``$PTSIM_SCREENSHOTS`` when it is set. The
two-session test opens two browser contexts on the same server and checks their independence.

Chromium comes from Debian (``apt-get install -y chromium``; ``.ci/run`` installs it), not from
Playwright's download. If it is missing the tests fail and say so: they are never skipped.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulation.dashboard import cli as dash_cli
from simulation.dashboard import controls, i18n, lessons
from simulation.dashboard.session import DashboardModel

# slow lane: a real Solara server driven by chromium
pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("PTSIM_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parent.parent
LOAD_TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``ptsim dashboard`` on a free local port; its address is taken from what it prints."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation", "dashboard", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    url, seen = f"http://127.0.0.1:{port}/", []
    deadline = time.monotonic() + dash_cli.READY_TIMEOUT_S
    while not any("open http://" in line for line in seen):
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"ptsim dashboard did not print its address:\n{''.join(seen)[-3000:]}")
    assert _answers(url), "the address was printed before the server answered"
    yield url
    proc.send_signal(signal.SIGTERM)  # as a service manager or `kill` stops it
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("ptsim dashboard did not stop on SIGTERM")
    assert not _answers(url), "the Solara server is still serving after ptsim dashboard stopped"


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium (a fresh profile per launch)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package (`apt-get install -y chromium`, "
            "as root; `.ci/run` does it) or set PTSIM_CHROMIUM to its path"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _open(browser, url: str, requests: list[str] | None = None, width: int = 1920, height: int = 1080):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector("#ptsim-inland", timeout=LOAD_TIMEOUT_MS)
    return context, page


def _stat(page, key: str) -> str:
    return page.inner_text(f"#ptsim-{key} b")


def _step(page, times: int = 1) -> None:
    for _ in range(times):
        before = _stat(page, "quarter")
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(
            "(old) => document.querySelector('#ptsim-quarter b').innerText !== old",
            arg=before,
            timeout=30_000,
        )


def _keep(shot: Path, name: str) -> None:
    """Copy a screenshot to ``$PTSIM_SCREENSHOTS`` (if set) for a person to look at."""
    folder = os.environ.get("PTSIM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / name)


def _box(page, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``."""
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.locator(".v-menu__content:visible .v-list-item", has_text=option).first.click()


def _map_png(page) -> bytes:
    page.wait_for_timeout(300)  # the image follows the numbers in the same update
    return page.locator(".ptsim-fig-map img").screenshot()


def test_end_to_end_lever_step_numbers_map_offline(server, browser, tmp_path):
    requests: list[str] = []
    context, page = _open(browser, server, requests)
    try:
        assert _stat(page, "quarter").startswith("2023Q4 (step 0")
        map0 = _map_png(page)
        # move a lever: switch time-of-use on, then its spread slider to the right end (keyboard)
        tou = next(c for c in controls.all_controls() if c.key == "levers.time_of_use.enabled")
        page.get_by_text(tou.label, exact=True).click()
        spread = page.locator(".ptsim-levers-time_of_use-spread_scale [role=slider]")
        page.wait_for_function(
            "() => !document.querySelector('.ptsim-levers-time_of_use-spread_scale').classList"
            ".contains('v-input--is-disabled')"
        )
        spread.focus()
        spread.press("End")
        page.get_by_text("Stretch of the spread (preset 'scale'): 5 x current spread").wait_for(
            timeout=30_000
        )
        assert _stat(page, "quarter").startswith("2023Q4 (step 0")  # the lever restarted the run
        _step(page, 2)
        # the page's numbers are those of the same model, run here with the same settings
        settings = controls.settings_of(lessons.get("free").load())
        settings.update({"levers.time_of_use.enabled": True, "levers.time_of_use.spread_scale": 5.0})
        expected = DashboardModel(settings=settings)
        expected.step()
        expected.step()
        policy, base = expected.inland_shares()
        assert _stat(page, "quarter").startswith("2024Q2 (step 2")
        assert _stat(page, "inland") == f"{100 * policy[-1]:.2f} %"
        assert _stat(page, "baseline") == f"{100 * base[-1]:.2f} %"
        assert _stat(page, "gap") == f"{100 * (policy[-1] - base[-1]):+.2f} points" != "+0.00 points"
        assert _map_png(page) != map0  # the map moved
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=shot, full_page=True)
        assert shot.stat().st_size > 50_000
        _keep(shot, "dashboard_e2e_full_page.png")
    finally:
        context.close()
    # offline: every request went to the local server (front-end from solara-assets, no CDN)
    assert requests and all(u.startswith(server) or u.startswith(("data:", "blob:")) for u in requests), [
        u for u in requests if not u.startswith(server)
    ]
    assert any("/_solara/cdn/" in u for u in requests)


def test_two_sessions_have_independent_models(server, browser):
    ctx_a, a = _open(browser, server)
    ctx_b, b = _open(browser, server)
    try:
        start_b = (_stat(b, "quarter"), _stat(b, "inland"))
        _step(a, 3)
        assert _stat(a, "quarter").startswith("2024Q3 (step 3")
        b.wait_for_timeout(500)
        assert (_stat(b, "quarter"), _stat(b, "inland")) == start_b  # B did not move
        assert start_b[0].startswith("2023Q4 (step 0")
        _step(b)
        assert _stat(b, "quarter").startswith("2024Q1 (step 1")
        assert _stat(a, "quarter").startswith("2024Q3 (step 3")  # A did not move either
    finally:
        ctx_a.close()
        ctx_b.close()


def test_map_fits_a_projector_and_the_sidebar_never_covers_it(server, browser, tmp_path):
    context, page = _open(browser, server)
    try:
        for lesson in ("free", "maintenance_pilots"):  # the second has the longest texts
            if lesson != "free":
                _choose(page, "Lesson", lessons.get(lesson).title)
                page.wait_for_function(
                    "(t) => document.body.innerText.includes(t)", arg=lessons.get(lesson).watch[:40]
                )
                page.wait_for_timeout(500)
            side = _box(page, ".v-navigation-drawer")
            fig = _box(page, ".ptsim-fig-map img")
            assert side["x"] + side["width"] <= fig["x"] + 1, (lesson, side, fig)  # never over the map
            assert fig["y"] >= 0 and fig["y"] + fig["height"] <= 1080, fig  # all of it without scrolling
            assert fig["width"] >= 700  # about its drawn size: names stay legible
        page.wait_for_selector("#ptsim-busy", state="detached", timeout=120_000)
        _step(page, 8)  # two years in: arrows on the map, lines on the chart
        page.wait_for_timeout(500)
        shot = tmp_path / "map.png"
        page.screenshot(path=shot)
        _keep(shot, "dashboard_1920x1080_en.png")
    finally:
        context.close()


def test_busy_while_a_new_run_is_prepared_and_steps_clicked_meanwhile_apply(server, browser, tmp_path):
    context, page = _open(browser, server)
    try:
        _choose(page, "Firms", "20000")  # a new baseline run of 20,000 firms: several seconds
        page.wait_for_selector("#ptsim-busy", timeout=30_000)
        step = page.get_by_role("button", name="Step")
        step.click()
        step.click()
        page.wait_for_function(
            "() => { const b = document.querySelector('#ptsim-busy');"
            " return !b || b.innerText.includes('meanwhile: 2'); }"
        )
        if page.locator("#ptsim-busy").count():
            shot = tmp_path / "busy.png"
            page.screenshot(path=shot)
            _keep(shot, "dashboard_1920x1080_busy.png")
        page.wait_for_selector("#ptsim-busy", state="detached", timeout=120_000)
        page.wait_for_function(
            "() => document.querySelector('#ptsim-quarter b').innerText.startsWith('2024Q2 (step 2')",
            timeout=60_000,
        )
    finally:
        context.close()


ENGLISH_WORD = re.compile(r"[A-Za-z_]{3,}")
PROPER = {"ptsim", "martin", "rogers", "faber", "build_lag_quarters", "load_flexibility", "english"}
PROPER |= {w for pkg in i18n.CJK_PACKAGES for w in pkg.split("-")}  # the no-CJK-font note names them


def test_chinese_interface_in_the_browser(server, browser, tmp_path):
    context, page = _open(browser, server)
    try:
        page.get_by_role("button", name="中文").click()
        page.wait_for_function("() => document.querySelector('#ptsim-quarter').innerText.startsWith('季度')")
        page.wait_for_timeout(1500)  # the figures follow in the same update
        _choose(page, "课程", lessons.get("matchmaking").title_zh)
        page.wait_for_selector("#ptsim-busy", state="detached", timeout=120_000)
        for _ in range(8):
            before = page.inner_text("#ptsim-quarter b")
            page.get_by_role("button", name="前进一季").click()
            page.wait_for_function(
                "(old) => document.querySelector('#ptsim-quarter b').innerText !== old",
                arg=before,
                timeout=30_000,
            )
        page.wait_for_timeout(500)
        words = {w.lower() for w in ENGLISH_WORD.findall(page.inner_text("body"))} - PROPER
        assert words == set(), words
        shot = tmp_path / "zh.png"
        page.screenshot(path=shot)
        _keep(shot, "dashboard_1920x1080_zh.png")
        page.get_by_role("button", name="English").click()
        page.wait_for_function(
            "() => document.querySelector('#ptsim-quarter').innerText.startsWith('Quarter')"
        )
    finally:
        context.close()


FIGURES = ("map", "inland", "employment", "advantage")


def test_step_time_through_the_page_is_reported(server, browser, capsys):
    """Seconds from a Step click until the quarter and all four figures changed, at 5,000 firms."""
    context, page = _open(browser, server)
    state = (
        "() => [document.querySelector('#ptsim-quarter b').innerText,"
        + ",".join(f"document.querySelector('.ptsim-fig-{f} img').src" for f in FIGURES)
        + "]"
    )
    changed = f"(old) => {{ const now = ({state})(); return now.every((v, i) => v !== old[i]); }}"
    try:
        times = []
        for _ in range(11):
            before = page.evaluate(state)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Step").click()
            page.wait_for_function(changed, arg=before, timeout=60_000, polling=10)
            times.append(time.perf_counter() - t0)
            page.wait_for_timeout(100)
        assert page.inner_text("#ptsim-quarter b").startswith("2026Q3 (step 11")
    finally:
        context.close()
    load = os.getloadavg()[0]
    with capsys.disabled():
        print(
            f"\nStep through the page (5,000 firms, 1920x1080): median {statistics.median(times[1:]):.3f} s, "
            f"worst {max(times[1:]):.3f} s over 10 Steps (first {times[0]:.3f} s), load average {load:.1f}"
        )
