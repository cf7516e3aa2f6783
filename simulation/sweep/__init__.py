"""Scenario sweeps: designs, seeds, executors (local processes, Dask), the result store, effects.

The unit of work is :func:`simulation.sweep.runs.run_one` (a scenario, a seed and overrides in; a
:class:`~simulation.sweep.runs.RunResult` out). See ``simulation/sweep/README.md`` and
``docs/sweeps.md``.

Python API (``docs/sweeps.md`` §9)::

    from simulation.sweep import make_spec, run_sweep
    spec = make_spec(["scenarios/baseline.toml"], ranges={"agglomeration.gamma": None},
                     sample="lhs", n=16, seeds=4)
    result = run_sweep(spec, "results/api", workers=2)        # or client=Client(...), cluster=...
    result.summary                                              # one row per run (pandas)

``run_sweep`` also takes an experiment folder or ``experiment.toml`` instead of a spec.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.sweep.errors import SweepError

if TYPE_CHECKING:
    from simulation.sweep.cluster import ClusterSpec
    from simulation.sweep.engine import SweepOutcome
    from simulation.sweep.executors import Backend
    from simulation.sweep.spec import SweepSpec

__all__ = ["RunResult", "SweepError", "make_spec", "run_one", "run_sweep"]


def __getattr__(name: str) -> Any:
    """``run_one`` and ``RunResult`` from :mod:`simulation.sweep.runs`, imported on first use (it
    loads pandas) so that ``ptsim`` can register the sweep commands cheaply."""
    if name in ("RunResult", "run_one"):
        from simulation.sweep import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_spec(
    scenarios: Sequence[str | Path],
    *,
    vary: Mapping[str, Sequence[Any]] | None = None,
    ranges: Mapping[str, tuple[float, float] | None] | None = None,
    sample: str | None = None,
    n: int | None = None,
    design_seed: int = 0,
    levels: int | None = None,
    seeds: int = 1,
    master_seed: int | None = None,
    fixed: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] = (),
    name: str = "sweep",
) -> SweepSpec:
    """A validated sweep, as ``ptsim sweep`` builds it from its flags: ``scenarios`` (files),
    ``vary`` (grid levels per key), ``ranges`` (``(low, high)`` per key, None for the plausible
    range) sampled by ``sample`` (lhs, sobol, morris, saltelli) with ``n`` points, ``seeds``
    replications from ``master_seed`` (default ``run.seed`` of the first scenario), ``fixed``
    overrides for every run. Bad input raises :class:`SweepError` naming the key."""
    from simulation.sweep import design as design_mod
    from simulation.sweep.spec import SweepSpec, check_factors, load_scenarios

    fixed = dict(fixed or {})
    loaded = load_scenarios([Path(p) for p in scenarios], fixed, "fixed")
    grid = [design_mod.Factor(k, levels=tuple(v)) for k, v in (vary or {}).items()]
    sampled = [
        design_mod.make_range(k, *(b if b is not None else design_mod.plausible_range(k, "ranges")), "ranges")
        for k, b in (ranges or {}).items()
    ]
    check_factors(loaded, grid, "vary")
    check_factors(loaded, sampled, "ranges")
    options = {"levels": levels} if levels else {}
    design = design_mod.build(grid, sampled, sample, n, design_seed, **options)
    first = next(iter(loaded.values()))
    return SweepSpec(
        name=name,
        scenarios=loaded,
        design=design,
        seeds=seeds,
        master_seed=int(first.params["run.seed"] if master_seed is None else master_seed),
        fixed=fixed,
        outcomes=tuple(outcomes),
    )


def run_sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    cluster: ClusterSpec | Any = None,
    executor: Executor | None = None,
    small: bool = False,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool | None = False,
) -> SweepOutcome:
    """Run a sweep and write its results folder ``out``; return its tables (summary, effects,
    sensitivity) as :class:`~simulation.sweep.engine.SweepOutcome`.

    ``spec``: a :class:`~simulation.sweep.spec.SweepSpec` (:func:`make_spec`) or an experiment folder
    or file (``small`` for its ``[small]`` sizes; ``out`` defaults to ``results/<name>``). Where the
    runs go, at most one of: ``workers`` local processes (default: the cores; 0 = this process), a
    Dask ``scheduler`` address, a Dask ``client`` (``distributed.Client``), a ``cluster`` (a
    :class:`~simulation.sweep.cluster.ClusterSpec` started and stopped here, or a running Dask
    cluster such as ``distributed.LocalCluster`` or a dask-jobqueue cluster), or any
    ``concurrent.futures`` ``executor`` (not shut down here; a broken one is not replaced).
    """
    from simulation.sweep import engine
    from simulation.sweep import experiment as experiment_mod

    if not hasattr(spec, "tasks"):
        spec = experiment_mod.load(Path(spec), experiment_mod.Sizes(small=small))
        out = out if out is not None else experiment_mod.default_out(spec, small)
    if out is None:
        raise SweepError("run_sweep", "out", "give the results folder")
    chosen = [k for k, v in (("workers", workers), ("scheduler", scheduler), ("client", client),
                             ("cluster", cluster), ("executor", executor)) if v is not None]  # fmt: skip
    if len(chosen) > 1:
        raise SweepError("run_sweep", ", ".join(chosen), "give at most one place for the runs")
    with _backend(workers, scheduler, client, cluster, executor) as be:
        return engine.run_sweep(spec, Path(out), be, resume, progress, retry_failed)


@contextmanager
def _backend(workers, scheduler, client, cluster, executor) -> Iterator[Backend]:
    from simulation.sweep.cluster import ClusterSpec, open_backend
    from simulation.sweep.executors import Backend, _dask_backend

    if executor is not None:
        n = int(getattr(executor, "_max_workers", 1) or 1)  # the pools of concurrent.futures know theirs
        yield Backend(type(executor).__name__, n, 2 * n, lambda: _borrowed(executor), local=False)
    elif client is not None:
        yield _dask_backend(client.scheduler.address)
    elif cluster is not None and not isinstance(cluster, ClusterSpec):
        yield _dask_backend(cluster.scheduler_address)
    else:
        with open_backend(workers, scheduler, cluster) as be:
            yield be


@contextmanager
def _borrowed(executor: Executor) -> Iterator[Executor]:
    yield executor  # the caller's: not shut down here
