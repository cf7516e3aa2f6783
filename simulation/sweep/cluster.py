"""A Dask cluster that the sweep starts and stops itself, through dask-jobqueue (SLURM, PBS).

``ptsim sweep ... --cluster slurm --cluster-jobs 4 --cluster-cores 8 --cluster-memory 16GB`` submits
4 batch jobs of 8 single-threaded Dask workers each, runs the sweep on them, and cancels the jobs
when the sweep ends (also on an error or Ctrl-C); nothing has to be kept running by hand. The kind
``local-jobqueue`` (``dask_jobqueue.local.LocalCluster``) runs the same machinery with the jobs as
local processes: for testing a cluster set-up on one machine.

Each job runs ``cores`` worker processes with one thread each (the model is single-threaded numpy).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from simulation.sweep.errors import SweepError, require
from simulation.sweep.executors import Backend, _dask_backend, backend

#: --cluster kind -> (module, class) of dask-jobqueue
KINDS: dict[str, tuple[str, str]] = {
    "slurm": ("dask_jobqueue", "SLURMCluster"),
    "pbs": ("dask_jobqueue", "PBSCluster"),
    "local-jobqueue": ("dask_jobqueue.local", "LocalCluster"),
}


@dataclass(frozen=True)
class ClusterSpec:
    """A dask-jobqueue cluster: ``jobs`` batch jobs of ``cores`` cores and ``memory`` each."""

    kind: str
    jobs: int = 1
    cores: int = 1
    memory: str = "4GB"  # per job, in dask-jobqueue's notation ("16GB")
    walltime: str | None = None  # "04:00:00"
    queue: str | None = None  # SLURM partition or PBS queue
    account: str | None = None
    directives: tuple[str, ...] = ()  # extra #SBATCH / #PBS lines, e.g. "--constraint=skylake"

    def check(self) -> None:
        """Raise :class:`SweepError` naming the flag for a bad value."""
        if self.kind not in KINDS:
            raise SweepError("--cluster", self.kind, f"unknown kind; allowed: {', '.join(KINDS)}")
        for flag, value in (("--cluster-jobs", self.jobs), ("--cluster-cores", self.cores)):
            if value < 1:
                raise SweepError(flag, str(value), "must be >= 1")
        if not self.memory.strip():
            raise SweepError("--cluster-memory", self.memory, 'give the memory per job, e.g. "16GB"')

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the dask-jobqueue cluster class."""
        out: dict[str, Any] = {
            "cores": self.cores,
            "processes": self.cores,  # one single-threaded worker per core
            "memory": self.memory,
            "scheduler_options": {"dashboard_address": None},  # no web dashboard port to collide
        }
        if self.kind != "local-jobqueue":
            extra = {"walltime": self.walltime, "queue": self.queue, "account": self.account}
            out |= {k: v for k, v in extra.items() if v is not None}
            if self.directives:
                out["job_extra_directives"] = list(self.directives)
        return out

    @property
    def workers(self) -> int:
        return self.jobs * self.cores


@contextmanager
def start(spec: ClusterSpec) -> Iterator[Any]:
    """Start the cluster, submit ``spec.jobs`` jobs, yield it; cancel the jobs and stop it after."""
    spec.check()
    module_name, class_name = KINDS[spec.kind]
    require("dask_jobqueue", "dask")
    cls = getattr(importlib.import_module(module_name), class_name)
    with cls(**spec.kwargs()) as cluster:
        cluster.scale(jobs=spec.jobs)
        yield cluster


@contextmanager
def open_backend(
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    run_timeout: float | None = None,
) -> Iterator[Backend]:
    """The back-end of a sweep: ``cluster`` (started here and stopped when the block ends), a Dask
    ``scheduler`` address, or ``workers`` local processes with ``run_timeout`` (see
    :func:`~simulation.sweep.executors.backend`)."""
    if cluster is None:
        yield backend(workers, scheduler, run_timeout)
        return
    if run_timeout is not None:
        raise SweepError("--run-timeout", str(run_timeout), "applies to local workers only, not --cluster")
    if workers is not None or scheduler is not None:
        raise SweepError("--cluster", cluster.kind, "give one of --workers, --scheduler, --cluster")
    with start(cluster) as running:
        be = _dask_backend(running.scheduler_address)
        n = max(be.workers, cluster.workers)  # jobs still queued count: keep enough runs in flight
        name = f"{cluster.kind} cluster, {cluster.jobs} job(s) x {cluster.cores} worker(s) ({be.name})"
        yield Backend(name, n, max(64, 4 * n), be.open, local=False)
