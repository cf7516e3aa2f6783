"""One source for each derived quantity (issue 12, item 5): "inland" is decided in one place, the
colours live in one palette module."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from simulation.geography import INLAND_REGIONS, REGIONS, is_inland

PACKAGE = Path(__file__).resolve().parent.parent / "simulation"


def _sources() -> dict[str, ast.Module]:
    """Every module of the package, parsed: {path relative to the package: tree}."""
    return {
        p.relative_to(PACKAGE).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def _compares_with(tree: ast.Module, literal: str) -> list[int]:
    """Lines of comparisons (==, !=, in, not in, ...) with the string constant ``literal``."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(x, ast.Constant) and x.value == literal for x in (node.left, *node.comparators))
    ]


def test_inland_is_decided_in_geography_only():
    hits = {path: lines for path, tree in _sources().items() if (lines := _compares_with(tree, "east"))}
    assert set(hits) == {"geography.py"} and len(hits["geography.py"]) == 1, (
        f'comparisons with "east" outside geography.INLAND_REGIONS: {hits}; use geography.is_inland'
    )


def test_is_inland_is_every_region_but_the_east():
    assert INLAND_REGIONS == ("central", "west", "northeast")
    assert is_inland(np.array(REGIONS)).tolist() == [False, True, True, True]
    assert is_inland([]).shape == (0,)


def _hex_colours(tree: ast.Module) -> list[str]:
    """String constants of the form #RRGGBB in a module."""
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and len(node.value) == 7
        and node.value.startswith("#")
    ]


def test_dashboard_takes_its_colours_from_the_palette():
    dashboard = {p: _hex_colours(t) for p, t in _sources().items() if p.startswith("dashboard/")}
    assert not any(dashboard.values()), f"colours defined in the dashboard, not in the palette: {dashboard}"
    assert not _hex_colours(_sources()["plots/style.py"]), "colours belong in plots/palette.py"


def test_palette_covers_the_regions_sectors_and_channels():
    from simulation.levers import CHANNELS
    from simulation.plots import palette
    from simulation.sectors import load_sectors

    assert set(palette.REGION_COLOURS) == set(REGIONS)
    assert set(palette.CHANNEL_COLOURS) == set(CHANNELS)
    names = [str(n) for n in load_sectors().names]
    assert list(palette.SECTOR_COLOURS) == names
    assert [palette.sector_colour(n, i) for i, n in enumerate(names)] == list(palette.SECTOR_COLOURS.values())
    assert palette.sector_colour("custom", len(names)) == palette.SECTOR_COLOURS[names[0]]
