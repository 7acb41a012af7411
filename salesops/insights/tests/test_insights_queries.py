"""Dashboards and lists run a bounded number of queries whatever the team size: the same page
is counted with a small team and again after the team grew tenfold, with records for all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesops.core import idlists
from salesops.insights.services.alerts import alert_scan
from salesops.insights.services.forecast import forecast_snapshot_take
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.org.models import Assignment, User

pytestmark = pytest.mark.django_db


def _records(person: Any, month: Any) -> None:
    """A person's month: two wins, a loss, open deals, activities, a target, an alert cause."""
    day = make.local(month.start.replace(day=12))
    for amount in ("1000.00", "2000.00"):
        make.deal(person, amount, stage_code="won", closed=day, created=day - timedelta(days=40))
    make.deal(person, "500.00", stage_code="lost", closed=day, lost_reason="price")
    make.deal(person, "3000.00", stage_code="proposal", expected_close=make.today(),
              category="commit", close_date_changes=3)  # fmt: skip
    make.deal(person, "4000.00", stage_code="negotiation", expected_close=make.today())
    for hour in (9, 10):
        make.activity(person, "visit", day.replace(hour=hour))
    make.activity(person, "call", None, status="planned", due_at=timezone.now())
    make.target("won_revenue", person, month, "5000.00")


def _hire(cast: Any, n: int, start: int) -> list[Any]:
    people = []
    for i in range(start, start + n):
        user = User.objects.create_user(
            username=f"extra{i}", password="x", position="rep", unit=cast.units["n1"],
            manager=cast.supervisor, display_name=f"Extra {i}",
        )  # fmt: skip
        Assignment.objects.create(user=user, unit=user.unit, position="rep",
                                  manager=cast.supervisor, start=make.date(2020, 1, 1))  # fmt: skip
        people.append(user)
    return people


def _count(client: Any, url: str, params: dict[str, Any]) -> int:
    client.get(url, params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("manager", "insights:team", {}),
    ("director", "insights:managers", {}),
    ("manager", "insights:funnel", {}),
    ("manager", "insights:forecast", {}),
    ("rep", "insights:rep", {}),
    ("manager", "insights:inbox", {"box": "team"}),
    ("manager", "insights:drill", {"metric": "won"}),
    ("manager", "insights:drill", {"metric": "pipeline"}),
    ("rep", "insights:forecast", {}),
]


def _measure(client_for: Any, unit: Any, period: str) -> dict[tuple[str, str, str], int]:
    counts = {}
    for who, route, extra in PAGES:
        params = {"period": period, **extra}
        if who == "manager":
            params["unit"] = unit.pk
        counts[(who, route, str(extra))] = _count(client_for(who), reverse(route), params)
    return counts


def test_every_page_runs_the_same_queries_for_a_small_and_a_large_team(
    client_for: Any, cast: Any
) -> None:
    make.ensure_reference()
    month = make.Period.containing("month", make.today())
    north = cast.units["north"]
    for person in (cast.rep, cast.peer_rep, *_hire(cast, 1, 0)):
        _records(person, month)
    alert_scan()
    forecast_snapshot_take()
    small = _measure(client_for, north, month.key)

    for person in _hire(cast, 27, 1):
        _records(person, month)
    alert_scan()
    forecast_snapshot_take()
    large = _measure(client_for, north, month.key)

    assert large == small
    assert max(small.values()) < 60


def _repeated(client: Any, url: str, params: dict[str, Any]) -> list[str]:
    """The statements over sales records or the assignment history a page made more than once."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200, url
    statements = [q["sql"] for q in ctx.captured_queries]
    read = [s for s in statements if any(t in s for t in ("crm_", "org_assignment"))]
    return sorted({s[:200] for s in read if read.count(s) > 1})


def test_no_dashboard_reads_the_same_records_twice(
    client_for: Any, cast: Any, monkeypatch: Any
) -> None:
    """The team table and the dashboard both need the people's won revenue, and the unit's
    target and every figure need who was in which unit: within a page each is read once
    (core.shared_reads). Owner lists are applied as in a large company (idlists)."""
    monkeypatch.setattr(idlists, "FEW", 1)
    make.ensure_reference()
    month = make.Period.containing("month", make.today())
    for person in (cast.rep, cast.peer_rep):
        _records(person, month)
    for unit in ("acme", "north"):
        make.target("won_revenue", cast.units[unit], month, "9000.00")
    Assignment.objects.create(user=cast.peer_rep, unit=cast.units["north"], position="rep",
                              start=month.start + timedelta(days=3))  # fmt: skip
    north = cast.units["north"]
    for who, route, extra in [*PAGES, ("director", "insights:team", {})]:
        params = {"period": month.key, **extra}
        if who == "manager":
            params["unit"] = north.pk
        assert _repeated(client_for(who), reverse(route), params) == [], (who, route)
