"""Print the replay table of one or more results folders of scenarios/history/backcast_2011.toml.

For each calendar year the central + western share (the model's NBS regions ``central`` and ``west``;
not "inland", which adds the north-east) of processing employment and of exports (``exports_yuan``),
averaged over the year's quarters, beside the documented shares of simulation/data/history/
processing_trade.csv; then the shares by sector in one year (``--sector-year``, default the last full
year). Several folders (one per seed) give the mean ± standard deviation over them::

    .venv/bin/python scripts/replay_report.py /tmp/backcast_s1 /tmp/backcast_s2 ...

Output is Markdown. Step 0 (the set-up, the quarter before the start) is shown as ``start``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CENTRAL_WEST = ("central", "west")
INLAND = ("central", "west", "northeast")
FACTS = Path(__file__).resolve().parents[1] / "simulation" / "data" / "history" / "processing_trade.csv"


def load(folder: Path) -> pd.DataFrame:
    """The timeseries of one results folder, with a ``period`` label: ``start`` for step 0, else the
    calendar year; and ``half`` (``H1``/``H2``)."""
    path = folder / "timeseries.parquet"
    if not path.exists():
        raise SystemExit(f"{path}: not found (give a results folder written by `ptsim run`)")
    t = pd.read_parquet(path, columns=["step", "quarter", "region", "sector", "employment", "exports_yuan"])
    quarter = pd.to_datetime(t["quarter"])  # the quarter's first day (docs/outputs.md)
    t["period"] = np.where(t["step"] == 0, "start", quarter.dt.year.astype(str))
    t["half"] = np.where(quarter.dt.quarter <= 2, "H1", "H2")
    return t


def shares(t: pd.DataFrame, by: list[str], regions: tuple[str, ...] = CENTRAL_WEST) -> pd.DataFrame:
    """Share of ``regions`` in employment and exports, per ``by`` group, mean over its quarters."""
    t = t.assign(inside=t["region"].isin(regions))
    per_step = (
        t.groupby([*by, "step", "inside"])[["employment", "exports_yuan"]]
        .sum()
        .unstack("inside", fill_value=0.0)
    )
    out = pd.DataFrame(
        {
            v: per_step[(v, True)] / (per_step[(v, True)] + per_step[(v, False)])
            for v in ("employment", "exports_yuan")
        }
    )
    return out.groupby(level=by).mean()


def documented() -> dict[str, str]:
    """Reported central + western shares by period label (simulation/data/history)."""
    f = pd.read_csv(FACTS)
    out = {}
    for _, r in f[f["scope"] == "central+western"].iterrows():
        if r["unit"] != "%":
            continue
        what = "exports" if "EXPORTS" in str(r["note"]) else "imports + exports"
        period = "2021 H1" if str(r["period"]).startswith("2021 H1") else str(r["period"])[:4]
        out[period] = f"{r['value']:g}% ({what}, {r['confidence']})"
    return out


def cell(values: list[float]) -> str:
    """Percent, with ± sd over runs when there are several."""
    a = 100 * np.asarray(values, float)
    return f"{a.mean():.2f}" if len(a) == 1 else f"{a.mean():.2f} ± {a.std(ddof=1):.2f}"


def year_table(runs: list[pd.DataFrame]) -> str:
    """Markdown: central + western (and inland) shares by year, and 2021 H1."""
    per_run = []
    for t in runs:
        s = shares(t, ["period"]).join(shares(t, ["period"], INLAND).add_prefix("inland_"))
        h1 = t[(t["period"] == "2021") & (t["half"] == "H1")]
        if len(h1):
            extra = shares(h1, ["period"]).join(shares(h1, ["period"], INLAND).add_prefix("inland_"))
            s = pd.concat([s, extra.rename(index={"2021": "2021 H1"})])
        per_run.append(s)
    docs = documented()
    # the documented periods the run does not cover are listed too, with the model's cells empty
    dated = sorted({*(p for p in per_run[0].index if p != "start"), *docs})
    periods = [p for p in per_run[0].index if p == "start"] + dated
    lines = [
        "| period | C+W employment % | C+W exports % | inland (C+W+NE) employment % | documented C+W |",
        "|---|---|---|---|---|",
    ]
    for p in periods:
        columns = ("employment", "exports_yuan", "inland_employment")
        row = [cell([r.loc[p, c] for r in per_run]) if p in per_run[0].index else "–" for c in columns]
        lines.append(f"| {p} | {' | '.join(row)} | {docs.get(p, '')} |")
    return "\n".join(lines)


def sector_table(runs: list[pd.DataFrame], year: str) -> str:
    """Markdown: central + western shares by sector in ``year`` and at the start."""
    per_run = [shares(t, ["period", "sector"]) for t in runs]
    sectors = sorted(per_run[0].loc[year].index) if year in per_run[0].index.get_level_values(0) else []
    if not sectors:
        raise SystemExit(f"no quarters of {year} in the results")
    lines = [
        f"| sector | C+W employment % start | C+W employment % {year} | C+W exports % {year} |",
        "|---|---|---|---|",
    ]
    for s in sectors:
        start = cell([r.loc[("start", s), "employment"] for r in per_run])
        emp = cell([r.loc[(year, s), "employment"] for r in per_run])
        exp = cell([r.loc[(year, s), "exports_yuan"] for r in per_run])
        lines.append(f"| {s} | {start} | {emp} | {exp} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path, help="results folders (one per seed)")
    ap.add_argument("--sector-year", help="calendar year of the sector table (default: the last full year)")
    args = ap.parse_args(argv)
    runs = [load(f) for f in args.folders]
    counts = runs[0][runs[0]["period"] != "start"].groupby("period")["quarter"].nunique()
    full = counts[counts == 4].index
    year = args.sector_year or (full.max() if len(full) else counts.index.max())
    n = len(runs)
    print(
        f"# Replay: central + western share ({n} run{'s' if n > 1 else ''}{', mean ± sd' if n > 1 else ''})\n"
    )
    print(year_table(runs))
    print(f"\n## By sector, {year}\n")
    print(sector_table(runs, str(year)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
