"""Files written whole or not at all: atomic writes of JSON, Parquet and CSV.

Every result file goes through :func:`atomic_write` (a temporary file in the same folder, then a
rename), so an interrupted run or sweep never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Columns of one frame that hold the same kind of value get the same categories, so that they
#: compare and merge with each other (``flows.origin != flows.destination``).
SHARED_CATEGORIES = (("origin", "destination", "province"), ("origin_region", "destination_region", "region"))
#: Schema metadata key of the units of a Parquet file's columns (a JSON object column -> unit).
UNITS_KEY = b"ptsim.units"


def atomic_write(path: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: Path, data: dict) -> None:
    atomic_write(
        path, lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    )


def write_parquet(path: Path, df: pd.DataFrame, units: Mapping[str, str] | None = None) -> None:
    """Parquet (zstd) of ``df`` as :func:`typed` makes it, with ``units`` (column -> unit) in the
    schema: each field's metadata ``unit`` and the schema's ``ptsim.units`` (JSON)."""
    table = pa.Table.from_pandas(typed(df), preserve_index=False)
    if units:
        fields = [
            f.with_metadata({b"unit": units[f.name].encode()}) if f.name in units else f for f in table.schema
        ]
        meta = {
            **(table.schema.metadata or {}),
            UNITS_KEY: json.dumps(dict(units), ensure_ascii=False).encode(),
        }
        table = table.cast(pa.schema(fields, metadata=meta))
    atomic_write(path, lambda p: pq.write_table(table, p, compression="zstd"))


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as result files hold it: text columns as categoricals (dictionary-encoded in Parquet;
    R reads factors, duckdb text) and a ``quarter`` column of ``YYYYQn`` labels as the first day of
    each quarter (``datetime64[ns]``; ``.dt.to_period("Q")`` gives the period back)."""
    out = df.copy(deep=False)
    for name in out.columns:
        column = out[name]
        if name == "quarter" and _is_text(column):
            out[name] = pd.PeriodIndex(column.astype(str), freq="Q").to_timestamp().astype("datetime64[ns]")
        elif _is_text(column):
            shared = next((g for g in SHARED_CATEGORIES if name in g), (name,))
            values = pd.concat([out[c].dropna().astype(str) for c in shared if c in out.columns])
            categories = pd.Index(sorted(set(values)), dtype=str)
            out[name] = pd.Categorical(column, categories=categories)
    return out


def _is_text(column: pd.Series) -> bool:
    """A column of strings (pandas' str dtype, or object holding only str and missing values)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return True
    return column.dtype == object and bool(column.dropna().map(type).eq(str).all())


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """CSV for Stata and R: UTF-8, header row, floats round-trip exactly, empty cells for missing."""
    atomic_write(path, lambda p: table.to_csv(p, index=False, na_rep=""))
