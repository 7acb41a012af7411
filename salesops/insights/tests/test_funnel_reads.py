"""The funnel page's grouped reads (selectors.funnel_reads) give the numbers of reading each
figure on its own (funnel.headline, stage_rows, lost_reasons, breakdown), for every breakdown
dimension, for a region and for the whole company, including a person who changed team during
the month and a KPI definition with a filter of its own; and the page falls back to reading
figure by figure when the closed-deal KPIs no longer read the same rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesops.insights import metrics
from salesops.insights.lens import Window
from salesops.insights.selectors import funnel, funnel_reads
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.insights.tests.test_insights_figures import History, _plant
from salesops.targets.models import KpiDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast: Any) -> History:
    return plant_with_a_move(cast)


def plant_with_a_move(cast: Any) -> History:
    """_plant's history, a lost deal of peer_rep on the 12th, and peer_rep moved from n1
    (north) to s1 (south) on the 20th of the month."""
    make.ensure_reference()
    h = _plant(cast)
    day = h.month.start.replace(day=12)
    make.deal(cast.peer_rep, "300.00", stage_code="lost", closed=make.local(day),
              lost_reason="timing", source="referral")  # fmt: skip
    from salesops.org.services import person_move

    person_move(
        actor=cast.admin, person=cast.peer_rep, unit=cast.units["s1"], position="rep",
        manager=cast.other_supervisor, effective=h.month.start.replace(day=20),
    )  # fmt: skip
    return h


def _one_by_one(lens: Any, dim: str) -> dict[str, Any]:
    defs = metrics.kpi_definitions(funnel.FUNNEL_KPIS)
    return {
        "headline": funnel.headline(lens, defs),
        "stages": funnel.stage_rows(lens, defs),
        "lost": funnel.lost_reasons(lens, defs["lost_deals"]),
        "breakdown": funnel.breakdown(lens, defs, dim),
    }


def _same(page: dict[str, Any], alone: dict[str, Any]) -> None:
    for key in ("won", "win_rate", "cycle", "pipeline"):
        got, want = page["headline"][key], alone["headline"][key]
        assert got["value"] == want["value"], key
        for part in ("n", "num", "total", "amount", "weighted"):
            assert got["parts"].get(part, 0) == want["parts"].get(part, 0), (key, part)
    assert page["headline"]["avg_size"] == alone["headline"]["avg_size"]
    assert page["headline"]["velocity"] == alone["headline"]["velocity"]
    assert page["stages"] == alone["stages"]
    assert page["lost"] == alone["lost"]
    assert page["breakdown"] == alone["breakdown"]


@pytest.mark.parametrize("dim", funnel.DIMENSIONS)
@pytest.mark.parametrize(("who", "unit"), [("director", "acme"), ("manager", "north")])
def test_the_grouped_reads_equal_each_figure_read_alone(
    cast: Any, history: History, dim: str, who: str, unit: str
) -> None:
    lens = make.lens(cast.users[who], Window.of(history.month), unit=cast.units[unit])
    page = funnel.funnel_page(lens, dim)
    alone = _one_by_one(lens, dim)
    _same(page, alone)
    assert page["headline"]["win_rate"]["parts"]["n"] > 0 and page["lost"]


@pytest.mark.parametrize("dim", ["person", "team"])
@pytest.mark.parametrize(
    ("who", "unit"), [("director", "acme"), ("director", "north"), ("manager", "north")]
)
def test_by_person_or_team_the_rollups_answer_without_reading_the_closed_deals(
    cast: Any, history: History, dim: str, who: str, unit: str, monkeypatch: Any
) -> None:
    # Given a whole month's window, in which the peer rep lost a deal before moving out of
    # north (the director's view of north splits that month: it is read from the deals)
    lens = make.lens(cast.users[who], Window.of(history.month), unit=cast.units[unit])
    alone = _one_by_one(lens, dim)

    def refused(*_args: Any) -> None:
        raise AssertionError("the closed deals were read")

    # When the page is read with the grouped read of the closed deals refused
    monkeypatch.setattr(funnel_reads, "_closed_read", refused)
    with CaptureQueriesContext(connection) as ctx:
        page = funnel.funnel_page(lens, dim)
    # Then the rollups gave every figure, lost reason and row as the deals read alone do
    _same(page, alone)
    assert any("crm_reasonmonth" in q["sql"] for q in ctx.captured_queries)
    assert page["lost"] and page["breakdown"]


def _edited(code: str, **changes: Any) -> None:
    """The catalogue's KPI as an administrator changed it."""
    assert KpiDefinition.objects.filter(code=code).update(**changes) == 1


