"""Target writes: set, change, split (over people and units, over months), propose, approve,
return and delete. Each is one audited transaction that validates before it saves; every
change of a target's value or status also leaves a TargetRevision (who, when, why)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.core.money import to_money
from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.targets.models import KpiDefinition, Target, TargetRevision
from salesops.targets.permissions import may_set
from salesops.targets.planning import Owner, PlanRow, org_plan, time_plan

Status = Target.Status


def check_value(kpi: KpiDefinition, value: Any) -> Decimal:
    """A target value: exact to the cent, not negative, a percentage at most 100."""
    try:
        amount = to_money(value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    if amount < 0:
        raise ValidationError({"value": _("A target cannot be negative.")})
    if kpi.unit == KpiDefinition.Unit.PERCENT and amount > 100:
        raise ValidationError({"value": _("A percentage cannot be above 100.")})
    return amount


def _audit(actor: Any, obj: Any, before: dict[str, Any] | None, reason: str = "") -> None:
    """An audit entry: a create when there was nothing before, else an update."""
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit_record(actor=actor, action=action, obj=obj, before=before, reason=reason)


def _require(actor: Any, person: User | None, unit: OrgUnit | None) -> None:
    if not may_set(actor, person=person, unit=unit):
        raise PermissionDenied(
            _("You may not set targets for %(owner)s.") % {"owner": person or unit}
        )


# Foreign keys are objects the service already holds, and one target per owner, KPI and period
# is ensured by reading the existing row first (the database constraints still stand behind it):
# validating those again would cost several queries per target of a split.
IN_HAND = ["kpi", "owner_user", "owner_unit", "parent", "approved_by", "created_by"]


def _clean(target: Target) -> None:
    target.full_clean(exclude=IN_HAND, validate_unique=False, validate_constraints=False)


def _revise(
    target: Target, actor: Any, action: str, old: Decimal | None, old_status: str, reason: str
) -> None:
    TargetRevision.objects.create(
        target=target,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        old_value=old,
        new_value=target.value,
        old_status=old_status,
        new_status=target.status,
        reason=reason[:300],
    )


def _natural_parent(kpi: KpiDefinition, period: Period, person: Any, unit: Any) -> Target | None:
    """The target this one serves when none is named: the owner's unit's (or parent unit's)."""
    above = person.unit_id if person is not None else unit.parent_id
    if above is None:
        return None
    return Target.objects.filter(kpi=kpi, owner_unit_id=above, period_key=period.key).first()


def _check_parent(parent: Target | None, kpi: KpiDefinition, period: Period) -> None:
    if parent is None:
        return
    if parent.kpi_id != kpi.pk:
        raise ValidationError({"parent": _("The parent target must be for the same KPI.")})
    if not (parent.period_start <= period.start and period.end <= parent.period_end):
        raise ValidationError({"parent": _("The parent target's period must contain this one.")})


def _existing(kpi: KpiDefinition, period: Period, person: Any, unit: Any) -> Target | None:
    qs = Target.objects.select_for_update().filter(kpi=kpi, period_key=period.key)
    qs = qs.filter(owner_user=person) if person is not None else qs.filter(owner_unit=unit)
    return next(iter(qs.order_by("pk")[:1]), None)


def _write(
    *,
    actor: Any,
    kpi: KpiDefinition,
    period: Period,
    value: Decimal,
    person: Any,
    unit: Any,
    parent: Target | None,
    method: str,
    reason: str,
    description: str | None = None,
    ramp_pct: int = 100,
    phasing: dict[str, str] | None = None,
) -> Target:
    """Create the owner's target for the KPI and period, or change it (with a revision)."""
    target = _existing(kpi, period, person, unit)
    if target is None:
        target = Target(kpi=kpi, owner_user=person, owner_unit=unit, created_by=actor)
        target.set_period(period)
        before, old, old_status, action = None, None, "", "created"
    else:
        before, old, old_status, action = snapshot(target), target.value, target.status, "changed"
        if target.status == Status.APPROVED and target.value != value and not reason.strip():
            raise ValidationError({"reason": _("Say why an approved target changes.")})
    target.value, target.method, target.ramp_pct = value, method, ramp_pct
    target.parent = parent if parent is not None else target.parent
    target.status, target.approved_by, target.approved_at = Status.APPROVED, actor, timezone.now()
    if description is not None:
        target.description = description.strip()
    if phasing is not None:
        target.phasing = phasing
    _clean(target)
    target.save()
    if before is None or old != value or old_status != target.status:
        _revise(target, actor, action, old, old_status, reason)
    _audit(actor, target, before, reason)
    return target


@transaction.atomic
def target_set(
    *,
    actor: Any,
    kpi: KpiDefinition,
    period: Period,
    value: Any,
    person: User | None = None,
    unit: OrgUnit | None = None,
    description: str = "",
    parent: Target | None = None,
    reason: str = "",
) -> Target:
    """Set (or change) the target of a person or a unit for a KPI and a period."""
    if (person is None) == (unit is None):
        raise ValidationError({"owner": _("Choose a person or a unit.")})
    _require(actor, person, unit)
    amount = check_value(kpi, value)
    parent = parent or _natural_parent(kpi, period, person, unit)
    _check_parent(parent, kpi, period)
    return _write(
        actor=actor,
        kpi=kpi,
        period=period,
        value=amount,
        person=person,
        unit=unit,
        parent=parent,
        method=Target.Method.SET,
        reason=reason,
        description=description,
    )


@transaction.atomic
def target_update(
    *,
    actor: Any,
    target: Target,
    value: Any = None,
    description: str | None = None,
    reason: str = "",
) -> Target:
    """Change a target's value or description; an approved target's new value needs a reason."""
    _require(actor, target.owner_user, target.owner_unit)
    amount = target.value if value is None else check_value(target.kpi, value)
    return _write(
        actor=actor,
        kpi=target.kpi,
        period=target.period,
        value=amount,
        person=target.owner_user,
        unit=target.owner_unit,
        parent=None,
        method=target.method if amount == target.value else Target.Method.SET,
        reason=reason,
        description=description,
        ramp_pct=target.ramp_pct,
    )


@transaction.atomic
def target_delete(*, actor: Any, target: Target, reason: str = "") -> None:
    """Delete a target that nothing is split from."""
    _require(actor, target.owner_user, target.owner_unit)
    if target.children.exists():
        raise ValidationError(_("Targets are split from this one; delete those first."))
    before = snapshot(target)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=target, before=before, reason=reason
    )
    target.delete()


