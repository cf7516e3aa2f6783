"""The lever contract: checks every lever of the registry passes, in the spirit of scikit-learn's
``check_estimator``.

Every check is parametrised over :data:`simulation.levers.LEVERS`, so a lever added to the registry
is covered without writing a test. The checks compare a run with the lever against the same-seed
run without it, through public interfaces only: the scenario loader, ``RelocationModel``,
``model.step()``, the quarter's :class:`~simulation.levers.base.Effects` (``model.effects``) and the
recorder (outcomes, channel decomposition, fiscal spending).

Lever-specific knowledge lives in the tables at the top of this module:

- ``ON``: a non-trivial dose for each lever (where the default dose does nothing, e.g. a budget of
  0 or a CIT rate that restates the law);
- ``ACTS_AFTER_END``: levers that legitimately keep acting after ``end`` (stateful carry);
- ``INDUCED_CHANNELS``: channels that move as a consequence of any declared channel;
- ``KNOWN_EXCEPTIONS``: contract violations known today, each with its reason. They run as
  ``xfail(strict=True)``: visible in every run, and failing loudly once fixed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulation import levers
from simulation import scenario as S
from simulation.levers import CHANNELS, LEVERS, Effects, Lever
from simulation.levers.targets import resolve
from simulation.model import RelocationModel
from simulation.parameters import Param
from simulation.timeline import Quarter

FIRMS = 500
SEED = 7
SORTING_ROUNDS = 3
TARGET = ["Henan"]  # a single inland province with a national park, bonded zones and a rail origin

# --- lever-specific knowledge --------------------------------------------------------------------

# A dose at which each lever visibly acts (and spends, where it has a cost), on top of its defaults.
ON: dict[str, dict[str, Any]] = {
    "rd_support": {"fund_rate": 0.5, "extra_deduction": 0.5},
    "bonded_maintenance": {"margin": 0.02},
    "maintenance_pilots": {"margin": 0.02},
    # capacity opens in the quarter of issue, so the lever's window shows in the park capacity
    "special_bonds": {"budget_yuan_per_year": 5e10, "build_lag_quarters": 0},
    "bonded_sites": {"budget_yuan_per_year": 1e9},
    "matchmaking": {"learn_prob": 0.3, "extra_considered": 2, "budget_yuan_per_year": 1e9},
    "border_ports": {"rate_cut": 0.5, "budget_yuan_per_year": 1e9},
    "special_funds": {"yuan_per_job": 50_000.0},
    "withholding_deferral": {"reinvested_share": 1.0},
    # the default targets (west) restate current law: extend the preference to the centre
    "preferential_cit": {"targets": ["west", "central"], "rate": 0.1},
    "finance": {"risk_cut": 0.5},
    "freight_routes": {"cre_rate_cut": 0.2, "air_subsidy": 0.2, "cre_origins": ["Guizhou"]},
    "domestic_links": {"coast_interior_cut": 0.3, "interior_cut": 0.3, "budget_yuan_per_year": 1e9},
    "time_of_use": {"spread_scale": 2.0},
    "training": {"skill_gain": 0.2, "ramp_years": 0.0},
    "domestic_market": {"domestic_share_add": 0.2, "budget_yuan_per_year": 1e9},
    "management": {"compliance_cut": 0.3},
}

# Levers that keep acting after their end quarter, and what they may still do there.
ACTS_AFTER_END: dict[str, str] = {
    "special_bonds": "interest on the bonds outstanding is paid every quarter to the end of the run "
    "(carry); parks already built stay built",
}

# Channels that move because another channel moves, whatever the lever.
INDUCED_CHANNELS: dict[str, str] = {
    "tax": "CIT is levied on the pre-tax margin, so any lever that changes a pre-tax component "
    "(labour, land, electricity, logistics, customs, finance, market access, operating subsidies) "
    "moves the tax channel too",
}
PRE_TAX = ("labour", "land", "electricity", "logistics", "customs", "finance", "market_access", "subsidies")

# Fields of Effects that record who pays and what was spent, not what the lever does to firms.
BOOKKEEPING = ("programme", "owners", "tax_levers", "bonds")  # accounts, not effects on choices

# Scalar fields of Effects that act only where a province mask of Effects says: the mask is
# checked against the targets in their place.
PLACED_BY: dict[str, str] = {
    "extra_considered": "extra_considered_where",  # matchmaking's extra places, among its targets
}

# (lever, Effects field) -> why the measure itself acts nationally there, whatever the targets
NATIONAL_BY_DESIGN: dict[tuple[str, str], str] = {
    ("management", "params[economy.equipment_supervision_years]"): "measure 十二 shortens the "
    "supervision of duty-free equipment from 5 to 3 years for all processing trade (a national "
    "customs rule, not a regional one)",
}

# (lever, check) -> why the lever fails that check today.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("special_bonds", "channels"): "acts through park capacity (model state) and the rent and set-up "
    "discounts of firms in parks; the channel decomposition holds the state fixed and prices a "
    "representative firm outside a park, so neither declared channel (land, subsidies) moves",
    ("withholding_deferral", "channels"): "the deferral lowers the financing factor on foreign "
    "firms' moving cost (foreign_move_cut), which simulation/channels.py does not include: the "
    "declared 'subsidies' channel never moves",
}

# --- runs ----------------------------------------------------------------------------------------


def ids(lever: Lever) -> str:
    return lever.name


def contract(check: str):
    """Parametrise a check over every lever, marking the known exceptions as strict xfails."""
    params = []
    for lever in LEVERS:
        reason = KNOWN_EXCEPTIONS.get((lever.name, check))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(lever, id=lever.name, marks=marks))
    return pytest.mark.parametrize("lever", params)


def test_known_exceptions_name_real_levers_and_checks():
    checks = {"off", "window", "targets", "channels", "fiscal", "combines", "round_trip"}
    for (name, check), reason in KNOWN_EXCEPTIONS.items():
        assert name in levers.BY_NAME and check in checks and reason, (name, check)
    assert set(ON) == set(levers.BY_NAME), "every lever needs a dose in ON"
    assert set(ACTS_AFTER_END) <= set(levers.BY_NAME)


@dataclasses.dataclass
class Run:
    """A finished run: the model, and a copy of the quarter's effects after every step (0..n)."""

    model: RelocationModel
    effects: list[Effects]

    def park_added(self, step: int) -> np.ndarray:
        """(R,) park capacity (jobs) opened in ``step``, from the recorded outcomes."""
        rows = self.model.recorder.steps
        return rows[step]["park_capacity_jobs"] - rows[step - 1]["park_capacity_jobs"]

    def spent(self, name: str) -> list[float]:
        return [q.get(name, 0.0) for q in self.model.recorder.fiscal]


