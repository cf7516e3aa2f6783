"""Where runs execute, and the one sweep loop that drives every executor.

All back-ends are :class:`concurrent.futures.Executor` objects: this process (``workers=0``), a
local :class:`~concurrent.futures.ProcessPoolExecutor`, or a Dask distributed cluster through
``Client(address).get_executor()``. :func:`execute` keeps a bounded window of runs in flight and
hands each result to a callback as it arrives (the store writes it at once, so an interrupted sweep
loses only the runs in flight).

Dying workers: Dask reschedules the tasks of a dead worker on another one by itself (up to
``distributed.scheduler.allowed-failures``, default 3, then the run is recorded as failed). A local
pool whose worker process dies is broken as a whole (:class:`~concurrent.futures.BrokenExecutor`):
the loop opens a new pool, reruns the runs that could have been running (the first ``workers + 1``
in flight, in submission order) one at a time to find the one that kills its worker, records that
one as failed after ``max_attempts`` deaths, and resubmits the rest. Results are keyed by run id, so
no run is lost or counted twice.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from simulation.sweep.errors import SweepError, require
from simulation.sweep.runs import RunResult, run_one
from simulation.sweep.spec import Task
from simulation.sweep.store import write_parts


@dataclass(frozen=True)
class Backend:
    """An executor factory: ``open()`` gives a context manager yielding a fresh executor."""

    name: str
    workers: int
    window: int  # runs kept in flight
    open: Callable[[], AbstractContextManager[Executor]]
    local: bool = True  # workers see this machine's files: they write their runs' Parquet parts


class SerialExecutor(Executor):
    """Runs each submitted call at once in this process (``--workers 0``): for debugging and as the
    reference the parallel back-ends must match."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """Cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def backend(workers: int | None = None, scheduler: str | None = None) -> Backend:
    """Choose the back-end: Dask if ``scheduler`` (``tcp://HOST:PORT``) is given, else ``workers``
    local processes (default: the cores; 0 = this process)."""
    if scheduler:
        if workers is not None:
            raise SweepError("--workers", str(workers), "give either --workers or --scheduler, not both")
        return _dask_backend(scheduler)
    n = default_workers() if workers is None else workers
    if n < 0:
        raise SweepError("--workers", str(n), "must be >= 0 (0 runs in this process)")
    if n == 0:
        return Backend("serial", 1, 1, lambda: _serial())
    return Backend(f"{n} local processes", n, 2 * n, lambda: _pool(n))


def run_task(scenario: dict, task: Task, parts: dict[str, str] | None = None) -> RunResult:
    """Run ``task`` (with its series and tables); with ``parts`` (folder -> path), write the run's
    Parquet parts here, in the worker, and return the result without them, so that the process
    collecting results only writes records."""
    result = run_one(scenario, task.seed, task.overrides, tag=task.run_id, timeseries=True)
    if parts is None or not result.ok:
        return result
    write_parts(result, task, parts)
    return replace(result, timeseries=None, flows=None, channels=None)


def execute(
    tasks: list[Task],
    scenarios: dict[str, dict],
    be: Backend,
    on_result: Callable[[Task, RunResult], None],
    max_attempts: int = 3,
    parts: Callable[[Task], dict[str, str]] | None = None,
) -> None:
    """Run every task on ``be`` and call ``on_result`` once per task (in completion order).

    ``scenarios`` maps scenario names to the dicts :func:`~simulation.sweep.runs.run_one` takes;
    ``parts`` (on a local back-end) gives the paths where each task's worker writes its Parquet
    parts (:func:`run_task`).
    When a local pool breaks, the runs that could have been running are *suspects*: they are rerun
    one at a time in a fresh pool, so a run that kills its worker is identified exactly; a suspect
    whose worker dies ``max_attempts`` times is recorded as failed.
    """
    queue, suspects = deque(tasks), deque()
    deaths: Counter[str] = Counter()
    killed: Counter[str] = Counter()  # Dask KilledWorker errors per run
    while queue or suspects:
        isolating = bool(suspects)
        with be.open() as ex:
            if isolating:
                lost = _drain(ex, suspects, scenarios, 1, on_result, killed, parts)
            else:
                lost = _drain(ex, queue, scenarios, be.window, on_result, killed, parts)
        if not lost:
            continue
        if not isolating:  # in flight, in submission order: the first workers + 1 may have been running
            suspects.extend(lost[: be.workers + 1])
            queue.extendleft(reversed(lost[be.workers + 1 :]))
            continue
        task = lost[0]
        deaths[task.run_id] += 1
        if deaths[task.run_id] >= max_attempts:
            msg = f"the worker process died {deaths[task.run_id]} times running this run alone"
            on_result(task, RunResult(task.run_id, task.seed, "failed", 0.0, error=msg))
        else:
            suspects.appendleft(task)


