"""``ptsim report``: one self-contained HTML file (figures embedded as data: URIs) and its Markdown
twin (figures as PNG files beside it) for a results folder.

Contents: what was run (scenarios and their levers, seeds, steps, firms, design, versions from the
manifest), the headline table (effects against the baseline with 95% intervals for a sweep; the
headline outcomes for a run), the scale card (the model's start against documented figures, from
:mod:`simulation.plots.scalecard`; for a sweep, that of the baseline's first run), every figure
that applies, and notes on failed runs and skipped figures. Nothing is loaded from the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.io import atomic_write
from simulation.plots import figures, scalecard, style
from simulation.plots.data import PlotDataError, Results, load


@dataclass
class Report:
    """What :func:`build` wrote."""

    html: Path
    markdown: Path
    figures: list[Path]
    skipped: dict[str, str]


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3} figure{margin:2em 0} img{max-width:100%;height:auto}
figcaption{color:#444;font-size:0.92em} code{background:#f5f5f5;padding:0 0.2em}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:0.5em 1em}
"""


def build(
    root: str | Path, out: str | Path | None = None, *, lang: str = "en", size: str = "slide"
) -> Report:
    """Write ``report.html`` and ``report.md`` (with ``figures/*.png``) for the results folder
    ``root`` into ``out`` (default ``root/report``). With ``lang="zh"`` every heading, table, caption
    and sentence is in Chinese (the figures too when a CJK font is installed; else they stay in
    English and a note says so)."""
    res = load(root)
    out = Path(out) if out else res.root / "report"
    text_lang = lang  # the text needs no font: it is in the language asked for
    lang, lang_note = style.resolve_lang(lang)
    batch = figures.make_all(res, size=size, lang=lang, text_lang=text_lang)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    pngs, images = [], []
    for m in batch.made:
        buf = io.BytesIO()
        m.figure.savefig(buf, format="png", dpi=style.SCREEN_DPI)
        data = buf.getvalue()
        path = fig_dir / f"{m.name}.png"
        atomic_write(path, lambda p, d=data: p.write_bytes(d))
        pngs.append(path)
        images.append((m, base64.b64encode(data).decode("ascii")))
    sections = _sections(res, batch, lang_note, text_lang)
    md = _markdown(res, sections, [(m, f"figures/{m.name}.png") for m in batch.made])
    page = _html(res, sections, images)
    html_path, md_path = out / "report.html", out / "report.md"
    atomic_write(html_path, lambda p: p.write_text(page, encoding="utf-8"))
    atomic_write(md_path, lambda p: p.write_text(md, encoding="utf-8"))
    return Report(html_path, md_path, pngs, batch.skipped)


# --- numbers: one format per quantity --------------------------------------------------------------

#: Decimals of each unit of the tables (a value is printed the same way wherever it appears).
DECIMALS = {
    "percentage points": 2,
    "%": 2,
    "thousand persons": 1,
    "persons": 0,
    "synthetic firms": 1,
    "100 million yuan": 2,
    "persons per 10^8 yuan": 1,
}
#: Printed where a value is missing or undefined.
MISSING = "–"


def fmt(x: float | None, unit: str) -> str:
    """``x`` with the decimals of ``unit`` (:data:`DECIMALS`, else 3) and thousands separators; never
    in scientific notation."""
    if x is None or not math.isfinite(float(x)):
        return MISSING
    digits = DECIMALS.get(unit, 3)
    v = round(float(x), digits) + 0.0  # no "-0.00"
    return f"{v:,.{digits}f}"


def _interval(lo: float, hi: float, unit: str) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return MISSING
    return f"[{fmt(lo, unit)}, {fmt(hi, unit)}]"


# --- content (shared by both formats) -----------------------------------------------------------

Table = tuple[list[str], list[list[str]]]


@dataclass
class Sections:
    title: str
    facts: list[tuple[str, str]]
    scenarios: Table
    headline_title: str
    headline: Table | None
    headline_note: str
    versions: Table
    notes: list[str]
    failed: Table | None
    scale: scalecard.Card | str | None = None  # the card, or why there is none
    lang: str = "en"
    cost: Table | None = None  # jobs per 100 million yuan
    cost_note: str = ""


