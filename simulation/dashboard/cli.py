"""``ptsim dashboard`` and ``ptsim lessons``, registered on the ``ptsim`` command by
:func:`add_commands` (this module imports neither Solara nor the model until a command runs)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

APP = "simulation.dashboard.app"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


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
    print(f"ptsim dashboard: open http://{args.host}:{args.port} in a browser (Ctrl-C stops it)")
    try:
        return subprocess.call(server_command(args.host, args.port), env=server_env())
    except KeyboardInterrupt:
        return 0


def _cmd_lessons(args: argparse.Namespace) -> int:
    from simulation.dashboard import lessons

    print(lessons.listing())
    return 0
