"""Figures of the dashboard, kept per session and redrawn only where a Step changes them.

Each view (:class:`MapView`, :class:`InlandView`, :class:`EmploymentView`, :class:`AdvantageView`)
owns one matplotlib ``Figure`` (no pyplot: nothing is shared between sessions). A *full* draw
makes the figure and its fixed parts (axes, ticks, tiles, names, legends) and caches the rendered
background; a Step only moves the changing artists (``set_data``, ``set_width``, ``set_text``),
restores the background and draws those artists over it (blitting on the Agg canvas), then
encodes the image (JPEG: :data:`IMAGE_FORMAT`). A full draw happens when the model is replaced
(a restart), a choice or the language changes, or a value leaves the fixed axis range.

The ``*_data`` helpers compute what is plotted, so tests can compare the plotted numbers with the
model's; ``*_figure`` functions return a finished figure (for tests and notebooks). Colours come
from :mod:`simulation.plots.palette` (Okabe-Ito), the one palette of every figure; fonts are large
for a projector.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from PIL import Image

from simulation import channels, levers
from simulation.dashboard import i18n
from simulation.geography import REGIONS
from simulation.levers import CHANNELS
from simulation.plots.palette import (
    BASELINE_COLOUR,
    INLAND_MOVE_COLOUR,
    LEVEL_COLOUR,
    LEVER_COLOUR,
    OTHER_MOVE_COLOUR,
    POLICY_COLOUR,
    REGION_COLOURS,
    sector_colour,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from simulation.dashboard.session import DashboardModel

STYLE = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
DPI = 80  # figures are drawn at the size they are shown (a 1920x1080 projector), not scaled up
ALL_SECTORS = "all sectors"
#: Images are sent as JPEG, quality 90 without chroma subsampling (text stays sharp): encoding
#: takes ~6 ms a figure against 40-50 ms for PNG (zlib) at the same size in bytes, measured here.
IMAGE_FORMAT, JPEG_QUALITY = "jpeg", 90


def encode(canvas: FigureCanvasAgg) -> bytes:
    """The canvas' pixels as :data:`IMAGE_FORMAT` bytes."""
    w, h = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format=IMAGE_FORMAT, quality=JPEG_QUALITY, subsampling=0)
    return buf.getvalue()


