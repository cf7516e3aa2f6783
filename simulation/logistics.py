"""Freight: the cost of reaching each export market from each province, by the best mode.

Modes: sea via the nearest container port; air from a province with international cargo routes;
China-Europe Railway Express (rail, to the EU) from an origin province; land ports to ASEAN. A
province without a mode reaches a province that has it first (the domestic leg, by truck or by rail
container where cheaper); levers change rates, days and subsidies at access points
(:class:`FreightPolicy`).
Cost of a mode per yuan of goods = money (yuan/t) / value density (yuan/t) + time cost per day x days.
Across modes the cost is the logsum with scale ``logistics.mode_choice_scale`` (0: the cheapest).
The China-Europe Railway Express and the land ports to ASEAN have a capacity (a documented value of
cargo a year, as a share of documented processing exports); a shadow price per yuan of value on the
mode keeps the export flow's share on it at or below that share (:func:`congestion`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.schema import Param
from simulation.sectors import MARKETS
from simulation.tables import Column, DataError, data_path, read_table

MODES: tuple[str, ...] = ("sea", "air", "rail", "land")
# province column that says a province has the mode itself (sea: every province via its port)
MODE_ACCESS = {"air": "air_cargo_intl", "rail": "cre_origin", "land": "land_port_asean"}
UNITS = ("USD/FEU", "USD/TEU", "USD/kg", "EUR/FEU", "yuan/t")
REQUIRED_CONSTANTS = (
    "truck_yuan_per_tkm",
    "road_circuity",
    "truck_km_per_day",
    "port_handling_days",
    "usd_cny",
    "eur_usd",
    "payload_t_per_feu",
    "payload_t_per_teu",
)
# what a scenario's [[freight_series]] may drive: the national (mode, market) arrays of
# FreightPolicy, with their ranges (one declaration) ...
MARKET_SERIES: dict[str, Param] = {
    "rate_mult": Param(
        "rate_mult",
        1.0,
        "multiplier",
        "Multiplier on the international rate of a mode to a market (market_rate_mult).",
        "normalisation: 1 = the rates of freight.csv",
        low=0.0,
        low_open=True,
        high=100.0,
    ),
    "days_add": Param(
        "days_add",
        0.0,
        "days",
        "Days added to the transit time of a mode to a market (market_days_add; may be negative).",
        "normalisation: 0 = the days of freight.csv",
        low=-120.0,
        high=120.0,
    ),
}
# ... and the national logistics.* parameters read only by market_costs (ranges: parameters.py)
PARAM_SERIES: tuple[str, ...] = (
    "cre_subsidy_share",
    "inland_leg_cost",
    "cre_cargo_usd",
    "land_port_exports_yuan",
)


@dataclass
class FreightPolicy:
    """Changes to international freight by mode (rows of ``MODES``) and province.

    ``*_access`` arrays apply where goods leave the country (the port, rail origin, airport or land
    port a province uses); ``origin_subsidy`` applies to the firm's own province.
    """

    rate_mult: np.ndarray  # (modes, R) multiplier on the international rate at the access point
    days_cut: np.ndarray  # (modes, R) days saved at the access point
    access_subsidy: dict[str, np.ndarray]  # lever -> (modes, R) share of the rate paid by government
    origin_subsidy: dict[str, np.ndarray]  # lever -> (R,) share of the remaining rate, by origin
    leg_mult: np.ndarray  # (R,) multiplier on the domestic leg to the access point
    # national changes by (mode, market), e.g. from a scenario's [[freight_series]]
    market_rate_mult: np.ndarray = field(default_factory=lambda: np.ones((len(MODES), len(MARKETS))))
    market_days_add: np.ndarray = field(default_factory=lambda: np.zeros((len(MODES), len(MARKETS))))

    @classmethod
    def neutral(cls, n: int) -> FreightPolicy:
        m = len(MODES)
        return cls(np.ones((m, n)), np.zeros((m, n)), {}, {}, np.ones(n))

    def access_subsidy_total(self) -> np.ndarray:
        return _capped_sum(self.access_subsidy.values(), (len(MODES), len(self.leg_mult)))

    def origin_subsidy_total(self) -> np.ndarray:
        return _capped_sum(self.origin_subsidy.values(), (len(self.leg_mult),))


def _capped_sum(arrays, shape: tuple[int, ...]) -> np.ndarray:
    total = np.zeros(shape)
    for a in arrays:
        total = total + a
    return np.minimum(total, 1.0)


@dataclass(frozen=True)
class FreightTable:
    """International freight: money (yuan/t) and days for each (mode, market); NaN = no service."""

    money: np.ndarray  # (modes, markets) yuan/t
    days: np.ndarray  # (modes, markets)
    constants: dict[str, float]


def load_freight() -> FreightTable:
    """Read ``freight.csv`` and ``transport_constants.csv`` and convert to yuan per tonne."""
    cpath = data_path("transport_constants.csv")
    ct = read_table(cpath, (Column("key", "str"), Column("value", "float")), key="key")
    constants = dict(zip(ct["key"].tolist(), ct["value"].astype(float).tolist(), strict=True))
    missing = [k for k in REQUIRED_CONSTANTS if k not in constants]
    if missing:
        raise DataError(f"{cpath}: missing key(s) {', '.join(missing)}")
    fpath = data_path("freight.csv")
    ft = read_table(
        fpath,
        (
            Column("mode", "str"),
            Column("market", "str"),
            Column("cost", "float", "see cost_unit", 0.0),
            Column("cost_unit", "str"),
            Column("days", "float", "days", 0.0, 120.0),
        ),
    )
    money = np.full((len(MODES), len(MARKETS)), np.nan)
    days = np.full_like(money, np.nan)
    for i in range(len(ft["mode"])):
        mode, market, unit = ft["mode"][i], ft["market"][i], ft["cost_unit"][i]
        where = f"{fpath} line {i + 2}"
        if mode not in MODES or market not in MARKETS or unit not in UNITS:
            raise DataError(
                f"{where}: mode must be one of {MODES}, market one of {MARKETS}, "
                f"cost_unit one of {UNITS}; got {mode!r}, {market!r}, {unit!r}"
            )
        money[MODES.index(mode), MARKETS.index(market)] = to_yuan_per_tonne(
            float(ft["cost"][i]), unit, constants
        )
        days[MODES.index(mode), MARKETS.index(market)] = float(ft["days"][i])
    if np.isnan(money[MODES.index("sea")]).any():
        raise DataError(f"{fpath}: sea freight is needed to every market {MARKETS}")
    return FreightTable(money, days, constants)


def to_yuan_per_tonne(cost: float, unit: str, c: dict[str, float]) -> float:
    """Convert a freight rate to yuan per tonne of cargo."""
    usd = c["usd_cny"]
    return {
        "USD/FEU": cost * usd / c["payload_t_per_feu"],
        "USD/TEU": cost * usd / c["payload_t_per_teu"],
        "USD/kg": cost * usd * 1000.0,
        "EUR/FEU": cost * c["eur_usd"] * usd / c["payload_t_per_feu"],
        "yuan/t": cost,
    }[unit]


def domestic_leg(km: np.ndarray, c: dict[str, float], leg_cost: float) -> tuple[np.ndarray, np.ndarray]:
    """Money (yuan/t) and days of a domestic leg of ``km`` great-circle kilometres.

    The leg goes by truck, or by rail container where the 2008 container tariff is cheaper (long
    hauls); both are taken to move at ``truck_km_per_day`` (Chongqing-Qinzhou, 1,450 km by rail in
    ~2 days).
    """
    road_km = km * c["road_circuity"]
    truck = road_km * c["truck_yuan_per_tkm"]
    if "rail_container_fixed_yuan_per_feu" in c and "rail_container_yuan_per_feu_km" in c:
        rail = np.where(
            road_km > 0,
            (c["rail_container_fixed_yuan_per_feu"] + c["rail_container_yuan_per_feu_km"] * road_km)
            / c["payload_t_per_feu"],
            0.0,
        )
        truck = np.minimum(truck, rail)
    return truck * leg_cost, road_km / c["truck_km_per_day"]


def market_costs(
    freight: FreightTable,
    columns: dict[str, np.ndarray],
    distance_km: np.ndarray,
    value_density: np.ndarray,
    time_cost: np.ndarray,
    params: dict,
    policy: FreightPolicy,
    flows: np.ndarray | None = None,
) -> dict:
    """Freight cost per yuan of goods, (S, R, markets), the mode shares behind it and the part of
    it that government pays, per lever.

    Sea goes through the province's own port; another mode through the access province (one that
    has the mode) with the lowest money cost, which may be the province itself.
    ``flows`` (S, R, M), export value by sector, province and market in any unit, turns on the
    capacity limits of rail and land (:func:`congestion`); without it there are none.
    Returns ``{"cost": (S,R,M), "shares": (S,R,M,modes), "subsidy": {lever: (S,R,M)},
    "shadow_price": (modes,) yuan per yuan of value}``.
    """
    c = freight.constants
    handling = c["port_handling_days"]
    n = distance_km.shape[0]
    shape = (len(MODES), n, len(MARKETS))
    money, days = np.full(shape, np.inf), np.zeros(shape)
    paid = {name: np.zeros(shape) for name in (*policy.access_subsidy, *policy.origin_subsidy)}
    acc_total, org_total = policy.access_subsidy_total(), policy.origin_subsidy_total()
    leg_cost = params["logistics.inland_leg_cost"] * policy.leg_mult
    for k, mode in enumerate(MODES):
        rate = freight.money[k] * policy.market_rate_mult[k]
        rate = rate * (1.0 - params["logistics.cre_subsidy_share"] if mode == "rail" else 1.0)
        mode_days = freight.days[k] + policy.market_days_add[k]
        served = np.isfinite(rate)
        if mode == "sea":
            via = np.arange(n)
            leg_m, leg_d = domestic_leg(columns["port_km"], c, 1.0)
            leg_m = leg_m * leg_cost
        else:
            has = columns[MODE_ACCESS[mode]] > 0
            if not has.any() or not served.any():
                continue
            pair_m, pair_d = domestic_leg(distance_km, c, 1.0)
            pair_m = pair_m * leg_cost[:, None]
            # cheapest access point by money: leg plus the (policy-adjusted) rate at that point
            at_access = policy.rate_mult[k] * (1 - acc_total[k])
            rate_ref = np.nanmean(rate[served])
            total = np.where(has[None, :], pair_m + rate_ref * at_access[None, :], np.inf)
            via = total.argmin(axis=1)
            leg_m, leg_d = pair_m[np.arange(n), via], pair_d[np.arange(n), via]
        gross = rate[None, served] * policy.rate_mult[k, via][:, None]  # (R, served) at the access point
        net_access = gross * (1 - acc_total[k, via])[:, None]
        money[k][:, served] = leg_m[:, None] + net_access * (1 - org_total)[:, None]
        days[k][:, served] = np.maximum(
            leg_d[:, None] + mode_days[None, served] + handling - policy.days_cut[k, via][:, None], 0.5
        )
        for name, share in policy.access_subsidy.items():
            paid[name][k][:, served] += gross * share[k, via][:, None]
        for name, share in policy.origin_subsidy.items():
            paid[name][k][:, served] += net_access * share[:, None]
    # per yuan of value, per sector: (S, modes, R, M)
    per_value = money[None] / value_density[:, None, None, None] + time_cost[:, None, None, None] * days[None]
    scale = params["logistics.mode_choice_scale"]
    tau = np.zeros(len(MODES))
    if flows is not None:
        caps = capacity_shares(params, c)
        tau = congestion(per_value, flows, caps, scale, int(params["logistics.capacity_iterations"]))
    cost, shares = mode_logit(per_value + tau[None, :, None, None], scale)
    if flows is not None:
        shares = ration(shares, flows, caps)
    subsidy = {
        name: (np.where(np.isfinite(money), m, 0.0)[None] / value_density[:, None, None, None] * shares).sum(
            axis=1
        )
        for name, m in paid.items()
    }
    return {"cost": cost, "shares": np.moveaxis(shares, 1, -1), "subsidy": subsidy, "shadow_price": tau}


def mode_logit(per_value: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Logsum cost (S, R, M) and mode shares (S, modes, R, M) of per-value mode costs
    (S, modes, R, M, yuan per yuan of value) at logit scale ``scale`` (0: the cheapest mode)."""
    best = per_value.min(axis=1)
    if scale > 0:
        rel = np.exp(-(per_value - best[:, None]) / scale)
        total = rel.sum(axis=1)
        return best - scale * np.log(total), rel / total[:, None]
    shares = (per_value == best[:, None]).astype(float)
    return best, shares / shares.sum(axis=1, keepdims=True)


