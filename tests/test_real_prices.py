"""Real prices: unit labour costs move with wages less productivity and export prices in yuan, and
the baseline's margins stay within the documented band (simulation/data/national_series.csv)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import decision, prices
from simulation import scenario as scenario_mod
from simulation.model import RelocationModel
from simulation.scenario import ScenarioError
from simulation.tables import Column, DataError, read_table

BASELINE = "scenarios/baseline.toml"
SMALL = {"run.firms": 800, "calibration.sorting_rounds": 5}
STILL = {"labour.wage_trend": False, "labour.wage_feedback": False, "land.rent_elasticity": 0.0}


def _model(series: list | None = None, **params) -> RelocationModel:
    raw = {}
    for key, value in {**SMALL, **params}.items():
        section, name = key.split(".", 1)
        raw.setdefault(section, {})[name] = value
    if series:
        raw["series"] = series
    return RelocationModel(scenario_mod.from_dict(raw, "<test>"))


def _labour(model: RelocationModel) -> np.ndarray:
    return model.unit.labour.copy()


def test_national_table_loads_and_a_bad_cell_names_file_line_and_column(tmp_path):
    table = prices.load_national()
    assert set(table["confidence"]) <= set(prices.CONFIDENCE)
    assert prices.documented("cny_per_usd")[2023] == pytest.approx(7.0467)
    bad = tmp_path / "national_series.csv"
    bad.write_text("year,variable,value,unit,source,date,confidence,note\n2020,x,abc,-,s,d,A,\n")
    with pytest.raises(DataError, match=r"line 2: column 'value' = 'abc'"):
        read_table(bad, prices.NATIONAL_COLUMNS)
    assert isinstance(prices.NATIONAL_COLUMNS[0], Column)


def test_no_growth_and_flat_exchange_rate_leave_the_index_exactly_one():
    params = {"labour.productivity_growth": 0.0, "economy.export_price_growth": 0.0}
    assert prices.output_value_index(params, 7.25, 1.0) == 1.0


def test_unit_labour_cost_falls_with_productivity_at_fixed_wages():
    """Four quarters of 4% productivity growth cut labour cost per yuan of output by 1/1.04."""
    m = _model(**STILL, **{"labour.productivity_growth": 0.04})
    before = _labour(m)
    for _ in range(4):
        m.step()
    np.testing.assert_allclose(_labour(m), before / 1.04, rtol=1e-12)


def test_productivity_offsets_wage_growth_of_the_same_rate():
    """Wages and productivity both +4%/yr: unit labour cost flat (no feedback)."""
    growth = [{"variable": "wage_growth", "where": "all", "values": {"2024": 0.04}}]
    m = _model(
        growth,
        **{**STILL, "labour.wage_trend": True, "labour.productivity_growth": 0.04},
    )
    before = _labour(m)
    for _ in range(8):
        m.step()
    np.testing.assert_allclose(_labour(m), before, rtol=1e-12)


def test_a_scenario_replaces_the_exchange_rate_series():
    """A weaker yuan (7.0467 -> 7.75 CNY/USD from 2025) raises export prices in yuan."""
    series = [{"variable": "cny_per_usd", "where": "all", "values": {"2025": 7.75}}]
    m = _model(series, **STILL, **{"labour.productivity_growth": 0.0})
    before = _labour(m)
    for _ in range(5):  # 2024Q1..2025Q1
        m.step()
    assert m.value_index == pytest.approx(7.75 / 7.0467)
    np.testing.assert_allclose(_labour(m), before * 7.0467 / 7.75, rtol=1e-12)


def test_exchange_rate_must_be_national():
    """Refused when the scenario is validated (``ptsim validate``), not only when it runs."""
    series = [{"variable": "cny_per_usd", "where": "Henan", "values": {"2025": 7.75}}]
    with pytest.raises(ScenarioError, match="where") as info:
        _model(series, **STILL)
    assert info.value.key == "series[0].where"


def _documented(variable_prefix: str) -> np.ndarray:
    t = prices.load_national()
    rows = np.char.startswith(t["variable"].astype(str), variable_prefix)
    return t["value"][rows].astype(float)


def margin_band() -> tuple[float, float]:
    """Documented operating-revenue profit margins (营业收入利润率) widened by 1 point each side."""
    documented = _documented("industrial_profit_margin")
    return float(documented.min()) - 0.01, float(documented.max()) + 0.01


def loss_share_ceiling() -> float:
    """1.5 times the highest documented share of loss-making enterprises."""
    return 1.5 * float(_documented("industrial_loss_share").max())


def baseline_path(firms: int = 5000, **overrides) -> tuple[np.ndarray, np.ndarray]:
    """(aggregate pre-tax margin, loss-making share of firms) at step 0 and after each of the
    baseline's 48 quarters."""
    sc = scenario_mod.load(BASELINE, {"run.firms": firms, **overrides})
    m = RelocationModel(sc)
    margin, loss = [], []
    for step in range(sc.params["run.steps"] + 1):
        if step:
            m.step()
        row = m.recorder.steps[-1]
        margin.append(row["pretax_profit_yuan"].sum() / row["output_yuan"].sum())
        loss.append(float((decision.margins_here(m.situation()) < 0).mean()))
    return np.array(margin), np.array(loss)


def test_baseline_does_not_bankrupt_its_firms():
    """The default baseline (2024Q1-2035Q4, 5,000 firms) keeps its aggregate margin within the
    documented band and its loss-making share plausible.

    Band, from ``simulation/data/national_series.csv`` (SOURCES.md §7): the operating-revenue
    profit margin of industrial enterprises above designated size was 6.81% (2021), 5.96% (2022),
    5.76% (2023) and 5.41% (2024 H1) (NBS releases on industrial profits), and 7.70% for
    foreign-funded industrial enterprises in Guangzhou (2021, Guangzhou Statistical Yearbook 2022
    table 11-15): 5.41-7.70%, widened by one point each side for the model's stylised firms
    (its start is economy.profit_margin = 5%): 4.41-8.70%. Loss-making share: 16.6-22.4% of
    industrial enterprises in Guangzhou (2021, tables 11-15 and 11-19); the check is that it stays
    below 1.5 x 22.4% = 33.6% (the failure is bankruptcy: nominal wages against fixed prices gave
    61% by 2035).
    """
    low, high = margin_band()
    margin, loss = baseline_path()
    assert margin.min() >= low and margin.max() <= high, (margin.min(), margin.max(), (low, high))
    assert loss.max() <= loss_share_ceiling(), (loss.max(), loss_share_ceiling())


def test_one_exchange_rate_for_freight_prices_and_the_scale_card():
    """Freight rates quoted in dollars are converted at the same 2023 rate as the price series and
    the scale card (they then stay fixed per yuan of goods: goods and rates are both in dollars)."""
    from simulation import logistics, scale

    rate = prices.documented("cny_per_usd")[2023]
    assert logistics.load_freight().constants["usd_cny"] == rate == scale.documented()["cny_per_usd"].value
