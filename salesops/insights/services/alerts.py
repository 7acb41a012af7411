"""Alert writes: the scan (new, kept and resolved alerts per rule), acknowledging and snoozing,
and administrators' changes to a rule.

The scan is safe to run twice: an alert is unique per rule and subject while it is open (a
partial unique constraint), so a second run finds the same subjects open and creates nothing;
subjects no longer found are resolved. Each rule is scanned in its own transaction with the
rule row locked, so two scans of one rule queue instead of racing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.insights.models import Alert, AlertDelivery, AlertRule
from salesops.insights.scan import Finding, rule_findings
from salesops.org.models import OrgUnit, User

MAX_SNOOZE_DAYS = 30
BATCH = 1000  # rows per statement in the scan's writes (SQLite allows 32,766 parameters)


class Chain:
    """Who is above whom: a person's manager, else the leader of their unit or of the nearest
    unit above it that someone else leads (two queries for the whole company)."""

    def __init__(self) -> None:
        self.manager: dict[int, int | None] = {}
        self.unit: dict[int, int | None] = {}
        self.active: set[int] = set()
        for pk, manager_id, unit_id, active in User.objects.values_list(
            "pk", "manager_id", "unit_id", "is_active"
        ):
            self.manager[pk], self.unit[pk] = manager_id, unit_id
            if active:
                self.active.add(pk)
        self.units = {
            pk: (leader_id, parent_id)
            for pk, leader_id, parent_id in OrgUnit.objects.values_list(
                "pk", "leader_id", "parent_id"
            )
        }

    def up(self, uid: int) -> int | None:
        """The person directly above `uid`, or None at the top."""
        manager = self.manager.get(uid)
        if manager and manager != uid:
            return manager
        unit = self.unit.get(uid)
        while unit:
            leader, parent = self.units.get(unit, (None, None))
            if leader and leader != uid:
                return leader
            unit = parent
        return None

    def recipients(self, owner_id: int, levels: int) -> list[tuple[int, str]]:
        """The owner and `levels` people up the chain (active ones), with why they get it."""
        found: list[tuple[int, str]] = []
        if owner_id in self.active:
            found.append((owner_id, AlertDelivery.Reason.OWNER))
        current: int | None = owner_id
        seen = {owner_id}
        for _i in range(levels):
            current = self.up(current) if current else None
            if current is None or current in seen:
                break
            seen.add(current)
            if current in self.active:
                found.append((current, AlertDelivery.Reason.CHAIN))
        return found


@dataclass(frozen=True)
class ScanResult:
    found: int
    created: int
    resolved: int


def _new_alerts(rule: AlertRule, found: dict[str, Finding], keys: set[str], now: datetime) -> Any:
    alerts = [
        Alert(
            rule=rule,
            subject_key=key,
            owner_id=found[key].owner_id,
            severity=rule.severity,
            opportunity_id=found[key].opportunity_id,
            customer_id=found[key].customer_id,
            target_id=found[key].target_id,
            unit_id=found[key].unit_id,
            detail=found[key].detail,
            first_seen_at=now,
            last_seen_at=now,
        )
        for key in sorted(keys)
    ]
    created = Alert.objects.bulk_create(alerts, batch_size=500)
    if not any(a.pk for a in created):  # a backend that returns no ids: read them back
        created = list(Alert.objects.filter(rule=rule, subject_key__in=keys, resolved_at=None))
    return created


def _deliver(alerts: list[Alert], levels: int, chain: Chain) -> None:
    rows = [
        AlertDelivery(alert=alert, user_id=uid, reason=reason)
        for alert in alerts
        for uid, reason in chain.recipients(alert.owner_id, levels)
    ]
    AlertDelivery.objects.bulk_create(rows, batch_size=1000)


def _audit_bulk(alerts: list[tuple[int, str]], action: str, reason: str) -> None:
    """One audit entry per alert (id, text), a thousand per insert (the scan acts for nobody)."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                action=action,
                object_type="insights.alert",
                object_id=str(pk),
                object_repr=text[:200],
                reason=reason,
            )
            for pk, text in alerts
        ],
        batch_size=1000,
    )


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    """The items in slices of BATCH."""
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _refresh(rule: AlertRule, changed: list[tuple[int, dict[str, Any]]], now: datetime) -> None:
    """Kept alerts are seen now, with the figures of this scan where they changed: those a
    thousand rows per statement (the CASE bulk_update would build, whose expressions cost more
    in Python than the whole scan), then the unchanged ones in one update."""
    field, table = Alert._meta.get_field("detail"), Alert._meta.db_table
    for batch in _chunks(changed):
        cases = " ".join(["WHEN %s THEN %s"] * len(batch))
        marks = ", ".join(["%s"] * len(batch))
        params = [
            x for pk, detail in batch for x in (pk, field.get_db_prep_value(detail, connection))
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET detail = CASE id {cases} END, last_seen_at = %s"  # noqa: S608
                f" WHERE id IN ({marks})",
                [*params, now, *(pk for pk, _detail in batch)],
            )
    open_alerts = Alert.objects.filter(rule=rule, resolved_at__isnull=True)
    open_alerts.exclude(last_seen_at=now).update(last_seen_at=now)


