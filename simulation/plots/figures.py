"""The figure kinds of ``ptsim plot``: which apply to a folder, making them, writing them to files.

:func:`make` draws one kind (a list of :class:`Made` figures); a kind that does not apply raises a
:class:`~simulation.plots.data.PlotDataError` naming what is missing. :func:`make_all` draws every
kind asked for (default: all), recording why the others were skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from simulation.io import atomic_write
from simulation.plots import channels, dose, effects, flows, maps, sensitivity, style, timeseries
from simulation.plots.data import PlotDataError, Results
from simulation.plots.names import FORMATS, KINDS

SWEEP_ONLY = {
    "effects": "effects against the baseline need a sweep (ptsim sweep BASELINE SCENARIO --seeds K)",
    "dose": "dose-response needs a sweep that varies a lever parameter (ptsim sweep ... --vary KEY=V1,V2)",
    "sensitivity": "sensitivity indices need a morris or saltelli sweep (ptsim sweep ... --sample morris)",
}


@dataclass
class Made:
    """One figure: its kind, file stem, the Figure and a caption (what it shows, from which file)."""

    kind: str
    name: str
    figure: Figure
    caption: str


@dataclass
class Batch:
    """The figures made and the kinds skipped (kind -> reason)."""

    made: list[Made] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def make(
    res: Results, kind: str, *, size: str = "slide", lang: str = "en", scenario: str | None = None
) -> list[Made]:
    """Draw the figures of ``kind`` for ``res`` (one-scenario kinds show ``scenario``, default the
    focal one: ``full_package`` if present, else the last non-baseline scenario)."""
    if kind not in KINDS:
        raise PlotDataError("--kind", kind, f"unknown figure kind {kind!r}; kinds: {', '.join(KINDS)}")
    if res.kind == "run" and kind in SWEEP_ONLY:
        raise PlotDataError(res.root, kind, f"this is a single run: {SWEEP_ONLY[kind]}")
    opts = {"size": size, "lang": lang}
    src = "timeseries.parquet" if res.kind == "run" else "runs/ parts"
    seeds = "" if res.kind == "run" else " Lines: mean over seeds; bands: range over seeds."
    name = scenario or (res.scenarios[0] if res.kind == "run" else res.focal)
    if kind == "timeseries":
        return [
            Made(
                kind,
                "inland_share",
                timeseries.inland_share_figure(res, **opts),
                f"Inland (central, western, north-eastern) share of processing employment per quarter "
                f"({src}).{seeds}",
            ),
            Made(
                kind,
                "region_shares",
                timeseries.region_share_figure(res, **opts),
                f"Share of processing employment in each NBS region per quarter ({src}).{seeds}",
            ),
        ]
    if kind == "effects":
        return [
            Made(
                kind,
                "effects",
                effects.effects_figure(res, **opts),
                f"Effect of each scenario against '{res.baseline}': mean paired difference over seeds "
                "with its 95% t-interval (effects.csv, or computed from summary.parquet).",
            )
        ]
    if kind == "map":
        what = "start to end" if res.kind == "run" or name == res.baseline else f"{name} minus {res.baseline}"
        fls = "flows.parquet" if res.kind == "run" else "flows/ parts"
        return [
            Made(
                kind,
                f"map_{name}",
                maps.map_figure(res, scenario=scenario, **opts),
                f"Change in each province's share of processing employment ({what}, percentage points; "
                f"{src}) and the largest origin-destination moves over the run ({fls}), {name}.",
            )
        ]
    if kind == "flows":
        fls = "flows.parquet" if res.kind == "run" else "flows/ parts, mean over seeds"
        return [
            Made(
                kind,
                f"flows_{name}",
                flows.flows_figure(res, scenario=scenario, **opts),
                f"Employment moved between NBS regions and by sector over the run, {name} ({fls}).",
            )
        ]
    if kind == "channels":
        chs = "channels.parquet" if res.kind == "run" else "channels/ parts, inland regions, mean over seeds"
        return [
            Made(
                kind,
                "channels",
                channels.channels_figure(res, **opts),
                f"The levers' direct effect on the profit advantage by channel, mean over quarters ({chs}).",
            )
        ]
    if kind == "dose":
        keys = dose.dose_keys(res)
        if not keys:
            dose.dose_data(res)  # raises the error naming what is missing
        return [
            Made(
                kind,
                f"dose_{key.split('.')[-1]}",
                dose.dose_figure(res, x=key, **opts),
                f"Dose-response over {key}: jobs effect against the baseline at each value (95% CI) and the "
                "fiscal cost per job (summary.parquet, design.csv).",
            )
            for key in keys
        ]
    return [
        Made(
            kind,
            "sensitivity",
            sensitivity.sensitivity_figure(res, **opts),
            "Global sensitivity indices with 95% bootstrap intervals (sensitivity.csv).",
        )
    ]


def make_all(
    res: Results,
    kinds: list[str] | None = None,
    *,
    size: str = "slide",
    lang: str = "en",
    scenario: str | None = None,
) -> Batch:
    """Every kind in ``kinds`` (default: all). Asked-for kinds must apply (else the
    :class:`PlotDataError` propagates); by default, kinds that do not apply are skipped with the reason."""
    batch = Batch()
    for kind in kinds or KINDS:
        try:
            batch.made.extend(make(res, kind, size=size, lang=lang, scenario=scenario))
        except PlotDataError as exc:
            if kinds:
                raise
            batch.skipped[kind] = str(exc)
    return batch


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) atomically, and free it."""
    fmt = path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise PlotDataError("--format", fmt, f"unknown format; choose one of {', '.join(FORMATS)}")
    atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=style.DPI))
    return path


def write(batch: Batch, out: Path, fmt: str = "png") -> list[Path]:
    """Save the figures of ``batch`` as ``out/<name>.<fmt>``."""
    out.mkdir(parents=True, exist_ok=True)
    return [save(m.figure, out / f"{m.name}.{fmt}") for m in batch.made]
