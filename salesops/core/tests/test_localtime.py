"""Local dates and period starts of stored timestamps, computed by the database, equal the
ones computed in Python — around local midnight, on Sundays, at quarter and year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import timezone

from salesops.core.localtime import date_start, local_date, local_trunc
from salesops.core.periods import Period
from salesops.crm.models import Activity, Customer, Opportunity, Stage

pytestmark = pytest.mark.django_db

MOMENTS = [
    datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC),  # 23:59:59 local, last day of Q1
    datetime(2026, 3, 31, 16, 0, 0, tzinfo=UTC),  # 00:00 local, 1 April
    datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC),  # a Sunday
    datetime(2026, 11, 22, 16, 30, 0, tzinfo=UTC),  # Monday 00:30 local
    datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC),  # 1 January 01:00 local
]


def _local(moment: datetime) -> Any:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _as_day(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).date()
    return value


def test_local_dates_and_period_starts_match_python(cast: Any) -> None:
    for i, moment in enumerate(MOMENTS):
        Activity.objects.create(owner=cast.rep, kind="call", subject=f"s{i}", status="done",
                                done_at=moment)  # fmt: skip
    qs = Activity.objects.order_by("done_at").annotate(
        day=local_date("done_at"),
        week=local_trunc("done_at", "week"),
        month=local_trunc("done_at", "month"),
        quarter=local_trunc("done_at", "quarter"),
        year=local_trunc("done_at", "year"),
    )
    for row, moment in zip(qs, sorted(MOMENTS), strict=True):
        day = _local(moment)
        assert row.day == day
        for kind in ("week", "month", "quarter", "year"):
            assert _as_day(getattr(row, kind)) == Period.containing(kind, day).start, (kind, moment)


def test_period_starts_of_a_date_field_match_python(cast: Any) -> None:
    days = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 11, 22), date(2026, 11, 23)]
    customer = Customer.objects.create(name="Dates", owner=cast.rep)
    stage = Stage.objects.get(code="lead")
    for i, day in enumerate(days):
        Opportunity.objects.create(
            name=f"o{i}", customer=customer, owner=cast.rep, stage=stage, amount=1,
            expected_close=day, stage_entered_at=timezone.now(),
        )  # fmt: skip
    kinds = ("week", "month", "quarter", "year")
    qs = Opportunity.objects.order_by("expected_close").annotate(
        **{kind: date_start("expected_close", kind) for kind in kinds}
    )
    for row, day in zip(qs, days, strict=True):
        for kind in kinds:
            assert getattr(row, kind) == Period.containing(kind, day).start, (kind, day)
