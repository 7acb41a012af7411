"""Customers, contacts, duplicates, merges and configuration, through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import (
    Activity,
    Contact,
    Contract,
    CrmSettings,
    Customer,
    TierStandard,
)
from salesops.crm.selectors import accounts as selectors
from salesops.crm.services import accounts as services
from salesops.crm.services import sales as sales_services
from salesops.crm.tests.test_accounts_support import (
    audits,
    contact,
    customer,
    english,  # noqa: F401
    lead,
)

pytestmark = pytest.mark.django_db


# --- create ---------------------------------------------------------------------------------


def test_create_customer_with_owner_is_audited(cast):
    # when the rep creates a customer they own
    created = services.customer_create(
        actor=cast.rep, name="  Acme Trading  ", owner=cast.rep, phone="021-5555 0101", tier="key"
    )
    # then it is saved trimmed, owned since now, and audited once
    created.refresh_from_db()
    assert (created.name, created.owner, created.tier) == ("Acme Trading", cast.rep, "key")
    assert created.owned_since is not None
    [entry] = audits(created)
    assert (entry.action, entry.actor) == (AuditEntry.Action.CREATE, cast.rep)
    assert entry.changes["name"] == [None, "Acme Trading"]


def test_create_customer_without_owner_lies_in_the_pool(cast):
    created = services.customer_create(actor=cast.admin, name="Pool Co", owner=None)
    assert created.owner is None and created.owned_since is None


def test_rep_cannot_give_a_customer_to_someone_else(cast):
    # when a rep names a peer as owner
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=cast.rep, name="Peer Co", owner=cast.peer_rep)
    # then it is refused on the owner field and nothing is saved
    assert "owner" in err.value.message_dict
    assert not Customer.objects.filter(name="Peer Co").exists()


def test_leader_gives_a_customer_only_within_their_subtree(cast):
    services.customer_create(actor=cast.supervisor, name="Mine Co", owner=cast.rep)
    with pytest.raises(ValidationError):
        services.customer_create(actor=cast.supervisor, name="Not Mine Co", owner=cast.outside_rep)
    assert list(Customer.objects.values_list("name", "owner__username")) == [("Mine Co", "rep")]


def test_invalid_choice_is_refused_naming_the_field(cast):
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=cast.rep, name="X", owner=cast.rep, tier="platinum")
    assert list(err.value.message_dict) == ["tier"]
    assert Customer.objects.count() == 0


# --- duplicates -----------------------------------------------------------------------------


def test_duplicate_by_normalised_name_phone_or_tax_number(cast):
    customer(
        cast.rep, name="Acme Trading Co., Ltd.", phone="021-5555 0101", tax_number="91310000ABC"
    )
    for kwargs in (
        {"name": "ACME trading co ltd"},
        {"name": "Other", "phone": "02155550101"},
        {"name": "Other", "tax_number": "91310000abc"},
    ):
        with pytest.raises(services.DuplicateCustomer) as err:
            services.customer_create(actor=cast.rep, owner=cast.rep, **kwargs)
        [match] = err.value.matches
        assert match.name == "Acme Trading Co., Ltd." and match.visible
    assert Customer.objects.count() == 1


def test_duplicate_the_actor_cannot_see_reveals_only_name_and_owner(cast):
    # given a customer of the outside rep
    hidden = customer(
        cast.outside_rep, name="Hidden Works", phone="13900000000", address="Secret 1"
    )
    # when the rep creates one with the same phone
    with pytest.raises(services.DuplicateCustomer) as err:
        services.customer_create(
            actor=cast.rep, name="New Works", owner=cast.rep, phone="139 0000 0000"
        )
    # then the match names the customer and its owner, and gives no id to open it
    [match] = err.value.matches
    assert (match.name, match.owner, match.visible, match.customer_id) == (
        "Hidden Works",
        str(cast.outside_rep),
        False,
        None,
    )
    assert match.reasons == ("same phone",)
    assert "Secret" not in str(err.value.messages) and str(hidden.pk) not in str(match)


def test_create_anyway_saves_a_duplicate(cast):
    customer(cast.rep, name="Acme")
    services.customer_create(actor=cast.rep, name="ACME", owner=cast.rep, allow_duplicate=True)
    assert Customer.objects.count() == 2


def test_merged_customers_are_not_duplicates(cast):
    survivor = customer(cast.rep, name="Survivor")
    customer(cast.rep, name="Acme", merged_into=survivor)
    assert services.customer_create(actor=cast.rep, name="Acme", owner=cast.rep).pk


# --- update ---------------------------------------------------------------------------------


def test_update_audits_the_changed_fields_only(cast):
    acme = customer(cast.rep, name="Acme", industry="Retail")
    services.customer_update(actor=cast.rep, customer=acme, industry="Logistics", name="Acme")
    [entry] = audits(acme)
    assert entry.changes == {"industry": ["Retail", "Logistics"]}


def test_update_with_no_change_writes_nothing(cast):
    acme = customer(cast.rep, name="Acme", industry="Retail")
    services.customer_update(actor=cast.rep, customer=acme, industry="Retail")
    assert audits(acme) == []


def test_rep_must_claim_a_pool_customer_before_changing_it(cast):
    pooled = customer(None, name="Pool Co")
    with pytest.raises(ValidationError):
        services.customer_update(actor=cast.rep, customer=pooled, industry="Retail")
    pooled.refresh_from_db()
    assert pooled.industry == "" and audits(pooled) == []
    # a leader may
    services.customer_update(actor=cast.supervisor, customer=pooled, industry="Retail")
    assert Customer.objects.get(pk=pooled.pk).industry == "Retail"


def test_update_refuses_unknown_fields_and_owner(cast):
    acme = customer(cast.rep)
    with pytest.raises(ValidationError):
        services.customer_update(actor=cast.rep, customer=acme, owner=cast.peer_rep)
    assert Customer.objects.get(pk=acme.pk).owner == cast.rep


# --- merge ----------------------------------------------------------------------------------


def _deal(owner, at):
    return sales_services.opportunity_create(
        actor=owner, customer=at, name="Deal", amount=Decimal("1000.00")
    )


def test_merge_moves_everything_and_hides_the_duplicate(cast):
    # given two records of the same company, each with contacts, a deal, an activity, a lead
    survivor = customer(cast.rep, name="Acme", phone="")
    duplicate = customer(
        cast.rep, name="ACME Ltd", phone="021-1", tax_number="T1", days_since_contact=2
    )
    contact(survivor, "Old Boss", is_primary=True)
    contact(duplicate, "New Boss", is_primary=True)
    contact(duplicate, "Clerk")
    deal = _deal(cast.rep, duplicate)
    Activity.objects.create(kind="call", subject="Call", owner=cast.rep, customer=duplicate)
    converted = lead(cast.rep, customer=duplicate)
    contract = Contract.objects.create(number="HT-1", customer=duplicate, owner=cast.rep)
    # when the supervisor merges the duplicate into the survivor
    services.customer_merge(actor=cast.supervisor, survivor=survivor, duplicate=duplicate)
    # then everything points at the survivor, which keeps one primary contact
    assert Contact.objects.filter(customer=survivor).count() == 3
    assert list(Contact.objects.filter(is_primary=True).values_list("name", flat=True)) == [
        "Old Boss"
    ]
    deal.refresh_from_db(), converted.refresh_from_db(), contract.refresh_from_db()
    assert deal.customer_id == converted.customer_id == contract.customer_id == survivor.pk
    assert Activity.objects.get().customer_id == survivor.pk
    # the survivor's blanks are filled from the duplicate
    survivor.refresh_from_db()
    assert (survivor.phone, survivor.tax_number) == ("021-1", "T1")
    assert survivor.last_contact_at == duplicate.last_contact_at
    # the duplicate is marked and hidden from lists
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert list(selectors.customers(actor=cast.rep)) == [survivor]
    # and both are audited
    assert "contacts 2" in audits(survivor)[-1].reason
    assert audits(duplicate)[-1].changes["merged_into_id"] == [None, survivor.pk]


@pytest.mark.parametrize("who", ["rep", "channel_manager"])
def test_only_leaders_merge(cast, who):
    a, b = customer(cast.rep, name="A"), customer(cast.rep, name="B")
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=cast.users[who], survivor=a, duplicate=b)
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_needs_both_visible_and_distinct(cast):
    mine, theirs = customer(cast.rep, name="Mine"), customer(cast.outside_rep, name="Theirs")
    with pytest.raises(ValidationError):
        services.customer_merge(actor=cast.supervisor, survivor=mine, duplicate=theirs)
    with pytest.raises(ValidationError):
        services.customer_merge(actor=cast.supervisor, survivor=mine, duplicate=mine)
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_already_merged_customer_cannot_be_merged_again(cast):
    survivor, other = customer(cast.rep, name="S"), customer(cast.rep, name="O")
    gone = customer(cast.rep, name="G", merged_into=survivor)
    with pytest.raises(ValidationError):
        services.customer_merge(actor=cast.supervisor, survivor=other, duplicate=gone)
    assert Customer.objects.get(pk=gone.pk).merged_into_id == survivor.pk


# --- contacts -------------------------------------------------------------------------------


def test_first_contact_is_primary_and_a_new_primary_unmarks_the_old(cast):
    acme = customer(cast.rep)
    first = services.contact_create(actor=cast.rep, customer=acme, name="Wang", buying_role="user")
    second = services.contact_create(actor=cast.rep, customer=acme, name="Li")
    assert (first.is_primary, second.is_primary) == (True, False)
    services.contact_update(
        actor=cast.rep, contact=second, is_primary=True, buying_role="decision_maker"
    )
    assert dict(Contact.objects.values_list("name", "is_primary")) == {"Wang": False, "Li": True}
    assert Contact.objects.get(name="Li").buying_role == "decision_maker"


def test_contact_with_a_bad_role_or_email_is_refused(cast):
    acme = customer(cast.rep)
    with pytest.raises(ValidationError) as err:
        services.contact_create(
            actor=cast.rep, customer=acme, name="X", buying_role="boss", email="x"
        )
    assert set(err.value.message_dict) == {"buying_role", "email"}
    assert Contact.objects.count() == 0


def test_delete_contact_is_audited(cast):
    person = contact(customer(cast.rep), "Wang")
    pk = person.pk
    services.contact_delete(actor=cast.rep, contact=person)
    assert not Contact.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_type="crm.contact", object_id=str(pk))
    assert entry.action == AuditEntry.Action.DELETE and entry.changes["name"] == ["Wang", None]


def test_contacts_of_a_pool_customer_need_a_claim_first(cast):
    pooled = customer(None)
    with pytest.raises(ValidationError):
        services.contact_create(actor=cast.rep, customer=pooled, name="Wang")
    assert Contact.objects.count() == 0


# --- configuration --------------------------------------------------------------------------


def test_admin_changes_a_tier_standard(cast):
    key = TierStandard.objects.get(tier="key")
    services.tier_standard_update(
        actor=cast.admin,
        standard=key,
        max_days_between_contacts=10,
        response_hours=6,
        counterpart="Sales manager",
    )
    key.refresh_from_db()
    assert (key.max_days_between_contacts, key.response_hours) == (10, 6)
    assert audits(key)[0].changes["max_days_between_contacts"] == [14, 10]


@pytest.mark.parametrize("who", ["director", "rep"])
def test_only_admin_changes_tier_standards(cast, who):
    key = TierStandard.objects.get(tier="key")
    with pytest.raises(PermissionDenied):
        services.tier_standard_update(
            actor=cast.users[who], standard=key, max_days_between_contacts=1, response_hours=1
        )
    assert TierStandard.objects.get(tier="key").max_days_between_contacts == 14


def test_tier_standard_needs_at_least_one_day(cast):
    key = TierStandard.objects.get(tier="key")
    with pytest.raises(ValidationError) as err:
        services.tier_standard_update(
            actor=cast.admin, standard=key, max_days_between_contacts=0, response_hours=4
        )
    assert list(err.value.message_dict) == ["max_days_between_contacts"]


def test_admin_sets_pool_rules(cast):
    services.crm_settings_update(actor=cast.admin, lead_return_days=7, max_leads_per_rep=3)
    rules = CrmSettings.current()
    assert (rules.lead_return_days, rules.max_leads_per_rep, rules.customer_return_days) == (
        7,
        3,
        90,
    )
    with pytest.raises(PermissionDenied):
        services.crm_settings_update(actor=cast.manager, lead_return_days=1)
    with pytest.raises(ValidationError):
        services.crm_settings_update(actor=cast.admin, max_customers_per_rep=0)
    assert CrmSettings.current().max_customers_per_rep == 200


# --- service standard -----------------------------------------------------------------------


def test_service_status_within_overdue_and_never(cast):
    # given key customers (standard: 14 days) last contacted 14 and 17 days ago, and two never
    # contacted: one taken on today, one 20 days ago
    standards = selectors.tier_standards()
    now = timezone.now()
    within = customer(cast.rep, tier="key", days_since_contact=14)
    overdue = customer(cast.rep, tier="key", days_since_contact=17)
    fresh = customer(cast.rep, tier="key")
    stale = customer(cast.rep, tier="key")
    Customer.objects.filter(pk=stale.pk).update(owned_since=now - timedelta(days=20))
    stale.refresh_from_db()
    later = now + timedelta(minutes=1)
    # then the status of each is
    assert selectors.service_status(within, standards, later)["state"] == "within"
    status = selectors.service_status(overdue, standards, later)
    assert (status["state"], status["days_since"], status["overdue_by"]) == ("overdue", 17, 3)
    assert selectors.service_status(fresh, standards, later)["overdue_by"] == 0
    status = selectors.service_status(stale, standards, later)
    assert (status["state"], status["overdue_by"]) == ("never", 6)
    # and the database filter agrees
    overdue_ids = set(
        Customer.objects.filter(selectors.overdue_q(standards, later)).values_list("pk", flat=True)
    )
    assert overdue_ids == {overdue.pk, stale.pk}