def capacity_shares(params: dict, constants: dict[str, float]) -> dict[int, float]:
    """Capacity of the capacity-limited modes as a share of all processing exports by value.

    Rail (China-Europe Railway Express): cargo value a year x outbound share x processing share;
    land (ports to ASEAN): export value through the land ports a year x processing share; both
    divided by documented processing exports (yuan/year), so the limit survives a rescale of the
    model's money. Parameters ``logistics.cre_*``, ``logistics.land_port_*``,
    ``economy.processing_exports_yuan`` (sources in docs/parameters.md).
    """
    total = params["economy.processing_exports_yuan"]
    rail = (
        params["logistics.cre_cargo_usd"]
        * constants["usd_cny"]
        * params["logistics.cre_outbound_share"]
        * params["logistics.cre_processing_share"]
    )
    land = params["logistics.land_port_exports_yuan"] * params["logistics.land_port_processing_share"]
    return {MODES.index("rail"): rail / total, MODES.index("land"): land / total}


def flow_shares(shares: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """(modes,) value share of each mode in all exports: ``shares`` (S, modes, R, M) weighted by
    ``flows`` (S, R, M)."""
    used = (shares * flows[:, None]).sum(axis=(0, 2, 3))
    return used / max(float(flows.sum()), 1e-300)


def congestion(
    per_value: np.ndarray, flows: np.ndarray, caps: dict[int, float], scale: float, iterations: int
) -> np.ndarray:
    """Shadow price (modes,) per yuan of value on capacity-limited modes, by fixed-point iterations.

    Each iteration computes the mode shares at the current prices and moves the price of a limited
    mode by ``scale x ln(used / capacity)`` (never below 0): exact when the mode's share is small
    in every cell (a logit share then scales with exp(-price / scale)), an under-step otherwise, so
    the price rises towards the one that clears the capacity and falls back when it is slack.
    With ``scale`` 0 there is no price (rationing alone, :func:`ration`).
    """
    tau = np.zeros(per_value.shape[1])
    if scale <= 0 or not caps or flows.sum() <= 0:
        return tau
    idx = np.array(sorted(caps))
    cap = np.maximum(np.array([caps[i] for i in idx]), 1e-12)
    for _ in range(iterations):
        _, shares = mode_logit(per_value + tau[None, :, None, None], scale)
        used = np.maximum(flow_shares(shares, flows)[idx], 1e-300)
        tau[idx] = np.maximum(tau[idx] + scale * np.log(used / cap), 0.0)
    return tau


def ration(shares: np.ndarray, flows: np.ndarray, caps: dict[int, float]) -> np.ndarray:
    """Shares (S, modes, R, M) with any capacity-limited mode still above its capacity scaled down
    to it in every cell, the goods it cannot take spread over the cell's other modes in proportion
    to their shares (the remainder after the shadow price's iterations; exact afterwards)."""
    out = shares.copy()
    used = flow_shares(out, flows)
    for m, cap in caps.items():
        if used[m] <= cap or used[m] <= 0:
            continue
        keep = cap / used[m]
        moved = out[:, m] * (1 - keep)
        others = out.sum(axis=1) - out[:, m]
        out[:, m] *= keep
        mask = np.arange(out.shape[1]) != m
        spread = np.divide(moved, others, out=np.zeros_like(moved), where=others > 0)
        out[:, mask] *= (1 + spread)[:, None]
    return out


def mode_report(
    shares: np.ndarray,
    exports: np.ndarray,
    destinations: np.ndarray,
    coastal: np.ndarray,
    params: dict,
    constants: dict[str, float],
) -> dict:
    """Mode shares by market and the volumes on the capacity-limited modes.

    ``shares`` (S, R, M, modes) as in ``UnitCosts.mode_shares``; ``exports`` (S, R) export value,
    yuan/year at the model's scale; ``destinations`` (S, M); ``coastal`` (R,). Volumes are given
    both at the model's scale and scaled to documented processing exports
    (``economy.processing_exports_yuan``, the model's money anchor).
    Returns ``{"shares": {market: {mode: value share}}, "rail": {...}, "land": {...}}``.
    """
    flows = exports[:, :, None] * destinations[:, None, :]  # (S, R, M)
    by = flows[..., None] * shares  # (S, R, M, modes)
    total = float(flows.sum())
    real = params["economy.processing_exports_yuan"] / max(total, 1e-300)
    caps = capacity_shares(params, constants)
    coast = coastal > 0
    out: dict = {"shares": {}}
    for k, market in enumerate(MARKETS):
        per_mode = by[:, :, k].sum(axis=(0, 1))
        out["shares"][market] = dict(
            zip(MODES, (per_mode / max(per_mode.sum(), 1e-300)).tolist(), strict=True)
        )
    for mode in ("rail", "land"):
        m = MODES.index(mode)
        value = by[..., m].sum(axis=(0, 2))  # (R,)
        out[mode] = {
            "model_yuan": float(value.sum()),
            "real_yuan": float(value.sum() * real),
            "real_usd": float(value.sum() * real / constants["usd_cny"]),
            "share_of_exports": float(value.sum() / max(total, 1e-300)),
            "capacity_share": float(caps[m]),
            "coastal_share": float(value[coast].sum() / max(value.sum(), 1e-300)),
        }
    return out
