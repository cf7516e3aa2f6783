"""The documentation keeps up with the code: docs/parameters.md is generated from the declarations
and every parameter is documented."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from simulation import docs, parameters

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("path", list(docs.pages()), ids=lambda p: p.name)
def test_generated_page_is_up_to_date(path):
    """Every generated page (parameters, levers, outputs, and any added to ``docs.pages``) equals
    what its declarations render."""
    assert path.is_file(), f"{path} is missing; run `python -m simulation.docs`"
    assert path.read_text(encoding="utf-8") == docs.pages()[path](), (
        f"{path} is out of date with its declarations (simulation/parameters.py and the data columns, "
        "simulation/levers/, simulation/results_format.py); run `python -m simulation.docs` and commit"
    )


def test_the_generated_pages_are_parameters_levers_and_outputs():
    assert {p.name for p in docs.pages()} == {"parameters.md", "levers.md", "outputs.md"}


def test_every_parameter_is_documented():
    text = "\n".join((DOCS / name).read_text(encoding="utf-8") for name in ("model.md", "parameters.md"))
    missing = [p.key for p in parameters.PARAMS if p.key not in text]
    assert not missing, f"parameters mentioned in neither docs/model.md nor docs/parameters.md: {missing}"


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "parameters.md"
    stale.write_text("# stale\n", encoding="utf-8")
    monkeypatch.setattr(docs, "PARAMETERS_MD", stale)
    assert docs.main(["--check"]) == 1
    assert "python -m simulation.docs" in capsys.readouterr().err
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0


def test_every_lever_parameter_is_documented():
    from simulation import levers

    text = (DOCS / "levers.md").read_text(encoding="utf-8")
    missing = [p.key for p in levers.ALL_PARAMS if p.key not in text]
    assert not missing


# Design notes that were never part of the repository; a citation must name the project's own files
# (simulation/data/SOURCES.md, docs/) or a public source. Spelled in pieces so this file passes.
ABSENT_DOCUMENTS = ("DESIGN" + ".md", "MESA" + "-NOTES", "LOGISTICS" + "-AND-BEHAVIOUR")


def _repository_files() -> list[Path]:
    """Every file of the repository: tracked, or new and not ignored (so .venv and results are out)."""
    root = DOCS.parent
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [root / name for name in listed.split("\0") if name and (root / name).is_file()]


def test_no_file_cites_documents_that_are_not_in_the_repository():
    files = _repository_files()
    assert len(files) > 100 and any(f.name == "SOURCES.md" for f in files)
    hits = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        hits += [f"{path.relative_to(DOCS.parent)}: {name}" for name in ABSENT_DOCUMENTS if name in text]
    assert not hits, "cite simulation/data/SOURCES.md, docs/ or the public source:\n" + "\n".join(hits)


def test_outputs_page_documents_every_declared_column():
    from simulation import results_format

    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    for spec in results_format.RUN_FOLDER:
        assert f"`{spec.name}`" in text
        for field in spec.fields:
            assert f"| `{field.name}` | {field.dtype} |" in text, (spec.name, field.name)
