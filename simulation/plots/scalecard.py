"""The scale card in the report: the table "Scale of the model against documented figures".

The card itself is made by :func:`simulation.scale.card` and kept in a run's ``summary.json`` under
``scale`` (``{entry: {model, documented, ratio, unit, documented_year, source, confidence, note}}``).
:func:`card_table` turns it into the rows both report formats print, one number format per quantity
(:data:`QUANTITIES`): yuan in trillion yuan, USD in billion USD, persons in millions, shares in %,
ratios with 2 decimals, and :data:`MISSING` where nothing was documented.

A sweep keeps the card in its long table ``summary_scale.parquet`` (one row per run x entry: model,
documented, ratio, documented_year, unit, confidence); :func:`sweep_card` takes the card of the
baseline scenario's first run from there and looks the source up in
``simulation/data/documented.csv`` by the documented value and year.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.plots.style import t, tr

MISSING = "—"
TITLE = "Scale of the model against documented figures"
HEADER = (
    "entry",
    "unit",
    "model (step 0)",
    "documented",
    "year",
    "ratio model / documented",
    "confidence",
    "source",
)
RATIO_DECIMALS = 2


@dataclass(frozen=True)
class Quantity:
    """How the values of one kind of quantity are printed: ``value / divisor`` with ``decimals``
    decimals, in ``unit``."""

    unit: str
    divisor: float
    decimals: int

    def format(self, value: float | None) -> str:
        if not _finite(value):
            return MISSING
        return f"{value / self.divisor:,.{self.decimals}f}"


QUANTITIES = {
    "yuan": Quantity("trillion yuan/year", 1e12, 2),
    "usd": Quantity("billion USD/year", 1e9, 1),
    "persons": Quantity("million persons", 1e6, 2),
    "firms": Quantity("firms", 1.0, 0),
    "share": Quantity("% of export value", 0.01, 1),
}
#: A card entry of a kind the report does not know (three significant digits, as stored).
OTHER = "other"

#: Known entries in the order of the table: (English label, kind of quantity). The Chinese labels are
#: in :data:`simulation.plots.style.PHRASES`.
ENTRIES: dict[str, tuple[str, str]] = {
    "processing_exports_yuan": ("processing exports (the anchor)", "yuan"),
    "processing_imports_yuan": ("processing imports", "yuan"),
    "processing_employment": ("processing-trade employment", "persons"),
    "processing_firms": ("processing-trade firms represented", "firms"),
    "exports_eu_usd": ("processing exports to the EU (documented: China's total)", "usd"),
    "exports_na_usd": ("processing exports to North America (documented: China's total to the US)", "usd"),
    "exports_eastasia_usd": ("processing exports to East Asia (documented: China's total)", "usd"),
    "exports_asean_usd": ("processing exports to ASEAN (documented: China's total)", "usd"),
    "exports_usd": ("processing exports to all markets (documented: China's total)", "usd"),
    "cre_cargo_value_usd": ("China–Europe Railway Express cargo (model: rail exports to the EU)", "usd"),
    "land_port_exports_asean_usd": ("processing exports to ASEAN through land ports", "usd"),
    "air_share_of_export_value": ("air share of processing export value", "share"),
}
_UNITS = {"yuan/year": "yuan", "usd/year": "usd", "persons": "persons", "firms": "firms", "share": "share"}

NOTE_MODEL = (
    "Model values at the start of the run (step 0, annual rates, real scale); money is anchored on "
    "documented processing exports and firms on the documented count, so those two ratios are 1 by "
    "construction."
)
NOTE_MISSING = f"{MISSING}: no documented figure found."
NOTE_CONFIDENCE = (
    "Confidence: A = official table, or two copies that agree; B = one repost of an official release; "
    "C = derived, indirect or secondary (simulation/data/SOURCES.md)."
)
NOT_AVAILABLE = "The scale card is not available for this folder"


@dataclass
class Card:
    """The scale card as the report prints it: ``title``, a table (``header``, ``rows``), the
    sentences under it (``notes``) and the note of each entry (``entry_notes``: label, note)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    entry_notes: list[tuple[str, str]] = field(default_factory=list)


def kind(key: str, entry: Mapping[str, Any] | None = None) -> str:
    """The kind of quantity of a card entry (a key of :data:`QUANTITIES`, or :data:`OTHER`): known
    entries from :data:`ENTRIES`, others from their ``unit`` or, failing that, their key."""
    if key in ENTRIES:
        return ENTRIES[key][1]
    unit = str((entry or {}).get("unit") or "").lower()
    if unit in _UNITS:
        return _UNITS[unit]
    for suffix, k in (("yuan", "yuan"), ("usd", "usd"), ("employment", "persons"), ("firms", "firms")):
        if key.endswith(suffix):
            return k
    return "share" if "share" in key else OTHER


def label(key: str, lang: str = "en") -> str:
    """The readable label of a card entry in ``lang`` (unknown entries: the key with spaces)."""
    return t(ENTRIES[key][0] if key in ENTRIES else key.replace("_", " "), lang)