def _sections(res: Results, batch: figures.Batch, lang_note: str | None, lang: str = "en") -> Sections:
    def tr(en: str, zh: str) -> str:
        return style.tr(en, zh, lang)

    m = res.manifest
    notes = [
        tr(f"Figure kind '{k}' skipped: {why}", f"未绘制图类“{k}”：{why}") for k, why in batch.skipped.items()
    ]
    if lang_note:
        notes.insert(
            0,
            tr(
                lang_note,
                "未找到含中文字形的字体，图中标签为英文；请安装 fonts-wqy-microhei 或 fonts-noto-cjk",
            ),
        )
    if res.kind == "run":
        s = res.summary if res.has("summary.json") else {}
        sc = m.get("scenario", {})
        params = sc.get("params", {})
        title = tr("Run report", "单次运行报告") + f": {s.get('scenario', sc.get('name', res.root.name))}"
        steps = s.get("steps", params.get("run.steps", "?"))
        quarters = f"{s.get('start_quarter', '?')} – {s.get('end_quarter', '?')}"
        facts = [
            (tr("results folder", "结果文件夹"), str(res.root)),
            (tr("kind", "类型"), tr("single run (ptsim run)", "单次运行（ptsim run）")),
            (tr("scenario file", "情景文件"), str(m.get("scenario_source", "-"))),
            (tr("description", "说明"), str(sc.get("description", "") or "-")),
            (tr("seed", "随机种子"), str(s.get("seed", m.get("seed", "-")))),
            (tr("quarters", "季度"), quarters + tr(f" ({steps} steps)", f"（{steps}期）")),
            (
                tr("synthetic firms", "模拟企业数"),
                str(s.get("run_firms", s.get("firms", params.get("run.firms", "-")))),
            ),
            (tr("scenario hash", "情景哈希"), str(m.get("scenario_hash", s.get("scenario_hash", "-")))[:16]),
            (tr("started (UTC)", "开始时间（UTC）"), str(m.get("started_utc", "-"))),
            (tr("wall time", "耗时"), f"{m.get('wall_time_s', '-')} s"),
        ]
        scen = (
            [tr("scenario", "情景"), tr("levers enabled", "启用的政策")],
            [[res.scenarios[0], ", ".join(res.levers(res.scenarios[0])) or tr("none", "无")]],
        )
        headline = _run_headline(s, lang) if s else None
        return Sections(
            title,
            facts,
            scen,
            tr("Headline outcomes", "主要结果"),
            headline,
            tr(
                "Single run: no confidence intervals; run a sweep over seeds for effects against the "
                "baseline.",
                "单次运行：无置信区间；如需相对基准情景的效应，请对多个随机种子运行 sweep。",
            ),
            _versions(m, lang),
            notes,
            None,
            scalecard.card_table(s, lang) if s else None,
            lang,
        )
    spec = m.get("spec", {})
    seeds = m.get("seeds", [])
    first = next(iter(spec.get("scenarios", {}).values()), {}).get("params", {})
    design = spec.get("design", {})
    title = tr("Sweep report", "批量运行报告") + f": {m.get('name') or res.root.name}"
    n_seeds = len(seeds) or spec.get("seeds", "?")
    runs = tr(
        f"{m.get('runs_ok', '?')} ok, {m.get('runs_failed', '?')} failed of {m.get('runs_total', '?')}",
        f"共{m.get('runs_total', '?')}次：成功{m.get('runs_ok', '?')}次，失败{m.get('runs_failed', '?')}次",
    )
    facts = [
        (tr("results folder", "结果文件夹"), str(res.root)),
        (
            tr("kind", "类型"),
            tr("sweep (ptsim sweep / ptsim experiment)", "批量运行（ptsim sweep / ptsim experiment）"),
        ),
        (tr("description", "说明"), str(m.get("description") or "-")),
        (tr("scenarios", "情景数"), str(len(res.scenarios))),
        (tr("baseline", "基准情景"), res.baseline),
        (
            tr("seeds per scenario and point", "每个情景与设计点的种子数"),
            tr(
                f"{n_seeds} (master seed {m.get('master_seed', '-')}; common random numbers)",
                f"{n_seeds}（主种子 {m.get('master_seed', '-')}；共同随机数）",
            ),
        ),
        (tr("design", "设计"), _design_text(res, design, lang)),
        (tr("quarters per run", "每次运行的季度数"), str(first.get("run.steps", "-"))),
        (tr("synthetic firms per run", "每次运行的模拟企业数"), str(first.get("run.firms", "-"))),
        (
            tr("runs", "运行"),
            f"{runs} ({_state(str(m.get('state', '-')), lang)})",
        ),
        (tr("executor", "执行器"), _executor(str(m.get("executor", "-")), lang)),
        (tr("spec hash", "设定哈希"), str(m.get("spec_hash", "-"))[:16]),
        (
            tr("created / updated (UTC)", "创建 / 更新时间（UTC）"),
            f"{m.get('created_utc', '-')} / {m.get('updated_utc', '-')}",
        ),
    ]
    sources = m.get("scenario_sources", {})
    scen = (
        [tr("scenario", "情景"), tr("levers enabled", "启用的政策"), tr("file", "文件")],
        [[n, ", ".join(res.levers(n)) or tr("none", "无"), str(sources.get(n, "-"))] for n in res.scenarios],
    )
    headline, hnote = None, ""
    try:
        headline, hnote = _effects_table(res, lang)
    except PlotDataError as exc:
        notes.append(tr(f"No effects table: {exc}", f"无效应表：{exc}"))
    cost, cost_note = _cost_table(res, lang)
    return Sections(
        title,
        facts,
        scen,
        tr("Effects against the baseline", "相对基准情景的效应"),
        headline,
        hnote,
        _versions(m, lang),
        notes,
        _failed(res, lang),
        scalecard.sweep_card(res.table, res.baseline, lang, _scale_rows(res)),
        lang,
        cost,
        cost_note,
    )


