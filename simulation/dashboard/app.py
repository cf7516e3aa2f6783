"""The classroom dashboard: a Solara page on Mesa's visualisation tools.

Start it with ``ptsim dashboard`` or ``solara run simulation.dashboard.app``. Every browser session
gets its own :class:`~simulation.dashboard.session.DashboardModel` (built inside :func:`Page`, never
at module level) and its own figures (:mod:`~simulation.dashboard.views`, redrawn only where a Step
changes them). The views listen to Mesa's ``update_counter``. Changing a control, a lesson or
pressing Reset prepares a new run from the first quarter in a background thread (a lever cannot
change the past of a calibrated run; the baseline run is kept) while the page shows that it is
busy; Step clicks made meanwhile are queued and applied to the new run when it is ready.
"""

from __future__ import annotations

import time
from typing import Any

import solara
from mesa.visualization.utils import force_update, update_counter

from simulation.dashboard import controls, i18n, lessons, views
from simulation.dashboard.session import DEFAULT_FIRMS, DEFAULT_SEED, RUN_PARAMS, DashboardModel, RunSlot
from simulation.scenario import ScenarioError

PLAY_INTERVAL_MS = 300  # pause between quarters while playing
TITLE = "ptsim: where does China's processing trade go? (policy Shangmaofa [2023] No. 308)"
FIRM_CHOICES = [n for n in (1000, 2000, 5000, 10000, 20000) if RUN_PARAMS["run.firms"].check(n) == n]
SIDEBAR_PX = 400  # fixed: a long lesson text wraps instead of widening the sidebar over the map
CSS = f"""
.v-navigation-drawer {{ width: {SIDEBAR_PX}px !important; min-width: {SIDEBAR_PX}px !important;
  max-width: {SIDEBAR_PX}px !important; }}
.v-navigation-drawer .v-select__selection {{ white-space: normal; line-height: 1.3; }}
.ptsim-fig img {{ width: 100%; height: auto; display: block; }}
.ptsim-stat {{ font-size: 18px; line-height: 1.6; }}
.ptsim-stat b {{ font-size: 20px; }}
.ptsim-busy {{ font-size: 17px; color: #b35900; font-weight: bold; }}
"""


def initial_params(lesson: str = "free") -> dict[str, Any]:
    """Model parameters of a fresh session: a lesson's settings, class size, default seed."""
    return {
        "lesson": lesson,
        "settings": controls.settings_of(lessons.get(lesson).load()),
        "firms": DEFAULT_FIRMS,
        "seed": DEFAULT_SEED,
    }


def stat_rows(model: DashboardModel, province: str, lang: str = "en") -> list[tuple[str, str, str]]:
    """(id, label, value) of the numbers shown beside the controls."""

    def t(text: str) -> str:
        return i18n.tr(text, lang)

    policy, base = model.inland_shares()
    last = model.recorder.steps[-1]
    r = model.world.index(province)
    moved = sum(int(row["relocations_in"].sum()) for row in model.recorder.steps)
    name = i18n.province(province, lang)
    total = model.params["run.steps"]
    quarter = f"{model.quarter} (step {model.steps} of {total})"
    if lang == "zh":
        quarter = f"{model.quarter}（第 {model.steps} 步，共 {total} 步）"
    return [
        ("quarter", t("Quarter"), quarter),
        ("inland", t("Inland share, this run"), f"{100 * policy[-1]:.2f} %"),
        ("baseline", t("Inland share, baseline"), f"{100 * base[-1]:.2f} %"),
        ("gap", t("Difference"), f"{100 * (policy[-1] - base[-1]):+.2f} {t('points')}"),
        ("moves", t("Firms moved this quarter / so far"), f"{int(last['relocations_in'].sum())} / {moved}"),
        (
            "park",
            f"{name}: {t('park room used / capacity')}",
            f"{last['park_occupied_jobs'][r]:,.0f} / {last['park_capacity_jobs'][r]:,.0f} {t('jobs')}",
        ),
        ("employment", f"{name}: {t('employment')}", f"{last['employment'][:, r].sum():,.0f} {t('persons')}"),
    ]


