"""Moments of the 2011-2021 replay: observed ones from the historical panel, simulated ones from a run.

A moment is one number the data report and the model can produce over the same months of the same
year, in the same units:

- ``group_share``: a region group's share of national processing exports or trade, % (the
  milestones: central + western 6.31% of trade 2011, 27% of exports 2021 H1, ...);
- ``province_share``: a province's share of the national flow, %: the reported value over the
  national full-year value of the same flow times months/12 (no national figure for the same months
  exists; the seasonality this ignores is in the moment's sd, below);
- ``national_index``: the national flow of a year as an index, 2011 = 100 (yuan);
- ``relocation_rate``: plants moving to another province in the months, % of plants a year (no
  documented rate of processing plants was found, so the panel has none; parameter recovery
  uses it).

The model simulates processing exports only. A share or index reported for trade (imports +
exports) is compared with the model's exports, assuming the export share of processing trade is
the same across provinces and years (ASSUMPTION; its error goes into the sd).

Moment standard deviations (ASSUMPTION, the data's confidence as a relative error, combined in
quadrature): ``REL_SD`` by grade (A 3%, B 7.5%, C 15%), plus ``PARTIAL_YEAR_SD`` (10%) for a part
of a year, plus ``TRADE_VS_EXPORTS_SD`` (5%) for trade compared with the model's exports, with a
floor of ``SHARE_FLOOR`` percentage points (shares) or ``INDEX_FLOOR`` index points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.geography import INLAND_REGIONS

REL_SD = {"A": 0.03, "B": 0.075, "C": 0.15}
PARTIAL_YEAR_SD = 0.10
TRADE_VS_EXPORTS_SD = 0.05
SHARE_FLOOR = 0.05  # percentage points
INDEX_FLOOR = 1.0  # index points (2011 = 100)
BASE_YEAR = 2011
#: region groups of the milestones: NBS regions of the model
GROUPS: dict[str, tuple[str, ...]] = {
    "central+western": ("central", "west"),
    "inland": INLAND_REGIONS,
    "east": ("east",),
}
MOMENT_COLUMNS = ("name", "kind", "where", "year", "months", "flow", "observed", "sd", "confidence", "source")


@dataclass(frozen=True)
class Layout:
    """Where the model's numbers live: the province names and their regions, in the run's order."""

    provinces: tuple[str, ...]
    regions: tuple[str, ...]


def _sd(value: float, confidence: str, months: int, flow: str, floor: float) -> float:
    rel2 = REL_SD[confidence] ** 2
    if months < 12:
        rel2 += PARTIAL_YEAR_SD**2
    if flow != "exports":
        rel2 += TRADE_VS_EXPORTS_SD**2
    return max(abs(value) * math.sqrt(rel2), floor)


def _row(
    kind: str, where: str, year: int, months: int, flow: str, value: float, sd: float, conf: str, src: str
):
    slug = where.replace(" ", "_").replace("+", "_")
    name = f"{kind}:{slug}:{flow}:{year}" + ("" if months == 12 else f"m{months}")
    return (name, kind, where, int(year), int(months), flow, float(value), float(sd), conf, src)


def observed_moments(panel: pd.DataFrame, national: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """The observed moments (columns ``MOMENT_COLUMNS``) from the three history tables.

    ``panel``, ``national`` and ``milestones`` have the columns of ``panel_provinces.csv``,
    ``national_by_year.csv`` and ``milestones.csv`` (simulation/data/history/README.md). A cell
    without a national full-year value of the same flow and year is left out (no share can be
    formed); duplicates of one moment keep the row of the best confidence.
    """
    rows = []
    nat = {(int(r.year), r.flow): (float(r.value_100m_yuan), r.confidence) for r in national.itertuples()}
    for r in milestones.itertuples():
        if r.group not in GROUPS:
            continue
        sd = _sd(r.share_pct, r.confidence, r.months, r.flow, SHARE_FLOOR)
        rows.append(
            _row(
                "group_share", r.group, r.year, r.months, r.flow, r.share_pct, sd, r.confidence, r.source_url
            )
        )
    for r in panel.itertuples():
        key = (int(r.year), r.flow)
        if key not in nat or r.months < 1:
            continue
        total, conf_total = nat[key]
        share = 100.0 * float(r.value_100m_yuan) / (total * r.months / 12.0)
        conf = max(r.confidence, conf_total)  # 'C' > 'B' > 'A': the weaker of the two
        sd = _sd(share, conf, r.months, r.flow, SHARE_FLOOR)
        rows.append(
            _row("province_share", r.province, r.year, r.months, r.flow, share, sd, conf, r.source_url)
        )
    for (year, flow), (value, conf) in sorted(nat.items()):
        base = nat.get((BASE_YEAR, flow))
        if year <= BASE_YEAR or base is None:
            continue
        index = 100.0 * value / base[0]
        rel = math.hypot(REL_SD[conf], REL_SD[base[1]])
        sd = max(index * math.hypot(rel, TRADE_VS_EXPORTS_SD if flow != "exports" else 0.0), INDEX_FLOOR)
        rows.append(
            _row("national_index", "China", year, 12, flow, index, sd, max(conf, base[1]), "national")
        )
    out = pd.DataFrame(rows, columns=list(MOMENT_COLUMNS))
    order = out["confidence"].map({"A": 0, "B": 1, "C": 2})
    out = out.assign(_o=order).sort_values(["name", "_o"]).drop_duplicates("name").drop(columns="_o")
    return out.sort_values(["kind", "where", "year", "months", "flow"]).reset_index(drop=True)


def exports_by_quarter(ts: pd.DataFrame, column: str = "exports_yuan") -> tuple[pd.DataFrame, Layout]:
    """Processing exports (or another ``column``) by quarter x province (summed over sectors) from a
    run's timeseries table, without the initial state (step 0), and the province layout."""
    live = ts[ts["step"] > 0]
    wide = live.pivot_table(index="quarter", columns="province", values=column, aggfunc="sum", sort=False)
    regions = live.drop_duplicates("province").set_index("province")["region"]
    names = tuple(str(p) for p in wide.columns)
    return wide, Layout(names, tuple(str(regions[p]) for p in names))


