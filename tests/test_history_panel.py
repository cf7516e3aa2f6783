"""The historical panel (simulation/data/history/panel_provinces.csv and friends) and its loader."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from simulation import history as H
from simulation.tables import DataError

HISTORY = REPO / "simulation" / "data" / "history"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return H.panel()


def _all_tables() -> dict[str, pd.DataFrame]:
    tables = {
        "panel_provinces.csv": H.panel(),
        "national_by_year.csv": H.national(),
        "milestones.csv": H.milestones(),
        "national_part_years.csv": H.national_part_years(),
    }
    tables.update({f"drivers_{name}.csv": H.drivers(name) for name in H.DRIVERS})
    return tables


def test_every_history_file_is_read_by_the_loader():
    """A new drivers_*.csv must be declared in history.DRIVERS (nothing shipped goes unchecked)."""
    shipped = {p.name for p in HISTORY.glob("drivers_*.csv")}
    assert shipped == {f"drivers_{name}.csv" for name in H.DRIVERS}


def test_every_row_has_a_source_a_date_a_grade_and_a_note():
    for name, table in _all_tables().items():
        for column in H.PROVENANCE:
            assert table[column].astype(str).str.strip().ne("").all(), f"{name}: empty {column}"
        assert table["confidence"].isin(H.GRADES).all(), name
        # the project cites original public sources, never a working folder
        assert not table["source_url"].str.contains("/work/", regex=False).any(), name


def test_panel_rows_have_a_basis_and_positive_values(panel):
    assert panel["basis"].isin(H.BASES).all()
    assert (panel["value_100m_yuan"] > 0).all()
    assert (panel["value_reported"] > 0).all()
    assert panel["months"].between(1, 12).all()


def test_no_cell_is_given_twice(panel):
    assert not panel.duplicated(["province", "year", "period", "flow"]).any()


def test_derived_rows_state_their_arithmetic(panel):
    derived = panel[panel["basis"] == "derived"]
    assert len(derived) > 0
    assert derived["note"].str.contains("=").all()


def test_full_years_are_the_year_alone_and_part_years_name_their_months(panel):
    full = panel["months"] == 12
    assert (panel.loc[full, "period"] == panel.loc[full, "year"].astype(str)).all()
    assert (panel.loc[~full, "period"] != panel.loc[~full, "year"].astype(str)).all()


def test_reported_values_are_converted_at_that_years_rate(panel):
    """Independent of the loader's own check: 亿元 = reported × unit factor (× CNY/USD of the year)."""
    rates = H.drivers("exchange_rate").set_index("year")["cny_per_usd"]
    factor = {"亿元": 1, "bn yuan": 10, "万亿元": 1e4}
    usd = {"亿美元": 1, "bn USD": 10}
    reported = panel[panel["basis"] == "reported"]
    assert reported["unit_reported"].isin([*factor, *usd]).all()
    for unit, f in factor.items():
        rows = reported[reported["unit_reported"] == unit]
        assert ((rows["value_100m_yuan"] - f * rows["value_reported"]).abs() < 0.06).all(), unit
    rows = reported[reported["unit_reported"].isin(usd)]
    assert len(rows) > 0
    expected = rows["value_reported"] * rows["unit_reported"].map(usd) * rows["year"].map(rates)
    assert ((rows["value_100m_yuan"] - expected).abs() < 0.06).all()


def test_shares_agree_with_the_share_derived_values(panel):
    """A value derived from a share of total trade: share × total in the note gives the value."""
    from_share = panel[(panel["unit_reported"] == "% of trade")]
    for _, row in from_share.iterrows():
        assert row["share_of_trade_pct"] == row["value_reported"]
        total = float(re.findall(r"× ([\d.]+) =", row["note"])[0])
        assert row["value_100m_yuan"] == pytest.approx(row["share_of_trade_pct"] / 100 * total, abs=0.1)


def test_the_panel_provinces_are_those_of_provinces_csv(panel):
    known = set(pd.read_csv(REPO / "simulation" / "data" / "provinces.csv")["province"])
    assert set(panel["province"]) <= known
    assert list(H.coverage(panel).index) == list(
        pd.read_csv(REPO / "simulation" / "data" / "provinces.csv")["province"]
    )


