"""RelocationModel: the quarterly step of the agent-based model (a ``mesa.Model``).

Order of one step (one quarter):

1. province inputs for the new quarter (series, wage trend);
2. unit costs per sector x province (:mod:`simulation.costs`);
3. each firm's margin where it is; review hazard; the reviewing firms draw consideration sets and
   choose by logit on after-tax margin net of the annualised moving cost
   (:mod:`simulation.choice`);
4. movers enter designated parks while there is room (lottery);
5. wages and land rents respond to local processing employment; outputs are recorded.

All work over firms is vectorised; Mesa agents (provinces always, firms on request) are views.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mesa
import numpy as np

from simulation import costs, levers
from simulation import scenario as scenario_mod
from simulation.calibration import CalibrationResult, berry_contraction, sort_by_swaps
from simulation.choice import (
    admit,
    consideration_sets,
    considered,
    logit_draw,
    logit_probabilities,
    review_hazard,
)
from simulation.firms import CellTallies, Firm, FirmArrays, output_per_worker, synthesize
from simulation.geography import Province, World, custom_world, load_china
from simulation.logistics import load_freight
from simulation.outputs import Recorder
from simulation.sectors import Sectors, check_sectors, load_sectors
from simulation.timeline import Quarter

# independent random streams spawned from the master seed (common random numbers across scenarios:
# lever draws have their own stream, so switching a lever on leaves every other draw unchanged)
STREAM_POPULATION, STREAM_CALIBRATION, STREAM_DYNAMICS, STREAM_LEVERS = 1, 2, 3, 4


class RelocationModel(mesa.Model):
    """Processing-trade firms choosing among provinces, quarter by quarter.

    Parameters
    ----------
    scenario: a validated :class:`~simulation.scenario.Scenario`, a path to a scenario file, or
        None for the defaults of :mod:`simulation.parameters`.
    seed, firms: override ``run.seed`` and ``run.firms``.
    """

    def __init__(
        self,
        scenario: scenario_mod.Scenario | str | Path | None = None,
        *,
        seed: int | None = None,
        firms: int | None = None,
    ):
        sc = _resolve(scenario)
        overrides = {k: v for k, v in (("run.seed", seed), ("run.firms", firms)) if v is not None}
        if overrides:
            sc = sc.with_overrides(overrides, "RelocationModel()")
        self.spec = sc
        self.params = dict(sc.params)
        self.seed = int(self.params["run.seed"])
        super().__init__(rng=self.seed)
        self._seed_words = [int(w) for w in np.random.SeedSequence(self.seed).generate_state(2)]
        self.start = sc.start
        self.quarter = self.start + (-1)  # step 0 is the state at the end of the quarter before
        self.world, self.sectors = build_world(sc), build_sectors(sc)
        self.freight = load_freight()
        self.lever_masks = levers.masks(self.world, sc.params)
        self.lever_settings = levers.all_settings(sc.params)
        self.lever_state: dict[str, dict] = {}
        self._freight_cache: dict[bytes, dict] = {}
        self._quarter_cache: dict[int, tuple[levers.Effects, tuple[costs.QuarterCosts, np.ndarray]]] = {}
        self._neutral: tuple[bytes, levers.Effects | None] = (b"", None)
        self._tallies: CellTallies | None = None
        self._lever_rng = self._stream(STREAM_LEVERS, 0)
        self._survival_log = np.zeros((1, self.world.n))  # (step, R): sum of log(1 - learn_prob)
        self._setup_provinces()
        self._setup_firms()
        self._apply_levers(self.columns)
        self._normalise()
        self.calibration = self._calibrate()
        self.recorder = Recorder()
        self.unit = self._unit_costs()
        self.recorder.record(self, moved=np.zeros(0, np.int64), origin=np.zeros(0, np.int64))
        self.province_agents = [Province(self, r) for r in range(self.world.n)]
        if self.params["run.firm_agents"]:
            Firm.create_agents(self, self.firms.n, list(range(self.firms.n)))
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "inland_employment_share": RelocationModel.inland_employment_share,
                "relocations": lambda m: int(m.recorder.steps[-1]["relocations_in"].sum()),
            }
        )
        self.datacollector.collect(self)

    # --- set-up --------------------------------------------------------------------------------

    def _stream(self, stream: int, step: int = 0) -> np.random.Generator:
        """Generator for one purpose (and step), derived from the master seed only."""
        return np.random.default_rng([*self._seed_words, stream, step])

    def _setup_provinces(self) -> None:
        w = self.world
        self.base_columns = {k: v.copy() for k, v in w.columns.items()}
        # step 0 is the end of the quarter before the start: a series (or lever) that begins at
        # run.start acts from step 1 and is not absorbed by the calibration
        self.columns = self._columns_at(self.quarter)
        pop = self.columns["population"]
        self.wage_ref = float((self.columns["wage_yuan"] * pop).sum() / pop.sum())
        self.output_per_worker = output_per_worker(self.sectors, self.wage_ref)
        self.wage_level = self.columns["wage_yuan"].copy()  # trend path before feedback
        self.wage = self.wage_level.copy()
        self.rent_index = np.ones(w.n)
        share = self.columns["processing_trade_100m_yuan"]
        self.province_share0 = share / share.sum()
        self.target = self.sectors.col("employment_share")[:, None] * self.province_share0[None, :]

    def _setup_firms(self) -> None:
        p = self.params
        rng = self._stream(STREAM_POPULATION)
        self.firms: FirmArrays = synthesize(
            p["run.firms"], self.sectors, self.target, self.world.region, self.wage_ref, p, rng
        )
        total = self.firms.employment.sum()
        self.scale = p["economy.processing_employment_total"] / total  # real persons per model job
        pop = self.columns["population"]
        self.labour_pool = total / p["labour.processing_share_of_workforce"] * pop / pop.sum()
        cap = p["parks.capacity_jobs"] / self.scale if p["parks.enabled"] else 0.0
        self.park_capacity = (self.columns["national_park"] > 0) * cap
        fill = self.park_capacity * p["parks.initial_occupancy"]
        f = self.firms
        f.in_park[:] = admit(rng, f.location, f.employment, fill) & (self.park_capacity[f.location] > 0)
        self.refresh_tallies()

    def _normalise(self) -> None:
        """Reset factor prices and set the sectors' gross margins at the current state.

        The gross margin (world price net of unmodelled inputs) makes the output-weighted mean
        pre-tax margin of each sector equal ``economy.profit_margin``. Market access needs no
        normalisation: its output-weighted mean is 1 for any distribution (costs.market_access).
        """
        self.employment0 = self.employment_by_province()
        self.wage = self.wage_level.copy()
        self.rent_index = np.ones(self.world.n)
        self.firm_share = self.output_shares()
        self.gross_margin = np.zeros(self.sectors.n)
        self.gross_margin = self.params["economy.profit_margin"] - self._sector_mean_margin(
            self._pretax_here(self._unit_costs())
        )

    def _calibrate(self) -> CalibrationResult | None:
        """Province constants; see :mod:`simulation.calibration` for the method."""
        s_n, r_n = self.target.shape
        self.alpha = np.zeros((s_n, r_n))
        if self.params["calibration.method"] == "none":
            return None
        rng = self._stream(STREAM_CALIBRATION)
        self._sort(rng)
        return self._flow_balance(rng)

    def _flow_balance(self, rng: np.random.Generator) -> CalibrationResult:
        """Berry contraction: expected inflows equal expected outflows at the current state."""
        f = self.firms
        n = min(f.n, self.params["calibration.sample_firms"])
        idx = np.sort(rng.choice(f.n, n, replace=False)) if n < f.n else np.arange(f.n)
        unit = self._unit_costs()
        base = self._utility(idx, unit)
        mask = consideration_sets(rng, f.known[idx], f.location[idx], self.consideration_size())
        weight = f.employment[idx] * self._hazard(unit)[idx]
        target = self._calibration_target(idx, weight)
        result = berry_contraction(
            base,
            mask,
            f.sector[idx],
            weight,
            target,
            self.params["calibration.tolerance"],
            self.params["calibration.max_iter"],
            start=self.alpha,
        )
        self.alpha = result.alpha
        return result

    def _sort(self, rng: np.random.Generator) -> None:
        """Place firms as if they had sorted among provinces in the past (see
        :func:`simulation.calibration.sort_by_swaps`): the documented distribution is kept while
        each firm meets the provinces that suit it.

        The weight of firm i at province r is exp(U_i(r)) / h_i(r): the stationary distribution of
        a logit chain in which firms leave r at their review hazard h_i(r).
        """
        p, f, unit = self.params, self.firms, self._unit_costs()
        fixed = unit.fixed_part(self.gross_margin)
        mu = p["behaviour.logit_scale"]
        mean = self._sector_mean_margin(self.margins_here(unit))

        scaled = (unit.labour + unit.land).ravel()

        def log_weight(idx: np.ndarray, where: np.ndarray) -> np.ndarray:
            s = f.sector[idx]
            cell = s * self.world.n + where
            pre = fixed.ravel().take(cell) - scaled.take(cell) / f.productivity[idx]
            post = costs.after_tax(pre, unit.tax_rate.take(where), unit.rd_deduction.ravel().take(cell))
            hazard = review_hazard(
                (mean[s] - post) / mu,
                p["behaviour.review_hazard"],
                p["behaviour.hazard_gap_slope"],
                p["behaviour.max_hazard"],
            )
            return post / mu - np.log(np.maximum(hazard, 1e-12))

        sort_by_swaps(
            rng,
            f.sector,
            f.employment,
            f.location,
            log_weight,
            p["calibration.sorting_rounds"],
            swap_along=(f.in_park, f.known),
        )
        self.refresh_tallies()
        self._normalise()

    def _calibration_target(self, idx: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Shares that make expected inflows equal expected outflows at step 0.

        Outflows of a cell are proportional to its employment x hazard, so the target is the
        hazard-weighted distribution of the firms themselves; a small weight on the documented
        distribution keeps provinces with no firm of a sector choosable.
        """
        held = self.by_cell(weight, idx)
        held /= np.maximum(held.sum(axis=1, keepdims=True), 1e-300)
        documented = self.target / self.target.sum(axis=1, keepdims=True)
        eta = self.params["calibration.documented_weight"]
        return (1 - eta) * held + eta * documented

    # --- state helpers -------------------------------------------------------------------------

    def _columns_at(self, quarter: Quarter) -> dict[str, np.ndarray]:
        """Province columns in force at ``quarter``: base values with the scenario's series."""
        cols = {k: v.copy() for k, v in self.base_columns.items()}
        t = quarter.decimal_year
        for s in self.spec.series:
            value = s.value_at(t)
            if value is not None:
                cols[s.variable][self.world.targets(s.where)] = value
        return cols

    def _apply_levers(self, columns: dict[str, np.ndarray]) -> None:
        """This quarter's lever effects on top of ``columns``: inputs, parameters, freeness."""
        self.effects = levers.assemble(self, self.quarter, columns)
        self.columns, self.params = self.effects.columns, self.effects.params
        self.freeness = self._quarter_costs(self.effects)[1]

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

    def no_policy_effects(self) -> levers.Effects:
        """This quarter's inputs without any lever (for the decomposition of lever effects); one
        object for as long as the inputs do not change."""
        columns = self._columns_at(self.quarter)
        key = b"".join(columns[name].tobytes() for name in sorted(columns))
        if self._neutral[0] != key:  # the same object while the inputs are the same: costs reused
            self._neutral = (key, levers.Effects.neutral(columns, self.spec.params, self.sectors.n))
        return self._neutral[1]

    def one_lever_effects(self, name: str) -> levers.Effects:
        """This quarter's inputs with lever ``name`` alone (stateless part; the state is kept)."""
        return levers.assemble(self, self.quarter, self._columns_at(self.quarter), only=name)

    @contextmanager
    def under(self, effects: levers.Effects) -> Iterator[costs.UnitCosts]:
        """Evaluate the current state under other lever ``effects`` (e.g. ``no_policy_effects()``);
        yields their unit costs and restores this quarter's afterwards."""
        saved = self.effects, self.columns, self.params, self.freeness, self.unit
        try:
            self.effects, self.columns, self.params = effects, effects.columns, effects.params
            self.freeness = self._quarter_costs(effects)[1]
            self.unit = self._unit_costs()
            yield self.unit
        finally:
            self.effects, self.columns, self.params, self.freeness, self.unit = saved

    def choice_probabilities(self, idx: np.ndarray | None = None) -> np.ndarray:
        """(n, R) logit probabilities of firms ``idx`` (default all) over every province, at the
        current unit costs (``self.unit``), if they reviewed now."""
        f = self.firms
        idx = np.arange(f.n) if idx is None else idx
        utility = self._utility(idx, self.unit) + self.alpha[f.sector[idx]]
        return logit_probabilities(utility, np.ones(utility.shape, bool))

    @property
    def tallies(self) -> CellTallies:
        """The firm arrays summed by cell (kept up to date by the moves)."""
        if self._tallies is None:
            self._tallies = CellTallies(self.firms, self.sectors.n, self.world.n)
        return self._tallies

    def refresh_tallies(self) -> None:
        """Sum :attr:`tallies` afresh when next needed: call after changing firms' ``location`` or
        ``in_park`` by hand (the model's own moves update them)."""
        self._tallies = None

    def employment_by_province(self) -> np.ndarray:
        return self.tallies.employment.sum(axis=0)

    def by_cell(self, weights: np.ndarray | None = None, idx: np.ndarray | None = None) -> np.ndarray:
        """(S, R) sum of ``weights`` (or a count) over firms ``idx`` (default all) by cell."""
        f, s_n, r_n = self.firms, self.sectors.n, self.world.n
        keys = self.tallies.cell if idx is None else f.sector[idx] * r_n + f.location[idx]
        return np.bincount(keys, weights=weights, minlength=s_n * r_n).reshape(s_n, r_n)

    def output_shares(self) -> np.ndarray:
        """(S, R) output share of each sector by province (rows sum to 1)."""
        out = self.tallies.output
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300)

    def firm_counts(self) -> np.ndarray:
        """(S, R) number of firms by sector and province."""
        return self.tallies.count.copy()

    def park_free(self) -> np.ndarray:
        """(R,) park capacity not yet taken (model persons)."""
        return np.maximum(self.park_capacity - self.tallies.park_employment, 0.0)

    def park_availability(self) -> np.ndarray:
        """Share of park capacity still free (0 where there is no park): the chance of a slot."""
        cap = self.park_capacity
        return np.divide(self.park_free(), cap, out=np.zeros_like(cap), where=cap > 0)

    def _unit_costs(self, effects: levers.Effects | None = None) -> costs.UnitCosts:
        """Unit costs at the current state under ``effects`` (default: this quarter's levers)."""
        quarter, freeness = self._quarter_costs(self.effects if effects is None else effects)
        return costs.unit_costs(
            quarter,
            sectors=self.sectors,
            wage=self.wage,
            rent_index=self.rent_index,
            wage_ref=self.wage_ref,
            output_per_worker=self.output_per_worker,
            freeness=freeness,
            firm_share=self.firm_share,
        )

    def _quarter_costs(self, effects: levers.Effects) -> tuple[costs.QuarterCosts, np.ndarray]:
        """The part of unit costs fixed under ``effects``, and domestic freeness, computed once per
        effects object (the cache holds the objects, so their ids are not reused)."""
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

    def _freight_by_market(self, effects: levers.Effects) -> dict:
        """Freight costs under ``effects``: they depend on the quarter's inputs and levers only (not
        on wages or where firms are), so they are computed again only when those change."""
        key = costs.market_costs_key(effects)
        hit = self._freight_cache.get(key)
        if hit is None:
            found = costs.market_costs(self.sectors, self.freight, effects, self.world.distance_km)
            hit = _bounded_put(self._freight_cache, key, found)
        return hit

    # --- margins and utilities -----------------------------------------------------------------

    def _pretax_here(self, unit: costs.UnitCosts, idx: np.ndarray | None = None) -> np.ndarray:
        """Pre-tax margin (yuan per yuan of output) of firms ``idx`` (default all) where they are.

        A[s, r] - (labour + land x (1 - rent discount if in a park)) / phi, read from flat cell
        arrays by the firms' keys (one gather each, no (S, R) fancy indexing per firm)."""
        t = self.tallies
        cell, key, inv_phi = (
            (t.cell, t.park_key, t.inv_productivity)
            if idx is None
            else (t.cell[idx], t.park_key[idx], t.inv_productivity[idx])
        )
        discount = self.params["parks.rent_discount"]
        scaled = np.stack((unit.labour + unit.land, unit.labour + unit.land * (1 - discount)), axis=-1)
        return unit.fixed_part(self.gross_margin).ravel().take(cell) - scaled.ravel().take(key) * inv_phi

    def margins_here(self, unit: costs.UnitCosts) -> np.ndarray:
        """After-tax margin of every firm at its current location."""
        rate = unit.tax_rate.take(self.firms.location)
        deduction = unit.rd_deduction.ravel().take(self.tallies.cell)
        return costs.after_tax(self._pretax_here(unit), rate, deduction)

    def _sector_mean_margin(self, margin: np.ndarray) -> np.ndarray:
        """(S,) output-weighted mean of ``margin`` over each sector's firms."""
        f, t = self.firms, self.tallies
        return t.sector_sum(f.sector, margin * f.output) / np.maximum(t.output.sum(axis=1), 1e-300)

    def _hazard(self, unit: costs.UnitCosts) -> np.ndarray:
        p, f = self.params, self.firms
        margin = self.margins_here(unit)
        gap = (self._sector_mean_margin(margin)[f.sector] - margin) / p["behaviour.logit_scale"]
        return review_hazard(
            gap, p["behaviour.review_hazard"], p["behaviour.hazard_gap_slope"], p["behaviour.max_hazard"]
        )

    def consideration_size(self) -> int:
        return self.params["behaviour.consideration_size"] + self.effects.extra_considered

    def annuity(self) -> float:
        """Annual payment per yuan of one-off cost over the planning horizon."""
        r, h = self.params["behaviour.discount_rate"], self.params["behaviour.planning_horizon_years"]
        return 1.0 / h if r == 0 else r / (1.0 - (1.0 + r) ** -h)

    def move_cost(self, idx: np.ndarray, avail: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """Annualised one-off cost of moving firms ``idx`` to provinces ``where`` ((n, k) indices;
        default every province), per yuan of output."""
        p, f = self.params, self.firms
        where = self._provinces(where)
        kappa = self.sectors.col("capital_output_ratio")[f.sector[idx]]
        base = self.setup_cost(idx, avail, where) * self.move_cost_factor(idx, where)
        per_job = f.employment[idx] / f.output[idx]  # jobs per yuan of output
        subsidy = per_job[:, None] * self.effects.move_subsidy_total()[where]
        years = p["economy.equipment_supervision_years"]
        remaining = np.clip(1 - f.equipment_age[idx] / years, 0, 1) if years > 0 else 0.0
        duty = (
            f.foreign[idx]
            * p["economy.supervised_equipment_share"]
            * kappa
            * p["economy.equipment_duty_rate"]
            * remaining
        )
        return self.annuity() * (base + duty[:, None] - subsidy)

    def setup_cost(self, idx: np.ndarray, avail: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """(n, k) set-up cost of a move to ``where`` per yuan of output, before financing terms."""
        kappa = self.sectors.col("capital_output_ratio")[self.firms.sector[idx]]
        setup = 1 - self.params["parks.setup_discount"] * avail[self._provinces(where)]
        return self.params["behaviour.relocation_cost_share"] * kappa[:, None] * setup

    def move_cost_factor(self, idx: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """(n, k) financing multiplier on the set-up cost: the SME premium (less what credit
        support removes) and the withholding-tax saving of foreign firms, by destination."""
        f, e, where = self.firms, self.effects, self._provinces(where)
        premium = (
            self.params["economy.sme_finance_premium"] * f.sme[idx][:, None] * (1 - e.sme_premium_cut[where])
        )
        return (1 + premium) * (1 - f.foreign[idx][:, None] * e.foreign_move_cut[where])

    def _provinces(self, where: np.ndarray | None) -> np.ndarray:
        """``where``, or every province as a (1, R) row that broadcasts over firms."""
        return np.arange(self.world.n)[None, :] if where is None else where

    def _cells(self, idx: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """Indices into raveled (S, R) arrays of firms ``idx`` at provinces ``where``."""
        return self.firms.sector[idx][:, None] * self.world.n + self._provinces(where)

    def _utility(self, idx: np.ndarray, unit: costs.UnitCosts, where: np.ndarray | None = None) -> np.ndarray:
        """Deterministic utility (logit units) of firms ``idx`` at provinces ``where`` ((n, k)
        indices; default every province), without alpha."""
        p, f = self.params, self.firms
        where = self._provinces(where)
        cell = self._cells(idx, where)
        here = where == f.location[idx][:, None]
        avail = self.park_availability()
        scaled = unit.labour + unit.land * (1 - p["parks.rent_discount"] * avail)[None, :]
        pre = (
            unit.fixed_part(self.gross_margin).ravel()[cell]
            - scaled.ravel()[cell] * (1.0 / f.productivity[idx])[:, None]
        )
        pre = np.where(here, self._pretax_here(unit, idx)[:, None], pre)
        post = costs.after_tax(pre, unit.tax_rate[where], unit.rd_deduction.ravel()[cell])
        mc = np.where(here, 0.0, self.move_cost(idx, avail, where))
        agglo = p["agglomeration.gamma"] * np.log(self.tallies.count + p["agglomeration.offset"])
        return (post - mc) / p["behaviour.logit_scale"] + agglo.ravel()[cell] + self.columns["amenity"][where]

    # --- the step ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one quarter."""
        self.quarter = self.start + (self.steps - 1)  # the quarter being simulated
        self._update_inputs()
        self._lever_rng = self._stream(STREAM_LEVERS, self.steps)
        survival = self._survival_log[-1] + _log_not_learning(self.effects.learn_prob)
        self._survival_log = np.vstack([self._survival_log, survival])
        self._update_factor_prices()  # this quarter's wage levels, before the decisions
        unit = self._unit_costs()
        movers, origin = self._transition(self._stream(STREAM_DYNAMICS, self.steps), unit)
        self._update_factor_prices()
        self.firm_share = self.output_shares()
        self.unit = self._unit_costs()
        self.recorder.record(self, moved=movers, origin=origin)
        self.datacollector.collect(self)

    def _transition(self, rng: np.random.Generator, unit: costs.UnitCosts) -> tuple[np.ndarray, np.ndarray]:
        """Reviews, choices and moves of one quarter; returns (movers, their origins)."""
        f = self.firms
        reviewing, chosen = self._choose(rng, unit)
        moving = chosen != f.location[reviewing]
        movers = reviewing[moving]
        origin = f.location[movers].copy()
        self._relocate(rng, movers, chosen[moving])
        self._age_a_quarter()
        return movers, origin

    def _choose(self, rng: np.random.Generator, unit: costs.UnitCosts) -> tuple[np.ndarray, np.ndarray]:
        """The quarter's decision: which firms review, and the province each of them chooses."""
        f = self.firms
        reviewing = np.flatnonzero(rng.random(f.n) < self._hazard(unit))
        if not len(reviewing):
            return reviewing, f.location[reviewing]
        # utilities of the considered provinces only (column 0: where the firm is)
        self.sync_knowledge(reviewing)
        options, valid = considered(rng, f.known[reviewing], f.location[reviewing], self.consideration_size())
        utility = (
            self._utility(reviewing, unit, options) + self.alpha.ravel()[self._cells(reviewing, options)]
        )
        return reviewing, options[np.arange(len(reviewing)), logit_draw(rng, utility, valid)]

    def _age_a_quarter(self) -> None:
        """Tenure and equipment age advance by a quarter (equipment is renewed cyclically)."""
        f, renewal = self.firms, self.params["economy.equipment_renewal_years"]
        f.tenure += 0.25
        f.equipment_age += 0.25
        due = f.equipment_age >= renewal
        if due.any():  # in place and only where due: the same as a modulo over all firms, cheaper
            f.equipment_age[due] %= renewal

    def _update_inputs(self) -> None:
        """Series, lever effects and wage trend for the new quarter."""
        previous = self.columns
        self._apply_levers(self._columns_at(self.quarter))
        changed = self.columns["wage_yuan"] != previous["wage_yuan"]
        self.wage_level[changed] = self.columns["wage_yuan"][changed]  # a new level from a series
        if self.params["labour.wage_trend"]:
            self.wage_level[~changed] *= (1.0 + self.columns["wage_growth"][~changed]) ** 0.25

    def sync_knowledge(self, idx: np.ndarray | None = None) -> None:
        """Bring the known sets of firms ``idx`` (default all) up to the current step.

        Matchmaking (lever 五) lets every firm learn of promoted province r with chance
        learn_prob_q[r] in each quarter q. Knowledge is only used when a firm reviews, so instead of
        drawing for every firm every quarter, a firm draws when it is needed: it learns of r with
        the chance of having learned of it at least once since its last update,
        1 - prod_q (1 - learn_prob_q[r]) — the same distribution at a fraction of the draws (from
        the levers stream)."""
        f = self.firms
        idx = np.arange(f.n) if idx is None else idx
        now = self._survival_log[-1]
        promoted = np.flatnonzero(now < 0)
        if len(idx) and len(promoted):
            rows, cols = np.nonzero(~f.known.take(idx, axis=0)[:, promoted])  # what a firm does not know
            firm, r = idx[rows], promoted[cols]
            # certain learning (log survival -inf) gives chance 1; an unknown province cannot have
            # been certain at the firm's last update, so no -inf - -inf arises
            then = self._survival_log.ravel().take(f.known_step[firm] * self.world.n + r)
            chance = -np.expm1(now[r] - then)
            learned = self._lever_rng.random(len(firm)) < chance
            f.known[firm[learned], r[learned]] = True
        f.known_step[idx] = len(self._survival_log) - 1

    def _relocate(self, rng: np.random.Generator, movers: np.ndarray, dest: np.ndarray) -> None:
        f = self.firms
        old_cell, old_in_park = self.tallies.cell[movers], f.in_park[movers]
        f.in_park[movers] = False
        if len(movers):
            has_park = self.park_capacity[dest] > 0
            ok = admit(rng, dest, f.employment[movers], self.park_free()) & has_park
            f.in_park[movers] = ok
        f.location[movers] = dest
        self.tallies.move(f, movers, old_cell, old_in_park)
        f.tenure[movers] = 0.0
        f.moves[movers] += 1
        f.equipment_age[movers] = np.maximum(
            f.equipment_age[movers], self.params["economy.equipment_supervision_years"]
        )

    def _update_factor_prices(self) -> None:
        """Wages and land rents respond to local processing employment relative to the pool."""
        p = self.params
        change = (self.employment_by_province() - self.employment0) / self.labour_pool
        pressure = np.maximum(1.0 + change, 0.05)
        if p["labour.wage_feedback"]:
            elasticity = p["labour.supply_elasticity"] * (
                1.0 + p["labour.migrant_pool_weight"] * self.columns["outmigrant_share"]
            )
            self.wage = self.wage_level * pressure ** (1.0 / elasticity)
        else:
            self.wage = self.wage_level.copy()
        self.rent_index = pressure ** p["land.rent_elasticity"]

    # --- results -------------------------------------------------------------------------------

    def inland_employment_share(self) -> float:
        emp = self.employment_by_province()
        return float(emp[self.world.inland].sum() / emp.sum())


def _bounded_put(cache: dict, key, value, size: int = 4):
    """Store ``value`` under ``key`` in a small cache (emptied when full); return ``value``."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
    return value


def _log_not_learning(learn_prob: np.ndarray) -> np.ndarray:
    """log(1 - learn_prob), -inf where learning is certain."""
    with np.errstate(divide="ignore"):
        return np.log1p(-np.minimum(learn_prob, 1.0))


def _resolve(scenario: scenario_mod.Scenario | str | Path | None) -> scenario_mod.Scenario:
    if scenario is None:
        return scenario_mod.from_dict({}, "<defaults>")
    if isinstance(scenario, scenario_mod.Scenario):
        return scenario
    return scenario_mod.load(scenario)


def build_world(sc: scenario_mod.Scenario) -> World:
    """The scenario's world with its province overrides applied."""
    world = custom_world(sc.world, sc.source) if sc.world else load_china()
    for prov, cols in sc.provinces.items():
        r = world.index(prov)
        for col, value in cols.items():
            world.columns[col][r] = value
    return world


def build_sectors(sc: scenario_mod.Scenario) -> Sectors:
    """The sector table with the scenario's overrides applied and re-checked."""
    sectors = load_sectors()
    for name, cols in sc.sectors.items():
        s = sectors.index(name)
        for col, value in cols.items():
            sectors.columns[col][s] = value
    if sc.sectors:
        check_sectors(sectors, sc.source)
    return sectors
