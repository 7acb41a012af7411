"""Today's open deals read from their rollup per owner and stage (crm.OpenPipeline) equal the
same reads of the deals — per stage (dashboards) and per owner, stint and stage (the funnel's
breakdown) — for the whole company, a region, a team, a person and each role's visible deals,
with someone moved to another team today; and the deals are read when the rollup cannot
answer (a channel manager, a breakdown by product line)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesops.crm.models import Partner
from salesops.insights import metrics
from salesops.insights import rolled as rolled_reads
from salesops.insights.lens import Window
from salesops.insights.selectors import common, funnel_reads
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(cast: Any) -> None:
    """Open deals of three people (rep and peer_rep in n1, outside_rep in s1) in three
    stages with odd cents and probabilities, a won and a lost deal, and peer_rep moved from n1
    (north) to s1 (south) today."""
    make.ensure_reference()
    for i, (who, code) in enumerate([
        ("rep", "lead"), ("rep", "need"), ("rep", "need"), ("peer_rep", "lead"),
        ("peer_rep", "proposal"), ("outside_rep", "need"), ("outside_rep", "proposal"),
    ]):  # fmt: skip
        opp = make.deal(cast.users[who], f"{1000 + 37 * i}.{i}5", stage_code=code)
        opp.probability = 13 + 11 * i
        opp.save()
    make.deal(cast.rep, "500.00", stage_code="won", closed=make.local(make.today()))
    make.deal(cast.rep, "700.00", stage_code="lost", closed=make.local(make.today()),
              lost_reason="price")  # fmt: skip
    from salesops.org.services import person_move

    person_move(
        actor=cast.admin, person=cast.peer_rep, unit=cast.units["s1"], position="rep",
        manager=cast.other_supervisor, effective=make.today(),
    )  # fmt: skip


def _reads(lens: Any) -> tuple[dict[str, Any], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        got = {
            "by_stage": common.open_by_stage(lens),
            "team": funnel_reads.open_parts(lens, "team"),
            "person": funnel_reads.open_parts(lens, "person"),
        }
    return got, [q["sql"] for q in queries.captured_queries]


def _from_deals(lens: Any, monkeypatch: Any) -> dict[str, Any]:
    with monkeypatch.context() as m:
        m.setattr(rolled_reads, "open_grouped", lambda *_a: None)
        got, sqls = _reads(lens)
    assert not any("crm_openpipeline" in sql for sql in sqls)
    return got


@pytest.mark.parametrize(
    ("who", "unit", "person"),
    [("director", None, None), ("director", "acme", None), ("director", "north", None),
     ("other_manager", "south", None), ("supervisor", "n1", None), ("manager", None, "rep"),
     ("rep", None, "rep"), ("other_supervisor", "s1", None)],
)  # fmt: skip
def test_open_deals_from_the_rollup_equal_the_deals(
    cast: Any, planted: None, monkeypatch: Any, who: str, unit: str | None, person: str | None,
) -> None:  # fmt: skip
    lens = make.lens_of(cast, who, Window.of(make.last_month().next()), unit, person)
    got, sqls = _reads(lens)
    assert all("crm_openpipeline" in sql for sql in sqls if "crm_opportunity" in sql) and sqls
    assert not any('FROM "crm_opportunity"' in sql for sql in sqls)
    # one read per grouping: by stage, and for each dimension by its keys and by stage
    assert len([sql for sql in sqls if "crm_openpipeline" in sql]) == 5
    assert got == _from_deals(lens, monkeypatch)
    if who == "director" and unit is None:
        assert sum(p["n"] for p in got["by_stage"].values()) == 7


def test_the_moved_person_counts_for_the_team_they_are_in_today(cast: Any, planted: None) -> None:
    window = Window.of(make.last_month().next())
    south = common.open_by_stage(make.lens(cast.director, window, unit=cast.units["s1"]))
    north = common.open_by_stage(make.lens(cast.director, window, unit=cast.units["n1"]))
    assert sum(p["n"] for p in south.values()) == 4  # peer_rep's two and outside_rep's two
    assert sum(p["n"] for p in north.values()) == 3  # rep's


def test_the_deals_are_read_when_the_rollup_cannot_answer(cast: Any, planted: None) -> None:
    window = Window.of(make.last_month().next())
    Partner.objects.create(name="Channel Co", kind=Partner.Kind.DISTRIBUTOR,
                           channel_manager=cast.channel_manager)  # fmt: skip
    assert rolled_reads.open_grouped(make.lens(cast.channel_manager, window), ["stage_id"]) is None
    lens = make.lens(cast.director, window)
    assert rolled_reads.open_grouped(lens, ["product_line_id", "stage_id"]) is None
    with CaptureQueriesContext(connection) as queries:
        funnel_reads.open_parts(lens, "product_line")
    assert any('FROM "crm_opportunity"' in q["sql"] for q in queries.captured_queries)


def test_a_row_whose_deals_moved_away_is_left_out(cast: Any, planted: None) -> None:
    """The rollup keeps a zero row for a stage whose deals all left it; the deals have no
    such group, and neither do the reads."""
    from salesops.crm.models import Opportunity

    Opportunity.objects.filter(owner=cast.outside_rep, stage__code="proposal").update(
        closed_at=make.local(make.today()) - timedelta(hours=1)
    )
    lens = make.lens(cast.director, Window.of(make.last_month().next()))
    keys = set(metrics.open_grouped(lens, ["kpi_owner", "stage_id"]))
    proposal = make.stage("proposal").pk
    assert (cast.outside_rep.pk, proposal) not in keys
    assert (cast.peer_rep.pk, proposal) in keys
