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

Local workers (:class:`WatchedPool`) die with their driver: each watches the driver's process (a
pidfd on Linux, else polling) and exits at once when it is gone, however it ended (SIGTERM,
SIGKILL, a crash), so no worker goes on running or writing after it. They ignore Ctrl-C: the
driver stops them (:func:`_pool` kills them on any exception, Ctrl-C included, instead of waiting
for the runs in flight). Each reports the run it starts, so that ``run_timeout`` is measured from
the real start: a run past it is recorded as failed with the reason, its worker killed (a frozen
worker cannot stop itself) and the pool replaced; the other runs in flight are resubmitted.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from simulation.sweep.errors import SweepError, require
from simulation.sweep.runs import RunResult, run_one
from simulation.sweep.spec import Task
from simulation.sweep.store import write_parts

#: Exit status of a worker that found its driver gone (seen only by whoever waits for it).
EXIT_DRIVER_GONE = 75
#: Most local worker processes ``--workers`` accepts (more than any machine this runs on has cores).
MAX_WORKERS = 256
#: How often the sweep loop checks run deadlines when a run timeout is set, seconds.
TICK_S = 0.25

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # held back while a worker may be forking

_EVENTS: Any = None  # in a pool worker: the queue on which it reports the run it starts


class ExecutorError(RuntimeError):
    """The executor itself failed (a Dask cluster went away): not bad input, and not a run that
    failed. Finished runs are kept; ``--resume`` continues. ``ptsim`` exits with status 3."""


class RunTimeout(BaseException):
    """Raised in this process (``--workers 0``) when a run passes its time limit. A BaseException,
    so that :func:`~simulation.sweep.runs.run_one` does not record it as an error of the model."""


@dataclass(frozen=True)
class Backend:
    """An executor factory: ``open()`` gives a context manager yielding a fresh executor."""

    name: str
    workers: int
    window: int  # runs kept in flight
    open: Callable[[], AbstractContextManager[Executor]]
    local: bool = True  # workers see this machine's files: they write their runs' Parquet parts
    run_timeout: float | None = None  # seconds a run may take (None: no limit)


class SerialExecutor(Executor):
    """Runs each submitted call at once in this process (``--workers 0``): for debugging and as the
    reference the parallel back-ends must match. With ``timeout`` (seconds) a call is interrupted
    by SIGALRM after that long (:class:`RunTimeout`; in the main thread only)."""

    def __init__(self, timeout: float | None = None):
        self.timeout = timeout

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            with _alarm(self.timeout):
                future.set_result(fn(*args, **kwargs))
        except (KeyboardInterrupt, SystemExit):  # the user's, not the run's: stop the sweep
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


