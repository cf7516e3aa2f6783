"""The Chinese of the words and sentences of every figure and of the report (``--lang zh``).

:data:`ZH` holds terms (regions, channels, sectors, short words); :data:`PHRASES` whole titles,
labels, units and sentences. :func:`simulation.plots.style.t` looks a text up here; texts built
with numbers or names in them are written in both languages where they are made
(:func:`simulation.plots.style.tr`). Proper names stay as they are: scenario names, parameter keys,
file names, package names.
"""

from __future__ import annotations

#: Terms: regions, channels, sectors, short words.
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

#: Titles, axis labels, units and sentences.
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
    # units
    "thousand persons": "千人",
    "100 million yuan": "亿元",
    "persons per 10^8 yuan": "人/亿元",
    "synthetic firms": "模拟企业（家）",
    "share of variance": "方差占比",
    "yuan per thousand yuan of output": "元/千元产出",
    # units of parameters (dose-response x axes)
    "yuan/year": "元/年",
    "100 million yuan/year": "亿元/年",
    "yuan": "元",
    "USD/year": "美元/年",
    "share": "比例",
    "years": "年",
    "quarters": "季度",
    "probability": "概率",
    "multiplier": "倍数",
    "km": "公里",
    "days": "天",
    "yuan per relocated job": "元/迁移岗位",
    # sensitivity indices
    "μ* (importance)": "μ*（重要性）",
    "σ (interaction)": "σ（交互作用）",
    "S1 (first order)": "S1（一阶）",
    "ST (total)": "ST（总效应）",
}