def _scale_rows(res: Results):
    """The sweep's ``summary_scale`` table, or None for a sweep made before it."""
    return res.outcome_table("summary_scale") if res.has("summary_scale.parquet") else None


#: Why a figure kind is skipped, in Chinese (the English reason is the error's message).
SKIPPED_ZH = {
    "effects": "相对基准情景的效应需要批量运行（ptsim sweep BASELINE SCENARIO --seeds K）",
    "dose": "剂量-效应图需要改变某个数值参数的批量运行（ptsim sweep ... --vary KEY=V1,V2）",
    "sensitivity": "敏感性指数需要 morris 或 saltelli 抽样的批量运行（ptsim sweep ... --sample morris）",
}
#: Words of the manifest's state, executor and design method, in Chinese.
MANIFEST_ZH = {
    "complete": "已完成",
    "running": "运行中",
    "incomplete": "未完成",
    "interrupted": "已中断",
    "failed": "失败",
    "missing": "缺失",
    "serial": "串行（本进程）",
    "grid": "全因子网格",
    "lhs": "拉丁超立方抽样",
    "sobol": "Sobol'序列",
    "morris": "Morris抽样",
    "saltelli": "Saltelli抽样",
    "none": "无",
}


def _state(state: str, lang: str) -> str:
    """The manifest's state ("complete: 1 failed, 0 missing") in ``lang``."""
    if lang != "zh":
        return state
    text = re.sub(r"(\d+) (failed|missing)", lambda m: f"{MANIFEST_ZH[m.group(2)]}{m.group(1)}次", state)
    return re.sub(r"[a-z]+", lambda m: MANIFEST_ZH.get(m.group(0), m.group(0)), text).replace(": ", "：")


def _executor(text: str, lang: str) -> str:
    """The manifest's executor ("2 local processes", "in-process", a scheduler address) in ``lang``."""
    if lang != "zh":
        return text
    m = re.fullmatch(r"(\d+) local process(?:es)?", text)
    return f"{m.group(1)}个本地进程" if m else MANIFEST_ZH.get(text, text)


def _design_text(res: Results, design: dict, lang: str = "en") -> str:
    method = design.get("method") or "none"
    method = MANIFEST_ZH.get(method, method) if lang == "zh" else method
    keys = res.varied
    points = len(res.points)
    over = style.tr(f" over {', '.join(keys)}", f"，变量：{', '.join(keys)}", lang) if keys else ""
    return method + style.tr(f", {points} point(s)", f"，{points}个设计点", lang) + over


