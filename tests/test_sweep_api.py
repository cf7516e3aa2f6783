"""The Python API of sweeps (``simulation.sweep.make_spec`` / ``run_sweep``) on this process, a
process pool, a Dask ``LocalCluster`` and ``Client``, and ``ptsim sweep --cluster local-jobqueue``
(dask-jobqueue's cluster class whose jobs are local processes)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from test_sweep import ALT, TINY

from simulation import cli
from simulation.sweep import make_spec, run_sweep
from simulation.sweep.cluster import ClusterSpec
from simulation.sweep.errors import SweepError

OUTCOMES = ["relocations_total", "inland_employment_share_end"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    (folder / "baseline.toml").write_text(TINY)
    (folder / "alt.toml").write_text(ALT)
    return [folder / "baseline.toml", folder / "alt.toml"]


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory):
    """The same sweep from the command line, in this process."""
    out = tmp_path_factory.mktemp("ref") / "cli"
    args = ["sweep", *map(str, files), "--seeds", "2", "--vary", "parks.enabled=true,false"]
    assert cli.main([*args, "--workers", "0", "--no-progress", "--out", str(out)]) == 0
    return pd.read_parquet(out / "summary.parquet")


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = ["run_id", "seed", "status", *OUTCOMES]
    text = {"run_id": str, "status": str}  # the file stores text as categoricals (docs/outputs.md)
    pd.testing.assert_frame_equal(a[cols].astype(text).sort_values("run_id", ignore_index=True),
                                  b[cols].astype(text).sort_values("run_id", ignore_index=True))  # fmt: skip


def test_make_spec_builds_what_the_command_line_builds(files, reference, tmp_path):
    spec = make_spec(files, vary={"parks.enabled": [True, False]}, seeds=2)
    result = run_sweep(spec, tmp_path / "api", workers=0)
    assert len(result.summary) == 2 * 2 * 2 and result.failed == 0
    _same(result.summary, reference)
    assert result.effects is not None and {"diff_se", "seeds_needed"} <= set(result.effects.columns)


def test_run_sweep_takes_a_concurrent_futures_executor(files, reference, tmp_path):
    spec = make_spec(files, vary={"parks.enabled": [True, False]}, seeds=2)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        result = run_sweep(spec, tmp_path / "pool", executor=pool)
        assert pool.submit(int, "3").result() == 3  # still the caller's, still open
    _same(result.summary, reference)


def test_make_spec_errors_name_the_key(files):
    with pytest.raises(SweepError, match="no plausible range"):
        make_spec(files, ranges={"provinces.Henan.wage_yuan": None}, sample="lhs", n=4)
    with pytest.raises(SweepError, match="at most one place"):
        run_sweep(make_spec(files), "x", workers=0, scheduler="tcp://127.0.0.1:1")


@pytest.mark.slow  # a Dask cluster: a few seconds
def test_run_sweep_on_a_dask_local_cluster_and_client(files, reference, tmp_path):
    from distributed import Client, LocalCluster

    spec = make_spec(files, vary={"parks.enabled": [True, False]}, seeds=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as cluster:
        on_cluster = run_sweep(spec, tmp_path / "cluster", cluster=cluster)
        with Client(cluster) as client:
            on_client = run_sweep(spec, tmp_path / "client", client=client)
    _same(on_cluster.summary, reference)
    _same(on_client.summary, reference)


@pytest.mark.slow  # starts jobs as local processes: about 10 s
def test_ptsim_sweep_starts_and_stops_a_jobqueue_cluster(files, reference, tmp_path, capsys):
    pytest.importorskip("dask_jobqueue")
    out = tmp_path / "jq"
    args = ["sweep", *map(str, files), "--seeds", "2", "--vary", "parks.enabled=true,false"]
    args += ["--cluster", "local-jobqueue", "--cluster-jobs", "2", "--cluster-cores", "1"]
    args += ["--cluster-memory", "1GB", "--no-progress", "--out", str(out)]
    assert cli.main(args) == 0
    assert "local-jobqueue cluster, 2 job(s) x 1 worker(s)" in capsys.readouterr().err
    _same(pd.read_parquet(out / "summary.parquet"), reference)


def test_cluster_options_are_checked_and_mapped_to_dask_jobqueue():
    spec = ClusterSpec("slurm", jobs=4, cores=8, memory="16GB", walltime="04:00:00", queue="compute",
                       account="econ", directives=("--constraint=skylake",))  # fmt: skip
    kw = spec.kwargs()
    assert kw["cores"] == kw["processes"] == 8 and kw["memory"] == "16GB" and spec.workers == 32
    assert kw["queue"] == "compute" and kw["walltime"] == "04:00:00" and kw["account"] == "econ"
    assert kw["job_extra_directives"] == ["--constraint=skylake"]
    with pytest.raises(SweepError, match="--cluster-jobs"):
        ClusterSpec("pbs", jobs=0).check()
    with pytest.raises(SweepError, match="unknown kind"):
        ClusterSpec("lsf").check()


@pytest.mark.slow
def test_the_slurm_job_script_runs_single_threaded_workers_of_this_python():
    """No SLURM here: check the job script dask-jobqueue would submit."""
    pytest.importorskip("dask_jobqueue")
    import sys

    from dask_jobqueue import SLURMCluster

    spec = ClusterSpec("slurm", jobs=1, cores=4, memory="8GB", queue="compute", walltime="01:00:00")
    with SLURMCluster(**spec.kwargs()) as cluster:
        script = cluster.job_script()
    assert "#SBATCH -p compute" in script and "#SBATCH -t 01:00:00" in script
    assert sys.executable in script and "--nworkers 4" in script and "--nthreads 1" in script