@solara.component
def Stats(model: DashboardModel, province: str, lang: str):
    """The run's headline numbers (each in an element with id ``ptsim-<name>``)."""
    update_counter.get()
    with solara.Column(gap="2px", classes=["ptsim-stat"]):
        for key, label, value in stat_rows(model, province, lang):
            solara.v.Html(
                tag="div",
                attributes={"id": f"ptsim-{key}"},
                children=[f"{label}: ", solara.v.Html(tag="b", children=[value])],
            )


def _image(view: views.View, model: DashboardModel, choice: tuple, name: str) -> None:
    """One view as an image, redrawn when the model steps or is replaced (or ``choice`` changes)."""
    image = solara.use_memo(lambda: view.image(model, *choice), [id(view), model.uid, model.steps, *choice])
    with solara.Column(classes=["ptsim-fig", f"ptsim-fig-{name}"]):
        solara.Image(image, width="100%", format=views.IMAGE_FORMAT)


@solara.component
def Figures(figure_views: dict[str, views.View], model: DashboardModel, province, sector, lang: str):
    """The four views and the advantage view's choices: one component, so a Step re-renders this
    and the numbers only (each re-rendered component walks the page's widget tree again)."""
    update_counter.get()
    t = i18n.tr
    with solara.Columns([5, 4]):
        with solara.Column():
            _image(figure_views["map"], model, (), "map")
            _image(figure_views["employment"], model, (), "employment")
        with solara.Column():
            _image(figure_views["inland"], model, (), "inland")
            with solara.Row():
                names = controls.province_names()
                shown_names = [i18n.province(n, lang) for n in names]
                solara.Select(
                    label=t("Province", lang),
                    values=shown_names,
                    value=i18n.province(province.value, lang),
                    on_value=lambda s: province.set(names[shown_names.index(s)]),
                )
                sectors = [views.ALL_SECTORS, *map(str, model.sectors.names)]
                shown_sectors = [t(views.ALL_SECTORS, lang)] + [i18n.sector(s, lang) for s in sectors[1:]]
                solara.Select(
                    label=t("Sector", lang),
                    values=shown_sectors,
                    value=shown_sectors[sectors.index(sector.value)],
                    on_value=lambda s: sector.set(sectors[shown_sectors.index(s)]),
                )
            _image(figure_views["advantage"], model, (province.value, sector.value), "advantage")


@solara.component
def LessonCard(lesson: lessons.Lesson, on_lesson, lang: str):
    titles = {lv.text("title", lang): lv.name for lv in lessons.LESSONS}
    t = i18n.tr
    with solara.Card(t("Lesson", lang)):
        solara.Select(
            label=t("Lesson", lang),
            values=list(titles),
            value=lesson.text("title", lang),
            on_value=lambda title: on_lesson(titles[title]),
        )
        watch, why = lesson.text("watch", lang), lesson.text("why", lang)
        solara.Markdown(
            f"**{t('Watch', lang)}:** {watch}\n\n**{t('Why', lang)}:** {why}", style={"font-size": "15px"}
        )


@solara.component
def LeverPanel(settings: dict[str, Any], on_control, lang: str):
    """Every lever control, grouped by lever; intensity controls are greyed out while their lever
    is off."""
    for title, group in controls.lever_controls(lang):
        with solara.Card(title, margin=0, style={"margin-bottom": "8px"}):
            for control in group:
                off = not control.key.endswith(".enabled") and not settings[f"levers.{control.lever}.enabled"]
                controls.ControlWidget(control, settings[control.key], on_control, disabled=off, lang=lang)


@solara.component
def Controller(slot: RunSlot, on_step, on_reset, lang: str):
    """Reset, play/pause and Step; a Step goes through the session's :class:`RunSlot`, which
    queues it while a new run is being prepared."""
    playing = solara.use_reactive(False)
    update_counter.get()
    running = slot.model.running

    def play() -> None:
        while playing.value and slot.model.running:
            time.sleep(PLAY_INTERVAL_MS / 1000)
            if playing.value and not slot.busy:
                on_step()
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)
    t = i18n.tr
    with solara.Row(justify="space-between"):
        solara.Button(label=t("Reset", lang), color="primary", on_click=on_reset)
        solara.Button(
            label="❚❚" if playing.value else "▶",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
        )
        solara.Button(
            label=t("Step", lang), color="primary", on_click=on_step, disabled=playing.value or not running
        )


