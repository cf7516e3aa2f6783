"""Colours, sizes, units and languages shared by every figure.

* **Palette**: the colours are in :mod:`simulation.plots.palette` (shared with the dashboard); each
  scenario gets a colour (and, beyond the seven colours, a line style) from its position in the
  sweep's scenario list (:func:`scenario_styles`), the baseline always black: the same scenario
  looks the same in every figure of a folder.
* **Sizes**: ``slide`` (10 x 6 in, large type for a projector) and ``column`` (3.5 in wide, a paper
  column, at most :data:`COLUMN_MAX_HEIGHT` tall); :func:`context` applies one to everything drawn
  inside it, and :func:`figure` makes a :class:`PlotFigure` that keeps those settings and the
  print settings (:data:`PRINT_RC`: TrueType fonts in PDF and PostScript, live text in SVG, PNG at
  :data:`DPI`) for whenever it is drawn or saved, in a notebook too.
* **Backend**: nothing here chooses a matplotlib backend; the figures are plain
  :class:`~matplotlib.figure.Figure` objects (no pyplot), so they render inline in a notebook and
  leave the user's own pyplot backend alone. Only ``ptsim`` (``simulation.plots.cli``) picks Agg.
* **Units**: :func:`outcome_unit` gives the label, unit and divisor used to plot an outcome column
  (shares in percentage points, persons in thousands, yuan in 100 million yuan).
* **Languages**: ``en`` and ``zh``; Chinese labels need a CJK font, found through matplotlib's
  font manager (:func:`cjk_font`); without one, :func:`resolve_lang` falls back to English with a
  message saying what to install.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

from simulation.plots.i18n import PHRASES, ZH
from simulation.plots.names import LANGS
from simulation.plots.palette import BASELINE_COLOUR, LINESTYLES, SCENARIO_CYCLE


@dataclass(frozen=True)
class Size:
    """A figure size: width and height of a one-panel figure (inches) and the base font size."""

    width: float
    height: float
    font: float
    line: float


SIZES = {"slide": Size(10.0, 6.0, 14.0, 2.0), "column": Size(3.5, 2.6, 7.0, 1.0)}
#: The tallest column figure (inches): a page of a two-column paper less its margins and a caption.
COLUMN_MAX_HEIGHT = 8.0
#: Resolution of saved PNGs (dots per inch): print quality.
DPI = 300
#: Resolution of the PNGs embedded in the report (a screen).
SCREEN_DPI = 150
#: Resolution of a figure shown inline in a notebook.
NOTEBOOK_DPI = 100
#: Settings in force whenever a :class:`PlotFigure` is saved: TrueType (Type 42) fonts in PDF and
#: PostScript files (journals refuse Type 3), text kept as text in SVG, PNGs at :data:`DPI`.
PRINT_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "savefig.dpi": DPI}

#: Font families with Chinese glyphs, in order of preference: TrueType outlines first (they embed
#: in PDF as Type 42; Noto/Source Han CJK are CFF-flavoured OpenType).
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans SC",
)
_CJK_FILE_HINTS = (
    "cjk",
    "wqy",
    "droidsansfallback",
    "uming",
    "ukai",
    "simhei",
    "msyh",
    "pingfang",
    "sourcehan",
)
NO_CJK_MESSAGE = (
    "no font with Chinese glyphs found, so the labels stay in English; install one (Debian/Ubuntu: "
    "apt-get install fonts-noto-cjk, or the smaller fonts-wqy-microhei) and run again with --lang zh"
)


def scenario_styles(scenarios: Sequence[str], baseline: str | None = None) -> dict[str, dict[str, str]]:
    """``{scenario: {"color": ..., "linestyle": ...}}``, deterministic from the order of
    ``scenarios``: the baseline black and solid, the others through :data:`SCENARIO_CYCLE`, then the
    same colours with the next line style."""
    out: dict[str, dict[str, str]] = {}
    i = 0
    for name in scenarios:
        if name == baseline:
            out[name] = {"color": BASELINE_COLOUR, "linestyle": "-"}
            continue
        colour = SCENARIO_CYCLE[i % len(SCENARIO_CYCLE)]
        out[name] = {"color": colour, "linestyle": LINESTYLES[(i // len(SCENARIO_CYCLE)) % len(LINESTYLES)]}
        i += 1
    return out


# --- fonts and languages -----------------------------------------------------------------------

_cjk_cache: list[str | None] = []


def cjk_font() -> str | None:
    """The family name of an installed CJK font known to matplotlib, or None.

    Looks in matplotlib's font list first; if none is there (its cache predates the font's
    installation), scans the system fonts once and registers the CJK ones."""
    if _cjk_cache:
        return _cjk_cache[0]
    found = _known_cjk()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(h in path.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS):
                with contextlib.suppress(Exception):
                    font_manager.fontManager.addfont(path)
        found = _known_cjk()
    _cjk_cache.append(found)
    return found


def _known_cjk() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in names), None)


def resolve_lang(lang: str) -> tuple[str, str | None]:
    """The language figures can be drawn in: ``(lang, None)``, or ``("en", message)`` when Chinese
    was asked for and no CJK font is installed."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
    if lang == "zh" and cjk_font() is None:
        return "en", NO_CJK_MESSAGE
    return lang, None


