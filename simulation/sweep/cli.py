"""The ``ptsim sweep``, ``ptsim experiment`` and ``ptsim compare`` commands.

:func:`add_commands` registers them on the ``ptsim`` parser; bad input raises
:class:`~simulation.sweep.errors.SweepError` (a ``ScenarioError``), which ``ptsim`` reports with exit
status 2. A sweep in which some runs failed exits with status 1; one whose executor failed (a Dask
cluster went away) with 3; Ctrl-C ends it with 130 and SIGTERM with 143, keeping every finished run.
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from simulation import scenario as scenario_mod
from simulation.io import check_input_file, read_json, read_parquet
from simulation.sweep.errors import MAX_DESIGN_N, MAX_LEVELS, MAX_SEEDS, SweepError, check_count
from simulation.sweep.names import METHODS

#: Exit statuses of a sweep (as :mod:`simulation.cli`): some runs failed, the executor failed,
#: stopped by Ctrl-C, stopped by SIGTERM.
EXIT_RUNS_FAILED, EXIT_CRASHED, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 3, 130, 143

# pandas, scipy (effects) and the design samplers load when a command runs, not when ``ptsim``
# builds its parser: ``ptsim --help`` stays fast.
if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

    from simulation.sweep.spec import SweepSpec


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep``, ``experiment`` and ``compare`` to the ``ptsim`` subcommands."""
    sw = sub.add_parser(
        "sweep",
        help="run scenarios x design points x seeds; results in --out",
        description="Run scenarios over a grid (--vary) or a sample (--sample, --range) with K seeds each "
        "(the same seeds for every scenario). Writes summary.parquet/.csv, per-run Parquet parts and a "
        "manifest to --out; --resume continues an interrupted sweep.",
    )
    sw.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO", help="scenario files (TOML)")
    sw.add_argument(
        "--vary", action="append", default=[], metavar="KEY=V1,V2,...", help="grid factor (repeatable)"
    )
    sw.add_argument("--sample", choices=METHODS[1:], help="sampler over the --range factors")
    sw.add_argument(
        "--n", type=int, help="sample size (points; trajectories for morris; base N for saltelli)"
    )
    sw.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="KEY=LO:HI",
        help="sampled factor; a bare KEY samples its plausible range (docs/parameters.md)",
    )
    sw.add_argument("--design-seed", type=int, default=0, help="seed of the sampler (default 0)")
    sw.add_argument(
        "--levels", type=int, help=f"grid levels of the morris design (2..{MAX_LEVELS}, default 4)"
    )
    sw.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="K",
        help=f"replications per point (default 1, at most {MAX_SEEDS:,})",
    )
    sw.add_argument("--seed", type=int, help="master seed (default: run.seed of the first scenario)")
    sw.add_argument(
        "--outcome", action="append", default=[], help="outcome for effects/sensitivity (repeatable)"
    )
    sw.add_argument("--name", help="experiment name in the manifest (default: the --out folder name)")
    sw.add_argument("--out", type=Path, required=True, help="results folder (new or empty, or --resume)")
    _common(sw)
    sw.set_defaults(func=cmd_sweep)

    ex = sub.add_parser(
        "experiment",
        help="run a canonical experiment (experiments/<name>/experiment.toml)",
        description="Run an experiment folder at full size, or tiny with --small "
        "(or --seeds/--n/--steps/--firms).",
    )
    ex.add_argument("path", type=Path, help="experiment folder or its experiment.toml")
    ex.add_argument("--small", action="store_true", help="use the experiment's [small] sizes")
    ex.add_argument("--seeds", type=int, help="replications per point")
    ex.add_argument("--n", type=int, help="design size")
    ex.add_argument("--out", type=Path, help="results folder (default results/<name>[-small])")
    _common(ex, sets=False)
    ex.set_defaults(func=cmd_experiment)

    cp = sub.add_parser(
        "compare",
        help="effects of each scenario against the baseline (paired over seeds, 95%% CI)",
        description="Mean paired difference over seeds of each scenario against the baseline, with a "
        "t-interval. Prints the tables; the sweep's own effects.csv is never changed (--write saves "
        "these as compare_effects.csv/.parquet, compare_cost_effectiveness.csv/.parquet and "
        "compare_net_fiscal_cost.csv/.parquet).",
    )
    cp.add_argument("results", type=Path, help="a sweep's results folder")
    cp.add_argument("--baseline", help="baseline scenario (default: 'baseline' or the first scenario)")
    cp.add_argument(
        "--outcome",
        action="append",
        default=[],
        help="outcome (repeatable): a numeric column of summary.parquet (inland_employment_share_end), "
        "or a column of a long table at one key: sector_inland_share_end[sector=electronics], "
        "employment_share_end[region=west], fiscal_cost_yuan[lever=special_funds], "
        "inland_lever_effect_mean[channel=labour], advantage_change[province=Henan,channel=land], "
        "lever_effect_alone[lever=time_of_use,channel=electricity], model[entry=processing_exports_yuan] "
        "(docs/outputs.md)",
    )
    cp.add_argument(
        "--write",
        action="store_true",
        help="save the tables as compare_effects.*, compare_cost_effectiveness.* and "
        "compare_net_fiscal_cost.* (replacing an "
        "earlier compare's; the sweep's effects.csv is left alone)",
    )
    cp.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    cp.set_defaults(func=cmd_compare)


