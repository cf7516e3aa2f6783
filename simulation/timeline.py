"""Quarters: the model's clock (one step = one quarter)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
EARLIEST_YEAR = 2010


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. ``Quarter(2024, 1)`` for 2024Q1."""

    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse ``"2024Q1"``; raise ``ValueError`` naming what is allowed."""
        return _parse(str(text).strip())

    def __add__(self, steps: int) -> Quarter:
        index = self.year * 4 + (self.q - 1) + int(steps)
        return Quarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def decimal_year(self) -> float:
        """Year as a float at the start of the quarter (2024Q3 -> 2024.5)."""
        return self.year + (self.q - 1) / 4


@lru_cache(maxsize=1024)  # levers parse their start and end every quarter
def _parse(text: str) -> Quarter:
    m = _QUARTER.match(text)
    if not m:
        raise ValueError(f"expected a quarter like '2024Q1', got {text!r}")
    return Quarter(int(m.group(1)), int(m.group(2)))


def time_key(text: str | int) -> float:
    """Turn a series key (``2030`` or ``"2030Q3"``) into a decimal year."""
    s = str(text).strip()
    if s.isdigit():
        return float(int(s))
    return Quarter.parse(s).decimal_year
