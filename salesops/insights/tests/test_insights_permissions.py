"""What each person's dashboards contain: their own records, or their subtree's, never another
branch's; a unit or person outside their view answers 404; HR and finance see no sales data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(cast: Any) -> None:
    make.ensure_reference()
    now = timezone.now()
    make.deal(cast.rep, "100.00", stage_code="won", closed=now)
    make.deal(cast.peer_rep, "200.00", stage_code="won", closed=now)
    make.deal(cast.outside_rep, "400.00", stage_code="won", closed=now)
    make.deal(cast.outside_rep, "800.00", stage_code="proposal")


@pytest.mark.parametrize("who", ["director", "manager", "supervisor", "rep", "hr"])
def test_members_are_the_people_a_dashboard_may_list_as_values(cast: Any, who: str) -> None:
    """A dashboard's members are its people (lens.people) in the same order, each with the
    name shown, unit, position and login of the user."""
    from salesops.insights.lens import members, people

    actor = cast.users[who]
    for unit in (None, cast.units["north"]):
        users = list(people(actor, unit))
        got = members(actor, unit)
        assert [(m.pk, str(m), m.unit, m.position, m.username) for m in got] == [
            (u.pk, str(u), str(u.unit or ""), u.position, u.username) for u in users
        ]
    assert who != "director" or len(members(actor)) > 4


def test_a_managers_dashboard_never_includes_another_branch(client_for: Any, cast: Any,
                                                            deals: None) -> None:  # fmt: skip
    client = client_for("manager")
    page = client.get(reverse("insights:team"))
    assert page.context["lens"].unit == cast.units["north"]
    assert page.context["figures"]["won"]["value"] == Decimal("300.00")
    assert page.context["figures"]["pipeline"]["value"] == Decimal("0.00")
    assert {p.username for p in page.context["members"]} == {"manager", "supervisor", "rep",
                                                             "peer_rep"}  # fmt: skip
    funnel = client.get(reverse("insights:funnel"))
    assert funnel.context["headline"]["won"]["value"] == Decimal("300.00")
    for route in ("insights:team", "insights:funnel", "insights:forecast", "insights:drill"):
        query = {"unit": cast.units["south"].pk, "metric": "won"}
        assert client.get(reverse(route), query).status_code == 404, route
    assert client.get(reverse("insights:rep"), {"person": cast.outside_rep.pk}).status_code == 404


def test_the_director_compares_both_branches(client_for: Any, cast: Any, deals: None) -> None:
    page = client_for("director").get(reverse("insights:managers"))
    rows = {r.unit.code: r.now.won for r in page.context["rows"]}
    assert rows == {"north": Decimal("300.00"), "south": Decimal("400.00")}


def test_a_manager_sees_their_supervisors_as_rows(client_for: Any, cast: Any, deals: None) -> None:
    page = client_for("manager").get(reverse("insights:managers"))
    assert [(r.unit.code, r.manager.username) for r in page.context["rows"]] == [
        ("n1", "supervisor")
    ]


def test_a_rep_sees_only_their_own_records(client_for: Any, cast: Any, deals: None) -> None:
    client = client_for("rep")
    page = client.get(reverse("insights:rep"))
    assert page.context["figures"]["won"]["value"] == Decimal("100.00")
    assert client.get(reverse("insights:rep"), {"person": cast.peer_rep.pk}).status_code == 404
    assert client.get(reverse("insights:funnel"), {"unit": cast.units["n1"].pk}).status_code == 404
    assert client.get(reverse("insights:team")).status_code == 403
    drill = client.get(reverse("insights:drill"), {"metric": "won"})
    assert drill.context["totals"]["amount"] == Decimal("100.00")


def test_a_supervisor_looks_at_one_of_their_people(client_for: Any, cast: Any, deals: None) -> None:
    page = client_for("supervisor").get(reverse("insights:rep"), {"person": cast.peer_rep.pk})
    assert page.status_code == 200
    assert page.context["figures"]["won"]["value"] == Decimal("200.00")
    assert page.context["is_me"] is False


@pytest.mark.parametrize("who", ["hr", "finance"])
def test_staff_roles_see_no_insights(client_for: Any, cast: Any, who: str) -> None:
    client = client_for(who)
    for route in ("insights:rep", "insights:funnel", "insights:forecast", "insights:inbox"):
        assert client.get(reverse(route)).status_code == 403
    home = client.get(reverse("home"))
    assert 'data-testid="alert-inbox-link"' not in home.content.decode()
    assert home.context["alert_badge"] is None


def test_the_header_shows_the_badge(client_for: Any, cast: Any) -> None:
    make.ensure_reference()
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3, entered=timezone.now())
    from salesops.insights.services.alerts import alert_scan

    alert_scan()
    html = client_for("rep").get(reverse("home")).content.decode()
    assert 'data-testid="alert-badge">1<' in html