class View:
    """One figure of a session: a full draw when :meth:`key` changes or :meth:`update` says the
    fixed ranges no longer fit, otherwise only the artists in ``self.dynamic`` are redrawn."""

    size = (8.0, 5.0)  # inches at DPI
    margins = {"left": 0.13, "right": 0.97, "top": 0.9, "bottom": 0.13}

    def __init__(self, lang: str = "en"):
        self.lang = i18n.figure_lang(lang)
        self.fig: Figure | None = None
        self.dynamic: list[Artist] = []
        self.overdraw: list[Artist] = []  # fixed artists drawn again over the changing ones
        self.full_draws = 0
        self._key: tuple | None = None
        self._background: Any = None

    def key(self, model: DashboardModel, *choice: Any) -> tuple:
        """What forces a full draw when it changes: the model, the choices, the language."""
        return (getattr(model, "uid", id(model)), *choice)

    def build(self, fig: Figure, model: DashboardModel, *choice: Any) -> None:
        """Draw the fixed parts on ``fig`` and create the changing artists (in ``self.dynamic``)."""
        raise NotImplementedError

    def update(self, model: DashboardModel, *choice: Any) -> bool:
        """Move the changing artists to the model's current state; False if a full draw is due."""
        raise NotImplementedError

    def t(self, text: str) -> str:
        return i18n.tr(text, self.lang)

    def figure(self, model: DashboardModel, *choice: Any) -> Figure:
        """The figure showing the model now (a full draw if needed)."""
        key = self.key(model, *choice)
        if key != self._key or not self.update(model, *choice):
            self._full(model, key, *choice)
        return self.fig

    def image(self, model: DashboardModel, *choice: Any) -> bytes:
        """The figure as image bytes: the cached background plus the changing artists."""
        self.figure(model, *choice)
        canvas = self.fig.canvas
        np.asarray(canvas.buffer_rgba())[...] = self._background  # faster than Agg's restore_region
        renderer = canvas.get_renderer()
        for artist in sorted(self.dynamic + self.overdraw, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        return encode(canvas)

    def _full(self, model: DashboardModel, key: tuple, *choice: Any) -> None:
        with matplotlib.rc_context(self._rc()):
            fig = Figure(figsize=self.size, dpi=DPI)
            FigureCanvasAgg(fig)
            fig.subplots_adjust(**self.margins)
            self.dynamic, self.overdraw = [], []
            self.fig = fig
            self.build(fig, model, *choice)
            self.update(model, *choice)
            for artist in self.dynamic:
                artist.set_animated(True)
            fig.canvas.draw()  # animated (changing) artists are left out of the background
        self._background = np.array(fig.canvas.buffer_rgba())
        self._key = key
        self.full_draws += 1

    def _rc(self) -> dict[str, Any]:
        rc = dict(STYLE)
        font = i18n.cjk_font() if self.lang == "zh" else None
        if font:
            rc["font.family"] = [font, "DejaVu Sans"]
        return rc

    def _animate(self, artist: Artist) -> Artist:
        """Register a changing artist created after the full draw (e.g. a new arrow)."""
        artist.set_animated(True)
        self.dynamic.append(artist)
        return artist


# --- map -----------------------------------------------------------------------------------------


def latest_flows(model: DashboardModel, top: int = 8) -> list[tuple[int, int, float]]:
    """The latest step's largest relocations: (origin, destination, employment), all sectors
    summed, largest first."""
    rows = [f for f in model.recorder.flows if len(f) and f[0, 0] == model.steps]
    if not rows:
        return []
    flows = np.concatenate(rows)
    r_n = model.world.n
    key = flows[:, 1].astype(np.int64) * r_n + flows[:, 2].astype(np.int64)
    emp = np.bincount(key, weights=flows[:, 5], minlength=r_n * r_n)
    order = np.argsort(-emp, kind="stable")[:top]
    return [(int(k // r_n), int(k % r_n), float(emp[k])) for k in order if emp[k] > 0]


def map_data(model: DashboardModel) -> dict[str, np.ndarray]:
    """Per province: lon, lat, employment now and at step 0 (persons)."""
    steps = model.recorder.steps
    return {
        "lon": model.world.columns["lon"],
        "lat": model.world.columns["lat"],
        "employment": steps[-1]["employment"].sum(axis=0),
        "employment0": steps[0]["employment"].sum(axis=0),
    }


def _outline_module():
    """``simulation.plots.outline`` (China's province outlines from cnmaps, the optional ``maps``
    extra) when it and cnmaps are installed, else None."""
    try:
        from simulation.plots import outline
    except ImportError:
        return None
    return outline if outline.available() else None


def draw_map_base(ax: Axes, world, lang: str) -> dict[str, Any]:
    """The one place where the map's base is drawn: China's province outlines when
    :func:`simulation.plots.outline.draw_outline_map` can draw them, else the tile grid of
    :data:`simulation.plots.maps.TILES` (:func:`_tile_base`).

    Returns where to draw on it: ``xy`` (R, 2) anchor of each province's circle, ``value_xy``
    (R, 2) of its number or None, ``size`` (pt², circle area of the largest province), ``gap``
    (data units left free at each end of an arrow), ``names`` (the province labels, drawn again
    over an arrow that crosses them, or over every circle and arrow with ``names_on_top``) and
    ``legends`` (where the legends go: ``corners``, the tile grid's empty corners, or ``below``
    the map). If the outline map fails, the tile grid
    is drawn instead, with a warning.
    """
    outline = _outline_module()
    if outline is not None:
        names = [str(n) for n in world.names]
        try:
            from simulation.plots.maps import CODES

            before = len(ax.texts)
            # short labels (ISO codes; the Chinese names are as short) keep the crowded east legible
            labels = {n: i18n.province(n, lang) if lang == "zh" else CODES[n] for n in names}
            drawn = outline.draw_outline_map(
                ax,
                {},  # no values: provinces in the map's neutral fill, regions outlined in their colours
                labels=labels,
                label_size=11.0,
                groups={n: str(r) for n, r in zip(names, world.region, strict=True)},
                group_colours=REGION_COLOURS,
            )
            xy = np.array([drawn.anchors[n] for n in names], dtype=float)
            span = float(np.ptp(xy[:, 0]))
            return {"xy": xy, "value_xy": None, "size": 900.0, "gap": 0.012 * span,
                    "names": ax.texts[before:], "names_on_top": True, "legends": "below"}  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - an optional extra: any failure falls back to the grid
            warnings.warn(f"outline map unavailable ({exc}); drawing the tile grid", stacklevel=2)
            ax.cla()
    return _tile_base(ax, world, lang)


TILE_W, TILE_H = 0.94, 0.92  # tile size in grid cells (a gap between tiles)


def _tile_base(ax: Axes, world, lang: str) -> dict[str, Any]:
    """Tiles of the provinces (column west→east, row north→south) shaded by NBS region and
    labelled with the province's name (``names``, with a white halo: an arrow across it is
    drawn under it); the circle sits in the tile's lower left, the number at its right."""
    from simulation.plots.maps import TILES

    names = [str(n) for n in world.names]
    cols = np.array([TILES[n][0] for n in names], dtype=float)
    rows = np.array([TILES[n][1] for n in names], dtype=float)
    x, y = cols, -rows
    for i in range(len(names)):
        colour = REGION_COLOURS[str(world.region[i])]
        ax.add_patch(
            Rectangle(
                (x[i] - TILE_W / 2, y[i] - TILE_H / 2),
                TILE_W,
                TILE_H,
                facecolor=matplotlib.colors.to_rgba(colour, 0.22),
                edgecolor=colour,
                lw=1.5,
            )
        )
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    labels = []
    for i, name in enumerate(names):
        label = i18n.province(name, lang)
        label = label.replace("Inner Mongolia", "Inner\nMongolia") if lang == "en" else label
        labels.append(
            ax.text(
                x[i], y[i] + 0.27, label, ha="center", va="center", fontweight="bold", linespacing=0.9,
                fontsize=12 if "\n" not in label else 10.5, zorder=6, path_effects=halo,
            )
        )  # fmt: skip
    ax.set_xlim(cols.min() - 0.55, cols.max() + 0.55)
    ax.set_ylim(-rows.max() - 0.55, -rows.min() + 0.55)
    ax.set_axis_off()
    return {
        "xy": np.column_stack([x - 0.2, y - 0.14]),
        "value_xy": np.column_stack([x + 0.43, y - 0.14]),
        "size": 1300.0,
        "gap": ARROW_GAP,
        "names": labels,
        "names_on_top": False,
        "legends": "corners",
    }


class MapView(View):
    """Provinces on the outline map or tile grid: circle area = processing employment, number =
    thousand persons, tile colour = NBS region; arrows = the latest quarter's largest relocations
    (black: from the east inland). Legends sit in the grid's empty corners, off the provinces."""

    size = (9.6, 8.6)
    margins = {"left": 0.01, "right": 0.99, "top": 0.94, "bottom": 0.01}
    top = 8

    def build(self, fig: Figure, model: DashboardModel, *choice: Any) -> None:
        ax = fig.subplots()
        self.ax = ax
        self.base = draw_map_base(ax, model.world, self.lang)
        if self.base["legends"] == "below":
            fig.subplots_adjust(bottom=0.17)  # room for the legends under the map, off the provinces
        xy = self.base["xy"]
        colours = [REGION_COLOURS[str(r)] for r in model.world.region]
        self.dots = ax.scatter(
            xy[:, 0], xy[:, 1], s=np.zeros(len(xy)), c=colours, edgecolors="black", linewidths=0.8, zorder=3
        )
        self.dynamic += [self.dots]
        self.values = []
        if self.base["value_xy"] is not None:
            for vx, vy in self.base["value_xy"]:
                self.values.append(ax.text(vx, vy, "", ha="right", va="center", fontsize=12, zorder=5))
            self.dynamic += self.values
        self.title = ax.set_title("", loc="left")
        self.dynamic.append(self.title)
        self.arrows: list[FancyArrowPatch] = []
        self._boxes: np.ndarray | None = None  # (2R, 4) display boxes of the names, then the numbers
        self._ends: list[np.ndarray] = []  # (2, 2) data ends of each arrow
        self._legends(ax, model)

    def _legends(self, ax: Axes, model: DashboardModel) -> None:
        regions = [Patch(facecolor=REGION_COLOURS[r], alpha=0.6, label=self.t(r)) for r in REGIONS]
        moves = [
            Line2D([], [], color=INLAND_MOVE_COLOUR, lw=3, label=self.t("move east → inland")),
            Line2D([], [], color=OTHER_MOVE_COLOUR, lw=3, label=self.t("other move")),
        ]
        circle = Line2D([], [], marker="o", ls="", color="white", markeredgecolor="black", markersize=14)
        note = self.t("circle area: employment")
        if self.base["value_xy"] is not None:
            note += f"; {self.t('number')}: {self.t('thousand persons')}"
        # tile grid: its empty first row (top left) and south-west corner; outline map: beside it
        corners = self.base["legends"] == "corners"
        first = ax.legend(
            handles=[circle, *moves],
            labels=[note, *(h.get_label() for h in moves)],
            loc="upper left",
            bbox_to_anchor=(0.0, 1.0) if corners else (0.0, -0.01),  # (below: under the axes)
            frameon=False,
            fontsize=12,
        )
        ax.add_artist(first)
        ax.legend(
            handles=regions,
            loc="lower left" if corners else "upper right",
            bbox_to_anchor=(0.0, 0.0) if corners else (1.0, -0.01),
            frameon=False,
            fontsize=13,
            ncols=1 if corners else 2,
        )

    def update(self, model: DashboardModel, *choice: Any) -> bool:
        d = map_data(model)
        emp = d["employment"]
        self.dots.set_sizes(self.base["size"] * emp / d["employment0"].max())
        for txt, e in zip(self.values, emp, strict=False):
            txt.set_text(f"{e / 1e3:,.0f}")
        self.title.set_text(f"{model.quarter}: {self.t('processing employment by province (circle area)')}")
        self._arrows(model)
        self._clear_crossed()
        return True

    def _clear_crossed(self) -> None:
        """Names and numbers an arrow runs across are drawn again over it, with a white halo; the
        others stay as they are (a text costs more to draw than everything else on the map)."""
        names = self.base["names"]
        texts = [*names, *self.values]
        if self._boxes is None and texts:
            renderer = self.fig.canvas.get_renderer()
            self._boxes = np.array([t.get_window_extent(renderer).extents for t in names] + [
                t.get_window_extent(renderer).extents for t in self.values
            ])  # fmt: skip
        crossed = np.zeros(len(texts), dtype=bool)
        if self.arrows and texts:
            points = np.concatenate([_arc_points(self.ax.transData.transform(ends)) for ends in self._ends])
            lo, hi = self._boxes[:, None, :2] - ARROW_PAD_PX, self._boxes[:, None, 2:] + ARROW_PAD_PX
            crossed = np.any(np.all((points >= lo) & (points <= hi), axis=2), axis=1)
        halo = [patheffects.withStroke(linewidth=3, foreground="white")]
        for txt, hit in zip(self.values, crossed[len(names) :], strict=True):
            txt.set_path_effects(halo if hit else [])
        if self.base["names_on_top"]:
            self.overdraw = list(names)
        else:
            self.overdraw = [t for t, hit in zip(names, crossed[: len(names)], strict=True) if hit]

    def _arrows(self, model: DashboardModel) -> None:
        for arrow in self.arrows:
            arrow.remove()
            self.dynamic.remove(arrow)
        self.arrows, self._ends = [], []
        flows = latest_flows(model, self.top)
        biggest = max((e for _, _, e in flows), default=1.0)
        xy, inland = self.base["xy"], model.world.inland
        for o, t, emp in flows:
            east_inland = not inland[o] and inland[t]
            ends = _shorten(xy[o], xy[t], self.base["gap"])
            arrow = FancyArrowPatch(
                tuple(ends[0]),
                tuple(ends[1]),
                arrowstyle="-|>",
                mutation_scale=18,
                lw=1.0 + 4.0 * emp / biggest,
                color=INLAND_MOVE_COLOUR if east_inland else OTHER_MOVE_COLOUR,
                alpha=0.85,
                connectionstyle=f"arc3,rad={ARC_RAD}",
                shrinkA=0,  # ends shortened here: matplotlib's shrinking splits the curve in Python
                shrinkB=0,
                zorder=4,
            )
            self.ax.add_artist(arrow)  # not add_patch: that computes the curve again for autoscaling
            self.arrows.append(self._animate(arrow))
            self._ends.append(ends)


ARC_RAD = 0.2  # curvature of the flow arrows (matplotlib's arc3 connection style)
ARROW_PAD_PX = 4.0  # half the width of the widest arrow: a text this close counts as crossed


ARROW_GAP = 0.12  # tile-grid cells left free at each end of an arrow


def _shorten(a: np.ndarray, b: np.ndarray, gap: float) -> np.ndarray:
    """(2, 2): the segment a→b with ``gap`` taken off each end (never past its middle)."""
    d = b - a
    cut = min(gap / max(float(np.hypot(*d)), 1e-9), 0.45)
    return np.array([a + cut * d, b - cut * d])


def _arc_points(ends: np.ndarray, rad: float = ARC_RAD, n: int = 32) -> np.ndarray:
    """(n, 2) points along matplotlib's arc3 curve between the two display points ``ends``."""
    p0, p1 = ends
    d = p1 - p0
    control = (p0 + p1) / 2 + rad * np.array([d[1], -d[0]])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t**2 * p1


# --- inland share --------------------------------------------------------------------------------

INLAND_BELOW, INLAND_ABOVE = 2.0, 4.0  # points shown below and above the starting share
INLAND_TICK = 1.0  # points between y ticks


def inland_limits(start_share: float) -> tuple[float, float]:
    """Fixed y-range (%) of the inland-share chart: whole points from ``INLAND_BELOW`` under to
    ``INLAND_ABOVE`` over the starting share (fraction), so a gap of a tenth of a point looks
    small and a gap of two points looks large, in every lesson alike."""
    s = 100 * start_share
    return math.floor(s - INLAND_BELOW), math.ceil(s + INLAND_ABOVE)


def levers_on(model: DashboardModel, lang: str = "en") -> list[str]:
    """Short titles of the levers switched on in the model's scenario (registry order)."""
    out = []
    for lv in levers.LEVERS:
        if model.spec.params[f"levers.{lv.name}.enabled"]:
            title = lv.title_zh.split("（")[0] if lang == "zh" else lv.title_en.split(":")[0].split(" (")[0]
            out.append(title)
    return out


class InlandView(View):
    """Inland (central + western + north-eastern) share of processing employment, this run against
    the baseline run with the same seed and firms, on a fixed scale (:func:`inland_limits`)."""

    def build(self, fig: Figure, model: DashboardModel, *choice: Any) -> None:
        policy, _ = model.inland_shares()
        ax = fig.subplots()
        total = int(model.params["run.steps"])
        self.base_line = ax.plot(
            [], [], color=BASELINE_COLOUR, lw=2.5, ls="--", label=self.t("baseline (same seed)")
        )[0]
        on = levers_on(model, self.lang)
        label = f"{self.t('this run')}: {', '.join(on) if on else self.t('no lever on')}"
        if len(label) > 70:
            label = label[:67] + "…"
        self.policy_line = ax.plot([], [], color=POLICY_COLOUR, lw=3, label=label)[0]
        start = model.start + (-1)
        ticks = [i for i in range(total + 1) if (start + i).q == 4 and i % 8 == 0] or [0]
        ax.set_xticks(ticks, [str((start + i).year) for i in ticks])
        ax.set_xlim(0, total)
        self.ylim = inland_limits(policy[0])
        ax.set_ylim(*self.ylim)
        ax.set_yticks(np.arange(self.ylim[0], self.ylim[1] + 0.01, INLAND_TICK))
        ax.set_xlabel(self.t("year (end of Q4)"))
        ax.set_ylabel(self.t("inland share of employment (%)"))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", frameon=False, fontsize=12)
        self.title = ax.set_title("")
        self.dynamic += [self.base_line, self.policy_line, self.title]

    def update(self, model: DashboardModel, *choice: Any) -> bool:
        policy, base = model.inland_shares()
        x = np.arange(len(policy))
        self.base_line.set_data(x, 100 * base)
        self.policy_line.set_data(x, 100 * policy)
        self.title.set_text(
            f"{self.t('Inland share')}: {100 * policy[-1]:.2f}% {self.t('vs baseline')} {100 * base[-1]:.2f}%"
        )
        both = 100 * np.concatenate([policy, base])
        return bool(both.min() >= self.ylim[0] and both.max() <= self.ylim[1])


# --- employment by region and sector ---------------------------------------------------------------


def employment_data(model: DashboardModel) -> tuple[np.ndarray, np.ndarray]:
    """(S, regions) employment of this run and (regions,) of the baseline, million persons, regions
    in :data:`~simulation.geography.REGIONS` order."""
    region = model.world.region
    emp = model.recorder.steps[-1]["employment"]
    base = model.baseline_steps()[-1]["employment"]
    table = np.stack([emp[:, region == r].sum(axis=1) for r in REGIONS], axis=1) / 1e6
    base_total = np.array([base[:, region == r].sum() for r in REGIONS]) / 1e6
    return table, base_total


def _nice_ceiling(x: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) that is ≥ x."""
    if x <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * k >= x)


class EmploymentView(View):
    """Employment by NBS region, stacked by sector (the palette's sector colours); black ticks mark
    the baseline's regional totals.
    The x-range is fixed at the start (headroom for growth); the legend sits below the axes."""

    size = (8.0, 5.6)
    margins = {"left": 0.15, "right": 0.97, "top": 0.91, "bottom": 0.33}

    def build(self, fig: Figure, model: DashboardModel, *choice: Any) -> None:
        table, base_total = employment_data(model)
        ax = fig.subplots()
        y = np.arange(len(REGIONS))
        self.bars = []
        for s, name in enumerate(model.sectors.names):
            bars = ax.barh(
                y, np.zeros(len(y)), color=sector_colour(str(name), s), label=self.t_sector(name), height=0.6
            )
            self.bars.append(list(bars))
        self.ticks = ax.scatter(
            base_total,
            y,
            marker="|",
            s=900,
            color="black",
            linewidths=3,
            label=self.t("baseline total"),
            zorder=3,
        )
        self.xmax = _nice_ceiling(1.25 * max(table.sum(axis=0).max(), base_total.max()))
        ax.set_xlim(0, self.xmax)
        ax.set_yticks(y, [self.t(r) for r in REGIONS])
        ax.set_ylim(len(REGIONS) - 0.5, -0.5)
        ax.set_xlabel(self.t("processing employment (million persons)"))
        ax.legend(loc="upper center", bbox_to_anchor=(0.42, -0.2), frameon=False, ncols=4, fontsize=12)
        self.title = ax.set_title("")
        self.dynamic += [b for row in self.bars for b in row] + [self.ticks, self.title]

    def t_sector(self, name: Any) -> str:
        return i18n.sector(str(name), self.lang)

    def update(self, model: DashboardModel, *choice: Any) -> bool:
        table, base_total = employment_data(model)
        left = np.zeros(len(REGIONS))
        for row, widths in zip(self.bars, table, strict=True):
            for bar, x0, w in zip(row, left, widths, strict=True):
                bar.set_x(x0)
                bar.set_width(w)
            left += widths
        self.ticks.set_offsets(np.column_stack([base_total, np.arange(len(REGIONS))]))
        self.title.set_text(f"{model.quarter}: {self.t('employment by region and sector')}")
        return bool(max(left.max(), base_total.max()) <= self.xmax)


# --- advantage by channel --------------------------------------------------------------------------


def advantage_data(
    model: DashboardModel, province: str, sector: str = ALL_SECTORS
) -> tuple[np.ndarray, np.ndarray]:
    """(C,) advantage of ``province`` over the national mean by channel, and (C,) absolute change
    of its margin made by the levers in force, both in yuan per yuan of output.

    For all sectors the advantage is the model's recorded one (``recorder.advantage``); for one
    sector, the same decomposition (:mod:`simulation.channels`) for that sector alone. The change by
    the levers compares margins with and without this quarter's levers at the same state.
    """
    r = model.world.index(province)
    weights = model.recorder.weights
    with_levers = channels.components(model, model.unit, model.effects.move_subsidy_total())
    if model.lever_plan.masks:
        without = channels.components_under(model, model.no_policy_effects())
    else:
        without = with_levers
    if sector == ALL_SECTORS:
        adv = model.recorder.advantage[-1][0][r]
        sector_w = weights.sum(axis=1) / weights.sum()
    else:
        s = model.sectors.index(sector)
        one = np.zeros_like(weights)
        one[s] = weights[s]
        adv = channels.advantage(with_levers, one)[r]
        sector_w = np.eye(weights.shape[0])[s]
    change = np.einsum("cs,s->c", (with_levers - without)[:, :, r], sector_w)
    return adv, change


class AdvantageView(View):
    """A province's profit advantage by channel and the change the levers make, as bars; choices
    are ``(province, sector)``. The x-range is symmetric and fixed until a bar leaves it."""

    size = (8.0, 6.4)
    margins = {"left": 0.23, "right": 0.97, "top": 0.92, "bottom": 0.22}

    def build(self, fig: Figure, model: DashboardModel, *choice: Any) -> None:
        province, sector = choice
        adv, change = advantage_data(model, province, sector)
        ax = fig.subplots()
        y = np.arange(len(CHANNELS))
        zero = np.zeros(len(CHANNELS))
        self.adv = list(
            ax.barh(
                y - 0.2, zero, height=0.4, color=LEVEL_COLOUR, label=self.t("advantage over national mean")
            )
        )
        self.change = list(
            ax.barh(y + 0.2, zero, height=0.4, color=LEVER_COLOUR, label=self.t("change by the levers"))
        )
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(y, [self.t(c.replace("_", " ")) for c in CHANNELS])
        ax.set_ylim(len(CHANNELS) - 0.5, -0.5)
        self.xmax = _nice_ceiling(1.3 * 100 * max(np.abs(adv).max(), np.abs(change).max(), 0.01))
        ax.set_xlim(-self.xmax, self.xmax)
        ax.set_xlabel(self.t("profit margin (% of output)"))
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.14), frameon=False, ncols=2, fontsize=12)
        self.title = ax.set_title("")
        self.dynamic += [*self.adv, *self.change, self.title]

    def update(self, model: DashboardModel, *choice: Any) -> bool:
        province, sector = choice
        adv, change = advantage_data(model, province, sector)
        for bar, w in zip(self.adv + self.change, 100 * np.concatenate([adv, change]), strict=True):
            bar.set_width(w)
        name = i18n.province(province, self.lang)
        who = name if sector == ALL_SECTORS else f"{name}, {i18n.sector(sector, self.lang)}"
        self.title.set_text(f"{model.quarter}: {self.t('advantage of')} {who}")
        return bool(100 * max(np.abs(adv).max(), np.abs(change).max()) <= self.xmax)


# --- one-off figures -------------------------------------------------------------------------------


def map_figure(model: DashboardModel, lang: str = "en") -> Figure:
    return MapView(lang).figure(model)


def inland_figure(model: DashboardModel, lang: str = "en") -> Figure:
    return InlandView(lang).figure(model)


def employment_figure(model: DashboardModel, lang: str = "en") -> Figure:
    return EmploymentView(lang).figure(model)


def advantage_figure(
    model: DashboardModel, province: str, sector: str = ALL_SECTORS, lang: str = "en"
) -> Figure:
    return AdvantageView(lang).figure(model, province, sector)