def _versions(m: dict, lang: str = "en") -> Table:
    v = m.get("versions", {})
    return (
        [style.tr("package", "软件包", lang), style.tr("version", "版本", lang)],
        [[k, str(x)] for k, x in v.items()],
    )


def _effects_table(res: Results, lang: str = "en") -> tuple[Table, str]:
    from simulation.plots.effects import effects_data

    eff = effects_data(res)
    rows = [
        [
            r.label,
            style.outcome_unit(r.outcome).name(lang),
            style.t(r.unit, lang),
            fmt(r.effect, r.unit),
            _interval(r.low, r.high, r.unit),
            str(int(r.n)),
        ]
        for r in eff.itertuples(index=False)
    ]
    note = style.tr(
        f"Mean paired difference against '{res.baseline}' over seeds (same seeds in every scenario), with "
        "the 95% Student t-interval; units as shown (shares in percentage points).",
        f"相对“{res.baseline}”的各种子配对差均值（各情景使用相同种子）及95% Student t区间；"
        "单位见表（占比以百分点计）。",
        lang,
    )
    head = ["scenario", "outcome", "unit", "effect", "95% CI", "n"]
    zh = ["情景", "指标", "单位", "效应", "95%置信区间", "n"]
    return ([style.tr(a, b, lang) for a, b in zip(head, zh, strict=True)], rows), note


def _cost_table(res: Results, lang: str = "en") -> tuple[Table | None, str]:
    """Jobs moved inland per 100 million yuan of public money, per scenario and design point:
    :func:`simulation.sweep.effects.cost_effectiveness` (as ``ptsim compare`` prints it)."""
    from simulation.sweep.effects import cost_effectiveness

    def tr(en: str, zh: str) -> str:
        return style.tr(en, zh, lang)

    ce = cost_effectiveness(res.table, res.baseline)
    if ce.empty:
        return None, tr(
            "No jobs-per-100-million-yuan table: the summary lacks inland_employment_end or "
            "fiscal_cost_yuan_total.",
            "无每亿元岗位表：汇总表缺少 inland_employment_end 或 fiscal_cost_yuan_total。",
        )
    several = ce["point"].nunique() > 1
    rows = []
    for r in ce.itertuples(index=False):
        priced = r.fiscal_cost_yuan_mean > 0
        row = [r.scenario] + ([_point_text(res, int(r.point))] if several else [])
        row += [
            str(int(r.n)),
            fmt(r.jobs_inland_mean, "persons"),
            _interval(r.jobs_ci_low, r.jobs_ci_high, "persons"),
            fmt(r.fiscal_cost_yuan_mean / 1e8, "100 million yuan"),
            fmt(r.jobs_per_100m_yuan, "persons per 10^8 yuan")
            if priced
            else tr("no extra cost", "无额外成本"),
            _interval(r.jobs_per_100m_ci_low, r.jobs_per_100m_ci_high, "persons per 10^8 yuan")
            if priced
            else MISSING,
        ]
        rows.append(row)
    head = [tr("scenario", "情景")] + ([tr("design point", "设计点")] if several else [])
    head += [
        "n",
        tr("jobs inland (persons)", "内陆岗位（人）"),
        tr("95% CI", "95%置信区间"),
        tr("extra fiscal cost (100 million yuan)", "额外财政成本（亿元）"),
        tr("jobs per 100 million yuan", "每亿元岗位"),
        tr("95% CI", "95%置信区间"),
    ]
    note = tr(
        f"Jobs moved inland per 100 million yuan of public money against '{res.baseline}': the mean paired "
        "effect on inland employment at the end divided by the mean paired extra fiscal cost over the run "
        "(the cost varies little between seeds and is held fixed; the interval carries the jobs effect's "
        "95% t-interval), as `ptsim compare` prints it.",
        f"相对“{res.baseline}”每亿元公共资金带来的内陆岗位：期末内陆就业的配对效应均值"
        "除以全期额外财政成本的配对均值（财政成本在种子间差异很小，视为固定；"
        "区间来自就业效应的95% t区间），与 `ptsim compare` 一致。",
    )
    return (head, rows), note


def _point_text(res: Results, point: int) -> str:
    """A design point with its values: ``3: budget_yuan_per_year=10,000,000,000, allocation=equal``."""
    from simulation.plots.effects import point_label

    design = res.design if res.has("design.csv") else None
    return f"{point}: {point_label('', point, design, alone=True)}" if design is not None else str(point)


