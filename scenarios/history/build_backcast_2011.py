"""Write scenarios/history/backcast_2011.toml and its derived tables from the sourced facts.

Inputs (every row sourced, simulation/data/history/README.md): ``processing_trade.csv``,
``migrant_income.csv``, ``cre_origins.csv``, ``designations.csv`` in ``simulation/data/history/``,
and ``simulation/data/provinces.csv`` / ``regions.csv`` / ``national_series.csv``. Outputs: the
scenario and the two derived tables ``start_2011.csv`` (the start distribution, reported or
allocated) and ``wage_path.csv`` (the wage levels and growth the scenario sets), each row with its
arithmetic. Run from the repository root::

    .venv/bin/python scenarios/history/build_backcast_2011.py [--check]

``--check`` writes nothing and exits 1 if a written file differs from what the data give
(tests/test_backcast.py runs it).
"""

# ruff: noqa: E501  (the lines it writes into the TOML header are kept whole, as they appear there)
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.geography import REGIONS, load_regions, processing_wages

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "simulation" / "data"
HISTORY = DATA / "history"
SCENARIO = ROOT / "scenarios" / "history" / "backcast_2011.toml"
START, STEPS, BEFORE_START = "2011Q1", 44, "2010Q4"  # 2011Q1-2021Q4; step 0 is 2010Q4
CENTRAL_WEST = ("central", "west")
RESET_YEAR = 2014  # the documented all-migrant regional levels (a new basis) reset the wage level


def fact(table: pd.DataFrame, key: str, scope: str | None = None) -> float:
    """The value of one row of ``processing_trade.csv``."""
    rows = table[(table["key"] == key) & ((table["scope"] == scope) if scope else True)]
    if len(rows) != 1:
        raise SystemExit(f"processing_trade.csv: expected one row {key!r} ({scope}), found {len(rows)}")
    return float(rows["value"].iloc[0])


def cny_per_usd(year: int) -> float:
    """The documented annual exchange rate (national_series.csv)."""
    t = pd.read_csv(DATA / "national_series.csv")
    return float(t[(t["variable"] == "cny_per_usd") & (t["year"] == year)]["value"].iloc[0])


