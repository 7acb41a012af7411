"""CRM writes of the accounts area: customers, contacts, leads, the lead pool, merges.

Rules shared by these services (the pool itself is in services/accounts_pool.py):
- A record in the shared pool (no owner) is claimed before anyone but a leader changes it.
- Owners are given only to people the actor may assign to (selectors.assignable_people).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.crm.models import (
    Activity,
    Contact,
    Contract,
    CrmSettings,
    Customer,
    Lead,
    Opportunity,
    TierStandard,
)
from salesops.crm.selectors.accounts import (
    LEADER_ROLES,
    DuplicateMatch,
    customer_duplicates,
    may_assign_to,
)
from salesops.org.roles import Role

CREATE, UPDATE, DELETE = (
    AuditEntry.Action.CREATE,
    AuditEntry.Action.UPDATE,
    AuditEntry.Action.DELETE,
)
CUSTOMER_FIELDS = frozenset(
    [
        "name",
        "kind",
        "industry",
        "size",
        "territory",
        "source",
        "status",
        "tier",
        "tax_number",
        "phone",
        "address",
        "partner",
    ]
)
CONTACT_FIELDS = frozenset(["name", "title", "buying_role", "phone", "email", "is_primary"])
LEAD_FIELDS = frozenset(
    [
        "title",
        "company_name",
        "contact_name",
        "contact_title",
        "phone",
        "email",
        "source",
        "territory",
        "partner",
        "budget_amount",
        "notes",
    ]
)


class DuplicateCustomer(ValidationError):
    """A new customer looks like an existing one; `matches` lists them (see DuplicateMatch)."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        names = "; ".join(f"{m.name} ({m.owner})" for m in matches)
        super().__init__(
            {"name": _("This customer may already exist: %(names)s.") % {"names": names}}
        )
        self.matches = matches


# --- shared checks --------------------------------------------------------------------------


def _clean_text(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}


def _check_fields(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})


def check_owner(actor: Any, owner: Any) -> None:
    if owner is not None and not may_assign_to(actor=actor, person=owner):
        raise ValidationError(
            {"owner": _("You cannot give records to %(name)s.") % {"name": owner}}
        )


def _check_may_change(actor: Any, record: Any) -> None:
    if getattr(record, "merged_into_id", None):
        raise ValidationError(_("This customer was merged into another one; change that one."))
    if record.owner_id is None and actor.role not in LEADER_ROLES:
        raise ValidationError(_("It lies in the shared pool: claim it first."))


def check_leader(actor: Any) -> None:
    if actor.role not in LEADER_ROLES:
        raise PermissionDenied


def _save_changes(actor: Any, record: Any, changes: dict[str, Any], exclude: list[str]) -> Any:
    """Apply field changes, validate, save and audit (nothing is written when nothing changed)."""
    before = snapshot(record)
    for name, value in _clean_text(changes).items():
        setattr(record, name, value)
    record.full_clean(exclude=exclude)
    if snapshot(record) == before:
        return record
    record.save()
    audit_record(actor=actor, action=UPDATE, obj=record, before=before)
    return record


# --- customers ------------------------------------------------------------------------------


def _customer_new(*, actor: Any, owner: Any, allow_duplicate: bool, **fields: Any) -> Customer:
    customer = Customer(**_clean_text(fields), owner=owner)
    customer.owned_since = timezone.now() if owner is not None else None
    customer.full_clean(exclude=["merged_into"])
    if not allow_duplicate:
        matches = customer_duplicates(
            actor=actor, name=customer.name, phone=customer.phone, tax_number=customer.tax_number
        )
        if matches:
            raise DuplicateCustomer(matches)
    customer.save()
    audit_record(actor=actor, action=CREATE, obj=customer)
    return customer


@transaction.atomic
def customer_create(
    *, actor: Any, name: str, owner: Any = None, allow_duplicate: bool = False, **fields: Any
) -> Customer:
    """Create a customer (no owner: into the pool); a likely duplicate (same normalised name,
    phone or tax number among all customers) is refused unless `allow_duplicate`."""
    _check_fields(fields, CUSTOMER_FIELDS)
    check_owner(actor, owner)
    return _customer_new(
        actor=actor, owner=owner, allow_duplicate=allow_duplicate, name=name, **fields
    )


