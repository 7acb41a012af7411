"""Hand-written SQL helpers for the limits: the same dates, owners and units the product uses,
written the way a careful engineer would for each database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from salesops.targets.kpis import local_bounds


def rows(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def pg() -> bool:
    return connection.vendor == "postgresql"


def local_day(column: str) -> str:
    """The local (Asia/Shanghai, no daylight saving) date of a UTC timestamp column."""
    if pg():
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"
    return f"date({column}, '+8 hours')"


def bounds(start: date, end: date) -> list[Any]:
    """UTC bounds [first, after) of local days start..end, as the backend compares them."""
    first, after = local_bounds(start, end)
    if pg():
        return [first, after]
    return [_naive_utc(first), _naive_utc(after)]


def bucket_case(column: str, periods: list[Any]) -> tuple[str, list[Any]]:
    """The index of the period (in order, local days) a UTC timestamp column falls in, for rows
    already limited to the periods' span: compared with each period's end, not truncated row
    by row."""
    ends = [bounds(p.start, p.end)[1] for p in periods[:-1]]
    whens = " ".join(f"WHEN {column} < %s THEN {i}" for i in range(len(ends)))
    return f"CASE {whens} ELSE {len(ends)} END", ends


def _naive_utc(value: datetime) -> str:
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def unit_join(owner: str, day: str, path_param: bool = True) -> str:
    """Join the owner's assignment on the record's local day and its unit (optionally limited
    to a subtree by a path prefix parameter)."""
    cond = " AND u.path LIKE %s" if path_param else ""
    return (
        f" JOIN org_assignment a ON a.user_id = {owner} AND a.start <= {day}"
        f' AND (a."end" IS NULL OR a."end" >= {day})'
        f" JOIN org_orgunit u ON u.id = a.unit_id{cond}"
    )


def scope_ids(actor: Any) -> list[int] | None:
    """The people whose sales records the actor sees (None: everyone). Visibility is an input
    of every answer, not part of the computation measured: both sides take the product's own
    scope, so the organisation's rules live in one place."""
    scope = actor.scope("sales")
    return None if scope.everything else list(scope.user_ids)


def owner_in(column: str, ids: list[int] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def cents(value: Any) -> int | None:
    """Money (Decimal yuan) or a raw integer-cents sum as integer cents."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value * 100)
    return int(value)
