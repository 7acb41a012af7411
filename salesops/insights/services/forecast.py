"""Forecast writes: a deal's forecast category (through the CRM's deal service), a manager's
adjustment of their unit's call, and the weekly snapshots kept for forecast accuracy.

The call of a person is what they have won in the period plus their open deals in "commit"
expected to close in it; a unit's call is the sum over its people, unless its manager adjusted
it — then the latest adjustment counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record
from salesops.core.models import AuditEntry
from salesops.core.money import ZERO, to_money
from salesops.core.periods import Period
from salesops.crm.models import Opportunity, Stage
from salesops.crm.selectors.sales import weighted_amount
from salesops.crm.services.sales import opportunity_update
from salesops.insights.lens import Window, led_units
from salesops.insights.models import ForecastAdjustment, ForecastSnapshot
from salesops.org.models import OrgUnit, User

CATEGORIES = tuple(Opportunity.Forecast.values)
FIELDS = ("won", *CATEGORIES, "weighted")
SNAPSHOT_MONTHS = 3


@transaction.atomic
def forecast_category_set(*, actor: Any, opportunity: Opportunity, category: str) -> Opportunity:
    """Place an open deal in a forecast category (commit, best case, pipeline, omitted)."""
    if category not in CATEGORIES:
        raise ValidationError({"forecast_category": _("Choose one of the forecast categories.")})
    if opportunity.closed_at is not None or opportunity.stage.kind != Stage.Kind.OPEN:
        raise ValidationError(
            {"forecast_category": _("The deal is closed; its forecast no longer changes.")}
        )
    return opportunity_update(actor=actor, opportunity=opportunity, forecast_category=category)


@transaction.atomic
def forecast_adjust(
    *, actor: Any, unit: OrgUnit, window: Window, amount: Any, reason: str
) -> ForecastAdjustment:
    """Set a unit's forecast call for a period, with the reason; the latest one counts."""
    if not led_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied
    errors: dict[str, str] = {}
    if window.period is None:
        errors["period"] = _("Adjust a month, a quarter or a year.")
    try:
        value = to_money(amount)
        if value < ZERO:
            errors["amount"] = _("The forecast cannot be negative.")
    except ValidationError as exc:
        errors["amount"] = exc.messages[0]
    reason = (reason or "").strip()
    if len(reason) < 3:
        errors["reason"] = _("Say why you adjust the forecast.")
    if errors:
        raise ValidationError(errors)
    row = ForecastAdjustment.objects.create(
        owner_unit=unit,
        period_kind=window.kind,
        period_key=window.key,
        period_start=window.start,
        period_end=window.end,
        amount=value,
        reason=reason[:300],
        author=actor,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=row, reason=reason)
    return row


# --- weekly snapshots --------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotPeriods:
    week_key: str
    taken_at: datetime
    months: list[Period]


def periods_from(today: date, count: int = SNAPSHOT_MONTHS) -> list[Period]:
    """The month of `today` and the `count - 1` months after it."""
    months = [Period.containing("month", today)]
    while len(months) < count:
        months.append(months[-1].next())
    return months


Parts = dict[tuple[int, str], dict[str, Decimal]]


