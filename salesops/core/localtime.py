"""Local dates of stored (UTC) timestamps, computed by the database.

Django computes a time-zone-aware truncation on SQLite with a Python function called for every
row (`django_datetime_trunc`), which costs seconds over a quarter of a large sales force's
activities. When the site's time zone keeps one UTC offset (Asia/Shanghai has since 1991), the
same local date is plain SQLite date arithmetic: `date(ts, '+480 minutes', ...)`. Zones with
daylight saving, and PostgreSQL (which does this natively), keep Django's expressions.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import DateField, DurationField, Func, IntegerField
from django.db.models.functions import Trunc, TruncDate
from django.utils import timezone

# SQLite date modifiers giving the start of each period kind from a local date.
_STARTS = {
    "day": "",
    "week": ", 'weekday 0', '-6 days'",  # the Monday on or before (weeks start on Monday)
    "month": ", 'start of month'",
    "year": ", 'start of year'",
}


@cache
def fixed_offset_minutes(tz: tzinfo) -> int | None:
    """The zone's UTC offset in minutes when it has not changed for years (else None)."""
    now = datetime(2026, 1, 1)
    offsets = {tz.utcoffset(now - timedelta(days=days)) for days in range(0, 366 * 12, 30)}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return int(offset.total_seconds() // 60) if offset is not None else None


def _sqlite_minutes() -> int | None:
    if connection.vendor != "sqlite":
        return None
    return fixed_offset_minutes(timezone.get_default_timezone())


class _LocalStart(Func):
    """date(ts, '+N minutes', <start of period>) on SQLite: the local period start as a date."""

    output_field = DateField()

    def __init__(self, field: str, minutes: int, kind: str) -> None:
        super().__init__(field)
        self.minutes, self.kind = minutes, kind

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> Any:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        shift = f"'{self.minutes:+d} minutes'"
        if self.kind == "quarter":
            local = f"date({sql}, {shift})"
            months = f"'-' || ((CAST(strftime('%%m', {local}) AS INTEGER) - 1) %% 3) || ' months'"
            return f"date({local}, 'start of month', {months})", [*params, *params]
        return f"date({sql}, {shift}{_STARTS[self.kind]})", params


def local_date(field: str) -> Any:
    """The local date of a timestamp field."""
    minutes = _sqlite_minutes()
    if minutes is None:
        return TruncDate(field, tzinfo=timezone.get_default_timezone())
    return _LocalStart(field, minutes, "day")


def local_trunc(field: str, kind: str) -> Any:
    """The start of the local day/week/month/quarter/year of a timestamp field (a date on
    SQLite, an aware datetime on PostgreSQL: both read by `Period.containing`)."""
    minutes = _sqlite_minutes()
    if minutes is None:
        return Trunc(field, kind, tzinfo=timezone.get_default_timezone())
    return _LocalStart(field, minutes, kind)


class Elapsed(Func):
    """`end - start` of two stored timestamps as a duration. On SQLite Django subtracts them
    with a Python function called per row (`django_timestamp_diff`); here the exact whole
    microseconds come from SQLite's own arithmetic on the stored text ("YYYY-MM-DD
    HH:MM:SS[.ffffff]", UTC), which Django reads back as a timedelta."""

    arity = 2
    output_field = DurationField()

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> Any:  # type: ignore[override]
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({end[0]} - {start[0]})", [*end[1], *start[1]]

    def as_sqlite(self, compiler: Any, conn: Any, **extra: Any) -> Any:  # type: ignore[override]
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        # Each column is read twice by _micros (seconds, then the fraction).
        return f"({sqlite_micros(end[0])} - {sqlite_micros(start[0])})", [
            *end[1],
            *end[1],
            *start[1],
            *start[1],
        ]


def sqlite_micros(column: str) -> str:
    """Exact integer microseconds of a stored SQLite timestamp ("YYYY-MM-DD HH:MM:SS[.ffffff]",
    UTC): its whole seconds (strftime of the first 19 characters: given the fraction, SQLite
    rounds it to the millisecond first, and .9995 s or more counts as the next second) and the
    fraction's digits; "%%" because Django reads %s as a parameter."""
    seconds = f"CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER)"
    return f"({seconds} * 1000000 + CAST(substr({column}, 21) AS INTEGER))"


def date_start(field: str, kind: str) -> Any:
    """The start of the week/month/quarter/year of a date field: on SQLite its own date
    function, as for timestamps above (Django's Trunc calls a Python function per row there)."""
    if connection.vendor == "sqlite":
        return _LocalStart(field, 0, kind)
    return Trunc(field, kind, output_field=DateField())


WEEK_SECONDS = 7 * 24 * 3600


class _WeekIndex(Func):
    """(unixepoch(ts) - first) / 604800 on SQLite: whole weeks since `first` (seconds since
    the epoch), in integers, so a timestamp at a week's first second is in that week."""

    output_field = IntegerField()

    def __init__(self, field: str, first: int) -> None:
        super().__init__(field)
        self.first = first

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> Any:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((unixepoch({sql}) - {int(self.first)}) / {WEEK_SECONDS})", params


def week_index(field: str, monday: date, aware: bool) -> Any:
    """On SQLite, the number of whole local weeks from `monday` to a record's timestamp (or
    date) field, by integer arithmetic on its seconds: cheaper than comparing it with each
    week's end. None elsewhere, when the zone's offset changes (weeks are then not all 604,800
    seconds) or when SQLite is older than 3.38 (no unixepoch)."""
    if connection.vendor != "sqlite" or sqlite3.sqlite_version_info < (3, 38):
        return None
    if not aware:
        return _WeekIndex(field, int(datetime.combine(monday, time.min, UTC).timestamp()))
    if _sqlite_minutes() is None:
        return None
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return _WeekIndex(field, int(start.timestamp()))
