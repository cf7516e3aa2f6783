"""The historical panel of processing trade (2008 on) and its drivers: checked loading.

The files live in ``simulation/data/history/`` (README.md there lists them, their sources and the
coverage). Every row carries its public source (``source_url``, ``source_date``), a confidence grade
(A official table or release, B an official figure quoted by the press, C derived, the arithmetic in
``note``) and, in the panel, its basis (``reported`` or ``derived``). A cell no source gives is absent:
nothing is interpolated, and partial-year cells (``months`` < 12) are never annualised.

Each reader checks its file and fails with a :class:`~simulation.tables.DataError` naming the file,
the line, the column and what is allowed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.tables import DataError, data_path

GRADES = ("A", "B", "C")
BASES = ("reported", "derived")
FLOWS = ("trade", "exports", "imports")
FIRST_YEAR, LAST_YEAR = 2000, 2030  # plausible bounds of a reported year
PROVENANCE = ("source_url", "source_date", "confidence", "note")


@dataclass(frozen=True)
class Field:
    """One column of a history file: ``kind`` is "str", "int", "float" or "choice"."""

    name: str
    kind: str = "str"
    required: bool = True
    low: float | None = None
    high: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()

    def parse(self, raw: str, where: str) -> str | int | float | None:
        """Parse one cell; ``where`` names the file and line for the error."""
        text = raw.strip()
        if not text:
            if self.required:
                raise DataError(f"{where}: column '{self.name}' is empty; expected {self.allowed()}")
            return None
        if self.kind == "str":
            return text
        if self.kind == "choice":
            if text not in self.choices:
                raise DataError(f"{where}: column '{self.name}' = {text!r}; expected {self.allowed()}")
            return text
        try:
            value: int | float = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise DataError(f"{where}: column '{self.name}' = {text!r}; expected {self.allowed()}") from None
        if (
            value != value  # NaN
            or (self.positive and value <= 0)
            or (self.low is not None and value < self.low)
            or (self.high is not None and value > self.high)
        ):
            raise DataError(f"{where}: column '{self.name}' = {text!r}; expected {self.allowed()}")
        return value

    def allowed(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "str":
            return "a text"
        lo = "0 (excluded)" if self.positive else ("-inf" if self.low is None else f"{self.low:g}")
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'an integer' if self.kind == 'int' else 'a number'} in [{lo}, {hi}]"


def _provenance() -> tuple[Field, ...]:
    return (
        Field("source_url"),
        Field("source_date"),
        Field("confidence", "choice", choices=GRADES),
        Field("note"),
    )


YEAR = Field("year", "int", low=FIRST_YEAR, high=LAST_YEAR)

PANEL = (
    Field("province"),
    YEAR,
    Field("period"),
    Field("months", "int", low=1, high=12),
    Field("flow", "choice", choices=FLOWS),
    Field("value_100m_yuan", "float", positive=True),
    Field("value_reported", "float", positive=True),
    Field("unit_reported"),
    Field("share_of_trade_pct", "float", required=False, positive=True, high=100),
    Field("basis", "choice", choices=BASES),
    *_provenance(),
)
NATIONAL = (
    YEAR,
    Field("flow", "choice", choices=FLOWS),
    Field("value_100m_yuan", "float", positive=True),
    Field("value_reported", "float", positive=True),
    Field("unit_reported"),
    *_provenance(),
)
NATIONAL_PART_YEARS = (
    YEAR,
    Field("period"),
    Field("months", "int", low=1, high=12),
    Field("flow", "choice", choices=FLOWS),
    Field("value_100m_yuan", "float", positive=True),
    Field("value_reported", "float", positive=True),
    Field("unit_reported"),
    Field("share_of_trade_pct", "float", required=False, positive=True, high=100),
    *_provenance(),
)
MILESTONES = (
    YEAR,
    Field("period"),
    Field("months", "int", low=1, high=12),
    Field("group"),
    Field("flow", "choice", choices=FLOWS),
    Field("share_pct", "float", positive=True, high=100),
    *_provenance(),
)

# Driver files: their own columns, the provenance columns last. Only typed columns are listed.
DRIVERS: dict[str, tuple[Field, ...]] = {
    "exchange_rate": (YEAR, Field("cny_per_usd", "float", positive=True, high=20), *_provenance()),
    "us_tariffs": (
        Field("round"),
        Field("measure"),
        Field("value", required=False),
        Field("unit"),
        *_provenance(),
    ),
    "migrant_income": (
        YEAR,
        Field("series"),
        Field("basis"),
        Field("value_yuan_month", "float", positive=True),
        Field("yoy_growth_pct", "float", required=False, low=-100),
        *_provenance(),
    ),
    "wages": (
        YEAR,
        Field("geography"),
        Field("geo_level", "choice", choices=("national", "region", "province")),
        Field("ownership"),
        Field("sector"),
        Field("value_yuan_year", "float", positive=True),
        Field("yoy_growth_pct", "float", required=False, low=-100),
        *_provenance(),
    ),
    "cre_origins": (
        Field("origin"),
        Field("province", required=False),
        Field("service", required=False),
        Field("event"),
        Field("date", required=False),
        Field("value", required=False),
        Field("unit", required=False),
        *_provenance(),
    ),
    "cre_by_year": (
        Field("year"),
        Field("measure"),
        Field("value", "float", positive=True),
        Field("unit"),
        *_provenance(),
    ),
    "plants": (
        Field("province"),
        Field("plant"),
        Field("measure"),
        Field("value", "float", positive=True),
        Field("unit"),
        *_provenance(),
    ),
    "air_cargo": (
        Field("province"),
        Field("city"),
        Field("event"),
        Field("date"),
        Field("value", "float", required=False, positive=True),
        Field("unit", required=False),
        *_provenance(),
    ),
    "designations": (
        Field("designation"),
        Field("province"),
        Field("city"),
        Field("date"),
        *_provenance(),
    ),
}

# Currency units of ``value_reported``: (亿元 per unit, converted at the year's CNY/USD rate).
CURRENCY: dict[str, tuple[float, bool]] = {
    "亿元": (1.0, False),
    "bn yuan": (10.0, False),
    "万亿元": (1e4, False),
    "亿美元": (1.0, True),
    "bn USD": (10.0, True),
}
ROUNDING = 0.06  # 亿元: values are written to one decimal

# A derived row or grade-C national row shows its arithmetic: a number, an operator and "=".
_ARITHMETIC = re.compile(r"\d\s*[×x*/+\-−]\s*\d.*=|=\s*\d")


def history_path(name: str) -> Path:
    """Path of a file shipped in ``simulation/data/history``."""
    return data_path("history") / name


def _read(path: Path, fields: tuple[Field, ...], exact: bool) -> pd.DataFrame:
    """Read and type-check ``path``; extra columns are kept as text unless ``exact``."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    names = [f.name for f in fields]
    missing = [n for n in names if n not in header]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(names)}")
    if exact and header != names:
        raise DataError(f"{path}: columns {', '.join(header)}; expected exactly {', '.join(names)}")
    if not rows:
        raise DataError(f"{path}: no data rows")
    spec = {f.name: f for f in fields}
    out: dict[str, list] = {name: [] for name in header}
    for line, row in enumerate(rows, start=2):
        where = f"{path} line {line}"
        if None in row:  # more cells than columns
            raise DataError(f"{where}: {len(header) + len(row[None])} cells; the header has {len(header)}")
        for name in header:
            raw = row.get(name) or ""
            out[name].append(spec[name].parse(raw, where) if name in spec else raw)
    table = pd.DataFrame(out)
    table.index = pd.RangeIndex(2, 2 + len(table), name="line")
    return table


