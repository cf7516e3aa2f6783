"""Files written whole or not at all: atomic writes of JSON, Parquet and CSV.

Every result file goes through :func:`atomic_write` (a temporary file in the same folder, then a
rename), so an interrupted run or sweep never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


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


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda p: df.to_parquet(p, index=False, compression="zstd"))


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """CSV for Stata and R: UTF-8, header row, floats round-trip exactly, empty cells for missing."""
    atomic_write(path, lambda p: table.to_csv(p, index=False, na_rep=""))
