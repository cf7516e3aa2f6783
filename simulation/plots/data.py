"""Loading a results folder for the figures: a ``ptsim run`` folder or a sweep folder.

:func:`load` tells the two apart by their files (a run has ``timeseries.parquet``/``summary.json``; a
sweep has ``summary.parquet`` and a manifest with a ``spec``). Every table is read on first use and
checked: a missing file or column raises :class:`PlotDataError` naming it (``ptsim plot`` prints the
message and exits with status 2). Units are those of ``docs/outputs.md`` and ``docs/sweeps.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.io import read_csv, read_json, read_parquet
from simulation.scenario import ScenarioError

RUN_FILES = ("timeseries.parquet", "summary.json")
SWEEP_FILES = ("summary.parquet", "summary.csv")

TIMESERIES_COLUMNS = ("step", "quarter", "province", "region", "sector", "employment")
FLOW_COLUMNS = ("step", "origin", "destination", "sector", "firms", "employment")
CHANNEL_COLUMNS = ("step", "province", "region", "channel", "advantage", "lever_effect")
SUMMARY_COLUMNS = ("run_id", "scenario", "point", "seed_index", "seed", "status")
SERIES_COLUMNS = (
    "run_id",
    "scenario",
    "point",
    "seed_index",
    "step",
    "quarter",
    "province",
    "region",
    "employment",
)
FLOW_PART_COLUMNS = (
    "run_id",
    "scenario",
    "point",
    "seed_index",
    "origin",
    "destination",
    "origin_region",
    "destination_region",
    "sector",
    "employment",
)
CHANNEL_PART_COLUMNS = (
    "run_id",
    "scenario",
    "point",
    "seed_index",
    "province",
    "region",
    "channel",
    "lever_effect_mean",
)
EFFECT_COLUMNS = ("scenario", "baseline", "point", "outcome", "n", "diff_mean", "ci_low", "ci_high")
MORRIS_COLUMNS = ("scenario", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma")
SALTELLI_COLUMNS = ("scenario", "outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf")


class PlotDataError(ScenarioError):
    """A results folder lacks what a figure needs; the message names the folder and the missing file
    or column. A :class:`ScenarioError`, so ``ptsim`` reports it and exits with status 2."""

    def __init__(self, where: str | Path, missing: str, message: str):
        ValueError.__init__(self, f"{where}: {message}")
        self.source, self.key = str(where), missing


def as_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A result table as the figures use it: categoricals as text and the ``quarter`` dates as
    ``YYYYQn`` labels (the files hold them as categoricals and quarter-start dates, docs/outputs.md)."""
    out = table.copy(deep=False)
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(str)
        elif name == "quarter" and pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.to_period("Q").astype(str)
    return out


