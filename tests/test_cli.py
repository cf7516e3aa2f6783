"""The ``ptsim`` command itself: it starts without the heavy libraries, and a reader that stops early
(``ptsim params | head``) ends it quietly."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys

import pytest
from conftest import BASELINE, REPO

from simulation import cli

HEAVY = ("matplotlib", "pandas", "pyarrow", "scipy", "mesa")
PTSIM = [sys.executable, "-m", "simulation"]
# Commands whose output a reader may cut short; `levers NAME` prints one lever in full.
LISTINGS = (["params"], ["levers"], ["levers", "freight_routes"], ["--help"], ["validate", str(BASELINE)])


def _loaded_after(code: str) -> list[str]:
    """The HEAVY packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=REPO)
    return out.stdout.split()


def test_importing_the_cli_and_building_its_parser_loads_no_heavy_library():
    assert _loaded_after("from simulation import cli; cli._parser()") == []


def test_validate_loads_no_heavy_library():
    code = (
        "import contextlib, io; from simulation import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert cli.main(['validate', {str(BASELINE)!r}]) == 0"
    )
    assert _loaded_after(code) == []


def test_the_runner_leaves_figures_to_its_caller():
    """simulation.runner must not import simulation.plots (at the top or inside a function)."""
    tree = ast.parse((REPO / "simulation" / "runner.py").read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported += [f"{node.module}.{alias.name}" for alias in node.names]
    assert imported and not [name for name in imported if name.startswith("simulation.plots")]
    assert "matplotlib" not in _loaded_after("import simulation.runner")


def _no_traceback(stderr: str) -> None:
    for sign in ("Traceback", "BrokenPipeError", "Exception ignored"):
        assert sign not in stderr, stderr


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_reader_closing_the_pipe_at_once_ends_ptsim_quietly(args):
    """The read end is closed before ptsim writes its first line, so every write fails: the most
    hostile reader, and deterministic (``| head -1`` may read everything before closing)."""
    proc = subprocess.Popen([*PTSIM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    # argparse writes a long --help straight through and ignores the failure itself (status 0)
    allowed = (0, cli.EXIT_BROKEN_PIPE) if args == ["--help"] else (cli.EXIT_BROKEN_PIPE,)
    assert proc.wait(timeout=60) in allowed
    _no_traceback(stderr)


@pytest.mark.parametrize("args", LISTINGS[:3], ids=" ".join)
def test_ptsim_piped_into_head_prints_its_first_line_without_a_traceback(args):
    line = shlex.join([*PTSIM, *args])
    out = subprocess.run(
        ["bash", "-c", f"{line} | head -1"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0
    assert len(out.stdout.splitlines()) == 1 and out.stdout.strip()
    _no_traceback(out.stderr)


def test_main_still_reports_bad_input_in_one_line(capsys):
    assert cli.main(["levers", "no_such_lever"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ptsim: error:") and "Traceback" not in err


def test_main_returns_the_broken_pipe_status_when_stdout_is_closed(monkeypatch):
    class ClosedPipe:
        """A stdout whose reader has gone: every write and flush fails."""

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["params"]) == cli.EXIT_BROKEN_PIPE


def test_the_size_names_of_the_parser_are_the_figure_sizes():
    """ptsim's parser offers the size names without importing matplotlib; they must be the sizes
    the figure code defines."""
    from simulation.plots import names, style

    assert tuple(style.SIZES) == names.SIZES
