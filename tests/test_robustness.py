"""Bad folders, bad paths, bad sizes, timeouts, interruptions and killed drivers (issue 19).

The fast tests run ptsim in this process on tiny folders; the slow ones start real sweeps in their
own session and kill them (SIGKILL, SIGTERM, Ctrl-C), then look for processes left behind: every
process of such a sweep carries a marker in its environment (``/proc/<pid>/environ``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from test_sweep import ALT, TINY

from simulation import cli, runner
from simulation.io import ResultFileError, check_output_folder
from simulation.sweep import runs

MARK = "PTSIM_TEST_MARK"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "baseline.toml").write_text(TINY)
    (folder / "alt.toml").write_text(ALT)
    return folder / "baseline.toml", folder / "alt.toml"


@pytest.fixture(scope="module")
def run_folder(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    assert cli.main(["run", str(tiny[0]), "--out", str(out), "--no-figures"]) == 0
    return out


@pytest.fixture(scope="module")
def sweep_folder(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    args = ["sweep", *map(str, tiny), "--seeds", "3", "--workers", "0", "--no-progress", "--out", str(out)]
    assert cli.main(args) == 0
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return err


def _sweep_args(tiny, out: Path, *more: str) -> list[str]:
    return [
        "sweep",
        *map(str, tiny),
        "--seeds",
        "3",
        "--workers",
        "0",
        "--no-progress",
        "--out",
        str(out),
        *more,
    ]


# --- damaged folders -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["timeseries.parquet", "summary.json", "manifest.json"])
@pytest.mark.parametrize("command", ["plot", "report"])
def test_plot_and_report_name_a_truncated_file_of_a_run(run_folder, tmp_path, capsys, name, command):
    broken = _copy(run_folder, tmp_path / "broken")
    _truncate(broken / name)
    assert cli.main([command, str(broken)]) == 2
    err = _error(capsys)
    assert str(broken / name) in err and "damaged" in err


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_run_folder_without_its_manifest_is_unfinished(run_folder, tmp_path, capsys, command):
    broken = _copy(run_folder, tmp_path / "broken")
    (broken / "manifest.json").unlink()
    assert cli.main([command, str(broken)]) == 2
    assert "unfinished" in _error(capsys)


@pytest.mark.parametrize(
    "name", ["summary.parquet", "runs/scenario=baseline/run-baseline-p00000-s0001.parquet", "manifest.json"]
)
def test_plot_and_compare_name_a_truncated_file_of_a_sweep(sweep_folder, tmp_path, capsys, name):
    broken = _copy(sweep_folder, tmp_path / "broken")
    _truncate(broken / name)
    assert cli.main(["plot", str(broken)]) == 2
    assert str(broken / name) in _error(capsys)
    if "runs/" not in name:  # compare reads the summary and manifest only
        assert cli.main(["compare", str(broken)]) == 2
        assert str(broken / name) in _error(capsys)


def test_compare_refuses_a_summary_with_duplicated_rows(sweep_folder, tmp_path, capsys):
    broken = _copy(sweep_folder, tmp_path / "broken")
    table = pd.read_parquet(broken / "summary.parquet")
    pd.concat([table] * 4, ignore_index=True).to_parquet(broken / "summary.parquet")
    assert cli.main(["compare", str(broken)]) == 2
    err = _error(capsys)
    assert "summary.parquet" in err and f"{4 * len(table)} rows for {len(table)} run(s)" in err
    assert cli.main(["report", str(broken)]) == 2  # the report's effects table is refused too
    assert "rows for" in _error(capsys)


def test_a_truncated_sweep_manifest_is_named_on_resume(sweep_folder, tiny, tmp_path, capsys):
    broken = _copy(sweep_folder, tmp_path / "broken")
    _truncate(broken / "manifest.json")
    assert cli.main(_sweep_args(tiny, broken, "--resume")) == 2
    err = _error(capsys)
    assert str(broken / "manifest.json") in err and "damaged" in err and "new --out" in err


def _record(folder: Path, run_id: str) -> Path:
    return folder / "records" / f"run-{run_id}.json"


@pytest.mark.parametrize("damage", ["truncated part", "truncated record", "record without outcomes"])
def test_resume_reruns_a_run_whose_files_are_damaged(sweep_folder, tiny, tmp_path, capsys, damage):
    broken = _copy(sweep_folder, tmp_path / "broken")
    victim, kept = "more-reviews-p00000-s0001", "baseline-p00000-s0002"
    if damage == "truncated part":
        _truncate(broken / "runs" / "scenario=more-reviews" / f"run-{victim}.parquet")
    elif damage == "truncated record":
        _truncate(_record(broken, victim))
    else:
        rec = json.loads(_record(broken, victim).read_text())
        del rec["outcomes"]
        _record(broken, victim).write_text(json.dumps(rec))
    stamp = _record(broken, kept).stat().st_mtime_ns
    assert cli.main(_sweep_args(tiny, broken, "--resume")) == 0
    err = _error(capsys)
    assert f"1 run(s) had a damaged record or Parquet part and run again: {victim}" in err
    assert _record(broken, kept).stat().st_mtime_ns == stamp  # whole runs are not redone
    redone, original = (json.loads(_record(f, victim).read_text()) for f in (broken, sweep_folder))
    assert redone["status"] == "ok" and redone["outcomes"] == original["outcomes"]
    new, old = (
        pd.read_parquet(f / "summary.parquet").drop(columns="wall_time_s") for f in (broken, sweep_folder)
    )
    pd.testing.assert_frame_equal(new, old)


def test_plot_refuses_a_sweep_that_is_still_running(sweep_folder, tmp_path, capsys):
    broken = _copy(sweep_folder, tmp_path / "broken")
    manifest = json.loads((broken / "manifest.json").read_text())
    (broken / "manifest.json").write_text(json.dumps(manifest | {"state": "running"}))
    assert cli.main(["plot", str(broken)]) == 2
    assert "running or was interrupted" in _error(capsys)


# --- output paths and names ------------------------------------------------------------------------


def _read_only_dir(tmp_path: Path) -> Path:
    """A folder this process cannot write to: chmod 555 (root ignores it: then a /proc path)."""
    if os.geteuid() == 0:
        return Path("/proc/ptsim-test")
    path = tmp_path / "ro"
    path.mkdir()
    path.chmod(0o555)
    return path / "out"


@pytest.mark.parametrize("kind", ["regular file", "read-only", "NUL", "300 characters"])
def test_a_bad_output_path_is_found_before_the_simulation(tiny, tmp_path, capsys, monkeypatch, kind):
    (tmp_path / "file").write_text("x")
    out = {
        "regular file": tmp_path / "file",
        "read-only": _read_only_dir(tmp_path),
        "NUL": tmp_path / "a\0b",
        "300 characters": tmp_path / ("a" * 300),
    }[kind]
    expected = {
        "regular file": "is a file",
        "read-only": "cannot write here",
        "NUL": "NUL",
        "300 characters": "255",
    }

    def never(*args, **kwargs):
        raise AssertionError("the simulation ran before the output path was checked")

    monkeypatch.setattr(runner, "simulate", never)
    assert cli.main(["run", str(tiny[0]), "--out", str(out), "--no-figures"]) == 2
    assert expected[kind] in _error(capsys)
    sweep_out = out if kind != "regular file" else tmp_path / "file" / "sub"
    assert cli.main(_sweep_args(tiny, sweep_out)) == 2
    assert expected[kind] in _error(capsys)


def test_check_output_folder_accepts_a_new_nested_folder(tmp_path):
    check_output_folder(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir() and not list((tmp_path / "a" / "b").iterdir())
    with pytest.raises(ResultFileError, match="is a file"):
        (tmp_path / "f").write_text("")
        check_output_folder(tmp_path / "f" / "x")


@pytest.mark.parametrize("name", ["../../x", "/tmp/ptsim-abs", ".hidden", "a/b"])
def test_run_and_experiment_refuse_a_name_that_leaves_results(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    base = (REPO / "scenarios" / "baseline.toml").as_posix()
    (tmp_path / "s.toml").write_text(f'[scenario]\nextends = "{base}"\nname = "{name}"\n')
    assert cli.main(["run", "s.toml", "--no-figures"]) == 2
    assert "scenario.name" in _error(capsys)
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "experiment.toml").write_text(f'[experiment]\nname = "{name}"\nscenarios = ["{base}"]\n')
    assert cli.main(["experiment", str(exp), "--workers", "0"]) == 2
    assert "experiment.name" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp", "s.toml"]  # nothing written


# --- bad sizes and flags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--sample", "morris", "--levels", "1", "--range", "behaviour.logit_scale=0.01:0.04", "--n", "2"],
            "--levels",
        ),
        (["--seeds", "50000000"], "from 1 to 10,000"),
        (
            ["--sample", "lhs", "--n", "1000000000", "--range", "behaviour.logit_scale=0.01:0.04"],
            "from 1 to 16,384",
        ),
        (["--run-timeout", "-1"], "--run-timeout"),
        (["--run-timeout", "nan"], "--run-timeout"),
    ],
)
def test_bad_sweep_sizes_are_refused_with_their_bound(tiny, tmp_path, capsys, args, message):
    assert cli.main(["sweep", str(tiny[0]), "--workers", "0", "--out", str(tmp_path / "o"), *args]) == 2
    assert message in _error(capsys)
    assert not (tmp_path / "o").exists()


def test_a_garbage_scheduler_address_is_a_clear_error(tiny, tmp_path, capsys):
    assert cli.main(["sweep", str(tiny[0]), "--scheduler", "garbage", "--out", str(tmp_path / "o")]) == 2
    err = _error(capsys)
    assert "--scheduler" in err and "garbage" in err


def test_the_dashboard_refuses_a_port_out_of_range(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["dashboard", "--port", "99999"])
    assert stop.value.code == 2
    assert "1 to 65535" in _error(capsys)


@pytest.mark.parametrize(
    "line, message",
    [
        ('seeds = "x"', "must be a whole number from 1 to 10,000, got 'x'"),
        ("seeds = 1.7", "got 1.7"),
        ("seeds = 0", "got 0"),
        ("master_seed = -1", "experiment.master_seed"),
    ],
)
def test_experiment_sizes_are_whole_numbers_not_truncated(tmp_path, capsys, line, message):
    base = (REPO / "scenarios" / "baseline.toml").as_posix()
    (tmp_path / "experiment.toml").write_text(f'[experiment]\nscenarios = ["{base}"]\n{line}\n')
    assert cli.main(["experiment", str(tmp_path), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    err = _error(capsys)
    assert message in err and "experiment.toml" in err


def test_experiment_design_size_is_bounded(tmp_path, capsys):
    base = (REPO / "scenarios" / "baseline.toml").as_posix()
    (tmp_path / "experiment.toml").write_text(
        f'[experiment]\nscenarios = ["{base}"]\n[design]\nmethod = "lhs"\nn = 1e9\n'
        '[design.range]\n"behaviour.logit_scale" = [0.01, 0.04]\n'
    )
    assert cli.main(["experiment", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "design.n" in _error(capsys)


@pytest.mark.parametrize("path", ["/dev/zero", "big"])
def test_validate_reads_no_device_and_no_huge_file(tmp_path, capsys, path):
    if path == "big":
        path = tmp_path / "big.toml"
        path.write_bytes(b"#" * (2 << 20))
    assert cli.main(["validate", str(path)]) == 2
    err = _error(capsys)
    assert str(path) in err and ("not a regular file" in err or "larger than" in err)


def test_a_crash_has_its_own_exit_status(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_cmd_params", boom)
    assert cli.main(["params"]) == cli.EXIT_CRASHED == 3
    assert "crashed" in capsys.readouterr().err


def test_ctrl_c_in_ptsim_run_is_one_line_and_status_130(tiny, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "simulate", interrupted)
    assert cli.main(["run", str(tiny[0]), "--out", str(tmp_path / "o")]) == 130
    assert _error(capsys).strip() == "ptsim: interrupted"


# --- the run folder's commit mark -----------------------------------------------------------------


def test_an_interrupted_run_leaves_the_old_folder_whole_and_nothing_temporary(
    tiny, run_folder, tmp_path, monkeypatch
):
    """A run killed while writing over a folder (``--overwrite``) leaves the old folder as it was and
    no temporary sibling; the next run replaces it whole, a stale ``.tmp`` file included."""
    out = _copy(run_folder, tmp_path / "again")
    (out / ".flows.parquet.abc.tmp").write_text("half")  # left by an earlier killed run
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real = runner.write_parquet

    def killed_at_flows(path, frame, *args, **kwargs):
        if path.name == "flows.parquet":
            raise KeyboardInterrupt
        real(path, frame, *args, **kwargs)

    monkeypatch.setattr(runner, "write_parquet", killed_at_flows)
    with pytest.raises(KeyboardInterrupt):
        runner.run_to_folder(runner.scenario_mod.load(tiny[0]), out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".again.")] == []
    monkeypatch.setattr(runner, "write_parquet", real)
    runner.run_to_folder(runner.scenario_mod.load(tiny[0]), out, overwrite=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "manifest.json" in manifest["files"] and "flows.parquet" in manifest["files"]
    assert not list(out.glob(".*.tmp"))


# --- run timeouts --------------------------------------------------------------------------------


def test_a_run_past_the_timeout_fails_with_the_reason_in_this_process(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(runs.FAULT_ENV, "baseline-p00000-s0001=sleep:60")
    out = tmp_path / "o"
    t0 = time.monotonic()
    args = ["sweep", str(tiny[0]), "--seeds", "3", "--workers", "0", "--run-timeout", "2", "--out", str(out)]
    assert cli.main([*args, "--no-progress"]) == cli.EXIT_RUNS_FAILED
    assert time.monotonic() - t0 < 50
    table = pd.read_parquet(out / "summary.parquet").set_index("run_id")
    assert table.loc["baseline-p00000-s0001", "status"] == "failed"
    assert "--run-timeout 2 s" in table.loc["baseline-p00000-s0001", "error"]
    assert (table.drop(index="baseline-p00000-s0001")["status"] == "ok").all()
    assert not (out / "runs" / "scenario=baseline" / "run-baseline-p00000-s0001.parquet").exists()


def test_run_timeout_is_refused_on_dask(tiny, tmp_path, capsys):
    from simulation.sweep.errors import SweepError
    from simulation.sweep.executors import backend

    with pytest.raises(SweepError, match="local workers only"):
        backend(scheduler="tcp://127.0.0.1:1", run_timeout=5)


# --- real processes: timeouts, Ctrl-C, SIGTERM, SIGKILL (slow lane) ----------------------------------


def marked(token: str) -> list[int]:
    """Live (not zombie) processes whose environment holds ``MARK=token``."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                env = (entry / "environ").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if needle in env and state != "Z":
                found.append(int(entry.name))
    return found


