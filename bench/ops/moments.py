"""Timestamps as the hand-written limits pass and read them: SQLite keeps naive UTC text,
PostgreSQL aware values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime


def param(value: datetime) -> Any:
    """A moment as the backend compares it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def read(value: Any) -> datetime | None:
    """A timestamp of a raw row as an aware datetime (SQLite gives naive UTC ones, or text for
    computed columns)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    assert parsed is not None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days(now: datetime, since: datetime | None) -> int:
    """Whole days from `since` to `now` (never negative), as the product's alerts count them."""
    assert since is not None
    return max(0, (now - since).days)
