"""``ptsim dashboard`` and ``ptsim lessons``, registered on the ``ptsim`` command by
:func:`add_commands` (this module imports neither Solara nor the model until a command runs)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

APP = "simulation.dashboard.app"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
READY_TIMEOUT_S = 180.0  # the first start imports Solara, Mesa and the model: ~10-60 s on 2 cores
STOP_TIMEOUT_S = 10.0  # after SIGTERM, the server gets this long before it is killed


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The ``solara run`` command line of the dashboard (production mode: no reloader)."""
    return [
        sys.executable, "-m", "solara", "run", APP,
        "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


def server_env() -> dict[str, str]:
    """Environment for the server: offline (front-end from the local solara-assets copy, no
    telemetry), so the page loads behind a firewall."""
    return {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_ASSETS_PROXY": "true",  # serve /_solara/cdn from the installed solara-assets
        "SOLARA_THEME_SHOW_BANNER": "false",  # Solara's English corner banner would sit on the figures
        "SOLARA_THEME_TITLE": "ptsim",
        "MPLBACKEND": "Agg",
    }


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``dashboard`` and ``lessons`` to the ``ptsim`` sub-commands."""
    dash = sub.add_parser("dashboard", help="start the classroom dashboard (a local web app)")
    dash.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    dash.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port 1-65535 (default {DEFAULT_PORT})"
    )
    dash.set_defaults(func=_cmd_dashboard)

    les = sub.add_parser("lessons", help="the dashboard's ready-made lessons")
    les.set_defaults(func=_cmd_lessons)


def _port(text: str) -> int:
    """A TCP port number (argparse refuses anything else with a one-line message, status 2)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


def _cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        import solara  # noqa: F401
    except ImportError:
        print('ptsim: the dashboard needs its extra: pip install -e ".[dashboard]"', file=sys.stderr)
        return 2
    return serve(args.host, args.port)


def local_url(host: str, port: int) -> str:
    """The address to poll and to print (a wildcard host is reached on the loopback address)."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/"


def wait_until_ready(url: str, proc: subprocess.Popen, timeout: float = READY_TIMEOUT_S) -> bool:
    """Poll ``url`` until it answers HTTP 200; False if the server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT_S) -> int:
    """Stop the server: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def serve(host: str, port: int) -> int:
    """Run the Solara server as a child; print the address once it answers; stop the child on
    Ctrl-C or SIGTERM (so no server is left on the port)."""
    proc = subprocess.Popen(server_command(host, port), env=server_env())

    def on_term(signum, frame):  # SIGTERM to ptsim: leave through the `finally` below
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        print(f"ptsim dashboard: starting on {host}:{port} ...", flush=True)
        if not wait_until_ready(local_url(host, port), proc):
            code = proc.poll()
            why = (
                f"exited with code {code}"
                if code is not None
                else f"did not answer in {READY_TIMEOUT_S:.0f} s"
            )
            print(f"ptsim dashboard: the server {why}", file=sys.stderr)
            return 1
        print(f"ptsim dashboard: open http://{host}:{port} in a browser (Ctrl-C stops it)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)
        signal.signal(signal.SIGTERM, previous)


def _cmd_lessons(args: argparse.Namespace) -> int:
    from simulation.dashboard import lessons

    print(lessons.listing())
    return 0
