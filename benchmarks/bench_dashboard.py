"""Python-side time of one click on the dashboard's Step button at class size.

A click steps the policy run and its same-seed baseline, then redraws the four views and encodes
them as PNG (what ``solara.FigureMatplotlib`` sends to the browser). Prints the median and worst
time over the steps; the issue asks for well under a second at 5,000 firms.

    python benchmarks/bench_dashboard.py [--firms 5000] [--steps 12] [--lesson special_bonds_lag]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from simulation.dashboard import controls, lessons, views
from simulation.dashboard.session import DashboardModel


def click(model: DashboardModel, province: str) -> tuple[float, float]:
    """One Step click: (seconds stepping both runs, seconds drawing and encoding the views)."""
    t0 = time.perf_counter()
    model.step()
    t1 = time.perf_counter()
    figures = (
        views.map_figure(model),
        views.inland_figure(model),
        views.employment_figure(model),
        views.advantage_figure(model, province),
    )
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")
    return t1 - t0, time.perf_counter() - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=5000)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--lesson", default="special_bonds_lag", choices=list(lessons.BY_NAME))
    args = ap.parse_args()
    lesson = lessons.get(args.lesson)
    t = time.perf_counter()
    model = DashboardModel(lesson=lesson.name, settings=controls.settings_of(lesson.load()), firms=args.firms)
    build = time.perf_counter() - t
    click(model, lesson.province)  # warm-up: font cache, first draw
    times = [click(model, lesson.province) for _ in range(args.steps)]
    total = [a + b for a, b in times]
    print(f"dashboard, {args.firms} firms, lesson {lesson.name}: build (run + baseline) {build:.2f} s")
    print(
        f"per Step click over {args.steps} steps: median {statistics.median(total):.3f} s "
        f"(model steps {statistics.median(a for a, _ in times):.3f} s, "
        f"drawing {statistics.median(b for _, b in times):.3f} s), worst {max(total):.3f} s"
    )


if __name__ == "__main__":
    main()
