"""The funnel's cohort (deals opened in the window that reached each stage) read from the
rollup per owner, month of opening and stages reached (crm.DealCohort), and its time in stage
read from the rollup of finished stays per owner, month and stage (crm.StayMonth), equal the
same reads of the deals and stays, for the whole company, a region, a team, a person and each
role's visible deals, with someone who changed team on the 20th (that month of theirs read
from the records); and the records are read when a rollup cannot answer (a channel manager, a
window that is not whole months)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from salesops.crm.models import Partner, Stage
from salesops.insights import metrics
from salesops.insights import rolled as rolled_reads
from salesops.insights.lens import Window
from salesops.insights.selectors import funnel
from salesops.insights.selectors.common import stages as open_stages
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.insights.tests.test_funnel_reads import History, plant_with_a_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast: Any) -> History:
    """plant_with_a_move's history, and deals opened in its month by the people of both teams
    (the moved peer_rep before and after the 20th) in several stages."""
    h = plant_with_a_move(cast)
    for i, (who, code, day) in enumerate([
        ("rep", "need", 3), ("rep", "proposal", 15), ("rep", "won", 25),
        ("peer_rep", "need", 5), ("peer_rep", "proposal", 18), ("peer_rep", "need", 24),
        ("outside_rep", "lead", 9), ("outside_rep", "proposal", 27),
    ]):  # fmt: skip
        opened = make.local(h.month.start.replace(day=day))
        closed = opened + timedelta(days=2) if code == "won" else None
        opp = make.deal(cast.users[who], f"{200 + 31 * i}.{i}9", stage_code=code,
                        created=opened, entered=opened, closed=closed)  # fmt: skip
        make.stay(opp, "lead", opened - timedelta(days=i + 0.3), i + 0.3)  # ended when opened
    return h


def _funnel() -> list[Stage]:
    return [*open_stages(), *Stage.objects.filter(kind=Stage.Kind.WON, is_active=True)]


def _read(lens: Any) -> tuple[Any, list[str]]:
    kpi = metrics.kpi_definitions(["deals_opened"])["deals_opened"]
    with CaptureQueriesContext(connection) as queries:
        got = funnel.reached(lens, kpi, _funnel())
    return got, [q["sql"] for q in queries.captured_queries]


def _from_deals(lens: Any, monkeypatch: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(rolled_reads, "reached", lambda *_a: None)
        got, sqls = _read(lens)
    assert not any("crm_dealcohort" in sql for sql in sqls)
    return got


@pytest.mark.parametrize(
    ("who", "unit", "person"),
    [("director", None, None), ("director", "acme", None), ("manager", "north", None),
     ("other_manager", "south", None), ("supervisor", "n1", None),
     ("other_supervisor", "s1", None), ("manager", None, "peer_rep"), ("rep", None, "rep")],
)  # fmt: skip
def test_the_cohort_from_the_rollup_equals_the_deals(
    cast: Any, history: History, monkeypatch: Any, who: str, unit: str | None,
    person: str | None,
) -> None:  # fmt: skip
    lens = make.lens_of(cast, who, Window.of(history.month), unit, person)
    got, sqls = _read(lens)
    assert any("crm_dealcohort" in sql for sql in sqls)
    assert got == _from_deals(lens, monkeypatch)
    if who == "director" and unit is None:
        assert not any('FROM "crm_opportunity"' in sql for sql in sqls)
        assert max(p["n"] for p in got.values()) >= 8  # this month's deals at least


def test_the_moved_persons_month_is_read_from_the_deals(
    cast: Any, history: History, monkeypatch: Any
) -> None:
    lens = make.lens(cast.supervisor, Window.of(history.month), unit=cast.units["n1"])
    got, sqls = _read(lens)
    assert any('FROM "crm_opportunity"' in sql for sql in sqls)  # peer_rep's month
    assert got == _from_deals(lens, monkeypatch)
    south = make.lens(cast.director, Window.of(history.month), unit=cast.units["s1"])
    # peer_rep's deal opened on the 24th counts for s1, not n1
    assert _read(south)[0] == _from_deals(south, monkeypatch)


def test_the_deals_are_read_when_the_rollup_cannot_answer(cast: Any, history: History) -> None:
    Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                           channel_manager=cast.channel_manager)  # fmt: skip
    kpi = metrics.kpi_definitions(["deals_opened"])["deals_opened"]
    masks = {s.pk: 1 << s.pk for s in _funnel()}
    channel = make.lens(cast.channel_manager, Window.of(history.month))
    assert rolled_reads.reached(channel, kpi, masks) is None
    days = Window(history.month.start, history.month.start + timedelta(days=9), "custom")
    assert rolled_reads.reached(make.lens(cast.director, days), kpi, masks) is None


def _stays(lens: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        got = rolled_reads.stays_by_stage(lens)
    return got, [q["sql"] for q in queries.captured_queries]


def _stays_from_records(lens: Any) -> Any:
    return metrics.grouped(metrics.stays(lens, lens.window.start, lens.window.end),
                           ["stage_id"], {"n": Count("pk"), "total": Sum("duration")})  # fmt: skip


@pytest.mark.parametrize(
    ("who", "unit", "person"),
    [("director", None, None), ("director", "acme", None), ("manager", "north", None),
     ("supervisor", "n1", None), ("other_supervisor", "s1", None),
     ("manager", None, "peer_rep"), ("rep", None, "rep")],
)  # fmt: skip
def test_the_stays_from_the_rollup_equal_the_stays(
    cast: Any, history: History, who: str, unit: str | None, person: str | None
) -> None:
    lens = make.lens_of(cast, who, Window.of(history.month), unit, person)
    got, sqls = _stays(lens)
    assert any("crm_staymonth" in sql for sql in sqls)
    assert got == _stays_from_records(lens)
    if who == "director" and unit is None:
        assert not any('FROM "crm_stagehistory"' in sql for sql in sqls)
        assert sum(p["n"] for p in got.values()) >= 8
    if unit in ("n1", "s1"):  # peer_rep's month, split by the move, from the stays
        assert any('FROM "crm_stagehistory"' in sql for sql in sqls)


def test_the_stays_are_read_when_the_rollup_cannot_answer(cast: Any, history: History) -> None:
    Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                           channel_manager=cast.channel_manager)  # fmt: skip
    assert (
        rolled_reads.stays_by_stage(make.lens(cast.channel_manager, Window.of(history.month)))
        is None
    )
    days = Window(history.month.start, history.month.start + timedelta(days=9), "custom")
    assert rolled_reads.stays_by_stage(make.lens(cast.director, days)) is None