@transaction.atomic
def customer_update(*, actor: Any, customer: Customer, **changes: Any) -> Customer:
    """Change a customer's details (its owner changes through assign, claim and release)."""
    _check_fields(changes, CUSTOMER_FIELDS)
    _check_may_change(actor, customer)
    return _save_changes(actor, customer, changes, exclude=["merged_into"])  # type: ignore[no-any-return]


def _fill_blanks(survivor: Customer, duplicate: Customer) -> None:
    for name in ("tax_number", "phone", "address", "industry", "size", "source"):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    for name in ("territory_id", "partner_id"):
        if getattr(survivor, name) is None:
            setattr(survivor, name, getattr(duplicate, name))
    contacts = [d for d in (survivor.last_contact_at, duplicate.last_contact_at) if d]
    survivor.last_contact_at = max(contacts) if contacts else None


def _move_children(survivor: Customer, duplicate: Customer) -> dict[str, int]:
    """Point the duplicate's records at the survivor (one UPDATE per kind); counts moved."""
    keep_primary = Contact.objects.filter(customer=survivor, is_primary=True).exists()
    unmark = {"is_primary": False} if keep_primary else {}
    return {
        "contacts": Contact.objects.filter(customer=duplicate).update(customer=survivor, **unmark),
        "opportunities": Opportunity.objects.filter(customer=duplicate).update(customer=survivor),
        "activities": Activity.objects.filter(customer=duplicate).update(customer=survivor),
        "contracts": Contract.objects.filter(customer=duplicate).update(customer=survivor),
        "leads": Lead.objects.filter(customer=duplicate).update(customer=survivor),
    }


@transaction.atomic
def customer_merge(*, actor: Any, survivor: Customer, duplicate: Customer) -> Customer:
    """Merge a duplicate into the survivor: its contacts, opportunities, activities, contracts
    and leads move over in set-based updates, the survivor's blank details are filled from it,
    and it is marked merged (hidden from lists). Both must be visible to the leader."""
    check_leader(actor)
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Choose another customer to merge.")})
    pks = [survivor.pk, duplicate.pk]
    list(Customer.objects.select_for_update().filter(pk__in=pks))  # lock both rows first
    both = Customer.objects.visible_to(actor).filter(pk__in=pks, merged_into__isnull=True)
    if both.count() != 2:
        raise ValidationError(
            {"duplicate": _("Both customers must be visible to you and not merged.")}
        )
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    before_survivor, before_duplicate = snapshot(survivor), snapshot(duplicate)
    moved = _move_children(survivor, duplicate)
    _fill_blanks(survivor, duplicate)
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    counts = ", ".join(f"{k} {v}" for k, v in moved.items())
    reason = _("Merged %(dup)s (#%(pk)s) in; moved %(counts)s") % {
        "dup": duplicate.name,
        "pk": duplicate.pk,
        "counts": counts,
    }
    audit_record(actor=actor, action=UPDATE, obj=survivor, before=before_survivor, reason=reason)
    audit_record(
        actor=actor,
        action=UPDATE,
        obj=duplicate,
        before=before_duplicate,
        reason=_("Merged into %(name)s (#%(pk)s)") % {"name": survivor.name, "pk": survivor.pk},
    )
    return survivor


# --- contacts -------------------------------------------------------------------------------


def _contact_new(*, actor: Any, customer: Customer, **fields: Any) -> Contact:
    first = not Contact.objects.filter(customer=customer).exists()
    contact = Contact(customer=customer, **_clean_text(fields))
    contact.is_primary = bool(contact.is_primary or first)
    contact.full_clean()
    if contact.is_primary:
        Contact.objects.filter(customer=customer, is_primary=True).update(is_primary=False)
    contact.save()
    audit_record(actor=actor, action=CREATE, obj=contact)
    return contact


