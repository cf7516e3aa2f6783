"""Run one scenario and write its result folder: the unit of work of every sweep."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from simulation import outputs
from simulation import scenario as scenario_mod
from simulation.io import check_output_folder, clean_temporaries, write_json, write_parquet
from simulation.model import RelocationModel

if TYPE_CHECKING:
    import pandas as pd

#: Draws a run's figures: the timeseries table in, the ``figures/`` folder to write into. The runner
#: knows no plotting library; ``ptsim run`` passes :func:`simulation.plots.run_figures`.
FigureWriter = Callable[["pd.DataFrame", Path], object]

MANIFEST = "manifest.json"  # written last: the mark of a finished run folder
VERSIONED = ("processing-trade-sim", "mesa", "numpy", "pandas", "scipy", "pyarrow", "matplotlib")


def simulate(sc: scenario_mod.Scenario, progress: bool = False) -> RelocationModel:
    """Build the model of ``sc`` and run all its steps."""
    model = RelocationModel(sc)
    steps = sc.params["run.steps"]
    # the bar appears only for runs longer than a couple of seconds
    for _ in tqdm(range(steps), desc=sc.name, unit="quarter", disable=not progress, delay=2.0, leave=False):
        model.step()
    return model


def run_to_folder(
    sc: scenario_mod.Scenario, out: Path, progress: bool = False, figures: FigureWriter | None = None
) -> dict[str, Any]:
    """Run ``sc`` and write timeseries, flows, summary and manifest to ``out``; with ``figures``,
    also the figures it draws into ``out/figures``.

    ``out`` is checked (and created) before the simulation starts. ``manifest.json`` is the commit
    mark: an older one is removed before anything is written and the new one is written last, so a
    folder without it is an unfinished run (``ptsim plot`` and ``ptsim report`` say so).
    """
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    check_output_folder(out)
    model = simulate(sc, progress)
    ts = model.recorder.timeseries(model)
    summary = outputs.summary(model, ts)
    (out / MANIFEST).unlink(missing_ok=True)
    clean_temporaries(out)  # left by a run killed while writing into this folder
    write_parquet(out / "timeseries.parquet", ts)
    write_parquet(out / "flows.parquet", model.recorder.flow_table(model))
    write_parquet(out / "channels.parquet", model.recorder.channel_table(model))
    write_parquet(out / "fiscal.parquet", model.recorder.fiscal_table(model))
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
    return summary


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
