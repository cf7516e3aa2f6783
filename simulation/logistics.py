"""Freight: the cost of reaching each export market from each province, by the best mode.

Modes: sea via the nearest container port; air from a province with international cargo routes;
China-Europe Railway Express (rail, to the EU) from an origin province; land ports to ASEAN. A
province without a mode reaches a province that has it first (the domestic leg, by truck or by rail
container where cheaper); levers change rates, days and subsidies at access points
(:class:`FreightPolicy`).
Cost of a mode per yuan of goods = money (yuan/t) / value density (yuan/t) + time cost per day x days.
Across modes the cost is the logsum with scale ``logistics.mode_choice_scale`` (0: the cheapest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
) -> dict:
    """Freight cost per yuan of goods, (S, R, markets), the mode shares behind it and the part of
    it that government pays, per lever.

    Sea goes through the province's own port; another mode through the access province (one that
    has the mode) with the lowest money cost, which may be the province itself.
    Returns ``{"cost": (S,R,M), "shares": (S,R,M,modes), "subsidy": {lever: (S,R,M)}}``.
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
        rate = freight.money[k] * (1.0 - params["logistics.cre_subsidy_share"] if mode == "rail" else 1.0)
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
            leg_d[:, None] + freight.days[k][None, served] + handling - policy.days_cut[k, via][:, None], 0.5
        )
        for name, share in policy.access_subsidy.items():
            paid[name][k][:, served] += gross * share[k, via][:, None]
        for name, share in policy.origin_subsidy.items():
            paid[name][k][:, served] += net_access * share[:, None]
    # per yuan of value, per sector: (S, modes, R, M)
    per_value = money[None] / value_density[:, None, None, None] + time_cost[:, None, None, None] * days[None]
    scale = params["logistics.mode_choice_scale"]
    best = per_value.min(axis=1)
    if scale > 0:
        rel = np.exp(-(per_value - best[:, None]) / scale)
        total = rel.sum(axis=1)
        cost = best - scale * np.log(total)
        shares = rel / total[:, None]
    else:
        cost = best
        shares = (per_value == best[:, None]).astype(float)
        shares /= shares.sum(axis=1, keepdims=True)
    subsidy = {
        name: (np.where(np.isfinite(money), m, 0.0)[None] / value_density[:, None, None, None] * shares).sum(
            axis=1
        )
        for name, m in paid.items()
    }
    return {"cost": cost, "shares": np.moveaxis(shares, 1, -1), "subsidy": subsidy}
