"""Matrix cases of the CRM accounts area: customers, contacts, leads, the pool, tier standards,
pool rules, imports and their API."""

from typing import Any

from django.utils import timezone

from salesops.crm.models import Contact, Customer, Lead, Partner, TierStandard
from tests.authz.framework import EVERYONE, OUTSIDE_CHAIN, REP_CHAIN, Case, Target

# Records in the shared pool (no owner): every sales role sees them, and administrators.
POOL_SEEN = frozenset(
    {
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
)


def _partner(cast: Any) -> Partner:
    return Partner.objects.create(
        name="Acc Agent", kind="agent", channel_manager=cast.channel_manager
    )


def _customer(owner: Any, partner: Any = None, name: str = "Acc Customer") -> Customer:
    now = timezone.now() if owner else None
    return Customer.objects.create(name=name, owner=owner, owned_since=now, partner=partner)


def _lead(owner: Any, partner: Any = None, **extra: Any) -> Lead:
    return Lead.objects.create(
        title="Acc lead",
        company_name="Acc Lead Co",
        owner=owner,
        partner=partner,
        contact_name="Li Lei",
        **extra,
    )


QUALIFIED = {
    "status": "qualified",
    "budget_ok": True,
    "authority_ok": True,
    "need_ok": True,
    "timeline_ok": True,
}

TARGETS = {
    "acc_rep_customer": Target(lambda cast: _customer(cast.rep), REP_CHAIN),
    "acc_outside_customer": Target(lambda cast: _customer(cast.outside_rep), OUTSIDE_CHAIN),
    "acc_partner_customer": Target(
        lambda cast: _customer(cast.outside_rep, _partner(cast)),
        OUTSIDE_CHAIN | {"channel_manager"},
    ),
    "acc_pool_customer": Target(lambda cast: _customer(None), POOL_SEEN),
    "acc_rep_contact": Target(
        lambda cast: Contact.objects.create(customer=_customer(cast.rep), name="Han Mei"), REP_CHAIN
    ),
    "acc_outside_contact": Target(
        lambda cast: Contact.objects.create(customer=_customer(cast.outside_rep), name="Wu Di"),
        OUTSIDE_CHAIN,
    ),
    "acc_rep_lead": Target(lambda cast: _lead(cast.rep), REP_CHAIN),
    "acc_outside_lead": Target(lambda cast: _lead(cast.outside_rep), OUTSIDE_CHAIN),
    "acc_partner_lead": Target(
        lambda cast: _lead(cast.outside_rep, _partner(cast)), OUTSIDE_CHAIN | {"channel_manager"}
    ),
    "acc_pool_lead": Target(lambda cast: _lead(None), POOL_SEEN),
    "acc_rep_qualified_lead": Target(lambda cast: _lead(cast.rep, **QUALIFIED), REP_CHAIN),
    "acc_tier": Target(lambda cast: TierStandard.objects.get(tier="key"), EVERYONE),
}
CUSTOMERS = (
    "acc_rep_customer",
    "acc_outside_customer",
    "acc_partner_customer",
    "acc_pool_customer",
)
OWNED_CUSTOMERS = ("acc_rep_customer", "acc_outside_customer", "acc_partner_customer")
CONTACTS = ("acc_rep_contact", "acc_outside_contact")
LEADS = ("acc_rep_lead", "acc_outside_lead", "acc_partner_lead", "acc_pool_lead")
OWNED_LEADS = ("acc_rep_lead", "acc_outside_lead", "acc_partner_lead")

CASES = [
    # customers and contacts
    Case("crm:customer_list"),
    Case("crm:customer_create"),
    # The picker's suggestions: which customers each person gets is tested in
    # crm/tests/test_customer_picker.py (visible ones only); here, who may ask.
    Case("crm:customer_picker", query="q=Acc"),
    Case("crm:customer_detail", targets=CUSTOMERS),
    Case("crm:customer_edit", targets=OWNED_CUSTOMERS),
    Case(
        "crm:customer_assign",
        targets=("acc_rep_customer", "acc_outside_customer", "acc_pool_customer"),
    ),
    Case(
        "crm:customer_claim",
        method="post",
        targets=("acc_pool_customer", "acc_rep_customer"),
        ok=302,
    ),
    Case("crm:customer_release", method="post", targets=("acc_rep_customer",), ok=302),
    Case("crm:customer_merge", targets=("acc_rep_customer", "acc_outside_customer")),
    Case("crm:contact_create", targets=("acc_rep_customer", "acc_outside_customer")),
    Case("crm:contact_edit", targets=CONTACTS),
    Case("crm:contact_delete", method="post", targets=CONTACTS, ok=302),
    # configuration
    Case("crm:tier_list"),
    Case("crm:tier_edit", targets=("acc_tier",)),
    Case("crm:pool_settings"),
    # leads and the pool
    Case("crm:lead_list"),
    Case("crm:lead_create"),
    # Which leads each person gets: crm/tests/test_lead_picker.py; here, who may ask.
    Case("crm:lead_picker", query="q=Lead"),
    Case("crm:lead_detail", targets=LEADS),
    Case("crm:lead_edit", targets=OWNED_LEADS),
    Case("crm:lead_qualify", method="post", targets=OWNED_LEADS, ok=302, data={"budget_ok": "on"}),
    Case(
        "crm:lead_disqualify",
        method="post",
        targets=OWNED_LEADS,
        ok=302,
        data={"reason": "No budget"},
    ),
    Case("crm:lead_convert", targets=("acc_rep_qualified_lead",)),
    Case("crm:lead_claim", method="post", targets=("acc_pool_lead", "acc_rep_lead"), ok=302),
    Case("crm:lead_release", method="post", targets=("acc_rep_lead",), ok=302),
    Case("crm:lead_assign", targets=("acc_rep_lead", "acc_pool_lead")),
    Case("crm:pool"),
    Case("crm:pool_customers"),
    Case("crm:import"),
    Case("crm:import_template", query="kind=leads"),
    # API
    Case("api:crm_customer_list"),
    Case("api:crm_customer_get", targets=CUSTOMERS, kwarg="customer_id"),
    Case("api:crm_customer_create", method="post", ok=201, data={"name": "Matrix Trading"}),
    Case(
        "api:crm_customer_update",
        method="patch",
        targets=OWNED_CUSTOMERS,
        kwarg="customer_id",
        data={"industry": "Retail"},
    ),
    Case("api:crm_contact_list", targets=CUSTOMERS, kwarg="customer_id"),
    Case(
        "api:crm_contact_create",
        method="post",
        ok=201,
        kwarg="customer_id",
        targets=OWNED_CUSTOMERS,
        data={"name": "Zhang Wei"},
    ),
    Case("api:crm_lead_list"),
    Case("api:crm_lead_get", targets=LEADS, kwarg="lead_id"),
    Case("api:crm_lead_create", method="post", ok=201, data={"title": "Matrix lead"}),
    Case(
        "api:crm_lead_update",
        method="patch",
        targets=OWNED_LEADS,
        kwarg="lead_id",
        data={"notes": "Called back"},
    ),
    # Claiming works on a pool lead; on an owned one everybody who sees it is refused (400).
    Case(
        "api:crm_lead_claim",
        method="post",
        targets=("acc_pool_lead", "acc_rep_lead"),
        kwarg="lead_id",
        acts_on={"acc_rep_lead": frozenset()},
        refused=400,
    ),
    Case(
        "api:crm_lead_convert",
        method="post",
        targets=("acc_rep_qualified_lead",),
        kwarg="lead_id",
        data={"opportunity_name": "Matrix deal"},
    ),
]