def _start(*args: str | Path, token: str, fault: str = "") -> subprocess.Popen:
    env = {**os.environ, MARK: token, runs.FAULT_ENV: fault}
    return subprocess.Popen(
        [sys.executable, "-m", "simulation", *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=REPO,
    )


def _wait_records(out: Path, n: int, proc: subprocess.Popen, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "records").is_dir() and len(list((out / "records").glob("run-*.json"))) >= n:
            break
        time.sleep(0.02)
    return len(list((out / "records").glob("run-*.json"))) if (out / "records").is_dir() else 0


def _gone(token: str, within: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within
    while marked(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    return marked(token)


def _kill_all(token: str) -> None:
    for pid in marked(token):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_die_with_their_driver(tiny, tmp_path, sig):
    token, out = uuid.uuid4().hex, tmp_path / "o"
    proc = _start(
        "sweep", tiny[0], "--seeds", "40", "--workers", "2", "--no-progress", "--out", out, token=token
    )
    try:
        assert _wait_records(out, 3, proc) >= 3
        assert len(marked(token)) >= 3  # driver, forkserver, workers (and the resource tracker)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        left = _gone(token)
        assert left == [], f"processes left after {sig.name}: {left}"
        frozen = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
        time.sleep(2)
        assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == frozen  # no late writes
        if sig == signal.SIGTERM:
            assert proc.returncode == cli.EXIT_TERMINATED
            err = proc.stderr.read()
            assert "Traceback" not in err and "terminated; finished runs are kept" in err
    finally:
        _kill_all(token)


@pytest.mark.slow
def test_ctrl_c_stops_a_sweep_with_slow_runs_at_once_and_keeps_finished_runs(tiny, tmp_path):
    token, out = uuid.uuid4().hex, tmp_path / "o"
    fault = "baseline-p00000-s0004=sleep:120;baseline-p00000-s0005=sleep:120"
    args = ("sweep", tiny[0], "--seeds", "12", "--workers", "2", "--no-progress", "--out", out)
    proc = _start(*args, token=token, fault=fault)
    try:
        assert _wait_records(out, 4, proc) >= 4
        time.sleep(1.0)  # the two slow runs are in flight now
        kept = {p.name for p in (out / "records").glob("run-*.json")}
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
        proc.wait(timeout=30)
        assert time.monotonic() - t0 < 5, "Ctrl-C took too long"
        assert proc.returncode == cli.EXIT_INTERRUPTED
        err = proc.stderr.read()
        assert "Traceback" not in err
        assert [line for line in err.splitlines() if line.strip()][-1].startswith("ptsim: interrupted;")
        assert _gone(token) == []
        assert kept <= {p.name for p in (out / "records").glob("run-*.json")}
        resumed = _start(*args, "--resume", token=token)
        assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
        assert len(pd.read_parquet(out / "summary.parquet")) == 12
    finally:
        _kill_all(token)


@pytest.mark.slow
def test_a_frozen_worker_is_timed_out_and_replaced(tiny, tmp_path):
    token, out = uuid.uuid4().hex, tmp_path / "o"
    args = (
        "sweep",
        tiny[0],
        "--seeds",
        "6",
        "--workers",
        "2",
        "--run-timeout",
        "4",
        "--no-progress",
        "--out",
        out,
    )
    proc = _start(*args, token=token, fault="baseline-p00000-s0002=freeze")
    try:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == cli.EXIT_RUNS_FAILED, err
        assert "Traceback" not in err and "leaked" not in err
        table = pd.read_parquet(out / "summary.parquet").set_index("run_id")
        assert len(table) == 6
        assert table.loc["baseline-p00000-s0002", "status"] == "failed"
        assert "timed out" in table.loc["baseline-p00000-s0002", "error"]
        assert "worker process was killed and replaced" in table.loc["baseline-p00000-s0002", "error"]
        assert (table.drop(index="baseline-p00000-s0002")["status"] == "ok").all()
        assert _gone(token) == []  # the frozen worker too
    finally:
        _kill_all(token)


@pytest.mark.slow
def test_ctrl_c_in_ptsim_run_prints_no_traceback(tmp_path):
    token = uuid.uuid4().hex
    base = (REPO / "scenarios" / "baseline.toml").as_posix()
    (tmp_path / "big.toml").write_text(f'[scenario]\nextends = "{base}"\n[run]\nfirms = 200000\nsteps = 48\n')
    proc = _start("run", tmp_path / "big.toml", "--out", tmp_path / "o", token=token)
    try:
        time.sleep(3.0)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == cli.EXIT_INTERRUPTED
        assert "Traceback" not in err and err.strip().endswith("ptsim: interrupted")
        assert not (tmp_path / "o" / "manifest.json").exists()
    finally:
        _kill_all(token)


@pytest.mark.slow
def test_ctrl_c_while_the_workers_start_prints_no_traceback(tiny, tmp_path):
    token, out = uuid.uuid4().hex, tmp_path / "o"
    proc = _start(
        "sweep", tiny[0], "--seeds", "8", "--workers", "2", "--no-progress", "--out", out, token=token
    )
    try:
        deadline = time.monotonic() + 120
        while len(marked(token)) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)  # the driver has started its helper processes: they are importing now
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == cli.EXIT_INTERRUPTED
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
        assert _gone(token) == []
    finally:
        _kill_all(token)
