"""Periods (year, quarter, month, week) as first-class values with a stable text key."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.utils.translation import gettext as _

KINDS = ("year", "quarter", "month", "week")
_PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range [start, end] of one kind; `key` is how it is written and parsed."""

    start: date
    end: date
    kind: str

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The period of this kind that contains the day."""
        if kind == "year":
            return cls(date(day.year, 1, 1), date(day.year, 12, 31), kind)
        if kind == "quarter":
            first = 3 * ((day.month - 1) // 3) + 1
            last = first + 2
            end = date(day.year, last, calendar.monthrange(day.year, last)[1])
            return cls(date(day.year, first, 1), end, kind)
        if kind == "month":
            end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
            return cls(date(day.year, day.month, 1), end, kind)
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls(start, start + timedelta(days=6), kind)
        raise ValueError(_("Unknown period kind: %(kind)s") % {"kind": kind})

    @classmethod
    def parse(cls, key: str) -> Period:
        """Parse "2026", "2026-Q4", "2026-11" or "2026-W47" (periods are immutable values, so
        parsed keys are remembered: a target tree parses its phasing keys thousands of times)."""
        return _parse(key) if cls is Period else cls._parse(key)

    @classmethod
    def _parse(cls, key: str) -> Period:
        for kind, pattern in _PATTERNS.items():
            match = pattern.match(key.strip())
            if not match:
                continue
            year = int(match.group(1))
            if kind == "year":
                return cls.containing("year", date(year, 1, 1))
            number = int(match.group(2))
            if kind == "quarter":
                return cls.containing("quarter", date(year, 3 * number - 2, 1))
            if kind == "month" and 1 <= number <= 12:
                return cls.containing("month", date(year, number, 1))
            if kind == "week":
                return cls.containing("week", date.fromisocalendar(year, number, 1))
        raise ValueError(_("Not a period: %(key)s") % {"key": key})

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        iso = self.start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    def __str__(self) -> str:
        return self.key

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + timedelta(days=1))

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def children(self, kind: str) -> list[Period]:
        """The periods of a finer kind that start inside this one, in order."""
        return between(kind, self.start, self.end)

    def elapsed_fraction(self, today: date) -> float:
        """How much of the period has passed by the end of `today` (0.0 to 1.0)."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days


def between(kind: str, start: date, end: date) -> list[Period]:
    """The periods of a kind that overlap the days start..end, in order (a new list: the
    computed periods are kept, the caller may change its copy)."""
    return list(_between(kind, start, end))


@lru_cache(maxsize=4096)
def _between(kind: str, start: date, end: date) -> tuple[Period, ...]:
    found, cursor = [], Period.containing(kind, start)
    while cursor.start <= end:
        found.append(cursor)
        cursor = cursor.next()
    return tuple(found)


@lru_cache(maxsize=4096)
def _parse(key: str) -> Period:
    return Period._parse(key)
