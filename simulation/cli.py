"""The ``ptsim`` command (also ``python -m simulation``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation import parameters
from simulation import scenario as scenario_mod
from simulation.tables import DataError


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (scenario_mod.ScenarioError, DataError) as exc:
        print(f"ptsim: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ptsim",
        description="Processing-trade relocation model (商贸发〔2023〕308号): run and inspect scenarios.",
    )
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write its results folder")
    run.add_argument("scenario", type=Path, help="scenario file (TOML)")
    run.add_argument("--seed", type=int, help="master seed (default: run.seed of the scenario)")
    run.add_argument("--steps", type=int, help="quarters to simulate (default: run.steps)")
    run.add_argument("--firms", type=int, help="number of synthetic firms (default: run.firms)")
    run.add_argument("--out", type=Path, help="output folder (default: a new folder under results/)")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    _add_set(run)
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check a scenario file and print its resolved parameters")
    val.add_argument("scenario", type=Path)
    _add_set(val)
    val.set_defaults(func=_cmd_validate)

    par = sub.add_parser("params", help="list every parameter with unit, default and basis")
    par.set_defaults(func=_cmd_params)
    from simulation.sweep.cli import add_commands  # sweep, experiment, compare (simulation/sweep/)

    add_commands(sub)
    return p


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set behaviour.logit_scale=0.03 or "
        "--set provinces.Henan.wage_yuan=50000 (repeatable)",
    )


def _load(args: argparse.Namespace) -> scenario_mod.Scenario:
    overrides = dict(scenario_mod.parse_assignment(a) for a in args.assignments)
    for flag, key in (("seed", "run.seed"), ("steps", "run.steps"), ("firms", "run.firms")):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[key] = value
    return scenario_mod.load(args.scenario, overrides or None)


def _cmd_validate(args: argparse.Namespace) -> int:
    sc = _load(args)
    print(f"# {sc.source}: valid. scenario '{sc.name}', hash {sc.hash()[:12]}")
    if sc.description:
        print(f"# {sc.description}")
    for p in parameters.PARAMS:
        value = sc.params[p.key]
        mark = "" if value == p.default else "   # changed from default"
        print(f"{p.key} = {value!r}  [{p.unit}]{mark}")
    for prov, cols in sc.provinces.items():
        for col, value in cols.items():
            print(f"provinces.{prov}.{col} = {value!r}")
    for sector, cols in sc.sectors.items():
        for col, value in cols.items():
            print(f"sectors.{sector}.{col} = {value!r}")
    for s in sc.series:
        pts = ", ".join(f"{t:g}: {v:g}" for t, v in s.points)
        print(f"series {s.variable} @ {s.where}: {pts}")
    if sc.world:
        print(f"world: custom, {len(sc.world['provinces'])} provinces")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from simulation.runner import default_out, run_to_folder  # heavy imports only for runs

    sc = _load(args)
    out = args.out or default_out(sc)
    summary = run_to_folder(sc, out, progress=sys.stderr.isatty(), figures=not args.no_figures)
    _print_summary(summary, out)
    return 0


def _print_summary(s: dict, out: Path) -> None:
    print(
        f"scenario {s['scenario']}  seed {s['seed']}  firms {s['firms']}  "
        f"{s['start_quarter']}..{s['end_quarter']} ({s['steps']} quarters)"
    )
    print(f"{'':28}{'start':>10}{'end':>10}")
    print(
        f"{'inland employment share':28}{s['inland_employment_share_start']:>10.3f}"
        f"{s['inland_employment_share_end']:>10.3f}"
    )
    print(
        f"{'inland output share':28}{s['inland_output_share_start']:>10.3f}"
        f"{s['inland_output_share_end']:>10.3f}"
    )
    for region, start in s["region_employment_share_start"].items():
        end = s["region_employment_share_end"][region]
        print(f"{'  ' + region + ' employment share':28}{start:>10.3f}{end:>10.3f}")
    print(
        f"relocations: {s['relocations_total']} firms, "
        f"{s['relocated_employment_total']:,.0f} jobs (represented)"
    )
    print(f"results: {out}")


def _cmd_params(args: argparse.Namespace) -> int:
    for p in parameters.PARAMS:
        print(f"{p.key} = {p.default!r}  [{p.unit}]  {p.allowed()}\n    {p.doc}\n    basis: {p.basis}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