def person_parts(months: list[Period], now: datetime) -> Parts:
    """Per (person, month): won so far, open amounts by category and weighted (two queries)."""
    from salesops.targets.kpis import local_bounds

    first, after = local_bounds(months[0].start, months[-1].end)
    parts: Parts = defaultdict(lambda: dict.fromkeys(FIELDS, ZERO))
    month = TruncMonth("closed_at", tzinfo=timezone.get_default_timezone())
    won = (
        Opportunity.objects.filter(stage__kind=Stage.Kind.WON, closed_at__gte=first)
        .filter(closed_at__lt=after, closed_at__lte=now)
        .annotate(m=month)
        .values("owner_id", "m")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for row in won:
        key = Period.containing("month", timezone.localtime(row["m"]).date()).key
        parts[(row["owner_id"], key)]["won"] += row["s"] or ZERO
    open_ = (
        Opportunity.objects.filter(stage__kind=Stage.Kind.OPEN, closed_at__isnull=True)
        .filter(expected_close__gte=months[0].start, expected_close__lte=months[-1].end)
        .annotate(m=TruncMonth("expected_close"), weighted=weighted_amount())
        .values("owner_id", "m", "forecast_category")
        .annotate(s=Sum("amount"), w=Sum("weighted"), n=Count("pk"))
        .order_by()
    )
    for row in open_:
        key = Period.containing("month", row["m"]).key
        cell = parts[(row["owner_id"], key)]
        cell[row["forecast_category"]] += row["s"] or ZERO
        cell["weighted"] += row["w"] or ZERO
    return parts


def latest_adjustments(
    keys: Iterable[str], until: datetime | None = None, units: Iterable[int] | None = None
) -> dict[tuple[int, str], ForecastAdjustment]:
    """The adjustment that counts per (unit, period key), as of `until` (one query)."""
    qs = ForecastAdjustment.objects.filter(period_key__in=list(keys)).select_related("author")
    if units is not None:
        qs = qs.filter(owner_unit__in=list(units))
    if until is not None:
        qs = qs.filter(created_at__lte=until)
    found: dict[tuple[int, str], ForecastAdjustment] = {}
    for row in qs.order_by("created_at", "id"):
        found[(row.owner_unit_id, row.period_key)] = row
    return found


def _ancestry(path: str) -> list[int]:
    """The ids of a unit and every unit above it, from its materialised path ("/1/4/9/")."""
    return [int(part) for part in path.strip("/").split("/") if part]


def _call(cell: dict[str, Decimal]) -> Decimal:
    return cell["won"] + cell["commit"]


def snapshot_rows(at: SnapshotPeriods, parts: Parts) -> list[ForecastSnapshot]:
    """Snapshot rows for people and for every unit above them (units: people's current unit;
    a unit's call is its latest adjustment when there is one). Two queries."""
    keys = [m.key for m in at.months]
    by_key = {m.key: m for m in at.months}
    home = dict(User.objects.filter(pk__in={o for o, _k in parts}).values_list("pk", "unit__path"))
    adjusted = latest_adjustments(keys, at.taken_at)
    unit_parts: Parts = defaultdict(lambda: dict.fromkeys(FIELDS, ZERO))
    rows = []
    for (owner, key), cell in parts.items():
        rows.append(_row(at, by_key[key], cell, owner_user_id=owner, call=_call(cell)))
        for unit_id in _ancestry(home.get(owner) or ""):
            total = unit_parts[(unit_id, key)]
            for name in FIELDS:
                total[name] += cell[name]
    for (unit_id, key), cell in unit_parts.items():
        adj = adjusted.get((unit_id, key))
        call = adj.amount if adj is not None else _call(cell)
        rows.append(
            _row(at, by_key[key], cell, owner_unit_id=unit_id, call=call, adjusted=bool(adj))
        )
    return rows


def _row(
    at: SnapshotPeriods, month: Period, cell: dict[str, Decimal], **values: Any
) -> ForecastSnapshot:
    return ForecastSnapshot(
        week_key=at.week_key,
        taken_at=at.taken_at,
        period_key=month.key,
        period_start=month.start,
        period_end=month.end,
        **{n: cell[n] for n in FIELDS},
        **values,
    )


@transaction.atomic
def forecast_snapshot_write(*, at: SnapshotPeriods, parts: Parts) -> int:
    """Replace the week's snapshot of these months with new rows (safe to run twice)."""
    keys = [m.key for m in at.months]
    ForecastSnapshot.objects.filter(week_key=at.week_key, period_key__in=keys).delete()
    rows = snapshot_rows(at, parts)
    ForecastSnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def forecast_snapshot_take(*, now: datetime | None = None) -> int:
    """Take this week's forecast snapshot of the current month and the next two; taking it
    again in the same week replaces it. Returns the number of rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = periods_from(today)
    at = SnapshotPeriods(Period.containing("week", today).key, now, months)
    return forecast_snapshot_write(at=at, parts=person_parts(months, now))
