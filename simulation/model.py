"""RelocationModel: the quarterly step of the agent-based model (a ``mesa.Model``).

Order of one step (one quarter):

1. province inputs and lever effects for the new quarter (:mod:`simulation.quarter`);
2. wages for the quarter; unit costs per sector x province (:mod:`simulation.costs`);
3. the decision (:mod:`simulation.decision`): each firm's margin where it is, the review hazard,
   and the reviewing firms' logit choice over the provinces they consider;
4. movers enter designated parks while there is room (lottery);
5. wages and land rents respond to local processing employment; outputs are recorded
   (:mod:`simulation.recorder`).

The model holds the state (firms, factor prices, park capacity) and its random streams; all work
over firms is vectorised, and Mesa agents (provinces always, firms on request) are views.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import mesa
import numpy as np

from simulation import abroad, calibration, costs, decision, demography, levers, markets, parks, prices
from simulation import scenario as scenario_mod
from simulation.calibration import CalibrationResult
from simulation.choice import PlantRows, admit
from simulation.firms import CellTallies, Firm, FirmArrays, allocate_counts, output_per_worker, synthesize
from simulation.knowledge import Learning
from simulation.logistics import load_freight
from simulation.parks import Parks
from simulation.province_agent import Province
from simulation.quarter import QuarterInputs
from simulation.recorder import Recorder

# independent random streams spawned from the master seed (common random numbers across scenarios:
# lever draws have their own stream, so switching a lever on leaves every other draw unchanged)
STREAM_POPULATION, STREAM_CALIBRATION, STREAM_DYNAMICS, STREAM_LEVERS, STREAM_DEMOGRAPHY = 1, 2, 3, 4, 5


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
        sc = scenario_mod.resolve(scenario)
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
        self.world, self.sectors = scenario_mod.build_world(sc), scenario_mod.build_sectors(sc)
        self.lever_plan = levers.Plan.of(self.world, sc.params)
        # the documented exchange-rate path first: a scenario's own cny_per_usd series replaces it
        series = (*prices.documented_series(), *sc.series)
        self.inputs = QuarterInputs(
            self.world, self.sectors, load_freight(), series, self.lever_plan, sc.freight_series
        )
        self.learning = Learning(
            self.world.region,
            self.params["behaviour.know_other_region_prob"],
            self.params["behaviour.knowledge_turnover"],
        )
        self._tallies: CellTallies | None = None
        self._lever_rng = self._stream(STREAM_LEVERS, 0)
        self._setup_provinces()
        self._setup_firms()
        # rail and land-port capacity is priced against the initial exports (fixed for the run)
        self.inputs.set_flows(costs.export_flows(self.sectors, self.tallies.output))
        self._apply_levers(self.inputs.effects(self, self.quarter, self.columns))
        self._normalise()
        self.calibration = self._calibrate()
        self._loss_history()
        self.entry_allowance = (
            demography.abroad_leaving(self._stream(STREAM_DEMOGRAPHY, 0), self.situation(self.unit_costs()))
            if self.params["demography.enabled"]
            else 0.0
        )
        self.recorder = Recorder()
        self.unit = self.unit_costs()
        self.turnover = demography.Turnover.none(self.sectors.n, self.world.n, self._places_abroad())
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

    def step(self) -> None:
        """Advance one quarter."""
        self.quarter = self.start + (self.steps - 1)  # the quarter being simulated
        self._update_inputs()
        self._lever_rng = self._stream(STREAM_LEVERS, self.steps)
        self.learning.advance(self.effects.learn_prob)
        self._update_factor_prices()  # this quarter's wage levels, before the decisions
        unit = self.unit_costs()
        movers, origin, gone_abroad = self._transition(self._stream(STREAM_DYNAMICS, self.steps), unit)
        movers, entered = self._turnover(
            self._stream(STREAM_DEMOGRAPHY, self.steps), unit, movers, gone_abroad
        )
        self._update_factor_prices()
        self.firm_share = self.output_shares()
        self.unit = self.unit_costs()
        self.recorder.record(self, moved=movers, origin=origin, entered=entered)
        self.datacollector.collect(self)

    # --- set-up --------------------------------------------------------------------------------

    def _stream(self, stream: int, step: int = 0) -> np.random.Generator:
        """Generator for one purpose (and step), derived from the master seed only."""
        return np.random.default_rng([*self._seed_words, stream, step])

    def _draws(
        self, rng: np.random.Generator, purpose: str, uid: np.ndarray
    ) -> np.random.Generator | PlantRows:
        """The generator for this quarter's draws of ``purpose`` for plants ``uid``: the quarter's
        stream ``rng``, or with ``run.plant_draws`` numbers tied to each plant (:class:`PlantRows`)."""
        if not self.params["run.plant_draws"]:
            return rng
        return PlantRows(self._seed_words, self.steps, purpose, uid)

    def _setup_provinces(self) -> None:
        # step 0 is the end of the quarter before the start: a series (or lever) that begins at
        # run.start acts from step 1 and is not absorbed by the calibration
        self.columns = self.inputs.columns_at(self.quarter)
        pop = self.columns["population"]
        self.wage_ref = float((self.columns["wage_yuan"] * pop).sum() / pop.sum())
        self.output_per_worker = output_per_worker(self.sectors, self.wage_ref)
        self.wage_level = self.columns["wage_yuan"].copy()  # trend path before feedback
        self.exchange_rate0 = prices.national_value(self.columns)  # CNY per USD at step 0
        self.value_index = 1.0  # output value per worker relative to step 0 (prices module)
        self.wage = self.wage_level.copy()
        self.rent_index = np.ones(self.world.n)
        share = self.columns["processing_trade_100m_yuan"]
        self.province_share0 = share / share.sum()
        self.target = self.sectors.col("employment_share")[:, None] * self.province_share0[None, :]
        self.gross_margin = np.zeros(self.sectors.n)  # set by _normalise
        self.alpha = np.zeros(self.target.shape)  # set by _calibrate

    def _setup_firms(self) -> None:
        p = self.params
        rng = self._stream(STREAM_POPULATION)
        self.firms: FirmArrays = synthesize(
            p["run.firms"], self.sectors, self.target, self.world.region, self.wage_ref, p, rng
        )
        # new firms' sectors: the start's plant counts by sector (synthesize's allocation)
        self.sector_weights = (
            allocate_counts(self.target.sum(axis=1) / self.sectors.col("mean_employment"), 10**9) / 10**9
        )
        total = self.firms.employment.sum()
        self.scale = p["economy.processing_exports_yuan"] / self._anchored_output()  # real per model unit
        self.firm_scale = p["economy.processing_firms"] / self.firms.n  # real firms per synthetic firm
        pop = self.columns["population"]
        self.labour_pool = total / p["labour.processing_share_of_workforce"] * pop / pop.sum()
        # a series that changes a population later scales that pool alone, at the start's ratio
        self.pool_per_person = total / p["labour.processing_share_of_workforce"] / pop.sum()
        self.parks = Parks(self.columns["national_park"], p, self.scale)
        fill = self.park_capacity * p["parks.initial_occupancy"]
        f = self.firms
        f.in_park[:] = admit(rng, f.location, f.employment, fill) & (self.park_capacity[f.location] > 0)
        self.next_uid = self.firms.n  # the id of the next new plant
        self.refresh_tallies()

    def _loss_history(self) -> None:
        """Plants losing money at the start have lost it for a number of quarters drawn uniformly
        below the exit threshold (assumption: the start is not the first quarter of every loss, so
        exits do not come in one wave after ``demography.loss_exit_quarters``)."""
        losing = decision.margins_here(self.situation(self.unit_costs())) < 0
        rng = self._stream(STREAM_DEMOGRAPHY, 0)
        limit = self.params["demography.loss_exit_quarters"]
        self.firms.loss_quarters[:] = np.where(losing, rng.integers(0, limit, self.firms.n), 0)

    def _anchored_output(self) -> float:
        """Model yuan of what the documented processing exports measure: the firms' exports at the
        sectors' export shares, or their output in a world that exports nothing (a closed-economy
        test world), so the scale stays finite."""
        exports = self.firms.output @ costs.export_share(self.sectors)[self.firms.sector, 0]
        return exports if exports > 0 else float(self.firms.output.sum())

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
        s = self.situation(self.unit_costs())
        self.gross_margin = self.params["economy.profit_margin"] - decision.sector_mean_margin(
            s, decision.pretax_here(s)
        )

    def _calibrate(self) -> CalibrationResult | None:
        """Sorting, then the province constants (:mod:`simulation.calibration`)."""
        self.alpha = np.zeros(self.target.shape)
        if self.params["calibration.method"] == "none":
            return None
        rng = self._stream(STREAM_CALIBRATION)
        calibration.sort_locations(rng, self.situation(self.unit_costs()))
        self.refresh_tallies()
        self._normalise()
        result = calibration.province_constants(rng, self.situation(self.unit_costs()), self.target)
        self.alpha = result.alpha
        if self.params["behaviour.taste_persistence"]:  # tastes at these constants, then balance again
            calibration.initial_tastes(rng, self.situation(self.unit_costs()))
            result = calibration.province_constants(rng, self.situation(self.unit_costs()), self.target)
            self.alpha = result.alpha
        return result

    # --- the quarter's inputs ------------------------------------------------------------------

    def _update_inputs(self) -> None:
        """Series, lever effects, wage trend, labour pools and output value per worker for the new
        quarter."""
        previous = self.columns
        self._apply_levers(self.inputs.effects(self, self.quarter))
        changed = self.columns["wage_yuan"] != previous["wage_yuan"]
        self.wage_level[changed] = self.columns["wage_yuan"][changed]  # a new level from a series
        if self.params["labour.wage_trend"]:
            self.wage_level[~changed] *= (1.0 + self.columns["wage_growth"][~changed]) ** 0.25
        pop = self.columns["population"]
        moved = pop != previous["population"]
        if moved.any():  # only a series changes a population
            self.labour_pool = np.where(moved, self.pool_per_person * pop, self.labour_pool)
        fx_ratio = prices.national_value(self.columns) / self.exchange_rate0
        self.value_index = prices.output_value_index(self.params, self.steps / 4, fx_ratio)

    def _apply_levers(self, effects: levers.Effects) -> None:
        """Put this quarter's lever ``effects`` in force: inputs, parameters, freeness, parks."""
        self.effects, self.columns, self.params = effects, effects.columns, effects.params
        self.freeness = self.inputs.costs(effects)[1]
        self.abroad = abroad.quarter(self.quarter.decimal_year, self.sectors, self.params, self.world.names)
        self.parks.open(self.inputs.column_at("national_park", self.quarter), effects.park_capacity_opened)

    def no_policy_effects(self) -> levers.Effects:
        """This quarter's inputs without any lever (for the decomposition of lever effects)."""
        return self.inputs.no_policy(self.quarter)

    def one_lever_effects(self, name: str) -> levers.Effects:
        """This quarter's inputs with lever ``name`` alone (stateless part; the state is kept)."""
        return self.inputs.one_lever(self, self.quarter, name)

    @contextmanager
    def under(self, effects: levers.Effects) -> Iterator[costs.UnitCosts]:
        """Evaluate the current state under other lever ``effects`` (e.g. ``no_policy_effects()``);
        yields their unit costs and restores this quarter's afterwards."""
        saved = self.effects, self.columns, self.params, self.freeness, self.unit
        try:
            self.effects, self.columns, self.params = effects, effects.columns, effects.params
            self.freeness = self.inputs.costs(effects)[1]
            self.unit = self.unit_costs()
            yield self.unit
        finally:
            self.effects, self.columns, self.params, self.freeness, self.unit = saved

    def unit_costs(self, effects: levers.Effects | None = None) -> costs.UnitCosts:
        """Unit costs at the current state under ``effects`` (default: this quarter's levers)."""
        quarter, freeness = self.inputs.costs(self.effects if effects is None else effects)
        return costs.unit_costs(
            quarter,
            sectors=self.sectors,
            wage=self.wage,
            rent_index=self.rent_index,
            wage_ref=self.wage_ref,
            output_per_worker=self.output_per_worker,
            freeness=freeness,
            firm_share=self.firm_share,
            value_index=self.value_index,
        )

    def situation(self, unit: costs.UnitCosts | None = None) -> decision.Situation:
        """What the decision reads now, at ``unit`` costs (default: this quarter's, ``self.unit``)."""
        return decision.Situation(
            firms=self.firms,
            tallies=self.tallies,
            sectors=self.sectors,
            params=self.params,
            effects=self.effects,
            unit=self.unit if unit is None else unit,
            gross_margin=self.gross_margin,
            alpha=self.alpha,
            amenity=self.columns["amenity"],
            park_capacity=self.park_capacity,
            firm_scale=self.firm_scale,
            abroad=self.abroad,
        )

    # --- the step ------------------------------------------------------------------------------

    def _transition(
        self, rng: np.random.Generator, unit: costs.UnitCosts
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reviews, choices and moves of one quarter; returns (movers, their origins, the choices of
        every reviewing firm that chose a place abroad: ``(firm, R + k)`` pairs)."""
        f, r_n = self.firms, self.world.n
        reviewing, chosen = self.decide(rng, unit)
        abroad_ = chosen >= r_n
        gone_abroad = np.column_stack([reviewing[abroad_], chosen[abroad_]])
        reviewing, chosen = reviewing[~abroad_], chosen[~abroad_]
        moving = chosen != f.location[reviewing]
        movers = reviewing[moving]
        origin = f.location[movers].copy()
        self._relocate(rng, movers, chosen[moving])
        f.age_a_quarter(self.params["economy.equipment_renewal_years"])
        return movers, origin, gone_abroad

    def _turnover(
        self, rng: np.random.Generator, unit: costs.UnitCosts, movers: np.ndarray, gone_abroad: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Plants abroad, exits, conversions and new plants (:mod:`simulation.demography`); returns
        the movers' and the new plants' indices in the new firm arrays."""
        r_n = self.world.n
        s = self.situation(unit)
        record = demography.Turnover.none(self.sectors.n, r_n, self._places_abroad())
        abroad_mask = np.zeros(self.firms.n, bool)
        abroad_mask[gone_abroad[:, 0]] = True
        record.add_abroad(self.firms, gone_abroad[:, 0], gone_abroad[:, 1] - r_n, "firms_abroad")
        if not self.params["demography.enabled"]:
            return self._keep(~abroad_mask, movers, record, None)
        exempt = abroad_mask.copy()
        exempt[movers] = True
        margin = decision.margins_here(s)
        leave = demography.leaving(self._draws(rng, "leave", self.firms.uid), s, margin, exempt)
        record.add(self.firms, leave.exited, "exited")
        record.add(self.firms, leave.converted, "converted")
        change = demography.grow(s, margin)  # after the leavers are counted at their last size
        # the tallies still hold the sizes before growth: new plants get the places growth left
        free = np.maximum(
            self.park_free() - np.bincount(self.firms.location, change * self.firms.in_park, r_n), 0
        )
        change[leave.gone | abroad_mask] = 0.0
        record.add_growth(self.firms, change)
        owner = int(self.firms.owner.max()) + 1
        new = demography.new_plants(
            rng, s, margin, self.sector_weights, self.wage_ref, owner, self.entry_allowance
        )
        new.uid[:] = self.next_uid + np.arange(new.n)
        self.next_uid += new.n
        entry = self._draws(rng, "entry", new.uid)
        dest = decision.place_new(entry, replace(s, firms=new))
        record.add_abroad(new, np.flatnonzero(dest >= r_n), dest[dest >= r_n] - r_n, "new_abroad")
        placed = new.take(dest < r_n)
        demography.settle(placed, dest[dest < r_n], self.world.region)
        placed.known_step[:] = self.learning.step
        placed.in_park[:] = admit(entry, placed.location, placed.employment, free) & (
            self.park_capacity[placed.location] > 0
        )
        record.add(placed, np.ones(placed.n, bool), "entered")
        return self._keep(~(abroad_mask | leave.gone), movers, record, placed)

    def _places_abroad(self) -> int:
        return 0 if self.abroad is None else self.abroad.k

    def _keep(
        self, keep: np.ndarray, movers: np.ndarray, record: demography.Turnover, placed: FirmArrays | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keep plants ``keep``, add ``placed`` after the plants of their sector (the tallies' fast
        sums need the arrays ordered by sector) and remap the movers; returns (movers, new plants)
        as new indices."""
        self.turnover = record
        placed = placed if placed is not None else self.firms.take(np.zeros(0, np.int64))
        if keep.all() and placed.n == 0:
            self.refresh_tallies()  # sizes may have changed (growth)
            return movers, np.zeros(0, np.int64)
        self.firms, pos_kept, pos_new = self.firms.merged(keep, placed)
        self.refresh_tallies()
        if self.params["run.firm_agents"]:  # the agents are views on rows: make them anew
            for agent in list(self.agents_by_type.get(Firm, ())):
                agent.remove()
            Firm.create_agents(self, self.firms.n, list(range(self.firms.n)))
        return pos_kept[np.cumsum(keep)[movers] - 1], pos_new

    def decide(self, rng: np.random.Generator, unit: costs.UnitCosts) -> tuple[np.ndarray, np.ndarray]:
        """The quarter's decision: which firms review, and the province each of them chooses."""
        s = self.situation(unit)
        reviewing = decision.reviewers(self._draws(rng, "review", self.firms.uid), s)
        if len(reviewing):
            self.sync_knowledge(reviewing)
        return reviewing, decision.choose(self._draws(rng, "choice", self.firms.uid[reviewing]), s, reviewing)

    def sync_knowledge(self, idx: np.ndarray | None = None) -> None:
        """Bring the known sets of firms ``idx`` (default all) up to the current step
        (:class:`~simulation.knowledge.Learning`, drawing from the levers stream)."""
        idx = np.arange(self.firms.n) if idx is None else idx
        self.learning.sync(self.firms, idx, self._lever_rng)

    def _relocate(self, rng: np.random.Generator, movers: np.ndarray, dest: np.ndarray) -> None:
        """Move firms ``movers`` to ``dest``; they enter a park there by lottery while there is room."""
        f = self.firms
        old_cell, old_in_park = self.tallies.cell[movers], f.in_park[movers]
        f.in_park[movers] = False
        if len(movers):
            has_park = self.park_capacity[dest] > 0
            lottery = self._draws(rng, "park", f.uid[movers])
            f.in_park[movers] = admit(lottery, dest, f.employment[movers], self.park_free()) & has_park
        f.relocate(movers, dest, self.params["economy.equipment_supervision_years"])
        self.tallies.move(f, movers, old_cell, old_in_park)

    def _update_factor_prices(self) -> None:
        """Wages and land rents respond to local processing employment (:mod:`simulation.markets`)."""
        self.wage, self.rent_index = markets.wages_and_rents(
            self.employment_by_province(),
            self.employment0,
            self.labour_pool,
            self.wage_level,
            self.columns["outmigrant_share"],
            self.params,
        )

    # --- the state, summed -----------------------------------------------------------------------

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

    @property
    def park_capacity(self) -> np.ndarray:
        """(R,) park places (model persons; :class:`~simulation.parks.Parks`)."""
        return self.parks.capacity

    def park_free(self) -> np.ndarray:
        """(R,) park capacity not yet taken (model persons)."""
        return parks.free(self.park_capacity, self.tallies)

    def park_availability(self) -> np.ndarray:
        """(R,) share of park capacity still free: the chance of a slot."""
        return parks.availability(self.park_capacity, self.tallies)

    def choice_probabilities(self, idx: np.ndarray | None = None) -> np.ndarray:
        """(n, R) logit probabilities of firms ``idx`` (default all) over every province, at the
        current unit costs, if they reviewed now."""
        return decision.choice_probabilities(self.situation(), idx)

    def inland_employment_share(self) -> float:
        emp = self.employment_by_province()
        return float(emp[self.world.inland].sum() / emp.sum())