def scenario(tables: dict[str, dict], **sections) -> S.Scenario:
    raw = {
        "run": {"firms": FIRMS, "seed": SEED},
        "calibration": {"sorting_rounds": SORTING_ROUNDS},
        "levers": copy.deepcopy(tables),
    }
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return S.from_dict(raw, "<contract>")


@cache
def _run(key: str, steps: int) -> Run:
    spec = json.loads(key)
    model = RelocationModel(scenario(spec["levers"], **spec["sections"]))
    effects = [copy.deepcopy(model.effects)]
    for _ in range(steps):
        model.step()
        effects.append(copy.deepcopy(model.effects))
    return Run(model, effects)


def run(tables: dict[str, dict], steps: int, **sections) -> Run:
    """The run of these lever tables (cached: checks share the runs; do not step them further)."""
    return _run(json.dumps({"levers": tables, "sections": sections}, sort_keys=True), steps)


def on(lever: Lever, **extra) -> dict[str, dict]:
    return {lever.name: {"enabled": True, **ON[lever.name], **extra}}


def off_tables(lever: Lever) -> dict[str, dict]:
    """The lever's table with its dose and narrow targets, but switched off."""
    return {lever.name: {"enabled": False, **ON[lever.name], "targets": TARGET}}


def narrow_tables(lever: Lever) -> dict[str, dict]:
    """The lever at its dose with its targets, and every other list of places it takes (rail
    origins, guarantee sites, designated carriers...), set to ``TARGET``."""
    places = {p.key: TARGET for p in lever.params if p.kind is list and p.key != "sectors"}
    return on(lever, targets=TARGET, **places)


