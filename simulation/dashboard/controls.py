"""Controls generated from the lever registry's ``Param`` declarations.

The dashboard reads the same declarations as the scenario schema (``simulation.levers.params``):
every control's key, label (the declaration's doc), unit, default, range or choices come from
there, never re-typed. Headline levers (special bonds, time-of-use, freight routes, domestic
links) get sliders for their intensity parameters; every other measure gets a switch.

Sliders span the declared range. A range of several decades (the special-bond budget: 0 to 1e13
yuan a year) gets a logarithmic slider: position 0 is the declared low, then 20 positions a decade
over the five decades below the declared high, so the library's doses (2, 10, 50 bn) are exact.
The Solara widgets are at the end of the module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from simulation import levers
from simulation.dashboard import i18n
from simulation.geography import load_china
from simulation.schema import Param

# headline levers of the issue and the parameters that get a control (besides `enabled`)
HEADLINE: dict[str, tuple[str, ...]] = {
    "special_bonds": ("budget_yuan_per_year", "allocation", "build_lag_quarters"),
    "time_of_use": ("spread_scale",),
    "freight_routes": ("cre_origins", "cre_subsidy", "cre_days_cut", "air_routes", "air_subsidy"),
    "domestic_links": ("coast_interior_cut", "interior_cut"),
}
LINEAR_STEPS = 100  # positions of a linear float slider
LOG_PER_DECADE, LOG_DECADES = 20, 5
LOG_ABOVE = 1e4  # a declared range whose high exceeds LOG_ABOVE x (low or 1) gets a log slider


@dataclass(frozen=True)
class Control:
    """One control: its declaration, the lever it belongs to and how it is shown.

    ``widget`` is ``switch`` (bool), ``select`` (choices), ``provinces`` (a list of province
    names) or ``slider``; sliders have integer positions ``0..positions`` mapped to values.
    """

    param: Param
    lever: str
    widget: str
    log: bool = False

    @property
    def key(self) -> str:
        return self.param.key

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, lang: str) -> str:
        """The control's label in ``lang``: a switch is named after its lever (measure number and
        short title), any other control after its declaration's doc."""
        if self.param.key.endswith(".enabled"):
            lever = levers.BY_NAME[self.lever]
            if lang == "zh":
                return f"({lever.measure_no}) {lever.title_zh.split('（')[0]}"
            return f"({lever.measure_no}) {lever.title_en.split(':')[0].split(' (')[0]}"
        return i18n.tr(self.param.doc.rstrip("."), lang)

    @property
    def low(self) -> float:
        return float(self.param.low)

    @property
    def high(self) -> float:
        return float(self.param.high)

    @property
    def positions(self) -> int:
        if self.log:
            return 1 + LOG_PER_DECADE * LOG_DECADES
        if self.param.kind is int:
            return int(self.high - self.low)
        return LINEAR_STEPS

    def value_at(self, pos: int) -> float | int:
        """Value of slider position ``pos`` (0..positions)."""
        pos = min(max(int(pos), 0), self.positions)
        if self.param.kind is int:
            return int(self.low) + pos
        if self.log:
            if pos == 0:
                return self.low
            exponent = math.log10(self.high) - LOG_DECADES + (pos - 1) / LOG_PER_DECADE
            return _round_sig(10**exponent) if pos < self.positions else self.high
        return _round_sig(self.low + (self.high - self.low) * pos / LINEAR_STEPS, 6)

    def position_of(self, value: float) -> int:
        """Nearest slider position of ``value``."""
        if self.param.kind is int:
            return int(round(value - self.low))
        if self.log:
            if value <= self.low or value <= 0:
                return 0
            first = math.log10(self.high) - LOG_DECADES
            return min(max(1 + round((math.log10(value) - first) * LOG_PER_DECADE), 1), self.positions)
        return round((value - self.low) / (self.high - self.low) * LINEAR_STEPS)

    def text(self, value: Any, lang: str = "en") -> str:
        """``value`` with its unit, for the label."""
        unit = self.param.unit
        if isinstance(value, bool):
            return i18n.tr("on" if value else "off", lang)
        if isinstance(value, list):
            return ", ".join(i18n.province(v, lang) for v in value) or i18n.tr("none", lang)
        if isinstance(value, str):
            return i18n.tr(value, lang)
        if "yuan" in unit and abs(value) >= 1e8:
            return f"{value / 1e9:g} {i18n.tr(f'bn {unit}', lang)}"
        return f"{value:g} {i18n.tr(unit, lang)}"