def _run_headline(s: dict, lang: str = "en") -> Table:
    def tr(en: str, zh: str) -> str:
        return style.tr(en, zh, lang)

    rows = []
    for key, en, zh in (
        ("inland_employment_share", "inland employment share", "内陆就业占比"),
        ("inland_output_share", "inland output share", "内陆产出占比"),
    ):
        start, end = s.get(f"{key}_start", math.nan), s.get(f"{key}_end", math.nan)
        rows.append([tr(en, zh), "%", fmt(100 * float(start), "%"), fmt(100 * float(end), "%")])
    for key, en, zh, unit, div in (
        ("relocations_total", "relocations", "迁移次数", "synthetic firms", 1),
        ("relocated_employment_total", "employment relocated", "迁移就业", "thousand persons", 1e3),
        (
            "relocated_jobs_to_inland",
            "jobs moved from the east inland",
            "由东部迁往内陆的岗位",
            "thousand persons",
            1e3,
        ),
        ("fiscal_cost_yuan_total", "fiscal cost", "财政成本", "100 million yuan", 1e8),
        ("value_added_yuan_total", "value added", "增加值", "100 million yuan", 1e8),
    ):
        v = s.get(key)
        if v is not None:
            rows.append([tr(en, zh), style.t(unit, lang), "", fmt(float(v) / div, unit)])
    head = [
        tr("outcome", "指标"),
        tr("unit", "单位"),
        tr("start", "期初"),
        tr("end / over the run", "期末 / 全期"),
    ]
    return (head, rows)


def _failed(res: Results, lang: str = "en") -> Table | None:
    t = res.table
    bad = t[t["status"] != "ok"]
    if bad.empty:
        return None
    err = bad["error"] if "error" in bad.columns else pd.Series("", index=bad.index)
    rows = [
        [str(r), str(s), str(e) or "-"]
        for r, s, e in zip(bad["run_id"], bad["scenario"], err.fillna(""), strict=True)
    ]
    head = [
        style.tr(a, b, lang)
        for a, b in (("run", "运行"), ("scenario", "情景"), ("error (last line)", "错误（末行）"))
    ]
    return (head, rows)


# --- rendering ------------------------------------------------------------------------------------


def _md_table(t: Table) -> str:
    head, rows = t
    esc = [[c.replace("|", "\\|") for c in r] for r in rows]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in esc]
    return "\n".join(lines)


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _words(s: Sections) -> dict[str, str]:
    """The fixed words of both formats in the report's language."""
    zh = s.lang == "zh"
    pairs = {
        "generated": ("Generated by `ptsim report` on", "生成工具：`ptsim report`，时间"),
        "run": ("What was run", "运行内容"),
        "item": ("item", "项目"),
        "value": ("value", "值"),
        "none": ("(none)", "（无）"),
        "cost": ("Jobs per 100 million yuan", "每亿元岗位"),
        "figures": ("Figures", "图"),
        "notes": ("Notes", "说明"),
        "failed": (
            "run(s) failed; they are left out of every effect and figure.",
            "次运行失败，已从所有效应与图中剔除。",
        ),
        "nofail": ("No run failed.", "没有失败的运行。"),
        "single": ("A single run.", "单次运行。"),
        "versions": ("Versions", "版本"),
    }
    return {k: (b if zh else a) for k, (a, b) in pairs.items()}


def _markdown(res: Results, s: Sections, figs: list[tuple[figures.Made, str]]) -> str:
    w = _words(s)
    parts = [f"# {s.title}", "", f"{w['generated']} {_stamp()}.", "", f"## {w['run']}", ""]
    parts += [
        _md_table(([w["item"], w["value"]], [[k, v] for k, v in s.facts])),
        "",
        _md_table(s.scenarios),
        "",
    ]
    parts += [f"## {s.headline_title}", ""]
    parts += [_md_table(s.headline), "", s.headline_note, ""] if s.headline else [w["none"], ""]
    if res.kind == "sweep":
        parts += [f"## {w['cost']}", ""]
        parts += [_md_table(s.cost), "", s.cost_note, ""] if s.cost else [s.cost_note, ""]
    parts += _md_scale(s.scale, s.lang)
    parts += [f"## {w['figures']}", ""]
    for m, rel in figs:
        parts += [f"![{m.caption}]({rel})", "", f"*{m.caption}*", ""]
    parts += [f"## {w['notes']}", ""]
    if s.failed:
        parts += [f"{len(s.failed[1])} {w['failed']}", "", _md_table(s.failed), ""]
    else:
        parts += [w["nofail"] if res.kind == "sweep" else w["single"], ""]
    parts += [f"- {n}" for n in s.notes] + ([""] if s.notes else [])
    parts += [f"## {w['versions']}", "", _md_table(s.versions), ""]
    return "\n".join(parts)


