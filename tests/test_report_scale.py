"""The scale card in ``ptsim report`` (simulation/plots/scalecard.py): the table "Scale of the model
against documented figures" of a run and of a sweep (the baseline's first run), in English and
Chinese, prints the numbers of ``summary.json`` in one format per quantity, "—" where nothing was
documented.

The reports here are built without figures (``figures.make_all`` is replaced by an empty batch):
drawing is tested in test_plots.py, and this keeps the module in the fast lane.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE

from simulation import cli
from simulation.plots import figures, report, scalecard, style

SMALL = ["--set", "calibration.sorting_rounds=2", "--set", "calibration.max_iter=50"]
DASH = "—"
# divisor, decimals and unit of each kind of quantity, written out again here on purpose
FORMATS = {
    "yuan": (1e12, 2, "trillion yuan/year"),
    "usd": (1e9, 1, "billion USD/year"),
    "persons": (1e6, 2, "million persons"),
    "firms": (1.0, 0, "firms"),
    "share": (0.01, 1, "% of export value"),
}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "run"
    args = ["run", str(BASELINE), "--firms", "600", "--steps", "2", "--no-figures", *SMALL]
    assert cli.main([*args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "sweep"
    args = ["sweep", str(BASELINE), "--firms", "400", "--steps", "2", "--seeds", "2", *SMALL]
    assert cli.main([*args, "--workers", "0", "--no-progress", "--out", str(out)]) == 0
    return out


@pytest.fixture
def no_figures(monkeypatch):
    monkeypatch.setattr(figures, "make_all", lambda *a, **k: figures.Batch())


def expected_row(key: str, entry: dict, lang: str = "en") -> list[str]:
    """The row of ``entry`` as the report should print it, computed here from the card."""
    divisor, decimals, unit = FORMATS[scalecard.ENTRIES[key][1]]
    doc = entry.get("documented")
    documented = doc is not None
    return [
        style.t(scalecard.ENTRIES[key][0], lang),
        style.t(unit, lang),
        f"{entry['model'] / divisor:,.{decimals}f}",
        f"{doc / divisor:,.{decimals}f}" if documented else DASH,
        str(entry["documented_year"]) if documented else DASH,
        f"{entry['ratio']:.2f}" if documented else DASH,
        entry["confidence"] if documented else DASH,
        entry["source"] if documented else DASH,
    ]


def md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def html_row(cells: list[str]) -> re.Pattern:
    tds = "".join(rf'<td(?: class="num")?>{re.escape(html.escape(c))}</td>' for c in cells)
    return re.compile(f"<tr>{tds}</tr>")


def test_run_report_shows_the_card_with_the_numbers_of_the_summary(run_folder, tmp_path, no_figures):
    card = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))["scale"]
    assert set(card) <= set(scalecard.ENTRIES), "a new card entry: give it a label and a format"
    rep = report.build(run_folder, tmp_path / "r")
    md, page = rep.markdown.read_text(encoding="utf-8"), rep.html.read_text(encoding="utf-8")
    assert "## Scale of the model against documented figures" in md
    assert "<h2>Scale of the model against documented figures</h2>" in page
    assert md_row(list(scalecard.HEADER)) in md
    for key, entry in card.items():
        row = expected_row(key, entry)
        assert md_row(row) in md, key
        assert html_row(row).search(page), key
    # the anchor is reproduced, and the formats are fixed: 4.93 trillion yuan, a ratio of 1.00
    anchor = expected_row("processing_exports_yuan", card["processing_exports_yuan"])
    assert re.fullmatch(r"\d\.\d\d", anchor[2]) and anchor[5] == "1.00"
    # the card sits between the headline table and the figures
    assert md.index("## Headline outcomes") < md.index("## Scale of the model") < md.index("## Figures")


def test_missing_documented_figure_shows_a_dash():
    summary = {
        "scale": {
            "processing_exports_yuan": {
                "model": 4.9e12,
                "documented": 4.93416e12,
                "ratio": 4.9e12 / 4.93416e12,
                "unit": "yuan/year",
                "documented_year": 2023,
                "source": "derived",
                "confidence": "C",
                "note": "",
            },
            "land_port_exports_asean_usd": {
                "model": 1.6e10,
                "documented": None,
                "ratio": None,
                "note": "no documented figure found",
            },
            "air_share_of_export_value": {"model": 0.1517, "documented": None, "ratio": None},
            "rail_share_of_export_value": {"model": 0.02, "documented": None, "ratio": None},
            "mystery_count": {"model": 1234.5, "documented": None, "ratio": None},
        }
    }
    card = scalecard.card_table(summary)
    rows = {r[0]: r for r in card.rows}
    assert rows["processing exports (the anchor)"][2:] == ["4.90", "4.93", "2023", "0.99", "C", "derived"]
    assert rows["processing exports to ASEAN through land ports"][1:] == [
        "billion USD/year",
        "16.0",
        *[DASH] * 5,
    ]
    assert rows["air share of processing export value"][1:3] == ["% of export value", "15.2"]
    assert rows["rail share of export value"][1:3] == ["% of export value", "2.0"]  # unknown: by its key
    assert rows["mystery count"][1:4] == ["as stored", "1.23e+03", DASH]
    assert [r[0] for r in card.rows][:3] == [
        "processing exports (the anchor)",
        "processing exports to ASEAN through land ports",
        "air share of processing export value",
    ]
    assert not card.entry_notes  # "no documented figure found" is what the dash says
    assert scalecard.card_table({}) is None and scalecard.card_table({"scale": {}}) is None


def test_chinese_report_has_chinese_labels(run_folder, tmp_path, no_figures):
    for key, (label, _) in scalecard.ENTRIES.items():
        assert style.t(label, "zh") != label, f"no Chinese label for {key}"
    for text in (scalecard.TITLE, *scalecard.HEADER, *(q.unit for q in scalecard.QUANTITIES.values())):
        assert style.t(text, "zh") != text, text
    for text in (scalecard.NOTE_MODEL, scalecard.NOTE_MISSING, scalecard.NOTE_CONFIDENCE):
        assert style.t(text, "zh") != text, text
    card = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))["scale"]
    rep = report.build(run_folder, tmp_path / "zh", lang="zh")  # text needs no font: Chinese either way
    md, page = rep.markdown.read_text(encoding="utf-8"), rep.html.read_text(encoding="utf-8")
    assert "## 模型规模与文献数据对比" in md and "模型规模与文献数据对比" in page
    assert "| 项目 | 单位 | 模型值（第0期） | 文献值 | 年份 | 比值（模型/文献） | 可信度 | 来源 |" in md
    assert md_row(expected_row("processing_exports_yuan", card["processing_exports_yuan"], "zh")) in md
    assert "| 加工贸易出口（锚定值） | 万亿元/年 |" in md and "加工贸易就业" in page
    assert "Scale of the model against documented figures" not in md


def test_sweep_report_shows_the_card_of_the_baselines_first_run(sweep_folder, tmp_path, no_figures):
    table = pd.read_parquet(sweep_folder / "summary.parquet")
    first = table[table["scenario"] == "baseline"].sort_values(["point", "seed_index"]).iloc[0]
    record = json.loads(
        (sweep_folder / "records" / f"run-{first['run_id']}.json").read_text(encoding="utf-8")
    )
    scale = {row["entry"]: row for row in record["outcome_tables"]["summary_scale"]}
    rep = report.build(sweep_folder, tmp_path / "r")
    md = rep.markdown.read_text(encoding="utf-8")
    assert "## Scale of the model against documented figures" in md and f"Run {first['run_id']}" in md
    for key, (_, kind) in scalecard.ENTRIES.items():
        if key not in scale:
            continue
        divisor, decimals, _ = FORMATS[kind]
        label = scalecard.label(key)
        line = next(ln for ln in md.splitlines() if ln.startswith(f"| {label} |"))
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert cells[2] == f"{scale[key]['model'] / divisor:,.{decimals}f}"
        doc = scale[key]["documented"]
        if doc is None:
            assert cells[3:] == [DASH] * 5
        else:
            assert cells[3] == f"{doc / divisor:,.{decimals}f}"
            assert cells[4] == str(scale[key]["documented_year"])
            assert cells[5] == f"{scale[key]['ratio']:.2f}"
            assert cells[6] in "ABC" and cells[7] != DASH  # looked up in documented.csv
    # the processing exports figure and its source, as in a run's card
    doc = scalecard.with_sources({"exports_eu_usd": {"documented": 500e9, "documented_year": 2023}})
    assert doc["exports_eu_usd"]["source"].startswith("wownews24x7.com, 'China strengthens")


def test_sweep_without_scale_columns_says_the_card_is_not_available(sweep_folder, tmp_path, no_figures):
    table = pd.read_parquet(sweep_folder / "summary.parquet")
    why = scalecard.sweep_card(table, "baseline")  # no summary_scale rows
    assert isinstance(why, str) and why.startswith("The scale card is not available for this folder")
    failed = table.assign(status="failed")
    rows = pd.read_parquet(sweep_folder / "summary_scale.parquet")
    assert "no successful run" in scalecard.sweep_card(failed, "baseline", scale=rows)
    old = tmp_path / "old"
    old.mkdir()
    for name in ("manifest.json", "summary.csv"):
        (old / name).write_bytes((sweep_folder / name).read_bytes())
    md = report.build(old, tmp_path / "r").markdown.read_text(encoding="utf-8")
    assert "## Scale of the model against documented figures" in md
    assert "The scale card is not available for this folder" in md