def test_a_kpi_with_its_own_filter_keeps_it(cast: Any, history: History) -> None:
    # Given won revenue counted only from referrals (an administrator's filter on one KPI)
    make.deal(cast.rep, "450.00", stage_code="won", source="referral",
              closed=make.local(history.month.start.replace(day=11)))  # fmt: skip
    _edited("won_revenue", filters={"source": ["referral"]})
    lens = make.lens(cast.director, Window.of(history.month), unit=cast.units["acme"])
    page = funnel.funnel_page(lens, "person")
    # Then the headline's won revenue is the one referral, and the rest is as read alone
    assert page["headline"]["won"]["value"] == Decimal("450.00")
    assert page["headline"]["win_rate"]["parts"]["num"] == 5  # win rate keeps every won deal
    _same(page, _one_by_one(lens, "person"))


def test_kpis_that_no_longer_share_rows_are_read_one_by_one(cast: Any, history: History) -> None:
    # Given won revenue redefined over the deals opened (another source and date field)
    _edited("won_revenue", source="opportunities", date_field="created_at", filters={})
    lens = make.lens(cast.director, Window.of(history.month), unit=cast.units["acme"])
    defs = metrics.kpi_definitions(funnel.FUNNEL_KPIS)
    assert funnel_reads.closed_parts(lens, defs, "person") is None
    _same(funnel.funnel_page(lens, "person"), _one_by_one(lens, "person"))


def test_a_long_breakdown_lists_the_most_won_first_and_all_on_request(
    client_for: Any, cast: Any, history: History, monkeypatch: Any
) -> None:
    from django.urls import reverse

    from salesops.insights.views import analysis

    monkeypatch.setattr(analysis, "BREAKDOWN_SHOWN", 2)
    client = client_for("director")
    query = {"period": history.month.key, "unit": cast.units["acme"].pk, "by": "person"}
    page = client.get(reverse("insights:funnel"), query)
    shown, everyone = page.context["breakdown_shown"], page.context["breakdown"]
    # The two with the most won revenue, and a note with a link to everyone
    assert [r["label"] for r in shown] == [str(cast.outside_rep), str(cast.rep)]
    assert len(everyone) == 3
    html = page.content.decode()
    note = html[html.index('data-testid="breakdown-note"') :].split("</div>")[0]
    assert "2" in note and "3" in note and "all=1" in note  # in the user's language
    assert html.count("<tr>", html.index('data-testid="breakdown-table"')) == 1 + 2
    page = client.get(reverse("insights:funnel"), {**query, "all": "1"})
    assert len(page.context["breakdown_shown"]) == 3
    assert 'data-testid="breakdown-note"' not in page.content.decode()
    export = client.get(reverse("insights:funnel"), {**query, "export": "csv",
                                                     "table": "breakdown"})  # fmt: skip
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 3  # the header and every person


def _stays(lens: Any, start: Any, end: Any) -> list[tuple[Any, ...]]:
    rows = metrics.stays(lens, start, end).values_list("pk", "kpi_owner", "kpi_stint", "duration")
    return sorted(rows)


def test_a_units_stays_filtered_by_its_peoples_deals_are_the_same_stays(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    # given stays ending in the month, among them the person's who changed team on the 20th:
    # one before (in their old team), one after (in s1)
    start, end = history.month.start, history.month.end
    for opened, left in ((2, 8), (15, 25)):
        make.deal(cast.peer_rep, "10.00", stage_code="need",
                  created=make.local(start.replace(day=opened)),
                  entered=make.local(start.replace(day=left)))  # fmt: skip
    director, window = cast.users["director"], Window.of(history.month)
    lenses = {u: make.lens(director, window, unit=cast.units[u]) for u in ("north", "s1", "acme")}
    prefiltered = {u: _stays(lens, start, end) for u, lens in lenses.items()}
    sql = {u: str(metrics.stays(lens, start, end).query) for u, lens in lenses.items()}
    # when the stays are read without the filter by the unit's people's deals
    monkeypatch.setattr(metrics, "_of_owners", lambda qs, *_args: qs)
    plain = {u: _stays(lens, start, end) for u, lens in lenses.items()}
    # then they are the same stays, and SQLite (only) was given the filter for a part of the
    # company (not for the whole of it, which it would not narrow)
    assert prefiltered == plain
    moved = {u: [row for row in rows if row[1] == cast.peer_rep.pk] for u, rows in plain.items()}
    assert 0 < len(moved["s1"]) < len(moved["acme"])  # the moved person's stays on both sides
    assert plain["north"] and len(plain["acme"]) > len(plain["north"])
    for unit, text in sql.items():
        filtered = '"crm_stagehistory"."opportunity_id" IN (SELECT' in text
        assert filtered == (connection.vendor == "sqlite" and unit != "acme"), unit
