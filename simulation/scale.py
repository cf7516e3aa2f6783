"""The scale card: the model's start beside the documented figures it should reproduce.

Money is anchored on documented processing exports (``economy.processing_exports_yuan``) and firms
on the documented count (``economy.processing_firms``); everything else on the card — imports,
employment, exports by market, China–Europe Railway Express cargo, land-port exports to ASEAN, the
air share — follows from the model's sector data and freight, so the ratios say how far the model's
economy is from the documented one. Documented figures, with their sources, are in
``simulation/data/documented.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from simulation.logistics import MODES
from simulation.recorder import Recorder
from simulation.sectors import MARKETS
from simulation.state import ModelState
from simulation.tables import Column, data_path, read_table

DOCUMENTED_FILE = "documented.csv"
DOCUMENTED_COLUMNS = (
    Column("key", "str"),
    Column("year", "float", "year", 1978, 2100),
    Column("value", "float", "as in unit", 0.0, None),
    Column("unit", "str"),
    Column("source", "str"),
    Column("confidence", "str"),
)


@dataclass(frozen=True)
class Documented:
    """One documented figure (``documented.csv``)."""

    key: str
    year: int
    value: float
    unit: str
    source: str
    confidence: str
    note: str


@cache
def documented() -> dict[str, Documented]:
    """Every documented figure by key (read once)."""
    t = read_table(data_path(DOCUMENTED_FILE), DOCUMENTED_COLUMNS, key="key")
    notes = t.get("note", np.full(len(t["key"]), ""))
    return {
        str(k): Documented(str(k), int(y), float(v), str(u), str(s), str(c), str(n))
        for k, y, v, u, s, c, n in zip(
            t["key"], t["year"], t["value"], t["unit"], t["source"], t["confidence"], notes, strict=True
        )
    }


def card(model: ModelState, recorder: Recorder, ts: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The scale card of a run: each entry's model value at step 0 (annual rates, real units), the
    documented figure, its year, unit, source and confidence, and the ratio model / documented."""
    start = ts[ts["step"] == ts["step"].min()]
    by_mode = recorder.start_exports_by_mode  # (markets, modes), yuan/year
    usd = documented()["cny_per_usd"].value
    values = {
        "processing_exports_yuan": float(start["exports_yuan"].sum()),
        "processing_imports_yuan": _imports(model, start),
        "processing_employment": float(start["employment"].sum()),
        "processing_firms": float(start["firms"].sum() * model.firm_scale),
        "cre_cargo_value_usd": float(by_mode[MARKETS.index("eu"), MODES.index("rail")]) / usd,
        "land_port_exports_asean_usd": float(by_mode[MARKETS.index("asean"), MODES.index("land")]) / usd,
        "air_share_of_export_value": float(by_mode[:, MODES.index("air")].sum() / by_mode.sum()),
    }
    values |= {f"exports_{m}_usd": float(by_mode[i].sum()) / usd for i, m in enumerate(MARKETS)}
    values["exports_usd"] = float(by_mode.sum()) / usd
    return {key: _entry(key, value) for key, value in values.items()}


def _imports(model: ModelState, start: pd.DataFrame) -> float:
    """Imported inputs at step 0: each sector's output x its imported-input share (yuan/year)."""
    output = start.groupby("sector", sort=False)["output_yuan"].sum()
    share = dict(zip(model.sectors.names, model.sectors.col("imported_input_share"), strict=True))
    return float(sum(v * share[str(s)] for s, v in output.items()))


def documented_for(key: str) -> Documented | None:
    """The documented figure a card entry ``key`` is set beside (its own key, or one of another
    scope: China's total exports by market), or None."""
    return documented().get(_DOCUMENTED_AS.get(key, key))


def _entry(key: str, value: float) -> dict[str, Any]:
    doc = documented_for(key)
    if doc is None:
        return {"model": value, "documented": None, "ratio": None, "note": "no documented figure found"}
    return {
        "model": value,
        "documented": doc.value,
        "ratio": value / doc.value if doc.value else None,
        "unit": doc.unit,
        "documented_year": doc.year,
        "source": doc.source,
        "confidence": doc.confidence,
        "note": doc.note,
    }


# card entries compared with a documented figure of another scope (the note says which)
_DOCUMENTED_AS = {f"exports_{m}_usd": f"china_exports_{m}_usd" for m in MARKETS} | {
    "exports_usd": "china_exports_world_usd"
}
