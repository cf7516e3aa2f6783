"""The results folder of a sweep: manifest, one Parquet part and one record per run, summary tables.

Layout of ``<out>/``::

    manifest.json                      spec and its hash, master seed, seeds, versions, runs
    design.csv                         one row per design point
    runs/scenario=<name>/run-<id>.parquet   per step x province series of each finished ok run
    flows/scenario=<name>/run-<id>.parquet  its origin-destination moves summed over the run
    channels/scenario=<name>/run-<id>.parquet  its province x channel table at the last step
    records/run-<id>.json              status, seed, parameters, wall time, outcomes of each run
    summary.parquet, summary.csv       one row per run: ids, parameters, scalar outcomes
    summary_by_<key>.parquet/.csv      one row per ok run x key: the per-region, -sector, -lever,
    summary_scale.parquet/.csv         -channel, -province x channel outcomes, the scale card
                                       (simulation.results_format.OUTCOME_TABLES; all built from
                                       the records at the end)

A run is *finished* when its record exists; the record is written (atomically) after the Parquet
parts (flows, channels, then the series part; a local worker writes its run's parts itself, a Dask
worker sends them back), so a run killed half-way has no record and is redone on ``--resume``.
Leftover temporary files of interrupted atomic writes are removed on resume. ``--resume`` also
checks what it keeps: a record that does not parse or lacks a field, or an ok run whose Parquet
part is missing or damaged (truncated: its footer does not parse), is removed with its parts and
the run is redone (:meth:`Store.finished` lists them in :attr:`Store.redone`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from simulation import results_format as fmt
from simulation.io import (
    ResultFileError,
    atomic_write,
    check_output_folder,
    clean_temporaries,
    parquet_is_whole,
    read_json,
    read_parquet,
    write_csv,
    write_json,
    write_parquet,
)
from simulation.sweep.errors import SweepError
from simulation.sweep.runs import RunResult
from simulation.sweep.spec import Task

#: Per-run Parquet parts of a sweep folder; the series part (``runs``) is written last.
PART_FOLDERS = ("flows", "channels", "runs")
#: Units of the part columns: those of the run folder's tables (docs/outputs.md) by column name.
PART_UNITS = {
    **fmt.TIMESERIES.units,
    **fmt.FLOWS.units,
    **fmt.CHANNEL_TABLE.units,
    "lever_effect_mean": fmt.PER_YUAN,
    "advantage_change": fmt.PER_YUAN,
}
ID_COLUMNS = ("run_id", "scenario", "point", "seed_index", "seed", "status", "wall_time_s", "error")
#: Fields of a run record and their types: a record lacking one is damaged (the run is redone).
RECORD_FIELDS = {
    "run_id": str,
    "scenario": str,
    "point": int,
    "seed_index": int,
    "seed": int,
    "params": dict,
    "status": str,
    "error": str,
    "wall_time_s": (int, float),
    "outcomes": dict,
}
OPTIONAL_VERSIONS = ("dask", "distributed", "SALib", "ema_workbench")


class Store:
    """A sweep's results folder (paths and the reading and writing of its files)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.redone: list[str] = []  # runs whose damaged files --resume removed, to run again

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def part_path(self, scenario: str, run_id: str, folder: str = "runs") -> Path:
        """A run's Parquet part in ``folder`` (:data:`PART_FOLDERS`: runs, flows or channels)."""
        return self.root / folder / f"scenario={scenario}" / f"run-{run_id}.parquet"

    def part_paths(self, task: Task) -> dict[str, str]:
        """Folder -> path of each of a run's Parquet parts."""
        return {folder: str(self.part_path(task.scenario, task.run_id, folder)) for folder in PART_FOLDERS}

    def record_path(self, run_id: str) -> Path:
        return self.root / "records" / f"run-{run_id}.json"

    # --- opening ---------------------------------------------------------------------------

    def open(
        self, spec: dict, spec_hash: str, resume: bool, extra: dict[str, Any], retry_failed: bool = False
    ) -> dict[str, dict]:
        """Prepare the folder for a sweep of ``spec``; returns the finished runs' records by run id.

        Without ``resume`` the folder must be new or empty. With ``resume`` its manifest must hold the
        same spec hash; otherwise the error lists the keys that differ. ``retry_failed`` drops the
        records of failed runs so that they run again.
        """
        check_output_folder(self.root)
        existing = any(self.root.iterdir())
        if existing and not resume:
            raise SweepError(
                str(self.root),
                "--out",
                "folder exists and is not empty; add --resume to continue the sweep "
                "in it, or choose a new folder (results are never overwritten)",
            )
        if existing:
            self._check_same_spec(spec, spec_hash)
            clean_temporaries(self.root)
            finished = self.finished()
            for run_id in [r for r, rec in finished.items() if retry_failed and rec["status"] != "ok"]:
                self.record_path(run_id).unlink()
                del finished[run_id]
        else:
            finished = {}
        self._write_manifest(spec, spec_hash, extra, state="running")
        return finished

    def _check_same_spec(self, spec: dict, spec_hash: str) -> None:
        if not self.manifest_path.is_file():
            raise SweepError(str(self.root), "--resume", "no manifest.json here: not a sweep results folder")
        try:
            old = read_json(self.manifest_path)
        except ResultFileError as exc:
            raise SweepError(
                str(self.manifest_path),
                "--resume",
                f"{exc.args[0].removeprefix(str(self.manifest_path) + ': ')}: it holds the spec that "
                "--resume must match, so the sweep cannot be continued here; write to a new --out folder "
                "(the finished runs' records are in records/)",
            ) from None
        if "spec_hash" not in old:
            raise SweepError(
                str(self.manifest_path),
                "--resume",
                "not a sweep's manifest (no spec_hash): a `ptsim run` folder?",
            )
        if old.get("spec_hash") == spec_hash:
            return
        diffs = spec_diff(old.get("spec", {}), spec)
        shown = "; ".join(diffs[:8]) + (f"; ... ({len(diffs) - 8} more)" if len(diffs) > 8 else "")
        raise SweepError(
            str(self.root),
            "--resume",
            f"the sweep spec changed since this folder was started (hash {str(old.get('spec_hash'))[:12]} -> "
            f"{spec_hash[:12]}): {shown or 'spec format changed'}. Resume only with the same scenarios, "
            "design, seeds and overrides, or write to a new --out folder",
        )

    def finished(self) -> dict[str, dict]:
        """Records of finished runs, checked: a record that is damaged (not JSON, a field missing or
        of the wrong type, named for another run) or of an ok run whose Parquet parts are not all
        whole is removed with the run's parts, and the run is listed in :attr:`redone` (it will run
        again)."""
        out: dict[str, dict] = {}
        for path in sorted((self.root / "records").glob("run-*.json")):
            rec = self._valid_record(path)
            if rec is None:
                self._discard(path)
                continue
            out[rec["run_id"]] = rec
        return out

    def _valid_record(self, path: Path) -> dict | None:
        """The record in ``path`` if it is whole and its ok run's parts are too, else None."""
        try:
            rec = read_json(path)
        except ResultFileError:
            return None
        for key, kind in RECORD_FIELDS.items():
            if not isinstance(rec.get(key), kind) or isinstance(rec.get(key), bool):
                return None
        if path.name != f"run-{rec['run_id']}.json" or rec["status"] not in ("ok", "failed"):
            return None
        if rec["status"] == "ok":
            parts = [self.part_path(rec["scenario"], rec["run_id"], folder) for folder in PART_FOLDERS]
            # a sweep made before flows/ and channels/ were kept has only runs/ parts
            needed = [p for p in parts if p.parent.parent.is_dir()]
            if not needed or not all(p.is_file() and parquet_is_whole(p) for p in needed):
                return None
        return rec

    def _discard(self, record: Path) -> None:
        """Remove a damaged record and the parts of its run (rewritten when the run is redone)."""
        run_id = record.stem.removeprefix("run-")
        for part in self.root.glob(f"*/scenario=*/run-{run_id}.parquet"):
            part.unlink(missing_ok=True)
        record.unlink(missing_ok=True)
        self.redone.append(run_id)

    # --- writing ---------------------------------------------------------------------------

    def write_run(self, task: Task, result: RunResult, design_point: dict[str, Any]) -> dict:
        """Write the run's Parquet parts (those it still carries: a local worker has written its
        own) and then its record; return the record."""
        if result.ok:
            write_parts(result, task, self.part_paths(task))
        record = {
            "run_id": task.run_id,
            "scenario": task.scenario,
            "point": task.point,
            "seed_index": task.seed_index,
            "seed": task.seed,
            "params": design_point,
            "status": result.status,
            "error": result.error,
            "wall_time_s": round(result.wall_time_s, 4),
            "outcomes": result.outcomes,
            "outcome_tables": result.outcome_tables,
        }
        # keys in the summary's order (not sorted), so that a resumed sweep's table has the same columns
        text = json.dumps(record, indent=1, ensure_ascii=False) + "\n"
        atomic_write(self.record_path(task.run_id), lambda p: p.write_text(text, encoding="utf-8"))
        return record

    def _write_manifest(self, spec: dict, spec_hash: str, extra: dict[str, Any], state: str) -> None:
        previous = read_json(self.manifest_path) if self.manifest_path.is_file() else {}
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest = {
            **previous,
            **extra,
            "spec": spec,
            "spec_hash": spec_hash,
            "state": state,
            "created_utc": previous.get("created_utc", now),
            "updated_utc": now,
            "versions": versions(),
        }
        write_json(self.manifest_path, manifest)

    def finish(self, tasks: list[Task], records: dict[str, dict], spec: dict, spec_hash: str) -> pd.DataFrame:
        """Write ``summary.parquet``/``.csv`` and the long outcome tables (``summary_by_*``,
        ``summary_scale``; :data:`simulation.results_format.OUTCOME_TABLES`) from the records, and
        complete the manifest (no worker is writing any more: what interrupted writes left is
        removed)."""
        clean_temporaries(self.root)
        done = [records[t.run_id] for t in tasks if t.run_id in records]
        table = summary_table(done)
        units = fmt.SWEEP_SUMMARY.units
        write_parquet(self.root / "summary.parquet", table, units)
        write_csv(self.root / "summary.csv", table)
        for spec_table in fmt.OUTCOME_TABLES:
            long = outcome_table(done, spec_table)
            write_parquet(self.root / spec_table.name, long, spec_table.units)
            write_csv(self.root / f"{spec_table.stem}.csv", long)
        runs = [
            {c: records[t.run_id][c] for c in ("run_id", "scenario", "point", "seed_index", "seed", "status")}
            | {
                "wall_time_s": records[t.run_id]["wall_time_s"],
                "error": _last_line(records[t.run_id]["error"]),
            }
            for t in tasks
            if t.run_id in records
        ]
        failed = sum(r["status"] != "ok" for r in runs)
        missing = len(tasks) - len(runs)
        state = "complete" if not (failed or missing) else f"complete: {failed} failed, {missing} missing"
        counts = {
            "parameter_columns": {v: k for k, v in parameter_columns(done).items()},
            "runs_total": len(tasks),
            "runs_ok": len(runs) - failed,
            "runs_failed": failed,
            "runs": runs,
        }
        self._write_manifest(spec, spec_hash, counts, state=state)
        return table


