"""The quarter's inputs: province columns in force, the lever effects, and the costs that depend
on them alone (computed once per effects object, not once per call).

:class:`QuarterInputs` owns the scenario's series, the run's lever plan and three small caches:
the fixed part of unit costs with domestic freeness (per effects object), international freight
by market (per freight inputs) and the no-policy effects (while the inputs are unchanged). Unit
costs themselves also depend on wages, rents and where firms are, which the model holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation import costs, levers
from simulation.geography import World
from simulation.logistics import FreightTable
from simulation.scenario import Series
from simulation.sectors import Sectors
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
    ):
        self.world, self.sectors, self.freight, self.series, self.plan = world, sectors, freight, series, plan
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
        """Province columns in force at ``quarter``: base values with the scenario's series (which
        never overlap, so their order does not matter)."""
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
        return levers.assemble(
            self.plan, state, quarter, self.columns_at(quarter) if columns is None else columns
        )

    def one_lever(self, state: levers.LeverState, quarter: Quarter, name: str) -> levers.Effects:
        """The effects of lever ``name`` alone in ``quarter`` (stateless part; memories untouched)."""
        return levers.assemble(self.plan, state, quarter, self.columns_at(quarter), only=name)

    def no_policy(self, quarter: Quarter) -> levers.Effects:
        """The inputs of ``quarter`` without any lever; one object for as long as the inputs do not
        change, so the costs computed under it are reused."""
        columns = self.columns_at(quarter)
        key = b"".join(columns[name].tobytes() for name in sorted(columns))
        if self._neutral[0] != key:
            self._neutral = (key, levers.Effects.neutral(columns, self.plan.params, self.sectors.n))
        return self._neutral[1]

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
