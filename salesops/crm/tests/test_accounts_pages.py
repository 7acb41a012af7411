"""Pages of the accounts area through the Django test client."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from salesops.crm.models import Activity, Contact, Contract, CrmSettings, Customer, Lead, Payment
from salesops.crm.services import sales as sales_services
from salesops.crm.tests.test_accounts_support import (
    contact,
    customer,
    english,  # noqa: F401
    english_client,
    lead,
    qualified,
)

pytestmark = pytest.mark.django_db


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- lists: filters, export, constant queries -----------------------------------------------


def test_customer_list_shows_visible_customers_with_service_status(cast, client_for):
    customer(cast.rep, name="Within Co", tier="key", days_since_contact=3)
    customer(cast.rep, name="Late Co", tier="key", days_since_contact=30)
    customer(cast.outside_rep, name="Hidden Co")
    customer(None, name="Pool Co")
    client = english_client(client_for("rep"))
    body = page(client, "/crm/customers/")
    assert "Within Co" in body and "Late Co" in body
    assert "Hidden Co" not in body and "Pool Co" not in body  # owned ones unless asked
    assert "Pool Co" in page(client, "/crm/customers/", pool="all")
    overdue = page(english_client(client_for("rep")), "/crm/customers/", overdue="yes")
    assert "Late Co" in overdue and "Within Co" not in overdue and "Pool Co" not in overdue


def test_customer_list_filters_and_search(cast, client_for):
    customer(cast.rep, name="Alpha", tier="strategic", phone="111", industry="Energy")
    customer(cast.peer_rep, name="Beta", tier="general", tax_number="TX-9")
    customer(None, name="Gamma")
    client = english_client(client_for("supervisor"))
    assert "Alpha" not in page(client, "/crm/customers/", tier="general")
    assert "Beta" in page(client, "/crm/customers/", owner=cast.peer_rep.pk)
    assert "Alpha" not in page(client, "/crm/customers/", owner=cast.peer_rep.pk)
    pool = page(client, "/crm/customers/", pool="yes")
    assert "Gamma" in pool and "Alpha" not in pool
    assert "Beta" in page(client, "/crm/customers/", q="TX-9")
    assert "Alpha" in page(client, "/crm/customers/", q="111", industry="ener")


def test_merged_customers_are_hidden_from_the_list(cast, client_for):
    survivor = customer(cast.rep, name="Survivor Co")
    customer(cast.rep, name="Merged Co", merged_into=survivor)
    body = page(english_client(client_for("rep")), "/crm/customers/")
    assert "Survivor Co" in body and "Merged Co" not in body


def test_customer_export_neutralises_formulas(cast, client_for):
    customer(cast.rep, name='=HYPERLINK("http://x")', tier="key", phone="+86 21 5555")
    client = english_client(client_for("rep"))
    csv_body = b"".join(client.get("/crm/customers/?export=csv").streaming_content).decode(
        "utf-8-sig"
    )
    lines = csv_body.splitlines()
    assert lines[0].startswith("Name,Tier,Status,Owner")
    assert lines[1].startswith('"\'=HYPERLINK(""http://x"")",Key,Prospect,Rep,')
    assert lines[1].endswith(",'+86 21 5555")
    xlsx = client.get("/crm/customers/?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/crm/customers/", "/crm/customers/?overdue=yes&sort=-tier"])
def test_customer_list_runs_constant_queries(cast, client_for, url):
    client = english_client(client_for("manager"))
    for i in range(3):
        customer(cast.rep if i % 2 else cast.peer_rep, name=f"C{i}", territory=None)
    few = _count_queries(client, url)
    for i in range(3, 30):
        customer(cast.rep if i % 2 else None, name=f"C{i}", days_since_contact=i)
    assert _count_queries(client, url) == few


def test_lead_and_pool_lists_run_constant_queries(cast, client_for):
    client = english_client(client_for("supervisor"))
    for i in range(3):
        lead(cast.rep if i % 2 else None, budget_ok=True)
        customer(None, name=f"P{i}")
    counts = [
        _count_queries(client, u) for u in ("/crm/leads/", "/crm/pool/", "/crm/pool/customers/")
    ]
    for i in range(3, 30):
        lead(cast.peer_rep if i % 2 else None, need_ok=True)
        customer(None, name=f"P{i}")
    again = [
        _count_queries(client, u) for u in ("/crm/leads/", "/crm/pool/", "/crm/pool/customers/")
    ]
    assert again == counts


def test_lead_list_filters_and_bant_score(cast, client_for):
    lead(
        cast.rep,
        title="Hot lead",
        status="qualified",
        budget_ok=True,
        authority_ok=True,
        need_ok=True,
        timeline_ok=True,
        source="website",
    )
    lead(None, title="Pool lead", source="referral")
    client = english_client(client_for("rep"))
    body = page(client, "/crm/leads/", pool="all")
    assert "Hot lead" in body and "4/4" in body and "Pool lead" in body
    assert "Hot lead" not in page(client, "/crm/leads/", pool="yes")
    assert "Pool lead" not in page(client, "/crm/leads/", source="website", pool="all")
    assert "Pool lead" not in page(client, "/crm/leads/", status="qualified")


def test_htmx_list_request_returns_only_the_results(cast, client_for):
    customer(cast.rep, name="Alpha")
    response = english_client(client_for("rep")).get("/crm/customers/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Alpha" in body and "<html" not in body


# --- customer pages -------------------------------------------------------------------------


def test_create_customer_warns_of_a_duplicate_then_creates_anyway(cast, client_for):
    customer(cast.outside_rep, name="Acme Trading", phone="021-1", address="Secret road")
    client = english_client(client_for("rep"))
    data = {
        "name": "ACME  trading",
        "kind": "enterprise",
        "tier": "general",
        "status": "prospect",
        "owner": cast.rep.pk,
    }
    warned = client.post("/crm/customers/new/", data)
    body = warned.content.decode()
    assert warned.status_code == 200 and 'data-testid="duplicate-warning"' in body
    assert "Acme Trading" in body and "Outside Rep" in body and "Secret road" not in body
    assert Customer.objects.count() == 1
    created = client.post("/crm/customers/new/", {**data, "allow_duplicate": "on"})
    assert created.status_code == 302 and Customer.objects.count() == 2


def test_create_customer_field_errors_stay_on_the_form(cast, client_for):
    client = english_client(client_for("rep"))
    response = client.post(
        "/crm/customers/new/",
        {"name": "", "kind": "enterprise", "tier": "general", "status": "prospect"},
    )
    assert 'data-error="name"' in response.content.decode()
    assert Customer.objects.count() == 0


def test_customer_360_shows_everything(cast, client_for):
    acme = customer(cast.rep, name="Acme", tier="key", days_since_contact=20)
    contact(acme, "Wang Fang", is_primary=True, buying_role="decision_maker")
    deal = sales_services.opportunity_create(
        actor=cast.rep, customer=acme, name="Big deal", amount=Decimal("1234567.89")
    )
    contract = Contract.objects.create(
        number="HT-9", customer=acme, owner=cast.rep, amount=Decimal("50000.00"), status="signed"
    )
    Payment.objects.create(
        contract=contract, amount=Decimal("20000.00"), received_on=timezone.localdate()
    )
    now = timezone.now()
    Activity.objects.create(
        kind="call",
        subject="Old call",
        owner=cast.rep,
        customer=acme,
        status="done",
        done_at=now - timedelta(days=20),
    )
    Activity.objects.create(
        kind="visit",
        subject="New visit",
        owner=cast.rep,
        customer=acme,
        status="done",
        done_at=now - timedelta(days=1),
    )
    body = page(english_client(client_for("rep")), f"/crm/customers/{acme.pk}/")
    assert "Overdue by 6 days" in body
    assert "Wang Fang" in body and "Decision maker" in body
    assert "Big deal" in body and "1,234,567.89" in body and deal.stage.name in body
    assert "HT-9" in body and "50,000.00" in body and "20,000.00" in body
    assert body.index("New visit") < body.index("Old call")
    assert "complaints" in body.lower()


def test_customer_360_of_someone_else_is_404(cast, client_for):
    theirs = customer(cast.outside_rep)
    assert english_client(client_for("rep")).get(f"/crm/customers/{theirs.pk}/").status_code == 404


def test_edit_customer(cast, client_for):
    acme = customer(cast.rep, name="Acme", tier="core")
    client = english_client(client_for("rep"))
    form = page(client, f"/crm/customers/{acme.pk}/edit/")
    assert 'value="Acme"' in form
    data = {"name": "Acme Group", "kind": "enterprise", "tier": "key", "status": "active"}
    assert client.post(f"/crm/customers/{acme.pk}/edit/", data).status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.tier, acme.status, acme.owner) == (
        "Acme Group",
        "key",
        "active",
        cast.rep,
    )


def test_leader_assigns_a_customer_in_the_subtree(cast, client_for):
    acme = customer(cast.rep)
    client = english_client(client_for("supervisor"))
    form = page(client, f"/crm/customers/{acme.pk}/assign/")
    assert "Peer Rep" in form and "Outside Rep" not in form
    client.post(f"/crm/customers/{acme.pk}/assign/", {"owner": cast.peer_rep.pk})
    assert Customer.objects.get(pk=acme.pk).owner == cast.peer_rep


def test_claim_and_release_from_the_pages(cast, client_for):
    pooled = customer(None, name="Pool Co")
    client = english_client(client_for("rep"))
    response = client.post(f"/crm/customers/{pooled.pk}/claim/", {"next": "/crm/pool/customers/"})
    assert response.status_code == 302 and response["Location"] == "/crm/pool/customers/"
    assert Customer.objects.get(pk=pooled.pk).owner == cast.rep
    client.post(f"/crm/customers/{pooled.pk}/release/")
    assert Customer.objects.get(pk=pooled.pk).owner is None


def test_claim_over_the_limit_shows_the_reason(cast, client_for):
    CrmSettings.objects.update(max_customers_per_rep=0)
    pooled = customer(None)
    client = english_client(client_for("rep"))
    response = client.post(f"/crm/customers/{pooled.pk}/claim/", follow=True)
    assert "You already hold 0 customers, the most allowed." in response.content.decode()
    assert Customer.objects.get(pk=pooled.pk).owner is None


def test_merge_page_lists_likely_duplicates_and_merges(cast, client_for):
    survivor = customer(cast.rep, name="Acme Trading")
    duplicate = customer(cast.rep, name="ACME trading")
    customer(cast.outside_rep, name="Acme Trading.")  # not visible to the supervisor
    contact(duplicate, "Li Lei")
    client = english_client(client_for("supervisor"))
    body = page(client, f"/crm/customers/{survivor.pk}/merge/")
    assert body.count('data-testid="merge-this"') == 1
    found = page(client, f"/crm/customers/{survivor.pk}/merge/", q="acme")
    assert found.count('data-testid="merge-this"') == 2
    response = client.post(f"/crm/customers/{survivor.pk}/merge/", {"duplicate": duplicate.pk})
    assert response.status_code == 302
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    assert Contact.objects.get(name="Li Lei").customer_id == survivor.pk


def test_contact_pages(cast, client_for):
    acme = customer(cast.rep)
    client = english_client(client_for("rep"))
    client.post(
        f"/crm/customers/{acme.pk}/contacts/new/",
        {"name": "Wang", "buying_role": "gatekeeper", "phone": "1"},
    )
    wang = Contact.objects.get()
    assert (wang.buying_role, wang.is_primary) == ("gatekeeper", True)
    client.post(
        f"/crm/contacts/{wang.pk}/edit/",
        {"name": "Wang Fang", "buying_role": "user", "is_primary": "on"},
    )
    assert Contact.objects.get().name == "Wang Fang"
    client.post(f"/crm/contacts/{wang.pk}/delete/")
    assert Contact.objects.count() == 0


# --- leads ----------------------------------------------------------------------------------


def test_lead_create_qualify_and_convert_through_the_pages(cast, client_for):
    client = english_client(client_for("rep"))
    response = client.post(
        "/crm/leads/new/",
        {
            "title": "Scanners",
            "company_name": "Acme",
            "contact_name": "Wang",
            "source": "website",
            "owner": cast.rep.pk,
        },
    )
    subject = Lead.objects.get()
    assert response["Location"] == f"/crm/leads/{subject.pk}/"
    detail = page(client, f"/crm/leads/{subject.pk}/")
    assert 'data-testid="bant-form"' in detail and 'data-testid="lead-convert"' not in detail
    client.post(
        f"/crm/leads/{subject.pk}/qualify/",
        {"budget_ok": "on", "authority_ok": "on", "need_ok": "on", "timeline_ok": "on"},
    )
    assert 'data-testid="lead-convert"' in page(client, f"/crm/leads/{subject.pk}/")
    form = page(client, f"/crm/leads/{subject.pk}/convert/")
    assert 'value="Acme"' in form and 'value="Wang"' in form
    done = client.post(
        f"/crm/leads/{subject.pk}/convert/",
        {
            "customer_mode": "new",
            "customer_name": "Acme",
            "contact_name": "Wang",
            "opportunity_name": "Scanners",
            "amount": "9000.00",
            "expected_close": "2027-01-31",
        },
    )
    subject.refresh_from_db()
    assert done.status_code == 302 and done["Location"] == f"/crm/customers/{subject.customer_id}/"
    assert subject.status == "converted" and subject.opportunity.amount == Decimal("9000.00")


def test_convert_page_warns_of_a_duplicate(cast, client_for):
    customer(cast.peer_rep, name="Acme")
    subject = qualified(cast.rep, company_name="Acme", contact_name="Wang")
    client = english_client(client_for("rep"))
    data = {
        "customer_mode": "new",
        "customer_name": "Acme",
        "contact_name": "Wang",
        "opportunity_name": "Deal",
    }
    body = client.post(f"/crm/leads/{subject.pk}/convert/", data).content.decode()
    assert 'data-testid="duplicate-warning"' in body and "Peer Rep" in body
    assert Lead.objects.get(pk=subject.pk).status == "qualified"
    client.post(f"/crm/leads/{subject.pk}/convert/", {**data, "allow_duplicate": "on"})
    assert Lead.objects.get(pk=subject.pk).status == "converted"


def test_convert_into_an_existing_customer_from_the_page(cast, client_for):
    acme = customer(cast.rep, name="Acme Group")
    subject = qualified(cast.rep, company_name="Acme", contact_name="Wang")
    client = english_client(client_for("rep"))
    form = page(client, f"/crm/leads/{subject.pk}/convert/")
    assert 'data-testid="customer-picker"' in form and "Acme Group" not in form
    client.post(
        f"/crm/leads/{subject.pk}/convert/",
        {
            "customer_mode": "existing",
            "customer": acme.pk,
            "contact_name": "Wang",
            "opportunity_name": "D",
        },
    )
    assert Lead.objects.get(pk=subject.pk).customer_id == acme.pk


def test_disqualify_and_assign_lead_pages(cast, client_for):
    subject = lead(cast.rep)
    english_client(client_for("rep")).post(
        f"/crm/leads/{subject.pk}/disqualify/", {"reason": "Spam"}
    )
    assert Lead.objects.get(pk=subject.pk).status == "disqualified"
    pooled = lead(None)
    english_client(client_for("manager")).post(
        f"/crm/leads/{pooled.pk}/assign/", {"owner": cast.peer_rep.pk}
    )
    assert Lead.objects.get(pk=pooled.pk).owner == cast.peer_rep


def test_pool_page_shows_holdings_and_claims(cast, client_for):
    pooled = lead(None, title="Free lead")
    lead(cast.rep, title="Owned lead")
    client = english_client(client_for("rep"))
    body = page(client, "/crm/pool/")
    assert "Free lead" in body and "Owned lead" not in body
    assert "You hold 1 of at most 50 open leads" in body
    client.post(f"/crm/leads/{pooled.pk}/claim/", {"next": "/crm/pool/"})
    assert "Free lead" not in page(client, "/crm/pool/")


# --- configuration pages --------------------------------------------------------------------


def test_tier_standards_page_read_only_for_sales_and_editable_by_admin(cast, client_for):
    body = page(english_client(client_for("rep")), "/crm/tiers/")
    assert "14 days" in body and 'data-testid="tier-edit-key"' not in body
    admin = english_client(client_for("admin"))
    assert 'data-testid="tier-edit-key"' in page(admin, "/crm/tiers/")
    from salesops.crm.models import TierStandard

    key = TierStandard.objects.get(tier="key")
    admin.post(
        f"/crm/tiers/{key.pk}/edit/",
        {"max_days_between_contacts": 10, "response_hours": 8, "counterpart": "Manager"},
    )
    assert TierStandard.objects.get(tier="key").max_days_between_contacts == 10


def test_pool_rules_page(cast, client_for):
    admin = english_client(client_for("admin"))
    admin.post(
        "/crm/pool/rules/",
        {
            "lead_return_days": 7,
            "customer_return_days": 60,
            "max_leads_per_rep": 20,
            "max_customers_per_rep": 100,
        },
    )
    rules = CrmSettings.current()
    assert (rules.lead_return_days, rules.max_customers_per_rep) == (7, 100)
    assert client_for("manager").get("/crm/pool/rules/").status_code == 403


@pytest.mark.parametrize("who", ["hr", "finance"])
def test_staff_outside_sales_see_no_accounts_pages(cast, client_for, who):
    client = client_for(who)
    for url in ("/crm/customers/", "/crm/leads/", "/crm/pool/", "/crm/import/"):
        assert client.get(url).status_code == 403
