"""The demo step: targets this year and last, split down exactly (but for the one changed by
hand), over months, with proposals and a believable spread of statuses."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesops.core.demo import DemoContext
from salesops.org.demo import organisation
from salesops.org.models import User
from salesops.targets.demo import targets as targets_step
from salesops.targets.models import Target, TargetRevision
from salesops.targets.selectors import attach
from salesops.targets.tests import support as s

TODAY = date(2026, 11, 22)


@pytest.fixture
def demo(db: Any) -> DemoContext:
    """The demo organisation with a year and a half of won deals written by this test."""
    s.ensure_reference()
    ctx = DemoContext(seed=7, today=TODAY)
    organisation(ctx)
    sellers = list(User.objects.filter(position__in=("rep", "supervisor")).order_by("pk"))
    for i, person in enumerate(sellers):
        for k in range(12):
            day = TODAY - timedelta(days=17 + 41 * k + i % 9)
            amount = Decimal(20_000 + 7_919 * ((i * 13 + k * 7) % 23))
            s.deal(person, str(amount), closed=s.local(day))
    targets_step(ctx)
    return ctx


def _split_exactly() -> None:
    for year in ("2025", "2026"):
        company = Target.objects.get(owner_unit__kind="company", period_key=year)
        regions = Target.objects.filter(parent=company, period_key=year)
        assert regions.count() == 4
        assert sum(r.value for r in regions) == company.value
        months = Target.objects.filter(parent=company).exclude(period_key=year)
        assert months.count() == 12 and sum(m.value for m in months) == company.value
    # every split adds up, but for the team whose rep's target was raised by hand
    raised = TargetRevision.objects.filter(action="changed").select_related("target")
    assert raised.count() == 1
    over = raised[0].target.parent_id
    for parent in Target.objects.filter(children__isnull=False).distinct():
        kids = [k.value for k in parent.children.all() if k.period_key == parent.period_key]
        if kids and parent.pk != over:
            assert sum(kids) == parent.value, parent


def _people_and_statuses() -> None:
    people = list(
        Target.objects.filter(
            period_key="2026", owner_user__isnull=False, kpi__code="won_revenue"
        ).select_related("kpi")
    )
    assert len(people) > 30
    month = Target.objects.filter(
        period_key="2026-11", owner_user__isnull=False, kpi__code="won_revenue"
    )
    assert month.count() == len(people)
    statuses = Counter(t.att.status for t in attach(people, TODAY))
    assert len(statuses) >= 3, statuses
    visits = Target.objects.filter(kpi__code="visits", period_key__in=("2026-10", "2026-11"))
    assert visits.count() > 50


def _proposals() -> None:
    states = Counter(Target.objects.filter(period_key="2027-Q1").values_list("status", flat=True))
    assert states == {"proposed": 2, "returned": 1}


def test_the_demo_sets_believable_targets(demo: DemoContext) -> None:
    # Targets this year and last, split to regions and months, adding up exactly
    _split_exactly()
    # people have monthly targets and a spread of statuses
    _people_and_statuses()
    # and proposals wait for a decision
    _proposals()