def start_distribution(provinces: pd.DataFrame, facts: pd.DataFrame, fx: float) -> pd.DataFrame:
    """(31 rows) processing trade 2011, 亿元/year: reported where reported, else allocated within
    central+western and within east+north-east in proportion to the 2023 values of provinces.csv."""
    total = fact(facts, "processing_trade_usd")
    cw_total = fact(facts, "cw_processing_trade_usd")
    reported = {
        "Sichuan": (
            fact(facts, "sichuan_processing_trade_usd"),
            "reported",
            "B",
            "sichuan_processing_trade_usd",
        ),
        "Hunan": (fact(facts, "hunan_processing_trade_usd"), "derived", "C", "hunan_processing_trade_usd"),
    }
    cw = provinces["region"].isin(CENTRAL_WEST).to_numpy()
    rows = []
    for group, pool in ((cw, cw_total), (~cw, total - cw_total)):
        names = provinces["province"][group].tolist()
        known = {p: v for p, v in reported.items() if p in names}
        rest = pool - sum(v[0] for v in known.values())
        others = provinces[group & ~provinces["province"].isin(known).to_numpy()]
        weight_sum = others["processing_trade_100m_yuan"].sum()
        label = "central+western" if group is cw else "east+north-east"
        for _, p in provinces[group].iterrows():
            name = p["province"]
            if name in known:
                usd, basis, conf, key = known[name]
                note = f"processing_trade.csv {key}: {usd:g} bn USD x {fx:g} x 10"
                source = "simulation/data/history/processing_trade.csv"
            else:
                usd = rest * p["processing_trade_100m_yuan"] / weight_sum
                basis, conf, source = "allocated", "C", "ALLOCATION (no 2011 figure found)"
                note = (
                    f"ALLOCATION: {label} 2011 {pool:g} bn USD less reported {pool - rest:g} = {rest:.3f} bn"
                    f" x 2023 weight {p['processing_trade_100m_yuan']:g} / {weight_sum:.1f}"
                    f" = {usd:.3f} bn USD; x {fx:g} x 10"
                )
            rows.append(
                {
                    "province": name,
                    "region": p["region"],
                    "processing_trade_100m_yuan": round(usd * fx * 10, 1),
                    "processing_trade_usd_bn": round(usd, 3),
                    "basis": basis,
                    "period": "2011 FY",
                    "source": source,
                    "confidence": conf,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows).set_index("province").loc[provinces["province"]].reset_index()
    return out


def level(income: pd.DataFrame, year: int, region: str) -> float:
    """A documented monthly income (migrant_income.csv), yuan/month."""
    rows = income[(income["year"] == year) & (income["region"] == region)]
    if len(rows) != 1:
        raise SystemExit(f"migrant_income.csv: expected one row for {year} {region}, found {len(rows)}")
    return float(rows["value_yuan_month"].iloc[0])


def wage_path(income: pd.DataFrame) -> pd.DataFrame:
    """The regional monthly levels (start and 2014 reset) and yearly growth rates, with arithmetic."""
    rows: list[dict] = []
    nat = {y: level(income, y, "national") for y in range(2014, 2024)}
    g12 = float(income[(income["year"] == 2012) & (income["region"] == "national")]["yoy_growth"].iloc[0])
    g13 = float(income[(income["year"] == 2013) & (income["region"] == "national")]["yoy_growth"].iloc[0])
    ne_ratio = level(income, 2023, "northeast") / level(income, 2023, "national")

    def add(region: str, year: int, kind: str, value: float, conf: str, note: str) -> None:
        rows.append(
            {"region": region, "year": year, "kind": kind, "value": value, "confidence": conf, "note": note}
        )

    for r in REGIONS:
        if r == "northeast":
            add(
                r,
                2011,
                "level_yuan_month",
                level(income, 2011, "national") * ne_ratio,
                "C",
                f"ASSUMPTION: national outbound 2011 2049 x the documented 2023 north-east/national ratio "
                f"{level(income, 2023, 'northeast'):g}/{level(income, 2023, 'national'):g} = {ne_ratio:.4f}",
            )
            add(
                r,
                RESET_YEAR,
                "level_yuan_month",
                nat[2014] * ne_ratio,
                "C",
                f"ASSUMPTION: national 2014 2864 x the 2023 ratio {ne_ratio:.4f} (no north-east level before 2023)",
            )
        else:
            add(
                r,
                2011,
                "level_yuan_month",
                level(income, 2012, r) / (1 + g12),
                "C",
                f"2012 {r} (outbound) {level(income, 2012, r):g} / (1 + national outbound growth 2012 {g12:g})",
            )
            add(
                r,
                RESET_YEAR,
                "level_yuan_month",
                level(income, 2014, r),
                "C",
                f"NBS 2014 report, {r}, region of work (all migrant workers; attribution C)",
            )
        add(
            r,
            2011,
            "growth",
            g12,
            "B",
            f"2011->2012: national outbound growth {g12:g} (no regional 2011 level)",
        )
        add(
            r,
            2012,
            "growth",
            g13,
            "B",
            f"2012->2013: national outbound growth {g13:g} (regional 2013 levels mix bases)",
        )
        g14 = income[(income["year"] == 2014) & (income["region"] == (r if r != "northeast" else "national"))]
        add(
            r,
            2013,
            "growth",
            float(g14["yoy_growth"].iloc[0]),
            "C",
            f"2013->2014: 2014 report y/y growth of {'the region' if r != 'northeast' else 'all (national; no north-east figure)'}",
        )
        if r == "northeast":
            k, k_note = (
                1.0,
                "north-east: the national path (its 2023 level follows from the 2014 reset by construction)",
            )
        else:
            k = ((level(income, 2023, r) / level(income, 2014, r)) / (nat[2023] / nat[2014])) ** (1 / 9)
            k_note = (
                f"k = (({level(income, 2023, r):g}/{level(income, 2014, r):g}) / ({nat[2023]:g}/{nat[2014]:g}))^(1/9)"
                f" = {k:.5f}, so that the path joins the documented 2014 and 2023 levels"
            )
        for y in range(2014, 2023):
            g = (nat[y + 1] / nat[y]) * k - 1
            add(
                r,
                y,
                "growth",
                g,
                "C",
                f"{y}->{y + 1}: national all-migrant {nat[y + 1]:g}/{nat[y]:g} x k - 1; {k_note}",
            )
        regions = pd.read_csv(DATA / "regions.csv").set_index("region")
        add(
            r,
            2023,
            "growth",
            float(regions.loc[r, "migrant_income_growth_2024"]),
            "B",
            "2023->2024: regions.csv migrant_income_growth_2024 (the baseline's trend)",
        )
    return pd.DataFrame(rows)


def province_wages(provinces: pd.DataFrame, monthly: dict[str, float]) -> np.ndarray:
    """(31,) processing wages, yuan/year, from regional monthly incomes ``monthly`` by the model's own
    rule (geography.processing_wages: the region's level x the province's relative private wage)."""
    ridx = np.array([REGIONS.index(r) for r in provinces["region"]])
    regions = load_regions()
    regions = {
        **regions,
        "migrant_income_2024_month_yuan": np.array([monthly[r] for r in REGIONS]),
        "migrant_income_growth_2024": np.zeros(len(REGIONS)),
    }
    return processing_wages(
        provinces["wage_yuan"].to_numpy(float), provinces["population"].to_numpy(float), ridx, regions
    )


def fmt(x: float) -> str:
    """A TOML number: integers without a fraction, others with up to 6 significant digits."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.6g}"


def toml_text(provinces: pd.DataFrame, start: pd.DataFrame, path: pd.DataFrame, facts: pd.DataFrame) -> str:
    """The scenario file."""
    fx = cny_per_usd(2011)
    anchor = fact(facts, "processing_exports_yuan")
    lv = path[path["kind"] == "level_yuan_month"]
    start_wage = province_wages(
        provinces, {r: float(lv[(lv.region == r) & (lv.year == 2011)]["value"].iloc[0]) for r in REGIONS}
    )
    reset_wage = province_wages(
        provinces,
        {r: float(lv[(lv.region == r) & (lv.year == RESET_YEAR)]["value"].iloc[0]) for r in REGIONS},
    )
    cw_share = (
        start[start.region.isin(CENTRAL_WEST)]["processing_trade_100m_yuan"].sum()
        / start["processing_trade_100m_yuan"].sum()
    )
    out = io.StringIO()
    w = out.write
    w(
        "# Replay 2011Q1-2021Q4: the decade of inland processing trade, from the 2011 distribution with the\n"
        "# decade's drivers as series. GENERATED by scenarios/history/build_backcast_2011.py from the sourced\n"
        "# tables in simulation/data/history/ (README.md there): edit the data and re-run the script.\n"
        "# - Start (2011): Sichuan reported (21.03 bn USD, 成都海关), Hunan derived from its 2012 report (C);\n"
        "#   every other province ALLOCATED: central+western 82.3 bn USD (MOFCOM) less those two, and\n"
        "#   east+north-east 1305.21 - 82.3 bn USD (GACC), each in proportion to the province's 2023 value in\n"
        f"#   provinces.csv; USD x {fx:g} (2011, national_series.csv). Central+western start share "
        f"{100 * cw_share:.2f}%.\n"
        "# - Money anchor: processing exports 2011 = 1305.21 bn USD x the 2019 export share 0.638 (GACC) x 6.46\n"
        f"#   = {anchor:.4g} yuan (C; no 2011 export/import split was found).\n"
        "# - Processing wages: NBS migrant-worker incomes by region of work (levels 2011 [derived from 2012],\n"
        "#   2014 [reset], growth between documented points; wage_path.csv), spread over provinces by the\n"
        "#   model's own rule (relative private wages, 2021). Exchange rate and US tariffs follow\n"
        "#   national_series.csv and abroad.csv automatically.\n"
        "# - Rail: cre_origin 0 everywhere at the start, on in the quarter of each origin's first documented\n"
        "#   train (cre_origins.csv); assembly centres 2020Q3 and national processing-trade parks 2021Q3\n"
        "#   (designations.csv). Not replayed (2023-25 values throughout): electricity and time-of-use prices,\n"
        "#   minimum wages, land prices, bonded zones, undertaking sites, air-cargo flags except Hubei,\n"
        "#   population, and every behavioural parameter (none is tuned to the reported 27% of 2021 H1).\n\n"
    )
    w('[scenario]\nname = "backcast_2011"\n')
    w(
        'description = "Replay 2011Q1-2021Q4 from the 2011 distribution with the decade\'s wages, rail origins and parks."\n\n'
    )
    w(f'[run]\nstart = "{START}"\nsteps = {STEPS}\nseed = 20110101\n\n')
    w(
        f"[economy]\nprocessing_exports_yuan = {anchor:.6g}  # processing_trade.csv processing_exports_yuan (C)\n\n"
    )
    for i, p in provinces.iterrows():
        row = start.iloc[i]
        tag = {"reported": "reported (B)", "derived": "derived from a report (C)"}.get(
            row["basis"], "ALLOCATION (C)"
        )
        w(f"[provinces.{_key(p['province'])}]\n")
        w(f"processing_trade_100m_yuan = {fmt(row['processing_trade_100m_yuan'])}  # 2011, {tag}\n")
        w(f"wage_yuan = {fmt(round(start_wage[i]))}  # 2011 processing wage, yuan/year (wage_path.csv)\n\n")
    w("# --- processing wages: yearly growth by NBS region (wage_path.csv) ---\n")
    gr = path[path["kind"] == "growth"]
    for r in REGIONS:
        pts = ", ".join(
            f"{y} = {fmt(round(v, 5))}"
            for y, v in zip(gr[gr.region == r]["year"], gr[gr.region == r]["value"], strict=True)
        )
        w(f'[[series]]\nvariable = "wage_growth"\nwhere = "{r}"\nvalues = {{ {pts} }}\n\n')
    w(
        f"# --- the {RESET_YEAR} levels of the NBS all-migrant series (a new basis) reset each province's wage ---\n"
    )
    for i, p in provinces.iterrows():
        w(
            f'[[series]]\nvariable = "wage_yuan"\nwhere = "{p["province"]}"\nvalues = {{ {RESET_YEAR} = {fmt(round(reset_wage[i]))} }}\n\n'
        )
    w("# --- China-Europe Railway Express origins (cre_origins.csv): the quarter of the first train ---\n")
    cre = pd.read_csv(HISTORY / "cre_origins.csv")
    flagged = provinces[provinces["cre_origin"] > 0]["province"].tolist()
    for prov in flagged:
        events = cre[cre["province"] == prov]
        if events.empty:
            raise SystemExit(
                f"cre_origins.csv: no dated first train for {prov} (cre_origin = 1 in provinces.csv)"
            )
        pts = [f"{BEFORE_START} = 0"]
        for _, e in events.iterrows():
            pts.append(f"{e['model_quarter']} = {0 if e['event'] == 'suspended' else 1}")
        w(f'[[series]]\nvariable = "cre_origin"\nwhere = "{prov}"\nvalues = {{ {", ".join(pts)} }}\n\n')
    des = pd.read_csv(HISTORY / "designations.csv")
    for variable, label in (
        ("cre_assembly_centre", "assembly centres (NDRC 2020-07-06)"),
        ("national_park", "national processing-trade parks, first batch (MOFCOM 2021-09-10)"),
    ):
        w(f"# --- {label}: designations.csv ---\n")
        for _, d in des[des["variable"] == variable].iterrows():
            w(f'[[series]]\nvariable = "{variable}"\nwhere = "{d["province"]}"\n')
            w(f"values = {{ {BEFORE_START} = 0, {d['model_quarter']} = 1 }}\n\n")
    w(
        "# --- air cargo: Hubei's international freighter routes start in 2023 (Ezhou Huahu; SOURCES.md 1.3) ---\n"
    )
    w('[[series]]\nvariable = "air_cargo_intl"\nwhere = "Hubei"\nvalues = { 2010Q4 = 0, 2023Q1 = 1 }\n')
    return out.getvalue()


def _key(name: str) -> str:
    """A TOML key for a province name (quoted when it has a space)."""
    return f'"{name}"' if " " in name else name


def build() -> dict[Path, str]:
    """The text of every generated file."""
    provinces = pd.read_csv(DATA / "provinces.csv")
    facts = pd.read_csv(HISTORY / "processing_trade.csv")
    income = pd.read_csv(HISTORY / "migrant_income.csv")
    start = start_distribution(provinces, facts, cny_per_usd(2011))
    path = wage_path(income)
    path["value"] = path["value"].round(6)
    return {
        HISTORY / "start_2011.csv": start.to_csv(index=False, lineterminator="\n"),
        HISTORY / "wage_path.csv": path.to_csv(index=False, lineterminator="\n"),
        SCENARIO: toml_text(provinces, start, path, facts),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = ap.parse_args()
    stale = []
    for path, text in build().items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(
            f"stale: {path.relative_to(ROOT)} (re-run scenarios/history/build_backcast_2011.py)",
            file=sys.stderr,
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
