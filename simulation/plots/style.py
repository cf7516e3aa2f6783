"""Colours, sizes, units and languages shared by every figure.

* **Palette**: the colours are in :mod:`simulation.plots.palette` (shared with the dashboard); each
  scenario gets a colour (and, beyond the seven colours, a line style) from its position in the
  sweep's scenario list (:func:`scenario_styles`), the baseline always black: the same scenario
  looks the same in every figure of a folder.
* **Sizes**: ``slide`` (10 x 6 in, large type for a projector) and ``column`` (3.5 in wide, a paper
  column); :func:`context` applies one to everything drawn inside it.
* **Units**: :func:`outcome_unit` gives the label, unit and divisor used to plot an outcome column
  (shares in percentage points, persons in thousands, yuan in 100 million yuan).
* **Languages**: ``en`` and ``zh``; Chinese labels need a CJK font, found through matplotlib's
  font manager (:func:`cjk_font`); without one, :func:`resolve_lang` falls back to English with a
  message saying what to install.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # figures are drawn off-screen; a notebook shows the returned Figure itself
from matplotlib import font_manager
from matplotlib.figure import Figure

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
DPI = 150

#: Font families with Chinese glyphs, in order of preference.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
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
    rc = {
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
        "savefig.dpi": DPI,
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
    }
    if lang == "zh":
        # named families, not the generic "sans-serif": text is drawn (saved) after this context ends
        rc["font.family"] = [cjk_font(), "DejaVu Sans"]
        rc["axes.unicode_minus"] = False
    _LANG.append(lang)
    try:
        with matplotlib.rc_context(rc):
            yield s
    finally:
        _LANG.pop()


_LANG: list[str] = []


def current_lang() -> str:
    """The language of the figure being drawn (``en`` outside :func:`context`)."""
    return _LANG[-1] if _LANG else "en"


def figure(size: Size, rows: float = 1.0, cols: float = 1.0, aspect: float | None = None) -> Figure:
    """A constrained-layout Figure: ``cols`` panels across the size's width (wider on slides only),
    ``rows`` panel heights tall (``aspect`` = height/width overrides)."""
    width = size.width if size.width < 5 else size.width * max(1.0, min(cols, 1.4))
    height = width * aspect if aspect else size.height * rows
    return Figure(figsize=(width, height), layout="constrained")


# --- words -------------------------------------------------------------------------------------

ZH = {
    "east": "东部",
    "central": "中部",
    "west": "西部",
    "northeast": "东北",
    "inland": "内陆（中西部及东北）",
    "labour": "劳动力",
    "land": "土地",
    "electricity": "电力",
    "logistics": "物流",
    "customs": "海关",
    "finance": "金融",
    "market_access": "国内市场",
    "tax": "税收",
    "subsidies": "补贴",
    "agglomeration": "集聚",
    "electronics": "电子",
    "apparel": "服装",
    "food": "食品",
    "machinery": "机械",
    "biomedicine": "生物医药",
    "new_energy": "新能源",
    "aerospace": "航空航天",
    "year": "年份",
    "total": "合计",
    "baseline": "基准情景",
}


def t(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default: the current language): the Chinese of a region, channel, sector
    or phrase known to :data:`ZH` or :data:`PHRASES`, else ``text`` unchanged."""
    if (lang or current_lang()) != "zh":
        return text
    return ZH.get(text) or PHRASES.get(text) or text


