"""Run one scenario and write its result folder: the unit of work of every sweep."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from simulation import outputs
from simulation import results_format as fmt
from simulation import scenario as scenario_mod
from simulation.io import check_output_folder, write_json, write_parquet
from simulation.model import RelocationModel

if TYPE_CHECKING:
    import pandas as pd

#: Draws a run's figures: the timeseries table in, the ``figures/`` folder to write into. The runner
#: knows no plotting library; ``ptsim run`` passes :func:`simulation.plots.run_figures`.
FigureWriter = Callable[["pd.DataFrame", Path], object]

MANIFEST = "manifest.json"  # written last: the mark of a finished run folder
VERSIONED = ("processing-trade-sim", "mesa", "numpy", "pandas", "scipy", "pyarrow", "matplotlib")


class NonFiniteOutputError(RuntimeError):
    """A run produced NaN or infinite outputs: its results are not written (a sweep records the run
    as failed with this message)."""


def simulate(sc: scenario_mod.Scenario, progress: bool = False) -> RelocationModel:
    """Build the model of ``sc`` and run all its steps; raise :class:`NonFiniteOutputError` if any
    recorded output is NaN or infinite."""
    model = RelocationModel(sc)
    steps = sc.params["run.steps"]
    # the bar appears only for runs longer than a couple of seconds
    for _ in tqdm(range(steps), desc=sc.name, unit="quarter", disable=not progress, delay=2.0, leave=False):
        model.step()
    check_finite(model)
    return model


def check_finite(model: RelocationModel) -> None:
    """Raise :class:`NonFiniteOutputError` naming the outputs, the first quarter and the provinces
    where the recorder holds NaN or infinities (its aggregates are small: steps x sectors x provinces)."""
    rec, names = model.recorder, model.world.names
    bad: dict[str, tuple[str, list[str]]] = {}  # output -> (first quarter, provinces there)
    for row, (advantage, effect) in zip(rec.steps, rec.advantage, strict=True):
        arrays = {k: v for k, v in row.items() if isinstance(v, np.ndarray)}
        arrays |= {"channel advantage": advantage.T, "channel lever_effect": effect.T}
        for name, values in arrays.items():
            finite = np.isfinite(values)
            if name not in bad and not finite.all():
                where = ~finite if finite.ndim == 1 else ~finite.all(axis=0)
                bad[name] = (row["quarter"], names[where].tolist())
    for row, spent in zip(rec.steps, rec.fiscal, strict=True):
        for lever, yuan in spent.items():
            if not np.isfinite(yuan) and f"fiscal {lever}" not in bad:
                bad[f"fiscal {lever}"] = (row["quarter"], [])
    flows = [f for f in rec.flows if not np.isfinite(f).all()]
    if flows:
        bad.setdefault("flows employment", (f"step {int(flows[0][0, 0])}", []))
    if bad:
        _raise_non_finite(model.spec, bad)


def _raise_non_finite(sc: scenario_mod.Scenario, bad: dict[str, tuple[str, list[str]]]) -> None:
    parts = []
    for name, (quarter, provinces) in list(bad.items())[:6]:
        shown = ", ".join(provinces[:5]) + (f" and {len(provinces) - 5} more" if len(provinces) > 5 else "")
        parts.append(f"{name} (from {quarter}{' in ' + shown if shown else ''})")
    if len(bad) > 6:
        parts.append(f"and {len(bad) - 6} more outputs")
    raise NonFiniteOutputError(
        f"{sc.source}: scenario '{sc.name}' ran to NaN or infinite outputs, so nothing was written: "
        f"{'; '.join(parts)}. Its inputs passed validation, so this is a gap in the declared ranges "
        "(please report it with the scenario); until then, move the inputs it changes towards their "
        "defaults"
    )


def run_to_folder(
    sc: scenario_mod.Scenario,
    out: Path,
    progress: bool = False,
    figures: FigureWriter | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Run ``sc`` and write timeseries, flows, summary and manifest to ``out``; with ``figures``,
    also the figures it draws into ``out/figures`` (before the manifest, which lists them).

    ``out`` is checked before the simulation starts (a path that cannot be written is refused at
    once). An existing non-empty ``out`` is refused (:class:`~simulation.scenario.ScenarioError`)
    unless ``overwrite``. The folder is written as a temporary sibling, ``manifest.json`` last, and
    then put in place, so ``out`` is either the old folder, untouched, or the complete new one."""
    created = not os.path.lexists(out) if check_path_text(out) else False
    check_output_folder(out)  # names the path's problem before any work (creates the folder)
    check_out(out, overwrite)
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        model = simulate(sc, progress)
        ts = model.recorder.timeseries(model)
        summary = outputs.summary(model, ts)
        _check_summary(sc, summary)
    except BaseException:
        if created:  # a failed run leaves nothing behind, not even the folder it made
            shutil.rmtree(out, ignore_errors=True)
        raise
    work = _sibling(out, "new")
    try:
        _write_folder(sc, model, ts, summary, work, figures, started, t0)
        _put_in_place(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def check_path_text(out: Path) -> bool:
    """Whether ``out`` can be asked about at all (no NUL, names the OS accepts): else
    :func:`~simulation.io.check_output_folder` reports why."""
    try:
        os.path.lexists(out)
        return "\0" not in os.fspath(out)
    except (OSError, ValueError):
        return False


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an ``out`` that is a file, or an existing non-empty folder without ``overwrite``."""
    if out.exists() and not out.is_dir():
        raise scenario_mod.ScenarioError("--out", str(out), "exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise scenario_mod.ScenarioError(
            "--out",
            str(out),
            "folder exists and is not empty; add --overwrite to replace it (the old folder is removed "
            "only once the new one is complete), or choose a new folder",
        )


def _sibling(out: Path, what: str) -> Path:
    """A new empty hidden folder beside ``out`` (same file system, so renames are atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=f".{what}", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)  # mkdtemp makes 0700; a results folder is an ordinary folder
    return path


def _put_in_place(work: Path, out: Path) -> None:
    """Rename the finished folder ``work`` to ``out``; an existing ``out`` is first renamed aside and
    removed after the swap."""
    if not out.exists():
        os.replace(work, out)
        return
    old = _sibling(out, "old")
    os.replace(out, old)  # onto the empty placeholder
    try:
        os.replace(work, out)
    except OSError:
        os.replace(old, out)  # put the old folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_folder(
    sc: scenario_mod.Scenario,
    model: RelocationModel,
    ts: pd.DataFrame,
    summary: dict[str, Any],
    out: Path,
    figures: FigureWriter | None,
    started: str,
    t0: float,
) -> None:
    """The files of a run folder (docs/outputs.md), into ``out``."""
    write_parquet(out / "timeseries.parquet", ts, fmt.TIMESERIES.units)
    write_parquet(out / "flows.parquet", model.recorder.flow_table(model), fmt.FLOWS.units)
    write_parquet(out / "abroad.parquet", model.recorder.abroad_table(model), fmt.ABROAD.units)
    write_parquet(out / "channels.parquet", model.recorder.channel_table(model), fmt.CHANNEL_TABLE.units)
    write_parquet(out / "fiscal.parquet", model.recorder.fiscal_table(model), fmt.FISCAL.units)
    write_parquet(out / "accounts.parquet", model.recorder.accounts_table(model), fmt.ACCOUNTS.units)
    write_json(out / "summary.json", summary)
    if figures is not None:
        figures(ts, out / "figures")
    write_json(
        out / MANIFEST,
        {
            "scenario": sc.to_dict(),
            "scenario_source": sc.source,
            "scenario_hash": sc.hash(),
            "seed": model.seed,
            "versions": versions(),
            "started_utc": started,
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "command": sys.argv,
            "files": sorted({p.name for p in out.iterdir() if p.is_file()} | {"manifest.json"})
            + (["figures/"] if figures is not None else []),
        },
    )


