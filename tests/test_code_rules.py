"""Rules on the code itself that no behavioural test would catch.

Every random draw must come from the model's own seeded numpy streams (the master seed spawns one
stream per purpose; docs/model.md §9). Mesa's ``Model`` also offers ``self.random`` (a Python
``random.Random``) and ``self.rng`` (a numpy Generator) seeded from the same seed: a draw from those
would share no stream with the rest and silently change results when the order of draws changes.
"""

from __future__ import annotations

import ast

from conftest import REPO

SIMULATION = REPO / "simulation"
MESA_STREAMS = ("random", "rng")  # attributes of mesa.Model that hold its own generators
MODEL_NAMES = ("self", "model")  # how the model is reached: inside it, or from an agent / helper


def mesa_stream_uses(source: str) -> list[tuple[int, str]]:
    """(line, expression) of every ``self.random``, ``model.rng``, ``self.model.random`` ... in
    ``source``, and of every import of the standard library's ``random``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MESA_STREAMS:
            owner = node.value
            reaches_model = (isinstance(owner, ast.Name) and owner.id in MODEL_NAMES) or (
                isinstance(owner, ast.Attribute) and owner.attr == "model"
            )
            if reaches_model:
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Import) and any(a.name == "random" for a in node.names):
            found.append((node.lineno, "import random"))
        elif isinstance(node, ast.ImportFrom) and node.module == "random":
            found.append((node.lineno, "from random import ..."))
    return sorted(found)


def test_the_rule_recognises_mesa_streams_and_spares_numpy_generators():
    bad = "self.random.random()\nx = model.rng.normal()\ny = self.model.random.choice(a)\nimport random\n"
    assert [expr for _, expr in mesa_stream_uses(bad)] == [
        "self.random",
        "model.rng",
        "self.model.random",
        "import random",
    ]
    good = "rng.random(3)\nself._lever_rng.random(2)\nnp.random.default_rng(1)\nself.streams.rng = 1\n"
    assert mesa_stream_uses(good) == []


def test_no_module_draws_from_mesas_generators():
    modules = sorted(SIMULATION.rglob("*.py"))
    assert len(modules) > 20
    uses = [
        f"{path.relative_to(REPO)}:{line}: {expr}"
        for path in modules
        for line, expr in mesa_stream_uses(path.read_text(encoding="utf-8"))
    ]
    assert not uses, "draw from the model's seeded numpy streams instead:\n" + "\n".join(uses)
