"""Writes of the KPI catalogue, the ramp rules and manually reported results."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.core.money import to_money
from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.org.roles import Role
from salesops.targets import kpis
from salesops.targets.models import KpiDefinition, ManualResult, RampRule
from salesops.targets.permissions import may_set

KPI_FIELDS = (
    "code",
    "name",
    "description",
    "kind",
    "unit",
    "direction",
    "is_manual",
    "source",
    "aggregate",
    "measure",
    "date_field",
    "filters",
    "numerator",
    "order",
    "is_active",
)
# Which aggregates fit which unit.
UNIT_AGGREGATES = {
    "money": {"sum", "avg"},
    "count": {"count"},
    "percent": {"ratio", "avg"},
    "days": {"avg", "sum"},
    "score": {"avg", "sum"},
}


def _audit(actor: Any, obj: Any, before: dict[str, Any] | None, reason: str = "") -> None:
    """An audit entry: a create when there was nothing before, else an update."""
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit_record(actor=actor, action=action, obj=obj, before=before, reason=reason)


def _require_admin(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.ADMIN:
        raise PermissionDenied(_("Only administrators change the KPI catalogue."))


def _check_filters(source: kpis.Source, filters: Any, field: str) -> None:
    if not isinstance(filters, dict):
        raise ValidationError({field: _('Write the filters as {"key": "value"}.')})
    for key, value in filters.items():
        if key not in source.filters:
            allowed = ", ".join(sorted(source.filters)) or "—"
            raise ValidationError(
                {
                    field: _("Unknown filter “%(key)s”; this source allows: %(allowed)s.")
                    % {"key": key, "allowed": allowed}
                }
            )
        items = value if isinstance(value, list) else [value]
        if not items or any(not isinstance(v, str | int | bool) for v in items):
            raise ValidationError({field: _("Filter values are text or lists of text.")})


def _check_source(kpi: KpiDefinition) -> None:
    source = kpis.SOURCES.get(kpi.source)
    if source is None:
        raise ValidationError({"source": _("Choose the records the KPI is computed from.")})
    if kpi.date_field not in source.dates:
        raise ValidationError({"date_field": _("Choose a date of these records.")})
    if kpi.aggregate in ("sum", "avg") and kpi.measure not in source.measures:
        raise ValidationError({"measure": _("Choose what to sum or average.")})
    if kpi.aggregate in ("count", "ratio"):
        kpi.measure = ""
    if kpi.aggregate == "ratio" and not kpi.numerator:
        raise ValidationError({"numerator": _("A ratio needs the filters of its numerator.")})
    if kpi.measure and source.measures[kpi.measure].kind == "duration" and kpi.unit != "days":
        raise ValidationError({"unit": _("A duration is measured in days.")})
    _check_filters(source, kpi.filters, "filters")
    _check_filters(source, kpi.numerator, "numerator")
    try:  # compile the query once: a bad definition fails here, not on a page
        today = date.today()
        str(kpis.records(kpi, today, today).query)
    except (FieldError, ValueError, TypeError) as exc:
        raise ValidationError({"filters": _("These filters cannot be applied.")}) from exc


def _check_kpi(kpi: KpiDefinition) -> None:
    if kpi.aggregate not in UNIT_AGGREGATES.get(kpi.unit, set()):
        raise ValidationError({"aggregate": _("This aggregate does not fit the unit.")})
    if kpi.is_manual:
        kpi.source = kpi.measure = kpi.date_field = ""
        kpi.filters, kpi.numerator = {}, {}
        if kpi.aggregate not in ("sum", "avg"):
            raise ValidationError({"aggregate": _("A manual KPI is a sum or an average.")})
    else:
        _check_source(kpi)
    kpi.full_clean()


@transaction.atomic
def kpi_create(*, actor: Any, **fields: Any) -> KpiDefinition:
    """Add a KPI of one of the known kinds to the catalogue (administrators)."""
    _require_admin(actor)
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    kpi = KpiDefinition(**fields)
    _check_kpi(kpi)
    kpi.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=kpi)
    return kpi


@transaction.atomic
def kpi_update(*, actor: Any, kpi: KpiDefinition, **changes: Any) -> KpiDefinition:
    """Change a KPI's definition (administrators); targets keep pointing at it."""
    _require_admin(actor)
    unknown = set(changes) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(kpi)
    for name, value in changes.items():
        setattr(kpi, name, value)
    _check_kpi(kpi)
    kpi.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=kpi, before=before)
    return kpi


def _check_rules(rules: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    ordered = sorted(rules)
    last = 0
    for first, to, pct in ordered:
        if first < 1 or to < first:
            raise ValidationError({"rules": _("Months run from 1, and “to” is not before “from”.")})
        if not 0 <= pct <= 100:
            raise ValidationError({"rules": _("A percent is between 0 and 100.")})
        if first <= last:
            raise ValidationError({"rules": _("The stages overlap (month %(m)s).") % {"m": first}})
        last = to
    return ordered


@transaction.atomic
def ramp_rules_replace(*, actor: Any, rules: list[tuple[int, int, int]]) -> list[RampRule]:
    """Replace the ramp rules for new hires (administrators)."""
    _require_admin(actor)
    ordered = _check_rules(rules)
    for old in RampRule.objects.all():
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=old, before=snapshot(old))
    RampRule.objects.all().delete()
    created = []
    for first, to, pct in ordered:
        rule = RampRule.objects.create(from_month=first, to_month=to, percent=pct)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=rule)
        created.append(rule)
    return created


@transaction.atomic
def manual_result_record(
    *,
    actor: Any,
    kpi: KpiDefinition,
    period: Period,
    value: Any,
    person: User | None = None,
    unit: OrgUnit | None = None,
    note: str = "",
) -> ManualResult:
    """Record the result of a manual KPI for a person or unit and a period (their leaders)."""
    if not kpi.is_manual:
        raise ValidationError({"kpi": _("This KPI is computed from records, not reported.")})
    if (person is None) == (unit is None):
        raise ValidationError({"owner": _("Choose a person or a unit.")})
    if not may_set(actor, person=person, unit=unit):
        raise PermissionDenied(_("You may not report results for %(o)s.") % {"o": person or unit})
    try:
        amount = to_money(value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    result = ManualResult.objects.filter(
        kpi=kpi, period_key=period.key, owner_user=person, owner_unit=unit
    ).first()
    before = snapshot(result) if result else None
    if result is None:
        result = ManualResult(kpi=kpi, owner_user=person, owner_unit=unit)
        result.set_period(period)
    result.value, result.note, result.recorded_by = amount, note.strip(), actor
    result.full_clean(exclude=["recorded_by"])
    result.save()
    _audit(actor, result, before)
    return result
