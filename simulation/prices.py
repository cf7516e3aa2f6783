"""Real prices: what a yuan of wages buys in output, quarter by quarter.

Costs that are paid per worker (wages, land) are turned into costs per yuan of output by the output
value per worker. That value grows with labour productivity (``labour.productivity_growth``) and
with the export price in yuan: the world price in US dollars (``economy.export_price_growth``)
times the CNY/USD exchange rate. So unit labour cost = wage / (output value per worker) moves with
wage growth less productivity growth less export-price growth, not with nominal wages alone.

The exchange rate is an input series: the province column ``cny_per_usd`` (the same everywhere),
set by the documented annual averages of ``data/national_series.csv`` (:func:`documented_series`,
put before the scenario's own series) and replaceable by a scenario's
``[[series]] variable = "cny_per_usd"``. Equations: ``docs/model.md`` (Real prices).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from simulation.scenario import Series
from simulation.tables import Column, DataError, data_path, read_table

EXCHANGE_RATE = "cny_per_usd"  # province column holding the national exchange rate, CNY per USD

NATIONAL_COLUMNS: tuple[Column, ...] = (
    Column("year", "float", "year", 1990, 2100),
    Column("variable", "str"),
    Column("value", "float", "see unit", -1e9, 1e9),
    Column("unit", "str"),
    Column("source", "str"),
    Column("date", "str"),
    Column("confidence", "str"),
    Column("note", "str", required=False),
)
CONFIDENCE = ("A", "B", "C")


@cache
def load_national() -> dict[str, np.ndarray]:
    """``data/national_series.csv``: yearly national facts (one row per year x variable), checked."""
    path = data_path("national_series.csv")
    table = read_table(path, NATIONAL_COLUMNS)
    bad = [c for c in table["confidence"] if c not in CONFIDENCE]
    if bad:
        raise DataError(f"{path}: column 'confidence' = {bad[0]!r}; expected one of A, B, C")
    keys = [f"{int(y)}:{v}" for y, v in zip(table["year"], table["variable"], strict=True)]
    if len(set(keys)) != len(keys):
        raise DataError(f"{path}: duplicate year x variable rows")
    return table


def documented(variable: str) -> dict[int, float]:
    """{year: value} of one national ``variable`` (no year is filled in)."""
    t = load_national()
    rows = t["variable"] == variable
    if not rows.any():
        raise DataError(f"national_series.csv: no rows for variable {variable!r}")
    return {int(y): float(v) for y, v in zip(t["year"][rows], t["value"][rows], strict=True)}


def documented_series() -> tuple[Series, ...]:
    """The documented exchange-rate path as a ``[[series]]`` (piecewise constant from each year:
    a year without a figure keeps the last documented one, and so do the years after the last)."""
    points = tuple(sorted((float(y), v) for y, v in documented(EXCHANGE_RATE).items()))
    return (Series(EXCHANGE_RATE, "all", points),)


def national_value(columns: Mapping[str, np.ndarray], name: str = EXCHANGE_RATE) -> float:
    """The one value of a national column (a series that sets it for some provinces only is an
    error: the exchange rate is the same everywhere)."""
    values = columns[name]
    if not np.all(values == values[0]):
        raise DataError(f'{name} is national: a [[series]] must set it with where = "all"')
    return float(values[0])


def output_value_index(params: Mapping[str, Any], years: float, exchange_rate_ratio: float) -> float:
    """Output value per worker relative to step 0 (-), ``years`` after it: productivity growth and
    USD export-price growth compounded, times the exchange rate relative to step 0. Exactly 1.0 with
    no growth and an unchanged exchange rate, so such runs are unchanged to the last bit."""
    growth = (1.0 + params["labour.productivity_growth"]) * (1.0 + params["economy.export_price_growth"])
    return growth**years * exchange_rate_ratio
