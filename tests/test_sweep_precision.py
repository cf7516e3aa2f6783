"""Monte-Carlo precision of effects: standard error and the seeds a stated precision needs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.sweep import effects


def test_seeds_needed_is_the_smallest_n_whose_t_interval_meets_the_precision():
    for sd, h in ((0.006, 0.001), (0.02, 0.001), (5.0, 0.7)):
        n = int(effects.seeds_needed(sd, h))
        assert _half(n, sd) <= h
        assert n == 2 or _half(n - 1, sd) > h  # the smallest
    assert effects.seeds_needed(0.0, 0.001) == 2
    assert math.isnan(effects.seeds_needed(math.nan, 0.001))
    assert math.isnan(effects.seeds_needed(0.1, math.nan))


def _half(n: int, sd: float) -> float:
    return stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)


def test_precision_is_a_tenth_of_a_point_for_shares_else_a_tenth_of_the_effect():
    assert effects.precision_for("inland_employment_share_end", 0.3) == 0.001
    assert effects.precision_for("relocations_total", -250.0) == 25.0
    assert math.isnan(effects.precision_for("relocations_total", 0.0))


def test_paired_effects_report_their_standard_error_and_seeds_needed():
    rng = np.random.default_rng(0)
    base = rng.normal(0.30, 0.01, 8)
    d = rng.normal(0.004, 0.003, 8)
    rows = [("baseline", 0, i, i, "ok", b) for i, b in enumerate(base)]
    rows += [("lever", 0, i, i, "ok", b + x) for i, (b, x) in enumerate(zip(base, d, strict=True))]
    table = pd.DataFrame(rows, columns=["scenario", "point", "seed_index", "seed", "status", "x_share"])
    eff = effects.paired_effects(table, "baseline", ["x_share"])
    row = eff.iloc[0]
    assert row["diff_se"] == pytest.approx(d.std(ddof=1) / math.sqrt(8))
    assert row["precision"] == 0.001
    assert row["seeds_needed"] == effects.seeds_needed(d.std(ddof=1), 0.001)
    text = effects.format_effects(eff)
    assert "MC s.e." in text and "seeds for ±h" in text and f"{row['seeds_needed']:,.0f}" in text
