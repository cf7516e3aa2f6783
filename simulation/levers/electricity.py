"""Measure 九 (energy): time-of-use electricity pricing and the energy guarantee at undertaking
sites (NDRC 发改价格〔2021〕1093号 sets the minimum spreads)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.levers.base import Context, Lever, share_param
from simulation.levers.targets import resolve
from simulation.schema import Param

A = "assumption"
PRESETS = ("scale", "ndrc2021", "set")


def widen(peak: np.ndarray, valley: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stretch the spread around the flat price by ``k`` (1 = unchanged)."""
    return np.clip(1 + k * (peak - 1), 1.0, 5.0), np.clip(1 - k * (1 - valley), 0.0, 1.0)


def ndrc_stretch(peak: np.ndarray, valley: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """The ``k`` that lifts peak/valley to at least ``ratio`` (1 where it already is)."""
    k = (ratio - 1) / np.maximum((peak - 1) + ratio * (1 - valley), 1e-12)
    return np.where(peak / np.maximum(valley, 1e-12) < ratio, np.maximum(k, 1.0), 1.0)


def stretch_cap(peak: np.ndarray, valley: np.ndarray, max_ratio: float, valley_floor: float) -> np.ndarray:
    """The largest ``k`` that keeps peak/valley at most ``max_ratio`` and the valley at least
    ``valley_floor`` (the observed provincial extremes); 1 where a schedule is already beyond them,
    so a cap never narrows today's spread."""
    gap = np.maximum(1 - valley, 1e-12)
    by_floor = (1 - valley_floor) / gap
    by_ratio = (max_ratio - 1) / np.maximum((peak - 1) + max_ratio * gap, 1e-12)
    return np.maximum(np.minimum(by_floor, by_ratio), 1.0)


def check(cfg: dict[str, Any]) -> tuple[str, str] | None:
    """Hours of a 'set' schedule must fit in a day, and its prices stay within the observed caps."""
    if cfg["peak_hours"] + cfg["valley_hours"] > 24:
        return (
            "valley_hours",
            f"peak_hours + valley_hours must be at most 24, got {cfg['peak_hours']} + {cfg['valley_hours']}",
        )
    if cfg["preset"] == "set" and cfg["valley_mult"] < cfg["valley_floor"]:
        return (
            "valley_mult",
            f"must be at least valley_floor = {cfg['valley_floor']}, got {cfg['valley_mult']}",
        )
    if cfg["preset"] == "set" and cfg["peak_mult"] > cfg["max_ratio"] * cfg["valley_mult"]:
        return (
            "peak_mult",
            f"peak_mult / valley_mult must be at most max_ratio = {cfg['max_ratio']}, got "
            f"{cfg['peak_mult']} / {cfg['valley_mult']}",
        )
    return None


def apply(ctx: Context, cfg: dict[str, Any]) -> None:
    """New peak, valley and critical multipliers in the targets; fewer outages at carriers."""
    cols, m = ctx.effects.columns, ctx.mask
    if cfg["preset"] == "set":
        _set_schedule(cols, m, cfg)
    else:
        _stretch(ctx, cols, m, cfg)
    sites = resolve(ctx.model.world, cfg["guarantee_targets"])
    ctx.effects.outage_cut = np.maximum(ctx.effects.outage_cut, cfg["outage_cut"] * sites)


def _set_schedule(cols: dict[str, np.ndarray], m: np.ndarray, cfg: dict[str, Any]) -> None:
    """A whole new schedule (multipliers and hours) in the targets."""
    flat_hours = 24.0 - cfg["peak_hours"] - cfg["valley_hours"]
    for column, value in (
        ("tou_peak_mult", cfg["peak_mult"]),
        ("tou_valley_mult", cfg["valley_mult"]),
        ("tou_critical_mult", max(cfg["critical_mult"], cfg["critical_over_peak"] * cfg["peak_mult"])),
        ("tou_peak_hours", cfg["peak_hours"]),
        ("tou_flat_hours", flat_hours),
        ("tou_valley_hours", cfg["valley_hours"]),
        ("tou_critical_hours", min(cfg["critical_hours"], cfg["peak_hours"])),
    ):
        cols[column] = np.where(m, value, cols[column])


def _stretch(ctx: Context, cols: dict[str, np.ndarray], m: np.ndarray, cfg: dict[str, Any]) -> None:
    """Stretch today's spreads (preset 'scale') or lift them to the NDRC minimums ('ndrc2021')."""
    peak, valley, crit = cols["tou_peak_mult"], cols["tou_valley_mult"], cols["tou_critical_mult"]
    if cfg["preset"] == "ndrc2021":
        high = resolve(ctx.model.world, cfg["high_load_gap"])
        k = ndrc_stretch(peak, valley, np.where(high, cfg["ratio_high_gap"], cfg["ratio_other"]))
    else:
        k = np.full_like(peak, cfg["spread_scale"])
    k = np.minimum(k, stretch_cap(peak, valley, cfg["max_ratio"], cfg["valley_floor"]))
    stretched = m & (k != 1.0)  # k = 1 leaves a schedule exactly as it is
    new_peak, new_valley = widen(peak, valley, k)
    new_crit = np.clip(np.maximum(1 + k * (crit - 1), new_peak), 1.0, 10.0)  # at or above peak
    cols["tou_peak_mult"] = np.where(stretched, new_peak, peak)
    cols["tou_valley_mult"] = np.where(stretched, new_valley, valley)
    cols["tou_critical_mult"] = np.where(stretched, new_crit, crit)
    if cfg["preset"] == "ndrc2021":  # the NDRC floor on the critical premium is part of that rule
        floor = np.clip(cfg["critical_over_peak"] * cols["tou_peak_mult"], 1.0, 10.0)
        cols["tou_critical_mult"] = np.where(m, np.maximum(cols["tou_critical_mult"], floor), crit)


TIME_OF_USE = Lever(
    name="time_of_use",
    measure="九",
    measure_no=9,
    title_en="Time-of-use electricity pricing and energy guarantee",
    title_zh="优化分时电价动态调整机制，完善峰谷分时电价；强化用能保障",
    mechanism="Spreads are capped at the observed provincial extremes: peak/valley at most "
    "`max_ratio` and the valley at least `valley_floor` x flat (a stretch stops there; a schedule "
    "already beyond them is left as it is). Preset 'scale' stretches each target province's peak "
    "and valley multipliers around the flat price by `spread_scale`; preset 'ndrc2021' lifts "
    "peak/valley to at least "
    "`ratio_high_gap` (4:1) in `high_load_gap` provinces and `ratio_other` (3:1) elsewhere; preset "
    "'set' gives the targets a whole schedule (`peak_mult`, `valley_mult`, `critical_mult` and the "
    "hours; flat hours are the rest of the day). Critical "
    "peak stays at or above peak, and under 'ndrc2021' at least `critical_over_peak` x peak. A "
    "sector's bill depends on its peak-load share and load flexibility (costs.tou_multiplier): firms "
    "move peak load to the valley at a rising cost (economy.load_shift_cost: shift premia, storage) "
    "as far as their flexibility allows, so a wider spread lowers the bill of flexible load and "
    "raises that of inflexible peak load. The energy guarantee removes `outage_cut` of outage losses "
    "(economy.outage_loss_share) at `guarantee_targets`; it is off unless `outage_cut` is set (the "
    "full package and measure 九 set it), so spread_scale = 1 is no policy.",
    params=(
        Param(
            "preset",
            "scale",
            "-",
            "How the new spreads are set.",
            "scenario choice",
            kind=str,
            choices=PRESETS,
        ),
        Param(
            "spread_scale",
            1.5,
            "x current spread",
            "Stretch of the spread (preset 'scale').",
            A + ": medium dose; 1 = unchanged",
            low=0.0,
            high=5.0,
        ),
        Param(
            "ratio_high_gap",
            4.0,
            "peak/valley",
            "Minimum ratio where the load gap exceeds 40%.",
            "NDRC 发改价格〔2021〕1093号 (A)",
            low=1.0,
            high=20.0,
        ),
        Param(
            "ratio_other", 3.0, "peak/valley", "Minimum ratio elsewhere.", "NDRC 2021 (A)", low=1.0, high=20.0
        ),
        Param(
            "high_load_gap",
            [],
            "provinces or regions",
            "Provinces whose load gap exceeds 40%.",
            "not found by province: none by default (3:1 everywhere)",
            kind=list,
        ),
        Param(
            "max_ratio",
            5.0,
            "peak/valley",
            "Largest peak/valley ratio a stretch may reach.",
            "the widest documented schedules: Shandong and Hebei, valley -70% against peak +50% "
            "(5:1; SOURCES.md §4, B/C); Guangdong 1.7/0.38 = 4.5:1",
            low=1.0,
            high=20.0,
        ),
        Param(
            "valley_floor",
            0.3,
            "x flat price",
            "Lowest valley multiplier a stretch may reach.",
            "the deepest documented valley (not the holiday deep valley): Shandong and Hebei -70% "
            "(SOURCES.md §4, B/C)",
            low=0.0,
            high=1.0,
        ),
        Param(
            "critical_over_peak",
            1.2,
            "x peak",
            "Minimum critical-peak price.",
            "NDRC 2021: critical >= 20% above peak (A)",
            low=1.0,
            high=5.0,
        ),
        Param(
            "peak_mult",
            1.5,
            "x flat price",
            "Peak multiplier (preset 'set').",
            "the generic structure of provinces.csv (SOURCES.md §4)",
            low=1.0,
            high=5.0,
        ),
        Param(
            "valley_mult",
            0.5,
            "x flat price",
            "Valley multiplier (preset 'set').",
            "the generic structure of provinces.csv",
            low=0.0,
            high=1.0,
        ),
        Param(
            "critical_mult",
            1.8,
            "x flat price",
            "Critical-peak multiplier (preset 'set').",
            "the generic structure of provinces.csv",
            low=1.0,
            high=10.0,
        ),
        Param(
            "peak_hours",
            8.0,
            "h/day",
            "Peak hours (preset 'set').",
            "documented schedules are 8/8/8",
            low=0.0,
            high=24.0,
        ),
        Param(
            "valley_hours",
            8.0,
            "h/day",
            "Valley hours (preset 'set').",
            "documented schedules are 8/8/8",
            low=0.0,
            high=24.0,
        ),
        Param(
            "critical_hours",
            0.0,
            "h/day",
            "Critical hours within the peak (preset 'set'; a yearly average, e.g. 2 h on 4 months = 0.67).",
            "SOURCES.md §4",
            low=0.0,
            high=24.0,
        ),
        Param(
            "guarantee_targets",
            ["national_parks", "undertaking_sites"],
            "targets",
            "Where the energy guarantee applies.",
            "measure 九: undertaking sites and national parks",
            kind=list,
        ),
        share_param(
            "outage_cut",
            0.0,
            "Share of outage losses removed by the guarantee.",
            A + ": not found; off by default so that the spread alone doses the lever (the full "
            "package and measure 九 set 0.5, half the losses)",
        ),
    ),
    apply=apply,
    check=check,
    targets=("all",),
    fiscal="none: tariffs are set by the grid; the guarantee's cost is not in the sources",
    sources="商贸发〔2023〕308号 九; SOURCES.md §4 (NDRC 2021 and provincial schedules)",
    channels=("electricity",),
)
