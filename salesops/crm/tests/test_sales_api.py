"""The sales API: JSON in and out, refusals with reasons in the 400 body, visibility."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesops.core.services import api_token_create
from salesops.crm.models import Activity, Opportunity, StageHistory
from salesops.crm.schemas.sales import OpportunityOut
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/api/v1/crm"


class Api:
    """A token client for one person (English messages)."""

    def __init__(self, user: Any) -> None:
        _token, secret = api_token_create(actor=user, name="t")
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, **self.auth)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        call = getattr(self.client, method)
        return call(BASE + path, data=json.dumps(body or {}), content_type="application/json",
                    **self.auth)  # fmt: skip


def test_stages_and_products_are_listed(cast: Any) -> None:
    make.product("P-1", "1234.50")
    api = Api(cast.hr)
    stages = api.get("/stages").json()
    assert [s["code"] for s in stages] == [
        "lead", "need", "proposal", "negotiation", "closing", "won", "lost",
    ]  # fmt: skip
    assert stages[2]["requirements"] == ["need_confirmed", "decision_maker", "lines"]
    products = api.get("/products").json()
    assert products["count"] == 1
    assert products["items"][0]["list_price"] == "1234.50"
    assert products["items"][0]["product_line"] == "Hardware"


def test_opportunities_by_status_come_in_order_of_expected_close(cast: Any) -> None:
    # given a team's open deals closing in another order than they were made, a won and a
    # lost deal, one open deal with no close date, and someone else's
    for name, day in (("Late", 20), ("Soon", 3), ("Middle", 9), ("Also soon", 3)):
        make.deal(cast.rep, name=name, expected_close=date(2031, 1, day))
    make.deal(cast.peer_rep, name="Undated")
    for name, stage in (("Won", "won"), ("Lost", "lost")):
        deal = make.ready_deal(cast.rep, name, expected_close=date(2030, 6, 1))
        services.opportunity_move_stage(
            actor=cast.rep, opportunity=deal, stage=make.stage(stage), lost_reason="price"
        )
    make.deal(cast.outside_rep, name="Elsewhere", expected_close=date(2031, 1, 1))
    api = Api(cast.supervisor)

    def names(**params: Any) -> list[str]:
        return [o["name"] for o in api.get("/opportunities", **params).json()["items"]]

    # then each status lists its deals, soonest first (ties by creation), the undated deal at
    # the end where the database puts no date (last on PostgreSQL, first on SQLite)
    listed = names(status="open")
    assert [n for n in listed if n != "Undated"] == ["Soon", "Also soon", "Middle", "Late"]
    assert "Undated" in (listed[0], listed[-1])
    assert names(status="won") == ["Won"] and names(status="lost") == ["Lost"]
    every = [n for n in names() if n != "Undated"]
    assert every[:2] == ["Won", "Lost"]  # every status: the closed deals close first
    assert api.get("/opportunities", status="open").json()["count"] == 5
    assert names(status="other") == []


def test_the_deal_list_reads_a_fixed_number_of_queries_with_every_field(cast: Any) -> None:
    # given two deals, then six (the token's first use is recorded before)
    api = Api(cast.supervisor)
    api.get("/stages")
    for k in range(2):
        make.deal(cast.rep, name=f"Deal {k}", expected_close=date(2031, 1, 1 + k))
    with CaptureQueriesContext(connection) as few:
        api.get("/opportunities")
    for k in range(2, 6):
        make.deal(cast.peer_rep, name=f"Deal {k}", expected_close=date(2031, 1, 1 + k))
    with CaptureQueriesContext(connection) as more:
        items = api.get("/opportunities").json()["items"]
    # then the list issues the same queries (no field is loaded per deal) and gives each field
    assert len(more.captured_queries) == len(few.captured_queries)
    deal = Opportunity.objects.select_related("customer", "stage").get(name="Deal 5")
    last = items[-1]
    assert set(last) == set(OpportunityOut.model_fields)
    assert (last["name"], last["customer_name"], last["stage_code"], last["owner_id"]) == (
        "Deal 5",
        deal.customer.name,
        deal.stage.code,
        cast.peer_rep.pk,
    )
    assert last["expected_close"] == "2031-01-06" and last["stage_entered_at"]


def test_opportunities_are_listed_within_visibility_with_filters(cast: Any) -> None:
    mine = make.deal(cast.rep, name="Mine")
    make.deal(cast.outside_rep, name="Theirs")
    rep = Api(cast.rep)
    listed = rep.get("/opportunities").json()
    assert [o["name"] for o in listed["items"]] == ["Mine"]
    assert rep.get("/opportunities", stage="need").json()["count"] == 0
    assert Api(cast.director).get("/opportunities", limit=1).json()["count"] == 2
    assert rep.get(f"/opportunities/{mine.pk}").json()["stage_code"] == "lead"
    other = Opportunity.objects.get(name="Theirs")
    assert rep.get(f"/opportunities/{other.pk}").status_code == 404


def test_a_deal_is_created_lined_and_moved(cast: Any) -> None:
    acme = make.customer(cast.rep)
    api = Api(cast.rep)
    created = api.send("post", "/opportunities", {"customer_id": acme.pk, "name": "API deal"})
    assert created.status_code == 201
    deal = created.json()
    line = api.send("post", f"/opportunities/{deal['id']}/lines",
                    {"product_id": make.product("P-33", "33.33").pk, "quantity": "3",
                     "discount_pct": "10"})  # fmt: skip
    assert (line.status_code, line.json()["total"], line.json()["unit_price"]) == (
        201,
        "89.99",
        "33.33",
    )
    detail = api.get(f"/opportunities/{deal['id']}").json()
    assert (detail["amount"], detail["weighted_amount"]) == ("89.99", "9.00")
    moved = api.send("post", f"/opportunities/{deal['id']}/move",
                     {"stage": "lost", "lost_reason": "price"})  # fmt: skip
    assert (moved.status_code, moved.json()["stage_code"], moved.json()["lost_reason"]) == (
        200,
        "lost",
        "price",
    )


def test_a_refused_move_answers_400_with_every_reason_and_changes_nothing(cast: Any) -> None:
    opp = make.deal(cast.rep)
    response = Api(cast.rep).send("post", f"/opportunities/{opp.pk}/move", {"stage": "proposal"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input",
        "errors": {
            "stage": [
                "The customer's need is not confirmed.",
                "No decision maker is named (a contact whose role is decision maker).",
                "The deal has no product lines with an amount above zero.",
            ]
        },
    }
    assert Opportunity.objects.get(pk=opp.pk).stage.code == "lead"
    assert StageHistory.objects.filter(opportunity=opp).count() == 1


def test_lost_without_a_reason_is_a_400_on_lost_reason(cast: Any) -> None:
    opp = make.deal(cast.rep)
    response = Api(cast.rep).send("post", f"/opportunities/{opp.pk}/move", {"stage": "lost"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"lost_reason": ["Say why the deal was lost."]}


def test_update_and_line_removal(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    api = Api(cast.rep)
    day = (timezone.localdate() + timedelta(days=60)).isoformat()
    patched = api.send("patch", f"/opportunities/{opp.pk}",
                       {"expected_close": day, "competitors": "Rival Inc"})  # fmt: skip
    assert (patched.json()["close_date_changes"], patched.json()["competitors"]) == (1, "Rival Inc")
    line_id = patched.json()["lines"][0]["id"]
    assert api.send("delete", f"/opportunity-lines/{line_id}").status_code == 204
    assert api.get(f"/opportunities/{opp.pk}").json()["amount"] == "0.00"


def test_the_channel_manager_sees_a_partner_deal_but_cannot_change_it(cast: Any) -> None:
    opp = make.deal(cast.rep, partner=make.partner(cast.channel_manager))
    api = Api(cast.channel_manager)
    assert api.get(f"/opportunities/{opp.pk}").status_code == 200
    patched = api.send("patch", f"/opportunities/{opp.pk}", {"next_step": "Mine now"})
    assert patched.status_code == 404
    assert Opportunity.objects.get(pk=opp.pk).next_step == ""


def test_finance_and_hr_get_403_on_deals(cast: Any) -> None:
    assert Api(cast.finance).get("/opportunities").status_code == 403
    assert Api(cast.hr).get("/activities").status_code == 403


def test_activities_are_logged_listed_and_completed(cast: Any) -> None:
    acme = make.customer(cast.rep)
    api = Api(cast.rep)
    due = (timezone.now() + timedelta(days=1)).isoformat()
    logged = api.send("post", "/activities", {"kind": "visit", "subject": "Visit", "due_at": due,
                                              "customer_id": acme.pk,
                                              "companion_ids": [cast.supervisor.pk]})  # fmt: skip
    body = logged.json()
    assert (logged.status_code, body["status"], body["is_coaching"], body["companion_ids"]) == (
        201,
        "planned",
        True,
        [cast.supervisor.pk],
    )
    assert api.get("/activities", status="planned").json()["count"] == 1
    done = api.send("post", f"/activities/{body['id']}/complete", {"outcome": "Signed up"})
    assert (done.status_code, done.json()["status"]) == (200, "done")
    activity = Activity.objects.get(pk=body["id"])
    assert activity.customer is not None
    assert activity.customer.last_contact_at == activity.done_at
    again = api.send("post", f"/activities/{body['id']}/complete", {})
    assert again.status_code == 400