def test_the_national_total_agrees_with_the_backcast_facts():
    """Where both report 2011, the national series and processing_trade.csv give the same total."""
    facts = pd.read_csv(HISTORY / "processing_trade.csv").set_index("key")
    nat = H.national().set_index(["year", "flow"])
    row = nat.loc[(2011, "trade")]
    assert row["value_reported"] == pytest.approx(facts.loc["processing_trade_usd", "value"])
    rates = H.drivers("exchange_rate").set_index("year")["cny_per_usd"]
    assert row["value_100m_yuan"] == pytest.approx(row["value_reported"] * rates[2011] * 10, abs=0.1)


def test_national_exports_and_imports_add_up_to_trade():
    nat = H.national().pivot(index="year", columns="flow", values="value_100m_yuan").dropna()
    assert len(nat) > 0
    assert ((nat["exports"] + nat["imports"]) / nat["trade"] - 1).abs().max() < 0.01


def test_national_part_years_are_part_years_and_add_up():
    part = H.national_part_years()
    assert (part["months"] < 12).all()
    same = part.pivot_table(index=["period", "source_url"], columns="flow", values="value_100m_yuan").dropna()
    assert len(same) >= 10  # the GACC customs-regime tables of 2019 and 2023
    assert ((same["exports"] + same["imports"] - same["trade"]).abs() < 0.2).all()


def test_part_years_grow_within_a_year():
    """Year-to-date values of one source rise with the months covered (a check on the transcription)."""
    part = H.national_part_years()
    for (_, _, _), rows in part.groupby(["year", "flow", "unit_reported"]):
        rows = rows.sort_values("months")
        assert rows["value_100m_yuan"].is_monotonic_increasing


def test_milestones_include_the_three_documented_shares():
    m = H.milestones().set_index(["period", "flow"])["share_pct"]
    assert m[[p for p in m.index if p[0].startswith("2007")][0]] == 2.8
    assert m[("2011", "trade")] == pytest.approx(6.31)
    assert m[("2021 H1", "exports")] == 27


def test_the_coverage_table_matches_the_rows(panel):
    grid = H.coverage(panel)
    full = panel[panel["months"] == 12]
    reported = {
        (p, y)
        for p, y in zip(
            full.loc[full["basis"] == "reported", "province"],
            full.loc[full["basis"] == "reported", "year"],
            strict=True,
        )
    }
    for (province, year), code in grid.stack().items():
        cells = panel[(panel["province"] == province) & (panel["year"] == year)]
        if code == "":
            assert cells.empty
        elif code == "R":
            assert (province, year) in reported
        elif code == "D":
            assert (province, year) not in reported and (cells["months"] == 12).any()
        else:
            assert not (cells["months"] == 12).any() and code == f"P{cells['months'].max()}"
    in_window = panel[panel["year"].between(2008, 2024)]
    assert (grid != "").to_numpy().sum() == in_window.groupby(["province", "year"]).ngroups


def test_the_readme_shows_the_current_coverage_table_and_counts(panel):
    readme = (HISTORY / "README.md").read_text(encoding="utf-8")
    assert H.coverage_markdown() in readme
    codes = H.coverage(panel).to_numpy().ravel().tolist()
    full = re.search(r"(\d+) province-years have a full-year value \((\d+) reported, (\d+) derived\)", readme)
    part = re.search(r"(\d+) more\s+province-years have part-year values only", readme)
    assert full and part, "the README's 'In numbers' paragraph is missing"
    reported, derived = codes.count("R"), codes.count("D")
    assert [int(g) for g in full.groups()] == [reported + derived, reported, derived]
    assert int(part.group(1)) == sum(c.startswith("P") for c in codes)
    rows = {f"`{p.name}`": len(pd.read_csv(p)) for p in HISTORY.glob("*.csv")}
    for name, n in rows.items():  # the file table's row counts
        line = next((x for x in readme.splitlines() if x.startswith(f"| {name} |")), None)
        assert line is not None, f"{name} is not in the README's file table"
        assert line.rstrip(" |").endswith(f"| {n}"), f"{name}: README says otherwise, the file has {n} rows"