def _rc(s: Size, lang: str) -> dict[str, Any]:
    """The matplotlib settings of size ``s`` and language ``lang``, print settings included."""
    rc: dict[str, Any] = {
        "font.size": s.font,
        "axes.titlesize": s.font * 1.1,
        "axes.labelsize": s.font,
        "xtick.labelsize": s.font * 0.9,
        "ytick.labelsize": s.font * 0.9,
        "legend.fontsize": s.font * 0.85,
        "figure.titlesize": s.font * 1.2,
        "lines.linewidth": s.line * 1.2,
        "axes.linewidth": s.line * 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        **PRINT_RC,
    }
    if lang == "zh":
        # named families, not the generic "sans-serif": the figure may be drawn after the context
        rc["font.family"] = [cjk_font(), "DejaVu Sans"]
        rc["axes.unicode_minus"] = False
    return rc


@contextlib.contextmanager
def context(size: str = "slide", lang: str = "en") -> Iterator[Size]:
    """Matplotlib settings for ``size`` (slide or column) and ``lang`` around the drawing of a
    figure; yields the :class:`Size`. With ``lang="zh"`` and no CJK font, warns and draws English
    labels (the callers translate with :func:`t`, which reads the language set here)."""
    if size not in SIZES:
        raise ValueError(f"size {size!r}: choose one of {', '.join(SIZES)}")
    lang, message = resolve_lang(lang)
    if message:
        warnings.warn(message, stacklevel=3)
    s = SIZES[size]
    rc = _rc(s, lang)
    _LANG.append(lang)
    _RC.append(rc)
    try:
        with matplotlib.rc_context(rc):
            yield s
    finally:
        _LANG.pop()
        _RC.pop()


_LANG: list[str] = []
_RC: list[dict[str, Any]] = []


def current_lang() -> str:
    """The language of the figure being drawn (``en`` outside :func:`context`)."""
    return _LANG[-1] if _LANG else "en"


class PlotFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that keeps the settings of the :func:`context` it was
    made in (size, language, :data:`PRINT_RC`) and applies them whenever it is drawn or saved, so
    a PDF saved later (``fig.savefig("x.pdf")`` in a notebook) still embeds TrueType fonts, an SVG
    keeps live text and a PNG has :data:`DPI` dots per inch."""

    def __init__(self, *args: Any, rc: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ptsim_rc = dict(rc if rc is not None else (_RC[-1] if _RC else PRINT_RC))

    def draw(self, renderer: Any) -> None:
        with matplotlib.rc_context(self.ptsim_rc):
            super().draw(renderer)

    def savefig(self, fname: Any, *args: Any, **kwargs: Any) -> None:
        with matplotlib.rc_context(self.ptsim_rc):
            super().savefig(fname, *args, **kwargs)

    def _repr_png_(self) -> bytes:
        """The figure as a PNG, for IPython and Jupyter: a notebook shows the figure left as a
        cell's value inline, whatever the backend (no pyplot needed)."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=NOTEBOOK_DPI)
        return buf.getvalue()


def figure(size: Size, rows: float = 1.0, cols: float = 1.0, aspect: float | None = None) -> PlotFigure:
    """A constrained-layout :class:`PlotFigure`: ``cols`` panels across the size's width (wider on
    slides only), ``rows`` panel heights tall (``aspect`` = height/width overrides); a column
    figure is never taller than :data:`COLUMN_MAX_HEIGHT`."""
    width = size.width if size.width < 5 else size.width * max(1.0, min(cols, 1.4))
    height = width * aspect if aspect else size.height * rows
    if size.width < 5:
        height = min(height, COLUMN_MAX_HEIGHT)
    return PlotFigure(figsize=(width, height), layout="constrained")


def _em(ch: str) -> float:
    """Approximate width of a character in ems (CJK and full-width forms are square)."""
    return 1.0 if ord(ch) >= 0x2E80 else 0.56


