"""Imports run one way: a module imports only modules of lower layers (an AST walk over simulation/).

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a deferred
upward import is still a dependency on a layer above. The order is the README's layout list.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "simulation"

# Bottom to top. A module matches the first pattern that fits (fnmatch-like: ``*`` within one
# name); modules of one layer may import each other as long as no cycle forms.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "simulation.schema",
        "simulation.results_format",
        "simulation.io",
        "simulation.tables",
        "simulation.history",
        "simulation.timeline",
    ),
    ("simulation.geography", "simulation.sectors"),
    ("simulation.logistics",),
    ("simulation.levers.targets", "simulation.levers.base"),
    ("simulation.levers.*",),
    ("simulation.levers",),
    ("simulation.parameters",),
    ("simulation.scenario",),
    (
        "simulation.firms",
        "simulation.knowledge",
        "simulation.choice",
        "simulation.markets",
        "simulation.prices",
        "simulation.parks",
    ),
    ("simulation.province_agent",),
    ("simulation.costs",),
    ("simulation.abroad",),
    ("simulation.decision",),
    ("simulation.demography",),
    ("simulation.calibration", "simulation.quarter"),
    ("simulation.state",),
    ("simulation.fiscal", "simulation.channels"),
    ("simulation.accounts",),
    ("simulation.recorder",),
    ("simulation.model",),
    ("simulation.scale",),
    ("simulation.outputs",),
    ("simulation.runner",),
    ("simulation.docs",),
    (
        "simulation.sweep.names",
        "simulation.sweep.errors",
        "simulation.sweep.design",
        "simulation.sweep.effects",
    ),
    ("simulation.sweep.runs",),
    ("simulation.sweep.spec",),
    ("simulation.sweep.store",),
    ("simulation.sweep.executors",),
    ("simulation.sweep.cluster",),
    ("simulation.sweep.engine", "simulation.sweep.experiment", "simulation.sweep.ema"),
    ("simulation.sweep",),
    ("simulation.sweep.cli",),
    ("simulation.estimation.space", "simulation.estimation.estimate_file", "simulation.estimation.moments"),
    ("simulation.estimation.cache",),
    ("simulation.estimation.msm",),
    ("simulation.estimation",),
    ("simulation.estimation.cli",),
    ("simulation.plots.names",),
    ("simulation.plots.style", "simulation.plots.palette", "simulation.plots.i18n", "simulation.plots.units"),
    ("simulation.plots.data",),
    ("simulation.plots.common",),
    ("simulation.plots.*",),
    ("simulation.plots.figures", "simulation.plots.runfigs"),
    ("simulation.plots.report",),
    ("simulation.plots",),
    ("simulation.plots.cli",),
    ("simulation.dashboard.lessons",),
    ("simulation.dashboard.session",),
    ("simulation.dashboard.*",),
    ("simulation.dashboard.app",),
    ("simulation.dashboard",),
    ("simulation.dashboard.cli",),
    ("simulation.cli",),
    ("simulation.__main__", "simulation"),
)


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """Dotted name of the module at ``path`` in the package folder ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str], root: Path = PACKAGE) -> set[str]:
    """The package's modules that ``path`` imports anywhere in its body."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("simulation")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base])
            if base.startswith("simulation"):
                # `from simulation import costs` imports the module simulation.costs
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    return found - {name}


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, for the package folder ``root``."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    return {name: imports_of(path, set(paths), root) for name, path in paths.items()}


def layer(module: str) -> int:
    """Index of the first layer with a pattern matching ``module``."""
    for i, patterns in enumerate(LAYERS):
        for pattern in patterns:
            if re.fullmatch(pattern.replace(".", r"\.").replace("*", r"[^.]+"), module):
                return i
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py: add it where it belongs")


def upward_imports(g: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
        for m, deps in g.items()
        for d in deps
        if layer(d) > layer(m)
    )


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles (each found once, from its first module in sorted order)."""
    found, state = [], {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for d in sorted(g.get(m, ())):
            if state.get(d) == "open":
                found.append(path[path.index(d) :] + [d])
            elif d not in state:
                visit(d, [*path, d])
        state[m] = "done"

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    return found


def test_every_module_has_a_layer():
    for module in graph():
        layer(module)


def test_no_module_imports_a_layer_above_it():
    assert upward_imports(graph()) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_check_catches_an_upward_import(tmp_path):
    """A deliberate upward import (the decision importing the recorder) is reported, even deferred."""
    copy = tmp_path / "simulation"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    decision = copy / "decision.py"
    decision.write_text(decision.read_text() + "\n\ndef late():\n    from simulation import recorder\n")
    new = set(upward_imports(graph(copy))) - set(upward_imports(graph()))
    assert sorted(new) == [
        f"simulation.decision (layer {layer('simulation.decision')}) imports simulation.recorder "
        f"(layer {layer('simulation.recorder')})"
    ]


def test_the_readme_lists_the_modules_in_layer_order():
    """The README's layout table names modules (``simulation/x.py`` or ``simulation/x/``) bottom up."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Layout") :]
    listed = re.findall(r"`simulation/([\w/]+?)(?:\.py|/)`", section)
    modules = [f"simulation.{m.replace('/', '.')}" for m in listed]
    known = graph()
    assert {"simulation.decision", "simulation.model", "simulation.recorder"} <= set(modules)
    ranks = [layer(m) for m in modules if m in known]
    assert ranks == sorted(ranks), f"README layout list is not in layer order: {modules}"
