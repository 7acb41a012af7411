"""Forecast: reps place deals in categories, managers adjust their unit's call with a reason,
weekly snapshots are kept (safe to take twice) and give the accuracy of past months."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.core.periods import Period
from salesops.core.services import api_token_create
from salesops.insights.lens import Window
from salesops.insights.models import ForecastAdjustment, ForecastSnapshot
from salesops.insights.selectors.forecast import accuracy, forecast_page
from salesops.insights.services.forecast import (
    SnapshotPeriods,
    forecast_snapshot_take,
    forecast_snapshot_write,
    person_parts,
)
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def month() -> Period:
    make.ensure_reference()
    return Period.containing("month", make.today())


def test_a_rep_places_a_deal_in_a_category(client_for: Any, cast: Any, month: Period) -> None:
    deal = make.deal(cast.rep, "5000.00", stage_code="closing", expected_close=make.today())
    client = client_for("rep")
    page = client.get(reverse("insights:forecast"))
    assert [d.pk for d in page.context["deals"]] == [deal.pk]

    response = client.post(reverse("insights:forecast_category", args=[deal.pk]),
                           {"forecast_category": "commit"}, HTTP_HX_REQUEST="true")  # fmt: skip

    assert response.status_code == 200 and f'data-deal="{deal.pk}"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.forecast_category == "commit"
    assert AuditEntry.objects.filter(object_type="crm.opportunity", object_id=str(deal.pk),
                                     action="update").exists()  # fmt: skip
    total = client.get(reverse("insights:forecast")).context["total"]
    assert (total["commit"], total["call"]) == (Decimal("5000.00"), Decimal("5000.00"))


def test_a_closed_deal_keeps_its_category(client_for: Any, cast: Any, month: Period) -> None:
    deal = make.deal(
        cast.rep, "5000.00", stage_code="won", closed=timezone.now(), category="commit"
    )
    response = client_for("rep").post(
        reverse("insights:forecast_category", args=[deal.pk]), {"forecast_category": "omitted"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.forecast_category == "commit"


def test_the_category_api_changes_an_open_deal(client_for: Any, cast: Any, month: Period) -> None:
    deal = make.deal(cast.rep, "5000.00", stage_code="proposal")
    _, secret = api_token_create(actor=cast.rep, name="t")
    url = reverse("api:insights_forecast_category_set", kwargs={"opportunity_id": deal.pk})
    bad = client_for(None).post(url, data=json.dumps({"forecast_category": "maybe"}),
                                content_type="application/json",
                                HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
    assert bad.status_code == 400 and "forecast_category" in bad.json()["errors"]
    ok = client_for(None).post(url, data=json.dumps({"forecast_category": "best_case"}),
                               content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
    assert ok.json() == {"id": deal.pk, "forecast_category": "best_case"}


def test_a_manager_adjusts_the_call_with_a_reason(
    client_for: Any, cast: Any, month: Period
) -> None:
    make.deal(cast.rep, "1000.00", stage_code="won", closed=timezone.now())
    make.deal(cast.peer_rep, "2000.00", stage_code="closing", expected_close=make.today(),
              category="commit")  # fmt: skip
    north = cast.units["north"]
    client = client_for("manager")
    url = reverse("insights:forecast_adjust", args=[north.pk]) + f"?period={month.key}"

    refused = client.post(url, {"amount": "2500.00", "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    assert not ForecastAdjustment.objects.exists()

    response = client.post(url, {"amount": "2500.00", "reason": "The peer's commit may slip"})
    assert response.status_code == 302
    row = ForecastAdjustment.objects.get()
    assert (row.owner_unit, row.period_key, row.amount, row.author) == (
        north,
        month.key,
        Decimal("2500.00"),
        cast.manager,
    )
    page = client.get(reverse("insights:forecast"), {"unit": north.pk, "period": month.key})
    total = page.context["total"]
    assert (total["call"], total["final"]) == (Decimal("3000.00"), Decimal("2500.00"))
    assert page.context["rows"][0]["unit"] == cast.units["n1"]  # one row per unit below


def test_only_leaders_of_the_unit_adjust_it(client_for: Any, cast: Any, month: Period) -> None:
    north = cast.units["north"]
    url = reverse("insights:forecast_adjust", args=[north.pk]) + f"?period={month.key}"
    data = {"amount": "1.00", "reason": "No"}
    assert client_for("other_manager").post(url, data).status_code == 404
    assert client_for("supervisor").post(url, data).status_code == 404  # leads n1 only
    assert client_for("rep").post(url, data).status_code == 403
    assert not ForecastAdjustment.objects.exists()


def test_snapshots_roll_up_and_are_safe_to_take_twice(cast: Any, month: Period) -> None:
    make.deal(cast.rep, "1000.00", stage_code="won", closed=timezone.now())
    make.deal(cast.rep, "4000.00", stage_code="closing", expected_close=make.today(),
              category="commit")  # fmt: skip
    make.deal(cast.peer_rep, "2000.00", stage_code="need", expected_close=make.today())

    first = forecast_snapshot_take()
    again = forecast_snapshot_take()

    assert first == again == ForecastSnapshot.objects.count()
    rows = ForecastSnapshot.objects.filter(period_key=month.key)
    rep = rows.get(owner_user=cast.rep)
    assert (rep.won, rep.commit, rep.call) == (Decimal("1000.00"), Decimal("4000.00"),
                                               Decimal("5000.00"))  # fmt: skip
    n1 = rows.get(owner_unit=cast.units["n1"])
    assert (n1.pipeline, n1.call, n1.adjusted) == (Decimal("2000.00"), Decimal("5000.00"), False)
    acme = rows.get(owner_unit=cast.units["acme"])
    assert acme.call == n1.call


def test_accuracy_compares_past_calls_with_what_was_won(cast: Any, month: Period) -> None:
    last = month.previous()
    taken = make.local(last.start, 9)
    parts = {(cast.rep.pk, last.key): {"won": Decimal("0.00"), "commit": Decimal("800.00"),
             "best_case": Decimal("0.00"), "pipeline": Decimal("0.00"),
             "omitted": Decimal("0.00"), "weighted": Decimal("720.00")}}  # fmt: skip
    at = SnapshotPeriods(Period.containing("week", last.start).key, taken, [last])
    forecast_snapshot_write(at=at, parts=parts)
    make.deal(
        cast.rep, "1000.00", stage_code="won", closed=make.local(last.start + timedelta(days=5))
    )

    rows = accuracy(make.lens(cast.rep, person=cast.rep), make.metrics_kpi("won_revenue"))

    row = next(r for r in rows if r["period"] == last)
    assert (row["start"].call, row["actual"], row["start_accuracy"]) == (
        Decimal("800.00"),
        Decimal("1000.00"),
        Decimal("80.0"),
    )


def test_person_parts_count_won_and_open_by_category(cast: Any, month: Period) -> None:
    make.deal(cast.rep, "300.00", stage_code="won", closed=timezone.now())
    make.deal(
        cast.rep, "100.00", stage_code="lead", expected_close=make.today(), category="omitted"
    )
    parts = person_parts([month], timezone.now())
    cell = parts[(cast.rep.pk, month.key)]
    assert (cell["won"], cell["omitted"], cell["weighted"]) == (
        Decimal("300.00"),
        Decimal("100.00"),
        Decimal("10.00"),
    )


def test_a_custom_window_cannot_be_adjusted(cast: Any, month: Period) -> None:
    window = Window.parse(f"{month.start}..{month.start + timedelta(days=9)}")
    lens = make.lens(cast.manager, window, unit=cast.units["north"])
    assert forecast_page(lens)["may_adjust"] is False


def test_the_snapshot_command_is_safe_to_run_twice(cast: Any, month: Period, capsys: Any) -> None:
    from django.core.management import call_command

    make.deal(cast.rep, "4000.00", stage_code="closing", expected_close=make.today(),
              category="commit")  # fmt: skip
    call_command("insights_snapshot")
    call_command("insights_snapshot")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1] == f"Forecast snapshot rows written: {ForecastSnapshot.objects.count()}"


def test_a_channel_manager_forecasts_their_partners_deals(client_for: Any, cast: Any,
                                                         month: Period) -> None:  # fmt: skip
    from salesops.crm.models import Partner

    partner = Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                                     channel_manager=cast.channel_manager)  # fmt: skip
    deal = make.deal(cast.rep, "900.00", stage_code="proposal", expected_close=make.today(),
                     partner=partner)  # fmt: skip
    make.deal(cast.rep, "100.00", stage_code="proposal", expected_close=make.today())
    page = client_for("channel_manager").get(reverse("insights:forecast"))
    assert [(d.pk, d.can_change) for d in page.context["deals"]] == [(deal.pk, False)]
    assert page.context["total"]["pipeline"] == Decimal("900.00")
