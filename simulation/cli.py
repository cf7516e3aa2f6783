"""The ``ptsim`` command (also ``python -m simulation``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from simulation import parameters
from simulation import scenario as scenario_mod
from simulation.io import ResultFileError, check_input_file
from simulation.tables import DataError

#: Exit statuses (README "Exit statuses"): 1 = a sweep finished but some runs failed, 2 = bad input
#: (file, flag, folder), 3 = ptsim crashed (a bug or a lost cluster: the message says which).
EXIT_RUNS_FAILED, EXIT_BAD_INPUT, EXIT_CRASHED = 1, 2, 3
#: Stopped by Ctrl-C (SIGINT) or SIGTERM: what a shell reports for a program killed by the signal.
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM
#: Exit status when the reader of stdout went away (``ptsim params | head``): what a shell reports
#: for a program killed by SIGPIPE, 128 + 13.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 some runs of a sweep failed, 2 bad input, 3
    crashed, 130 interrupted, 141 stdout closed by its reader)."""
    try:
        try:
            return _dispatch(argv)
        finally:
            # flush here, not at interpreter exit, so a closed pipe surfaces as BrokenPipeError below
            # (also after --help, which exits through SystemExit)
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except Exception:  # noqa: BLE001 - a bug: its own status, so scripts tell it from failed runs
        traceback.print_exc()
        print("ptsim: crashed (the traceback above is a bug in ptsim: please report it)", file=sys.stderr)
        return EXIT_CRASHED


def _dispatch(argv: list[str] | None) -> int:
    """Parse ``argv`` and run its command; bad input is reported in one line, status 2; Ctrl-C
    ends it with status 130 and one line, no traceback."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (scenario_mod.ScenarioError, DataError, ResultFileError) as exc:
        print(f"ptsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nptsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _discard_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered for the closed pipe would otherwise fail
    again at interpreter exit ("Exception ignored ... BrokenPipeError")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # a replaced stdout (tests, notebooks) has no fd
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


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
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out folder (refused without it); the old folder is removed only "
        "once the new one is complete",
    )
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    _add_set(run)
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check a scenario file and print its resolved parameters")
    val.add_argument("scenario", type=Path)
    _add_set(val)
    val.set_defaults(func=_cmd_validate)

    par = sub.add_parser("params", help="list every parameter with unit, default and basis")
    par.set_defaults(func=_cmd_params)

    lev = sub.add_parser("levers", help="the policy levers: measure, mechanism, parameters, sources")
    lev.add_argument("name", nargs="?", help="one lever in full (default: the table of all)")
    lev.add_argument("--markdown", action="store_true", help="print docs/levers.md")
    lev.set_defaults(func=_cmd_levers)

    from simulation.dashboard.cli import add_commands as add_dashboard_commands  # classroom dashboard
    from simulation.estimation.cli import add_commands as add_estimate_commands  # estimate
    from simulation.plots.cli import add_commands as add_plot_commands  # plot, report
    from simulation.sweep.cli import add_commands as add_sweep_commands  # sweep, experiment, compare

    add_dashboard_commands(sub)
    add_sweep_commands(sub)
    add_estimate_commands(sub)
    add_plot_commands(sub)
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
    """The scenario file with its ``--set`` overrides, then ``--seed``, ``--steps`` and ``--firms``
    (each error names the option that set the value)."""
    check_input_file(args.scenario)  # not a device, pipe or huge file
    overrides = dict(scenario_mod.parse_assignment(a) for a in args.assignments)
    sc = scenario_mod.load(args.scenario, overrides or None)
    for flag, key in (("seed", "run.seed"), ("steps", "run.steps"), ("firms", "run.firms")):
        value = getattr(args, flag, None)
        if value is not None:
            sc = sc.with_overrides({key: value}, f"--{flag}")
    return sc


def _cmd_validate(args: argparse.Namespace) -> int:
    sc = _load(args)
    print(f"# {sc.source}: valid. scenario '{sc.name}', hash {sc.hash()[:12]}")
    if sc.description:
        print(f"# {sc.description}")
    for p in parameters.PARAMS + _enabled_lever_params(sc):
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
    for f in sc.freight_series:
        pts = ", ".join(f"{t:g}: {v:g}" for t, v in f.points)
        print(f"freight_series {f.label()}: {pts}")
    if sc.world:
        print(f"world: custom, {len(sc.world['provinces'])} provinces")
    return 0


def _enabled_lever_params(sc: scenario_mod.Scenario) -> tuple[parameters.Param, ...]:
    from simulation import levers

    return tuple(p for name in levers.enabled(sc.params) for p in levers.params(levers.BY_NAME[name]))


def _cmd_levers(args: argparse.Namespace) -> int:
    from simulation import docs, levers

    if args.markdown:
        print(docs.render_levers(), end="")
        return 0
    if args.name is None:
        print(f"{'measure':8}{'lever':22}{'what it is'}")
        for lv in levers.LEVERS:
            print(f"{lv.measure:8}{lv.name:22}{lv.title_en}\n{'':30}{lv.title_zh}")
        print("\n`ptsim levers NAME` shows one lever in full; docs/levers.md has them all.")
        return 0
    lever = levers.BY_NAME.get(args.name)
    if lever is None:
        raise scenario_mod.ScenarioError(
            "ptsim levers", args.name, f"unknown lever; allowed: {', '.join(levers.BY_NAME)}"
        )
    print(f"{lever.measure} {lever.name}: {lever.title_en}\n{lever.title_zh}\n")
    print(f"mechanism: {lever.mechanism}\nfiscal cost: {lever.fiscal}\nsources: {lever.sources}\n")
    for p in levers.params(lever):
        print(f"{p.key} = {p.default!r}  [{p.unit}]  {p.allowed()}\n    {p.doc}\n    basis: {p.basis}")
        if p.plausible is not None:  # what sweeps sample for a range given without bounds
            print(f"    plausible: [{p.plausible[0]:g}, {p.plausible[1]:g}]: {p.plausible_basis}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from simulation.runner import NonFiniteOutputError, default_out, run_to_folder  # heavy: runs only

    sc = _load(args)
    out = args.out or default_out(sc)
    figures = None if args.no_figures else _run_figures
    try:
        summary = run_to_folder(
            sc, out, progress=sys.stderr.isatty(), figures=figures, overwrite=args.overwrite
        )
    except NonFiniteOutputError as exc:
        print(f"ptsim: error: {exc}", file=sys.stderr)
        return 1
    _print_summary(summary, out)
    return 0


def _run_figures(ts: Any, folder: Path) -> None:
    """The run folder's PNG figures; matplotlib is imported only when a run wants them."""
    from simulation.plots import run_figures

    run_figures(ts, folder)


