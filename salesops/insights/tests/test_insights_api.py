"""The insights API: alerts, funnel, forecast and the managers' table, as JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesops.core.services import api_token_create
from salesops.insights.lens import Window
from salesops.insights.models import AlertDelivery, ForecastAdjustment
from salesops.insights.services.alerts import alert_scan
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


def _post(user: Any, url: str, data: dict[str, Any]) -> Any:
    _, secret = api_token_create(actor=user, name="t")
    return Client().post(url, data=json.dumps(data), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip


@pytest.fixture
def slipped(cast: Any) -> Any:
    make.ensure_reference()
    deal = make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3, name="Slip")
    alert_scan()
    return deal


def test_alerts_are_listed_acknowledged_and_snoozed(
    client_for: Any, cast: Any, slipped: Any
) -> None:
    listed = client_for("rep").get(reverse("api:insights_alert_list"), HTTP_ACCEPT_LANGUAGE="en")
    listed = listed.json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["rule"], item["opportunity_id"], item["subject"]) == (
        "close-date-slipped",
        slipped.pk,
        f"Slip · {slipped.customer.name}",
    )
    assert item["text"].startswith("The close date moved out 3 times")

    url = reverse("api:insights_alert_snooze", kwargs={"alert_id": item["id"]})
    refused = _post(cast.rep, url, {"days": 90})
    assert refused.status_code == 400 and "days" in refused.json()["errors"]
    assert _post(cast.rep, url, {"days": 2}).json()["snoozed_until"]
    ack = reverse("api:insights_alert_acknowledge", kwargs={"alert_id": item["id"]})
    assert _post(cast.supervisor, ack, {}).json()["acknowledged_at"]
    states = dict(AlertDelivery.objects.values_list("user__username", "acknowledged_at"))
    assert states["rep"] is None and states["supervisor"] is not None
    assert client_for("rep").get(reverse("api:insights_alert_list")).json()["count"] == 0


def test_funnel_and_forecast_as_json(client_for: Any, cast: Any) -> None:
    make.ensure_reference()
    make.deal(cast.rep, "1000.00", stage_code="won", closed=timezone.now())
    make.deal(cast.rep, "700.00", stage_code="lost", closed=timezone.now(), lost_reason="price")
    make.deal(cast.rep, "300.00", stage_code="closing", expected_close=make.today(),
              category="commit")  # fmt: skip
    client = client_for("rep")
    funnel = client.get(reverse("api:insights_funnel_summary")).json()
    assert (funnel["won"], funnel["won_count"], funnel["win_rate_pct"]) == ("1000.00", 1, "50.00")
    assert funnel["lost_reasons"] == [{"reason": "price", "count": 1, "amount": "700.00"}]
    forecast = client.get(reverse("api:insights_forecast_rollup")).json()
    assert (forecast["person_id"], forecast["won"], forecast["commit"], forecast["call"]) == (
        cast.rep.pk,
        "1000.00",
        "300.00",
        "1300.00",
    )


def test_a_manager_adjusts_through_the_api(cast: Any) -> None:
    make.ensure_reference()
    north = cast.units["north"]
    url = reverse("api:insights_forecast_adjust", kwargs={"unit_id": north.pk})
    period = Window.containing("month", make.today()).key
    bad = _post(cast.manager, url, {"period": "someday", "amount": "10.00", "reason": "x y z"})
    assert bad.status_code == 400 and "period" in bad.json()["errors"]
    assert not ForecastAdjustment.objects.exists()
    ok = _post(cast.manager, url, {"period": period, "amount": "1234.50", "reason": "Big slip"})
    assert ok.status_code == 201 and ok.json()["amount"] == "1234.50"
    assert _post(cast.other_manager, url, {"period": period, "amount": "1.00",
                                           "reason": "Not mine"}).status_code == 404  # fmt: skip
    assert ForecastAdjustment.objects.get().amount == Decimal("1234.50")


def test_the_managers_table_as_json(client_for: Any, cast: Any) -> None:
    make.ensure_reference()
    make.deal(cast.outside_rep, "400.00", stage_code="won", closed=timezone.now())
    rows = client_for("director").get(reverse("api:insights_manager_table")).json()
    by_unit = {r["unit_id"]: r for r in rows}
    assert by_unit[cast.units["south"].pk]["won"] == "400.00"
    assert by_unit[cast.units["north"].pk]["won"] == "0.00"
