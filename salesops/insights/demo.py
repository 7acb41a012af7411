"""Demo step: the alert scan over the demo company, and half a year of weekly forecast
snapshots so the inbox, the badge and the forecast accuracy charts have content.

Past snapshots are replayed from the deals' history: for each past week, the deals open then
(with the stage they were in, which gives their category as the CRM demo assigns it: closing →
commit, negotiation → best case, else pipeline) and the deals won by then.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from salesops.core.demo import DemoContext, demo_step
from salesops.core.money import CENT, ZERO
from salesops.core.periods import Period
from salesops.crm.models import Opportunity, Stage, StageHistory
from salesops.insights.lens import Window
from salesops.insights.models import AlertDelivery
from salesops.insights.rules import ensure_rules
from salesops.insights.services.alerts import alert_acknowledge, alert_scan, alert_snooze
from salesops.insights.services.forecast import (
    FIELDS,
    Parts,
    SnapshotPeriods,
    forecast_adjust,
    forecast_snapshot_write,
    periods_from,
    person_parts,
)
from salesops.org.models import OrgUnit, User

WEEKS = 26
CATEGORY_AT = {"closing": "commit", "negotiation": "best_case"}


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def replayed_parts(months: list[Period], as_of: datetime) -> Parts:
    """Per (person, month) as the forecast stood at `as_of` (three queries)."""
    open_codes = list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("code", flat=True))
    parts: Parts = defaultdict(lambda: dict.fromkeys(FIELDS, ZERO))
    won = person_parts(months, as_of)
    for key, cell in won.items():
        parts[key]["won"] = cell["won"]
    stay = StageHistory.objects.filter(opportunity=OuterRef("pk"), entered_at__lte=as_of).filter(
        Q(left_at__isnull=True) | Q(left_at__gt=as_of)
    )
    rows = (
        Opportunity.objects.filter(created_at__lte=as_of)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=as_of))
        .filter(expected_close__gte=months[0].start, expected_close__lte=months[-1].end)
        .annotate(
            code=Subquery(stay.order_by("-entered_at").values("stage__code")[:1]),
            prob=Subquery(stay.order_by("-entered_at").values("stage__probability")[:1]),
            month=TruncMonth("expected_close"),
        )
        .filter(code__in=open_codes)
        .values("owner_id", "month", "code", "prob")
        .annotate(s=Sum(F("amount")))
        .order_by()
    )
    for row in rows:
        cell = parts[(row["owner_id"], Period.containing("month", row["month"]).key)]
        amount = row["s"] or ZERO
        cell[CATEGORY_AT.get(row["code"], "pipeline")] += amount
        weighted = amount * Decimal(row["prob"] or 0) / 100
        cell["weighted"] += weighted.quantize(CENT, ROUND_HALF_UP)
    return parts


def backfill_snapshots(today: date, weeks: int = WEEKS) -> int:
    """Weekly snapshots of the past `weeks` weeks, replayed from history."""
    written = 0
    for back in range(weeks, 0, -1):
        day = Period.containing("week", today - timedelta(weeks=back)).start
        as_of = _moment(day, 9)
        months = periods_from(day)
        at = SnapshotPeriods(Period.containing("week", day).key, as_of, months)
        written += forecast_snapshot_write(at=at, parts=replayed_parts(months, as_of))
    return written


def _adjustments(ctx: DemoContext, now: datetime) -> None:
    """Two regional managers adjust this month's call, with their reasons."""
    window = Window.containing("month", ctx.today)
    reasons = {
        "east": (
            "两个承诺签约的大单客户预算审批推迟，可能滑到下月",
            "Two committed deals wait for the "
            "customers' budget approval and may slip to next month",
        ),
        "south": (
            "大客户组有一个最佳情况的订单已口头确认",
            "A best-case deal in Key Accounts was confirmed verbally",
        ),
    }
    for code, (zh, en) in reasons.items():
        unit = OrgUnit.objects.filter(code=code).select_related("leader").first()
        if unit is None or unit.leader is None:
            continue
        parts = person_parts([Period.containing("month", ctx.today)], now)
        paths = dict(User.objects.values_list("pk", "unit__path"))
        call = sum(
            (
                c["won"] + c["commit"]
                for (uid, _k), c in parts.items()
                if (paths.get(uid) or "").startswith(unit.path)
            ),
            ZERO,
        )
        factor = Decimal("0.85") if code == "east" else Decimal("1.10")
        thousands = (call * factor / 1000).quantize(Decimal(1), ROUND_HALF_UP)
        amount = thousands * 1000 or Decimal("100000.00")
        forecast_adjust(
            actor=unit.leader,
            unit=unit,
            window=window,
            amount=amount.quantize(CENT),
            reason=zh if ctx.chinese else en,
        )


def _handled(ctx: DemoContext) -> None:
    """A demo rep has acknowledged one of their alerts and snoozed another."""
    rep = User.objects.filter(username="rep.sh1.1").first()
    if rep is None:
        return
    mine = list(AlertDelivery.objects.filter(user=rep).select_related("alert").order_by("id")[:2])
    if mine:
        alert_acknowledge(actor=rep, alert=mine[0].alert)
    if len(mine) > 1:
        alert_snooze(actor=rep, alert=mine[1].alert, days=3)


@demo_step(40)
def insights(ctx: DemoContext) -> None:
    """The alert scan, forecast history and a couple of manager calls over the demo data."""
    ensure_rules()
    now = _moment(ctx.today, 18)
    backfill_snapshots(ctx.today)
    _adjustments(ctx, now)
    current = periods_from(ctx.today)
    at = SnapshotPeriods(Period.containing("week", ctx.today).key, now, current)
    forecast_snapshot_write(at=at, parts=person_parts(current, now))
    ctx.made["insights"] = {"scan": alert_scan(now=now)}
    _handled(ctx)