def write_parts(result: RunResult, task: Task, paths: dict[str, str]) -> None:
    """Write the tables ``result`` carries (flows, channels, series; the series part last) to
    ``paths``, each with the run's id columns."""
    ids = {"run_id": task.run_id, "point": task.point, "seed_index": task.seed_index, "seed": task.seed}
    tables = {"flows": result.flows, "channels": result.channels, "runs": result.timeseries}
    for folder in PART_FOLDERS:
        table = tables[folder]
        if table is None:
            continue
        frame = pd.concat([pd.DataFrame(ids, index=table.index), table], axis=1).astype(
            {"point": np.int64, "seed_index": np.int64, "seed": np.int64}
        )
        write_parquet(Path(paths[folder]), frame, PART_UNITS)


def summary_table(records: list[dict]) -> pd.DataFrame:
    """One row per run: ids, status, the varied parameters (named by :func:`parameter_columns`), then
    the scalar outcomes (:data:`simulation.results_format.SCALAR_OUTCOMES`; NaN when failed)."""
    names = parameter_columns(records)
    outcomes = [f.name for f in fmt.SCALAR_OUTCOMES]
    rows = []
    for rec in records:
        row = {c: rec[c] for c in ID_COLUMNS if c != "error"}
        row["error"] = _last_line(rec["error"])
        row.update({names[k]: v for k, v in rec["params"].items()})
        row.update({k: rec["outcomes"].get(k, math.nan) for k in outcomes})
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ID_COLUMNS})
    table["seed"] = table["seed"].astype(np.int64)
    return table.sort_values(["scenario", "point", "seed_index"], kind="stable").reset_index(drop=True)