def _round_sig(x: float, digits: int = 2) -> float:
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def control_for(param: Param, lever: str) -> Control:
    """The control a declaration gets (raises ``ValueError`` for a kind without a widget)."""
    if param.kind is bool:
        return Control(param, lever, "switch")
    if param.choices:
        return Control(param, lever, "select")
    if param.kind is list:
        return Control(param, lever, "provinces")
    if param.kind in (int, float) and param.low is not None and param.high is not None:
        log = param.kind is float and param.high > LOG_ABOVE * max(param.low, 1.0)
        return Control(param, lever, "slider", log=log)
    raise ValueError(f"{param.key}: no dashboard widget for {param.allowed()}")


def lever_controls(lang: str = "en") -> list[tuple[str, list[Control]]]:
    """Controls grouped by lever in registry order: headline levers first (switch and sliders),
    then a switch for every other measure (group title ``other measures``)."""
    groups: list[tuple[str, list[Control]]] = []
    for name, keys in HEADLINE.items():
        lever = levers.BY_NAME[name]
        by_key = {p.key: p for p in levers.params(lever)}
        wanted = [f"levers.{name}.enabled"] + [f"levers.{name}.{k}" for k in keys]
        if lang == "zh":
            title = f"措施{lever.measure_no}：{lever.title_zh.split('（')[0]}"
        else:
            title = f"Measure {lever.measure_no}: {lever.name.replace('_', ' ')}"
        groups.append((title, [control_for(by_key[k], name) for k in wanted]))
    others = [
        control_for(next(p for p in levers.params(lv) if p.key.endswith(".enabled")), lv.name)
        for lv in levers.LEVERS
        if lv.name not in HEADLINE
    ]
    groups.append((i18n.tr("other measures", lang), others))
    return groups


def all_controls() -> list[Control]:
    return [c for _, group in lever_controls() for c in group]


def settings_of(scenario) -> dict[str, Any]:
    """The controlled values of a scenario (what the controls show for a lesson)."""
    return {c.key: _copy(scenario.params[c.key]) for c in all_controls()}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def province_names() -> list[str]:
    return [str(n) for n in load_china().names]


# --- Solara widgets --------------------------------------------------------------------------------


@solara.component
def ControlWidget(
    control: Control,
    value: Any,
    on_value: Callable[[str, Any], None],
    disabled: bool = False,
    lang: str = "en",
):
    """One control bound to ``value``; calls ``on_value(key, new)`` when the user changes it.
    Labels and shown choices are in ``lang``; the values passed on are the declared ones."""

    def emit(new: Any) -> None:
        on_value(control.key, new)

    label = control.label_in(lang)
    if control.widget == "switch":
        solara.Switch(label=label, value=bool(value), on_value=emit, disabled=disabled)
    elif control.widget == "select":
        choices = list(control.param.choices)
        shown = [i18n.tr(c, lang) for c in choices]
        solara.Select(
            label=label,
            values=shown,
            value=shown[choices.index(value)],
            on_value=lambda s: emit(choices[shown.index(s)]),
            disabled=disabled,
        )
    elif control.widget == "provinces":
        names = province_names()
        shown = [i18n.province(n, lang) for n in names]
        solara.SelectMultiple(
            label=label,
            values=[shown[names.index(v)] if v in names else v for v in value],
            all_values=shown,
            on_value=lambda picked: emit([names[shown.index(s)] if s in shown else s for s in picked]),
            dense=True,
            disabled=disabled,
        )
    else:
        SliderControl(control, value, emit, disabled, lang)


@solara.component
def SliderControl(
    control: Control, value: float, emit: Callable[[Any], None], disabled: bool = False, lang: str = "en"
):
    """A slider over integer positions; the value is applied when the thumb is released (or a key
    pressed), not while dragging, since a change restarts the run."""
    pos = control.position_of(value)
    solara.Text(f"{control.label_in(lang)}: {control.text(value, lang)}", style={"font-size": "15px"})
    slider = solara.v.Slider(
        v_model=pos,
        min=0,
        max=control.positions,
        step=1,
        hide_details=True,
        disabled=disabled,
        class_=f"ptsim-slider ptsim-{control.key.replace('.', '-')}",
    )

    def on_change(*args: Any) -> None:
        new = control.value_at(int(args[-1]))
        if new != value:
            emit(new)

    solara.v.use_event(slider, "change", on_change)
