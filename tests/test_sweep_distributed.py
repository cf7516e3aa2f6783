"""Sweeps across processes: serial = local processes = a real Dask cluster; dying workers; SIGKILL and
--resume. The Dask cluster is a scheduler and a worker started as separate processes on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from test_sweep import ALT, TINY

from simulation import cli
from simulation.sweep import runs

# slow lane: local clusters, killed workers and resumes take 25 s together
pytestmark = pytest.mark.slow

DASK_CRASH_RUN = "crash-p00000-s0001"  # kills its Dask worker on the first attempt
DASK_KILLER_RUN = "killer-p00000-s0000"  # kills every Dask worker that runs it


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "baseline.toml").write_text(TINY)
    (folder / "alt.toml").write_text(ALT)
    for name in ("crash", "killer"):
        (folder / f"{name}.toml").write_text(TINY.replace('name = "baseline"', f'name = "{name}"'))
    return SimpleNamespace(**{n: folder / f"{n}.toml" for n in ("baseline", "alt", "crash", "killer")})


def _stop(proc: subprocess.Popen) -> None:
    """End a process group this test started (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` on 127.0.0.1 (free port) and ``dask worker --nworkers 2`` as subprocesses."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    marker = folder / "crashed"
    env = {
        **os.environ,
        runs.FAULT_ENV: f"{DASK_CRASH_RUN}=exit-once:{marker};{DASK_KILLER_RUN}=exit",
        # one task per worker thread at a time (docs/sweeps.md): a dying worker takes no queued runs along
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    dask = [sys.executable, "-m", "dask"]
    sched_file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "w")  # noqa: SIM115 - closed at teardown
    popen = dict(cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    scheduler = subprocess.Popen(
        [
            *dask,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            sched_file,
        ],
        **popen,
    )
    procs = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline and scheduler.poll() is None:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(folder / "work"),
                ],
                **popen,
            )  # fmt: skip
        )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield SimpleNamespace(address=address, marker=marker, procs=procs)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


def sweep(*args: str | Path) -> int:
    return cli.main(["sweep", *map(str, args), "--no-progress"])


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary table without wall times, and every run part, in a stable order."""
    table = pd.read_parquet(out / "summary.parquet").drop(columns="wall_time_s")
    parts = pd.read_parquet(out / "runs").sort_values(["run_id", "step", "province"]).reset_index(drop=True)
    parts["scenario"] = parts["scenario"].astype(str)
    return table, parts


def test_serial_local_processes_and_dask_give_identical_results(tiny, tmp_path, dask_cluster):
    design = [tiny.baseline, tiny.alt, "--vary", "behaviour.logit_scale=0.02,0.03", "--seeds", "2"]
    assert sweep(*design, "--workers", "0", "--out", tmp_path / "serial") == 0
    assert sweep(*design, "--workers", "2", "--out", tmp_path / "local") == 0
    assert sweep(*design, "--scheduler", dask_cluster.address, "--out", tmp_path / "dask") == 0
    serial = results(tmp_path / "serial")
    assert len(serial[0]) == 8 and (serial[0]["status"] == "ok").all()
    for other in ("local", "dask"):
        table, parts = results(tmp_path / other)
        pd.testing.assert_frame_equal(table, serial[0])
        pd.testing.assert_frame_equal(parts, serial[1])
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["executor"].startswith(f"Dask at {dask_cluster.address}")


def test_a_dask_worker_that_dies_mid_sweep_loses_no_run(tiny, tmp_path, dask_cluster):
    assert not dask_cluster.marker.exists()
    assert (
        sweep(tiny.crash, "--seeds", "4", "--scheduler", dask_cluster.address, "--out", tmp_path / "d") == 0
    )
    assert dask_cluster.marker.exists()  # the worker running crash-p00000-s0001 did die
    assert all(p.poll() is None for p in dask_cluster.procs)  # the nanny restarted it
    table, parts = results(tmp_path / "d")
    assert sorted(table["run_id"]) == [f"crash-p00000-s000{i}" for i in range(4)]
    assert (table["status"] == "ok").all()
    assert sweep(tiny.crash, "--seeds", "4", "--workers", "0", "--out", tmp_path / "ref") == 0
    ref_table, ref_parts = results(tmp_path / "ref")
    pd.testing.assert_frame_equal(table, ref_table)
    pd.testing.assert_frame_equal(parts, ref_parts)


def test_a_run_that_kills_every_dask_worker_is_failed_not_hung(tiny, tmp_path, dask_cluster):
    assert (
        sweep(tiny.killer, "--seeds", "2", "--scheduler", dask_cluster.address, "--out", tmp_path / "k") == 1
    )
    table = pd.read_parquet(tmp_path / "k" / "summary.parquet").set_index("run_id")
    assert table.loc[DASK_KILLER_RUN, "status"] == "failed"
    assert "Dask gave up" in table.loc[DASK_KILLER_RUN, "error"]
    assert table.loc["killer-p00000-s0001", "status"] == "ok", table.loc["killer-p00000-s0001", "error"]


def _ptsim(*args: str | Path, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "simulation", *map(str, args)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kw,
    )


def test_local_worker_deaths_are_retried_and_a_killer_run_fails(tiny, tmp_path):
    marker = tmp_path / "died-once"
    fault = f"baseline-p00000-s0002=exit-once:{marker};baseline-p00000-s0004=exit"
    proc = _ptsim(
        "sweep",
        tiny.baseline,
        "--seeds",
        "6",
        "--workers",
        "2",
        "--out",
        tmp_path / "o",
        env={runs.FAULT_ENV: fault},
    )
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        _stop(proc)
    assert proc.returncode == 1, err  # one run failed
    assert marker.exists()
    table = pd.read_parquet(tmp_path / "o" / "summary.parquet").set_index("run_id")
    assert len(table) == 6
    assert table.loc["baseline-p00000-s0004", "status"] == "failed"
    assert "died 3 times" in table.loc["baseline-p00000-s0004", "error"]
    assert (table.drop(index="baseline-p00000-s0004")["status"] == "ok").all()


def test_sigkill_then_resume_keeps_every_run_once(tiny, tmp_path):
    out, total = tmp_path / "k", 40
    args = ("sweep", tiny.baseline, "--seeds", str(total), "--out", out)
    proc = _ptsim(*args, "--workers", "1")
    records = out / "records"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if records.is_dir() and len(list(records.glob("run-*.json"))) >= 5:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        _stop(proc)
    done = {p.stem.removeprefix("run-") for p in records.glob("run-*.json")}
    assert 5 <= len(done) < total, "the sweep should have been killed part-way"
    # what a kill can leave: a temporary file of an atomic write, a part without its record
    (records / ".run-x.json.abc123.tmp").write_text("{half")
    todo = next(f"baseline-p00000-s{i:04d}" for i in range(total) if f"baseline-p00000-s{i:04d}" not in done)
    (out / "runs" / "scenario=baseline" / f"run-{todo}.parquet").write_bytes(b"PAR1 half-written")
    stamps = {p.name: p.stat().st_mtime_ns for p in records.iterdir() if p.suffix == ".json"}

    resumed = _ptsim(*args, "--workers", "2", "--resume")
    try:
        _, err = resumed.communicate(timeout=120)
    finally:
        _stop(resumed)
    assert resumed.returncode == 0, err
    assert not list(out.rglob("*.tmp"))
    kept = {n: s for n, s in ((p.name, p.stat().st_mtime_ns) for p in records.iterdir()) if n in stamps}
    assert kept == stamps  # finished runs were not redone
    table, parts = results(out)
    assert sorted(table["run_id"]) == [f"baseline-p00000-s{i:04d}" for i in range(total)]
    assert (table["status"] == "ok").all()
    for part in (out / "runs" / "scenario=baseline").glob("*.parquet"):
        assert len(pd.read_parquet(part)) == 4 * 31
    assert sweep(tiny.baseline, "--seeds", str(total), "--workers", "0", "--out", tmp_path / "ref") == 0
    ref_table, ref_parts = results(tmp_path / "ref")
    pd.testing.assert_frame_equal(table, ref_table)
    pd.testing.assert_frame_equal(parts, ref_parts)
