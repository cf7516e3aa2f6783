"""Declarations every layer reads: a scalar scenario parameter (:class:`Param`).

This module sits at the bottom of the package (it imports nothing of it), so the parameter tables
(:mod:`simulation.parameters`) and the lever declarations (:mod:`simulation.levers`) can both use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Param:
    """Declaration of one scenario parameter (``section.name``)."""

    key: str
    default: Any
    unit: str
    doc: str
    basis: str
    kind: type = float
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = field(default_factory=tuple)
    #: (low, high) a sweep samples when no bounds are given: the values believed possible, inside
    #: the validation range [low, high] (which only rules out the impossible); None for text,
    #: booleans and tables
    plausible: tuple[float, float] | None = None
    plausible_basis: str = ""  # why this range: a source, or "assumption: ..."

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is list:
            return "a list of names"
        if self.kind is dict:
            return "a table of name = number >= 0"
        name = {float: "a number", int: "an integer", str: "a string"}[self.kind]
        if self.low is None and self.high is None:
            return name
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{name} in {'(' if self.low_open else '['}{lo}, {hi}]"

    def check(self, value: Any) -> Any:
        """Return ``value`` coerced to the declared type, or raise ``ValueError``."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"must be {self.allowed()}, got {value!r}")
            return value
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise ValueError(f"must be {self.allowed()}, got {value!r}")
            return value
        if self.kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f'must be {self.allowed()} (e.g. ["Henan", "west"]), got {value!r}')
            return list(value)
        if self.kind is dict:
            return self._check_table(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be {self.allowed()}, got {value!r}")
        if self.kind is int and not float(value).is_integer():
            raise ValueError(f"must be {self.allowed()}, got {value!r}")
        v = self.kind(value)
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"must be {self.allowed()}, got {value!r}")
        too_low = self.low is not None and (v <= self.low if self.low_open else v < self.low)
        if too_low or (self.high is not None and v > self.high):
            raise ValueError(f"must be {self.allowed()}, got {value!r}")
        return v

    def _check_table(self, value: Any) -> dict[str, float]:
        bad = ValueError(f"must be {self.allowed()} (e.g. {{ Henan = 2, Sichuan = 1 }}), got {value!r}")
        if not isinstance(value, dict):
            raise bad
        out = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise bad
            out[str(k)] = float(v)
        return out


A = "assumption"  # prefix for bases that are assumptions, not sourced figures