def _print_summary(s: dict, out: Path) -> None:
    print(
        f"scenario {s['scenario']}  seed {s['seed']}  synthetic firms {s['run_firms']}  "
        f"{s['start_quarter']}..{s['end_quarter']} ({s['steps']} quarters)"
    )
    print(f"{'share (start, end in %; change in pp)':38}{'start, %':>10}{'end, %':>10}{'change, pp':>12}")
    rows = [
        ("inland employment", s["inland_employment_share_start"], s["inland_employment_share_end"]),
        ("inland output", s["inland_output_share_start"], s["inland_output_share_end"]),
    ]
    rows += [
        (f"  {region} employment", start, s["region_employment_share_end"][region])
        for region, start in s["region_employment_share_start"].items()
    ]
    for label, start, end in rows:
        print(f"{label:38}{100 * start:>10.2f}{100 * end:>10.2f}{100 * (end - start):>12.2f}")
    print(
        f"relocations: {s['relocations_total']} firms, "
        f"{s['relocated_employment_total']:,.0f} jobs (represented), "
        f"{s['relocated_jobs_to_inland']:,.0f} of them from the east to inland provinces"
    )
    _print_accounts(s)
    print(f"results: {out}")


def _print_accounts(s: dict) -> None:
    """The run's own totals (10^8 yuan over the run): what it spent, produced and collected. A lever's
    effect (jobs moved inland per 10^8 yuan, net fiscal cost, value added) needs the baseline with the
    same seeds, so it is never printed here."""
    if s["levers"]:
        print(f"levers: {', '.join(s['levers'])}")
        for name, yuan in s["fiscal_cost_yuan"].items():
            print(f"  gross fiscal cost {name:22}{yuan / 1e8:>14,.1f} x 100 million yuan")
        print(f"  total {s['fiscal_cost_yuan_total'] / 1e8:,.1f} x 100 million yuan (gross, undiscounted)")
    if s["bond_issued_yuan_total"]:
        print(
            f"special bonds: issued {s['bond_issued_yuan_total'] / 1e8:,.1f}, coupons "
            f"{s['bond_interest_yuan_total'] / 1e8:,.1f}, repaid {s['bond_repaid_yuan_total'] / 1e8:,.1f}, "
            f"outstanding at the end {s['bond_outstanding_yuan_end'] / 1e8:,.1f}, project revenue "
            f"{s['bond_revenue_yuan_total'] / 1e8:,.1f} x 100 million yuan"
        )
    print(
        f"accounts over the run: value added {s['value_added_yuan_total'] / 1e8:,.0f}, taxes "
        f"{(s['cit_yuan_total'] + s['indirect_tax_yuan_total']) / 1e8:,.0f}, welfare "
        f"{s['welfare_national_yuan_total'] / 1e8:,.0f} x 100 million yuan"
    )
    print(
        "lever effects (jobs moved inland per 100 million yuan, net fiscal cost, value added) are paired "
        "differences against the baseline: run the scenario and the baseline with the same seeds in a "
        "sweep and use `ptsim compare`"
    )


def _cmd_params(args: argparse.Namespace) -> int:
    for p in parameters.PARAMS:
        print(f"{p.key} = {p.default!r}  [{p.unit}]  {p.allowed()}\n    {p.doc}\n    basis: {p.basis}")
        if p.plausible is not None:  # what sweeps sample for a range given without bounds
            print(f"    plausible: [{p.plausible[0]:g}, {p.plausible[1]:g}]: {p.plausible_basis}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
