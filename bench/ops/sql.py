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
    """The people whose sales records the actor sees (None: everyone), as the org rules say:
    themselves, their direct reports and everyone in the units they lead."""
    found = rows("SELECT path FROM org_orgunit WHERE leader_id = %s AND is_active", [actor.pk])
    if actor.position in ("director", "admin"):
        return None
    likes = " OR ".join("u.path LIKE %s" for _p in found) or "1 = 0"
    sql = (
        "SELECT p.id FROM org_user p LEFT JOIN org_orgunit u ON u.id = p.unit_id"
        f" WHERE p.id = %s OR p.manager_id = %s OR {likes}"
    )
    return [r[0] for r in rows(sql, [actor.pk, actor.pk, *[f"{p[0]}%" for p in found]])]


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