def parameter_columns(records: list[dict]) -> dict[str, str]:
    """Varied key -> its summary column (:func:`simulation.results_format.safe_name`; a key whose
    name another key already took gets the name with a digest)."""
    keys = list(dict.fromkeys(k for rec in records for k in rec["params"]))
    out: dict[str, str] = {}
    taken = set(ID_COLUMNS) | {f.name for f in fmt.SCALAR_OUTCOMES}
    for key in keys:
        name = fmt.safe_name(key)
        if name in taken:
            name = f"{name[: fmt.MAX_NAME - 5]}_{hashlib.sha256(key.encode()).hexdigest()[:4]}"
        out[key] = name
        taken.add(name)
    return out


def outcome_table(records: list[dict], spec: fmt.ResultFile) -> pd.DataFrame:
    """One long outcome table (``spec``, one of :data:`simulation.results_format.OUTCOME_TABLES`):
    the rows of each ok run's record with the run's id columns, in the declared columns and types."""
    rows = [
        {**{c: rec[c] for c in fmt.RUN_ID_COLUMNS}, **row}
        for rec in sorted(records, key=lambda r: (r["scenario"], r["point"], r["seed_index"]))
        if rec["status"] == "ok"
        for row in rec.get("outcome_tables", {}).get(spec.stem, [])
    ]
    frame = pd.DataFrame(rows, columns=list(spec.columns))
    casts = {"int64": np.int64, "float64": float, "category": "category"}
    return frame.astype({f.name: casts[f.dtype] for f in spec.fields if f.dtype in casts})


