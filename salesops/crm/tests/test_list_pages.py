"""The deal and activity lists as the pages compute them: one aggregate gives the totals and
the row count, the page's rows are fetched by id, owner names come from a per-row subquery,
and visibility is an id list (a person's partners too) rather than a join."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesops.crm.models import Activity, Customer, Opportunity
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401
from salesops.org.models import User

pytestmark = pytest.mark.django_db


def _get(client_for: Any, who: str, url: str, **params: Any) -> Any:
    client = client_for(who)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    response.queries = [q["sql"] for q in queries]
    return response


def _deal(owner: Any, name: str, amount: str, probability: int, **extra: Any) -> Opportunity:
    deal = make.deal(owner, name=name, **extra)
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal(amount), probability=probability)
    return deal


def test_the_deal_list_sorts_by_amount_with_exact_totals_counted_once(
    cast: Any, client_for: Any
) -> None:
    closing = {"expected_close": date(2027, 1, 2)}
    _deal(cast.rep, "Small", "100.00", 10, **closing)
    _deal(cast.rep, "Large", "300.00", 50, **closing)
    _deal(cast.peer_rep, "Middle", "200.00", 25, **closing)
    _deal(cast.outside_rep, "Elsewhere", "999.00", 90, **closing)
    url = reverse("crm:opportunity_list")
    # a filter no rollup answers (a date that cuts a month): the totals are counted from the
    # deals, with the row count
    page = _get(client_for, "supervisor", url, close_from="2027-01-02", sort="-amount")
    rows = list(page.context["page"])
    assert [(o.name, o.owner_name) for o in rows] == [
        ("Large", "Rep"),
        ("Middle", "Peer Rep"),
        ("Small", "Rep"),
    ]
    assert page.context["totals"] == {
        "count": 3,
        "amount": Decimal("600.00"),
        "weighted_sum": Decimal("210.00"),  # 150.00 + 50.00 + 10.00
    }
    counts = [sql for sql in page.queries if "crm_opportunity" in sql and "COUNT(" in sql]
    assert len(counts) == 1


def test_sorting_by_owner_uses_the_shown_name_or_else_the_username(
    cast: Any, client_for: Any
) -> None:
    User.objects.filter(pk=cast.peer_rep.pk).update(display_name="")
    _deal(cast.peer_rep, "Theirs", "100.00", 10)
    _deal(cast.rep, "Mine", "100.00", 10)
    url = reverse("crm:opportunity_list")
    up = _get(client_for, "supervisor", url, sort="owner").context["page"]
    down = _get(client_for, "supervisor", url, sort="-owner").context["page"]
    assert [(o.name, o.owner_name) for o in up] == [("Mine", "Rep"), ("Theirs", "peer_rep")]
    assert [o.name for o in down] == ["Theirs", "Mine"]


def test_the_activity_list_shows_a_persons_latest_first(cast: Any, client_for: Any) -> None:
    acme = make.customer(cast.rep)
    now = timezone.now()
    made = [("Old call", -3, True), ("Next visit", 2, False), ("Recent call", -1, True),
            ("Overdue call", -2, False)]  # fmt: skip
    for subject, shift, done in made:
        when = {"done_at" if done else "due_at": now + timedelta(days=shift)}
        services.activity_log(actor=cast.rep, kind="call", subject=subject, customer=acme, **when)
    make.planned(cast.peer_rep, make.customer(cast.peer_rep, name="Theirs"), subject="Hidden")
    page = _get(client_for, "rep", reverse("crm:activity_list")).context["page"]
    assert [(a.subject, a.owner_name) for a in page] == [
        ("Next visit", "Rep"),
        ("Recent call", "Rep"),
        ("Overdue call", "Rep"),
        ("Old call", "Rep"),
    ]
    assert page.paginator.count == 4


def _partner_records(cast: Any) -> dict[str, Any]:
    channel = make.partner(cast.channel_manager)
    deal = make.deal(cast.rep, name="Via partner", partner=channel)
    visit = make.planned(cast.rep, deal.customer, subject="Partner visit")
    Activity.objects.filter(pk=visit.pk).update(opportunity=deal)
    Customer.objects.filter(pk=deal.customer_id).update(partner=channel)
    make.deal(cast.rep, name="Direct")
    return {"deal": deal, "visit": visit}


def test_a_channel_manager_sees_their_partners_records(cast: Any) -> None:
    made = _partner_records(cast)
    cm = User.objects.get(pk=cast.channel_manager.pk)
    assert list(Opportunity.objects.visible_to(cm)) == [made["deal"]]
    assert list(Activity.objects.visible_to(cm)) == [made["visit"]]
    assert list(Customer.objects.visible_to(cm)) == [made["deal"].customer]
    later = make.deal(cast.peer_rep, name="Later", partner=make.partner(cast.channel_manager, "B"))
    fresh = User.objects.get(pk=cast.channel_manager.pk)  # a new request: partners read again
    assert set(Opportunity.objects.visible_to(fresh)) == {made["deal"], later}


def test_visibility_is_an_id_list_without_a_partner_join(cast: Any) -> None:
    _partner_records(cast)
    manager = User.objects.get(pk=cast.manager.pk)
    for model in (Opportunity, Activity, Customer):
        sql = str(model.objects.visible_to(manager).query)
        assert "crm_partner" not in sql
    assert {o.name for o in Opportunity.objects.visible_to(manager)} == {"Via partner", "Direct"}


def test_the_deal_list_filters_by_close_date_and_stage(cast: Any, client_for: Any) -> None:
    in_q1 = _deal(cast.rep, "Q1", "100.00", 10, expected_close=date(2027, 2, 1))
    _deal(cast.rep, "Q2", "100.00", 10, expected_close=date(2027, 5, 1))
    params = {"close_from": "2027-01-01", "close_to": "2027-03-31", "sort": "-amount"}
    page = _get(client_for, "manager", reverse("crm:opportunity_list"), **params)
    assert [o.pk for o in page.context["page"]] == [in_q1.pk]
    stage = make.stage("need").pk
    other = _get(client_for, "manager", reverse("crm:opportunity_list"), stage=stage, **params)
    assert list(other.context["page"]) == []
    assert other.context["totals"] == {"count": 0, "amount": None, "weighted_sum": None}


def test_my_activities_lists_what_was_done_in_the_last_two_weeks_latest_first(cast: Any) -> None:
    acme, now = make.customer(cast.rep), timezone.now()
    for subject, days_ago in (("Three days", 3), ("One day", 1), ("Three weeks", 21)):
        at = now - timedelta(days=days_ago)
        services.activity_log(
            actor=cast.rep, kind="call", subject=subject, customer=acme, done_at=at
        )
    late = make.planned(cast.rep, acme, subject="Planned long ago", days=-30)
    Activity.objects.filter(pk=late.pk).update(
        status=Activity.Status.DONE, done_at=now - timedelta(days=20), due_at=now
    )  # done three weeks ago although it was due today: its done time decides
    make.planned(cast.rep, acme, subject="Still planned", days=-2)
    mine = selectors.my_activities(actor=User.objects.get(pk=cast.rep.pk), now=now)
    assert [a.subject for a in mine["done"]] == ["One day", "Three days"]


def _items_of(owner: Any, deal: Opportunity, n: int, start: int) -> None:
    """n activities of each kind the page lists: overdue, today, upcoming and done."""
    now = timezone.now()
    for k in range(start, start + n):
        for subject, days in ((f"Overdue {k}", -2), (f"Upcoming {k}", 3)):
            services.activity_log(actor=owner, kind=Activity.Kind.VISIT, subject=subject,
                                  customer=deal.customer, opportunity=deal,
                                  due_at=now + timedelta(days=days))  # fmt: skip
        services.activity_log(actor=owner, kind=Activity.Kind.CALL, subject=f"Done {k}",
                              customer=deal.customer, opportunity=deal, outcome=f"Outcome {k}",
                              done_at=now - timedelta(days=1))  # fmt: skip


def test_my_activities_page_reads_only_what_its_items_show_in_a_fixed_number_of_queries(
    cast: Any, client_for: Any
) -> None:
    # given a rep with planned and done work on a deal, and a supervisor who sees it overdue
    deal = _deal(cast.rep, "Visible deal", "100.00", 10)
    _items_of(cast.rep, deal, 2, 0)
    rep_page = _get(client_for, "rep", reverse("crm:my_activities"))
    lead_page = _get(client_for, "supervisor", reverse("crm:my_activities"))
    # when there is three times as much work
    _items_of(cast.rep, deal, 4, 2)
    more = _get(client_for, "rep", reverse("crm:my_activities"))
    more_lead = _get(client_for, "supervisor", reverse("crm:my_activities"))
    # then the pages issue the same queries (nothing is loaded per item) and show every item
    # with its owner, customer, deal and outcome
    assert len(more.queries) == len(rep_page.queries)
    assert len(more_lead.queries) == len(lead_page.queries)
    html = more.content.decode()
    for k in range(6):
        assert f"Overdue {k}" in html and f"Upcoming {k}" in html and f"Done {k}" in html
        assert f"Outcome {k}" in html
    assert "Visible deal customer" in html and "Visible deal</a>" in html
    assert html.count("· Rep") == 6 * 3  # each item names its owner
    team = more_lead.content.decode()
    assert "Overdue 5" in team and "Upcoming 5" not in team and "· Rep" in team


def test_the_deal_list_reads_only_its_columns_in_a_fixed_number_of_queries(
    cast: Any, client_for: Any
) -> None:
    # given a few open deals, one with a slipped close date
    for k in range(2):
        _deal(cast.rep, f"Deal {k}", f"{k + 1}00.00", 20, expected_close=date(2031, 1, 1 + k))
    first = _get(client_for, "supervisor", reverse("crm:opportunity_list"), sort="-amount")
    # when there are four times as many
    for k in range(2, 8):
        _deal(cast.peer_rep, f"Deal {k}", f"{k + 1}00.00", 20, expected_close=date(2031, 1, 1 + k))
    slipped = Opportunity.objects.get(name="Deal 7")
    Opportunity.objects.filter(pk=slipped.pk).update(close_date_changes=3)
    page = _get(client_for, "supervisor", reverse("crm:opportunity_list"), sort="-amount")
    # then the page issues the same queries (nothing is loaded per row) and shows every column
    assert len(page.queries) == len(first.queries)
    html = page.content.decode()
    rows = html[html.index('data-testid="opportunities"') :]
    for k in range(8):
        assert f"Deal {k}</a>" in rows and f"Deal {k} customer" in rows
        assert f"2031-01-0{k + 1}" in rows
    assert "800.00" in rows and "160.00" in rows  # amount and weighted (20 %) of Deal 7
    assert rows.count("<td>Peer Rep</td>") == 6 and rows.count("<td>Rep</td>") == 2  # owners
    assert "bg-orange-lt" in rows  # the slipped close date
    shown = Opportunity.objects.select_related("stage", "customer").get(pk=slipped.pk)
    assert shown.stage.name in rows and str(shown.customer.get_tier_display()) in rows


def _close_order(sql: list[str]) -> set[str]:
    """How the deal list's page query sorts by expected close (in its page of ids and its rows):
    the sort keys as written, without their table."""
    page = next(q for q in sql if "LIMIT" in q and "crm_opportunity" in q)
    return set(re.findall(r'ORDER BY (\+?)[\w"]*\."expected_close" (ASC|DESC)', page))


def test_open_deals_by_expected_close_are_sorted_not_read_in_index_order_on_sqlite(
    cast: Any, client_for: Any
) -> None:
    # given open deals closing in a different order than they were made, and a won deal
    for k, day in enumerate((9, 3, 6)):
        _deal(cast.rep, f"Open {k}", "100.00", 20, expected_close=date(2031, 1, day))
    won = make.ready_deal(cast.rep, "Won")  # closing sooner than the open deals
    services.opportunity_move_stage(actor=cast.rep, opportunity=won, stage=make.stage("won"))
    url = reverse("crm:opportunity_list")
    # when the list opens (open deals, soonest close first) and when sorted the other way
    opened = _get(client_for, "rep", url)
    latest_first = _get(client_for, "rep", url, sort="-expected_close")
    every = _get(client_for, "rep", url, status="all", sort="expected_close")
    # then the order is the expected close either way, the won deal only where asked for
    assert [o.name for o in opened.context["page"]] == ["Open 1", "Open 2", "Open 0"]
    assert [o.name for o in latest_first.context["page"]] == ["Open 0", "Open 2", "Open 1"]
    assert [o.name for o in every.context["page"]] == ["Won", "Open 1", "Open 2", "Open 0"]
    # the column sorted by a function keeps its sort link in the header, turned the other way
    assert 'sort=-expected_close" class="table-sort asc"' in opened.content.decode()
    # and only the open deals in ascending order are sorted by `+expected_close` on SQLite
    plus = "+" if connection.vendor == "sqlite" else ""
    assert _close_order(opened.queries) == {(plus, "ASC")}
    assert _close_order(latest_first.queries) == {("", "DESC")}
    assert _close_order(every.queries) == {("", "ASC")}


def _deals_totals(actor: Any, kind: str | None = "open", **filters: Any) -> dict[str, Any]:
    """What the deal list's totals are over the deals themselves: those of a stage kind (None
    for all), filtered."""
    rows = selectors.opportunity_list_rows(actor=actor)
    if kind is not None:
        rows = selectors.of_stage_kind(rows, kind)
    return rows.filter(**filters).aggregate(
        count=Count("pk"), amount=Sum("amount"), weighted_sum=Sum("weighted")
    )


def _read_deals_for_totals(queries: list[str]) -> bool:
    return any("COUNT(" in q and "crm_opportunity" in q for q in queries)


def _closed(deal: Opportunity, owner: Any, stage: str) -> None:
    services.opportunity_move_stage(
        actor=owner, opportunity=deal, stage=make.stage(stage), lost_reason="price"
    )


def test_a_list_narrowed_by_status_stage_or_owner_only_totals_its_deals_from_the_rollup(
    cast: Any, client_for: Any
) -> None:
    # given open deals of three people, won and lost ones, and one that was lost and reopened,
    # expected to close in the first three months of 2031 (two with no date)
    jan, feb, mar = (date(2031, m, d) for m, d in ((1, 15), (2, 28), (3, 1)))
    _deal(cast.rep, "Mine", "100.00", 15, expected_close=jan)  # weighted 15.00
    _deal(cast.rep, "Odd", "0.33", 50, expected_close=feb)  # weighted 0.165, rounded up: 0.17
    _deal(cast.peer_rep, "Theirs", "250.00", 30, expected_close=mar)
    _deal(cast.outside_rep, "Elsewhere", "999.00", 90)
    _closed(make.ready_deal(cast.rep, "Won", expected_close=jan), cast.rep, "won")
    _closed(make.ready_deal(cast.peer_rep, "Their win", expected_close=feb), cast.peer_rep, "won")
    _closed(_deal(cast.rep, "Gone", "40.00", 20, expected_close=mar), cast.rep, "lost")
    back = make.deal(cast.peer_rep, "Back")
    for stage in ("lost", "lead"):
        _closed(back, cast.peer_rep, stage)
    need = make.stage("need").pk
    cases = [  # the list's parameters, and the deals it shows
        ({}, ("open", {})),
        ({"sort": "-amount", "page": "1"}, ("open", {})),
        ({"status": "won"}, ("won", {})),
        ({"status": "lost", "sort": "name"}, ("lost", {})),
        ({"status": "all"}, (None, {})),
        ({"stage": need}, (None, {"stage_id": need})),
        ({"owner": cast.rep.pk}, ("open", {"owner": cast.rep})),
        ({"owner": cast.rep.pk, "status": "won"}, ("won", {"owner": cast.rep})),
        ({"owner": cast.rep.pk, "stage": need}, (None, {"owner": cast.rep, "stage_id": need})),
        # whole months of expected close
        ({"close_from": "2031-01-01", "close_to": "2031-03-31", "sort": "-amount"},
         ("open", {"expected_close__range": (jan, mar)})),
        ({"close_from": "2031-02-01"}, ("open", {"expected_close__gte": feb.replace(day=1)})),
        ({"close_to": "2031-02-28", "status": "all"}, (None, {"expected_close__lte": feb})),
        ({"close_from": "2031-01-01", "close_to": "2031-01-31", "status": "won",
          "owner": cast.rep.pk}, ("won", {"expected_close__month": 1, "owner": cast.rep})),
        ({"close_from": "2031-03-01", "close_to": "2031-03-31", "stage": need},
         (None, {"expected_close__month": 3, "stage_id": need})),
        ({"close_from": "2031-03-01", "close_to": "2031-01-31"}, ("open", {"pk": 0})),
    ]  # fmt: skip
    url = reverse("crm:opportunity_list")
    for who in ("director", "supervisor", "rep"):
        actor = User.objects.get(username=who)
        for params, (kind, filters) in cases:
            # when the list is narrowed by those filters only
            page = _get(client_for, who, url, **params)
            # then its totals are the deals' own, read from the rollup, not from the deals
            expected = _deals_totals(actor, kind, **filters)
            assert page.context["totals"] == expected, (who, params)
            assert page.context["page"].paginator.count == expected["count"], (who, params)
            assert not _read_deals_for_totals(page.queries), (who, params)
    director = _get(client_for, "director", url).context["totals"]
    assert director["count"] == 5  # the reopened deal (no amount) too
    assert director["weighted_sum"] == Decimal("989.27")  # 15 + 0.17 + 75 + 899.10
    won = _get(client_for, "supervisor", url, status="won").context["totals"]
    assert won == {"count": 2, "amount": Decimal("2000.00"), "weighted_sum": Decimal("2000.00")}


def test_a_searched_or_filtered_list_totals_its_deals(cast: Any, client_for: Any) -> None:
    _deal(cast.rep, "Mine", "100.00", 15, expected_close=date(2031, 1, 15))
    _deal(cast.peer_rep, "Theirs", "250.00", 30, expected_close=date(2031, 1, 31))
    url, peer = reverse("crm:opportunity_list"), cast.peer_rep.pk
    cases = [
        ({"q": "Mine"}, {"name": "Mine"}),
        # close dates that cut a month
        ({"close_from": "2031-01-02"}, {"expected_close__gte": date(2031, 1, 2)}),
        ({"close_to": "2031-01-30"}, {"expected_close__lte": date(2031, 1, 30)}),
        ({"owner": peer, "tier": "general"}, {"owner": peer, "customer__tier": "general"}),
        # a bad value is left out, with its error; the open deals are still shown
        ({"owner": "not a person"}, {}),
    ]
    for params, filters in cases:
        page = _get(client_for, "supervisor", url, **params)
        assert _read_deals_for_totals(page.queries), params
        assert page.context["totals"] == _deals_totals(cast.supervisor, **filters), params
    assert _get(client_for, "supervisor", url, q="Mine").context["totals"]["count"] == 1


def test_a_bad_filter_value_shows_its_error_and_the_other_filters_still_apply(
    cast: Any, client_for: Any
) -> None:
    # given an open and a won deal of the rep's
    mine = _deal(cast.rep, "Mine", "100.00", 15)
    _closed(make.ready_deal(cast.rep, "Won"), cast.rep, "won")
    url = reverse("crm:opportunity_list")
    # when a saved filter names an owner the supervisor may not pick, and another a bad date
    for bad in ({"owner": cast.outside_rep.pk}, {"close_to": "2027-02-30"}):
        page = _get(client_for, "supervisor", url, **bad)
        # then the field shows its error and the list its open deals, not every deal
        assert [o.pk for o in page.context["page"]] == [mine.pk], bad
        html = page.content.decode()
        label = "Owner" if "owner" in bad else "Expected close until"
        assert f'data-testid="filter-error">{label}:' in html, bad
        assert "is-invalid" in html
    won = _get(client_for, "supervisor", url, status="won", owner="x")
    assert [o.name for o in won.context["page"]] == ["Won"]


def test_a_channel_managers_open_deals_are_totalled_from_the_deals(
    cast: Any, client_for: Any
) -> None:
    # a channel manager also sees partners' deals, which no owner's rollup row holds
    made = _partner_records(cast)
    page = _get(client_for, "channel_manager", reverse("crm:opportunity_list"))
    assert _read_deals_for_totals(page.queries)
    assert page.context["totals"]["count"] == 1
    assert [o.pk for o in page.context["page"]] == [made["deal"].pk]


def test_with_no_open_deals_the_totals_are_empty_as_the_deals_give_them(
    cast: Any, client_for: Any
) -> None:
    won = make.ready_deal(cast.rep, "Won")  # leaves a rollup row of zeros behind
    services.opportunity_move_stage(actor=cast.rep, opportunity=won, stage=make.stage("won"))
    page = _get(client_for, "rep", reverse("crm:opportunity_list"))
    assert page.context["totals"] == {"count": 0, "amount": None, "weighted_sum": None}
    assert page.context["totals"] == _deals_totals(cast.rep)
    assert list(page.context["page"]) == []