def _save_plan(
    actor: Any,
    target: Target,
    plan: list[PlanRow],
    method: str,
    reason: str,
    phasing: dict[str, str] | None,
) -> list[Target]:
    children = []
    for row in plan:
        children.append(
            _write(
                actor=actor,
                kpi=target.kpi,
                period=row.period,
                value=row.value,
                person=row.owner.user,
                unit=row.owner.unit,
                parent=target,
                method=method if target.kpi.additive else Target.Method.COPY,
                reason=reason or _("Split from %(t)s") % {"t": target},
                ramp_pct=row.ramp_pct,
                phasing=phasing,
            )
        )
    return children


@transaction.atomic
def target_split(
    *,
    actor: Any,
    target: Target,
    children: list[Owner],
    method: str,
    weights: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    apply_ramp: bool = True,
    reason: str = "",
) -> list[Target]:
    """Split a unit's target to its sub-units and people (top-down): the children's targets."""
    if target.owner_unit_id is None:
        raise ValidationError({"children": _("Only a unit's target splits over people.")})
    if target.status != Status.APPROVED:
        raise ValidationError(_("Only an approved target can be split."))
    for child in children:
        _require(actor, child.user, child.unit)
    plan = org_plan(target, children, method, weights, values, apply_ramp)
    phasing = dict(target.phasing) if target.phasing else None
    return _save_plan(actor, target, plan, method, reason, phasing)


@transaction.atomic
def target_phase(
    *,
    actor: Any,
    target: Target,
    kind: str,
    method: str,
    weights: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    apply_ramp: bool = True,
    reason: str = "",
) -> list[Target]:
    """Split a target over its quarters or months; the split becomes its seasonal phasing."""
    _require(actor, target.owner_user, target.owner_unit)
    if target.status != Status.APPROVED:
        raise ValidationError(_("Only an approved target can be split."))
    plan = time_plan(target, kind, method, weights, values, apply_ramp)
    before = snapshot(target)
    from salesops.targets.splitting import shares

    if target.kpi.additive:
        target.phasing = dict(
            zip([r.period.key for r in plan], shares([r.value for r in plan]), strict=True)
        )
        target.save(update_fields=["phasing", "updated_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=target, before=before, reason=reason
        )
    return _save_plan(actor, target, plan, method, reason, None)


@transaction.atomic
def target_propose(
    *,
    actor: Any,
    kpi: KpiDefinition,
    period: Period,
    value: Any,
    description: str = "",
) -> Target:
    """A person proposes their own target (bottom-up); their leader adjusts and approves it."""
    amount = check_value(kpi, value)
    target = _existing(kpi, period, actor, None)
    if target is not None and target.status == Status.APPROVED:
        raise ValidationError(
            {"value": _("Your target is already approved; ask your manager to change it.")}
        )
    if target is None:
        target = Target(kpi=kpi, owner_user=actor, created_by=actor)
        target.set_period(period)
        before, old, old_status = None, None, ""
    else:
        before, old, old_status = snapshot(target), target.value, target.status
    target.value = target.proposed_value = amount
    target.status, target.method = Status.PROPOSED, Target.Method.PROPOSAL
    target.description = description.strip()
    target.parent = target.parent or _natural_parent(kpi, period, actor, None)
    _clean(target)
    target.save()
    _revise(target, actor, "proposed", old, old_status, "")
    _audit(actor, target, before)
    return target


def _decide(actor: Any, target: Target) -> tuple[dict[str, Any], Decimal, str]:
    _require(actor, target.owner_user, target.owner_unit)
    if target.status != Status.PROPOSED:
        raise ValidationError({"status": _("Only a proposed target waits for a decision.")})
    return snapshot(target), target.value, target.status


@transaction.atomic
def target_approve(*, actor: Any, target: Target, value: Any = None, reason: str = "") -> Target:
    """A leader approves a proposed target, adjusting its value if needed."""
    before, old, old_status = _decide(actor, target)
    if value is not None and value != "":
        target.value = check_value(target.kpi, value)
    target.status, target.approved_by, target.approved_at = Status.APPROVED, actor, timezone.now()
    target.save()
    _revise(target, actor, "approved", old, old_status, reason)
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=target, before=before, reason=reason
    )
    return target


@transaction.atomic
def target_return(*, actor: Any, target: Target, reason: str) -> Target:
    """A leader sends a proposed target back to its owner with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the proposal goes back.")})
    before, old, old_status = _decide(actor, target)
    target.status = Status.RETURNED
    target.save(update_fields=["status", "updated_at"])
    _revise(target, actor, "returned", old, old_status, reason)
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=target, before=before, reason=reason
    )
    return target
