"""Kill trials of a local-process sweep: kill its driver or a worker part-way, then check what is left.

Each trial starts ``ptsim sweep`` (a tiny scenario, K seeds, 2 worker processes) in a new session,
waits until a random number of runs has finished, and then, by turns:

- ``driver-kill``: SIGKILL the driver;
- ``driver-term``: SIGTERM the driver (it stops its workers and exits with status 143);
- ``driver-int``: SIGINT to the whole process group, as Ctrl-C in a terminal does (status 130);
- ``worker-kill``: SIGKILL one worker process (the sweep goes on: the run is redone);
- ``resume-kill``: SIGKILL the driver, resume, and SIGKILL the driver of the resume as well.

After a kill of the driver it counts the sweep's processes still alive after a grace period (every
process started for the trial carries a marker in its environment: driver, forkserver, workers,
resource tracker) and whether any file of the results folder changed after that; then it resumes
the sweep to the end. Each trial checks that every run is in the summary exactly once, that no run
finished before the kill was redone or lost, that no temporary file is left, and that the summary
equals that of an uninterrupted serial sweep (every outcome of every run, bit for bit).

Usage: ``python scripts/kill_trials.py --trials 15`` (about a minute a trial on a loaded 2-core
machine); prints one line per trial and the totals, and exits 1 if any trial found a problem.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
MARK = "PTSIM_KILL_TRIAL"  # environment variable carried by every process of a trial
MODES = ("driver-kill", "driver-term", "driver-int", "worker-kill", "resume-kill")
GRACE_S = 3.0  # how long processes may take to go after their driver was killed
TINY = """
[scenario]
extends = "{baseline}"
name = "baseline"
[run]
firms = 300
steps = 3
[calibration]
sorting_rounds = 2
max_iter = 50
"""


def marked(token: str) -> list[int]:
    """Pids of live processes whose environment holds ``MARK=token`` (Linux /proc)."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env.split(b"\0") and state != "Z":  # a zombie has ended, its parent not reaped it
            found.append(int(entry.name))
    return found


def workers(driver: int, token: str) -> list[int]:
    """The pool workers of a trial: marked processes that are neither the driver nor one of its
    children (the forkserver, the resource tracker); they are the forkserver's children."""
    out = []
    for pid in marked(token):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if pid != driver and ppid != driver:
            out.append(pid)
    return out