PHRASES = {
    "Inland share of processing employment": "加工贸易就业的内陆占比",
    "Employment share by NBS region": "各大区加工贸易就业占比",
    "share of employment (%)": "就业占比（%）",
    "Effects against the baseline (mean paired difference, 95% CI)": (
        "相对基准情景的效应（配对差均值，95%置信区间）"
    ),
    "Change in employment share by province": "各省就业占比变化",
    "percentage points": "百分点",
    "Relocation flows between NBS regions": "大区间的迁移流",
    "origin region": "迁出大区",
    "destination region": "迁入大区",
    "employment moved (thousand persons)": "迁移就业（千人）",
    "Relocation flows by sector": "分行业迁移流",
    "Lever effect on the profit advantage, by channel": "政策对利润优势的影响（分渠道）",
    "yuan per yuan of output": "元/元产出",
    "net": "净效应",
    "Dose-response": "剂量-效应",
    "fiscal cost per job (thousand yuan per job)": "每个岗位的财政成本（千元/岗位）",
    "Sensitivity indices": "敏感性指数",
    "east to inland": "东部→内陆",
    "inland to east": "内陆→东部",
    "within east": "东部内部",
    "within inland": "内陆内部",
    "range over seeds": "各种子的范围",
    # the scale card of the report (simulation/plots/scalecard.py)
    "Scale of the model against documented figures": "模型规模与文献数据对比",
    "entry": "项目",
    "unit": "单位",
    "model (step 0)": "模型值（第0期）",
    "documented": "文献值",
    "ratio model / documented": "比值（模型/文献）",
    "confidence": "可信度",
    "source": "来源",
    "processing exports (the anchor)": "加工贸易出口（锚定值）",
    "processing imports": "加工贸易进口",
    "processing-trade employment": "加工贸易就业",
    "processing-trade firms represented": "所代表的加工贸易企业",
    "processing exports to the EU (documented: China's total)": "对欧盟加工贸易出口（文献值：中国出口总额）",
    "processing exports to North America (documented: China's total to the US)": (
        "对北美加工贸易出口（文献值：中国对美出口总额）"
    ),
    "processing exports to East Asia (documented: China's total)": (
        "对东亚加工贸易出口（文献值：中国出口总额）"
    ),
    "processing exports to ASEAN (documented: China's total)": "对东盟加工贸易出口（文献值：中国出口总额）",
    "processing exports to all markets (documented: China's total)": (
        "加工贸易出口合计（文献值：中国出口总额）"
    ),
    "China–Europe Railway Express cargo (model: rail exports to the EU)": (
        "中欧班列货值（模型：经铁路对欧盟出口）"
    ),
    "processing exports to ASEAN through land ports": "经陆路口岸对东盟加工贸易出口",
    "air share of processing export value": "空运占加工贸易出口额比重",
    "trillion yuan/year": "万亿元/年",
    "billion yuan/year": "十亿元/年",
    "billion USD/year": "十亿美元/年",
    "million persons": "百万人",
    "firms": "家企业",
    "% of export value": "占出口额%",
    "as stored": "原单位",
    (
        "Model values at the start of the run (step 0, annual rates, real scale); money is anchored on "
        "documented processing exports and firms on the documented count, so those two ratios are 1 by "
        "construction."
    ): (
        "模型值为运行起点（第0期，年率，实际规模）；金额以文献中的加工贸易出口为锚，"
        "企业数以文献企业数为锚，故这两项比值按构造为1。"
    ),
    "—: no documented figure found.": "—：未找到文献数据。",
    (
        "Confidence: A = official table, or two copies that agree; B = one repost of an official release; "
        "C = derived, indirect or secondary (simulation/data/SOURCES.md)."
    ): (
        "可信度：A = 官方统计表，或两份一致的转载；B = 官方发布的一份转载；C = 推算、间接或二手来源"
        "（simulation/data/SOURCES.md）。"
    ),
    "The scale card is not available for this folder": "此结果文件夹没有规模对照表",
    "Notes on the entries": "各项说明",
}


# --- units of outcome columns --------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """How an outcome is plotted: ``value / divisor`` in ``unit``."""

    label: str
    unit: str
    divisor: float


OUTCOMES = {
    "inland_employment_share_end": Unit("inland employment share at the end", "percentage points", 0.01),
    "inland_output_share_end": Unit("inland output share at the end", "percentage points", 0.01),
    "inland_employment_end": Unit("inland employment at the end", "thousand persons", 1e3),
    "relocated_jobs_to_inland": Unit("jobs moved from the east inland", "thousand persons", 1e3),
    "relocations_total": Unit("relocations", "synthetic firms", 1.0),
    "relocated_employment_total": Unit("employment relocated", "thousand persons", 1e3),
    "fiscal_cost_yuan_total": Unit("fiscal cost over the run", "100 million yuan", 1e8),
    "jobs_relocated_per_100m_yuan": Unit(
        "jobs moved inland per 100 million yuan", "persons per 10^8 yuan", 1.0
    ),
    "employment_total": Unit("employment", "thousand persons", 1e3),
}


def outcome_unit(outcome: str) -> Unit:
    """The :class:`Unit` of a summary column: known outcomes from :data:`OUTCOMES`, others by their
    name (``*share*``: percentage points; ``*yuan*``: 100 million yuan; employment or jobs: thousand
    persons; otherwise as stored)."""
    if outcome in OUTCOMES:
        return OUTCOMES[outcome]
    label = outcome.replace("_", " ").replace(".", ": ")
    if "per_100m_yuan" in outcome:
        return Unit(label, "persons per 10^8 yuan", 1.0)
    if "share" in outcome:
        return Unit(label, "percentage points", 0.01)
    if "yuan" in outcome:
        return Unit(label, "100 million yuan", 1e8)
    if "employment" in outcome or "jobs" in outcome:
        return Unit(label, "thousand persons", 1e3)
    return Unit(label, "as stored", 1.0)