# --- damaged files give clear errors ---------------------------------------------------------------


def _damaged(tmp_path: Path, name: str, edit) -> Path:
    target = tmp_path / name
    shutil.copy(HISTORY / name, target)
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return target


def _set(lines: list[str], line: int, column: str, value: str) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("value_100m_yuan", "-5", "column 'value_100m_yuan'"),
        ("value_100m_yuan", "lots", "column 'value_100m_yuan' = 'lots'"),
        ("confidence", "D", "one of A, B, C"),
        ("basis", "guessed", "one of reported, derived"),
        ("flow", "both", "one of trade, exports, imports"),
        ("province", "Atlantis", "provinces.csv"),
        ("months", "13", "column 'months'"),
        ("source_url", "", "column 'source_url' is empty"),
        ("period", "1999", "must start with the year"),
    ],
)
def test_a_damaged_panel_cell_names_file_line_and_column(tmp_path, column, value, message):
    path = _damaged(tmp_path, "panel_provinces.csv", lambda lines: _set(lines, 3, column, value))
    with pytest.raises(DataError, match=re.escape(message)) as err:
        H.panel(path)
    assert "panel_provinces.csv line 3" in str(err.value)


def test_a_wrong_conversion_or_a_share_called_reported_is_refused(tmp_path):
    panel = H.panel()
    line = int(panel.index[(panel["basis"] == "reported") & (panel["unit_reported"] == "亿美元")][0])
    path = _damaged(
        tmp_path, "panel_provinces.csv", lambda lines: _set(lines, line, "value_100m_yuan", "1.0")
    )
    with pytest.raises(DataError, match=f"line {line}: column 'value_100m_yuan' = 1, but value_reported"):
        H.panel(path)
    line = int(panel.index[panel["unit_reported"] == "% of trade"][0])
    path = _damaged(tmp_path, "panel_provinces.csv", lambda lines: _set(lines, line, "basis", "reported"))
    with pytest.raises(DataError, match=f"line {line}: column 'unit_reported' = '% of trade' is no currency"):
        H.panel(path)


def test_a_duplicate_cell_is_refused(tmp_path):
    path = _damaged(tmp_path, "panel_provinces.csv", lambda lines: [*lines, lines[1]])
    with pytest.raises(DataError, match="duplicate"):
        H.panel(path)


def test_a_derived_row_without_arithmetic_is_refused(tmp_path):
    panel = H.panel()
    line = int(panel.index[panel["basis"] == "derived"][0])
    path = _damaged(tmp_path, "panel_provinces.csv", lambda lines: _set(lines, line, "note", "trust me"))
    with pytest.raises(DataError, match=f"line {line}: column 'note'"):
        H.panel(path)


def test_a_missing_column_or_a_missing_file_is_named(tmp_path):
    path = _damaged(
        tmp_path, "national_by_year.csv", lambda lines: [lines[0].replace("flow", "kind"), *lines[1:]]
    )
    with pytest.raises(DataError, match="missing column"):
        H.national(path)
    with pytest.raises(DataError, match="cannot read"):
        H.milestones(tmp_path / "nowhere.csv")
    with pytest.raises(DataError, match="unknown driver"):
        H.drivers("weather")


def test_a_damaged_driver_file_names_its_line(tmp_path):
    path = _damaged(tmp_path, "drivers_exchange_rate.csv", lambda lines: _set(lines, 4, "cny_per_usd", "abc"))
    with pytest.raises(DataError, match="drivers_exchange_rate.csv line 4: column 'cny_per_usd'"):
        H.drivers("exchange_rate", path)


def test_coverage_by_flow_counts_only_that_flow(panel):
    exports = H.coverage(panel, flow="exports")
    cells = panel[panel["flow"] == "exports"]
    assert (exports != "").to_numpy().sum() == cells[cells["year"].between(2008, 2024)].groupby(
        ["province", "year"]
    ).ngroups
    assert (exports != "").to_numpy().sum() < (H.coverage(panel) != "").to_numpy().sum()
