"""The scenario fuzzer (scripts/fuzz_scenarios.py) under hypothesis: every mutated library file
either validates and runs two quarters to finite outputs, or is refused with a ScenarioError that
names the file (or --set) and the key; nothing else, never a traceback of another type.

CI runs a bounded number of examples (profile ``ci``: 150 in all, about 30 s on 2 cores; slow lane);
for more, ``PTSIM_FUZZ_PROFILE=fuzz pytest tests/test_fuzz_scenarios.py`` (3,000 examples per test)."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_spec = importlib.util.spec_from_file_location("fuzz_scenarios", REPO / "scripts" / "fuzz_scenarios.py")
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_scenarios"] = fuzz  # its dataclasses look their module up
_spec.loader.exec_module(fuzz)

PROFILES = {"ci": (110, 40), "fuzz": (3000, 3000)}  # examples: (file mutations, --set mutations)
FILE_EXAMPLES, SET_EXAMPLES = PROFILES[os.environ.get("PTSIM_FUZZ_PROFILE", "ci")]
COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": None}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the scenario library, for mutated files to sit beside their originals."""
    return fuzz.library_copy(tmp_path_factory.mktemp("fuzz"))


def _check(outcome) -> None:
    assert outcome.kind in ("accepted", "refused"), outcome.detail


@pytest.mark.slow  # about 25 s; CI runs the slow lane too
@settings(max_examples=FILE_EXAMPLES, **COMMON)
@given(rnd=st.randoms(use_true_random=False), n=st.integers(0, 10**9))
def test_mutated_library_files_run_finite_or_are_refused_with_file_and_key(work, tmp_path_factory, rnd, n):
    path, sets = fuzz.make_case(rnd, work, n)
    try:
        _check(fuzz.check_case(path, sets, tmp_path_factory.mktemp("out") / "run"))
    finally:
        path.unlink(missing_ok=True)


ODD_VALUES = (
    st.sampled_from(fuzz.SET_TEXTS)
    | st.text(max_size=20)
    | st.floats(allow_nan=True).map(fuzz.toml_value)
    | st.integers().map(str)
)


@pytest.mark.slow
@settings(max_examples=SET_EXAMPLES, **COMMON)
@given(original=st.sampled_from(fuzz.LIBRARY), data=st.data())
def test_set_values_run_finite_or_are_refused_with_file_and_key(work, tmp_path_factory, original, data):
    key = data.draw(st.sampled_from(fuzz.KEYS) | st.sampled_from(fuzz.KEYS) | st.text(max_size=30), "key")
    if data.draw(st.integers(0, 2), "kind"):  # two in three: at or near the key's declared bounds
        value = fuzz.toml_value(fuzz.boundary(key, data.draw(st.randoms(use_true_random=False), "rnd")))
    else:
        value = data.draw(ODD_VALUES, "value")
    _check(fuzz.check_case(work / original, [f"{key}={value}"], tmp_path_factory.mktemp("out") / "run"))


def test_the_fuzzer_tells_refusals_from_failures(work, tmp_path, monkeypatch):
    """The property can fail: a traceback of another type and a refusal without a key are failures."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nsteps = 2\n")
    assert fuzz.check_case(bad, [], tmp_path / "out").kind == "accepted"
    assert fuzz.check_case(bad, ["run.steps=0"], tmp_path / "out").kind == "refused"
    keyless = fuzz.S.ScenarioError(str(bad), "", "no key")
    assert fuzz._refusal(keyless).kind == "failure"
    assert fuzz.make_case(random.Random(1), work, 0)[0].exists()

    def crash(*args, **kwargs):
        raise TypeError("a traceback of another type")

    monkeypatch.setattr(fuzz.S, "load", crash)
    assert fuzz.check_case(bad, [], tmp_path / "out").kind == "failure"
