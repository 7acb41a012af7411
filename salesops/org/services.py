"""Org writes: units, people, moves with effective dates. Each is one audited transaction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.org.models import Assignment, OrgUnit, UnitPlacement, User

UNIT_FIELDS = ("name", "code", "kind", "leader", "territory", "is_active")
PERSON_FIELDS = (
    "display_name",
    "email",
    "phone",
    "locale",
    "time_zone",
    "grade",
    "hire_date",
    "territory",
    "first_name",
    "last_name",
)


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    name: str,
    code: str,
    kind: str,
    parent: OrgUnit | None,
    leader: User | None = None,
    territory: Any = None,
    effective: date | None = None,
) -> OrgUnit:
    """Create an org unit under a parent (or a root), recording its placement."""
    unit = OrgUnit(
        name=name, code=code, kind=kind, parent=parent, leader=leader, territory=territory
    )
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    UnitPlacement.objects.create(unit=unit, parent=parent, start=effective or _today())
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=unit)
    return unit


@transaction.atomic
def unit_update(*, actor: Any, unit: OrgUnit, **changes: Any) -> OrgUnit:
    """Change a unit's name, code, kind, leader, territory or active flag."""
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(unit)
    for name, value in changes.items():
        setattr(unit, name, value)
    if changes.get("is_active") is False and unit.children.filter(is_active=True).exists():
        raise ValidationError({"is_active": _("Close or move the sub-units first.")})
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=unit, before=before)
    return unit


@transaction.atomic
def unit_move(
    *, actor: Any, unit: OrgUnit, parent: OrgUnit, effective: date | None = None
) -> OrgUnit:
    """Move a unit (and its whole subtree) under a new parent, keeping the placement history."""
    unit.refresh_from_db()
    parent.refresh_from_db()
    if parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot move under itself or its sub-units.")})
    if parent.pk == unit.parent_id:
        return unit
    effective = effective or _today()
    before = snapshot(unit)
    old_path, new_path = unit.path, f"{parent.path}{unit.pk}/"
    depth_shift = parent.depth + 1 - unit.depth
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=parent)
    UnitPlacement.objects.filter(unit=unit, end__isnull=True).update(
        end=effective - timedelta(days=1)
    )
    UnitPlacement.objects.create(unit=unit, parent=parent, start=effective)
    unit.refresh_from_db()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=unit, before=before)
    return unit


@transaction.atomic
def person_create(
    *,
    actor: Any,
    username: str,
    display_name: str,
    position: str,
    unit: OrgUnit,
    manager: User | None = None,
    email: str = "",
    phone: str = "",
    hire_date: date | None = None,
    password: str | None = None,
    **extra: Any,
) -> User:
    """Create a person in a unit with a position; opens their assignment history."""
    person = User(
        username=username,
        display_name=display_name,
        position=position,
        unit=unit,
        manager=manager,
        email=email,
        phone=phone,
        hire_date=hire_date,
        **extra,
    )
    if password:
        try:
            validate_password(password, person)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    Assignment.objects.create(
        user=person, unit=unit, position=position, manager=manager, start=hire_date or _today()
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=person)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: User, **changes: Any) -> User:
    """Change a person's details (not their place in the organisation: see person_move)."""
    product_lines = changes.pop("product_lines", None)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(person)
    for name, value in changes.items():
        setattr(person, name, value)
    person.full_clean(exclude=["password"])
    person.save()
    if product_lines is not None:
        person.product_lines.set(product_lines)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=person, before=before)
    return person


@transaction.atomic
def person_move(
    *,
    actor: Any,
    person: User,
    unit: OrgUnit,
    position: str,
    manager: User | None,
    effective: date | None = None,
    reason: str = "",
) -> User:
    """Move a person to a unit / position / manager from a date; history keeps the old place."""
    effective = effective or _today()
    if manager is not None and manager.pk == person.pk:
        raise ValidationError({"manager": _("A person cannot report to themselves.")})
    current = Assignment.objects.filter(user=person, end__isnull=True).order_by("-start").first()
    if current and effective <= current.start:
        raise ValidationError(
            {"effective": _("The move must take effect after %(d)s.") % {"d": current.start}}
        )
    before = snapshot(person)
    if current:
        current.end = effective - timedelta(days=1)
        current.save(update_fields=["end"])
    Assignment.objects.create(
        user=person, unit=unit, position=position, manager=manager, start=effective
    )
    person.unit, person.position, person.manager = unit, position, manager
    person.save(update_fields=["unit", "position", "manager"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=person, before=before, reason=reason
    )
    return person


@transaction.atomic
def person_set_active(*, actor: Any, person: User, active: bool) -> User:
    """Deactivate (their sessions and tokens stop working at once) or reactivate a person."""
    if person.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate yourself."))
    before = snapshot(person)
    person.is_active = active
    person.save(update_fields=["is_active"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=person, before=before)
    return person


@transaction.atomic
def person_set_preferences(*, actor: User, locale: str, time_zone: str) -> User:
    """A person's own language and time zone."""
    return person_update(actor=actor, person=actor, locale=locale, time_zone=time_zone)