def _common(p: argparse.ArgumentParser, sets: bool = True) -> None:
    p.add_argument("--steps", type=int, help="run.steps for every scenario")
    p.add_argument("--firms", type=int, help="run.firms for every scenario")
    if sets:
        p.add_argument(
            "--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
            help="fixed override for every run (repeatable)",
        )  # fmt: skip
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, help="local worker processes (default: the cores; 0 = in this process)"
    )
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler")
    where.add_argument(
        "--cluster", choices=("slurm", "pbs", "local-jobqueue"),
        help="start a dask-jobqueue cluster for this sweep and stop it after (docs/sweeps.md §4)",
    )  # fmt: skip
    jq = p.add_argument_group("--cluster options (dask-jobqueue)")
    jq.add_argument("--cluster-jobs", type=int, default=1, metavar="N", help="batch jobs (default 1)")
    jq.add_argument(
        "--cluster-cores", type=int, default=1, metavar="N", help="cores = workers per job (default 1)"
    )
    jq.add_argument("--cluster-memory", default="4GB", metavar="MEM", help="memory per job (default 4GB)")
    jq.add_argument("--cluster-walltime", metavar="HH:MM:SS", help="wall time per job")
    jq.add_argument("--cluster-queue", metavar="NAME", help="SLURM partition or PBS queue")
    jq.add_argument("--cluster-account", metavar="NAME", help="account charged for the jobs")
    jq.add_argument(
        "--cluster-directive", action="append", default=[], metavar="TEXT",
        help="extra #SBATCH/#PBS directive, e.g. --cluster-directive=--constraint=skylake (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--run-timeout",
        type=float,
        metavar="SECONDS",
        help="a run taking longer is recorded as failed and its worker replaced (local workers only)",
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in its folder")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: run the failed runs again")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def cmd_sweep(args: argparse.Namespace) -> int:
    """``ptsim sweep``."""
    from simulation.sweep import design as design_mod
    from simulation.sweep.spec import SweepSpec, check_factors, load_scenarios

    _check_sizes(args)
    for path in args.scenarios:
        check_input_file(path)
    fixed = dict(scenario_mod.parse_assignment(a) for a in args.assignments)
    fixed |= {k: v for k, v in (("run.steps", args.steps), ("run.firms", args.firms)) if v is not None}
    scenarios = load_scenarios(args.scenarios, fixed, "--set/--steps/--firms")
    vary = [design_mod.parse_vary(v) for v in args.vary]
    ranges = [design_mod.parse_range(r) for r in args.ranges]
    check_factors(scenarios, vary, "--vary")
    check_factors(scenarios, ranges, "--range")
    options = {"levels": args.levels} if args.levels else {}
    design = design_mod.build(vary, ranges, args.sample, args.n, args.design_seed, **options)
    first = next(iter(scenarios.values()))
    spec = SweepSpec(
        name=args.name or args.out.name,
        scenarios=scenarios,
        design=design,
        seeds=args.seeds,
        master_seed=first.params["run.seed"] if args.seed is None else args.seed,
        fixed=fixed,
        outcomes=tuple(args.outcome),
    )
    return _run(spec, args.out, args)