# --- effects, field by field ---------------------------------------------------------------------


def flatten(effects: Effects, prefix: str = "") -> dict[str, Any]:
    """Every field of ``effects`` by name (``subsidy[rd_support]``, ``freight.rate_mult``...)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(effects):
        value = getattr(effects, f.name)
        name = prefix + f.name
        if dataclasses.is_dataclass(value):
            out.update(flatten(value, name + "."))
        elif isinstance(value, dict) and f.name not in BOOKKEEPING:
            for k, v in value.items():
                if not (f.name == "params" and k.startswith("levers.")):  # the settings, not effects
                    out[f"{name}[{k}]"] = v
        else:
            out[name] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b


def differences(a: Effects, b: Effects, bookkeeping: bool = False) -> dict[str, tuple[Any, Any]]:
    """Fields that differ between ``a`` and ``b``. Per-lever dict entries (subsidies by lever) are
    additive, so an entry missing on one side counts as zeros there."""
    fa, fb = flatten(a), flatten(b)
    out = {}
    for name in sorted(set(fa) | set(fb)):
        if not bookkeeping and name in BOOKKEEPING:
            continue
        x, y = fa.get(name), fb.get(name)
        if x is None:
            x = np.zeros_like(y)
        if y is None:
            y = np.zeros_like(x)
        if not _same(x, y):
            out[name] = (x, y)
    return out


def acted(run: Run, base: Run, step: int) -> list[str]:
    """What the lever changed in ``step``: Effects fields and the park capacity opened."""
    changed = list(differences(run.effects[step], base.effects[step]))
    if not np.array_equal(run.park_added(step), base.park_added(step)):
        changed.append("park_capacity_jobs (recorded)")
    return changed


# --- the checks ----------------------------------------------------------------------------------

STEPS = 3


@contract("off")
def test_off_means_no_effect_and_no_cost(lever):
    """Disabled, with a full dose and narrow targets written in its table: the run is the baseline's."""
    off, base = run(off_tables(lever), STEPS), run({}, STEPS)
    for step in range(STEPS + 1):
        assert not differences(off.effects[step], base.effects[step], bookkeeping=True), step
        rec, ref = off.model.recorder, base.model.recorder
        assert np.array_equal(rec.steps[step]["employment"], ref.steps[step]["employment"])
        assert np.array_equal(rec.advantage[step][1], ref.advantage[step][1])
        assert rec.fiscal[step] == {}
    assert np.array_equal(off.model.firms.location, base.model.firms.location)
    assert lever.name not in levers.enabled(off.model.spec.params)


@contract("window")
def test_start_and_end_are_honoured(lever):
    """Active in 2024Q2-2024Q3 only: before start the run is the baseline's; inside the window the
    lever acts; after the end it neither acts nor spends (unless it is stateful, ACTS_AFTER_END)."""
    window = run(on(lever, start="2024Q2", end="2024Q3"), 4)
    base = run({}, 4)
    quarters = [str(Quarter.parse("2024Q1") + (s - 1)) for s in range(1, 5)]
    assert [row["quarter"] for row in window.model.recorder.steps[1:]] == quarters
    spent = window.spent(lever.name)
    # 2024Q1: nothing yet, and the firms' choices are the baseline's
    assert acted(window, base, 1) == []
    assert spent[1] == 0.0
    rec, ref = window.model.recorder.steps[1], base.model.recorder.steps[1]
    assert np.array_equal(rec["employment"], ref["employment"])
    # 2024Q2-Q3: the lever acts
    for step in (2, 3):
        assert acted(window, base, step), f"{lever.name} did nothing in {quarters[step - 1]}"
    # 2024Q4: over
    assert acted(window, base, 4) == []
    if lever.name not in ACTS_AFTER_END:
        assert spent[4] == 0.0
        assert window.effects[4].programme == {}