def card_rows(card: Mapping[str, Mapping[str, Any]], lang: str = "en") -> list[list[str]]:
    """One row per entry of ``card`` (known entries in the order of :data:`ENTRIES`, then the others in
    the card's order): label, unit, model value, documented value, documented year, ratio, confidence
    and source, :data:`MISSING` where the card has no documented figure."""
    rows = []
    for key in _ordered(card):
        entry = card[key]
        k = kind(key, entry)
        documented = entry.get("documented")
        if k in QUANTITIES:
            q = QUANTITIES[k]
            unit, model, doc = t(q.unit, lang), q.format(entry.get("model")), q.format(documented)
        else:
            unit = t("as stored", lang) if not entry.get("unit") else str(entry["unit"])
            model, doc = _general(entry.get("model")), _general(documented)
        has_doc = _finite(documented)
        year = entry.get("documented_year")
        ratio = entry.get("ratio")
        rows.append(
            [
                label(key, lang),
                unit,
                model,
                doc,
                str(int(year)) if has_doc and _finite(year) else MISSING,
                f"{ratio:.{RATIO_DECIMALS}f}" if has_doc and _finite(ratio) else MISSING,
                str(entry.get("confidence") or MISSING) if has_doc else MISSING,
                str(entry.get("source") or MISSING) if has_doc else MISSING,
            ]
        )
    return rows


def card_table(summary: Mapping[str, Any], lang: str = "en", where: str = "") -> Card | None:
    """The :class:`Card` of a run's summary (``summary.json`` as a dict), or None when it has no
    ``scale`` entry. ``where`` (say, which run of a sweep) opens the notes."""
    card = summary.get("scale")
    if not isinstance(card, Mapping) or not card:
        return None
    notes = ([where] if where else []) + [t(n, lang) for n in (NOTE_MODEL, NOTE_MISSING, NOTE_CONFIDENCE)]
    entry_notes = [
        (label(k, lang), str(card[k]["note"]))
        for k in _ordered(card)
        if card[k].get("note") and _finite(card[k].get("documented"))
    ]
    return Card(t(TITLE, lang), [t(h, lang) for h in HEADER], card_rows(card, lang), notes, entry_notes)


def card_from_rows(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The card rebuilt from a run's rows of ``summary_scale`` (one per entry; NaN becomes None)."""
    card: dict[str, dict[str, Any]] = {}
    for row in rows.to_dict("records"):
        entry = {k: v for k, v in row.items() if k in ("model", "documented", "ratio", "documented_year")}
        card[str(row["entry"])] = {k: (float(v) if _finite(v) else None) for k, v in entry.items()}
    return card


def with_sources(card: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``card`` with the unit, source, confidence and note of each entry's documented figure
    (:func:`simulation.scale.documented_for`) when it is still the figure the run used (same value
    and year); other entries are left as they are."""
    from simulation.scale import documented_for

    out = {}
    for key, entry in card.items():
        value, year, d = entry.get("documented"), entry.get("documented_year"), documented_for(key)
        still = d is not None and _finite(value) and _finite(year) and d.year == int(year)
        if still and math.isclose(d.value, value):
            found = {"unit": d.unit, "source": d.source, "confidence": d.confidence, "note": d.note}
            entry = {**found, **entry}
        out[key] = entry
    return out


def sweep_card(
    table: pd.DataFrame, baseline: str, lang: str = "en", scale: pd.DataFrame | None = None
) -> Card | str:
    """The :class:`Card` of the baseline scenario's first ok run (lowest point, then seed index) of a
    sweep's summary table, from its rows of ``scale`` (``summary_scale.parquet``), or the sentence
    saying why there is none."""
    if scale is None or scale.empty:
        return (
            f"{t(NOT_AVAILABLE, lang)}: it has no summary_scale table (a sweep made before runs kept "
            "the card in long tables)."
        )
    runs = table[(table["scenario"] == baseline) & (table["status"] == "ok")]
    if runs.empty:
        return f"{t(NOT_AVAILABLE, lang)}: the baseline scenario '{baseline}' has no successful run."
    first = runs.sort_values(["point", "seed_index"], kind="stable").iloc[0]
    card = with_sources(card_from_rows(scale[scale["run_id"].astype(str) == str(first["run_id"])]))
    where = tr(
        f"Run {first['run_id']} (scenario '{baseline}', design point {int(first['point'])}, seed "
        f"{int(first['seed'])}): the baseline's first run. Sources are looked up in "
        "simulation/data/documented.csv (a sweep's summary_scale table keeps the numbers, unit and "
        "confidence).",
        f"运行 {first['run_id']}（情景“{baseline}”，设计点 {int(first['point'])}，"
        f"种子 {int(first['seed'])}）：基准情景的第一次运行。来源查自 "
        "simulation/data/documented.csv（批量运行的规模卡长表保留数值、单位与可信度）。",
        lang,
    )
    return card_table({"scale": card}, lang, where) or f"{t(NOT_AVAILABLE, lang)}."


def _ordered(card: Mapping[str, Any]) -> list[str]:
    """The keys of ``card``: the known entries in the order of :data:`ENTRIES`, then the others."""
    return [k for k in ENTRIES if k in card] + [k for k in card if k not in ENTRIES]


def _finite(x: Any) -> bool:
    """A number that is not NaN or infinite (numpy scalars included, booleans not)."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) and math.isfinite(x)


def _general(x: Any) -> str:
    return f"{x:,.3g}" if _finite(x) else MISSING