def _weights(quarters: pd.Index, year: int, months: int) -> np.ndarray:
    """Weight of each simulated quarter in the first ``months`` months of ``year`` (a quarter
    partly inside counts by its share of months)."""
    yr = np.array([int(q[:4]) for q in quarters])
    qn = np.array([int(q[-1]) for q in quarters])
    inside = np.clip(months - 3 * (qn - 1), 0, 3) / 3.0
    return np.where(yr == year, inside, 0.0)


def simulated_moments(ts: pd.DataFrame, moments: pd.DataFrame) -> np.ndarray:
    """The model's value of each moment (rows of ``moments``) from one run's timeseries; NaN where
    the run does not cover the moment's months."""
    wide, layout = exports_by_quarter(ts)
    x = wide.to_numpy(dtype=float)  # quarters x provinces
    regions = np.array(layout.regions)
    col = {p: i for i, p in enumerate(layout.provinces)}
    cache: dict[tuple[int, int], np.ndarray] = {}

    def period(year: int, months: int) -> np.ndarray:
        if (year, months) not in cache:
            w = _weights(wide.index, year, months)
            cache[year, months] = w @ x if w.sum() >= months / 3.0 - 1e-9 else np.full(x.shape[1], np.nan)
        return cache[year, months]

    moves = firms = None
    if (moments["kind"] == "relocation_rate").any():
        moves = exports_by_quarter(ts, "relocations_out")[0].sum(axis=1).to_numpy(dtype=float)
        firms = exports_by_quarter(ts, "firms")[0].sum(axis=1).to_numpy(dtype=float)
    out = np.full(len(moments), np.nan)
    for i, m in enumerate(moments.itertuples()):
        v = period(m.year, m.months)
        if m.kind == "group_share":
            out[i] = 100.0 * v[np.isin(regions, GROUPS[m.where])].sum() / v.sum()
        elif m.kind == "province_share":
            out[i] = 100.0 * v[col[m.where]] / v.sum() if m.where in col else np.nan
        elif m.kind == "national_index":
            out[i] = 100.0 * v.sum() / period(BASE_YEAR, 12).sum()
        elif m.kind == "relocation_rate" and np.isfinite(v).all():
            w = _weights(wide.index, m.year, m.months)
            out[i] = 100.0 * (w @ moves) / (w @ firms / w.sum()) * 12.0 / m.months
    return out


def load_observed() -> pd.DataFrame:
    """The observed moments of the shipped panel (``simulation/data/history/``)."""
    from simulation import history

    return observed_moments(history.panel(), history.national(), history.milestones())