@transaction.atomic
def contact_create(*, actor: Any, customer: Customer, name: str, **fields: Any) -> Contact:
    """Add a contact to a customer; the first one, or one marked primary, becomes primary."""
    _check_fields(fields, CONTACT_FIELDS)
    _check_may_change(actor, customer)
    return _contact_new(actor=actor, customer=customer, name=name, **fields)


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, **changes: Any) -> Contact:
    """Change a contact; marking it primary unmarks the customer's other contacts."""
    _check_fields(changes, CONTACT_FIELDS)
    _check_may_change(actor, contact.customer)
    if changes.get("is_primary") and not contact.is_primary:
        others = Contact.objects.filter(customer_id=contact.customer_id).exclude(pk=contact.pk)
        others.filter(is_primary=True).update(is_primary=False)
    return _save_changes(actor, contact, changes, exclude=[])  # type: ignore[no-any-return]


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    """Delete a contact (deals and leads that named it keep no contact)."""
    _check_may_change(actor, contact.customer)
    audit_record(actor=actor, action=DELETE, obj=contact, before=snapshot(contact))
    contact.delete()


# --- configuration --------------------------------------------------------------------------


def _check_admin(actor: Any) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied


def _at_least_one(values: dict[str, Any]) -> None:
    low = {k: _("Enter 1 or more.") for k, v in values.items() if v is None or v < 1}
    if low:
        raise ValidationError(low)


@transaction.atomic
def tier_standard_update(
    *,
    actor: Any,
    standard: TierStandard,
    max_days_between_contacts: int,
    response_hours: int,
    counterpart: str = "",
) -> TierStandard:
    """Change a tier's service standard (administrators only)."""
    _check_admin(actor)
    _at_least_one(
        {"max_days_between_contacts": max_days_between_contacts, "response_hours": response_hours}
    )
    changes = {
        "max_days_between_contacts": max_days_between_contacts,
        "response_hours": response_hours,
        "counterpart": counterpart,
    }
    return _save_changes(actor, standard, changes, exclude=[])  # type: ignore[no-any-return]


@transaction.atomic
def crm_settings_update(*, actor: Any, **values: int) -> CrmSettings:
    """Change the pool rules: return days and per-person limits (administrators only)."""
    _check_admin(actor)
    allowed = frozenset(
        ["lead_return_days", "customer_return_days", "max_leads_per_rep", "max_customers_per_rep"]
    )
    _check_fields(values, allowed)
    _at_least_one(values)
    return _save_changes(actor, CrmSettings.current(), values, exclude=[])  # type: ignore[no-any-return]


# --- leads ----------------------------------------------------------------------------------


def _check_lead_open(lead: Lead) -> None:
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        raise ValidationError(
            {"status": _("This lead is %(status)s.") % {"status": lead.get_status_display()}}
        )


@transaction.atomic
def lead_create(*, actor: Any, title: str, owner: Any = None, **fields: Any) -> Lead:
    """Record a lead, owned by `owner` or, with none, lying in the shared pool."""
    _check_fields(fields, LEAD_FIELDS)
    check_owner(actor, owner)
    lead = Lead(title=title, owner=owner, **_clean_text(fields))
    lead.title = lead.title.strip()
    lead.claimed_at = timezone.now() if owner is not None else None
    lead.full_clean(exclude=["customer", "contact", "opportunity"])
    lead.save()
    audit_record(actor=actor, action=CREATE, obj=lead)
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, **changes: Any) -> Lead:
    """Change an open lead's details."""
    _check_fields(changes, LEAD_FIELDS)
    _check_lead_open(lead)
    _check_may_change(actor, lead)
    return _save_changes(actor, lead, changes, exclude=["customer", "contact", "opportunity"])  # type: ignore[no-any-return]


