"""Forecast accuracy: for each of the last closed months, the call kept in the weekly
snapshots at the month's start and halfway against what was won."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from salesops.core.money import ZERO
from salesops.core.periods import Period
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window
from salesops.insights.models import ForecastSnapshot

TENTH = Decimal("0.1")


def closed_months(lens: Lens, months: int = 6) -> list[Period]:
    """The last `months` months before the current one (those accuracy compares)."""
    closed = [Period.containing("month", lens.today).previous()]
    while len(closed) < months:
        closed.insert(0, closed[0].previous())
    return closed


def _pick(snaps: list[ForecastSnapshot], by: Any) -> ForecastSnapshot | None:
    before = [s for s in snaps if timezone.localtime(s.taken_at).date() <= by]
    return before[-1] if before else (snaps[0] if snaps else None)


def _accuracy(call: Decimal | None, actual: Decimal) -> Decimal | None:
    if call is None or actual <= 0:
        return None
    miss = abs(call - actual) * 100 / actual
    return max(Decimal(0), Decimal(100) - miss).quantize(TENTH, ROUND_HALF_UP)


def accuracy(
    lens: Lens, kpi: Any, months: int = 6, won: dict[str, metrics.Parts] | None = None
) -> list[dict[str, Any]]:
    """For each of the last closed months: the call at the month's start and halfway, what
    was won (`won` per month key when read already), and how accurate each call was
    (100% − miss ÷ actual). Two queries (one with `won`)."""
    if lens.person is None and lens.unit is None:
        return []
    closed = closed_months(lens, months)
    qs = ForecastSnapshot.objects.visible_to(lens.actor).filter(
        period_key__in=[m.key for m in closed]
    )
    if lens.person is not None:
        qs = qs.filter(owner_user=lens.person)
    else:
        qs = qs.filter(owner_unit=lens.unit)
    snaps: dict[str, list[ForecastSnapshot]] = {}
    for snap in qs.order_by("taken_at", "id"):
        snaps.setdefault(snap.period_key, []).append(snap)
    if won is None:
        span = replace(lens, window=Window(closed[0].start, closed[-1].end, "custom"))
        records = metrics.dated(span, kpi, span.window.start, span.window.end)
        won = {
            k[0]: p
            for k, p in metrics.by_bucket(
                records, kpi, "month", span.window.start, span.window.end
            ).items()
        }
    result = []
    for month in closed:
        actual = won.get(month.key, {}).get("total", ZERO)
        start = _pick(snaps.get(month.key, []), month.start)
        mid = _pick(snaps.get(month.key, []), month.start.replace(day=15))
        result.append(
            {
                "period": month,
                "actual": actual,
                "start": start,
                "mid": mid,
                "start_accuracy": _accuracy(start.call if start else None, actual),
                "mid_accuracy": _accuracy(mid.call if mid else None, actual),
            }
        )
    return result
