"""CRM writes of the sales area, activities: log planned or done, complete, cancel, update.

A done activity moves the customer's last contact (and the lead's last follow-up) up to its
time, never back; a leader joining a team member's activity makes it a coaching visit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.crm.models import Activity, Contact, Customer, Lead, Opportunity
from salesops.crm.permissions.sales import leads_person, require_rights


def _link_customer(
    customer: Customer | None,
    contact: Contact | None,
    opportunity: Opportunity | None,
    lead: Lead | None,
) -> Customer | None:
    """The customer an activity is about, checked against its contact, deal and lead."""
    for field, linked in (
        ("contact", contact.customer if contact else None),
        ("opportunity", opportunity.customer if opportunity else None),
        ("lead", lead.customer if lead else None),
    ):
        if linked is None:
            continue
        if customer is not None and linked.pk != customer.pk:
            raise ValidationError({field: _("This belongs to another customer.")})
        customer = linked
    if customer is None and lead is None:
        raise ValidationError(
            {"customer": _("Link the activity to a customer, an opportunity or a lead.")}
        )
    return customer


def _check_times(due_at: datetime | None, done_at: datetime | None) -> None:
    if done_at is None and due_at is None:
        raise ValidationError({"due_at": _("Give the planned time, or the time it was done.")})
    if done_at is not None and done_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"done_at": _("A done activity cannot be in the future.")})


def _touch_last_contact(activity: Activity) -> None:
    """Move the customer's last contact (and the lead's last follow-up) up to a done activity."""
    when = activity.done_at
    if when is None:
        return
    if activity.customer_id:
        Customer.objects.filter(pk=activity.customer_id).filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=when)
        ).update(last_contact_at=when)
    if activity.lead_id:
        Lead.objects.filter(pk=activity.lead_id).filter(
            Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=when)
        ).update(last_activity_at=when)


def _set_companions(activity: Activity, companions: Iterable[Any]) -> None:
    people = [c for c in companions if c.pk != activity.owner_id]
    activity.companions.set(people)
    coaching = any(leads_person(person, activity.owner_id) for person in people)
    if coaching != activity.is_coaching:
        activity.is_coaching = coaching
        activity.save(update_fields=["is_coaching"])


@transaction.atomic
def activity_log(
    *,
    actor: Any,
    kind: str,
    subject: str,
    owner: Any = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    lead: Lead | None = None,
    due_at: datetime | None = None,
    done_at: datetime | None = None,
    outcome: str = "",
    next_step: str = "",
    companions: Iterable[Any] = (),
) -> Activity:
    """Log a planned (due_at) or done (done_at) activity; a done one updates last contact."""
    owner = owner or actor
    require_rights(actor, owner.pk)
    customer = _link_customer(customer, contact, opportunity, lead)
    _check_times(due_at, done_at)
    activity = Activity(
        kind=kind,
        subject=subject.strip(),
        owner=owner,
        customer=customer,
        contact=contact,
        opportunity=opportunity,
        lead=lead,
        due_at=due_at,
        done_at=done_at,
        status=Activity.Status.DONE if done_at else Activity.Status.PLANNED,
        outcome=outcome.strip(),
        next_step=next_step.strip(),
    )
    activity.full_clean()
    activity.save()
    _set_companions(activity, companions)
    _touch_last_contact(activity)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=activity)
    return activity


ACTIVITY_FIELDS = ("kind", "subject", "outcome", "next_step", "due_at")


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, **changes: Any) -> Activity:
    """Change an activity's type, subject, outcome, next step or (if planned) its time."""
    require_rights(actor, activity.owner_id)
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "due_at" in changes:
        _planned_only(activity)
    before = snapshot(activity)
    for name, value in changes.items():
        setattr(activity, name, value.strip() if isinstance(value, str) else value)
    activity.full_clean()
    activity.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=activity, before=before)
    return activity


def _planned_only(activity: Activity) -> None:
    if activity.status != Activity.Status.PLANNED:
        raise ValidationError({"status": _("Only a planned activity can be changed this way.")})


@transaction.atomic
def activity_complete(
    *,
    actor: Any,
    activity: Activity,
    done_at: datetime | None = None,
    outcome: str = "",
    next_step: str = "",
) -> Activity:
    """Mark a planned activity done, with its outcome; updates last contact."""
    require_rights(actor, activity.owner_id)
    _planned_only(activity)
    done_at = done_at or timezone.now()
    _check_times(activity.due_at, done_at)
    before = snapshot(activity)
    activity.status = Activity.Status.DONE
    activity.done_at = done_at
    activity.outcome = outcome.strip()
    activity.next_step = next_step.strip()
    activity.full_clean()
    activity.save()
    _touch_last_contact(activity)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=activity, before=before)
    return activity


@transaction.atomic
def activity_cancel(*, actor: Any, activity: Activity, reason: str = "") -> Activity:
    """Cancel a planned activity (it stays in the record as cancelled)."""
    require_rights(actor, activity.owner_id)
    _planned_only(activity)
    before = snapshot(activity)
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=activity, before=before, reason=reason
    )
    return activity