@transaction.atomic
def alert_scan_rule(
    *, rule: AlertRule, now: datetime | None = None, chain: Chain | None = None
) -> ScanResult:
    """Scan one rule: open alerts for new findings, keep the rest, resolve the gone ones."""
    now = now or timezone.now()
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    found = rule_findings(rule, now)
    open_alerts = Alert.objects.filter(rule=rule, resolved_at__isnull=True)
    current = {key: (pk, detail) for pk, key, detail in
               open_alerts.values_list("pk", "subject_key", "detail")}  # fmt: skip
    new_keys = set(found) - set(current)
    gone = [(pk, f"{rule.pk}:{key}") for key, (pk, _d) in current.items() if key not in found]
    created = _new_alerts(rule, found, new_keys, now) if new_keys else []
    _deliver(created, rule.escalate, chain or Chain())
    for batch in _chunks(gone):
        Alert.objects.filter(pk__in=[pk for pk, _text in batch]).update(resolved_at=now)
    changed = [(pk, found[key].detail) for key, (pk, detail) in current.items()
               if key in found and found[key].detail != detail]  # fmt: skip
    _refresh(rule, changed, now)
    _audit_bulk([(a.pk, str(a)) for a in created], AuditEntry.Action.CREATE, "scan")
    _audit_bulk(gone, AuditEntry.Action.UPDATE, "resolved by scan")
    rule.last_run_at, rule.last_found = now, len(found)
    rule.save(update_fields=["last_run_at", "last_found"])
    return ScanResult(len(found), len(created), len(gone))


def alert_scan(
    *, now: datetime | None = None, codes: list[str] | None = None
) -> dict[str, ScanResult]:
    """Scan every rule (or those named), each in its own transaction; safe to run twice."""
    now = now or timezone.now()
    chain = Chain()
    rules = AlertRule.objects.order_by("kind", "code")
    if codes:
        rules = rules.filter(code__in=codes)
    return {rule.code: alert_scan_rule(rule=rule, now=now, chain=chain) for rule in rules}


# --- a person's handling of an alert ----------------------------------------------------------


def _delivery_for(actor: Any, alert: Alert) -> AlertDelivery:
    if alert.resolved_at is not None:
        raise ValidationError({"alert": _("This alert is resolved already.")})
    delivery, _created = AlertDelivery.objects.select_for_update().get_or_create(
        alert=alert, user=actor, defaults={"reason": AlertDelivery.Reason.VIEWER}
    )
    return delivery


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert: Alert) -> AlertDelivery:
    """Mark an open alert as seen and handled by the actor (it leaves their badge)."""
    delivery = _delivery_for(actor, alert)
    before = snapshot(delivery)
    delivery.acknowledged_at, delivery.snoozed_until = timezone.now(), None
    delivery.save(update_fields=["acknowledged_at", "snoozed_until"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=delivery, before=before)
    return delivery


@transaction.atomic
def alert_snooze(*, actor: Any, alert: Alert, days: int) -> AlertDelivery:
    """Hide an open alert from the actor for some days; it comes back if still open."""
    if not isinstance(days, int) or not 1 <= days <= MAX_SNOOZE_DAYS:
        raise ValidationError({"days": _("Snooze for 1 to %(n)d days.") % {"n": MAX_SNOOZE_DAYS}})
    delivery = _delivery_for(actor, alert)
    before = snapshot(delivery)
    delivery.snoozed_until, delivery.acknowledged_at = timezone.now() + timedelta(days=days), None
    delivery.save(update_fields=["snoozed_until", "acknowledged_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=delivery, before=before)
    return delivery


# --- administrators' rule settings -----------------------------------------------------------

NEEDS: dict[str, tuple[str, ...]] = {
    AlertRule.Kind.STUCK_DEAL: ("percentile", "min_samples", "days"),
    AlertRule.Kind.UNCONTACTED: ("tiers",),
    AlertRule.Kind.BEHIND_PACE: ("kpi_code", "period_kind", "percent"),
    AlertRule.Kind.SLIPPED: ("count",),
    AlertRule.Kind.IDLE_LARGE_DEAL: ("min_amount", "days"),
}
RULE_FIELDS = (
    "name",
    "is_active",
    "severity",
    "escalate",
    "days",
    "percentile",
    "min_samples",
    "min_amount",
    "count",
    "percent",
    "kpi_code",
    "period_kind",
    "tiers",
)


def _rule_errors(rule: AlertRule) -> dict[str, str]:
    errors = {
        f: _("This rule needs a value here.")
        for f in NEEDS[rule.kind]
        if getattr(rule, f) in (None, "")
    }
    if rule.percentile is not None and not 50 <= rule.percentile <= 99:
        errors["percentile"] = _("Choose a percentile from 50 to 99.")
    if rule.escalate > 3:
        errors["escalate"] = _("Escalate at most three levels up.")
    if rule.percent is not None and not 1 <= rule.percent <= 100:
        errors["percent"] = _("Choose a percentage from 1 to 100.")
    from salesops.crm.models.choices import Tier

    if rule.tiers and set(rule.tier_list) - set(Tier.values):
        errors["tiers"] = _("Use tier codes: strategic, key, core, general.")
    if rule.kind == AlertRule.Kind.BEHIND_PACE and rule.kpi_code:
        from salesops.targets.models import KpiDefinition

        if not KpiDefinition.objects.filter(code=rule.kpi_code, is_manual=False).exists():
            errors["kpi_code"] = _("No computed KPI has this code.")
    return errors


@transaction.atomic
def alert_rule_update(*, actor: Any, rule: AlertRule, **changes: Any) -> AlertRule:
    """Change a rule's name, switch, severity, escalation or thresholds (administrators)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(rule)
    for name, value in changes.items():
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    rule.tiers = ",".join(rule.tier_list)
    errors = _rule_errors(rule)
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=rule, before=before)
    return rule