def _unique(table: pd.DataFrame, keys: list[str], path: Path) -> None:
    dup = table[table.duplicated(keys, keep=False)]
    if len(dup):
        first = dup.iloc[0]
        cell = ", ".join(f"{k}={first[k]}" for k in keys)
        raise DataError(f"{path} lines {', '.join(map(str, dup.index))}: duplicate ({cell}); each key once")


def _arithmetic(table: pd.DataFrame, mask: pd.Series, path: Path, what: str) -> None:
    for line, note in table.loc[mask, "note"].items():
        if not _ARITHMETIC.search(str(note)):
            raise DataError(
                f"{path} line {line}: column 'note' of a {what} row must give the arithmetic (… = …)"
            )


def provinces() -> list[str]:
    """Province names of ``simulation/data/provinces.csv``, in its order."""
    path = data_path("provinces.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        return [row["province"] for row in csv.DictReader(fh)]


def panel(path: Path | None = None) -> pd.DataFrame:
    """Processing trade by province and period (``panel_provinces.csv``), 亿元, one row per cell."""
    path = path or history_path("panel_provinces.csv")
    table = _read(path, PANEL, exact=True)
    known = set(provinces())
    for line, row in table.iterrows():
        where = f"{path} line {line}"
        if row["province"] not in known:
            raise DataError(
                f"{where}: column 'province' = {row['province']!r}; expected a province of provinces.csv"
            )
        period = str(row["period"])
        if not period.startswith(str(row["year"])):
            raise DataError(f"{where}: column 'period' = {period!r} must start with the year {row['year']}")
        if (row["months"] == 12) != (period == str(row["year"])):
            raise DataError(
                f"{where}: column 'months' = {row['months']} with period {period!r}; a full year "
                "is written as the year alone with months 12, a part year names its months"
            )
    _unique(table, ["province", "year", "period", "flow"], path)
    _arithmetic(table, table["basis"] == "derived", path, "derived")
    _converted(table, path)
    return table


def _converted(table: pd.DataFrame, path: Path) -> None:
    """A reported row's 亿元 value is its reported value in 亿元 (dollars at the year's rate); a row
    whose reported quantity is no currency (a share, a growth rate) must be ``derived``."""
    rates: pd.Series | None = None
    for line, row in table.iterrows():
        where = f"{path} line {line}"
        unit = row["unit_reported"]
        if unit not in CURRENCY:
            if row["basis"] != "derived":
                raise DataError(
                    f"{where}: column 'unit_reported' = {unit!r} is no currency, so column 'basis' must be "
                    f"'derived'; currencies: {', '.join(CURRENCY)}"
                )
            continue
        if row["basis"] == "derived":
            continue
        factor, dollars = CURRENCY[unit]
        if dollars:
            if rates is None:
                rates = drivers("exchange_rate").set_index("year")["cny_per_usd"]
            if row["year"] not in rates.index:
                raise DataError(
                    f"{where}: no {row['year']} rate in drivers_exchange_rate.csv to convert {unit}"
                )
            factor *= float(rates[row["year"]])
        expected = row["value_reported"] * factor
        if abs(row["value_100m_yuan"] - expected) > ROUNDING + 1e-6 * expected:
            raise DataError(
                f"{where}: column 'value_100m_yuan' = {row['value_100m_yuan']:g}, but value_reported "
                f"{row['value_reported']:g} {unit} is {expected:.1f} 亿元"
            )


def national(path: Path | None = None) -> pd.DataFrame:
    """National processing trade, exports and imports by full year (``national_by_year.csv``), 亿元."""
    path = path or history_path("national_by_year.csv")
    table = _read(path, NATIONAL, exact=True)
    _unique(table, ["year", "flow"], path)
    _arithmetic(table, table["confidence"] == "C", path, "grade-C")
    return table


def national_part_years(path: Path | None = None) -> pd.DataFrame:
    """National processing trade, exports and imports over part years (``national_part_years.csv``),
    亿元, not annualised: the same-period denominators of the panel's part-year cells. Two sources
    may give the same period (each row is kept; the README lists where they disagree)."""
    path = path or history_path("national_part_years.csv")
    table = _read(path, NATIONAL_PART_YEARS, exact=True)
    for line, row in table.iterrows():
        if row["months"] == 12 or not str(row["period"]).startswith(str(row["year"])):
            raise DataError(
                f"{path} line {line}: column 'period' = {row['period']!r} with months {row['months']}: "
                "a part year of that year (full years belong in national_by_year.csv)"
            )
    _unique(table, ["period", "flow", "source_url"], path)
    _arithmetic(table, table["confidence"] == "C", path, "grade-C")
    return table


def milestones(path: Path | None = None) -> pd.DataFrame:
    """Reported regional shares of national processing trade or exports (``milestones.csv``), %."""
    path = path or history_path("milestones.csv")
    table = _read(path, MILESTONES, exact=True)
    _unique(table, ["period", "group", "flow"], path)
    _arithmetic(table, table["confidence"] == "C", path, "grade-C")
    return table


def drivers(name: str, path: Path | None = None) -> pd.DataFrame:
    """A driver series (``drivers_<name>.csv``): one of :data:`DRIVERS`."""
    if name not in DRIVERS:
        raise DataError(f"unknown driver file {name!r}; expected one of {', '.join(DRIVERS)}")
    path = path or history_path(f"drivers_{name}.csv")
    table = _read(path, DRIVERS[name], exact=False)
    if name == "exchange_rate":
        _unique(table, ["year"], path)
    return table


def coverage(
    table: pd.DataFrame | None = None, flow: str | None = None, years: range = range(2008, 2025)
) -> pd.DataFrame:
    """Province × year table of what the panel holds: "R" a full year reported, "D" a full year
    derived, "P<m>" only part of the year (the longest, m months), "" nothing. ``flow`` restricts
    the cells counted (default: any flow)."""
    table = panel() if table is None else table
    if flow is not None:
        table = table[table["flow"] == flow]
    grid = pd.DataFrame("", index=pd.Index(provinces(), name="province"), columns=list(years))
    for (province, year), cells in table.groupby(["province", "year"]):
        if year not in grid.columns:
            continue
        full = cells[cells["months"] == 12]
        if len(full):
            code = "R" if (full["basis"] == "reported").any() else "D"
        else:
            code = f"P{int(cells['months'].max())}"
        grid.loc[province, year] = code
    return grid


def coverage_markdown(grid: pd.DataFrame | None = None) -> str:
    """The coverage table as Markdown (provinces with at least one cell), for the README."""
    grid = coverage() if grid is None else grid
    grid = grid[(grid != "").any(axis=1)]
    head = "| province | " + " | ".join(str(y) for y in grid.columns) + " |"
    rule = "|---|" + "---|" * len(grid.columns)
    body = [f"| {p} | " + " | ".join(row) + " |" for p, row in zip(grid.index, grid.to_numpy(), strict=True)]
    return "\n".join([head, rule, *body])
