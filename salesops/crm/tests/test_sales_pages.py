"""Sales pages through the Django test client: lists, detail, forms, stage moves, the board,
activities — with visibility for the named cast and constant query counts."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesops.crm.models import Activity, Opportunity, StageHistory
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_en(client_for: Any) -> Any:
    """client_en("rep") → a signed-in client reading the pages in English."""

    def make_client(name: str) -> Any:
        client = client_for(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make_client


def _deals(owner: Any, n: int, prefix: str = "Deal") -> list[Opportunity]:
    acme = make.customer(owner, name=f"{prefix} customer")
    product = make.product("P-100", "100.00")
    deals = []
    for i in range(n):
        opp = make.deal(owner, name=f"{prefix} {i:02d}", of=acme)
        services.opportunity_line_add(
            actor=owner, opportunity=opp, product=product, quantity=Decimal(i + 1)
        )
        deals.append(opp)
    return deals


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- lists and query counts -------------------------------------------------------------------


def test_the_opportunity_list_shows_visible_deals_with_exact_totals(
    cast: Any, client_en: Any
) -> None:
    _deals(cast.rep, 3)  # amounts 100, 200, 300 at 10 %
    _deals(cast.outside_rep, 2, prefix="Far")
    response = client_en("rep").get(reverse("crm:opportunity_list"))
    body = response.content.decode()
    assert response.context["totals"] == {
        "count": 3,
        "amount": Decimal("600.00"),
        "weighted_sum": Decimal("60.00"),
    }
    assert "Deal 02" in body and "Far 00" not in body
    assert "600.00" in body
    manager_totals = client_en("director").get(reverse("crm:opportunity_list")).context["totals"]
    assert manager_totals["count"] == 5


def test_opportunity_filters(cast: Any, client_en: Any) -> None:
    deals = _deals(cast.rep, 3)
    services.opportunity_update(
        actor=cast.rep,
        opportunity=deals[0],
        expected_close=timezone.localdate() + timedelta(days=5),
    )
    services.opportunity_move_stage(
        actor=cast.rep, opportunity=deals[1], stage=make.stage("lost"), lost_reason="price"
    )
    client = client_en("supervisor")
    url = reverse("crm:opportunity_list")

    def names(**query: Any) -> list[str]:
        page = client.get(url, query).context["page"]
        return sorted(o.name for o in page)

    assert names(status="lost") == ["Deal 01"]
    assert names(status="") == ["Deal 00", "Deal 02"]  # open deals by default
    assert names(status="all") == ["Deal 00", "Deal 01", "Deal 02"]
    assert names(stage=make.stage("lost").pk) == ["Deal 01"]  # a stage overrides the status
    assert names(stage=make.stage("lead").pk) == ["Deal 00", "Deal 02"]
    assert names(status="all", owner=cast.rep.pk) == ["Deal 00", "Deal 01", "Deal 02"]
    assert names(owner=cast.peer_rep.pk) == []
    everything = ["Deal 00", "Deal 01", "Deal 02"]
    assert names(status="all", product_line=make.product_line().pk) == everything
    assert names(close_to=(timezone.localdate() + timedelta(days=6)).isoformat()) == ["Deal 00"]
    assert names(tier="strategic") == []
    assert names(q="02") == ["Deal 02"]
    default = client.get(url).context["page"]
    assert sorted(o.name for o in default) == ["Deal 00", "Deal 02"]


def test_the_opportunity_export_has_the_same_rows(cast: Any, client_en: Any) -> None:
    _deals(cast.rep, 2)
    response = client_en("rep").get(reverse("crm:opportunity_list"), {"export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Opportunity,Customer,Stage,Owner,Amount")
    assert len(lines) == 3
    assert ",100.00,10,10.00," in lines[1] or ",100.00,10,10.00," in lines[2]


@pytest.mark.parametrize(
    "route",
    [
        "crm:opportunity_list",
        "crm:pipeline_board",
        "crm:activity_list",
        "crm:my_activities",
        "crm:product_list",
    ],
)
def test_list_pages_run_a_constant_number_of_queries(cast: Any, client_en: Any, route: str) -> None:
    client = client_en("supervisor")
    url = reverse(route)

    def grow(n: int, tag: str) -> None:
        deals = _deals(cast.rep, n, prefix=tag)
        stages = ["lead", "need", "proposal"]
        for i, opp in enumerate(deals):
            Opportunity.objects.filter(pk=opp.pk).update(stage=make.stage(stages[i % 3]))
            make.planned(cast.rep, opp.customer, f"{tag} call {i}", days=-1 if i % 2 else 2)
            services.activity_log(
                actor=cast.supervisor,
                kind="visit",
                subject=f"{tag} {i}",
                customer=opp.customer,
                done_at=timezone.now(),
            )
            make.product(f"{tag}-{i}", "9.99")

    grow(3, "A")
    small = _queries(client, url)
    grow(27, "B")
    assert _queries(client, url) == small


# --- detail, forms and moves ------------------------------------------------------------------


def test_the_detail_page_shows_path_lines_history_and_next_criteria(
    cast: Any, client_en: Any
) -> None:
    opp = make.ready_deal(cast.rep)
    services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("need"))
    response = client_en("manager").get(reverse("crm:opportunity_detail", args=[opp.pk]))
    body = response.content.decode()
    states = [(s["stage"].code, s["state"]) for s in response.context["path"]]
    assert states == [
        ("lead", "done"),
        ("need", "current"),
        ("proposal", "todo"),
        ("negotiation", "todo"),
        ("closing", "todo"),
    ]
    assert [s.row.stage.code for s in response.context["stays"]] == ["lead", "need"]
    assert response.context["unmet"] == []  # ready for the proposal stage
    assert 'data-testid="move-form"' in body and "1,000.00" in body


def test_outsiders_get_404_on_the_detail(cast: Any, client_en: Any) -> None:
    opp = make.deal(cast.rep)
    url = reverse("crm:opportunity_detail", args=[opp.pk])
    assert client_en("outside_rep").get(url).status_code == 404
    assert client_en("peer_rep").get(url).status_code == 404
    assert client_en("hr").get(url).status_code == 403


def test_a_deal_is_created_and_edited_through_the_forms(cast: Any, client_en: Any) -> None:
    acme = make.customer(cast.rep)
    client = client_en("rep")
    response = client.post(
        reverse("crm:opportunity_create"),
        {"customer": acme.pk, "name": "ERP", "owner": cast.rep.pk, "next_step": "Call"},
    )
    opp = Opportunity.objects.get(name="ERP")
    assert response.status_code == 302 and opp.stage.code == "lead"
    day = timezone.localdate() + timedelta(days=30)
    data = {
        "name": "ERP rollout",
        "owner": cast.rep.pk,
        "forecast_category": "commit",
        "expected_close": day.isoformat(),
        "need_confirmed": "on",
    }
    assert client.post(reverse("crm:opportunity_edit", args=[opp.pk]), data).status_code == 302
    data["expected_close"] = (day + timedelta(days=7)).isoformat()
    client.post(reverse("crm:opportunity_edit", args=[opp.pk]), data)
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.name, fresh.need_confirmed, fresh.forecast_category) == (
        "ERP rollout",
        True,
        "commit",
    )
    assert fresh.close_date_changes == 1


def test_a_customer_the_rep_cannot_see_is_not_offered(cast: Any, client_en: Any) -> None:
    theirs = make.customer(cast.outside_rep, name="Not yours")
    response = client_en("rep").post(
        reverse("crm:opportunity_create"),
        {"customer": theirs.pk, "name": "Sneaky", "owner": cast.rep.pk},
    )
    assert response.status_code == 200 and "customer" in response.context["form"].errors
    assert not Opportunity.objects.filter(name="Sneaky").exists()


def test_a_line_is_added_at_the_list_price_through_the_form(cast: Any, client_en: Any) -> None:
    opp = make.deal(cast.rep)
    product = make.product("P-33", "33.33")
    response = client_en("rep").post(
        reverse("crm:opportunity_line_add", args=[opp.pk]),
        {"product": product.pk, "quantity": "3", "unit_price": "", "discount_pct": "10"},
    )
    assert response.status_code == 302
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("89.99")


def test_a_refused_form_move_shows_every_reason(cast: Any, client_en: Any) -> None:
    opp = make.deal(cast.rep)
    response = client_en("rep").post(
        reverse("crm:opportunity_move", args=[opp.pk]),
        {"stage": make.stage("proposal").pk},
        follow=True,
    )
    body = response.content.decode()
    assert "The customer&#x27;s need is not confirmed." in body
    assert "The deal has no product lines with an amount above zero." in body
    assert Opportunity.objects.get(pk=opp.pk).stage.code == "lead"


def test_the_board_moves_a_card_and_reports_refusals_as_json(cast: Any, client_en: Any) -> None:
    opp = make.deal(cast.rep)
    client = client_en("rep")
    url = reverse("crm:opportunity_move", args=[opp.pk])
    refused = client.post(url, {"stage": make.stage("won").pk}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json() == {
        "ok": False,
        "errors": ["The deal has no product lines with an amount above zero."],
        "stage": "lead",
    }
    assert StageHistory.objects.filter(opportunity=opp).count() == 1
    moved = client.post(
        url,
        {"stage": make.stage("lost").pk, "lost_reason": "competitor"},
        HTTP_ACCEPT="application/json",
    )
    assert (moved.status_code, json.loads(moved.content)["stage"]) == (200, "lost")


def test_the_board_shows_columns_with_totals_and_caps_cards(cast: Any, client_en: Any) -> None:
    deals = _deals(cast.rep, 4)  # 100 .. 400 in lead
    Opportunity.objects.filter(pk=deals[3].pk).update(stage=make.stage("need"), probability=25)
    Opportunity.objects.filter(pk=deals[2].pk).update(
        stage_entered_at=timezone.now() - timedelta(days=20)
    )
    data = selectors.board(actor=cast.supervisor, cap=2)
    lead, need = data["columns"][0], data["columns"][1]
    assert (lead.count, lead.amount, lead.weighted, len(lead.cards), lead.more) == (
        3,
        Decimal("600.00"),
        Decimal("60.00"),
        2,
        1,
    )
    assert (need.count, need.amount, need.weighted) == (1, Decimal("400.00"), Decimal("100.00"))
    assert [c.pk for c in lead.cards] == [deals[2].pk, deals[1].pk]  # largest first
    old = lead.cards[0]
    assert (old.days_in_stage, old.over_standard) == (20, True)  # lead standard: 14 days
    page = client_en("supervisor").get(reverse("crm:pipeline_board"))
    assert page.status_code == 200 and page.content.decode().count('data-testid="board-card"') == 4
    only_peer = client_en("supervisor").get(
        reverse("crm:pipeline_board"), {"owner": cast.peer_rep.pk}
    )
    assert only_peer.content.decode().count('data-testid="board-card"') == 0
    assert (
        client_en("outside_rep")
        .get(reverse("crm:pipeline_board"))
        .content.decode()
        .count('data-testid="board-card"')
        == 0
    )


# --- activities -------------------------------------------------------------------------------


def test_an_activity_is_logged_and_completed_through_the_pages(cast: Any, client_en: Any) -> None:
    acme = make.customer(cast.rep)
    client = client_en("rep")
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("crm:activity_create"),
        {
            "kind": "call",
            "subject": "Check in",
            "state": "planned",
            "due_at": due,
            "customer": acme.pk,
            "owner": cast.rep.pk,
        },
    )
    assert response.status_code == 302
    call = Activity.objects.get(subject="Check in")
    assert (call.status, call.customer_id) == ("planned", acme.pk)
    done_at = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("crm:activity_complete", args=[call.pk]),
        {"done_at": done_at, "outcome": "Interested", "next_step": "Demo"},
    )
    fresh = Activity.objects.get(pk=call.pk)
    assert (response.status_code, fresh.status, fresh.outcome) == (302, "done", "Interested")
    assert fresh.customer is not None and fresh.customer.last_contact_at == fresh.done_at


def test_a_planned_activity_without_a_time_is_refused_on_the_form(
    cast: Any, client_en: Any
) -> None:
    acme = make.customer(cast.rep)
    response = client_en("rep").post(
        reverse("crm:activity_create"),
        {
            "kind": "call",
            "subject": "When?",
            "state": "planned",
            "customer": acme.pk,
            "owner": cast.rep.pk,
        },
    )
    assert response.status_code == 200 and "due_at" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_my_activities_shows_overdue_work_and_the_team_view(cast: Any, client_en: Any) -> None:
    make.planned(cast.rep, make.customer(cast.rep), "Overdue call", days=-2)
    rep_page = client_en("rep").get(reverse("crm:my_activities")).content.decode()
    assert "Overdue call" in rep_page and 'data-testid="team-overdue"' not in rep_page
    sup = client_en("supervisor").get(reverse("crm:my_activities"))
    assert [a.subject for a in sup.context["team"]["rows"]] == ["Overdue call"]
    assert 'data-testid="team-overdue"' in sup.content.decode()


def test_reference_pages_show_prices_and_criteria(cast: Any, client_en: Any) -> None:
    make.product("P-BIG", "1234567.50")
    products = client_en("hr").get(reverse("crm:product_list")).content.decode()
    assert "1,234,567.50" in products
    stages = client_en("finance").get(reverse("crm:stage_list")).content.decode()
    assert "A decision maker of the customer is named" in stages


def test_the_activity_export_names_types_and_statuses(cast: Any, client_en: Any) -> None:
    acme = make.customer(cast.rep)
    make.planned(cast.rep, acme, "Ring them", days=2)
    response = client_en("rep").get(reverse("crm:activity_list"), {"export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "When,Type,Status,Subject,Owner,Customer,Opportunity,Outcome,Coaching"
    assert lines[1].split(",")[1:6] == ["Call", "Planned", "Ring them", "Rep", "Acme Ltd"]