@transaction.atomic
def lead_qualify(
    *,
    actor: Any,
    lead: Lead,
    budget_ok: bool,
    authority_ok: bool,
    need_ok: bool,
    timeline_ok: bool,
) -> Lead:
    """Record the BANT answers (a follow-up). All four ticked makes the lead qualified — the
    one condition for converting it; any fewer leaves it working."""
    _check_lead_open(lead)
    _check_may_change(actor, lead)
    answers = [budget_ok, authority_ok, need_ok, timeline_ok]
    status: str
    if all(answers):
        status = Lead.Status.QUALIFIED
    elif any(answers) or lead.status == Lead.Status.QUALIFIED:
        status = Lead.Status.WORKING
    else:
        status = lead.status
    changes = {
        "budget_ok": budget_ok,
        "authority_ok": authority_ok,
        "need_ok": need_ok,
        "timeline_ok": timeline_ok,
        "status": status,
        "last_activity_at": timezone.now(),
    }
    return _save_changes(actor, lead, changes, exclude=["customer", "contact", "opportunity"])  # type: ignore[no-any-return]


@transaction.atomic
def lead_disqualify(*, actor: Any, lead: Lead, reason: str) -> Lead:
    """Close a lead as not worth pursuing; the reason is required."""
    _check_lead_open(lead)
    _check_may_change(actor, lead)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the lead is disqualified.")})
    changes = {"status": Lead.Status.DISQUALIFIED, "disqualified_reason": reason[:200]}
    return _save_changes(actor, lead, changes, exclude=["customer", "contact", "opportunity"])  # type: ignore[no-any-return]


def _lead_contact(actor: Any, customer: Customer, **fields: Any) -> Contact:
    """The customer's contact with this phone (else this name), or a new one."""
    fields = _clean_text(fields)
    if not fields["name"]:
        raise ValidationError({"contact_name": _("Name the contact person.")})
    match = Q(phone=fields["phone"]) if fields["phone"] else Q(name=fields["name"])
    existing = Contact.objects.filter(match, customer=customer).first()
    return existing or _contact_new(actor=actor, customer=customer, **fields)


def _lead_customer(
    actor: Any, lead: Lead, customer: Customer | None, name: str, allow_duplicate: bool
) -> Customer:
    """The existing customer chosen (visible, not merged), or a new one made from the lead."""
    if customer is not None:
        visible = Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
        if customer.merged_into_id or not visible:
            raise ValidationError({"customer": _("Choose a customer you can see and not merged.")})
        return customer
    name = (name or lead.company_name).strip()
    if not name:
        raise ValidationError({"customer_name": _("Name the new customer.")})
    return _customer_new(
        actor=actor,
        owner=lead.owner,
        allow_duplicate=allow_duplicate,
        name=name,
        phone=lead.phone,
        source=lead.source,
        territory=lead.territory,
        partner=lead.partner,
    )


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    customer: Customer | None = None,
    customer_name: str = "",
    allow_duplicate: bool = False,
    contact_name: str = "",
    contact_title: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    opportunity_name: str = "",
    amount: Decimal | None = None,
    expected_close: date | None = None,
) -> Lead:
    """Convert a qualified lead, in one transaction, into a customer (a new one — duplicate
    check applied — or an existing visible one), a contact and an opportunity, linked on the
    lead. Qualified means status "qualified": all four BANT boxes ticked (see lead_qualify).
    Empty arguments default to the lead's own values; a lead in the pool is claimed first."""
    from salesops.crm.services.sales import opportunity_create

    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status != Lead.Status.QUALIFIED:
        raise ValidationError(
            {"status": _("Only a qualified lead (all four BANT boxes ticked) can be converted.")}
        )
    if locked.owner_id is None:
        raise ValidationError({"owner": _("Claim the lead from the pool before converting it.")})
    before = snapshot(locked)
    customer = _lead_customer(actor, locked, customer, customer_name, allow_duplicate)
    contact = _lead_contact(
        actor,
        customer,
        name=contact_name or locked.contact_name,
        title=contact_title or locked.contact_title,
        phone=contact_phone or locked.phone,
        email=contact_email or locked.email,
    )
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        name=opportunity_name or locked.title,
        owner=locked.owner,
        expected_close=expected_close,
        amount=amount if amount is not None else locked.budget_amount,
        source=locked.source,
        partner=locked.partner,
    )
    locked.customer, locked.contact, locked.opportunity = customer, contact, opportunity
    locked.status, locked.converted_at = Lead.Status.CONVERTED, timezone.now()
    locked.save()
    audit_record(actor=actor, action=UPDATE, obj=locked, before=before, reason=_("Converted"))
    return locked
