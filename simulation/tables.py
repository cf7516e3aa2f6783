"""Checked loading of the project's CSV data files.

Each file has a declared column specification (type, unit, range). Loading fails with an error that
names the file, the row, the column and what is allowed, never with a bare pandas or numpy error.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """A data file or a scenario's data override is malformed."""


@dataclass(frozen=True)
class Column:
    """One column of a data table."""

    name: str
    kind: str  # "str", "float", "bool"
    unit: str = "-"
    low: float | None = None
    high: float | None = None
    required: bool = True
    low_open: bool = False  # the low bound itself is excluded (a share that must stay positive)

    def parse(self, raw: str, where: str) -> str | float | bool:
        """Parse one cell; ``where`` names file/row for the error message."""
        text = raw.strip()
        if self.kind == "str":
            if self.required and not text:
                raise DataError(f"{where}: column '{self.name}' is empty; a value is required")
            return text
        if not text:
            if self.required:
                raise DataError(f"{where}: column '{self.name}' is empty; expected {self.allowed()}")
            return math.nan
        if self.kind == "bool":
            if text not in ("0", "1"):
                raise DataError(f"{where}: column '{self.name}' = {text!r}; expected 0 or 1")
            return text == "1"
        try:
            value = float(text)
        except ValueError:
            raise DataError(f"{where}: column '{self.name}' = {text!r}; expected {self.allowed()}") from None
        return self.check(value, where)

    def check(self, value: float, where: str) -> float:
        """Check a number against the declared range (0 or 1 for flags)."""
        if self.kind == "bool" and value not in (0, 1):
            raise DataError(f"{where}: column '{self.name}' = {value!r}; expected 0 or 1")
        if (
            not math.isfinite(value)
            or (self.low is not None and (value <= self.low if self.low_open else value < self.low))
            or (self.high is not None and value > self.high)
        ):
            raise DataError(f"{where}: column '{self.name}' = {value!r}; expected {self.allowed()}")
        return value

    def allowed(self) -> str:
        if self.kind == "bool":
            return "0 or 1"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"a number in {'(' if self.low_open else '['}{lo}, {hi}] ({self.unit})"


def data_path(name: str) -> Path:
    """Path of a file shipped in ``simulation/data``."""
    return Path(str(resources.files("simulation") / "data" / name))


def read_table(path: Path, columns: tuple[Column, ...], key: str | None = None) -> dict[str, np.ndarray]:
    """Read ``path`` into ``{column: array}``, checking every declared column.

    Extra columns (sources, notes) are kept as strings. ``key`` names a column whose values must be
    unique.
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if not rows:
        raise DataError(f"{path}: no data rows")
    header = rows[0].keys()
    missing = [c.name for c in columns if c.name not in header]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    out: dict[str, list] = {c: [] for c in header}
    spec = {c.name: c for c in columns}
    for i, row in enumerate(rows, start=2):
        where = f"{path} line {i}"
        for name in header:
            raw = row.get(name) or ""
            out[name].append(spec[name].parse(raw, where) if name in spec else raw)
    table = {k: np.asarray(v) for k, v in out.items()}
    if key is not None:
        values, counts = np.unique(table[key], return_counts=True)
        if (counts > 1).any():
            raise DataError(f"{path}: duplicate {key} {values[counts > 1].tolist()}")
    return table
