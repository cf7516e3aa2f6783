"""Lessons: ready-made presets for a class, each a scenario plus what to watch for and why.

A lesson names a scenario file of the library (``scenarios/``) and may add overrides on top of it;
the dashboard loads it, sets the controls to its values and points the advantage view at a
province where the lesson's mechanism shows. ``ptsim lessons`` lists them.

The texts describe what the model does at the dashboard's default size (5,000 firms). A run is
noisy (the gap between a run and its baseline at the end varies by one to three points from seed
to seed), so every direction a text states holds over ten seeds, not only on the default one:
``tests/test_dashboard_lessons.py`` runs every lesson on seeds 20240101..20240110 and checks each
stated direction, besides checking that every lesson loads, validates and runs. Each text is
given in English and Chinese (``title_zh``, ``watch_zh``, ``why_zh``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class Lesson:
    """A preset: a scenario (file under ``scenarios/`` plus overrides) and the story to tell."""

    name: str
    title: str
    scenario: str  # path relative to scenarios/
    watch: str  # what to watch for in the dashboard
    why: str  # the mechanism behind it
    title_zh: str = ""
    watch_zh: str = ""
    why_zh: str = ""
    province: str = "Henan"  # province shown in the advantage view
    overrides: dict[str, Any] = field(default_factory=dict)

    def text(self, part: str, lang: str = "en") -> str:
        """The lesson's ``title``, ``watch`` or ``why`` in ``lang`` (``en`` or ``zh``)."""
        return getattr(self, f"{part}_zh") if lang == "zh" else getattr(self, part)

    @property
    def path(self) -> Path:
        return SCENARIOS / self.scenario

    def load(self, settings: dict[str, Any] | None = None):
        """The lesson's validated scenario, with ``settings`` (flat keys) applied on top."""
        from simulation import scenario as scenario_mod

        values = {**self.overrides, **(settings or {})}
        return scenario_mod.load(self.path, values or None)


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "free",
        "Free play: the baseline, no new policy",
        "baseline.toml",
        "Every lever is off. Switch one on or move a slider: the run restarts in 2024Q1 and the blue "
        "line is compared with the black dashed baseline run on the same seed.",
        "Without new policy the inland share does not rise by itself: in the baseline it slips by "
        "about a point over the twelve years in most seeds. The baseline shows that drift, so the "
        "gap between the lines is the policy's effect.",
        title_zh="自由操作：基准情景，无新政策",
        watch_zh="所有政策杠杆均关闭。打开任一杠杆或移动滑块：运行从2024年第一季度重新开始，"
        "蓝线与相同随机种子的基准情景（黑色虚线）对比。",
        why_zh="没有新政策时，内陆占比不会自行上升：在多数随机种子下，基准情景的内陆占比在十二年间"
        "下降约一个百分点。基准情景显示了这一趋势，因此两条线之间的差距才是政策的效果。",
    ),
    Lesson(
        "special_bonds_lag",
        "Special bonds build parks: why do firms arrive only after the lag?",
        "doses/special_bonds_high.toml",
        "Henan's park capacity (in the Run card) stays at its 2024 level for three quarters and only "
        "then grows each quarter. The inland share pulls away from the baseline only years later: "
        "by the end of the run it is above the baseline in most seeds.",
        "Bonds are issued from 2024Q1 but a park opens build_lag_quarters (3) later. Even then only "
        "firms that review their location in a quarter (a few per cent) can move into the new room, "
        "so the effect builds up over years. Move the build-lag slider and watch the start shift.",
        title_zh="专项债建园区：为什么企业要等到建设期之后才来？",
        watch_zh="河南的园区容量（见“运行”卡片）在三个季度内保持2024年的水平，之后才逐季增长。"
        "内陆占比要到数年后才与基准情景拉开差距：到运行结束时，多数随机种子下高于基准情景。",
        why_zh="专项债自2024年第一季度起发行，但园区要在 build_lag_quarters（3）个季度后才启用。"
        "即便启用，每季度也只有重新评估选址的企业（百分之几）能迁入新增空间，所以效果要逐年累积。"
        "移动建设期滑块，观察起点如何移动。",
    ),
    Lesson(
        "tou_flexible",
        "A wider time-of-use spread helps flexible sectors and hurts inflexible ones",
        "contrasts/tou_wide_flexible.toml",
        "The spread is stretched as far as the widest schedules in force (5:1, valley 0.3 x flat) "
        "everywhere and every sector can shift half of its peak load, at a cost. In the "
        "advantage view choose a sector: the orange 'change by the levers' bar of electricity is "
        "positive (the bill falls). Then open the next lesson (no load shifting): the same bar "
        "turns negative.",
        "A wider spread makes peak power dearer and valley power cheaper. Load that can move to "
        "the valley pays less; load stuck in the peak pays more. Which provinces gain depends on "
        "their own tariff structure; moving load (shift work, storage) has a cost, so firms move "
        "it only as far as the saving pays for it.",
        title_zh="拉大峰谷电价差：利好可调负荷的行业，不利于不可调负荷的行业",
        watch_zh="各地峰谷价差拉大到现行最宽电价结构的水平（5:1，低谷为平段的0.3倍），且每个行业都能有代价地转移一半的高峰负荷。"
        "在利润优势图中选择一个行业："
        "电力一栏橙色的“政策杠杆带来的变化”为正（电费下降）。再打开下一课（不能转移负荷）：同一栏变为负。",
        why_zh="价差拉大使高峰电价更贵、低谷电价更便宜。能移到低谷的负荷付得更少，困在高峰的负荷付得更多。"
        "哪些省份受益取决于各自的电价结构；转移负荷（倒班、储能）有成本，企业只转移到节省足以抵偿成本为止。",
    ),
    Lesson(
        "tou_inflexible",
        "The same wide spread when no sector can shift load",
        "contrasts/tou_wide_inflexible.toml",
        "Same spread as the previous lesson, but load_flexibility is 0: the electricity bar of "
        "'change by the levers' turns negative for most sectors (choose one in the advantage view).",
        "With nothing to move off-peak, the higher peak price is pure cost. Compare the inland "
        "share with the flexible case on the same seed.",
        title_zh="同样的价差，但没有行业能转移负荷",
        watch_zh="价差与上一课相同，但 load_flexibility 为0：多数行业电力一栏的“政策杠杆带来的变化”"
        "变为负（在利润优势图中选择一个行业）。",
        why_zh="没有可移出高峰的负荷，更高的峰价就是纯成本。在相同随机种子下与可调负荷的情形比较内陆占比。",
    ),
    Lesson(
        "links_coast_interior",
        "Better coast-interior roads can pull firms to the coast",
        "contrasts/links_coast_interior.toml",
        "Domestic trade between the coast and the interior costs 30% less. Market access improves "
        "in Guangdong (the orange bar) and falls in Henan; the inland share stays close to the "
        "baseline (above it in some seeds, below in others) and, in most seeds, ends below the "
        "inland share of the next lesson.",
        "Cheaper links let a firm serve the interior from the bigger coastal market (the "
        "home-market effect: Martin & Rogers 1995; Faber 2014 found China's trunk highways slowed "
        "growth in the peripheral counties they connected). Compare with the next lesson.",
        title_zh="更好的沿海—内陆通道可能把企业拉向沿海",
        watch_zh="沿海与内陆之间的国内贸易成本降低30%。广东的市场准入改善（橙色栏），河南的下降；"
        "内陆占比仍接近基准情景（有的随机种子略高，有的略低），且在多数随机种子下最终低于下一课的内陆占比。",
        why_zh="通道变便宜后，企业可以从更大的沿海市场服务内陆（本地市场效应：Martin & Rogers 1995；"
        "Faber 2014 发现中国的干线公路减缓了所连接的外围县的增长）。与下一课比较。",
        province="Guangdong",
    ),
    Lesson(
        "links_interior_world",
        "Better links from the interior to the world draw firms inland",
        "contrasts/links_interior_world.toml",
        "Cheaper legs to ports and railheads and cheaper trade inside the interior: the logistics "
        "bar of Sichuan jumps at once; the inland share pulls above the baseline over the years: by "
        "the end of the run about three points on average, above it in all ten seeds tried.",
        "Links from the interior to the world (rail to Europe, multimodal legs) cut the interior's "
        "freight handicap without helping the coast serve the interior: the opposite pull to the "
        "coast-interior roads of the previous lesson.",
        title_zh="内陆通达世界的通道更好，企业向内陆迁移",
        watch_zh="通往港口和铁路站点的运输更便宜，内陆内部贸易也更便宜：四川的物流一栏立即上升；"
        "内陆占比随年份推移高于基准情景：到运行结束时平均高出约三个百分点，所试的10个随机种子全部高于基准。",
        why_zh="内陆通达世界的通道（中欧班列、多式联运）缩小内陆的运输劣势，却不帮助沿海服务内陆："
        "与上一课的沿海—内陆通道方向相反。",
        province="Sichuan",
    ),
    Lesson(
        "matchmaking",
        "Matchmaking: firms cannot move to a province they have never heard of",
        "measures/m05_matchmaking.toml",
        "No cost bar moves: the expo and the platform change what firms know, not what things cost. "
        "The inland share ends above the baseline on average: over ten seeds the gap averages about "
        "+1.4 points, more than twice its standard error, above it in 8 of 10 seeds, but with "
        "seed-to-seed swings of two points a single run can show either sign.",
        "Firms learn of and forget provinces outside their region without any policy; the expo and "
        "the platform add a 2% chance a quarter of learning of an interior province (the reach of "
        "the documented matchmaking events). Firms already know nine in ten such provinces, so that "
        "share rises only to about 92%; reviewing firms also weigh one more province. Firms only "
        "choose among places they weigh, so more of the firms that review move inland. New plants "
        "already weigh every province, so the lever reaches existing firms only when they review "
        "(about one in twenty a quarter): an effect that builds up over years.",
        title_zh="对接合作：企业不会迁往从未听说过的省份",
        watch_zh="没有任何成本栏变化：加博会和线上平台改变的是企业知道什么，而不是成本。"
        "运行结束时内陆占比平均高于基准情景：10个随机种子的平均差距约为+1.4个百分点，超过其标准误的两倍，10个种子中有8个高于基准，"
        "但种子之间的波动达两个百分点，单次运行可能出现任一方向。",
        why_zh="没有政策时，企业也会了解和遗忘本区域以外的省份；加博会和线上平台使企业每季度多2%的机会了解某个内陆省份"
        "（有据可查的对接活动的覆盖面）。企业本已知道九成这样的省份，所以这一比例只升至约92%；重新评估选址的企业还会多考虑一个省份。"
        "企业只在所考虑的地方中选择，"
        "因此重新评估的企业中有更多迁往内陆。新建工厂本来就会考虑所有省份，所以这一政策只在现有企业重新评估时起作用"
        "（每季度约二十分之一）：效果要逐年累积。",
    ),
    Lesson(
        "maintenance_pilots",
        "Bonded-maintenance pilots: a margin on the coast, not a push inland",
        "measures/m03_maintenance_pilots.toml",
        "The customs bar of Guangdong turns positive (Suzhou, Dongguan and Tianjin Binhai are the "
        "pilots), but the inland share ends close to the baseline: over ten seeds the gap averages "
        "about -0.6 points, below it in half the seeds, with swings of nearly three points, so no "
        "direction can be told from the noise at this size. Change the seed and compare.",
        "Measure 三 names eastern pilot cities: eligible firms there earn a maintenance margin, a "
        "reason to stay, and new plants that weigh every province find the coast a little more "
        "profitable. Not every measure of the policy pushes inland.",
        title_zh="保税维修试点：沿海的利润，而非向内陆的推力",
        watch_zh="广东的海关一栏变为正（试点为苏州、东莞和天津滨海新区），但运行结束时内陆占比接近基准情景："
        "10个随机种子的平均差距约为-0.6个百分点，一半的种子低于基准，波动近三个百分点，在这一规模下无法从噪声中分辨出方向。更换随机种子并比较。",
        why_zh="措施三列出了东部试点城市：符合条件的企业在那里获得维修利润，多了一个留下的理由；"
        "考虑所有省份的新建工厂也会觉得沿海更有利可图。并非每项措施都推动向内陆转移。",
        province="Guangdong",
    ),
)
BY_NAME: dict[str, Lesson] = {lesson.name: lesson for lesson in LESSONS}


def get(name: str) -> Lesson:
    """The lesson called ``name``; ``KeyError`` names the allowed ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown lesson {name!r}; allowed: {', '.join(BY_NAME)}") from None


def listing() -> str:
    """Plain-text list of the lessons (``ptsim lessons``)."""
    lines = []
    for lesson in LESSONS:
        lines.append(f"{lesson.name}: {lesson.title}\n  scenario: scenarios/{lesson.scenario}")
        lines.append(f"  watch: {lesson.watch}\n  why: {lesson.why}\n")
    lines.append("Start the dashboard with `ptsim dashboard` and choose a lesson at the top of the sidebar.")
    return "\n".join(lines)
