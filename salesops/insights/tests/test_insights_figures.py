"""Every headline figure equals its drill-down list and an independent recomputation.

The history: last month, the rep won two deals and lost one, the peer rep won one and lost one,
the outside rep (another branch) won one; each has open deals and done activities.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from salesops.core.periods import Period
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@dataclass
class History:
    month: Period
    won: dict[str, list[Decimal]] = field(default_factory=dict)
    lost: dict[str, list[Decimal]] = field(default_factory=dict)
    open: dict[str, list[tuple[Decimal, int]]] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)


def _plant(cast: Any) -> History:
    month = make.last_month()
    day = month.start.replace(day=10)
    h = History(month)
    plan = {
        "rep": (
            ["1000.00", "2500.50"], ["700.00"], [("3000.00", "lead"), ("4000.00", "negotiation")], 3
        ),
        "peer_rep": (["1500.25"], ["200.00"], [("1000.00", "proposal")], 2),
        "outside_rep": (["9999.99"], [], [("5000.00", "need")], 5),
    }  # fmt: skip
    for name, (won, lost, open_, acts) in plan.items():
        user = cast.users[name]
        for amount in won:
            make.deal(
                user,
                amount,
                stage_code="won",
                closed=make.local(day),
                created=make.local(month.start),
            )
        for amount in lost:
            make.deal(user, amount, stage_code="lost", closed=make.local(day), lost_reason="price")
        for amount, code in open_:
            make.deal(user, amount, stage_code=code, expected_close=make.today())
        for i in range(acts):
            make.activity(user, "call", make.local(day, 9 + i))
        h.won[name] = [Decimal(a) for a in won]
        h.lost[name] = [Decimal(a) for a in lost]
        h.open[name] = [(Decimal(a), make.stage(c).probability) for a, c in open_]
        h.done[name] = acts
    # Outside the month: must not count.
    make.deal(
        cast.rep,
        "999.00",
        stage_code="won",
        closed=make.local(month.start) - make.timedelta(days=3),
    )
    make.activity(cast.rep, "visit", make.local(month.end) + make.timedelta(days=2))
    return h


@pytest.fixture
def history(cast: Any) -> History:
    make.ensure_reference()
    return _plant(cast)


def _drill(client: Any, **params: Any) -> Any:
    response = client.get(f"{reverse('insights:drill')}?{urlencode(params)}")
    assert response.status_code == 200
    return response.context


def _weighted(items: list[tuple[Decimal, int]]) -> Decimal:
    cents = sum(int((a * 100 * p + 50) // 100) for a, p in items)
    return Decimal(cents) / 100


def test_rep_figures_equal_their_lists_and_a_recomputation(
    client_for: Any, cast: Any, history: History
) -> None:
    client = client_for("rep")
    page = client.get(reverse("insights:rep"), {"period": history.month.key})
    figures = page.context["figures"]
    expected_won = sum(history.won["rep"], Decimal(0))
    assert figures["won"]["value"] == expected_won == Decimal("3500.50")
    won = _drill(client, metric="won", period=history.month.key, person=cast.rep.pk)
    assert won["totals"] == {"count": 2, "amount": Decimal("3500.50")}
    assert won["figure"]["value"] == expected_won
    assert figures["win_rate"]["value"] == Decimal("66.67")  # 2 won of 3 closed
    closed = _drill(client, metric="win_rate", period=history.month.key, person=cast.rep.pk)
    assert closed["totals"]["count"] == 3
    assert figures["activities"]["value"] == Decimal(history.done["rep"])
    acts = _drill(client, metric="activities", period=history.month.key, person=cast.rep.pk)
    assert acts["totals"] == {"count": 3}
    pipe = _drill(client, metric="pipeline", period=history.month.key, person=cast.rep.pk)
    assert figures["pipeline"]["value"] == pipe["totals"]["amount"] == Decimal("7000.00")
    assert figures["pipeline"]["parts"]["weighted"] == pipe["totals"]["weighted_sum"]
    assert pipe["totals"]["weighted_sum"] == _weighted(history.open["rep"]) == Decimal("3300.00")


def test_team_figures_cover_the_team_and_only_the_team(
    client_for: Any, cast: Any, history: History
) -> None:
    client = client_for("manager")
    north = cast.units["north"]
    page = client.get(reverse("insights:team"), {"period": history.month.key, "unit": north.pk})
    figures = page.context["figures"]
    expected = sum(history.won["rep"] + history.won["peer_rep"], Decimal(0))
    assert figures["won"]["value"] == expected == Decimal("5000.75")
    won = _drill(client, metric="won", period=history.month.key, unit=north.pk)
    assert won["totals"] == {"count": 3, "amount": expected}
    assert {r.owner_id for r in won["page"]} == {cast.rep.pk, cast.peer_rep.pk}
    assert figures["win_rate"]["value"] == Decimal("60.00")  # 3 won of 5 closed
    assert figures["activities"]["value"] == Decimal(5)
    board = {row["person"].username: row["won"] for row in page.context["board"]}
    assert board["rep"] == Decimal("3500.50") and board["peer_rep"] == Decimal("1500.25")
    assert "outside_rep" not in board
    stages = {row["stage"].code: row for row in page.context["stages"]}
    assert stages["negotiation"]["amount"] == Decimal("4000.00")
    lead = _drill(client, metric="pipeline", period=history.month.key, unit=north.pk,
                  stage=make.stage("lead").pk)  # fmt: skip
    assert lead["totals"]["amount"] == stages["lead"]["amount"] == Decimal("3000.00")


def test_managers_rows_equal_their_lists(client_for: Any, cast: Any, history: History) -> None:
    client = client_for("director")
    acme = cast.units["acme"]
    page = client.get(reverse("insights:managers"), {"period": history.month.key, "unit": acme.pk})
    rows = {r.unit.code: r for r in page.context["rows"]}
    assert set(rows) == {"north", "south"}
    for code, people in (("north", ["rep", "peer_rep"]), ("south", ["outside_rep"])):
        expected = sum((a for p in people for a in history.won[p]), Decimal(0))
        unit = cast.units[code]
        won = _drill(client, metric="won", period=history.month.key, unit=unit.pk)
        assert rows[code].now.won == won["totals"]["amount"] == expected
        acts = _drill(client, metric="activities", period=history.month.key, unit=unit.pk)
        assert (
            rows[code].now.activities
            == acts["totals"]["count"]
            == sum(history.done[p] for p in people)
        )
    assert rows["north"].now.win_rate == Decimal("60.00")
    assert rows["south"].now.win_rate == Decimal("100.00")
    assert rows["north"].before.won == Decimal("999.00")  # the deal of the month before


def test_funnel_figures_equal_their_lists(client_for: Any, cast: Any, history: History) -> None:
    client = client_for("manager")
    north = cast.units["north"]
    page = client.get(reverse("insights:funnel"), {"period": history.month.key, "unit": north.pk})
    head = page.context["headline"]
    assert head["won"]["value"] == Decimal("5000.75")
    assert head["avg_size"] == Decimal("1666.92")  # 5000.75 / 3, half up
    lost = {row["reason"]: row for row in page.context["lost"]}
    assert lost["price"]["n"] == 2 and lost["price"]["amount"] == Decimal("900.00")
    drill = _drill(client, metric="lost", period=history.month.key, unit=north.pk, reason="price")
    assert drill["totals"] == {"count": 2, "amount": Decimal("900.00")}
    by_person = {row["label"]: row for row in page.context["breakdown"]}
    assert by_person[str(cast.rep)]["won"] == Decimal("3500.50")
    assert by_person[str(cast.rep)]["win_rate"] == Decimal("66.7")


def test_forecast_figures_equal_their_lists(client_for: Any, cast: Any, history: History) -> None:
    make.deal(
        cast.rep, "800.00", stage_code="closing", expected_close=make.today(), category="commit"
    )
    client = client_for("rep")
    page = client.get(reverse("insights:forecast"))
    total = page.context["total"]
    assert total["commit"] == Decimal("800.00")
    window = page.context["lens"].window
    drill = _drill(
        client, metric="pipeline", category="commit", person=cast.rep.pk,
        close_from=window.start.isoformat(), close_to=window.end.isoformat(),
    )  # fmt: skip
    assert drill["totals"]["amount"] == Decimal("800.00")
    assert total["call"] == total["won"] + Decimal("800.00")


def test_the_drill_down_exports_the_same_rows(client_for: Any, cast: Any, history: History) -> None:
    client = client_for("manager")
    query = {"metric": "won", "period": history.month.key, "unit": cast.units["north"].pk,
             "export": "csv"}  # fmt: skip
    response = client.get(reverse("insights:drill"), query)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert sorted(Decimal(r[4]) for r in rows) == sorted(
        history.won["rep"] + history.won["peer_rep"]
    )


def test_searching_a_drill_down_keeps_its_figure(
    client_for: Any, cast: Any, history: History
) -> None:
    client = client_for("rep")
    params = {"metric": "won", "period": history.month.key, "q": "2500"}
    response = client.get(reverse("insights:drill"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["totals"] == {"count": 1, "amount": Decimal("2500.50")}
    assert response.context["figure"]["value"] == Decimal("3500.50")  # the figure, unsearched


def test_funnel_by_team_follows_the_unit_at_the_time(
    client_for: Any, cast: Any, history: History
) -> None:
    # Given the peer rep moved from team n1 to s1 on the 20th, after last month's deals (10th)
    from salesops.org.services import person_move

    person_move(
        actor=cast.admin, person=cast.peer_rep, unit=cast.units["s1"], position="rep",
        manager=cast.other_supervisor, effective=history.month.start.replace(day=20),
    )  # fmt: skip
    client = client_for("director")
    n1, s1 = cast.units["n1"], cast.units["s1"]
    query = {"period": history.month.key, "unit": cast.units["acme"].pk}
    # When the director breaks last month's funnel down by team
    page = client.get(reverse("insights:funnel"), {**query, "by": "team"})
    rows = {row["key"]: row for row in page.context["breakdown"]}
    # Then closed deals count for the team their owner was in on the closing day, and open deals
    # for the owner's team today
    assert (rows[n1.pk]["won"], rows[n1.pk]["won_n"], rows[n1.pk]["lost_n"]) == (
        Decimal("5000.75"), 3, 2,
    )  # fmt: skip
    assert (rows[s1.pk]["won"], rows[s1.pk]["won_n"]) == (Decimal("9999.99"), 1)
    assert rows[n1.pk]["open"] == Decimal("7000.00")  # the rep's; the peer's deal moved
    assert rows[s1.pk]["open"] == Decimal("6000.00")
    # and each row's drill-down lists exactly its records
    for unit, won, pipeline in ((n1, "5000.75", "7000.00"), (s1, "9999.99", "6000.00")):
        row = {**query, "dim": "team", "value": unit.pk}
        assert _drill(client, metric="won", **row)["totals"]["amount"] == Decimal(won)
        assert _drill(client, metric="pipeline", **row)["totals"]["amount"] == Decimal(pipeline)


def test_a_large_unit_lists_the_people_furthest_behind(
    client_for: Any, cast: Any, history: History, monkeypatch: Any
) -> None:
    # Given won-revenue targets: the outside rep at 10 %, the rep at 50 %, the peer rep at 100 %
    from salesops.insights.selectors import dashboards

    monkeypatch.setattr(dashboards, "FOCUS", 2)
    for name, value in (("outside_rep", "99999.90"), ("rep", "7001.00"), ("peer_rep", "1500.25")):
        make.target("won_revenue", cast.users[name], history.month, value)
    client = client_for("director")
    query = {"period": history.month.key, "unit": cast.units["acme"].pk}
    # When the director opens the whole company's dashboard, which lists at most two people
    page = client.get(reverse("insights:team"), query)
    # Then the table and the activity grid show the two furthest behind, lowest first
    assert [r.person.username for r in page.context["shown_rows"]] == ["outside_rep", "rep"]
    assert [p.username for p in page.context["shown_members"]] == ["outside_rep", "rep"]
    assert 'data-person="peer_rep"' not in page.content.decode()
    assert 'data-testid="focus-note"' in page.content.decode()
    assert len(page.context["members"]) > 2  # the figures still cover everyone
    # and the table, columns and figures are those of the whole table, only fewer rows: the
    # same page with room for everyone agrees on every figure, column and cell shown
    monkeypatch.setattr(dashboards, "FOCUS", 1000)
    whole = client.get(reverse("insights:team"), query).context
    assert len(whole["shown_rows"]) == len(page.context["members"])
    assert [k.code for k in page.context["kpi_list"]] == [k.code for k in whole["kpi_list"]]
    assert {k: f["value"] for k, f in page.context["figures"].items()} == {
        k: f["value"] for k, f in whole["figures"].items()
    }
    assert page.context["figures"]["activities"]["value"] > 0
    cells = {r.person.pk: [(c.target, c.actual, c.att) for c in r.cells] for r in whole["rows"]}
    for row in page.context["shown_rows"]:
        assert [(c.target, c.actual, c.att) for c in row.cells] == cells[row.person.pk]
    shown = {p.pk for p in page.context["shown_members"]}
    assert {owner for owner, _week in page.context["volume"]} <= shown
    assert page.context["coaching"] == whole["coaching"]
    # and the export still has everyone
    export = client.get(reverse("insights:team"), {**query, "export": "csv", "table": "attainment"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Peer Rep" in text and "Outside Rep" in text
    # and the leaderboard's export has everyone too, each with their unit, most won first
    export = client.get(
        reverse("insights:team"), {**query, "export": "csv", "table": "leaderboard"}
    )
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    by_name = {line[0]: line for line in lines[1:]}
    assert len(lines) - 1 == len(page.context["members"])
    assert by_name[str(cast.outside_rep)][1] == str(cast.outside_rep.unit)
    assert lines[1][0] == str(cast.outside_rep)  # the most won revenue (see the history)


def test_last_coaching_is_each_persons_newest_done_coaching_visit(cast: Any) -> None:
    """Planned coaching visits and other activities do not count; a person without a coaching
    visit has none."""
    from salesops.insights.selectors.common import last_coaching

    day = make.last_month().start
    for n, (who, coaching, status) in enumerate([
        ("rep", True, "done"), ("rep", True, "done"), ("rep", True, "planned"),
        ("rep", False, "done"), ("peer_rep", True, "done"), ("outside_rep", False, "done"),
    ]):  # fmt: skip
        make.activity(cast.users[who], "visit", make.local(day.replace(day=3 + 5 * n)),
                      status=status, is_coaching=coaching)  # fmt: skip
    people = [cast.users[who].pk for who in ("rep", "peer_rep", "outside_rep")]
    assert last_coaching(people) == {
        cast.rep.pk: make.local(day.replace(day=8)),
        cast.peer_rep.pk: make.local(day.replace(day=23)),
    }
    assert last_coaching([cast.outside_rep.pk]) == {}


def test_due_for_coaching_are_reps_behind_or_with_alerts_not_coached_lately(cast: Any) -> None:
    """A rep at risk or off track, or with two open alerts or more, is due unless a coaching
    visit saw them in the last COACHING_DAYS; those at risk come first, then by alerts. Only
    they have their last visit read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesops.insights.selectors.dashboards import COACHING_DAYS, _coaching_due

    today = make.today()
    long_ago = today - make.timedelta(days=COACHING_DAYS + 5)
    make.activity(cast.rep, "visit", make.local(long_ago), is_coaching=True)
    lately = today - make.timedelta(days=3)
    make.activity(cast.peer_rep, "visit", make.local(lately), is_coaching=True)
    members = [cast.rep, cast.peer_rep, cast.outside_rep, cast.supervisor]
    status = {cast.rep.pk: "on_track", cast.peer_rep.pk: "at_risk",
              cast.outside_rep.pk: "off_track", cast.supervisor.pk: "off_track"}  # fmt: skip
    alerts = {cast.rep.pk: 2, cast.outside_rep.pk: 1}
    due = _coaching_due(members, status, alerts, today)
    # the rep (alerts; coached long ago) and the outside rep (never coached) are due; the peer
    # rep was coached three days ago; the supervisor is not a rep
    assert [(d["person"], d["days"]) for d in due] == [
        (cast.outside_rep, None),
        (cast.rep, (today - long_ago).days),
    ]
    assert due[0]["status"] == "off_track" and due[1]["alerts"] == 2
    # nobody behind and at most one alert each: nobody due, and no visit is looked up
    with CaptureQueriesContext(connection) as queries:
        assert _coaching_due(members, {}, {cast.rep.pk: 1}, today) == []
    assert queries.captured_queries == []
