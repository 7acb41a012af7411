"""KPIs per whole month read from the deals' monthly rollup (targets.rollups, crm.DealMonth)
equal the same KPIs read from the deals, for the whole company, a region, a team, a person and
each role's visible deals, including a person who changed team on the 20th of a month (that
month of theirs is read from the deals); and the deals are read instead whenever the rollup
cannot answer: a KPI with a filter of its own, a channel manager (who also sees partners'
deals), a rollup built in another time zone, weeks or a window that is not whole months."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesops.core.periods import Period
from salesops.crm.models import Partner
from salesops.insights import metrics
from salesops.insights import rolled as rolled_reads
from salesops.insights.lens import Window
from salesops.insights.selectors import common, funnel
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.insights.tests.test_funnel_reads import History, plant_with_a_move
from salesops.targets import rollups
from salesops.targets.models import KpiDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast: Any) -> History:
    return plant_with_a_move(cast)


CODES = ("won_revenue", "win_rate", "sales_cycle", "deals_opened", "closed_deals", "lost_deals")


def _read(lens: Any, kind: str = "month", window: Window | None = None) -> tuple[Any, list[str]]:
    window = window or common.trend_window(lens, 12)
    defs = metrics.kpi_definitions(CODES)
    with CaptureQueriesContext(connection) as queries:
        got = metrics.kpis_by_bucket(lens, list(defs.values()), kind, window.start, window.end)
    return got, [q["sql"] for q in queries.captured_queries]


def _from_deals(lens: Any, monkeypatch: Any, **kw: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(rollups, "usable", lambda: False)
        got, sqls = _read(lens, **kw)
    assert not any("crm_dealmonth" in sql for sql in sqls)
    return got


def _rolled(sqls: list[str]) -> bool:
    return any("crm_dealmonth" in sql for sql in sqls)


def _deal_reads(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if 'FROM "crm_opportunity"' in sql]


@pytest.mark.parametrize(
    ("who", "unit", "person"),
    [("director", "acme", None), ("director", None, None), ("manager", "north", None),
     ("other_manager", "south", None), ("supervisor", "n1", None), ("supervisor", "acme", None),
     ("manager", None, "rep"),
     ("rep", None, "rep")],
)  # fmt: skip
def test_months_from_the_rollup_equal_months_from_the_deals(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str | None,
    person: str | None,
) -> None:  # fmt: skip
    lens = make.lens_of(cast, who, Window.of(history.month), unit, person)
    got, sqls = _read(lens)
    assert _rolled(sqls)
    assert got == _from_deals(lens, monkeypatch)
    month = (history.month.key,)
    assert got["deals_opened"].get(month) or got["win_rate"].get(month) or who == "rep"
    assert all(type(p["n"]) is int for rows in got.values() for p in rows.values())


def test_a_month_of_someone_who_changed_team_is_read_from_the_deals(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    """peer_rep moved from n1 (north) to s1 (south) on the 20th: north's and south's months
    before are whole, that one month is theirs in part, and only it is read from the deals."""
    for unit in ("north", "south"):
        lens = make.lens(cast.director, Window.of(history.month), unit=cast.units[unit])
        got, sqls = _read(lens)
        assert _rolled(sqls) and got == _from_deals(lens, monkeypatch)
        deal_reads = _deal_reads(sqls)
        assert deal_reads and all(str(cast.peer_rep.pk) in sql for sql in deal_reads)
    north = make.lens(cast.director, Window.of(history.month), unit=cast.units["north"])
    got, _sqls = _read(north)
    # peer_rep's lost deals of the 10th and the 12th count for north (before the move)
    lost = got["lost_deals"][(history.month.key,)]
    assert (lost["n"], lost["total"]) == (3, Decimal("1200.00"))


def test_the_whole_company_reads_no_deals(cast: Any, history: History) -> None:
    lens = make.lens(cast.director, Window.of(history.month), unit=cast.units["acme"])
    _got, sqls = _read(lens)
    assert _rolled(sqls) and not _deal_reads(sqls)


def test_the_funnel_trend_is_read_from_the_rollup(cast: Any, history: History,
                                                  monkeypatch: Any) -> None:  # fmt: skip
    lens = make.lens(cast.director, Window.of(history.month))
    defs = metrics.kpi_definitions(funnel.FUNNEL_KPIS)
    rolled = funnel.trend(lens, defs)
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == funnel.trend(lens, defs)
    assert any(row["won"] and row["opened"] for row in rolled)


def test_the_deals_are_read_when_the_rollup_cannot_answer(
    cast: Any, history: History, monkeypatch: Any, settings: Any
) -> None:
    lens = make.lens(cast.director, Window.of(history.month))
    # a KPI with a filter of its own
    assert KpiDefinition.objects.filter(code="won_revenue").update(
        filters={"customer_tier": ["key"]}
    )
    got, sqls = _read(lens)
    assert not _rolled(sqls) and got == _from_deals(lens, monkeypatch)
    KpiDefinition.objects.filter(code="won_revenue").update(filters={})
    # weeks, and a window that does not end with a month
    assert not _rolled(_read(lens, kind="week", window=Window.of(history.month))[1])
    part = Window(history.month.start, history.month.end.replace(day=25), "custom")
    assert not _rolled(_read(lens, window=part)[1])
    # a channel manager, who also sees their partners' deals
    Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                           channel_manager=cast.channel_manager)  # fmt: skip
    assert not _rolled(_read(make.lens(cast.channel_manager, Window.of(history.month)))[1])
    # a rollup built in another time zone (until `crm_rebuild_rollups`)
    settings.TIME_ZONE = "UTC"
    got, sqls = _read(lens)
    assert not _rolled(sqls) and got == _from_deals(lens, monkeypatch)


def test_placement_by_stints() -> None:
    from datetime import date

    from salesops.targets.attribution import Stint, Stints

    months = [Period.containing("month", date(2026, m, 1)) for m in (1, 2, 3)]
    info = Stints(date(2026, 1, 1), date(2026, 3, 31), {
        1: [Stint(1, 10, date(2026, 1, 1), date(2026, 3, 31))],
        2: [Stint(2, 10, date(2026, 1, 1), date(2026, 2, 14)),
            Stint(2, 20, date(2026, 2, 15), date(2026, 3, 31))],
        3: [Stint(3, 20, date(2026, 1, 1), date(2026, 3, 31))],
    }, [4])  # fmt: skip
    where = rollups.place(months, info, {10}, None)
    assert where.inside == {1: {0, 1, 2}, 2: {0}} and where.split == [(2, 1)]
    assert rollups.place(months, info, None, None).everyone
    assert rollups.place(months, info, None, 3).inside == {3: {0, 1, 2}}
    assert rollups.place(months, info, {20}, 3).inside == {3: {0, 1, 2}}
    assert rollups.place(months, info, {10}, 3).inside == {}


@pytest.mark.parametrize(
    ("who", "unit"), [("director", "acme"), ("manager", "north"), ("other_manager", "south")]
)
def test_figures_and_owners_over_whole_months_equal_the_deals(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str
) -> None:
    quarter = Period.containing("quarter", history.month.start)
    defs = metrics.kpi_definitions(CODES)

    def read() -> tuple[Any, ...]:
        found = []
        for window in (Window.of(history.month), Window.of(quarter)):
            lens = make.lens(cast.users[who], window, unit=cast.units[unit])
            found.append([metrics.figure(lens, key, defs=defs)
                          for key in ("won", "win_rate", "cycle", "opened", "lost")])  # fmt: skip
            found.append(rolled_reads.dated_by_owner(lens, defs["won_revenue"], window.start,
                                                window.end))  # fmt: skip
        return tuple(found)

    with CaptureQueriesContext(connection) as queries:
        rolled = read()
    assert _rolled([q["sql"] for q in queries.captured_queries])
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read()
    assert rolled[0][0]["value"] and rolled[1]


def test_peoples_kpi_values_over_whole_months_equal_the_deals(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    """The targets' actuals per person (team table, attainment): from the rollup for a month
    and a quarter, for everyone and for a list of people; a KPI group with an ineligible KPI
    (new customers) is read from the deals."""
    from salesops.targets import kpi_batch

    codes = ["won_revenue", "win_rate", "avg_deal_size", "sales_cycle", "opportunities_created"]
    kpi_list = list(KpiDefinition.objects.filter(code__in=codes))
    quarter = Period.containing("quarter", history.month.start)
    ids = [cast.rep.pk, cast.peer_rep.pk]

    def read(kpis: list[Any]) -> tuple[list[Any], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            got = [kpi_batch.people_values(kpis, p.start, p.end, owners)
                   for p in (history.month, quarter) for owners in (None, ids)]  # fmt: skip
        return got, [q["sql"] for q in queries.captured_queries]

    rolled, sqls = read(kpi_list)
    assert _rolled(sqls) and not _deal_reads(sqls)
    assert rolled[0]["won_revenue"][cast.rep.pk] == sum(history.won["rep"])
    assert set(rolled[1]["won_revenue"]) == set(ids)
    mixed = [*kpi_list, KpiDefinition.objects.get(code="new_customers")]
    with_new, sqls = read(mixed)
    assert _deal_reads(sqls)
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read(kpi_list)[0]
    assert with_new == read(mixed)[0]


@pytest.mark.parametrize(("who", "unit"), [("director", "acme"), ("manager", "north")])
def test_units_kpis_over_whole_months_equal_the_deals(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str
) -> None:
    """The managers page's KPIs per unit: peer_rep's month split between n1 and s1 is read
    from the deals, and each of their deals counts for the team they were in that day."""
    from salesops.insights.lens import unit_paths

    defs = list(metrics.kpi_definitions([*CODES, "new_customers", "activities_done"]).values())
    wanted = list(cast.units.values())
    quarter = Period.containing("quarter", history.month.start)

    def read() -> tuple[Any, list[str]]:
        found = []
        with CaptureQueriesContext(connection) as queries:
            for window in (Window.of(history.month), Window.of(quarter)):
                lens = make.lens(cast.users[who], window, unit=cast.units[unit])
                got = metrics.kpis_by_unit(lens, defs, wanted, unit_paths())
                # parts without their zeros (a KPI read alone has only its own parts)
                found.append({code: {u: {k: v for k, v in p.items() if v}
                                     for u, p in rows.items() if p.get("n")}
                              for code, rows in got.items()})  # fmt: skip
        return found, [q["sql"] for q in queries.captured_queries]

    rolled, sqls = read()
    assert _rolled(sqls)
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read()[0]
    n1, s1 = cast.units["n1"].pk, cast.units["s1"].pk
    lost = rolled[0]["lost_deals"]
    # peer_rep's two lost deals before the move count for n1, for whoever still sees them (the
    # manager of north no longer does: peer_rep is in the south now)
    assert lost[n1]["n"] == (3 if who == "director" else 1) and s1 not in lost


def test_people_and_units_actuals_over_whole_months_equal_the_deals(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    """The targets' actuals of people and units together (targets.kpis.evaluate_both, the
    target tree): peer_rep's deals count for n1 before their move and s1 after it."""
    from salesops.targets import kpis

    quarter = Period.containing("quarter", history.month.start)
    defs = KpiDefinition.objects.filter(code__in=["won_revenue", "win_rate", "sales_cycle"])
    north = {cast.units["north"].pk, cast.units["n1"].pk}

    def read() -> tuple[list[Any], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            got = [kpis.evaluate_both(kpi, p.start, p.end, within) for kpi in defs
                   for p in (history.month, quarter) for within in (None, north)]  # fmt: skip
        return got, [q["sql"] for q in queries.captured_queries]

    make.deal(cast.peer_rep, "50.00", stage_code="won",
              closed=make.local(history.month.start.replace(day=25)))  # fmt: skip
    rolled, sqls = read()
    assert _rolled(sqls)
    people, units = rolled[0]
    assert units[cast.units["s1"].pk].total == sum(history.won["outside_rep"]) + Decimal("50.00")
    assert people[cast.peer_rep.pk].total == sum(history.won["peer_rep"]) + Decimal("50.00")
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read()[0]


@pytest.mark.parametrize(
    ("who", "unit", "person"),
    [("director", "acme", None), ("manager", "north", None), ("other_manager", "south", None),
     ("supervisor", "acme", None), ("manager", None, "peer_rep"),
     ("other_manager", None, "peer_rep")],
)  # fmt: skip
def test_done_activities_from_their_daily_rollup_equal_the_activities(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str | None,
    person: str | None,
) -> None:  # fmt: skip
    """Weekly volume per person, the figure and units' counts: a person who changed team on
    the 20th has each day counted where they were that day."""
    from salesops.insights.lens import unit_paths

    day = history.month.start.replace(day=22)  # after peer_rep's move
    make.activity(cast.peer_rep, "visit", make.local(day))
    kpi = metrics.kpi_definitions(["activities_done"])["activities_done"]
    quarter = Period.containing("quarter", history.month.start)

    def read() -> tuple[list[Any], list[str]]:
        found: list[Any] = []
        with CaptureQueriesContext(connection) as queries:
            for window in (Window.of(history.month), Window.of(quarter)):
                lens = make.lens_of(cast, who, window, unit, person)
                found.append(rolled_reads.dated_buckets(lens, kpi, "week", window.start, window.end,
                                                   owner=True))  # fmt: skip
                found.append(metrics.figure(lens, "activities", defs={kpi.code: kpi}))
                by_unit = metrics.kpis_by_unit(lens, [kpi], cast.units.values(), unit_paths())
                found.append({u: p for u, p in by_unit[kpi.code].items() if p.get("n")})
        return found, [q["sql"] for q in queries.captured_queries]

    rolled, sqls = read()
    assert any("crm_activityday" in sql for sql in sqls)
    assert any("crm_activitymonth" in sql for sql in sqls)  # the units' counts
    assert not any('FROM "crm_activity"' in sql for sql in sqls)
    assert rolled[1]["value"] or who != "director"
    assert all(type(parts["n"]) is int for parts in rolled[0].values())  # not a numeric sum
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read()[0]


@pytest.mark.parametrize(("who", "unit"), [("director", "acme"), ("manager", "north")])
def test_units_done_activities_from_their_monthly_rollup(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str
) -> None:
    """The managers page's done activities per unit over a quarter: whole months from the
    monthly rollup, and only the month peer_rep's move splits from the daily one, each day
    counted for the team they were in that day (n1 before the 20th, s1 from it)."""
    from salesops.insights.lens import unit_paths

    kpi = metrics.kpi_definitions(["activities_done"])["activities_done"]
    lens = make.lens(cast.users[who], Window.of(Period.containing("quarter", history.month.start)),
                     unit=cast.units[unit])  # fmt: skip

    def read() -> tuple[dict[int, Any], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            got = metrics.kpis_by_unit(lens, [kpi], cast.units.values(), unit_paths())
        rows = {u: p["n"] for u, p in got[kpi.code].items() if p.get("n")}
        return rows, [q["sql"] for q in queries.captured_queries]

    before = read()[0]
    for day in (3, 22, 22):
        make.activity(cast.peer_rep, "visit", make.local(history.month.start.replace(day=day)))
    rolled, sqls = read()
    months = [sql for sql in sqls if "crm_activitymonth" in sql]
    days = [sql for sql in sqls if "crm_activityday" in sql]
    assert len(months) == 1 and len(days) == 1  # the split month: peer_rep's days only
    assert f'"crm_activityday"."owner_id" = {cast.peer_rep.pk}' in days[0]
    assert not any('FROM "crm_activity"' in sql for sql in sqls)
    n1, s1 = cast.units["n1"].pk, cast.units["s1"].pk
    if who == "director":  # the manager of north no longer sees peer_rep's activities
        assert rolled[s1] - before.get(s1, 0) == 2 and rolled[n1] - before.get(n1, 0) == 1
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert rolled == read()[0]


def test_stage_ids_are_read_once_per_page_and_compared_as_ids(cast: Any, history: History) -> None:
    """Within a page's shared reads the rollup's sums compare stage ids read once, not a
    subquery per KPI; the figures equal those read with the subqueries (outside a page)."""
    from salesops.core import shared_reads
    from salesops.crm.models import DealMonth

    window = Window.of(Period.containing("quarter", history.month.start))
    lens = make.lens(cast.director, window)
    defs = list(metrics.kpi_definitions(CODES).values())

    def read() -> Any:
        return metrics.kpis_by_bucket(lens, defs, "month", window.start, window.end)

    @shared_reads.scope
    def page() -> tuple[Any, Any, bool, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            got, again = read(), read()
            none = DealMonth.objects.filter(rollups.in_stages_of({"no such kind"})).exists()
        return got, again, none, [q["sql"] for q in queries.captured_queries]

    outside, (got, again, none, sqls) = read(), page()
    assert got == outside == again and any(got["won_revenue"].values())
    rollup_reads = [sql for sql in sqls if "crm_dealmonth" in sql]
    stage_reads = [sql for sql in sqls if 'FROM "crm_stage"' in sql]
    # the ids, read once; then the subquery for a kind no stage has
    assert len(stage_reads) == 2 and stage_reads[1] == rollup_reads[-1]
    assert len(rollup_reads) == 3 and not any("crm_stage" in sql for sql in rollup_reads[:2])
    assert none is False


def test_done_activities_with_a_filter_are_read_from_the_activities(
    cast: Any, history: History
) -> None:
    lens = make.lens(cast.director, Window.of(history.month))
    visits = metrics.kpi_definitions(["visits"])["visits"]
    assert rolled_reads.activity_days(lens, visits, history.month.start, history.month.end) is None
    done = metrics.kpi_definitions(["activities_done"])["activities_done"]
    Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                           channel_manager=cast.channel_manager)  # fmt: skip
    channel = make.lens(cast.channel_manager, Window.of(history.month))
    assert rolled_reads.activity_days(channel, done, history.month.start, history.month.end) is None


def test_many_weeks_of_done_activities_from_their_daily_rollup(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    """Beyond 60 buckets each row's bucket is computed in the query (a local day's week)."""
    kpi = metrics.kpi_definitions(["activities_done"])["activities_done"]
    start = history.month.start.replace(year=history.month.start.year - 2)
    lens = make.lens(cast.director, Window(start, history.month.end, "custom"))
    got = rolled_reads.dated_buckets(lens, kpi, "week", start, history.month.end, owner=True)
    monkeypatch.setattr(rollups, "usable", lambda: False)
    assert got and got == rolled_reads.dated_buckets(
        lens, kpi, "week", start, history.month.end, owner=True
    )
