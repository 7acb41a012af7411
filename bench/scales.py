"""The scales the generator builds (the issue's S/M/L, and XS for the suite's own tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scale:
    name: str
    people: int
    customers: int
    opportunities: int
    activities: int
    months: int = 24  # history length, ending at the anchor date

    @property
    def leads(self) -> int:
        return self.customers // 4


SCALES = {
    "XS": Scale("XS", 40, 600, 3_000, 12_000),
    "S": Scale("S", 100, 10_000, 50_000, 250_000),
    "M": Scale("M", 1_000, 100_000, 1_000_000, 5_000_000),
    "L": Scale("L", 5_000, 500_000, 3_000_000, 15_000_000),
}

# "Today" for generated data: fixed, so the same seed gives the same rows and the same answers.
ANCHOR = date(2026, 11, 16)
SEED = 20261116