@contract("targets")
def test_targets_restrict_where_it_acts(lever):
    """With its targets (and every other list of places it takes) set to one province, the lever
    acts there and changes nothing elsewhere: no province-indexed effect outside the target, no
    national scalar."""
    narrow = run(narrow_tables(lever), 2)
    base = run({}, 2)
    mask = resolve(narrow.model.world, TARGET)
    r_n = narrow.model.world.n
    inside, outside, placed = set(), {}, set()
    for step in (1, 2):
        for name, (x, y) in differences(narrow.effects[step], base.effects[step]).items():
            x, y = np.asarray(x, float), np.asarray(y, float)
            if name in PLACED_BY:
                placed.add(PLACED_BY[name])  # must itself move, inside the targets only
                continue
            if (lever.name, name) in NATIONAL_BY_DESIGN:
                continue
            if x.ndim == 0 or x.shape[-1] != r_n:
                outside[name] = "not by province: acts everywhere"
                continue
            moved = ~np.isclose(x, y, equal_nan=True, rtol=0, atol=0)
            moved = moved.reshape(-1, r_n).any(axis=0)
            if moved[~mask].any():
                outside[name] = narrow.model.world.names[moved & ~mask].tolist()
            if moved[mask].any():
                inside.add(name)
        added = narrow.park_added(step) - base.park_added(step)
        if (added[~mask] != 0).any():
            outside["park_capacity_jobs"] = narrow.model.world.names[(added != 0) & ~mask].tolist()
        if (added[mask] != 0).any():
            inside.add("park_capacity_jobs")
    assert not outside, f"{lever.name} acts outside its targets: {outside}"
    assert inside, f"{lever.name} does not act in its targets"
    assert placed <= inside, f"{lever.name} sets {placed - inside} nowhere in its targets"


@contract("channels")
def test_declared_channels_are_the_ones_that_move(lever):
    """The direct effect of the lever alone by channel (recorded each quarter), with targets narrowed
    to one province: advantages are relative to the national mean, so a lever acting alike
    everywhere would move no channel (or only tax, whose rate differs by province)."""
    alone = run(narrow_tables(lever), 2)
    effect = np.stack([d for _, d in alone.model.recorder.advantage[1:]])  # (steps, R, C)
    size = np.abs(effect).max(axis=(0, 1))  # (C,)
    moved = {c for c, x in zip(CHANNELS, size, strict=True) if x > 1e-9}
    allowed = set(lever.channels)
    if allowed & set(PRE_TAX) & moved:
        allowed |= set(INDUCED_CHANNELS)
    undeclared = {c: float(size[CHANNELS.index(c)]) for c in moved - allowed}
    assert not undeclared, f"{lever.name} moves undeclared channels {undeclared}"
    quiet = [c for c in CHANNELS if c not in allowed]
    assert np.abs(effect[..., [CHANNELS.index(c) for c in quiet]]).max(initial=0.0) < 1e-12
    if lever.channels:
        assert moved & set(lever.channels), f"none of {lever.channels} moves"


@contract("fiscal")
def test_fiscal_cost_is_zero_off_and_non_negative_on(lever):
    """Spending is finite and non-negative every quarter; levers with a cost spend at their dose,
    levers declared as costless ('none: ...') spend nothing; nothing is spent at the start."""
    alone = run(on(lever), STEPS)
    spent = alone.spent(lever.name)
    assert spent[0] == 0.0
    assert all(math.isfinite(x) and x >= 0 for x in spent), spent
    for quarter in alone.model.recorder.fiscal:
        assert set(quarter) <= {lever.name}
    if lever.fiscal.startswith("none"):
        assert sum(spent) == 0.0
    else:
        assert sum(spent) > 0.0, f"{lever.name} declares a cost ({lever.fiscal}) but spent nothing"
    off = run(off_tables(lever), STEPS)
    assert off.spent(lever.name) == [0.0] * (STEPS + 1)


