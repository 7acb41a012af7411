"""The accounts API: customers, contacts, leads (claim, convert), with visibility."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesops.crm.models import Contact, Customer, Lead, Opportunity
from salesops.crm.tests.test_accounts_support import (
    api,
    customer,
    english,  # noqa: F401
    lead,
    qualified,
    send,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/crm"


def test_customer_list_is_visible_paginated_and_filtered(cast, client_for):
    for i in range(3):
        customer(cast.rep, name=f"Mine {i}", tier="key" if i else "core")
    customer(cast.outside_rep, name="Theirs")
    customer(None, name="Pooled")
    client = client_for("rep")
    body = client.get(f"{BASE}/customers", {"limit": 2}).json()
    assert body["count"] == 3 and [c["name"] for c in body["items"]] == ["Mine 0", "Mine 1"]
    assert client.get(f"{BASE}/customers", {"pool": "all"}).json()["count"] == 4
    keyed = client.get(f"{BASE}/customers", {"tier": "key"}).json()
    assert [c["name"] for c in keyed["items"]] == ["Mine 1", "Mine 2"]
    pooled = client.get(f"{BASE}/customers", {"pool": "yes"}).json()
    assert [(c["name"], c["owner_id"]) for c in pooled["items"]] == [("Pooled", None)]
    assert client.get(f"{BASE}/customers", {"tier": "gold"}).status_code == 400


def test_customer_detail_404_when_not_visible(cast, client_for):
    mine, theirs = customer(cast.rep, name="Mine"), customer(cast.outside_rep)
    client = client_for("rep")
    got = client.get(f"{BASE}/customers/{mine.pk}").json()
    assert (got["name"], got["owner_name"]) == ("Mine", "Rep")
    assert client.get(f"{BASE}/customers/{theirs.pk}").status_code == 404
    assert client.get(f"{BASE}/customers/999999").status_code == 404


def test_create_customer_defaults_to_the_caller_and_refuses_duplicates(cast):
    client, auth = api(cast.rep)
    made = send(client, "post", f"{BASE}/customers", {"name": "Acme", "phone": "021-1"}, auth)
    assert made.status_code == 201 and made.json()["owner_id"] == cast.rep.pk
    dup = send(client, "post", f"{BASE}/customers", {"name": "Other", "phone": "0211"}, auth)
    assert dup.status_code == 400 and "name" in dup.json()["errors"]
    anyway = send(
        client,
        "post",
        f"{BASE}/customers",
        {"name": "Other", "phone": "0211", "allow_duplicate": True},
        auth,
    )
    assert anyway.status_code == 201
    pooled = send(client, "post", f"{BASE}/customers", {"name": "P", "to_pool": True}, auth)
    assert pooled.json()["owner_id"] is None
    foreign = send(
        client, "post", f"{BASE}/customers", {"name": "F", "owner_id": cast.outside_rep.pk}, auth
    )
    assert foreign.status_code == 400 and "owner_id" in foreign.json()["errors"]
    assert Customer.objects.count() == 3


def test_update_customer(cast):
    acme = customer(cast.rep, name="Acme")
    client, auth = api(cast.rep)
    response = send(client, "patch", f"{BASE}/customers/{acme.pk}", {"tier": "strategic"}, auth)
    assert response.status_code == 200 and response.json()["tier"] == "strategic"
    bad = send(client, "patch", f"{BASE}/customers/{acme.pk}", {"status": "gone"}, auth)
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["status"]
    assert Customer.objects.get(pk=acme.pk).status == "prospect"


def test_contacts_of_a_customer(cast):
    acme = customer(cast.rep)
    client, auth = api(cast.rep)
    made = send(
        client,
        "post",
        f"{BASE}/customers/{acme.pk}/contacts",
        {"name": "Wang", "buying_role": "influencer"},
        auth,
    )
    assert made.status_code == 201 and made.json()["is_primary"] is True
    listed = client.get(f"{BASE}/customers/{acme.pk}/contacts", **auth).json()
    assert [c["name"] for c in listed["items"]] == ["Wang"]
    theirs = customer(cast.outside_rep)
    assert (
        send(
            client, "post", f"{BASE}/customers/{theirs.pk}/contacts", {"name": "X"}, auth
        ).status_code
        == 404
    )
    assert Contact.objects.count() == 1


def test_leads_list_create_update(cast):
    lead(cast.rep, title="Mine", source="website")
    lead(cast.outside_rep, title="Theirs")
    lead(None, title="Pooled")
    client, auth = api(cast.rep)
    listed = client.get(f"{BASE}/leads", {"source": "website"}, **auth).json()
    assert [x["title"] for x in listed["items"]] == ["Mine"]
    assert client.get(f"{BASE}/leads", **auth).json()["count"] == 1
    assert client.get(f"{BASE}/leads", {"pool": "all"}, **auth).json()["count"] == 2
    made = send(
        client,
        "post",
        f"{BASE}/leads",
        {"title": "New", "budget_amount": "1500.50", "company_name": "Acme"},
        auth,
    )
    assert made.status_code == 201
    assert (made.json()["budget_amount"], made.json()["owner_id"]) == ("1500.50", cast.rep.pk)
    pk = made.json()["id"]
    patched = send(client, "patch", f"{BASE}/leads/{pk}", {"notes": "Called"}, auth)
    assert patched.json()["notes"] == "Called"


def test_claim_through_the_api(cast):
    pooled = lead(None)
    client, auth = api(cast.rep)
    claimed = send(client, "post", f"{BASE}/leads/{pooled.pk}/claim", {}, auth)
    assert claimed.status_code == 200 and claimed.json()["owner_id"] == cast.rep.pk
    _peer, peer_auth = api(cast.peer_rep)
    again = send(client, "post", f"{BASE}/leads/{pooled.pk}/claim", {}, peer_auth)
    assert again.status_code == 404  # it is the rep's now: the peer no longer sees it
    assert Lead.objects.get(pk=pooled.pk).owner == cast.rep


def test_convert_through_the_api(cast):
    subject = qualified(cast.rep, company_name="Acme", contact_name="Wang", phone="1380")
    client, auth = api(cast.rep)
    response = send(
        client,
        "post",
        f"{BASE}/leads/{subject.pk}/convert",
        {"amount": "25000.00", "expected_close": "2027-06-30"},
        auth,
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "converted"
    deal = Opportunity.objects.get(pk=body["opportunity_id"])
    assert (deal.amount, deal.customer_id, deal.customer.name) == (
        Decimal("25000.00"),
        body["customer_id"],
        "Acme",
    )
    unqualified = lead(cast.rep, company_name="B", contact_name="C")
    refused = send(client, "post", f"{BASE}/leads/{unqualified.pk}/convert", {}, auth)
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["status"]


def test_api_refuses_roles_outside_sales(cast):
    client, auth = api(cast.hr)
    assert client.get(f"{BASE}/customers", **auth).status_code == 403
    assert send(client, "post", f"{BASE}/leads", {"title": "X"}, auth).status_code == 403
    assert Lead.objects.count() == 0
