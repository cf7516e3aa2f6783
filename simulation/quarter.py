"""The quarter's inputs: province columns in force, the lever effects, and the costs that depend
on them alone (computed once per effects object, not once per call).

:class:`QuarterInputs` owns the scenario's series (province inputs and national freight inputs,
``[[freight_series]]``), the run's lever plan and three small caches:
the fixed part of unit costs with domestic freeness (per effects object), international freight
by market (per freight inputs) and the no-policy effects (while the inputs are unchanged). Unit
costs themselves also depend on wages, rents and where firms are, which the model holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation import costs, levers
from simulation.geography import World
from simulation.logistics import MODES, FreightTable
from simulation.scenario import FreightSeries, Series
from simulation.sectors import MARKETS, Sectors
from simulation.timeline import Quarter


class QuarterInputs:
    """Province inputs and lever effects quarter by quarter, with their cost caches."""

    def __init__(
        self,
        world: World,
        sectors: Sectors,
        freight: FreightTable,
        series: tuple[Series, ...],
        plan: levers.Plan,
        freight_series: tuple[FreightSeries, ...] = (),
    ):
        self.world, self.sectors, self.freight, self.series, self.plan = world, sectors, freight, series, plan
        self.freight_series = freight_series
        self.base_columns = {k: v.copy() for k, v in world.columns.items()}
        self._freight_cache: dict[bytes, dict] = {}
        self._quarter_cache: dict[int, tuple[levers.Effects, tuple[costs.QuarterCosts, np.ndarray]]] = {}
        self._neutral: tuple[bytes, levers.Effects | None] = (b"", None)
        self.flows: np.ndarray | None = None  # (S, R, M) export values for the capacity limits

    def set_flows(self, flows: np.ndarray) -> None:
        """Export values (S, R, M) against which rail and land-port capacity is priced: fixed for
        the run (set from the initial distribution), so cached freight costs stay valid."""
        self.flows = flows.copy()
        self._freight_cache.clear()
        self._quarter_cache.clear()

    def columns_at(self, quarter: Quarter) -> dict[str, np.ndarray]:
        """Province columns in force at ``quarter``: base values with the series, in order. A
        scenario's series never overlap one another; the documented exchange-rate path comes first,
        so a scenario's own ``cny_per_usd`` series replaces it from its first key on."""
        cols = {k: v.copy() for k, v in self.base_columns.items()}
        for s in self.series:
            self._put(s, cols[s.variable], quarter)
        return cols

    def column_at(self, name: str, quarter: Quarter) -> np.ndarray:
        """(R,) province column ``name`` in force at ``quarter`` (data, overrides and series; no
        lever), without building the other columns."""
        col = self.base_columns[name].copy()
        for s in self.series:
            if s.variable == name:
                self._put(s, col, quarter)
        return col

    def _put(self, series: Series, column: np.ndarray, quarter: Quarter) -> None:
        """Write the value ``series`` has in force at ``quarter`` (if any) into ``column``."""
        value = series.value_at(quarter.decimal_year)
        if value is not None:
            column[self.world.targets(series.where)] = value

    def effects(
        self, state: levers.LeverState, quarter: Quarter, columns: dict[str, np.ndarray] | None = None
    ) -> levers.Effects:
        """Every active lever's effects in ``quarter`` (on ``columns``, default the columns in force);
        stateful levers advance their memory, so call it once per simulated quarter."""
        effects = levers.assemble(
            self.plan, state, quarter, self.columns_at(quarter) if columns is None else columns
        )
        return self._put_freight(effects, quarter)

    def one_lever(self, state: levers.LeverState, quarter: Quarter, name: str) -> levers.Effects:
        """The effects of lever ``name`` alone in ``quarter`` (stateless part; memories untouched),
        on the quarter's inputs (freight series included)."""
        effects = levers.assemble(self.plan, state, quarter, self.columns_at(quarter), only=name)
        return self._put_freight(effects, quarter)

    def no_policy(self, quarter: Quarter) -> levers.Effects:
        """The inputs of ``quarter`` without any lever (freight series are inputs: included); one
        object for as long as the inputs do not change, so the costs computed under it are reused."""
        columns = self.columns_at(quarter)
        key = b"".join(columns[name].tobytes() for name in sorted(columns))
        if self.freight_series:
            key += repr(self.freight_at(quarter)).encode()
        if self._neutral[0] != key:
            neutral = levers.Effects.neutral(columns, self.plan.params, self.sectors.n)
            self._neutral = (key, self._put_freight(neutral, quarter))
        return self._neutral[1]

    def freight_at(self, quarter: Quarter) -> list[tuple[FreightSeries, float]]:
        """The freight series with a value in force at ``quarter``, and that value."""
        found = ((f, f.value_at(quarter.decimal_year)) for f in self.freight_series)
        return [(f, v) for f, v in found if v is not None]

    def _put_freight(self, effects: levers.Effects, quarter: Quarter) -> levers.Effects:
        """Write the freight series in force at ``quarter`` into ``effects``: a rate multiplier or
        added days into ``effects.freight.market_rate_mult`` / ``market_days_add`` at (mode,
        market), a national parameter into ``effects.params``. They never overlap and no lever
        writes these, so the values are set, not combined. They enter ``costs.market_costs_key``."""
        policy = effects.freight
        for f, value in self.freight_at(quarter):
            if f.mode is None:
                effects.params[f"logistics.{f.variable}"] = value
                continue
            array = {"rate_mult": policy.market_rate_mult, "days_add": policy.market_days_add}[f.variable]
            array[MODES.index(f.mode), slice(None) if f.market == "all" else MARKETS.index(f.market)] = value
        return effects

    def costs(self, effects: levers.Effects) -> tuple[costs.QuarterCosts, np.ndarray]:
        """The part of unit costs fixed under ``effects``, and domestic freeness (R, R), computed
        once per effects object (the cache holds the objects, so their ids are not reused)."""
        hit = self._quarter_cache.get(id(effects))
        if hit is None or hit[0] is not effects:
            quarter = costs.quarter_costs(
                sectors=self.sectors,
                effects=effects,
                freight=self.freight,
                distance_km=self.world.distance_km,
                freight_by_market=self._freight_by_market(effects),
            )
            hit = _bounded_put(
                self._quarter_cache, id(effects), (effects, (quarter, self._freeness(effects)))
            )
        return hit[1]

    def _freeness(self, effects: levers.Effects) -> np.ndarray:
        w = self.world
        return costs.freeness_matrix(
            w.distance_km,
            effects.columns["coastal"],
            effects.params,
            w.freeness,
            effects.coast_link_cut,
            effects.interior_link_cut,
        )

    def _freight_by_market(self, effects: levers.Effects) -> dict[str, Any]:
        """Freight costs under ``effects``: they depend on the quarter's inputs and levers only (not
        on wages or where firms are), so they are computed again only when those change."""
        key = costs.market_costs_key(effects)
        hit = self._freight_cache.get(key)
        if hit is None:
            found = costs.market_costs(
                self.sectors, self.freight, effects, self.world.distance_km, self.flows
            )
            hit = _bounded_put(self._freight_cache, key, found)
        return hit


def _bounded_put(cache: dict, key, value, size: int = 4):
    """Store ``value`` under ``key`` in a small cache (emptied when full); return ``value``."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
    return value
