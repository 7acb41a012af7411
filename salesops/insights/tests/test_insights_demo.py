"""The insights demo step over a demo company whose CRM records the test makes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from salesops.core.demo import DemoContext
from salesops.core.periods import Period
from salesops.insights.demo import WEEKS, insights
from salesops.insights.models import Alert, AlertDelivery, ForecastAdjustment, ForecastSnapshot
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.org.demo import organisation
from salesops.org.models import User

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


def _crm(today: date) -> dict[str, Any]:
    """A little history: a won deal two months ago, a stuck deal, an overdue key customer."""
    make.ensure_reference()
    rep = User.objects.get(username="rep.sh1.1")
    now = make.local(today, 18)
    closed = now - timedelta(days=60)
    won = make.deal(rep, "80000.00", stage_code="won", closed=closed,
                    created=now - timedelta(days=120), expected_close=closed.date())  # fmt: skip
    stuck = make.deal(rep, "50000.00", stage_code="proposal", entered=now - timedelta(days=45),
                      created=now - timedelta(days=90), expected_close=today)  # fmt: skip
    late = make.customer(rep, "key", last_contact_at=now - timedelta(days=40))
    return {"rep": rep, "won": won, "stuck": stuck, "late": late}


def test_the_demo_step_leaves_alerts_and_a_forecast_history() -> None:
    ctx = DemoContext(seed=2026, today=TODAY)
    organisation(ctx)
    made = _crm(TODAY)

    insights(ctx)

    keys = set(Alert.objects.values_list("subject_key", flat=True))
    assert f"opportunity:{made['stuck'].pk}" in keys
    assert f"customer:{made['late'].pk}" in keys
    weeks = set(ForecastSnapshot.objects.values_list("week_key", flat=True))
    assert Period.containing("week", TODAY).key in weeks
    assert 15 <= len(weeks) <= WEEKS + 1  # the weeks since the first deal was opened
    two_months_ago = Period.containing("month", TODAY - timedelta(days=60)).key
    won = ForecastSnapshot.objects.filter(owner_user=made["rep"], period_key=two_months_ago)
    assert won.order_by("-taken_at").first().won == made["won"].amount
    assert ForecastAdjustment.objects.filter(owner_unit__code__in=["east", "south"]).count() == 2
    handled = AlertDelivery.objects.filter(user=made["rep"], acknowledged_at__isnull=False)
    assert handled.count() == 1
