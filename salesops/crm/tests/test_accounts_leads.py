"""Leads: create, edit, BANT qualification, disqualification and one-step conversion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from salesops.core.models import AuditEntry
from salesops.crm.models import Contact, Customer, Lead, Opportunity
from salesops.crm.services import accounts as services
from salesops.crm.tests.test_accounts_support import (
    audits,
    contact,
    customer,
    english,  # noqa: F401
    lead,
    partner,
    qualified,
)

pytestmark = pytest.mark.django_db


def test_create_lead_owned_or_in_the_pool(cast):
    mine = services.lead_create(
        actor=cast.rep,
        title="Need 40 scanners",
        owner=cast.rep,
        company_name="Acme",
        budget_amount=Decimal("12000.50"),
    )
    pooled = services.lead_create(actor=cast.rep, title="Web enquiry", owner=None)
    mine.refresh_from_db()
    assert (mine.owner, mine.status, mine.budget_amount) == (cast.rep, "new", Decimal("12000.50"))
    assert mine.claimed_at is not None
    assert (pooled.owner, pooled.claimed_at) == (None, None)
    assert audits(mine)[0].action == AuditEntry.Action.CREATE


def test_create_lead_refuses_bad_values_and_foreign_owner(cast):
    with pytest.raises(ValidationError) as err:
        services.lead_create(actor=cast.rep, title="", owner=cast.rep, email="nope", source="tv")
    assert set(err.value.message_dict) == {"title", "email", "source"}
    with pytest.raises(ValidationError) as err:
        services.lead_create(actor=cast.rep, title="X", owner=cast.outside_rep)
    assert list(err.value.message_dict) == ["owner"]
    assert Lead.objects.count() == 0


def test_update_lead_and_refuse_when_closed(cast):
    open_lead = lead(cast.rep, title="Old")
    services.lead_update(actor=cast.rep, lead=open_lead, title="New", notes="Call on Monday")
    assert Lead.objects.get(pk=open_lead.pk).title == "New"
    closed = lead(cast.rep, title="Closed", status=Lead.Status.DISQUALIFIED)
    with pytest.raises(ValidationError):
        services.lead_update(actor=cast.rep, lead=closed, title="Reopened")
    assert Lead.objects.get(pk=closed.pk).title == "Closed"


@pytest.mark.parametrize(
    ("boxes", "start", "expected"),
    [
        ((True, True, True, True), "new", "qualified"),
        ((True, False, False, False), "new", "working"),
        ((False, False, False, False), "new", "new"),
        ((True, True, True, False), "qualified", "working"),
        ((False, False, False, False), "working", "working"),
    ],
)
def test_bant_sets_the_status(cast, boxes, start, expected):
    subject = lead(cast.rep, status=start)
    budget, authority, need, timeline = boxes
    services.lead_qualify(
        actor=cast.rep,
        lead=subject,
        budget_ok=budget,
        authority_ok=authority,
        need_ok=need,
        timeline_ok=timeline,
    )
    subject.refresh_from_db()
    assert subject.status == expected
    assert (subject.budget_ok, subject.authority_ok, subject.need_ok, subject.timeline_ok) == boxes
    assert subject.last_activity_at is not None


def test_disqualify_needs_a_reason(cast):
    subject = lead(cast.rep)
    with pytest.raises(ValidationError) as err:
        services.lead_disqualify(actor=cast.rep, lead=subject, reason="  ")
    assert list(err.value.message_dict) == ["reason"]
    assert Lead.objects.get(pk=subject.pk).status == "new"
    services.lead_disqualify(actor=cast.rep, lead=subject, reason="Student project")
    subject.refresh_from_db()
    assert (subject.status, subject.disqualified_reason) == ("disqualified", "Student project")


def test_pool_lead_is_claimed_before_a_rep_changes_it(cast):
    pooled = lead(None)
    with pytest.raises(ValidationError):
        services.lead_qualify(
            actor=cast.rep,
            lead=pooled,
            budget_ok=True,
            authority_ok=False,
            need_ok=False,
            timeline_ok=False,
        )
    assert Lead.objects.get(pk=pooled.pk).budget_ok is False


# --- conversion -----------------------------------------------------------------------------


def _qualified_lead(cast, **extra):
    values = {
        "company_name": "Acme Trading",
        "contact_name": "Wang Fang",
        "contact_title": "CIO",
        "phone": "13800000001",
        "email": "wang@acme.test",
        "source": "exhibition",
        "budget_amount": Decimal("80000.00"),
    }
    values.update(extra)
    return qualified(cast.rep, title="Scanners for Acme", **values)


def test_convert_creates_customer_contact_and_opportunity_in_one_step(cast):
    # given a qualified lead of the rep, from a partner
    agent = partner(cast.channel_manager)
    subject = _qualified_lead(cast, partner=agent)
    # when the rep converts it with an expected close date
    services.lead_convert(actor=cast.rep, lead=subject, expected_close=date(2027, 3, 31))
    # then a customer, its primary contact and a deal exist, all linked on the lead
    subject.refresh_from_db()
    assert subject.status == "converted" and subject.converted_at is not None
    made = subject.customer
    assert (made.name, made.owner, made.phone, made.source, made.partner) == (
        "Acme Trading",
        cast.rep,
        "13800000001",
        "exhibition",
        agent,
    )
    assert (subject.contact.name, subject.contact.title, subject.contact.is_primary) == (
        "Wang Fang",
        "CIO",
        True,
    )
    deal = subject.opportunity
    assert (deal.name, deal.customer, deal.owner, deal.amount) == (
        "Scanners for Acme",
        made,
        cast.rep,
        Decimal("80000.00"),
    )
    assert (deal.expected_close, deal.source, deal.partner, deal.stage.code) == (
        date(2027, 3, 31),
        "exhibition",
        agent,
        "lead",
    )
    assert audits(subject)[-1].reason == "Converted"


def test_convert_into_an_existing_customer_reuses_its_contact(cast):
    acme = customer(cast.rep, name="Acme Group")
    known = contact(acme, "Wang F.", phone="13800000001")
    subject = _qualified_lead(cast)
    services.lead_convert(
        actor=cast.rep,
        lead=subject,
        customer=acme,
        opportunity_name="Phase 2",
        amount=Decimal("5000"),
    )
    subject.refresh_from_db()
    assert (subject.customer, subject.contact) == (acme, known)
    assert Customer.objects.count() == 1 and Contact.objects.count() == 1
    assert Opportunity.objects.get().name == "Phase 2"


def test_convert_refuses_a_duplicate_customer_and_saves_nothing(cast):
    customer(cast.outside_rep, name="ACME trading")
    subject = _qualified_lead(cast)
    with pytest.raises(services.DuplicateCustomer) as err:
        services.lead_convert(actor=cast.rep, lead=subject)
    assert err.value.matches[0].owner == str(cast.outside_rep)
    assert Customer.objects.count() == 1 and Opportunity.objects.count() == 0
    assert Lead.objects.get(pk=subject.pk).status == "qualified"
    # converting anyway creates the new customer
    services.lead_convert(actor=cast.rep, lead=subject, allow_duplicate=True)
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("status", ["new", "working", "disqualified", "converted"])
def test_only_a_qualified_lead_converts(cast, status):
    subject = lead(
        cast.rep,
        status=status,
        company_name="Acme",
        contact_name="Wang",
        budget_ok=True,
        authority_ok=True,
        need_ok=True,
        timeline_ok=True,
    )
    with pytest.raises(ValidationError) as err:
        services.lead_convert(actor=cast.rep, lead=subject)
    assert list(err.value.message_dict) == ["status"]
    assert (Customer.objects.count(), Opportunity.objects.count()) == (0, 0)


def test_convert_needs_an_owner_and_a_contact_name(cast):
    pooled = qualified(None, company_name="Acme", contact_name="Wang")
    with pytest.raises(ValidationError) as err:
        services.lead_convert(actor=cast.supervisor, lead=pooled)
    assert list(err.value.message_dict) == ["owner"]
    nameless = qualified(cast.rep, company_name="Acme", contact_name="")
    with pytest.raises(ValidationError) as err:
        services.lead_convert(actor=cast.rep, lead=nameless)
    assert list(err.value.message_dict) == ["contact_name"]
    assert (Customer.objects.count(), Contact.objects.count()) == (0, 0)


def test_conversion_is_one_transaction(cast):
    # given the opportunity step fails after the customer and contact were made
    subject = _qualified_lead(cast)
    with (
        mock.patch(
            "salesops.crm.services.sales.opportunity_create",
            side_effect=ValidationError({"name": "boom"}),
        ),
        pytest.raises(ValidationError),
    ):
        services.lead_convert(actor=cast.rep, lead=subject)
    # then nothing of the conversion remains
    assert (Customer.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == (
        0,
        0,
        0,
    )
    assert Lead.objects.get(pk=subject.pk).status == "qualified"
    assert not AuditEntry.objects.filter(object_type="crm.customer").exists()


def test_convert_into_a_customer_the_actor_cannot_see_is_refused(cast):
    theirs = customer(cast.outside_rep, name="Theirs")
    subject = _qualified_lead(cast)
    with pytest.raises(ValidationError) as err:
        services.lead_convert(actor=cast.rep, lead=subject, customer=theirs)
    assert list(err.value.message_dict) == ["customer"]
    assert Opportunity.objects.count() == 0