def require_columns(table: pd.DataFrame, columns: Iterable[str], where: str | Path) -> pd.DataFrame:
    """``table`` if it has every one of ``columns``; else a :class:`PlotDataError` naming the missing
    columns and the file."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise PlotDataError(
            where,
            missing[0],
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
            f"(has: {', '.join(map(str, table.columns[:25]))}{', ...' if len(table.columns) > 25 else ''})",
        )
    return table


@dataclass
class Results:
    """A results folder: ``kind`` is ``"run"`` (``ptsim run``) or ``"sweep"``; tables are loaded and
    checked on first use."""

    root: Path
    kind: str
    manifest: dict[str, Any] = field(default_factory=dict)

    # --- files ---------------------------------------------------------------------------------

    def path(self, name: str, what: str = "") -> Path:
        """``root / name`` if it exists, else a :class:`PlotDataError` naming the file."""
        p = self.root / name
        if not p.exists():
            need = f" ({what})" if what else ""
            raise PlotDataError(self.root, name, f"missing file {name}{need}")
        return p

    def has(self, name: str) -> bool:
        return (self.root / name).exists()

    def _parquet(self, name: str, columns: Iterable[str], what: str = "") -> pd.DataFrame:
        path = self.path(name, what)
        return require_columns(as_labels(read_parquet(path)), columns, path)

    def _parts(self, folder: str, columns: Iterable[str], what: str) -> pd.DataFrame:
        from simulation.sweep.store import read_runs

        if not (self.root / folder).is_dir() or not any(
            (self.root / folder).glob("scenario=*/run-*.parquet")
        ):
            raise PlotDataError(
                self.root,
                f"{folder}/",
                f"missing folder {folder}/ with per-run parts ({what}); sweeps made before per-run "
                f"{folder} tables were kept lack it: rerun the sweep to get them",
            )
        table = as_labels(read_runs(self.root, folder))
        return require_columns(table, columns, self.root / folder)

    # --- a single run ---------------------------------------------------------------------------

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """``timeseries.parquet`` (run): step x province x sector."""
        return self._parquet("timeseries.parquet", TIMESERIES_COLUMNS, "step x province x sector series")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """``flows.parquet`` (run): origin-destination moves per step and sector."""
        return self._parquet("flows.parquet", FLOW_COLUMNS, "origin-destination flows")

    @cached_property
    def channels(self) -> pd.DataFrame:
        """``channels.parquet`` (run): advantage and lever effect per step x province x channel."""
        return self._parquet("channels.parquet", CHANNEL_COLUMNS, "advantage by channel")

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` (run)."""
        return read_json(self.path("summary.json", "headline outcomes"))

    # --- a sweep --------------------------------------------------------------------------------

    @cached_property
    def table(self) -> pd.DataFrame:
        """``summary.parquet`` (else ``summary.csv``) of a sweep: one row per run."""
        from simulation.sweep.effects import check_unique_runs

        if self.has("summary.parquet"):
            return check_unique_runs(
                self._parquet("summary.parquet", SUMMARY_COLUMNS), self.root / "summary.parquet"
            )
        path = self.path("summary.csv", "one row per run")
        table = read_csv(path, keep_default_na=False, na_values=[""])
        return check_unique_runs(require_columns(table, SUMMARY_COLUMNS, path), path)

    def outcome_table(self, stem: str) -> pd.DataFrame:
        """A long outcome table of a sweep (``summary_by_sector``, ``summary_scale``, ...; declared in
        :data:`simulation.results_format.OUTCOME_TABLES`): one row per ok run x key."""
        from simulation.results_format import SWEEP_TABLES

        spec = SWEEP_TABLES[f"{stem}.parquet"]
        return self._parquet(spec.name, spec.columns, spec.content)

    @cached_property
    def series(self) -> pd.DataFrame:
        """``runs/`` parts of a sweep: step x province series of every ok run."""
        return self._parts("runs", SERIES_COLUMNS, "step x province series")

    @cached_property
    def flow_parts(self) -> pd.DataFrame:
        """``flows/`` parts of a sweep: origin-destination totals over each ok run."""
        return self._parts("flows", FLOW_PART_COLUMNS, "origin-destination flows of each run")

    @cached_property
    def channel_parts(self) -> pd.DataFrame:
        """``channels/`` parts of a sweep: province x channel table at each ok run's last step."""
        return self._parts("channels", CHANNEL_PART_COLUMNS, "channel table of each run")

    @cached_property
    def design(self) -> pd.DataFrame:
        """``design.csv`` of a sweep: one row per design point (``point`` and the varied keys)."""
        path = self.path("design.csv", "the design points")
        return require_columns(read_csv(path), ["point"], path)

    @cached_property
    def sensitivity(self) -> pd.DataFrame:
        """``sensitivity.csv`` of a Morris or Saltelli sweep (``.parquet`` if there is no CSV)."""
        if self.has("sensitivity.csv"):
            path = self.root / "sensitivity.csv"
            table = read_csv(path)
        elif self.has("sensitivity.parquet"):
            path = self.root / "sensitivity.parquet"
            table = read_parquet(path)
        else:
            raise PlotDataError(
                self.root,
                "sensitivity.csv",
                "missing file sensitivity.csv (sensitivity indices: only sweeps with --sample morris or "
                "saltelli have them)",
            )
        cols = SALTELLI_COLUMNS if "S1" in table.columns else MORRIS_COLUMNS
        return require_columns(table, cols, path)

    def effects(self, outcomes: list[str] | None = None) -> pd.DataFrame:
        """Effects against the baseline: ``effects.csv`` if it has every outcome asked for, else
        computed from the summary table with :func:`simulation.sweep.effects.paired_effects`."""
        if self.has("effects.csv"):
            path = self.root / "effects.csv"
            eff = require_columns(read_csv(path), EFFECT_COLUMNS, path)
            if outcomes is None or set(outcomes) <= set(eff["outcome"]):
                return eff if outcomes is None else eff[eff["outcome"].isin(outcomes)].reset_index(drop=True)
        from simulation.sweep import effects as effects_mod

        table = effects_mod.with_selected(self.table, self.root, list(outcomes or []))
        if outcomes is None:
            outcomes = effects_mod.choose_outcomes(table, None)
        for outcome in outcomes:
            require_columns(table, [outcome], self.root / "summary.parquet")
        if len(self.scenarios) < 2:
            raise PlotDataError(self.root, "scenario", "effects need a second scenario besides the baseline")
        return effects_mod.paired_effects(table, self.baseline, list(outcomes))

    # --- names ----------------------------------------------------------------------------------

    @cached_property
    def scenarios(self) -> list[str]:
        """Scenario names in the sweep's order (manifest ``scenario_order``), or the run's scenario."""
        if self.kind == "run":
            return [str(self.summary.get("scenario") or self.manifest.get("scenario", {}).get("name", "run"))]
        order = [str(s) for s in self.manifest.get("scenario_order", [])]
        seen = [str(s) for s in dict.fromkeys(self.table["scenario"])]
        return order + [s for s in seen if s not in order] if order else seen

    @property
    def baseline(self) -> str:
        """``baseline`` if a scenario has that name, else the first scenario."""
        return "baseline" if "baseline" in self.scenarios else self.scenarios[0]

    @property
    def focal(self) -> str:
        """The scenario shown by one-scenario figures: ``full_package`` if present, else the last
        scenario that is not the baseline (the baseline if it is alone)."""
        if "full_package" in self.scenarios:
            return "full_package"
        others = [s for s in self.scenarios if s != self.baseline]
        return others[-1] if others else self.baseline

    @property
    def points(self) -> list[int]:
        """Design points of a sweep (``[0]`` for a run)."""
        if self.kind == "run":
            return [0]
        return sorted(int(p) for p in pd.unique(self.table["point"]))

    @property
    def varied(self) -> list[str]:
        """The varied keys of a sweep's design (columns of ``design.csv`` besides ``point``)."""
        if self.kind == "run" or not self.has("design.csv"):
            return []
        return [c for c in self.design.columns if c != "point"]

    def levers(self, scenario: str) -> list[str]:
        """Levers enabled in ``scenario`` (from the manifest's resolved parameters)."""
        if self.kind == "run":
            if self.has("summary.json") and "levers" in self.summary:
                return list(self.summary["levers"])
            params = self.manifest.get("scenario", {}).get("params", {})
        else:
            params = self.manifest.get("spec", {}).get("scenarios", {}).get(scenario, {}).get("params", {})
        return [
            k.split(".")[1]
            for k, v in params.items()
            if k.startswith("levers.") and k.endswith(".enabled") and v
        ]


