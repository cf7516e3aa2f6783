"""The dashboard's two interface languages: English and Chinese.

Every label of the page and of its figures goes through :func:`tr` (English text in, the chosen
language out). Province and sector names come from the data tables' ``name_zh`` columns, lever
titles from the registry's ``title_zh``, lesson texts from :mod:`~simulation.dashboard.lessons`.

The page's HTML text is drawn by the viewer's browser (its own fonts); the figures are drawn on
the server by matplotlib, which needs a font with Chinese glyphs there. Without one
(:func:`figure_lang`) the page stays Chinese, the figures keep English labels and the page says
why (:data:`NO_CJK_NOTE`).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from simulation.geography import REGIONS
from simulation.levers import CHANNELS
from simulation.plots.i18n import ZH as FIGURE_ZH

#: Channels the dashboard labels as the figures do (market access has a label of its own).
CHANNEL_WORDS = tuple(c for c in CHANNELS if c != "market_access")

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}

#: English label → Chinese label. Keys are the exact English strings used by the dashboard.
ZH: dict[str, str] = {
    # page
    "ptsim: where does China's processing trade go? (policy Shangmaofa [2023] No. 308)": (
        "ptsim：中国加工贸易向何处去？（商贸发〔2023〕308号）"
    ),
    "Lesson": "课程",
    "Watch": "观察",
    "Why": "原因",
    "Run": "运行",
    "Firms": "企业数",
    "Seed": "随机种子",
    "Language": "语言",
    "Reset": "重置",
    "Step": "前进一季",
    "Levers (a change restarts the run)": "政策杠杆（改动后从头运行）",
    "Province": "省份",
    "Sector": "行业",
    "all sectors": "全部行业",
    "other measures": "其他措施",
    "Measure": "措施",
    "Preparing the run …": "正在准备运行……",
    "Steps clicked meanwhile": "等待执行的步数",
    "Last Step": "上一步耗时",
    "on": "开",
    "off": "关",
    "none": "无",
    # numbers beside the controls
    "Quarter": "季度",
    "step": "第",
    "of": "步，共",
    "Inland share, this run": "内陆占比（本次运行）",
    "Inland share, baseline": "内陆占比（基准情景）",
    "Difference": "差值",
    "points": "个百分点",
    "Firms moved this quarter / so far": "本季/累计迁移企业",
    "park room used / capacity": "园区已用/容量",
    "employment": "就业",
    "jobs": "个岗位",
    "persons": "人",
    # figures
    "processing employment by province (circle area)": "各省加工贸易就业（圆面积）",
    "move east → inland": "东部→内陆迁移",
    "other move": "其他迁移",
    "thousand persons": "千人",
    "circle area: employment": "圆面积：就业",
    "number": "数字",
    "Inland share": "内陆占比",
    "vs baseline": "，基准情景",
    "baseline (same seed)": "基准情景（相同种子）",
    "this run": "本次运行",
    "no lever on": "未启用政策",
    "year (end of Q4)": "年份（第四季度末）",
    "inland share of employment (%)": "内陆就业占比（%）",
    "employment by region and sector": "各大区、各行业就业",
    "baseline total": "基准情景合计",
    "processing employment (million persons)": "加工贸易就业（百万人）",
    "advantage over national mean": "相对全国平均的优势",
    "change by the levers": "政策杠杆带来的变化",
    "profit margin (% of output)": "利润率（占产出%）",
    "advantage of": "利润优势：",
    # regions and channels: the figures' words (one source), and the dashboard's own label
    **{k: FIGURE_ZH[k] for k in (*REGIONS, *CHANNEL_WORDS)},
    "market access": "市场准入",
    # slider and select labels (declarations' docs) and units
    "Special bonds issued for carrier projects per year": "每年发行的载体项目专项债",
    "How the budget is shared among target provinces": "预算在目标省份间的分配方式",
    "Quarters from issuance until the capacity opens": "发行到产能启用的季度数",
    "Stretch of the spread (preset 'scale')": "峰谷价差的放大倍数",
    "ptsim dashboard": "ptsim 仪表板",
    "New China-Europe Railway Express origins": "新增中欧班列始发地",
    "Share of the rail rate paid by government at origins in the targets": "目标始发地政府承担的铁路运价比例",
    "Days saved by more frequent, timetabled trains": "班次加密、按图开行节省的天数",
    "Provinces that gain international cargo routes": "新增国际货运航线的省份",
    "Share of the air rate paid by government at airports in the targets": "目标机场政府承担的空运运价比例",
    "Share off the trade cost of coast-interior links": "沿海—内陆通道贸易成本降低比例",
    "Share off the trade cost between interior target provinces": "内陆目标省份之间贸易成本降低比例",
    "equal": "平均分配",
    "carriers": "按载体",
    "weights": "按权重",
    "yuan/year": "元/年",
    "bn yuan/year": "十亿元/年",
    "quarters": "个季度",
    "x current spread": "倍现行价差",
    "share": "比例",
    "days": "天",
}

#: Debian packages with a CJK font (named in the note below).
CJK_PACKAGES = ("fonts-noto-cjk", "fonts-wqy-microhei")
#: Said on the page when the figures cannot be drawn in Chinese on this server.
NO_CJK_NOTE = (
    f"此服务器未安装中文字体，图表暂用英文标注（安装 {CJK_PACKAGES[0]} 或 {CJK_PACKAGES[1]} 后重启即可）。"
)


def tr(text: str, lang: str) -> str:
    """``text`` in ``lang``: the Chinese of a known English label, else ``text`` unchanged."""
    return ZH.get(text, text) if lang == "zh" else text


@cache
def _zh_column(table: str, key: str) -> dict[str, str]:
    from simulation.tables import data_path

    df = pd.read_csv(data_path(table), usecols=[key, "name_zh"])
    return dict(zip(df[key].astype(str), df["name_zh"].astype(str), strict=True))


def province(name: str, lang: str) -> str:
    """A province's name (``provinces.csv``'s ``name_zh`` in Chinese)."""
    return _zh_column("provinces.csv", "province").get(name, name) if lang == "zh" else name


def sector(name: str, lang: str) -> str:
    """A sector's name for a label (``sectors.csv``'s ``name_zh`` in Chinese)."""
    return _zh_column("sectors.csv", "sector").get(name, name) if lang == "zh" else name.replace("_", " ")


def cjk_font() -> str | None:
    """Family of an installed font with Chinese glyphs that matplotlib can use, or None."""
    from simulation.plots.style import cjk_font as find

    return find()


def figure_lang(lang: str) -> str:
    """The language the figures can be drawn in: ``zh`` only when a CJK font is installed."""
    return "zh" if lang == "zh" and cjk_font() is not None else "en"