def _check_summary(sc: scenario_mod.Scenario, summary: dict[str, Any], prefix: str = "") -> None:
    """Raise :class:`NonFiniteOutputError` if a number of ``summary`` is NaN or infinite."""
    bad = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            _check_summary(sc, value, f"{prefix}{key}.")
        elif isinstance(value, float | np.floating) and not np.isfinite(value):
            bad[f"summary {prefix}{key}"] = ("the summary", [])
    if bad:
        _raise_non_finite(sc, bad)


def versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Python, platform and the versions of the model's packages (and ``extra`` ones) for the
    manifest; "not installed" for a package that is missing."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in (*VERSIONED, *extra):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def default_out(sc: scenario_mod.Scenario, root: Path = Path("results")) -> Path:
    """A new folder under ``results/`` named by scenario, seed and time; a scenario name that is not
    a plain folder name (``../x``, ``/tmp/x``) is refused rather than written outside ``root``."""
    check_folder_name(sc.name, sc.source)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{sc.name}-seed{sc.params['run.seed']}-{stamp}"
    path, i = base, 1
    while path.exists():
        i += 1
        path = Path(f"{base}-{i}")
    return path


#: What may name a results folder: letters, digits, ``_ . + -``, not starting with a dot.
FOLDER_NAME = re.compile(r"[\w+-][\w.+-]*")


def check_folder_name(name: str, source: str, key: str = "scenario.name") -> None:
    """A :class:`~simulation.scenario.ScenarioError` unless ``name`` can name a folder under
    ``results/`` (no path separators, no ``..``, no leading dot, at most 200 characters)."""
    if not FOLDER_NAME.fullmatch(name) or len(name) > 200:
        raise scenario_mod.ScenarioError(
            source,
            key,
            f"{name[:80]!r} cannot name a results folder: use letters, digits and _ . + - (not starting "
            "with a dot, at most 200 characters), or give --out",
        )