def cmd_experiment(args: argparse.Namespace) -> int:
    """``ptsim experiment``."""
    from simulation.runner import check_folder_name
    from simulation.sweep import experiment as experiment_mod

    _check_sizes(args)
    sizes = experiment_mod.Sizes(args.small, args.seeds, args.n, args.steps, args.firms)
    spec = experiment_mod.load(args.path, sizes)
    if args.out is None:  # the name becomes results/<name>: never a path outside results/
        check_folder_name(spec.name, str(experiment_mod.experiment_file(args.path)), "experiment.name")
    return _run(spec, args.out or experiment_mod.default_out(spec, args.small), args)


def _check_sizes(args: argparse.Namespace) -> None:
    """``--seeds``, ``--n`` and ``--levels`` within their stated bounds (:mod:`~simulation.sweep.errors`)."""
    if args.seeds is not None:
        check_count("--seeds", "seeds", args.seeds, MAX_SEEDS)
    if args.n is not None:
        check_count("--n", "n", args.n, MAX_DESIGN_N)
    if getattr(args, "levels", None) is not None:
        check_count("--levels", "levels", args.levels, MAX_LEVELS, minimum=2)


def cmd_compare(args: argparse.Namespace) -> int:
    """``ptsim compare``: print the effects (and cost-effectiveness); write them only with ``--write``,
    and never over the sweep's own ``effects.csv``."""
    from simulation.io import write_csv, write_parquet
    from simulation.sweep import effects as effects_mod

    table = _read_summary(args.results)
    manifest = Path(args.results) / "manifest.json"
    if manifest.is_file() and read_json(manifest).get("state") == "running":
        raise SweepError(
            str(manifest), "state", "the sweep is running or was interrupted: finish it with --resume first"
        )
    scenarios = _scenario_order(args.results, table)
    baseline = args.baseline or effects_mod.default_baseline(scenarios)
    if not 0 < args.confidence < 1:
        raise SweepError("--confidence", str(args.confidence), "must be between 0 and 1, e.g. 0.95")
    table = effects_mod.with_selected(table, args.results, args.outcome)
    outcomes = effects_mod.choose_outcomes(table, args.outcome or None, root=args.results)
    design = _read_design(args.results)
    eff = effects_mod.paired_effects(table, baseline, outcomes, args.confidence)
    ce = effects_mod.cost_effectiveness(table, baseline, args.confidence)
    net = effects_mod.net_fiscal_cost(table, baseline, args.confidence)
    print(effects_mod.format_effects(eff, args.confidence, design))
    if not ce.empty:
        print(effects_mod.format_cost_effectiveness(ce, args.confidence, design))
    if not net.empty:
        print(effects_mod.format_net_fiscal_cost(net, args.confidence))
    written = {"compare_effects": eff} | ({"compare_cost_effectiveness": ce} if not ce.empty else {})
    written |= {"compare_net_fiscal_cost": net} if not net.empty else {}
    if not args.write:
        print(f"not saved (the sweep's effects.csv is unchanged); --write saves {', '.join(written)} (.csv)")
        return 0
    for stem, frame in written.items():
        replaced = (args.results / f"{stem}.csv").exists()
        write_parquet(args.results / f"{stem}.parquet", frame)
        write_csv(args.results / f"{stem}.csv", frame)
        print(f"{'replaced' if replaced else 'wrote'} {args.results / stem}.csv and .parquet")
    return 0


def _read_design(folder: Path) -> pd.DataFrame | None:
    import pandas as pd

    path = Path(folder) / "design.csv"
    return pd.read_csv(path) if path.is_file() else None


