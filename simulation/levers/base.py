"""What a lever is, where it acts, and the per-quarter effects all levers write into.

A :class:`Lever` declares a measure of 商贸发〔2023〕308号: its scenario table ``[levers.<name>]``,
intensity parameters (:class:`~simulation.schema.Param`, with units and bases), default targets,
mechanism and how its fiscal cost is counted. Every lever also has the common keys ``enabled``,
``start``, ``end`` and ``targets``. While a lever is active, its ``apply`` function writes into one
:class:`Effects` object per quarter; costs, choices and the fiscal accounts read only that object,
so levers combine by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulation.logistics import FreightPolicy
from simulation.schema import Param

if TYPE_CHECKING:
    from simulation.geography import World
    from simulation.sectors import Sectors
    from simulation.timeline import Quarter

CHANNELS: tuple[str, ...] = (
    "labour",
    "land",
    "electricity",
    "logistics",
    "customs",
    "finance",
    "market_access",
    "tax",
    "subsidies",
    "agglomeration",
)


class LeverState(Protocol):
    """What a lever's ``apply`` may read of the model (levers write only into :class:`Effects`);
    :class:`~simulation.model.RelocationModel` satisfies it."""

    world: World
    sectors: Sectors
    scale: float  # real persons per model person

    def employment_by_province(self) -> np.ndarray: ...


@dataclass
class Effects:
    """Everything the active levers change in one quarter; neutral values mean 'no policy'.

    Shapes: (R,) per province, (S, R) per sector x province. Money is yuan at the real scale.
    """

    columns: dict[str, np.ndarray]  # province columns in force
    params: dict[str, Any]  # scalar parameters in force
    domestic_share_add: np.ndarray  # (R,) added to every sector's domestic sales share there
    coast_link_cut: np.ndarray  # (R,) share off the cost of links between the coast and this province
    interior_link_cut: np.ndarray  # (R,) share off the cost of links from this interior province
    subsidy: dict[str, np.ndarray]  # lever -> (S, R) operating subsidy, yuan per yuan of output
    maintenance: np.ndarray  # (S, R) bonded-maintenance margin, yuan per yuan of output
    compliance_cut: np.ndarray  # (R,) share of the compliance cost removed
    outage_cut: np.ndarray  # (R,) share of outage losses removed (energy guarantee)
    risk_cut: np.ndarray  # (R,) share of the export risk premium removed
    freight: FreightPolicy
    move_subsidy: dict[str, np.ndarray]  # lever -> (R,) one-off yuan per relocated job, by destination
    foreign_move_cut: np.ndarray  # (R,) share of a foreign firm's moving cost saved, by destination
    sme_premium_cut: np.ndarray  # (R,) share of the SME financing premium removed, by destination
    cit_rate: np.ndarray  # (R,) preferential CIT rate where a lever grants one (NaN: none)
    cit_coverage: np.ndarray  # (R,) share of firms that qualify for it
    rd_extra: np.ndarray  # (S, R) extra super-deduction, share of R&D spending
    learn_prob: np.ndarray  # (R,) chance per quarter that a firm learns of the province
    park_capacity_opened: np.ndarray  # (R,) park places opening this quarter, model persons
    extra_considered: int  # provinces added to a consideration set, among extra_considered_where
    extra_considered_where: np.ndarray  # (R,) bool: the provinces matchmaking promotes
    programme: dict[str, float] = field(default_factory=dict)  # lever -> yuan spent this quarter
    owners: dict[str, str] = field(default_factory=dict)  # field name -> lever that pays for it
    tax_levers: tuple[str, str] = ("", "")  # names of the levers behind cit_rate and rd_extra
    bonds: dict[str, np.ndarray] = field(default_factory=dict)  # special bonds' account, (R,) each

    @classmethod
    def neutral(cls, columns: dict[str, np.ndarray], params: dict[str, Any], s_n: int) -> Effects:
        """No policy: the given inputs, nothing else changed."""
        n = len(next(iter(columns.values())))
        return cls(
            columns={k: v.copy() for k, v in columns.items()},
            params=dict(params),
            domestic_share_add=np.zeros(n),
            coast_link_cut=np.zeros(n),
            interior_link_cut=np.zeros(n),
            subsidy={},
            maintenance=np.zeros((s_n, n)),
            compliance_cut=np.zeros(n),
            outage_cut=np.zeros(n),
            risk_cut=np.zeros(n),
            freight=FreightPolicy.neutral(n),
            move_subsidy={},
            foreign_move_cut=np.zeros(n),
            sme_premium_cut=np.zeros(n),
            cit_rate=np.full(n, np.nan),
            cit_coverage=np.zeros(n),
            rd_extra=np.zeros((s_n, n)),
            learn_prob=np.zeros(n),
            park_capacity_opened=np.zeros(n),
            extra_considered=0,
            extra_considered_where=np.zeros(n, bool),
        )

    def subsidy_total(self, shape: tuple[int, int]) -> np.ndarray:
        total = np.zeros(shape)
        for a in self.subsidy.values():
            total = total + a
        return total

    def move_subsidy_total(self) -> np.ndarray:
        total = np.zeros_like(self.compliance_cut)
        for a in self.move_subsidy.values():
            total = total + a
        return total


@dataclass
class Context:
    """What a lever's ``apply`` sees: the model's state (read only), the quarter, its target mask,
    the effects it writes into, and its own memory across quarters (stateful levers)."""

    model: LeverState
    quarter: Quarter
    mask: np.ndarray  # (R,) bool: the lever's target provinces
    quarters_active: int  # 0 in the lever's first active quarter
    effects: Effects
    name: str  # the lever's name (keys of per-lever dicts)
    memory: dict[str, Any] = field(default_factory=dict)  # kept by the run's lever plan

    @property
    def scale(self) -> float:
        """Real persons per model job."""
        return self.model.scale


@dataclass(frozen=True)
class Lever:
    """Declaration of one lever (see the module docstring)."""

    name: str
    measure: str  # e.g. "四"
    measure_no: int  # 1..12
    title_en: str
    title_zh: str
    mechanism: str
    params: tuple[Param, ...]
    apply: Callable[[Context, dict[str, Any]], None]
    targets: tuple[str, ...] = ("inland",)
    carry: Callable[[Context, dict[str, Any]], None] | None = None  # every quarter once started
    check: Callable[[dict[str, Any]], tuple[str, str] | None] | None = None  # (key, problem) or None
    fiscal: str = "none: regulatory, no spending"
    sources: str = ""
    channels: tuple[str, ...] = ()
    new_plants: str = (
        "as movers: new plants weigh every province with the lever's costs, set-up support and "
        "park places in force (docs/model.md 7.18)"
    )

    def param(self, local: str) -> Param:
        return next(p for p in self.params if p.key == local)


def budget_param(doc: str = "Public cost of the programme.") -> Param:
    """``budget_yuan_per_year`` for levers whose spending is not in the sources (default 0)."""
    return Param(
        "budget_yuan_per_year",
        0.0,
        "yuan/year",
        doc,
        "not found in the sources: 0 by default; set it to price the lever",
        low=0.0,
        high=1e13,
    )


def spend(ctx: Context, yuan: float) -> None:
    """Book ``yuan`` of programme spending this quarter on the lever of ``ctx``."""
    if yuan:
        ctx.effects.programme[ctx.name] = ctx.effects.programme.get(ctx.name, 0.0) + yuan


def spend_budget(ctx: Context, cfg: dict[str, Any]) -> None:
    spend(ctx, cfg["budget_yuan_per_year"] / 4.0)


def share_param(key: str, default: float, doc: str, basis: str) -> Param:
    """A parameter that is a share in [0, 1]."""
    return Param(key, default, "share", doc, basis, low=0.0, high=1.0)


def combine_cuts(*cuts):
    """Shares removed one after another: 1 - prod(1 - cut) (how levers' cuts of one cost combine)."""
    keep = 1.0
    for cut in cuts:
        keep = keep * (1 - cut)
    return 1 - keep
