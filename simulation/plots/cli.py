"""The ``ptsim plot`` and ``ptsim report`` commands.

:func:`add_commands` registers them on the ``ptsim`` parser. A folder that is not a results folder,
or lacks a file or column a figure needs, raises :class:`~simulation.plots.data.PlotDataError` (a
``ScenarioError``): ``ptsim`` prints the message and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.plots import names


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``plot`` and ``report`` to the ``ptsim`` subcommands."""
    pl = sub.add_parser(
        "plot",
        help="figures from a results folder (ptsim run or a sweep)",
        description="Draw the figures of a results folder with matplotlib: every kind that applies, or "
        "those named by --kind. Kinds: " + ", ".join(names.KINDS) + ". Figures go to RESULTS/plots (--out).",
    )
    pl.add_argument("results", type=Path, help="a results folder of ptsim run, sweep or experiment")
    pl.add_argument("--out", type=Path, help="folder for the figures (default RESULTS/plots)")
    pl.add_argument(
        "--kind",
        action="extend",
        nargs="+",
        choices=names.KINDS,
        metavar="K",
        help=f"figure kinds: {', '.join(names.KINDS)}",
    )
    pl.add_argument("--format", choices=names.FORMATS, default="png", help="file format (default png)")
    _common(pl)
    pl.set_defaults(func=cmd_plot)

    rp = sub.add_parser(
        "report",
        help="an HTML report (figures embedded) and its Markdown twin for a results folder",
        description="Write RESULTS/report/report.html (self-contained) and report.md with figures/*.png.",
    )
    rp.add_argument("results", type=Path, help="a results folder of ptsim run, sweep or experiment")
    rp.add_argument("--out", type=Path, help="folder for the report (default RESULTS/report)")
    _common(rp, scenario=False)
    rp.set_defaults(func=cmd_report)


def _common(p: argparse.ArgumentParser, scenario: bool = True) -> None:
    p.add_argument("--lang", choices=names.LANGS, default="en", help="label language (zh needs a CJK font)")
    p.add_argument("--size", choices=names.SIZES, default="slide", help="slide (10x6 in) or column (3.5 in)")
    if scenario:
        p.add_argument(
            "--scenario", help="scenario of the map and flow figures of a sweep (default: the focal one)"
        )


def _headless() -> None:
    """Only the command line picks a backend: Agg, which draws off-screen (importing
    :mod:`simulation.plots` never does, so a notebook keeps its inline backend)."""
    import matplotlib

    matplotlib.use("Agg")


def _lang(requested: str) -> str:
    from simulation.plots import style

    lang, message = style.resolve_lang(requested)
    if message:
        print(f"ptsim: note: {message}", file=sys.stderr)
    return lang


def cmd_plot(args: argparse.Namespace) -> int:
    """``ptsim plot``."""
    _headless()
    from simulation.plots import data, figures

    res = data.load(args.results)
    lang = _lang(args.lang)
    batch = figures.make_all(res, args.kind, size=args.size, lang=lang, scenario=args.scenario)
    out = args.out or res.root / "plots"
    paths = figures.write(batch, out, args.format)
    print(f"{res.kind} folder {res.root}: {len(paths)} figure(s) in {out}")
    for path in paths:
        print(f"  {path.name}")
    for kind, why in batch.skipped.items():
        print(f"skipped {kind}: {why}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``ptsim report``."""
    _headless()
    from simulation.plots import report

    rep = report.build(args.results, args.out, lang=_lang(args.lang), size=args.size)
    print(f"report: {rep.html} (self-contained) and {rep.markdown} with {len(rep.figures)} figure(s)")
    for kind, why in rep.skipped.items():
        print(f"skipped {kind}: {why}")
    return 0
