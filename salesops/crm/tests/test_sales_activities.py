"""Activities: planned and done, links, coaching, last-contact updates, my activities."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesops.crm.models import Activity, Customer, Lead
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


def _done(owner: Any, when: Any, **links: Any) -> Activity:
    return services.activity_log(
        actor=owner, kind="visit", subject="Visit", done_at=when, outcome="Met", **links
    )


def _last_contact(customer: Customer) -> Any:
    return Customer.objects.get(pk=customer.pk).last_contact_at


def test_a_done_activity_sets_the_last_contact(cast: Any) -> None:
    acme = make.customer(cast.rep)
    when = timezone.now() - timedelta(hours=2)
    activity = _done(cast.rep, when, customer=acme)
    assert (activity.status, _last_contact(acme)) == ("done", when)


def test_a_planned_activity_does_not_touch_the_last_contact(cast: Any) -> None:
    acme = make.customer(cast.rep)
    make.planned(cast.rep, acme, days=-3)
    assert _last_contact(acme) is None


def test_an_older_done_activity_never_moves_the_last_contact_back(cast: Any) -> None:
    acme = make.customer(cast.rep)
    recent = timezone.now() - timedelta(days=1)
    _done(cast.rep, recent, customer=acme)
    _done(cast.rep, recent - timedelta(days=10), customer=acme)
    assert _last_contact(acme) == recent
    newest = timezone.now() - timedelta(minutes=5)
    _done(cast.rep, newest, customer=acme)
    assert _last_contact(acme) == newest


def test_completing_a_planned_activity_updates_the_last_contact(cast: Any) -> None:
    acme = make.customer(cast.rep)
    call = make.planned(cast.rep, acme, days=-1)
    when = timezone.now() - timedelta(minutes=30)
    services.activity_complete(
        actor=cast.rep, activity=call, done_at=when, outcome="Reached", next_step="Demo"
    )
    fresh = Activity.objects.get(pk=call.pk)
    assert (fresh.status, fresh.done_at, fresh.outcome, fresh.next_step) == (
        "done",
        when,
        "Reached",
        "Demo",
    )
    assert _last_contact(acme) == when


def test_a_deal_activity_counts_for_its_customer_and_a_lead_activity_for_the_lead(
    cast: Any,
) -> None:
    opp = make.deal(cast.rep)
    lead = Lead.objects.create(title="Inbound", owner=cast.rep)
    when = timezone.now() - timedelta(hours=1)
    on_deal = _done(cast.rep, when, opportunity=opp)
    _done(cast.rep, when, lead=lead)
    assert on_deal.customer_id == opp.customer_id
    assert _last_contact(opp.customer) == when
    assert Lead.objects.get(pk=lead.pk).last_activity_at == when


def test_an_activity_must_be_about_something(cast: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.activity_log(
            actor=cast.rep, kind="call", subject="?", due_at=timezone.now() + timedelta(days=1)
        )
    assert list(caught.value.message_dict) == ["customer"]
    assert not Activity.objects.exists()


def test_links_must_agree_on_the_customer(cast: Any) -> None:
    opp = make.deal(cast.rep)
    other = make.customer(cast.rep, name="Other")
    with pytest.raises(ValidationError) as caught:
        services.activity_log(
            actor=cast.rep,
            kind="call",
            subject="Mixed",
            customer=other,
            opportunity=opp,
            due_at=timezone.now() + timedelta(days=1),
        )
    assert list(caught.value.message_dict) == ["opportunity"]
    assert not Activity.objects.exists()


def test_planned_needs_a_time_and_done_cannot_be_in_the_future(cast: Any) -> None:
    acme = make.customer(cast.rep)
    with pytest.raises(ValidationError) as caught:
        services.activity_log(actor=cast.rep, kind="call", subject="When?", customer=acme)
    assert list(caught.value.message_dict) == ["due_at"]
    with pytest.raises(ValidationError) as caught:
        _done(cast.rep, timezone.now() + timedelta(days=1), customer=acme)
    assert list(caught.value.message_dict) == ["done_at"]
    assert not Activity.objects.exists()
    assert _last_contact(acme) is None


@pytest.mark.parametrize(
    ("companion", "coaching"),
    [
        ("supervisor", True),
        ("manager", True),
        ("director", True),
        ("peer_rep", False),
        ("outside_rep", False),
        ("admin", False),
    ],
)
def test_a_leader_joining_makes_it_a_coaching_visit(
    cast: Any, companion: str, coaching: bool
) -> None:
    acme = make.customer(cast.rep)
    visit = services.activity_log(
        actor=cast.rep,
        kind="visit",
        subject="Joint visit",
        customer=acme,
        done_at=timezone.now(),
        companions=[cast.users[companion]],
    )
    assert Activity.objects.get(pk=visit.pk).is_coaching is coaching
    assert list(visit.companions.all()) == [cast.users[companion]]


def test_the_owner_is_not_their_own_companion(cast: Any) -> None:
    visit = services.activity_log(
        actor=cast.supervisor,
        kind="visit",
        subject="Alone",
        customer=make.customer(cast.supervisor),
        done_at=timezone.now(),
        companions=[cast.supervisor],
    )
    assert (list(visit.companions.all()), visit.is_coaching) == ([], False)


def test_a_leader_may_log_for_the_team_but_a_rep_not_for_a_peer(cast: Any) -> None:
    acme = make.customer(cast.rep)
    due = timezone.now() + timedelta(days=1)
    logged = services.activity_log(
        actor=cast.manager, owner=cast.rep, kind="call", subject="Call", customer=acme, due_at=due
    )
    assert logged.owner == cast.rep
    with pytest.raises(PermissionDenied):
        services.activity_log(
            actor=cast.peer_rep,
            owner=cast.rep,
            kind="call",
            subject="x",
            customer=acme,
            due_at=due,
        )
    assert Activity.objects.count() == 1


def test_only_planned_activities_are_completed_or_cancelled(cast: Any) -> None:
    acme = make.customer(cast.rep)
    call = make.planned(cast.rep, acme)
    services.activity_cancel(actor=cast.rep, activity=call)
    assert Activity.objects.get(pk=call.pk).status == "cancelled"
    with pytest.raises(ValidationError):
        services.activity_complete(actor=cast.rep, activity=call)
    fresh = Activity.objects.get(pk=call.pk)
    assert (fresh.status, fresh.done_at) == ("cancelled", None)
    assert _last_contact(acme) is None


def test_my_activities_sorts_planned_work_by_urgency(cast: Any) -> None:
    acme = make.customer(cast.rep)
    now = timezone.now()
    overdue = make.planned(cast.rep, acme, "Late", days=-2)
    upcoming = make.planned(cast.rep, acme, "Next week", days=7)
    far = make.planned(cast.rep, acme, "Far", days=40)
    done = _done(cast.rep, now - timedelta(days=1), customer=acme)
    make.planned(cast.peer_rep, make.customer(cast.peer_rep), "Not mine", days=-2)
    mine = selectors.my_activities(actor=cast.rep, now=now)
    assert [a.pk for a in mine["overdue"]] == [overdue.pk]
    assert [a.pk for a in mine["upcoming"]] == [upcoming.pk]
    assert far.pk not in [a.pk for bucket in mine.values() for a in bucket]
    assert [a.pk for a in mine["done"]] == [done.pk]


def test_a_leader_sees_the_team_overdue_follow_ups_by_person(cast: Any) -> None:
    late_rep = make.planned(cast.rep, make.customer(cast.rep), "Rep late", days=-2)
    late_peer = make.planned(cast.peer_rep, make.customer(cast.peer_rep, "P"), "Peer late", -1)
    make.planned(cast.outside_rep, make.customer(cast.outside_rep, "O"), "Outside late", -1)
    make.planned(cast.rep, make.customer(cast.rep, "F"), "Not yet due", days=3)
    team = selectors.team_overdue(actor=cast.supervisor)
    assert team is not None
    assert [a.pk for a in team["rows"]] == [late_rep.pk, late_peer.pk]
    assert sorted((c["owner_id"], c["n"]) for c in team["counts"]) == sorted(
        [(cast.rep.pk, 1), (cast.peer_rep.pk, 1)]
    )
    only_peer = selectors.team_overdue(actor=cast.supervisor, person=cast.peer_rep)
    assert only_peer is not None and [a.pk for a in only_peer["rows"]] == [late_peer.pk]
    assert selectors.team_overdue(actor=cast.rep) is None  # a rep leads nobody
