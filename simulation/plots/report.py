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
    ``root`` into ``out`` (default ``root/report``)."""
    res = load(root)
    out = Path(out) if out else res.root / "report"
    text_lang = lang  # the tables need no font: they are in the language asked for
    lang, lang_note = style.resolve_lang(lang)
    batch = figures.make_all(res, size=size, lang=lang)
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


def _sections(res: Results, batch: figures.Batch, lang_note: str | None, lang: str = "en") -> Sections:
    m = res.manifest
    notes = [f"Figure kind '{k}' skipped: {why}" for k, why in batch.skipped.items()]
    if lang_note:
        notes.insert(0, lang_note)
    if res.kind == "run":
        s = res.summary if res.has("summary.json") else {}
        sc = m.get("scenario", {})
        params = sc.get("params", {})
        title = f"Run report: {s.get('scenario', sc.get('name', res.root.name))}"
        steps = s.get("steps", params.get("run.steps", "?"))
        facts = [
            ("results folder", str(res.root)),
            ("kind", "single run (ptsim run)"),
            ("scenario file", str(m.get("scenario_source", "-"))),
            ("description", str(sc.get("description", "") or "-")),
            ("seed", str(s.get("seed", m.get("seed", "-")))),
            ("quarters", f"{s.get('start_quarter', '?')} to {s.get('end_quarter', '?')} ({steps} steps)"),
            ("synthetic firms", str(s.get("firms", params.get("run.firms", "-")))),
            ("scenario hash", str(m.get("scenario_hash", s.get("scenario_hash", "-")))[:16]),
            ("started (UTC)", str(m.get("started_utc", "-"))),
            ("wall time", f"{m.get('wall_time_s', '-')} s"),
        ]
        scen = (
            ["scenario", "levers enabled"],
            [[res.scenarios[0], ", ".join(res.levers(res.scenarios[0])) or "none"]],
        )
        headline = _run_headline(s) if s else None
        return Sections(
            title,
            facts,
            scen,
            "Headline outcomes",
            headline,
            "Single run: no confidence intervals; run a sweep over seeds for effects against the baseline.",
            _versions(m),
            notes,
            None,
            scalecard.card_table(s, lang) if s else None,
            lang,
        )
    spec = m.get("spec", {})
    seeds = m.get("seeds", [])
    first = next(iter(spec.get("scenarios", {}).values()), {}).get("params", {})
    design = spec.get("design", {})
    title = f"Sweep report: {m.get('name') or res.root.name}"
    n_seeds = len(seeds) or spec.get("seeds", "?")
    runs = f"{m.get('runs_ok', '?')} ok, {m.get('runs_failed', '?')} failed of {m.get('runs_total', '?')}"
    facts = [
        ("results folder", str(res.root)),
        ("kind", "sweep (ptsim sweep / ptsim experiment)"),
        ("description", str(m.get("description") or "-")),
        ("scenarios", str(len(res.scenarios))),
        ("baseline", res.baseline),
        (
            "seeds per scenario and point",
            f"{n_seeds} (master seed {m.get('master_seed', '-')}; common random numbers)",
        ),
        ("design", _design_text(res, design)),
        ("quarters per run", str(first.get("run.steps", "-"))),
        ("synthetic firms per run", str(first.get("run.firms", "-"))),
        ("runs", f"{runs} ({m.get('state', '-')})"),
        ("executor", str(m.get("executor", "-"))),
        ("spec hash", str(m.get("spec_hash", "-"))[:16]),
        ("created / updated (UTC)", f"{m.get('created_utc', '-')} / {m.get('updated_utc', '-')}"),
    ]
    sources = m.get("scenario_sources", {})
    scen = (
        ["scenario", "levers enabled", "file"],
        [[n, ", ".join(res.levers(n)) or "none", str(sources.get(n, "-"))] for n in res.scenarios],
    )
    headline, hnote = None, ""
    try:
        headline, hnote = _effects_table(res)
    except PlotDataError as exc:
        notes.append(f"No effects table: {exc}")
    return Sections(
        title,
        facts,
        scen,
        "Effects against the baseline",
        headline,
        hnote,
        _versions(m),
        notes,
        _failed(res),
        scalecard.sweep_card(res.table, res.baseline, lang),
        lang,
    )


def _design_text(res: Results, design: dict) -> str:
    method = design.get("method") or "none"
    keys = res.varied
    points = len(res.points)
    return f"{method}, {points} point(s)" + (f" over {', '.join(keys)}" if keys else "")


def _versions(m: dict) -> Table:
    v = m.get("versions", {})
    return (["package", "version"], [[k, str(x)] for k, x in v.items()])


def _num(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _effects_table(res: Results) -> tuple[Table, str]:
    from simulation.plots.effects import effects_data

    eff = effects_data(res)
    rows = [
        [
            r.label,
            style.outcome_unit(r.outcome).label,
            r.unit,
            _num(r.effect),
            f"[{_num(r.low)}, {_num(r.high)}]",
            str(int(r.n)),
        ]
        for r in eff.itertuples(index=False)
    ]
    note = (
        f"Mean paired difference against '{res.baseline}' over seeds (same seeds in every scenario), with "
        "the 95% Student t-interval; units as shown (shares in percentage points)."
    )
    return (["scenario", "outcome", "unit", "effect", "95% CI", "n"], rows), note


def _run_headline(s: dict) -> Table:
    rows = [
        [
            "inland employment share",
            "share",
            _num(s.get("inland_employment_share_start", math.nan)),
            _num(s.get("inland_employment_share_end", math.nan)),
        ],
        [
            "inland output share",
            "share",
            _num(s.get("inland_output_share_start", math.nan)),
            _num(s.get("inland_output_share_end", math.nan)),
        ],
    ]
    for key, label, unit, div in (
        ("relocations_total", "relocations", "synthetic firms", 1),
        ("relocated_employment_total", "employment relocated", "thousand persons", 1e3),
        ("relocated_jobs_to_inland", "jobs moved from the east inland", "thousand persons", 1e3),
        ("fiscal_cost_yuan_total", "fiscal cost", "100 million yuan", 1e8),
        ("jobs_relocated_per_100m_yuan", "jobs moved inland per 100 million yuan (gross)", "persons", 1),
    ):
        v = s.get(key)
        if v is not None:
            rows.append([label, unit, "", _num(float(v) / div)])
    return (["outcome", "unit", "start", "end / over the run"], rows)


def _failed(res: Results) -> Table | None:
    t = res.table
    bad = t[t["status"] != "ok"]
    if bad.empty:
        return None
    err = bad["error"] if "error" in bad.columns else pd.Series("", index=bad.index)
    rows = [
        [str(r), str(s), str(e) or "-"]
        for r, s, e in zip(bad["run_id"], bad["scenario"], err.fillna(""), strict=True)
    ]
    return (["run", "scenario", "error (last line)"], rows)


# --- rendering ------------------------------------------------------------------------------------


def _md_table(t: Table) -> str:
    head, rows = t
    esc = [[c.replace("|", "\\|") for c in r] for r in rows]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in esc]
    return "\n".join(lines)


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _markdown(res: Results, s: Sections, figs: list[tuple[figures.Made, str]]) -> str:
    parts = [f"# {s.title}", "", f"Generated by `ptsim report` on {_stamp()}.", "", "## What was run", ""]
    parts += [_md_table((["item", "value"], [[k, v] for k, v in s.facts])), "", _md_table(s.scenarios), ""]
    parts += [f"## {s.headline_title}", ""]
    parts += [_md_table(s.headline), "", s.headline_note, ""] if s.headline else ["(none)", ""]
    parts += _md_scale(s.scale, s.lang)
    parts += ["## Figures", ""]
    for m, rel in figs:
        parts += [f"![{m.caption}]({rel})", "", f"*{m.caption}*", ""]
    parts += ["## Notes", ""]
    if s.failed:
        parts += [
            f"{len(s.failed[1])} run(s) failed; they are left out of every effect and figure.",
            "",
            _md_table(s.failed),
            "",
        ]
    else:
        parts += ["No run failed." if res.kind == "sweep" else "A single run.", ""]
    parts += [f"- {n}" for n in s.notes] + ([""] if s.notes else [])
    parts += ["## Versions", "", _md_table(s.versions), ""]
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
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(s.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(s.title)}</h1><p>Generated by <code>ptsim report</code> on {e(_stamp())}.</p>",
        "<h2>What was run</h2>",
        _html_table((["item", "value"], [[k, v] for k, v in s.facts])),
        _html_table(s.scenarios),
        f"<h2>{e(s.headline_title)}</h2>",
    ]
    out += [_html_table(s.headline), f"<p>{e(s.headline_note)}</p>"] if s.headline else ["<p>(none)</p>"]
    out += _html_scale(s.scale, s.lang)
    out.append("<h2>Figures</h2>")
    for m, b64 in images:
        out.append(
            f'<figure id="{e(m.name)}"><img alt="{e(m.caption)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{e(m.caption)}</figcaption></figure>"
        )
    out.append("<h2>Notes</h2>")
    if s.failed:
        out.append(
            f'<p class="note">{len(s.failed[1])} run(s) failed; '
            "they are left out of every effect and figure.</p>"
        )
        out.append(_html_table(s.failed))
    else:
        out.append(f"<p>{'No run failed.' if res.kind == 'sweep' else 'A single run.'}</p>")
    if s.notes:
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in s.notes) + "</ul>")
    out += ["<h2>Versions</h2>", _html_table(s.versions), "</body></html>"]
    return "\n".join(out) + "\n"
