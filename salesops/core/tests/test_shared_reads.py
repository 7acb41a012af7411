"""Within a read-only selector's scope the same grouped read is made once; outside a scope, and
after it, every read goes to the database and sees what was written."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
            compiler = qs.query.get_compiler

            def listed(*args: Any, **kwargs: Any) -> Any:  # the key gets a list of lists
                found = compiler(*args, **kwargs)
                if sys._getframe(1).f_code.co_name == "rows":  # the key's, not the read's
                    found.as_sql = lambda *a, **k: (sql, ([[*params]],))
                return found

            monkeypatch.setattr(qs.query, "get_compiler", listed)
            twice = [_read(qs.all()), _read(qs.all())]  # (a queryset keeps its own rows)
        assert twice == [{"call": 1}] * 2
        return empty, len(seen.captured_queries)

    assert page() == ([], 2)


def test_kept_rows_are_the_rows_the_query_gives(cast: Any) -> None:
    """Rows read for the first time in a scope (compiled once, for the key and the read) are
    what iterating the query gives: its names, and values converted (dates, sums of money)."""
    from django.db.models import Max, Sum
    from django.db.models.functions import TruncDate

    from salesops.crm.models import Customer, Opportunity, Stage

    _log(cast.rep, "call", 2)
    customer = Customer.objects.create(name="Shared Reads Ltd", owner=cast.rep)
    stage = Stage.objects.order_by("order").first()
    for amount in ("12.34", "0.66"):
        Opportunity.objects.create(
            name=amount, customer=customer, owner=cast.rep, stage=stage,
            stage_entered_at=timezone.now(), amount=Decimal(amount),
        )  # fmt: skip
    activity = Activity.objects.filter(owner=cast.rep).order_by().values("owner")
    dated = activity.annotate(last=Max(TruncDate("created_at")), n=Count("pk"))
    money = Opportunity.objects.order_by().values("owner", "stage").annotate(total=Sum("amount"))
    for qs in (dated, money):
        expected = list(qs.all())
        got = shared_reads.scope(lambda qs=qs: list(shared_reads.rows(qs.all())))()
        assert got == expected
        assert [list(row) for row in got] == [list(row) for row in expected]
        assert [type(v) for row in got for v in row.values()] == [
            type(v) for row in expected for v in row.values()
        ]
    assert [row["total"] for row in money] == [Decimal("13.00")]
