"""Query counts stay flat as people, targets and records grow: the team table, the tree, the
target list, the API, and attainment for a company of a thousand people over a quarter."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesops.core.periods import Period
from salesops.crm.models import Activity, Customer, Opportunity, Stage
from salesops.org.models import User
from salesops.targets import reports
from salesops.targets.models import Target
from salesops.targets.tests import support as s


def _grow(cast: Any, n: int, period: Period, tag: str) -> list[User]:
    """n more reps in team n1, each with won revenue and visit targets, a won deal, a visit."""
    s.ensure_reference()
    team = cast.units["n1"]
    people = User.objects.bulk_create(
        [
            User(
                username=f"{tag}{i}",
                display_name=f"{tag} {i}",
                position="rep",
                unit=team,
                manager=cast.supervisor,
                hire_date=date(2020, 1, 6),
            )
            for i in range(n)
        ]
    )
    won, visits = s.kpi("won_revenue"), s.kpi("visits")
    rows = []
    for p in people:
        for kpi, value in ((won, "1000.00"), (visits, "20.00")):
            t = Target(kpi=kpi, owner_user=p, value=Decimal(value))
            t.set_period(period)
            rows.append(t)
    Target.objects.bulk_create(rows)
    customers = Customer.objects.bulk_create(
        [Customer(name=f"{tag} customer {i}", owner=p) for i, p in enumerate(people)]
    )
    stage, when = Stage.objects.get(code="won"), s.local(period.start + timedelta(days=1))
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name="d",
                customer=c,
                owner=c.owner,
                stage=stage,
                amount=Decimal("10.00"),
                stage_entered_at=when,
                closed_at=when,
            )
            for c in customers
        ]
    )
    Activity.objects.bulk_create(
        [Activity(kind="visit", subject="v", owner=p, status="done", done_at=when) for p in people]
    )
    return people


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "route",
    [
        "targets:team",
        "targets:tree",
        "targets:target_list",
        "targets:my",
        "api:targets_attainment",
        "api:targets_target_list",
        "api:targets_tree",
    ],
)
def test_pages_run_the_same_queries_for_3_and_30_people(
    cast: Any, client_for: Any, route: str
) -> None:
    period = Period.containing("month", timezone.localdate())
    query = f"?period={period.key}"
    _grow(cast, 3, period, "a")
    client = client_for("manager")
    url = reverse(route) + query
    client.get(url)  # warm the session and caches
    few = _count(client, url)
    _grow(cast, 27, period, "b")
    many = _count(client, url)
    assert many == few, f"{route}: {few} queries with 3 people, {many} with 30"


def test_drill_down_is_flat_in_the_number_of_records(cast: Any, client_for: Any) -> None:
    period = Period.containing("month", timezone.localdate())
    team = s.target("won_revenue", cast.units["n1"], period.key, "100.00")
    client = client_for("manager")
    url = reverse("targets:target_records", args=[team.pk])
    _grow(cast, 3, period, "a")
    client.get(url)
    few = _count(client, url)
    _grow(cast, 27, period, "b")
    assert _count(client, url) == few


def test_a_thousand_people_over_a_quarter_is_a_handful_of_queries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    quarter = Period.parse("2026-Q2")
    people = _grow(cast, 1000, quarter, "p")
    # the actor's units led (read for the people scope, the sales scope and the targets' own
    # rule), the id lists of the people and sales scopes (evaluated once each), the people,
    # their targets, and one query per KPI (two KPIs): 9 for any headcount
    with django_assert_max_num_queries(9):
        kpi_list, rows = reports.team_table(
            actor=cast.director, unit=None, period=quarter, kpi_list=None, today=date(2026, 5, 15)
        )
    assert len(rows) == len(cast.users) - 3 + len(people)  # everyone but HR, finance, admin
    cells = {r.person.username: r.cells for r in rows}
    assert [c.actual for c in cells["p999"]] == [Decimal("10.00"), Decimal("1.00")]
    assert [k.code for k in kpi_list] == ["won_revenue", "visits"]
