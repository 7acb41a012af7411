"""CRM writes of the shared pool (公海): claim, release, assign, and the scheduled return.

A record with no owner lies in the pool. Claiming is a conditional UPDATE (owner IS NULL), so
when two people claim at once exactly one wins. Limits (CrmSettings.max_*_per_rep) apply
whenever a record leaves the pool for a person, by claim or by a leader's assignment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.crm.models import CrmSettings, Customer, Lead
from salesops.crm.selectors.accounts import LEADER_ROLES, OPEN_LEAD_STATUSES
from salesops.crm.services.accounts import UPDATE, check_leader, check_owner
from salesops.org.models import User
from salesops.org.roles import SALES_ROLES

# The field stamped when a record gets an owner, what "still open" means, and its name field.
POOL: dict[Any, tuple[str, Q, str]] = {
    Customer: ("owned_since", Q(merged_into__isnull=True), "name"),
    Lead: ("claimed_at", Q(status__in=OPEN_LEAD_STATUSES), "title"),
}


def _check_limit(person: Any, model: type[models.Model], actor: Any) -> None:
    """Refuse when the person already holds the most records of this kind allowed."""
    User.objects.select_for_update().filter(pk=person.pk).exists()  # one claim at a time
    rules = CrmSettings.current()
    own = person.pk == actor.pk
    if model is Lead:
        held = Lead.objects.filter(owner=person, status__in=OPEN_LEAD_STATUSES).count()
        limit = rules.max_leads_per_rep
        message = (
            _("You already hold %(n)s open leads, the most allowed. Close or release some first.")
            if own
            else _("%(name)s already holds %(n)s open leads, the most allowed.")
        )
    else:
        held = Customer.objects.filter(owner=person, merged_into__isnull=True).count()
        limit = rules.max_customers_per_rep
        message = (
            _("You already hold %(n)s customers, the most allowed. Release some first.")
            if own
            else _("%(name)s already holds %(n)s customers, the most allowed.")
        )
    if held >= limit:
        raise ValidationError({"owner": message % {"name": person, "n": held}})


# --- the pool: claim, release, assign -------------------------------------------------------


def _claim(actor: Any, record: Any) -> Any:
    model = type(record)
    since, still_open, _name = POOL[model]
    if actor.role not in SALES_ROLES:
        raise PermissionDenied
    if record.owner_id == actor.pk:
        raise ValidationError(_("It is already yours."))
    _check_limit(actor, model, actor)
    before, now = snapshot(record), timezone.now()
    won = model.objects.filter(still_open, pk=record.pk, owner__isnull=True).update(
        owner=actor, updated_at=now, **{since: now}
    )
    if not won:
        raise ValidationError(_("It is no longer in the pool: someone else has claimed it."))
    record.refresh_from_db()
    audit_record(actor=actor, action=UPDATE, obj=record, before=before, reason=_("Claimed"))
    return record


def _release(actor: Any, record: Any, reason: str) -> Any:
    if record.owner_id is None:
        raise ValidationError(_("It is already in the shared pool."))
    if record.owner_id != actor.pk and actor.role not in LEADER_ROLES:
        raise ValidationError(_("Only its owner or their leader may release it."))
    since = POOL[type(record)][0]
    before = snapshot(record)
    record.owner = None
    setattr(record, since, None)
    record.save(update_fields=["owner", since, "updated_at"])
    reason = reason.strip() or _("Released to the pool")
    audit_record(actor=actor, action=UPDATE, obj=record, before=before, reason=reason)
    return record


def _assign(actor: Any, record: Any, owner: Any) -> Any:
    check_leader(actor)
    if owner is None:
        raise ValidationError({"owner": _("Choose who takes it over.")})
    check_owner(actor, owner)
    model = type(record)
    since, still_open, _name = POOL[model]
    locked = model.objects.select_for_update().filter(still_open).filter(pk=record.pk).first()
    if locked is None:
        raise ValidationError(_("It is closed and cannot be reassigned."))
    if locked.owner_id == owner.pk:
        return locked
    if locked.owner_id is None:
        _check_limit(owner, model, actor)
    before = snapshot(locked)
    locked.owner = owner
    setattr(locked, since, timezone.now())
    locked.save(update_fields=["owner", since, "updated_at"])
    audit_record(actor=actor, action=UPDATE, obj=locked, before=before, reason=_("Assigned"))
    return locked


@transaction.atomic
def customer_claim(*, actor: Any, customer: Customer) -> Customer:
    """Take a customer from the pool; one winner when two claim at once; limits apply."""
    return _claim(actor, customer)  # type: ignore[no-any-return]


@transaction.atomic
def customer_release(*, actor: Any, customer: Customer, reason: str = "") -> Customer:
    """Put a customer back into the pool (its owner, a leader or an administrator)."""
    return _release(actor, customer, reason)  # type: ignore[no-any-return]


@transaction.atomic
def customer_assign(*, actor: Any, customer: Customer, owner: Any) -> Customer:
    """A leader gives a customer (from the pool or a person) to someone in their subtree."""
    return _assign(actor, customer, owner)  # type: ignore[no-any-return]


@transaction.atomic
def lead_claim(*, actor: Any, lead: Lead) -> Lead:
    """Take an open lead from the pool; one winner when two claim at once; limits apply."""
    return _claim(actor, lead)  # type: ignore[no-any-return]


@transaction.atomic
def lead_release(*, actor: Any, lead: Lead, reason: str = "") -> Lead:
    """Put a lead back into the pool (its owner, a leader or an administrator)."""
    return _release(actor, lead, reason)  # type: ignore[no-any-return]


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: Any) -> Lead:
    """A leader gives an open lead (from the pool or a person) to someone in their subtree."""
    return _assign(actor, lead, owner)  # type: ignore[no-any-return]


def _returned(model: type[models.Model], qs: Any, now: datetime, reason: str) -> int:
    """Return these rows to the pool (set-based, in chunks) with one audit entry each."""
    since, _open, name_field = POOL[model]
    rows = list(qs.select_for_update().values_list("pk", "owner_id", name_field))
    for start in range(0, len(rows), 500):
        chunk = [pk for pk, _owner, _name in rows[start : start + 500]]
        model.objects.filter(pk__in=chunk).update(owner=None, updated_at=now, **{since: None})
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action=UPDATE,
            object_type=model._meta.label_lower,
            object_id=str(pk),
            object_repr=str(name)[:200],
            changes={"owner_id": [owner_id, None]},
            reason=reason[:300],
        )
        for pk, owner_id, name in rows
    )
    return len(rows)


@transaction.atomic
def pool_return(*, actor: Any = None, now: datetime | None = None) -> dict[str, int]:
    """Return to the pool the new/working leads with no follow-up, and the prospects with no
    contact, within the configured days (counted from the later of the last follow-up and when
    the owner took it). Set-based; a second run changes nothing. Returns the counts."""
    now = now or timezone.now()
    rules = CrmSettings.current()
    lead_cut = now - timedelta(days=rules.lead_return_days)
    stale_leads = (
        Lead.objects.filter(owner__isnull=False, status__in=[Lead.Status.NEW, Lead.Status.WORKING])
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=lead_cut))
        .annotate(held_since=Coalesce("claimed_at", "created_at"))
        .filter(held_since__lt=lead_cut)
    )
    customer_cut = now - timedelta(days=rules.customer_return_days)
    stale_customers = (
        Customer.objects.filter(
            owner__isnull=False, merged_into__isnull=True, status=Customer.Status.PROSPECT
        )
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=customer_cut))
        .annotate(held_since=Coalesce("owned_since", "created_at"))
        .filter(held_since__lt=customer_cut)
    )
    lead_reason = _("No follow-up in %(n)s days") % {"n": rules.lead_return_days}
    customer_reason = _("No contact in %(n)s days") % {"n": rules.customer_return_days}
    return {
        "leads": _returned(Lead, stale_leads, now, lead_reason),
        "customers": _returned(Customer, stale_customers, now, customer_reason),
    }