def start(args: list[str], token: str) -> subprocess.Popen:
    env = {**os.environ, MARK: token}
    return subprocess.Popen(
        [sys.executable, "-m", "simulation", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finished(out: Path) -> dict[str, int]:
    """Run id -> mtime (ns) of each record written so far."""
    records = out / "records"
    if not records.is_dir():
        return {}
    stamps = {}
    for p in records.glob("run-*.json"):
        try:
            stamps[p.stem.removeprefix("run-")] = p.stat().st_mtime_ns
        except FileNotFoundError:
            continue
    return stamps


def snapshot(out: Path) -> dict[str, int]:
    stamps = {}
    for p in out.rglob("*"):
        try:
            if p.is_file():
                stamps[str(p.relative_to(out))] = p.stat().st_mtime_ns
        except FileNotFoundError:
            continue
    return stamps


def wait_for(proc: subprocess.Popen, out: Path, n: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and len(finished(out)) < n:
        time.sleep(0.02)


def cleanup(token: str) -> None:
    """Kill what a broken trial left (only processes carrying this trial's marker)."""
    for pid in marked(token):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def trial(i: int, mode: str, base_args: list[str], out: Path, reference: pd.DataFrame, rng) -> dict:
    token = uuid.uuid4().hex
    sweep = [*base_args, "--workers", "2", "--out", str(out)]
    total = len(reference)
    row = {"trial": i, "mode": mode, "left": 0, "lost": 0, "duplicated": 0, "wrote_after": 0, "problems": []}
    proc = start(sweep, token)
    try:
        wait_for(proc, out, rng.randint(2, total - 6))
        before = finished(out)
        if mode == "worker-kill":
            pids = workers(proc.pid, token)
            if pids:
                os.kill(rng.choice(pids), signal.SIGKILL)
            else:
                row["problems"].append("no worker found to kill")
            proc.wait(timeout=600)
            if proc.returncode != 0:
                row["problems"].append(f"sweep exited {proc.returncode} after a worker kill")
        else:
            sig = {"driver-term": signal.SIGTERM, "driver-int": signal.SIGINT}.get(mode, signal.SIGKILL)
            if sig == signal.SIGINT:
                os.killpg(proc.pid, sig)  # Ctrl-C reaches every process of the terminal's group
            else:
                os.kill(proc.pid, sig)
            t0 = time.monotonic()
            proc.wait(timeout=60)
            stopped = time.monotonic() - t0
            expected = {signal.SIGKILL: -9, signal.SIGTERM: 143, signal.SIGINT: 130}[sig]
            if proc.returncode != expected:
                row["problems"].append(f"driver exited {proc.returncode}, expected {expected}")
            err = proc.stderr.read()
            if "Traceback" in err:
                row["problems"].append("traceback on stderr")
            if sig != signal.SIGKILL and stopped > 10:
                row["problems"].append(f"took {stopped:.1f} s to stop")
            time.sleep(GRACE_S)
            row["left"] = len(marked(token))
            frozen = snapshot(out)
            time.sleep(2.0)
            row["wrote_after"] = sum(1 for k, v in snapshot(out).items() if frozen.get(k) != v)
            if mode == "resume-kill":
                resume = start([*sweep, "--resume"], token)
                wait_for(resume, out, min(total - 1, len(finished(out)) + rng.randint(1, 4)))
                os.kill(resume.pid, signal.SIGKILL)
                resume.wait(timeout=60)
                time.sleep(GRACE_S)
                row["left"] += len(marked(token))
            resume = start([*sweep, "--resume"], token)
            resume.wait(timeout=900)
            if resume.returncode != 0:
                row["problems"].append(f"resume exited {resume.returncode}: {resume.stderr.read()[-300:]}")
        after = finished(out)
        row["lost"] = sum(1 for r in before if r not in after)
        row["redone"] = sum(1 for r, t in before.items() if after.get(r, t) != t)
        row["killed_at"] = len(before)
        table = pd.read_parquet(out / "summary.parquet")
        row["duplicated"] = int(table["run_id"].duplicated().sum())
        if sorted(table["run_id"]) != sorted(reference["run_id"]):
            row["problems"].append("summary does not hold every run")
        elif not _same(table, reference):
            row["problems"].append("summary differs from the uninterrupted sweep")
        if list(out.rglob("*.tmp")):
            row["problems"].append("temporary files left")
        parts = {p.stem.removeprefix("run-") for p in (out / "runs").rglob("run-*.parquet")}
        if parts != set(table.loc[table["status"] == "ok", "run_id"]):
            row["problems"].append("run parts do not match the ok runs")
    except Exception as exc:  # noqa: BLE001 - a trial that breaks is reported, the others go on
        row["problems"].append(f"trial error: {exc!r}")
    finally:
        deadline = time.monotonic() + GRACE_S  # a finished sweep's helpers exit just after it
        while marked(token) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = marked(token)
        if left:
            row["problems"].append(f"{len(left)} process(es) still running at the end")
        cleanup(token)
    return row


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    cols = [c for c in b.columns if c != "wall_time_s"]
    a = a.sort_values("run_id").reset_index(drop=True)[cols]
    b = b.sort_values("run_id").reset_index(drop=True)[cols]
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=15)
    p.add_argument("--seeds", type=int, default=24, help="runs per sweep")
    p.add_argument("--seed", type=int, default=1, help="seed of the kill times")
    p.add_argument("--keep", action="store_true", help="keep the trial folders")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="ptsim-kill-trials-"))
    scenario = root / "tiny.toml"
    scenario.write_text(TINY.format(baseline=(REPO / "scenarios" / "baseline.toml").as_posix()))
    base = ["sweep", str(scenario), "--seeds", str(args.seeds), "--no-progress"]
    ref = subprocess.run(
        [sys.executable, "-m", "simulation", *base, "--workers", "0", "--out", str(root / "reference")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if ref.returncode != 0:
        print(ref.stderr, file=sys.stderr)
        return 2
    reference = pd.read_parquet(root / "reference" / "summary.parquet")
    rows = []
    for i in range(args.trials):
        mode = MODES[i % len(MODES)]
        row = trial(i, mode, base, root / f"trial-{i:02d}", reference, rng)
        rows.append(row)
        print(
            f"trial {i:2d} {mode:12} killed after {row.get('killed_at', '?'):>2} runs: "
            f"{row['left']} process(es) left, {row['wrote_after']} file(s) written after the kill, "
            f"{row['lost']} run(s) lost, {row.get('redone', 0)} redone, {row['duplicated']} duplicated"
            + (f"; PROBLEMS: {'; '.join(row['problems'])}" if row["problems"] else ""),
            flush=True,
        )
    bad = [r for r in rows if r["problems"] or r["left"] or r["lost"] or r["duplicated"] or r["wrote_after"]]
    print(
        f"{len(rows)} trials ({', '.join(f'{m} {sum(r["mode"] == m for r in rows)}' for m in MODES)}): "
        f"{sum(r['left'] for r in rows)} processes left, {sum(r['wrote_after'] for r in rows)} files written "
        f"after a kill, {sum(r['lost'] for r in rows)} runs lost, {sum(r['duplicated'] for r in rows)} "
        f"duplicated, {sum(r.get('redone', 0) for r in rows)} finished runs redone, {len(bad)} trial(s) "
        "with a problem"
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