def load(root: str | Path) -> Results:
    """Open a results folder; a :class:`PlotDataError` says what is missing when it is neither a run
    folder nor a sweep folder."""
    root = Path(root)
    if not root.is_dir():
        raise PlotDataError(root, "-", "no such folder")
    manifest_path = root / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = read_json(manifest_path, "the folder's record of what was run; rerun it")
    if any((root / f).is_file() for f in SWEEP_FILES) or "spec" in manifest:
        kind = "sweep"
        if not any((root / f).is_file() for f in SWEEP_FILES):
            raise PlotDataError(
                root,
                "summary.parquet",
                "missing file summary.parquet: the sweep has not finished (--resume it)",
            )
        if manifest.get("state") == "running":
            raise PlotDataError(
                root,
                "manifest.json",
                "the sweep in this folder is running or was interrupted (manifest state 'running'): "
                "its summary is not up to date; finish it with --resume",
            )
    elif any((root / f).is_file() for f in RUN_FILES):
        kind = "run"
        if not manifest_path.is_file():
            raise PlotDataError(
                root,
                "manifest.json",
                "an unfinished `ptsim run` folder: manifest.json, written last, is missing (the run "
                "was interrupted while writing); run it again",
            )
    else:
        raise PlotDataError(
            root,
            "summary.json",
            "not a results folder: found neither timeseries.parquet/summary.json (a `ptsim run` folder) "
            "nor summary.parquet (a `ptsim sweep` or `ptsim experiment` folder)",
        )
    return Results(root, kind, manifest)
