"""The policy levers of 商贸发〔2023〕308号, declared once.

``LEVERS`` is the registry every consumer reads: the scenario schema (``[levers.<name>]``), the
``ptsim levers`` table, ``docs/levers.md``, the sweep adapters and the dashboard. One module per
measure declares its levers; :func:`assemble` turns the active ones into the quarter's
:class:`~simulation.levers.base.Effects`.

Every lever has four common keys besides its intensity parameters:

- ``enabled`` (bool, default false);
- ``start`` and ``end`` quarters (``end = ""``: no end); the lever acts in quarters start..end;
- ``targets``: a list of provinces, NBS regions (``east``, ``central``, ``west``, ``northeast``),
  ``inland``, ``coastal``, ``all``, named cities (mapped to their province, ``cities.csv``) or groups
  of designated carriers (``national_parks``, ``undertaking_sites``, ``bonded_zones``,
  ``cre_origins``, ``border_ports``, ``maintenance_pilots``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.levers import (
    bonded_maintenance,
    domestic_market,
    electricity,
    finance,
    fiscal,
    freight,
    labour,
    management,
    matchmaking,
    rd,
    special_bonds,
)
from simulation.levers.base import CHANNELS, Context, Effects, Lever, LeverState
from simulation.levers.targets import CARRIERS, resolve, target_vocabulary
from simulation.schema import Param
from simulation.timeline import Quarter

if TYPE_CHECKING:
    from simulation.geography import World

__all__ = [
    "ALL_PARAMS",
    "BY_NAME",
    "CARRIERS",
    "CHANNELS",
    "LEVERS",
    "PARAM_BY_KEY",
    "ZERO_DOSE",
    "Effects",
    "Lever",
    "Plan",
    "active",
    "all_settings",
    "assemble",
    "defaults",
    "enabled",
    "is_active",
    "masks",
    "params",
    "settings",
    "target_vocabulary",
]

LEVERS: tuple[Lever, ...] = (
    rd.RD_SUPPORT,
    bonded_maintenance.ZONES,
    bonded_maintenance.PILOTS,
    special_bonds.SPECIAL_BONDS,
    special_bonds.BONDED_SITES,
    matchmaking.MATCHMAKING,
    freight.BORDER_PORTS,
    fiscal.SPECIAL_FUNDS,
    fiscal.WITHHOLDING_DEFERRAL,
    fiscal.PREFERENTIAL_CIT,
    finance.FINANCE,
    freight.FREIGHT_ROUTES,
    freight.DOMESTIC_LINKS,
    electricity.TIME_OF_USE,
    labour.TRAINING,
    domestic_market.DOMESTIC_MARKET,
    management.MANAGEMENT,
)
BY_NAME: dict[str, Lever] = {lv.name: lv for lv in LEVERS}

# The dose at which each lever, enabled, is "no policy": the run is the baseline's, to the last
# digit, and nothing is spent (tests/test_lever_contract.py checks every lever at it). A sweep that
# starts a dose at these values starts at the baseline.
ZERO_DOSE: dict[str, dict[str, Any]] = {
    "rd_support": {"fund_rate": 0.0, "extra_deduction": 0.0},
    "bonded_maintenance": {"margin": 0.0},
    "maintenance_pilots": {"margin": 0.0},
    "special_bonds": {"budget_yuan_per_year": 0.0},
    "bonded_sites": {"compliance_cut": 0.0},
    "matchmaking": {"learn_prob": 0.0, "extra_considered": 0},
    "border_ports": {"rate_cut": 0.0, "days_cut": 0.0},
    "special_funds": {"yuan_per_job": 0.0},
    "withholding_deferral": {"reinvested_share": 0.0},
    "preferential_cit": {"coverage": 0.0},
    "finance": {"risk_cut": 0.0, "sme_premium_cut": 0.0},
    "freight_routes": {
        "cre_days_cut": 0.0,
        "cre_subsidy": 0.0,
        "multimodal_leg_cut": 0.0,
        "logistics_subsidy": 0.0,
    },
    "domestic_links": {"coast_interior_cut": 0.0},
    "time_of_use": {"spread_scale": 1.0, "outage_cut": 0.0},
    "training": {"trained_share_per_year": 0.0},
    "domestic_market": {"domestic_share_add": 0.0},
    "management": {"supervision_years": 5.0, "compliance_cut": 0.0, "guarantee_cut": 0.0},
}


def common_params(lever: Lever) -> tuple[Param, ...]:
    """The keys every lever has, with this lever's default targets."""
    return (
        Param("enabled", False, "-", "Switch the lever on.", "scenario choice", kind=bool),
        Param(
            "start",
            "2024Q1",
            "quarter",
            "First quarter in which the lever acts.",
            "商贸发〔2023〕308号 was issued on 2023-12-25",
            kind=str,
        ),
        Param(
            "end", "", "quarter", "Last quarter in which it acts ('' = no end).", "scenario choice", kind=str
        ),
        Param(
            "targets",
            list(lever.targets),
            "names",
            "Where it acts: provinces, regions, inland/coastal/all, cities or carrier groups.",
            "the measure's text (see docs/levers.md)",
            kind=list,
        ),
    )