def _finite_outputs(model: RelocationModel) -> None:
    rec = model.recorder
    for row in rec.steps:
        for key, value in row.items():
            if isinstance(value, np.ndarray):
                assert np.isfinite(value).all(), key
    for adv, effect in rec.advantage:
        assert np.isfinite(adv).all() and np.isfinite(effect).all()
    for quarter in rec.fiscal:
        assert all(math.isfinite(v) and v >= 0 for v in quarter.values()), quarter


@contract("combines")
def test_combines_with_every_other_lever(lever):
    """The lever with each other lever, at both doses, over one quarter (uncalibrated start)."""
    for other in LEVERS:
        if other.name == lever.name:
            continue
        tables = {**on(lever), **on(other)}
        model = RelocationModel(scenario(tables, calibration={"method": "none"}))
        model.step()
        _finite_outputs(model)
        assert set(model.recorder.fiscal[-1]) <= {lever.name, other.name}


def test_all_levers_together():
    from simulation.outputs import summary

    tables = {name: t for lv in LEVERS for name, t in on(lv).items()}
    together = run(tables, 2)
    _finite_outputs(together.model)
    s = summary(together.model, together.model.recorder.timeseries(together.model))
    assert s["levers"] == [lv.name for lv in LEVERS]
    assert math.isfinite(s["fiscal_cost_yuan_total"]) and s["fiscal_cost_yuan_total"] > 0


# --- round trip through a scenario file ----------------------------------------------------------


def other_value(p: Param, local: str) -> Any:
    """A valid value of ``p`` that differs from its default."""
    if p.kind is bool:
        return not p.default
    if p.choices:
        return next(c for c in p.choices if c != p.default)
    if p.kind is str and p.unit == "quarter":
        return "2025Q2" if not p.default else str(Quarter.parse(p.default) + 2)
    if p.kind is list:
        return ["food", "apparel"] if local == "sectors" else ["Henan", "Chengdu", "west"]
    if p.kind is dict:
        return {"Henan": 2.0, "Sichuan": 0.5}
    if p.kind is int:
        return p.default + 1 if p.high is None or p.default + 1 <= p.high else p.default - 1
    if p.low is not None and p.high is not None:
        return p.low + 0.37 * (p.high - p.low)
    return p.default * 1.5 + 1.0


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def toml_table(name: str, table: dict[str, Any]) -> str:
    return f"[levers.{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items())


def lever_params(sc: S.Scenario, name: str) -> dict[str, Any]:
    return levers.settings(sc.params, name)


@contract("round_trip")
def test_parameters_round_trip_through_a_scenario_file(lever, tmp_path: Path):
    """Every key set to a non-default value, written to TOML and loaded: the resolved values are the
    ones written; the manifest form (Scenario.to_dict, as JSON) and with_overrides keep them."""
    table = {p.key.rsplit(".", 1)[1]: None for p in levers.params(lever)}
    for p in levers.params(lever):
        local = p.key.rsplit(".", 1)[1]
        table[local] = other_value(p, local)
        assert table[local] != p.default, p.key
    path = tmp_path / f"{lever.name}.toml"
    path.write_text(f'[scenario]\nname = "rt"\n{toml_table(lever.name, table)}', encoding="utf-8")
    loaded = S.load(path)
    assert lever_params(loaded, lever.name) == table
    assert lever_params(S.from_dict({"levers": {lever.name: table}}), lever.name) == table
    # the manifest stores Scenario.to_dict(); a scenario rebuilt from it resolves the same way
    manifest = json.loads(json.dumps(loaded.to_dict()))
    raw: dict[str, dict] = {}
    for key, value in manifest["params"].items():
        section, rest = key.split(".", 1)
        if section == "levers":
            name, local = rest.split(".", 1)
            raw.setdefault("levers", {}).setdefault(name, {})[local] = value
        else:
            raw.setdefault(section, {})[rest] = value
    rebuilt = S.from_dict(raw, "<manifest>")
    assert rebuilt.params == loaded.params
    assert rebuilt.hash() == loaded.hash()
    again = loaded.with_overrides({})
    assert again.params == loaded.params and again.hash() == loaded.hash()
