"""The customer picker: its suggestions endpoint (matches by name among the visible customers,
at most 20, escaped) and the three forms that use it (deal, activity, lead conversion), which
carry only the chosen customer and still refuse a customer the person cannot see."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from salesops.crm.models import Activity, Contact, Customer, Lead, Opportunity
from salesops.crm.selectors import accounts as selectors
from salesops.crm.tests.test_accounts_support import customer, english_client, qualified

pytestmark = pytest.mark.django_db

PICKER = reverse("crm:customer_picker")
OPTION = re.compile(r'data-value="(\d+)" data-label="([^"]*)"')


def _client(client_for: Any, who: str) -> Client:
    return english_client(client_for(who))


def _suggest(client: Client, text: str) -> tuple[list[str], str]:
    """The names the picker offers for the text, and the fragment itself."""
    response = client.get(PICKER, {"q": text})
    assert response.status_code == 200
    body = response.content.decode()
    return [label for _pk, label in OPTION.findall(body)], body


def _harbours(cast: Any) -> dict[str, Customer]:
    return {
        "rep": customer(cast.rep, name="Harbour Alpha"),
        "peer": customer(cast.peer_rep, name="Harbour Beta"),
        "outside": customer(cast.outside_rep, name="Harbour Gamma"),
        "pool": customer(None, name="Harbour Pool"),
        "other": customer(cast.rep, name="Other Co"),
    }


# --- the suggestions endpoint -----------------------------------------------------------------


def test_suggestions_match_part_of_the_name_among_the_visible_customers(cast, client_for):
    _harbours(cast)
    assert _suggest(_client(client_for, "rep"), "harb")[0] == ["Harbour Alpha", "Harbour Pool"]
    assert _suggest(_client(client_for, "manager"), "ARBOUR")[0] == [
        "Harbour Alpha",
        "Harbour Beta",
        "Harbour Pool",
    ]
    assert _suggest(_client(client_for, "outside_rep"), "harbour")[0] == [
        "Harbour Gamma",
        "Harbour Pool",
    ]
    assert _suggest(_client(client_for, "director"), "harbour")[0] == [
        "Harbour Alpha",
        "Harbour Beta",
        "Harbour Gamma",
        "Harbour Pool",
    ]


def test_suggestions_show_the_owner_and_say_when_nothing_matches(cast, client_for):
    _harbours(cast)
    client = _client(client_for, "rep")
    names, body = _suggest(client, "Alpha")
    assert names == ["Harbour Alpha"] and str(cast.rep) in body
    assert "Shared pool" in _suggest(client, "Harbour Pool")[1]
    names, body = _suggest(client, "Gamma")  # another branch's customer: as if absent
    assert names == [] and 'data-testid="picker-none"' in body and "Gamma" not in body


def test_an_empty_box_gets_no_suggestions(cast, client_for):
    _harbours(cast)
    client = _client(client_for, "rep")
    for text in ("", "   "):
        names, body = _suggest(client, text)
        assert (names, body.strip()) == ([], "")
    assert client.get(PICKER).content.decode().strip() == ""


def test_at_most_twenty_suggestions_by_name_with_a_note_when_more_match(cast, client_for):
    for i in range(25):
        customer(cast.rep, name=f"Bulk {i:02d}")
    names, body = _suggest(_client(client_for, "rep"), "bulk")
    assert names == [f"Bulk {i:02d}" for i in range(20)]
    assert 'data-testid="picker-more"' in body
    names, body = _suggest(_client(client_for, "rep"), "bulk 1")
    assert names == [f"Bulk {i}" for i in range(10, 20)] and "picker-more" not in body


def test_suggestions_escape_the_names(cast, client_for):
    customer(cast.rep, name='<script>alert("x")</script> & Co')
    names, body = _suggest(_client(client_for, "rep"), "script")
    assert "<script>" not in body
    assert names == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"]


def test_merged_customers_are_not_suggested(cast, client_for):
    survivor = customer(cast.rep, name="Merge Survivor")
    customer(cast.rep, name="Merge Gone", merged_into=survivor)
    assert _suggest(_client(client_for, "rep"), "merge")[0] == ["Merge Survivor"]


def test_the_endpoint_is_for_signed_in_sales_people_and_reads_only(cast, client_for):
    _harbours(cast)
    anonymous = Client().get(PICKER, {"q": "harbour"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert client_for("hr").get(PICKER, {"q": "harbour"}).status_code == 403
    assert client_for("rep").post(PICKER, {"q": "harbour"}).status_code == 405


def test_the_suggestions_cost_one_query(cast, django_assert_num_queries):
    """One query once the person's visible scope is known (worked out once per request)."""
    _harbours(cast)
    rep = type(cast.rep).objects.get(pk=cast.rep.pk)
    selectors.customer_matches(actor=rep, text="warm up")
    with django_assert_num_queries(1):
        found = selectors.customer_matches(actor=rep, text="harbour")
    assert [(c.name, str(c.owner or "")) for c in found] == [
        ("Harbour Alpha", str(cast.rep)),
        ("Harbour Pool", ""),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes: PostgreSQL")
def test_the_name_filter_is_the_trigram_indexed_search_on_postgresql(cast):
    """The picker filters like the customer list's search box (UPPER(name::text) LIKE UPPER(..)),
    the expression the name's trigram index is built on."""
    _harbours(cast)
    rows = Customer.objects.filter(name__icontains="harb").order_by()
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Bitmap Index Scan on crm_customer_name_trgm" in plan, plan
    picker_sql = str(selectors.customers(actor=cast.director).filter(name__icontains="harb").query)
    assert 'UPPER("crm_customer"."name"::text) LIKE UPPER(' in picker_sql


# --- the forms that use it --------------------------------------------------------------------


def _listed(body: str, names: set[str]) -> list[str]:
    """Which of these customer names the page carries (a <select> of customers would list
    them all), and whether any <select> is named customer."""
    found = sorted(n for n in names if html.escape(n) in body)
    return found + (["<select name=customer>"] if 'select name="customer"' in body else [])


def _picker(body: str) -> tuple[str, str]:
    """The picker's hidden value and the name shown in its text box."""
    value = re.search(r'<input type="hidden" name="customer" value="(\d*)"', body)
    shown = re.search(r'name="q" value="([^"]*)"', body)
    assert value and shown, body
    return value.group(1), shown.group(1)


def _many(owner: Any, n: int = 30) -> set[str]:
    return {customer(owner, name=f"Many {i:02d}").name for i in range(n)}


@pytest.mark.parametrize("url", ["crm:activity_create", "crm:opportunity_create"])
def test_the_forms_carry_no_customer_list(cast, client_for, url):
    names = _many(cast.director)
    body = _client(client_for, "director").get(reverse(url)).content.decode()
    assert _listed(body, names) == []
    assert _picker(body) == ("", "")
    assert 'data-testid="customer-picker"' in body and PICKER in body


@pytest.mark.parametrize("url", ["crm:activity_create", "crm:opportunity_create"])
def test_a_pre_filled_customer_is_shown(cast, client_for, url):
    names = _many(cast.rep)
    chosen = customer(cast.rep, name="Chosen & Sons")
    Contact.objects.create(customer=chosen, name="Wang Fang")
    body = _client(client_for, "rep").get(reverse(url), {"customer": chosen.pk}).content.decode()
    assert _picker(body) == (str(chosen.pk), "Chosen &amp; Sons")
    assert _listed(body, names | {chosen.name}) == ["Chosen & Sons"]
    assert body.count("Chosen &amp; Sons") == 2  # the text box's value and the name it restores
    if url == "crm:activity_create":  # the customer's contacts are offered
        assert "Wang Fang" in body


def test_a_pre_filled_customer_the_person_cannot_see_is_not_shown(cast, client_for):
    theirs = customer(cast.outside_rep, name="Not Yours Ltd")
    body = (
        _client(client_for, "rep")
        .get(reverse("crm:activity_create"), {"customer": theirs.pk})
        .content.decode()
    )
    assert _picker(body) == ("", "") and "Not Yours" not in body


def test_a_refused_deal_form_keeps_the_chosen_customer(cast, client_for):
    acme = customer(cast.rep, name="Acme Kept")
    response = _client(client_for, "rep").post(
        reverse("crm:opportunity_create"), {"customer": acme.pk, "name": "", "owner": cast.rep.pk}
    )
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert _picker(response.content.decode()) == (str(acme.pk), "Acme Kept")
    assert not Opportunity.objects.exists()


def test_an_activity_for_a_customer_out_of_sight_is_refused_and_not_saved(cast, client_for):
    theirs = customer(cast.outside_rep, name="Other Branch Co")
    response = _client(client_for, "manager").post(
        reverse("crm:activity_create"),
        {
            "kind": "call",
            "subject": "Sneaky",
            "state": "planned",
            "due_at": "2030-01-02T09:00",
            "customer": theirs.pk,
            "owner": cast.manager.pk,
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["customer"]
    body = response.content.decode()
    assert 'data-field="customer"' in body and "Other Branch Co" not in body
    assert _picker(body) == ("", "")
    assert not Activity.objects.exists()


def test_the_conversion_form_offers_look_alikes_not_every_customer(cast, client_for):
    names = _many(cast.rep)
    alike = customer(cast.rep, name="Acme")
    customer(cast.outside_rep, name="ACME")  # a look-alike the rep cannot see
    subject = qualified(cast.rep, company_name="Acme", contact_name="Wang")
    url = reverse("crm:lead_convert", args=[subject.pk])
    body = _client(client_for, "rep").get(url).content.decode()
    assert _listed(body, names) == []
    assert _picker(body) == ("", "")
    assert re.findall(r'data-picker-choose="(\d+)"', body) == [str(alike.pk)]


def test_converting_into_a_customer_out_of_sight_is_refused(cast, client_for):
    theirs = customer(cast.outside_rep, name="Far Away Co")
    subject = qualified(cast.rep, company_name="Near", contact_name="Wang")
    data = {
        "customer_mode": "existing",
        "customer": theirs.pk,
        "contact_name": "Wang",
        "opportunity_name": "D",
    }
    url = reverse("crm:lead_convert", args=[subject.pk])
    response = _client(client_for, "rep").post(url, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["customer"]
    assert _picker(response.content.decode()) == ("", "")
    fresh = Lead.objects.get(pk=subject.pk)
    assert (fresh.status, fresh.customer_id) == ("qualified", None)
    assert not Contact.objects.filter(name="Wang").exists()
