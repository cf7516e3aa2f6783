"""Time of one click on the dashboard's Step button at class size, in Python and through the page.

**Python side** (``--python``, default on): a click steps the policy run and its same-seed baseline,
then redraws the four views and encodes them as images, the way the page does it
(:mod:`simulation.dashboard.views`: the figures are kept, only the changing artists are redrawn).
``--rebuild`` measures the old way for comparison: four figures made from scratch each click.

**Through the page** (``--page``): starts the dashboard server (``ptsim dashboard``'s command line)
on a free port, opens it in headless Chromium (Debian's ``/usr/bin/chromium``, driven by
Playwright) at 1920x1080, clicks Step and waits until the quarter shown and all four images have
changed: the time a class waits for an answer. Prints medians and the worst click; the issue
asks for a Step under 0.3 s at 5,000 firms (the dashboard's default size).

    python benchmarks/bench_dashboard.py [--firms 5000] [--steps 12] [--lesson special_bonds_lag]
    python benchmarks/bench_dashboard.py --page [--no-python] [--steps 12]

Measured on a 2-core machine shared with other jobs (load average 5-9, so every number is a few
times what a quiet machine gives), medians at 5,000 firms, December 2026; "before" is the
dashboard before issue 17 (four figures made anew and PNG-encoded each click):

| Step click | before | now (views kept, changing artists redrawn, JPEG) |
|---|---|---|
| python side (both model steps + four figures encoded), load 5-6 | 0.79 s | 0.15 s |
| python side, load 7-8 | 1.42-1.56 s | 0.21-0.26 s |
| through the page, headless Chromium, load 3.8 | - | 0.235 s (worst 0.29 s) |
| through the page, load 5-6 | 1.07 s | 0.36-0.41 s |
| through the page, load 8-9 | 1.80 s | 0.38-0.52 s |

On the same machine at load 1.7 the python side took 0.085 s. The two model steps take
0.006-0.02 s; the rest of a page Step is Solara's widget update and the browser's decoding.
"""

from __future__ import annotations

import argparse
import io
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from simulation.dashboard import cli as dash_cli
from simulation.dashboard import controls, lessons, views
from simulation.dashboard.session import DashboardModel

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
FIGURES = ("map", "inland", "employment", "advantage")


def click(model: DashboardModel, figures: list[views.View], province: str) -> tuple[float, float]:
    """One Step click: (seconds stepping both runs, seconds drawing and encoding the views)."""
    t0 = time.perf_counter()
    model.step()
    t1 = time.perf_counter()
    for view in figures:
        choice = (province, views.ALL_SECTORS) if isinstance(view, views.AdvantageView) else ()
        view.image(model, *choice)
    return t1 - t0, time.perf_counter() - t1


def click_rebuild(model: DashboardModel, province: str) -> tuple[float, float]:
    """One Step click drawing four new figures (the dashboard before the views were kept)."""
    t0 = time.perf_counter()
    model.step()
    t1 = time.perf_counter()
    figs = [views.MapView(), views.InlandView(), views.EmploymentView(), views.AdvantageView()]
    for fig in figs[:3]:
        fig.figure(model).savefig(io.BytesIO(), format="png")
    figs[3].figure(model, province, views.ALL_SECTORS).savefig(io.BytesIO(), format="png")
    return t1 - t0, time.perf_counter() - t1


def python_side(args: argparse.Namespace) -> None:
    lesson = lessons.get(args.lesson)
    t = time.perf_counter()
    model = DashboardModel(lesson=lesson.name, settings=controls.settings_of(lesson.load()), firms=args.firms)
    build = time.perf_counter() - t
    figures = [views.MapView(), views.InlandView(), views.EmploymentView(), views.AdvantageView()]
    if args.rebuild:
        click_rebuild(model, lesson.province)  # warm-up: font cache, first draw
        times = [click_rebuild(model, lesson.province) for _ in range(args.steps)]
    else:
        click(model, figures, lesson.province)  # warm-up and the full draw of each view
        times = [click(model, figures, lesson.province) for _ in range(args.steps)]
    total = [a + b for a, b in times]
    how = "figures made anew each click" if args.rebuild else "views kept, changing artists redrawn"
    print(f"dashboard, {args.firms} firms, lesson {lesson.name}: build (run + baseline) {build:.2f} s")
    print(
        f"python side ({how}), per Step over {args.steps} steps: median {statistics.median(total):.3f} s "
        f"(model steps {statistics.median(a for a, _ in times):.3f} s, "
        f"drawing {statistics.median(b for _, b in times):.3f} s), worst {max(total):.3f} s"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_step_times(page, steps: int) -> list[float]:
    """Seconds from a Step click until the quarter and all four figures on ``page`` changed."""
    js_state = (
        "() => [document.querySelector('#ptsim-quarter b').innerText,"
        + ",".join(f"document.querySelector('.ptsim-fig-{f} img').src" for f in FIGURES)
        + "]"
    )
    js_changed = f"(old) => {{ const now = ({js_state})(); return now.every((v, i) => v !== old[i]); }}"
    button = page.get_by_role("button", name="Step")
    times = []
    for _ in range(steps):
        before = page.evaluate(js_state)
        t0 = time.perf_counter()
        button.click()
        page.wait_for_function(js_changed, arg=before, timeout=60_000, polling=10)
        times.append(time.perf_counter() - t0)
        page.wait_for_timeout(100)
    return times


def through_page(args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        dash_cli.server_command("127.0.0.1", port),
        env=dash_cli.server_env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"the dashboard server did not start on {url}") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(url, timeout=120_000)
            page.wait_for_selector(".ptsim-fig-advantage img", timeout=120_000)
            page_step_times(page, 1)  # warm-up: the first full draw of each view
            times = page_step_times(page, args.steps)
            browser.close()
    finally:
        dash_cli.stop(proc)
    print(
        f"through the page (headless Chromium 1920x1080, {args.steps} Steps, default lesson and "
        f"5000 firms): median {statistics.median(times):.3f} s, worst {max(times):.3f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=5000)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--lesson", default="special_bonds_lag", choices=list(lessons.BY_NAME))
    ap.add_argument("--rebuild", action="store_true", help="python side: make the figures anew each click")
    ap.add_argument("--page", action="store_true", help="also measure through the page in headless Chromium")
    ap.add_argument("--no-python", dest="python", action="store_false", help="skip the python-side timing")
    args = ap.parse_args()
    if args.python:
        python_side(args)
    if args.page:
        through_page(args)


if __name__ == "__main__":
    main()