class WatchedPool(ProcessPoolExecutor):
    """A process pool whose workers die with this process, ignore Ctrl-C and report each run they
    start (:meth:`started`), so that the sweep loop can time runs and kill a worker."""

    def __init__(self, workers: int, ctx: Any):
        self.events = ctx.SimpleQueue()
        super().__init__(
            max_workers=workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(os.getpid(), self.events),
        )

    def started(self) -> list[tuple[str, int]]:
        """(run id, worker pid) of each run started since the last call."""
        out = []
        while not self.events.empty():
            out.append(self.events.get())
        return out

    def kill_workers(self) -> None:
        """SIGKILL every worker process (the pool breaks; runs in flight are lost)."""
        for proc in list((getattr(self, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.kill()


def default_workers() -> int:
    """Cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def backend(
    workers: int | None = None, scheduler: str | None = None, run_timeout: float | None = None
) -> Backend:
    """Choose the back-end: Dask if ``scheduler`` (``tcp://HOST:PORT``) is given, else ``workers``
    local processes (default: the cores; 0 = this process). ``run_timeout`` (seconds) limits each
    run on the local back-ends."""
    if run_timeout is not None and not (math.isfinite(run_timeout) and run_timeout > 0):
        raise SweepError("--run-timeout", str(run_timeout), "must be a number of seconds > 0")
    if scheduler:
        if workers is not None:
            raise SweepError("--workers", str(workers), "give either --workers or --scheduler, not both")
        if run_timeout is not None:
            raise SweepError(
                "--run-timeout",
                str(run_timeout),
                "works with local workers only; on a Dask cluster use the cluster's own limits",
            )
        return _dask_backend(scheduler)
    n = default_workers() if workers is None else workers
    if n < 0:
        raise SweepError("--workers", str(n), "must be >= 0 (0 runs in this process)")
    if n > MAX_WORKERS:
        raise SweepError("--workers", str(n), f"at most {MAX_WORKERS} local processes")
    if n == 0:
        return Backend("serial", 1, 1, lambda: _serial(run_timeout), run_timeout=run_timeout)
    return Backend(f"{n} local processes", n, 2 * n, lambda: _pool(n), run_timeout=run_timeout)


def run_task(scenario: dict, task: Task, parts: dict[str, str] | None = None) -> RunResult:
    """Run ``task`` (with its series and tables); with ``parts`` (folder -> path), write the run's
    Parquet parts here, in the worker, and return the result without them, so that the process
    collecting results only writes records."""
    if _EVENTS is not None:
        _EVENTS.put((task.run_id, os.getpid()))
    result = run_one(scenario, task.seed, task.run_overrides, tag=task.run_id, timeseries=True)
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
    whose worker dies ``max_attempts`` times is recorded as failed. A run past ``be.run_timeout``
    is recorded as failed, and the pool replaced; the runs in flight beside it are resubmitted.
    """
    queue, suspects = deque(tasks), deque()
    deaths: Counter[str] = Counter()
    killed: Counter[str] = Counter()  # Dask KilledWorker errors per run
    loop = _Loop(scenarios, on_result, killed, parts, be.run_timeout)
    while queue or suspects:
        isolating = bool(suspects)
        with be.open() as ex:
            lost = loop.drain(ex, suspects, 1) if isolating else loop.drain(ex, queue, be.window)
        loop.discard_timed_out_parts()
        if not lost:
            continue
        if loop.we_killed:  # we know why the pool broke: the others in flight are innocent
            (suspects if isolating else queue).extendleft(reversed(lost))
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


class _Loop:
    """The submit-and-collect loop over one executor (:meth:`drain`), with run deadlines."""

    def __init__(
        self,
        scenarios: dict[str, dict],
        on_result: Callable[[Task, RunResult], None],
        killed: Counter[str],
        parts: Callable[[Task], dict[str, str]] | None,
        timeout: float | None,
    ):
        self.scenarios, self.on_result, self.killed, self.parts = scenarios, on_result, killed, parts
        self.timeout = timeout
        self.we_killed = False  # the last drain killed a worker for a timeout
        self.timed_out: list[Task] = []  # whose parts, if a worker finished writing some, go

    def drain(self, ex: Executor, queue: deque[Task], window: int) -> list[Task]:
        """Submit from ``queue`` keeping ``window`` in flight until done; return the tasks in flight
        if the executor breaks."""
        self.we_killed = False
        in_flight: dict[Future, Task] = {}
        order: list[Task] = []
        started: dict[str, tuple[int, float]] = {}  # run id -> (worker pid, start, monotonic s)
        watched = isinstance(ex, WatchedPool) and self.timeout is not None
        while queue or in_flight:
            broken: set[str] = set()
            while queue and len(in_flight) < window and not broken:
                task = queue[0]
                try:
                    with _deferred_interrupts(isinstance(ex, WatchedPool)):
                        fut = ex.submit(
                            run_task,
                            self.scenarios[task.scenario],
                            task,
                            self.parts(task) if self.parts else None,
                        )
                except BrokenExecutor:  # broken by a run in flight; this one stays queued
                    broken.add("")
                    break
                queue.popleft()
                in_flight[fut] = task
                order.append(task)
            if not in_flight:
                done: set[Future] = set()
            else:
                done, _ = wait(in_flight, timeout=TICK_S if watched else None, return_when=FIRST_COMPLETED)
            for fut in done:
                task = in_flight.pop(fut)
                result = self._result(fut, task, broken, queue)
                if result is not None:
                    self.on_result(task, result)
            if watched:
                self._enforce_deadlines(ex, in_flight, started)
            if broken:
                lost = broken | {t.run_id for t in in_flight.values()}
                return [t for t in order if t.run_id in lost]
        return []

    def _result(self, fut: Future, task: Task, broken: set[str], queue: deque[Task]) -> RunResult | None:
        """The result of a finished future, or None (executor broken: ``broken`` gets the run;
        Dask's first KilledWorker: the task goes back on ``queue``)."""
        try:
            return fut.result()
        except BrokenExecutor:
            broken.add(task.run_id)
            return None
        except RunTimeout:
            self.timed_out.append(task)
            return self._timed_out(task, "it was interrupted")
        except Exception as exc:  # noqa: BLE001 - run_one never raises: this is the executor's error
            result = _executor_failure(task, exc, self.killed)
            if result is None:
                queue.appendleft(task)
            return result

    def _enforce_deadlines(
        self, ex: WatchedPool, in_flight: dict[Future, Task], started: dict[str, tuple[int, float]]
    ) -> None:
        """Note the runs the workers report started; kill the worker of each run past the timeout
        and record that run as failed (its future is dropped: a late result is ignored)."""
        now = time.monotonic()
        for run_id, pid in ex.started():
            started[run_id] = (pid, now)
        for fut, task in list(in_flight.items()):
            if task.run_id not in started or fut.done():
                continue
            pid, t0 = started[task.run_id]
            if now - t0 <= self.timeout:
                continue
            del in_flight[fut]
            _kill(pid)
            self.we_killed = True
            self.timed_out.append(task)
            self.on_result(task, self._timed_out(task, "its worker process was killed and replaced"))

    def _timed_out(self, task: Task, how: str) -> RunResult:
        return RunResult(
            task.run_id,
            task.seed,
            "failed",
            float(self.timeout or 0.0),
            error=f"timed out: the run took longer than --run-timeout {self.timeout:g} s; {how}",
        )

    def discard_timed_out_parts(self) -> None:
        """Remove any Parquet part a timed-out run's worker finished before it was killed (the pool
        is closed: no worker writes any more), so a failed run has no parts."""
        if self.parts is None:
            self.timed_out.clear()
            return
        for task in self.timed_out:
            for path in self.parts(task).values():
                Path(path).unlink(missing_ok=True)
        self.timed_out.clear()


def _executor_failure(task: Task, exc: Exception, killed: Counter[str]) -> RunResult | None:
    """Dask's ``KilledWorker`` (workers died while the run was on them): resubmit once — Dask also
    blames runs that merely shared a worker with a run that killed it — then record it as failed.
    Any other executor error (the cluster went away) stops the sweep; ``--resume`` continues it."""
    if type(exc).__name__ != "KilledWorker":
        raise ExecutorError(
            f"executor failed on run {task.run_id}: {exc!r}; finished runs are kept, continue with --resume"
        ) from exc
    killed[task.run_id] += 1
    if killed[task.run_id] < 2:
        return None
    return RunResult(
        task.run_id, task.seed, "failed", 0.0, error=f"Dask gave up after workers died running it ({exc!r})"
    )


# --- local workers ---------------------------------------------------------------------------------


def _worker_init(driver: int, events: Any) -> None:
    """Set up a pool worker: ignore Ctrl-C (the driver stops the sweep), report starts on
    ``events``, and exit when the driver process ``driver`` is gone."""
    global _EVENTS
    from tqdm import tqdm

    # a thread lock for tqdm's bars (off in workers): its default, a multiprocessing lock, would be
    # reported as leaked by the resource tracker when a worker is killed
    tqdm.set_lock(threading.RLock())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _EVENTS = events
    _die_with(driver)


def _die_with(pid: int) -> None:
    """Exit this process as soon as process ``pid`` ends (a daemon thread waits on it)."""
    try:
        fd: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: poll instead
        fd = None
        if not _alive(pid):
            os._exit(EXIT_DRIVER_GONE)
    threading.Thread(target=_watch, args=(pid, fd), name="ptsim-driver-watch", daemon=True).start()


def _watch(pid: int, fd: int | None) -> None:
    if fd is not None:
        select.select([fd], [], [])  # a pidfd becomes readable when its process exits
    else:
        while _alive(pid):
            time.sleep(0.5)
    os._exit(EXIT_DRIVER_GONE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise :class:`RunTimeout` in this (main) thread after ``seconds``; no-op without a limit or
    off the main thread."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise RunTimeout(f"longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextmanager
def _serial(timeout: float | None = None) -> Iterator[Executor]:
    yield SerialExecutor(timeout)


@contextmanager
def _pool(n: int) -> Iterator[Executor]:
    """A :class:`WatchedPool` of ``n`` workers; on any exception (Ctrl-C included) its workers are
    killed at once rather than waited for."""
    # forkserver: no fork of a threaded parent (tqdm, pyarrow); the server preloads the model code
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulation.sweep.executors", "simulation.sweep.runs", "simulation.runner"])
    _start_helpers()
    ex = WatchedPool(n, ctx)
    try:
        yield ex
    except BaseException:
        with _no_interrupts():
            ex.kill_workers()
            ex.shutdown(wait=True, cancel_futures=True)
        raise
    ex.shutdown(wait=True)


def _start_helpers() -> None:
    """Start the forkserver (and multiprocessing's resource tracker) ignoring SIGINT: an ignored
    signal stays ignored across exec, and Python then installs no Ctrl-C handler, so a Ctrl-C that
    reaches the whole process group while they import the model cannot end them with a traceback;
    the workers forked from the server inherit it. SIGINT is also blocked meanwhile, so that a
    Ctrl-C in that moment still reaches this process (when unblocked) instead of being lost."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextmanager
def _deferred_interrupts(active: bool = True) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while the block runs (main thread only), then deliver them.
    Around a pool's ``submit``, which may fork a worker: interrupted between the fork and the pool's
    note of the new process, the driver would not kill that worker, and it would fail loudly."""
    if not active or threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, frame: held.append(signum)) for sig in HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(held):
            signal.raise_signal(sig)  # to the handler now in place: KeyboardInterrupt for Ctrl-C


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Ignore a second Ctrl-C or SIGTERM while the workers are being stopped (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


# --- Dask ------------------------------------------------------------------------------------------


def _dask_backend(address: str) -> Backend:
    distributed = require("distributed", "dask")
    try:
        with distributed.Client(address, timeout="20s") as client:
            n = max(1, len(client.scheduler_info().get("workers", {})))
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SweepError(
            "--scheduler", address, f"cannot connect to a Dask scheduler, expected tcp://HOST:PORT ({exc})"
        ) from None
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
