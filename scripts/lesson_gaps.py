"""Ten-seed inland-share gaps of the dashboard lessons (the ``gaps`` fixture of
tests/test_dashboard_lessons.py): per lesson the end gap to the baseline (points) with mean, sd,
se and positive seeds, the special bonds' first-year gap and the baseline's own drift. Run with
``nice -n 10 .venv/bin/python scripts/lesson_gaps.py`` (about 3 minutes)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_dashboard_lessons import YEAR, gaps  # noqa: E402


def main() -> None:
    data = gaps.__wrapped__()
    for name, g in data.items():
        end = g[:, -1]
        sd = end.std(ddof=1)
        print(
            f"{name:22s} end mean {end.mean():+.2f} sd {sd:.2f} se {sd / np.sqrt(len(end)):.2f} "
            f"positive {(end > 0).sum()}/{len(end)} year1 mean {g[:, YEAR].mean():+.2f}"
        )
        print("   ends:", " ".join(f"{x:+.2f}" for x in end))
    diff = data["links_interior_world"][:, -1] - data["links_coast_interior"][:, -1]
    print(f"interior_world - coast_interior: mean {diff.mean():+.2f} positive {(diff > 0).sum()}/10")
    print("   ", " ".join(f"{x:+.2f}" for x in diff))


if __name__ == "__main__":
    main()
