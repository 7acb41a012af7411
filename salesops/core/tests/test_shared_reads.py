"""Within a read-only selector's scope the same grouped read is made once; outside a scope, and
after it, every read goes to the database and sees what was written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from salesops.core import shared_reads
from salesops.crm.models import Activity

pytestmark = pytest.mark.django_db


def _by_kind(**filters: Any) -> Any:
    return Activity.objects.filter(**filters).order_by().values("kind").annotate(n=Count("pk"))


def _read(qs: Any) -> dict[str, int]:
    return {row["kind"]: row["n"] for row in shared_reads.rows(qs)}


def _log(owner: Any, kind: str, n: int = 1) -> None:
    for i in range(n):
        Activity.objects.create(owner=owner, kind=kind, subject=f"{kind} {i}", status="done")


def test_the_same_read_in_a_scope_is_made_once_and_gives_the_same_rows(cast: Any) -> None:
    _log(cast.rep, "call", 2)
    _log(cast.rep, "visit")

    @shared_reads.scope
    def page() -> tuple[Any, ...]:
        first = _read(_by_kind(owner=cast.rep))
        again = _read(_by_kind(owner=cast.rep))
        other = _read(_by_kind(owner=cast.peer_rep))  # other parameters: its own read
        return first, again, other

    with CaptureQueriesContext(connection) as seen:
        first, again, other = page()
    assert first == again == {"call": 2, "visit": 1}
    assert other == {}
    assert len(seen.captured_queries) == 2


def test_outside_a_scope_and_after_it_every_read_sees_the_writes(cast: Any) -> None:
    _log(cast.rep, "call")
    assert not shared_reads.active()
    with CaptureQueriesContext(connection) as seen:
        assert _read(_by_kind(owner=cast.rep)) == {"call": 1}
        _log(cast.rep, "call")
        assert _read(_by_kind(owner=cast.rep)) == {"call": 2}
    assert sum("GROUP BY" in q["sql"] for q in seen.captured_queries) == 2

    page = shared_reads.scope(lambda: _read(_by_kind(owner=cast.rep)))
    assert page() == {"call": 2}
    _log(cast.rep, "call")
    assert page() == {"call": 3}  # a new scope reads again
    assert not shared_reads.active()


def test_a_scope_inside_a_scope_joins_it_and_once_computes_once_per_scope(cast: Any) -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    inner = shared_reads.scope(lambda: shared_reads.once("k", compute))

    @shared_reads.scope
    def outer() -> tuple[int, int, int]:
        return shared_reads.once("k", compute), inner(), shared_reads.once("k", compute)

    assert outer() == (1, 1, 1)
    assert outer() == (2, 2, 2)
    assert shared_reads.once("k", compute) == 3  # outside a scope: every time
    assert shared_reads.once("k", compute) == 4


def test_a_read_nothing_can_meet_is_no_query_and_an_unhashable_key_is_read_each_time(
    cast: Any, monkeypatch: Any
) -> None:
    _log(cast.rep, "call")

    @shared_reads.scope
    def page() -> tuple[Any, int]:
        with CaptureQueriesContext(connection) as seen:
            empty = list(shared_reads.rows(_by_kind(pk__in=[])))
            assert seen.captured_queries == []
            qs = _by_kind(owner=cast.rep)
            sql, params = qs.query.sql_with_params()
            monkeypatch.setattr(qs.query, "sql_with_params", lambda: (sql, ([*params],)))
            twice = [_read(qs.all()), _read(qs.all())]  # (a queryset keeps its own rows)
        assert twice == [{"call": 1}] * 2
        return empty, len(seen.captured_queries)

    assert page() == ([], 2)
