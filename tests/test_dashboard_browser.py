"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

One server (``ptsim dashboard``'s command line) for the module. The end-to-end test moves a lever,
steps the model and checks the page's numbers against the same model run in-process, checks the map
changed, saves a screenshot and checks that the page loaded nothing from outside the local server.
The two-session test opens two browser contexts on the same server and checks their independence.

Chromium comes from Debian (``apt-get install -y chromium``; ``.ci/run`` installs it), not from
Playwright's download. If it is missing the tests fail and say so: they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulation.dashboard import cli as dash_cli
from simulation.dashboard import controls, lessons
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


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The dashboard served on a free local port, as ``ptsim dashboard`` starts it."""
    port = _free_port()
    proc = subprocess.Popen(
        dash_cli.server_command("127.0.0.1", port),
        env=dash_cli.server_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"the dashboard server did not start on {url}:\n{out[-3000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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


def _open(browser, url: str, requests: list[str] | None = None):
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
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
        results = REPO / "results"
        if results.is_dir():
            shutil.copy(shot, results / "dashboard_e2e.png")
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
