"""Who sees which accounts record, for the named cast (written out by hand from the org chart
in salesops/org/testing.py, not computed by the code under test)."""

from __future__ import annotations

import pytest

from salesops.crm.models import Contact
from salesops.crm.selectors import accounts as selectors
from salesops.crm.tests.test_accounts_support import (
    contact,
    customer,
    english,  # noqa: F401
    lead,
    partner,
)
from salesops.org.testing import NAMED_USERS

pytestmark = pytest.mark.django_db

REP_CHAIN = {"rep", "supervisor", "manager", "director", "admin"}
OUTSIDE_CHAIN = {"outside_rep", "other_supervisor", "other_manager", "director", "admin"}
POOL = {
    "rep",
    "peer_rep",
    "supervisor",
    "manager",
    "other_manager",
    "other_supervisor",
    "outside_rep",
    "director",
    "channel_manager",
    "admin",
}


def _seen(cast, read, obj):
    return {name for name in NAMED_USERS if read(cast.users[name]).filter(pk=obj.pk).exists()}


@pytest.mark.parametrize(
    ("owner", "with_partner", "expected"),
    [
        ("rep", False, REP_CHAIN),
        ("outside_rep", False, OUTSIDE_CHAIN),
        ("outside_rep", True, OUTSIDE_CHAIN | {"channel_manager"}),
        (None, False, POOL),
    ],
)
def test_who_sees_customers_contacts_and_leads(cast, owner, with_partner, expected):
    person = cast.users[owner] if owner else None
    agent = partner(cast.channel_manager) if with_partner else None
    acme = customer(person, partner=agent)
    person_there = contact(acme)
    prospect = lead(person, partner=agent)
    assert _seen(cast, lambda u: selectors.customers(actor=u), acme) == expected
    assert _seen(cast, lambda u: Contact.objects.visible_to(u), person_there) == expected
    assert _seen(cast, lambda u: selectors.leads(actor=u), prospect) == expected


def test_pool_lists_hold_only_unowned_open_records(cast):
    pooled, owned = lead(None), lead(cast.rep)
    closed = lead(None, status="converted")
    free, merged = customer(None), customer(None, merged_into=customer(cast.rep))
    assert list(selectors.pool_leads(actor=cast.peer_rep)) == [pooled]
    assert list(selectors.pool_customers(actor=cast.peer_rep)) == [free]
    assert not selectors.pool_leads(actor=cast.hr).exists()
    # leads and customers apart: a lead's id may equal a customer's
    assert {owned.pk, closed.pk}.isdisjoint(x.pk for x in selectors.pool_leads(actor=cast.admin))
    assert merged.pk not in {x.pk for x in selectors.pool_customers(actor=cast.admin)}


def test_assignable_people_follow_the_subtree(cast):
    def names(who):
        return set(
            selectors.assignable_people(actor=cast.users[who]).values_list("username", flat=True)
        )

    assert names("rep") == {"rep"}
    assert names("supervisor") == {"supervisor", "rep", "peer_rep"}
    assert names("manager") == {"manager", "supervisor", "rep", "peer_rep"}
    assert "outside_rep" in names("director") and "hr" not in names("admin")
    assert names("channel_manager") == {"channel_manager"}
