"""Owners' spans of days as SQL (targets.span_sql) and the stints they are made from: the same
records as the lookups they replace, on the edges of local days, and the organisation's
history read once for every window of a page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext

from salesops.core import shared_reads
from salesops.crm.models import Activity, Payment
from salesops.org.models import Assignment
from salesops.targets import attribution, kpis
from salesops.targets.span_sql import OnSpans, SpanIndex
from salesops.targets.tests import support as make

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def _activities() -> Any:
    return Activity.objects.annotate(kpi_owner=F("owner_id"))


def _payments() -> Any:
    return Payment.objects.annotate(kpi_owner=F("contract__owner_id"))


def _edges(cast: Any) -> dict[str, int]:
    """Activities of the rep and the peer around local midnights of DAY's edges."""
    at = {
        "before": make.local(DAY - timedelta(days=1), 23, 59),
        "first": make.local(DAY, 0, 0),
        "last": make.local(DAY + timedelta(days=1), 23, 59),
        "after": make.local(DAY + timedelta(days=2), 0, 0),
    }
    found = {name: make.activity(cast.rep, "visit", when).pk for name, when in at.items()}
    found["peer"] = make.activity(cast.peer_rep, "visit", make.local(DAY, 12)).pk
    return found


def test_a_span_on_a_datetime_holds_its_local_days_as_the_lookups_do(cast: Any) -> None:
    ids = _edges(cast)
    last = DAY + timedelta(days=1)
    spans = [(cast.rep.pk, DAY, last)]
    got = set(_activities().filter(OnSpans("kpi_owner", "done_at", spans, True))
              .values_list("pk", flat=True))  # fmt: skip
    source = kpis.SOURCES["activities"]
    lookups = Q(kpi_owner=cast.rep.pk) & kpis.in_range(source, "done_at", DAY, last)
    assert got == set(_activities().filter(lookups).values_list("pk", flat=True))
    assert got == {ids["first"], ids["last"]}


def test_a_span_on_a_date_holds_its_first_and_last_day(cast: Any) -> None:
    for offset in (-1, 0, 2, 3):
        make.payment(cast.rep, "10.00", DAY + timedelta(days=offset))
    make.payment(cast.peer_rep, "10.00", DAY)
    spans = [(cast.rep.pk, DAY, DAY + timedelta(days=2))]
    got = _payments().filter(OnSpans("kpi_owner", "received_on", spans, False))
    assert sorted(got.values_list("received_on", flat=True)) == [DAY, DAY + timedelta(days=2)]


def test_no_span_holds_nothing(cast: Any) -> None:
    _edges(cast)
    assert not _activities().filter(OnSpans("kpi_owner", "done_at", [], True)).exists()


def test_the_index_numbers_each_movers_records_by_their_span(cast: Any) -> None:
    ids = _edges(cast)
    rep = cast.rep.pk
    numbered = [(0, (rep, DAY - timedelta(days=5), DAY - timedelta(days=1))),
                (1, (rep, DAY, DAY + timedelta(days=30)))]  # fmt: skip
    qs = _activities().annotate(kpi_stint=SpanIndex("kpi_owner", "done_at", [rep], numbered, True))
    got = dict(qs.values_list("pk", "kpi_stint"))
    assert got[ids["before"]] == 0 and got[ids["first"]] == 1 and got[ids["after"]] == 1
    assert got[ids["peer"]] == 0  # not among the movers
    grouped = qs.order_by().values("kpi_owner", "kpi_stint").annotate(n=Count("pk"))
    assert {(r["kpi_owner"], r["kpi_stint"]): r["n"] for r in grouped} == {
        (rep, 0): 1,
        (rep, 1): 3,
        (cast.peer_rep.pk, 0): 1,
    }


def test_a_page_reads_the_history_once_for_all_its_windows(cast: Any) -> None:
    quarter, before, today = (date(2026, 1, 1), date(2026, 3, 31)), (
        date(2025, 10, 1), date(2025, 12, 31)), (DAY, DAY)  # fmt: skip
    Assignment.objects.filter(user=cast.peer_rep).update(end=date(2025, 11, 14))
    Assignment.objects.create(user=cast.peer_rep, unit=cast.units["s1"], position="rep",
                              start=date(2025, 11, 15))  # fmt: skip
    windows = (quarter, before, today)
    outside = {w: attribution.stints(*w) for w in windows}
    read_all = shared_reads.scope(lambda: {w: attribution.stints(*w) for w in windows})
    with CaptureQueriesContext(connection) as seen:
        inside = read_all()
    assert len(seen.captured_queries) == 2
    for w, found in inside.items():
        assert found.by_user == outside[w].by_user and found.nowhere == outside[w].nowhere
    n1, s1 = cast.units["n1"].pk, cast.units["s1"].pk
    peer = cast.peer_rep.pk
    assert [s.unit for s in inside[before].by_user[peer]] == [n1, s1]
    assert inside[before].by_user[peer][0].last == date(2025, 11, 14)
    assert [s.unit for s in inside[quarter].by_user[peer]] == [s1]  # the ended one left out
