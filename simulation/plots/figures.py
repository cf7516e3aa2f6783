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
    res: Results,
    kind: str,
    *,
    size: str = "slide",
    lang: str = "en",
    scenario: str | None = None,
    text_lang: str | None = None,
) -> list[Made]:
    """Draw the figures of ``kind`` for ``res`` (one-scenario kinds show ``scenario``, default the
    focal one: ``full_package`` if present, else the last non-baseline scenario). Labels are in
    ``lang``, captions in ``text_lang`` (default ``lang``: a caption needs no font)."""
    if kind not in KINDS:
        raise PlotDataError("--kind", kind, f"unknown figure kind {kind!r}; kinds: {', '.join(KINDS)}")
    if res.kind == "run" and kind in SWEEP_ONLY:
        raise PlotDataError(res.root, kind, f"this is a single run: {SWEEP_ONLY[kind]}")
    opts = {"size": size, "lang": lang}
    cl = text_lang or lang

    def tr(en: str, zh: str) -> str:
        return style.tr(en, zh, cl)

    src = "timeseries.parquet" if res.kind == "run" else tr("runs/ parts", "runs/ 分块")
    seeds = (
        ""
        if res.kind == "run"
        else tr(" Lines: mean over seeds; bands: range over seeds.", "线：各种子均值；阴影：各种子的范围。")
    )
    name = scenario or (res.scenarios[0] if res.kind == "run" else res.focal)
    if kind == "timeseries":
        return [
            Made(
                kind,
                "inland_share",
                timeseries.inland_share_figure(res, **opts),
                tr(
                    "Inland (central, western, north-eastern) share of processing employment per quarter "
                    f"({src}).",
                    f"各季度加工贸易就业的内陆（中部、西部、东北）占比（{src}）。",
                )
                + seeds,
            ),
            Made(
                kind,
                "region_shares",
                timeseries.region_share_figure(res, **opts),
                tr(
                    f"Share of processing employment in each NBS region per quarter ({src}).",
                    f"各季度四大区加工贸易就业占比（{src}）。",
                )
                + seeds,
            ),
        ]
    if kind == "effects":
        return [
            Made(
                kind,
                "effects",
                effects.effects_figure(res, **opts),
                tr(
                    f"Effect of each scenario against '{res.baseline}': mean paired difference over seeds "
                    "with its 95% t-interval (effects.csv, or computed from summary.parquet).",
                    f"各情景相对“{res.baseline}”的效应：各种子配对差的均值及其95% t区间"
                    "（effects.csv，或由 summary.parquet 计算）。",
                ),
            )
        ]
    if kind == "map":
        change = res.kind == "sweep" and name != res.baseline
        what = (
            tr(f"{name} minus {res.baseline}", f"{name} 减 {res.baseline}")
            if change
            else tr("start to end", "首期至末期")
        )
        flows_what = (
            tr("the largest changes in net flows against the baseline", "相对基准情景净迁移变化最大的省对")
            if change
            else tr("the largest net flows", "净迁移最大的省对")
        )
        fls = "flows.parquet" if res.kind == "run" else tr("flows/ parts", "flows/ 分块")
        return [
            Made(
                kind,
                f"map_{name}",
                maps.map_figure(res, scenario=scenario, **opts),
                tr(
                    f"Change in each province's share of processing employment ({what}, percentage points; "
                    f"{src}) and {flows_what} between provinces over the run ({fls}), {name}.",
                    f"各省加工贸易就业占比的变化（{what}，百分点；{src}）及全期省际{flows_what}（{fls}），{name}。",
                ),
            )
        ]
    if kind == "flows":
        fls = (
            "flows.parquet"
            if res.kind == "run"
            else tr("flows/ parts, mean over seeds", "flows/ 分块，各种子均值")
        )
        return [
            Made(
                kind,
                f"flows_{name}",
                flows.flows_figure(res, scenario=scenario, **opts),
                tr(
                    f"Employment moved between NBS regions and by sector over the run, {name} ({fls}).",
                    f"全期四大区之间及分行业的迁移就业，{name}（{fls}）。",
                ),
            )
        ]
    if kind == "channels":
        chs = (
            "channels.parquet"
            if res.kind == "run"
            else tr(
                "channels/ parts, inland regions, mean over seeds", "channels/ 分块，内陆地区，各种子均值"
            )
        )
        return [
            Made(
                kind,
                "channels",
                channels.channels_figure(res, **opts),
                tr(
                    "The levers' direct effect on the profit advantage by channel, mean over quarters "
                    f"({chs}).",
                    f"政策对利润优势的直接影响（分渠道），各季度均值（{chs}）。",
                ),
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
                tr(
                    f"Dose-response over {key}: jobs effect against the baseline at each value (95% CI) and "
                    "the fiscal cost per job with its 95% interval, unbounded where the jobs interval "
                    "includes zero (summary.parquet, design.csv).",
                    f"{key} 的剂量-效应：各取值下相对基准情景的就业效应（95%置信区间）及每个岗位的财政成本"
                    "及其95%区间（就业效应区间含0时无上界）（summary.parquet，design.csv）。",
                ),
            )
            for key in keys
        ]
    return [
        Made(
            kind,
            "sensitivity",
            sensitivity.sensitivity_figure(res, **opts),
            tr(
                "Global sensitivity indices with 95% bootstrap intervals (sensitivity.csv).",
                "全局敏感性指数及其95% bootstrap区间（sensitivity.csv）。",
            ),
        )
    ]


def make_all(
    res: Results,
    kinds: list[str] | None = None,
    *,
    size: str = "slide",
    lang: str = "en",
    scenario: str | None = None,
    text_lang: str | None = None,
) -> Batch:
    """Every kind in ``kinds`` (default: all). Asked-for kinds must apply (else the
    :class:`PlotDataError` propagates); by default, kinds that do not apply are skipped with the reason."""
    batch = Batch()
    for kind in kinds or KINDS:
        try:
            batch.made.extend(make(res, kind, size=size, lang=lang, scenario=scenario, text_lang=text_lang))
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