@solara.component
def Page():
    """One browser session: its own parameters, model, baseline, figures and choices."""
    params = solara.use_reactive(solara.use_memo(initial_params, []))
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**params.value), []))
    province = solara.use_reactive(lessons.get(params.value["lesson"]).province)
    sector = solara.use_reactive(views.ALL_SECTORS)
    lang = solara.use_reactive("en")
    error = solara.use_reactive("")
    request = solara.use_reactive(None)  # parameters of the run being prepared, or None
    pending = solara.use_reactive(0)  # Step clicks made while it is prepared
    figure_views = solara.use_memo(
        lambda: {
            "map": views.MapView(lang.value),
            "inland": views.InlandView(lang.value),
            "employment": views.EmploymentView(lang.value),
            "advantage": views.AdvantageView(lang.value),
        },
        [lang.value],
    )

    slot = solara.use_memo(lambda: RunSlot(model.value), [])

    def prepare() -> None:
        """Build the requested run (in a thread), then hand it the Steps queued meanwhile."""
        req = request.value
        if req is None:
            return
        new = {k: v for k, v in req.items() if k not in ("baseline", "serial")}
        try:
            built = DashboardModel(**new, baseline=slot.model.baseline)
        except (ScenarioError, ValueError, KeyError) as exc:
            if slot.finish(req["serial"], None):
                error.set(str(exc))
                request.set(None)
            return
        if not slot.finish(req["serial"], built):
            return  # a newer request came in meanwhile: that one wins
        error.set("")
        params.set({**new, "baseline": built.baseline})
        model.set(built)
        pending.set(0)
        request.set(None)
        force_update()

    solara.lab.use_task(prepare, dependencies=[request.value], prefer_threaded=True)

    def rebuild(**changes: Any) -> None:
        serial = time.monotonic_ns()
        slot.begin(serial)
        request.set({**params.value, **(request.value or {}), **changes, "serial": serial})

    def on_step() -> None:
        if slot.step():
            force_update()
        else:
            pending.set(slot.pending)

    def on_control(key: str, value: Any) -> None:
        base = request.value or params.value
        rebuild(settings={**base["settings"], key: value})

    def on_lesson(name: str) -> None:
        lesson = lessons.get(name)
        province.set(lesson.province)
        rebuild(lesson=name, settings=controls.settings_of(lesson.load()))

    m = model.value
    busy = request.value is not None
    shown = request.value or params.value  # the controls show the run being prepared
    lg = lang.value
    t = i18n.tr
    solara.Style(CSS)
    solara.Title(t("ptsim dashboard", lg))
    with solara.AppBar():
        solara.AppBarTitle(t(TITLE, lg))
    with solara.Sidebar():
        other = "zh" if lg == "en" else "en"
        solara.Button(  # named in the language it switches to, so either audience finds it
            label=i18n.LANG_NAMES[other],
            on_click=lambda: lang.set(other),
            outlined=True,
            classes=["ptsim-lang"],
        )
        LessonCard(lessons.get(shown["lesson"]), on_lesson, lg)
        with solara.Card(t("Run", lg)):
            Controller(slot, on_step, lambda: rebuild(), lg)
            with solara.Column(classes=["ptsim-busy-box"]):
                if busy:
                    solara.ProgressLinear(True)
                    note = t("Preparing the run …", lg)
                    if pending.value:
                        note += f" {t('Steps clicked meanwhile', lg)}: {pending.value}"
                    solara.v.Html(
                        tag="div", attributes={"id": "ptsim-busy"}, class_="ptsim-busy", children=[note]
                    )
            with solara.Row():
                solara.Select(
                    label=t("Firms", lg),
                    values=FIRM_CHOICES,
                    value=shown["firms"],
                    on_value=lambda n: rebuild(firms=int(n)),
                )
                solara.InputInt(
                    label=t("Seed", lg), value=shown["seed"], on_value=lambda s: rebuild(seed=int(s))
                )
            if error.value:
                solara.Error(error.value)
            Stats(m, province.value, lg)
        with solara.Card(t("Levers (a change restarts the run)", lg)):
            LeverPanel(shown["settings"], on_control, lg)
    if lg == "zh" and i18n.figure_lang(lg) != "zh":
        solara.Warning(i18n.NO_CJK_NOTE)
    Figures(figure_views, m, province, sector, lg)