def wrap(text: str, width: float, fontsize: float) -> str:
    """``text`` with each line broken to fit ``width`` inches at ``fontsize`` points: at spaces,
    or between any two Chinese characters."""
    room = width * 72.0 / fontsize  # ems per line
    out = []
    for line in text.split("\n"):
        current, used = "", 0.0
        for word in _words(line):
            w = sum(_em(c) for c in word)
            if current and used + w > room:
                out.append(current.rstrip())
                current, used = word.lstrip(), sum(_em(c) for c in word.lstrip())
            else:
                current, used = current + word, used + w
        out.append(current.rstrip())
    return "\n".join(out)


def _words(line: str) -> list[str]:
    """Breakable pieces of a line: each Chinese character alone, other runs with the space before."""
    pieces, buf = [], ""
    for ch in line:
        if ord(ch) >= 0x2E80:
            if buf:
                pieces.append(buf)
            pieces.append(ch)
            buf = ""
        elif ch == " " and buf.strip():
            pieces.append(buf)
            buf = " "
        else:
            buf += ch
    return [*pieces, buf] if buf else pieces


def suptitle(fig: Figure, text: str, size: Size, scale: float = 1.0) -> None:
    """The figure's title, wrapped to its width."""
    fontsize = size.font * 1.1 * scale
    fig.suptitle(wrap(text, fig.get_figwidth() * 0.96, fontsize), fontsize=fontsize)


def title(ax: Any, text: str, size: Size, width: float, **kwargs: Any) -> None:
    """An axes title wrapped to ``width`` inches."""
    fontsize = kwargs.pop("fontsize", size.font * 1.0)
    ax.set_title(wrap(text, width, fontsize), fontsize=fontsize, **kwargs)


def column(size: Size) -> bool:
    """Whether ``size`` is the narrow (column) size."""
    return size.width < 5


# --- words -------------------------------------------------------------------------------------


def t(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default: the current language): the Chinese of a region, channel, sector
    or phrase known to :data:`ZH` or :data:`PHRASES`, else ``text`` unchanged."""
    if (lang or current_lang()) != "zh":
        return text
    return ZH.get(text) or PHRASES.get(text) or text


def tr(en: str, zh: str, lang: str | None = None) -> str:
    """``en`` or ``zh`` by ``lang`` (default: the current language): for texts with numbers or names
    in them, written in both languages where they are made."""
    return zh if (lang or current_lang()) == "zh" else en


# --- units of outcome columns --------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """How an outcome is plotted: ``value / divisor`` in ``unit``."""

    label: str
    unit: str
    divisor: float
    label_zh: str = ""

    def name(self, lang: str | None = None) -> str:
        """The label in ``lang`` (default: the current language); an outcome without a Chinese
        label keeps its column name, a proper name."""
        return tr(self.label, self.label_zh or self.label, lang)


OUTCOMES = {
    "inland_employment_share_end": Unit(
        "inland employment share at the end", "percentage points", 0.01, "期末内陆就业占比"
    ),
    "inland_output_share_end": Unit(
        "inland output share at the end", "percentage points", 0.01, "期末内陆产出占比"
    ),
    "inland_employment_end": Unit("inland employment at the end", "thousand persons", 1e3, "期末内陆就业"),
    "relocated_jobs_to_inland": Unit(
        "jobs moved from the east inland", "thousand persons", 1e3, "由东部迁往内陆的岗位"
    ),
    "relocations_total": Unit("relocations", "synthetic firms", 1.0, "迁移次数"),
    "relocated_employment_total": Unit("employment relocated", "thousand persons", 1e3, "迁移就业"),
    "fiscal_cost_yuan_total": Unit("fiscal cost over the run", "100 million yuan", 1e8, "全期财政成本"),
    "value_added_pv_yuan": Unit("value added, present value", "100 million yuan", 1e8, "增加值现值"),
    "welfare_pv_yuan": Unit("welfare, present value", "100 million yuan", 1e8, "福利现值"),
    "employment_total": Unit("employment", "thousand persons", 1e3, "就业"),
}


def outcome_unit(outcome: str) -> Unit:
    """The :class:`Unit` of a summary column: known outcomes from :data:`OUTCOMES`, others by their
    name (``*share*``: percentage points; ``*yuan*``: 100 million yuan; employment or jobs: thousand
    persons; otherwise as stored)."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome]
    label = outcome.replace("_", " ").replace(".", ": ")
    return replace(_guess_unit(outcome, label), label_zh=outcome)  # zh: the column name itself


def _guess_unit(outcome: str, label: str) -> Unit:
    if "per_100m_yuan" in outcome:
        return Unit(label, "persons per 10^8 yuan", 1.0)
    if "share" in outcome:
        return Unit(label, "percentage points", 0.01)
    if "yuan" in outcome:
        return Unit(label, "100 million yuan", 1e8)
    if "employment" in outcome or "jobs" in outcome:
        return Unit(label, "thousand persons", 1e3)
    return Unit(label, "as stored", 1.0)