def _drain(
    ex: Executor,
    queue: deque[Task],
    scenarios: dict[str, dict],
    window: int,
    on_result: Callable[[Task, RunResult], None],
    killed: Counter[str],
    parts: Callable[[Task], dict[str, str]] | None,
) -> list[Task]:
    """Submit from ``queue`` keeping ``window`` in flight until done; return the tasks in flight if
    the executor breaks."""
    in_flight: dict[Future, Task] = {}
    order: list[Task] = []
    while queue or in_flight:
        broken: set[str] = set()
        while queue and len(in_flight) < window and not broken:
            task = queue[0]
            try:
                fut = ex.submit(run_task, scenarios[task.scenario], task, parts(task) if parts else None)
            except BrokenExecutor:  # broken by a run in flight; this one stays queued
                broken.add("")
                break
            queue.popleft()
            in_flight[fut] = task
            order.append(task)
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED) if in_flight else (set(), set())
        for fut in done:
            task = in_flight.pop(fut)
            try:
                result = fut.result()
            except BrokenExecutor:
                broken.add(task.run_id)
                continue
            except Exception as exc:  # noqa: BLE001 - run_one never raises: this is the executor's error
                result = _executor_failure(task, exc, killed)
                if result is None:
                    queue.appendleft(task)
                    continue
            on_result(task, result)
        if broken:
            lost = broken | {t.run_id for t in in_flight.values()}
            return [t for t in order if t.run_id in lost]
    return []


def _executor_failure(task: Task, exc: Exception, killed: Counter[str]) -> RunResult | None:
    """Dask's ``KilledWorker`` (workers died while the run was on them): resubmit once — Dask also
    blames runs that merely shared a worker with a run that killed it — then record it as failed.
    Any other executor error (the cluster went away) stops the sweep; ``--resume`` continues it."""
    if type(exc).__name__ != "KilledWorker":
        raise SweepError(
            "executor", task.run_id, f"{exc!r}; finished runs are kept, continue with --resume"
        ) from exc
    killed[task.run_id] += 1
    if killed[task.run_id] < 2:
        return None
    return RunResult(
        task.run_id, task.seed, "failed", 0.0, error=f"Dask gave up after workers died running it ({exc!r})"
    )


@contextmanager
def _serial() -> Iterator[Executor]:
    yield SerialExecutor()


@contextmanager
def _pool(n: int) -> Iterator[Executor]:
    # forkserver: no fork of a threaded parent (tqdm, pyarrow); the server preloads the model code
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulation.sweep.runs", "simulation.runner"])
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as ex:
        try:
            yield ex
        except BaseException:
            ex.shutdown(wait=False, cancel_futures=True)
            raise


def _dask_backend(address: str) -> Backend:
    distributed = require("distributed", "dask")
    try:
        with distributed.Client(address, timeout="20s") as client:
            n = max(1, len(client.scheduler_info().get("workers", {})))
    except (OSError, TimeoutError) as exc:
        raise SweepError("--scheduler", address, f"cannot connect to the Dask scheduler ({exc})") from None
    # Dask workers may have no access to the results folder: they send their tables back
    return Backend(f"Dask at {address} ({n} workers)", n, max(64, 4 * n), lambda: _dask(address), local=False)


@contextmanager
def _dask(address: str) -> Iterator[Executor]:
    distributed = require("distributed", "dask")
    with distributed.Client(address, timeout="20s") as client:
        ex = client.get_executor(pure=False)
        try:
            yield ex
        finally:
            ex.shutdown(wait=False)
