"""The classroom dashboard: a Solara page on Mesa's visualisation tools.

Start it with ``ptsim dashboard`` or ``solara run simulation.dashboard.app``. Every browser session
gets its own :class:`~simulation.dashboard.session.DashboardModel` (built inside :func:`Page`, never
at module level). Mesa's ``ModelController`` gives Reset / play-pause / Step; the views listen to
Mesa's ``update_counter``. Changing a control restarts the run from the first quarter with the new
setting (a lever cannot change the past of a calibrated run); the baseline run is kept.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from simulation.dashboard import controls, lessons, views
from simulation.dashboard.session import DEFAULT_FIRMS, DEFAULT_SEED, RUN_PARAMS, DashboardModel
from simulation.scenario import ScenarioError

PLAY_INTERVAL_MS = 300  # pause between quarters while playing
TITLE = "ptsim: where does China's processing trade go? (policy Shangmaofa [2023] No. 308)"
FIRM_CHOICES = [n for n in (1000, 2000, 5000, 10000, 20000) if RUN_PARAMS["run.firms"].check(n) == n]
CSS = """
.ptsim-fig img { width: 100%; height: auto; }
.ptsim-stat { font-size: 18px; line-height: 1.6; }
.ptsim-stat b { font-size: 20px; }
.ptsim-lesson { font-size: 16px; }
"""


def initial_params(lesson: str = "free") -> dict[str, Any]:
    """Model parameters of a fresh session: a lesson's settings, class size, default seed."""
    return {
        "lesson": lesson,
        "settings": controls.settings_of(lessons.get(lesson).load()),
        "firms": DEFAULT_FIRMS,
        "seed": DEFAULT_SEED,
    }


def stat_rows(model: DashboardModel, province: str) -> list[tuple[str, str, str]]:
    """(id, label, value) of the numbers shown beside the controls."""
    policy, base = model.inland_shares()
    last = model.recorder.steps[-1]
    r = model.world.index(province)
    moved = sum(int(row["relocations_in"].sum()) for row in model.recorder.steps)
    return [
        ("quarter", "Quarter", f"{model.quarter} (step {model.steps} of {model.params['run.steps']})"),
        ("inland", "Inland share, this run", f"{100 * policy[-1]:.2f} %"),
        ("baseline", "Inland share, baseline", f"{100 * base[-1]:.2f} %"),
        ("gap", "Difference", f"{100 * (policy[-1] - base[-1]):+.2f} points"),
        ("moves", "Firms moved this quarter / so far", f"{int(last['relocations_in'].sum())} / {moved}"),
        (
            "park",
            f"{province}: park room used / capacity",
            f"{last['park_occupied_jobs'][r]:,.0f} / {last['park_capacity_jobs'][r]:,.0f} jobs",
        ),
        ("employment", f"{province}: employment", f"{last['employment'][:, r].sum():,.0f} persons"),
    ]


@solara.component
def Stats(model: DashboardModel, province: str):
    """The run's headline numbers (each in an element with id ``ptsim-<name>``)."""
    update_counter.get()
    with solara.Column(gap="2px", classes=["ptsim-stat"]):
        for key, label, value in stat_rows(model, province):
            solara.v.Html(
                tag="div",
                attributes={"id": f"ptsim-{key}"},
                children=[f"{label}: ", solara.v.Html(tag="b", children=[value])],
            )


@solara.component
def Figure(make, model: DashboardModel, extra: tuple = (), name: str = ""):
    """One matplotlib view, redrawn when the model steps or is replaced (or ``extra`` changes)."""
    update_counter.get()
    deps = [id(model), model.steps, *extra]
    fig = solara.use_memo(lambda: make(model), deps)
    with solara.Column(classes=["ptsim-fig", f"ptsim-fig-{name}"]):
        solara.FigureMatplotlib(fig, dependencies=deps, format="png")


@solara.component
def LessonCard(lesson: lessons.Lesson, on_lesson):
    titles = {lv.title: lv.name for lv in lessons.LESSONS}
    with solara.Card("Lesson"):
        solara.Select(
            label="Lesson", values=list(titles), value=lesson.title, on_value=lambda t: on_lesson(titles[t])
        )
        solara.Markdown(f"**Watch:** {lesson.watch}\n\n**Why:** {lesson.why}", style={"font-size": "15px"})


@solara.component
def LeverPanel(settings: dict[str, Any], on_control):
    """Every lever control, grouped by lever; intensity controls are greyed out while their lever
    is off."""
    for title, group in controls.lever_controls():
        with solara.Card(title, margin=0, style={"margin-bottom": "8px"}):
            for control in group:
                off = not control.key.endswith(".enabled") and not settings[f"levers.{control.lever}.enabled"]
                controls.ControlWidget(control, settings[control.key], on_control, disabled=off)


@solara.component
def Page():
    """One browser session: its own parameters, model, baseline and choices."""
    params = solara.use_reactive(solara.use_memo(initial_params, []))
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**params.value), []))
    province = solara.use_reactive(lessons.get(params.value["lesson"]).province)
    sector = solara.use_reactive(views.ALL_SECTORS)
    error = solara.use_reactive("")

    def rebuild(**changes: Any) -> None:
        new = {**params.value, **changes}
        new.pop("baseline", None)
        try:
            built = DashboardModel(**new, baseline=model.value.baseline)
        except (ScenarioError, ValueError, KeyError) as exc:
            error.set(str(exc))
            return
        error.set("")
        params.set({**new, "baseline": built.baseline})
        model.set(built)

    def on_control(key: str, value: Any) -> None:
        rebuild(settings={**params.value["settings"], key: value})

    def on_lesson(name: str) -> None:
        lesson = lessons.get(name)
        province.set(lesson.province)
        rebuild(lesson=name, settings=controls.settings_of(lesson.load()))

    m = model.value
    solara.Style(CSS)
    solara.Title("ptsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        LessonCard(m.lesson, on_lesson)
        with solara.Card("Run"):
            # Mesa 3.5.1's ModelController reads .value of these: pass reactives, not plain values
            ModelController(
                model,
                model_parameters=params,
                play_interval=solara.use_reactive(PLAY_INTERVAL_MS),
                render_interval=solara.use_reactive(1),
                use_threads=solara.use_reactive(False),
            )
            with solara.Row():
                solara.Select(
                    label="Firms",
                    values=FIRM_CHOICES,
                    value=params.value["firms"],
                    on_value=lambda n: rebuild(firms=int(n)),
                )
                solara.InputInt(
                    label="Seed", value=params.value["seed"], on_value=lambda s: rebuild(seed=int(s))
                )
            if error.value:
                solara.Error(error.value)
            Stats(m, province.value)
        with solara.Card("Levers (a change restarts the run)"):
            LeverPanel(params.value["settings"], on_control)
    with solara.Columns([1, 1]):
        with solara.Column():
            Figure(views.map_figure, m, name="map")
            Figure(views.employment_figure, m, name="employment")
        with solara.Column():
            Figure(views.inland_figure, m, name="inland")
            with solara.Row():
                solara.Select(
                    label="Province",
                    values=controls.province_names(),
                    value=province.value,
                    on_value=province.set,
                )
                solara.Select(
                    label="Sector",
                    values=[views.ALL_SECTORS, *map(str, m.sectors.names)],
                    value=sector.value,
                    on_value=sector.set,
                )
            Figure(
                lambda mm: views.advantage_figure(mm, province.value, sector.value),
                m,
                extra=(province.value, sector.value),
                name="advantage",
            )