def read_runs(root: Path, folder: str = "runs") -> pd.DataFrame:
    """All Parquet parts of ``folder`` (runs, flows or channels) of a results folder as one frame
    (with the ``scenario`` column, a categorical, from the Hive partition), read with
    ``pyarrow.dataset`` in the order of the part paths; empty if there are none. A damaged part is
    named (:class:`~simulation.io.ResultFileError`), not traced back."""
    base = Path(root) / folder
    parts = sorted(base.glob("scenario=*/run-*.parquet"))
    if not parts:
        return pd.DataFrame()
    scenario = pa.schema([("scenario", pa.dictionary(pa.int32(), pa.string()))])
    hive = ds.partitioning(scenario, flavor="hive", dictionaries="infer")
    try:
        data = ds.dataset(
            [str(p) for p in parts], format="parquet", partitioning=hive, partition_base_dir=str(base)
        )
        return data.to_table().to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        hint = "a damaged run part: `--resume` the sweep to redo that run"
        for p in parts:  # find and name the damaged part
            read_parquet(p, hint)
        raise


def spec_diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Human-readable differences between two JSON-like values, as ``key: old -> new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in old:
                out.append(f"{name}: added ({_short(new[key])})")
            elif key not in new:
                out.append(f"{name}: removed (was {_short(old[key])})")
            else:
                out.extend(spec_diff(old[key], new[key], name))
        return out
    if _normal(old) != _normal(new):
        return [f"{prefix or 'spec'}: {_short(old)} -> {_short(new)}"]
    return []


def versions() -> dict[str, str]:
    """Versions of Python, the model's packages and the optional sweep packages."""
    from simulation.runner import versions as run_versions

    return run_versions(OPTIONAL_VERSIONS)


def _normal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _short(value: Any, width: int = 60) -> str:
    text = _normal(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