def _md_scale(card: scalecard.Card | str | None, lang: str) -> list[str]:
    if card is None:
        return []
    if isinstance(card, str):
        return [f"## {style.t(scalecard.TITLE, lang)}", "", card, ""]
    parts = [f"## {card.title}", "", _md_table((card.header, card.rows)), ""]
    parts += [f"- {n}" for n in card.notes] + [""]
    if card.entry_notes:
        parts += [f"{style.t('Notes on the entries', lang)}:", ""]
        parts += [f"- {k}: {n}" for k, n in card.entry_notes] + [""]
    return parts


def _html_scale(card: scalecard.Card | str | None, lang: str) -> list[str]:
    e = html.escape
    if card is None:
        return []
    if isinstance(card, str):
        return [f'<h2 id="scale">{e(style.t(scalecard.TITLE, lang))}</h2>', f"<p>{e(card)}</p>"]
    out = [
        f'<section id="scale" lang="{e(lang)}"><h2>{e(card.title)}</h2>',
        _html_table((card.header, card.rows)),
    ]
    out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in card.notes) + "</ul>")
    if card.entry_notes:
        out.append(f"<p>{e(style.t('Notes on the entries', lang))}:</p>")
        out.append("<ul>" + "".join(f"<li>{e(k)}: {e(n)}</li>" for k, n in card.entry_notes) + "</ul>")
    out.append("</section>")
    return out


def _html_table(t: Table) -> str:
    head, rows = t

    def cell(c: str) -> str:
        num = c[:1].isdigit() or c[:1] in "-+[–" and len(c) > 1
        return f'<td class="num">{html.escape(c)}</td>' if num else f"<td>{html.escape(c)}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + f"</tr>{body}</table>"


def _html(res: Results, s: Sections, images: list[tuple[figures.Made, str]]) -> str:
    e = html.escape
    w = _words(s)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if s.lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{e(s.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(s.title)}</h1><p>{e(w['generated'].replace('`', ''))} {e(_stamp())}.</p>",
        f"<h2>{e(w['run'])}</h2>",
        _html_table(([w["item"], w["value"]], [[k, v] for k, v in s.facts])),
        _html_table(s.scenarios),
        f"<h2>{e(s.headline_title)}</h2>",
    ]
    out += (
        [_html_table(s.headline), f"<p>{e(s.headline_note)}</p>"]
        if s.headline
        else [f"<p>{e(w['none'])}</p>"]
    )
    if res.kind == "sweep":
        out.append(f'<h2 id="cost">{e(w["cost"])}</h2>')
        out += [_html_table(s.cost), f"<p>{e(s.cost_note)}</p>"] if s.cost else [f"<p>{e(s.cost_note)}</p>"]
    out += _html_scale(s.scale, s.lang)
    out.append(f"<h2>{e(w['figures'])}</h2>")
    for m, b64 in images:
        out.append(
            f'<figure id="{e(m.name)}"><img alt="{e(m.caption)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{e(m.caption)}</figcaption></figure>"
        )
    out.append(f"<h2>{e(w['notes'])}</h2>")
    if s.failed:
        out.append(f'<p class="note">{len(s.failed[1])} {e(w["failed"])}</p>')
        out.append(_html_table(s.failed))
    else:
        out.append(f"<p>{e(w['nofail'] if res.kind == 'sweep' else w['single'])}</p>")
    if s.notes:
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in s.notes) + "</ul>")
    out += [f"<h2>{e(w['versions'])}</h2>", _html_table(s.versions), "</body></html>"]
    return "\n".join(out) + "\n"