def _run(spec: SweepSpec, out: Path, args: argparse.Namespace) -> int:
    from simulation.sweep.cluster import ClusterSpec, open_backend

    cluster = None
    if args.cluster:
        cluster = ClusterSpec(
            args.cluster, args.cluster_jobs, args.cluster_cores, args.cluster_memory, args.cluster_walltime,
            args.cluster_queue, args.cluster_account, tuple(args.cluster_directive),
        )  # fmt: skip
    with open_backend(args.workers, args.scheduler, cluster, args.run_timeout) as be:
        return _run_on(spec, out, args, be)


def _run_on(spec: SweepSpec, out: Path, args: argparse.Namespace, be) -> int:
    import pandas as pd

    from simulation.sweep import effects as effects_mod
    from simulation.sweep.engine import run_sweep
    from simulation.sweep.executors import ExecutorError

    n_runs = len(spec.scenarios) * len(spec.design.points) * spec.seeds
    print(
        f"sweep {spec.name}: {len(spec.scenarios)} scenario(s) x {len(spec.design.points)} point(s) x "
        f"{spec.seeds} seed(s) = {n_runs} runs on {be.name} -> {out}",
        file=sys.stderr,
    )
    if args.retry_failed and not args.resume:
        raise SweepError("--retry-failed", "-", "only with --resume")
    progress = False if args.no_progress else None
    try:
        with _terminate_as_interrupt():
            result = run_sweep(spec, out, be, args.resume, progress, args.retry_failed)
    except KeyboardInterrupt as stop:
        print(
            f"\nptsim: {'terminated' if isinstance(stop, Terminated) else 'interrupted'}; finished runs "
            f"are kept in {out}: continue with --resume",
            file=sys.stderr,
        )
        return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    except ExecutorError as exc:
        print(f"ptsim: sweep stopped: {exc}", file=sys.stderr)
        return EXIT_CRASHED
    ok = len(result.summary) - result.failed
    print(f"runs: {ok} ok, {result.failed} failed; summary: {out / 'summary.parquet'} and summary.csv")
    design = spec.design.table()
    if result.effects is not None:
        print(effects_mod.format_effects(result.effects, design=design))
    if result.cost_effectiveness is not None:
        print(effects_mod.format_cost_effectiveness(result.cost_effectiveness, design=design))
    if result.net_fiscal_cost is not None:
        print(effects_mod.format_net_fiscal_cost(result.net_fiscal_cost))
    if result.sensitivity is not None:
        print(f"sensitivity indices ({spec.design.method}): {out / 'sensitivity.csv'}")
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(result.sensitivity.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.failed:
        print(f"ptsim: {result.failed} run(s) failed; see the 'error' column of summary.csv", file=sys.stderr)
    return EXIT_RUNS_FAILED if result.failed else 0


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: stop the workers, keep the finished runs."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only)."""

    def stop(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        old = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave SIGTERM as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _read_summary(folder: Path) -> pd.DataFrame:
    """A finished sweep's summary table, checked: readable, the run columns present, one row per
    run."""
    from simulation.sweep.effects import check_unique_runs

    path = Path(folder) / "summary.parquet"
    if not path.is_file():
        raise SweepError(str(folder), "summary.parquet", "not found: give a finished sweep's results folder")
    table = read_parquet(path, "rebuild it with the sweep's command and --resume")
    missing = [c for c in ("run_id", "scenario", "point", "seed_index", "seed", "status") if c not in table]
    if missing:
        raise SweepError(str(path), missing[0], "missing column: not a sweep's summary table")
    return check_unique_runs(table, path)


def _scenario_order(folder: Path, table: pd.DataFrame) -> list[str]:
    """Scenarios in the order of the sweep's manifest (else of the table)."""
    manifest = Path(folder) / "manifest.json"
    if manifest.is_file():
        names = read_json(manifest).get("scenario_order", [])
        if isinstance(names, list) and names:
            return [str(n) for n in names]
    return list(dict.fromkeys(table["scenario"]))
