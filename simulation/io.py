"""Result files written whole or not at all, read back with errors that name the file.

Every result file goes through :func:`atomic_write` (a temporary file in the same folder, then a
rename), so an interrupted run or sweep never leaves a half-written file behind; what a kill can
leave is a hidden ``.<name>.<random>.tmp`` file, which :func:`clean_temporaries` removes. Reading
goes through :func:`read_json` and :func:`read_parquet`, which turn a damaged or unreadable file
into a :class:`ResultFileError` naming it; :func:`check_output_folder` finds a folder that cannot be
written before any work is done.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads when a table is read or written, not with ``ptsim --help``
    import pandas as pd

#: Largest input file (scenario, experiment) read, bytes: the largest in the repository is ~1 kB; a
#: cap stops ``ptsim validate /dev/zero`` (or a huge file) from reading until memory runs out.
MAX_INPUT_BYTES = 1 << 20
PATH_MAX = 4096  # bytes in a path (Linux)
#: Columns of one frame that hold the same kind of value get the same categories, so that they
#: compare and merge with each other (``flows.origin != flows.destination``).
SHARED_CATEGORIES = (("origin", "destination", "province"), ("origin_region", "destination_region", "region"))
#: Schema metadata key of the units of a Parquet file's columns (a JSON object column -> unit).
UNITS_KEY = b"ptsim.units"
TEMPORARY = ".*.tmp"  # the names atomic_write gives its temporary files


class ResultFileError(ValueError):
    """A result file or folder cannot be read or written; the message names it and says why."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = str(path)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
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
    import pyarrow as pa  # deferred: pandas and pyarrow load when a table is written
    import pyarrow.parquet as pq

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
    import pandas as pd

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
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return True
    return column.dtype == object and bool(column.dropna().map(type).eq(str).all())


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """CSV for Stata and R: UTF-8, header row, floats round-trip exactly, empty cells for missing."""
    atomic_write(path, lambda p: table.to_csv(p, index=False, na_rep=""))


def clean_temporaries(folder: Path) -> int:
    """Remove the temporary files interrupted atomic writes left under ``folder``; returns how many."""
    found = list(Path(folder).rglob(TEMPORARY)) if Path(folder).is_dir() else []
    for tmp in found:
        tmp.unlink(missing_ok=True)
    return len(found)


# --- reading ------------------------------------------------------------------------------------


def read_json(path: Path, hint: str = "") -> dict[str, Any]:
    """The JSON object in ``path``; a :class:`ResultFileError` naming the file if it cannot be read,
    is not valid JSON (e.g. truncated) or is not an object. ``hint`` is added to the message."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultFileError(path, f"damaged or unreadable JSON ({_why(exc)}){_hint(hint)}") from None
    if not isinstance(data, dict):
        raise ResultFileError(path, f"expected a JSON object, found {type(data).__name__}{_hint(hint)}")
    return data


def read_parquet(path: Path, hint: str = "") -> pd.DataFrame:
    """The table in ``path``; a :class:`ResultFileError` naming the file if it cannot be read (e.g.
    truncated: a Parquet file ends with its footer, so a cut-off file is always detected)."""
    import pandas as pd
    import pyarrow as pa

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ResultFileError(
            path, f"damaged or unreadable Parquet file ({_why(exc)}){_hint(hint)}"
        ) from None


def parquet_is_whole(path: Path) -> bool:
    """Whether ``path`` is a readable Parquet file (its footer and schema parse; cheap: the data
    pages are not read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).close()
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


def read_csv(path: Path, hint: str = "", **options: Any) -> pd.DataFrame:
    """The CSV table in ``path`` (``options`` go to :func:`pandas.read_csv`); a
    :class:`ResultFileError` naming the file if it cannot be read or parsed."""
    import pandas as pd

    try:
        return pd.read_csv(path, **options)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ResultFileError(path, f"damaged or unreadable CSV file ({_why(exc)}){_hint(hint)}") from None


def read_input_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a small input file, refusing what is not a regular file (a device such as
    ``/dev/zero``, a pipe) or is larger than ``limit`` bytes."""
    path = Path(path)
    check_input_file(path, limit)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ResultFileError(path, f"larger than {limit:,} bytes: not an input file of this model")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def check_input_file(path: Path, limit: int = MAX_INPUT_BYTES) -> None:
    """A :class:`ResultFileError` unless ``path`` is a regular file of at most ``limit`` bytes; a
    missing file is left to the reader (which names it in its own words)."""
    path = Path(path)
    try:
        st = path.stat()
    except (OSError, ValueError):  # missing, or a name the OS refuses: the loader reports it
        return
    import stat

    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device or pipe?)"
        raise ResultFileError(path, f"{kind}: give a scenario or experiment file (TOML)")
    if st.st_size > limit:
        raise ResultFileError(path, f"{st.st_size:,} bytes, larger than the {limit:,} an input file may have")


# --- output folders ------------------------------------------------------------------------------


def check_output_folder(path: Path, flag: str = "--out") -> None:
    """Make sure results can be written to the folder ``path`` before any work is done: a name the
    OS accepts, no regular file in the way, and a folder that takes a file. Creates the folder;
    a :class:`ResultFileError` naming ``flag`` and the path says what is wrong."""
    text = os.fspath(path)
    if "\0" in text:
        raise ResultFileError(repr(text), f"{flag}: a path may not contain a NUL character")
    if not text.strip():
        raise ResultFileError(repr(text), f"{flag}: empty path")
    if len(os.fsencode(os.path.abspath(text))) >= PATH_MAX:
        raise ResultFileError(f"{text[:60]}...", f"{flag}: a path longer than the {PATH_MAX} bytes allowed")
    limit = _name_max(Path(path).parent)
    for part in Path(path).parts:
        if len(os.fsencode(part)) > limit:
            raise ResultFileError(
                f"{part[:40]}...",
                f"{flag}: a file or folder name of {len(os.fsencode(part))} bytes; "
                f"the file system allows {limit}",
            )
    for parent in (Path(path), *Path(path).parents):
        if _exists(parent) and not parent.is_dir():
            raise ResultFileError(parent, f"{flag}: is a file, not a folder; choose another path")
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", suffix=".tmp", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ResultFileError(path, f"{flag}: cannot write here ({_why(exc)})") from None


def _name_max(path: Path) -> int:
    """Longest file name (bytes) of the file system holding ``path`` (255 if unknown)."""
    for parent in (path, *path.parents):
        if _exists(parent):
            try:
                return int(os.pathconf(parent, "PC_NAME_MAX"))
            except (OSError, ValueError, AttributeError):
                break
    return 255


def _exists(path: Path) -> bool:
    """``path.exists()``, False for a name the OS refuses (too long, ...)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _hint(hint: str) -> str:
    return f"; {hint}" if hint else ""