def params(lever: Lever) -> tuple[Param, ...]:
    """All parameters of a lever, with full keys ``levers.<name>.<key>``."""
    return tuple(replace(p, key=f"levers.{lever.name}.{p.key}") for p in common_params(lever) + lever.params)


ALL_PARAMS: tuple[Param, ...] = tuple(p for lv in LEVERS for p in params(lv))
PARAM_BY_KEY: dict[str, Param] = {p.key: p for p in ALL_PARAMS}


def defaults() -> dict[str, Any]:
    """Flat ``{levers.<name>.<key>: default}`` for every lever (all off)."""
    return {p.key: (list(p.default) if isinstance(p.default, list) else p.default) for p in ALL_PARAMS}


def settings(values: dict[str, Any], name: str) -> dict[str, Any]:
    """The local ``{key: value}`` of one lever from flat scenario parameters."""
    prefix = f"levers.{name}."
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def is_active(cfg: dict[str, Any], quarter: Quarter) -> bool:
    """Whether a lever with settings ``cfg`` acts in ``quarter``."""
    if not cfg["enabled"] or quarter < Quarter.parse(cfg["start"]):
        return False
    return not cfg["end"] or quarter <= Quarter.parse(cfg["end"])


def active(values: dict[str, Any], quarter: Quarter) -> list[str]:
    """Names of the levers acting in ``quarter``."""
    return [lv.name for lv in LEVERS if is_active(settings(values, lv.name), quarter)]


def enabled(values: dict[str, Any]) -> list[str]:
    return [lv.name for lv in LEVERS if values[f"levers.{lv.name}.enabled"]]


@dataclass
class Plan:
    """The enabled levers of a run: their target masks and settings (read once), and the memory of
    stateful levers (special bonds' pipeline), which lives here rather than in the model."""

    params: dict[str, Any]  # the scenario's parameters, before any lever
    masks: dict[str, np.ndarray]  # lever -> (R,) target mask
    settings: dict[str, dict[str, Any]]  # lever -> local settings
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)  # lever -> its state

    @classmethod
    def of(cls, world: World, params: dict[str, Any]) -> Plan:
        return cls(dict(params), masks(world, params), all_settings(params))


def assemble(
    plan: Plan,
    state: LeverState,
    quarter: Quarter,
    columns: dict[str, np.ndarray],
    only: str | None = None,
) -> Effects:
    """The effects of every lever of ``plan`` active in ``quarter`` on top of ``columns`` and the
    scenario's parameters. Levers run in registry order; stateful ones (special bonds) also carry
    their state in quarters after their end.

    With ``only``, the effects of that one lever alone, without touching any lever's memory: a
    stateful lever then contributes only what it writes into the effects (what it built before,
    e.g. park capacity, is already part of the model's state).
    """
    effects = Effects.neutral(columns, plan.params, state.sectors.n)
    for lever in LEVERS:
        if lever.name not in plan.masks or only not in (None, lever.name):
            continue
        if only is not None and lever.carry is not None:
            continue
        cfg = plan.settings[lever.name]
        start = Quarter.parse(cfg["start"])
        since = (quarter.year - start.year) * 4 + quarter.q - start.q
        memory = plan.memory.setdefault(lever.name, {})
        ctx = Context(state, quarter, plan.masks[lever.name], since, effects, lever.name, memory)
        if is_active(cfg, quarter):
            lever.apply(ctx, cfg)
        if lever.carry is not None and since >= 0:
            lever.carry(ctx, cfg)
    return effects


def masks(world, values: dict[str, Any]) -> dict[str, np.ndarray]:
    """(R,) target mask of every enabled lever."""
    return {name: resolve(world, values[f"levers.{name}.targets"]) for name in enabled(values)}


def all_settings(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Local settings of every enabled lever (read once per run)."""
    return {name: settings(values, name) for name in enabled(values)}
