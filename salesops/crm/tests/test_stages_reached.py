"""The stages each deal has been in, as bits kept by triggers on the stage history (crm 0009):
exact after every kind of write to the history, and the funnel's "reached this stage or a later
one" counted from them equals the count from each deal's furthest stage in its history, also
after the stages are reordered and when a stage id has no bit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesops.crm.models import Opportunity, Stage, StageHistory, StagesReached
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stage_ids_the_bits_hold(db: Any) -> None:
    """Stage ids of at most MAX_BIT, as a real pipeline has. A test database that has been
    flushed and reloaded many times (transactional tests) numbers its reference stages past it;
    they are renumbered within the test's transaction while nothing refers to them yet. (The
    funnel with ids past MAX_BIT reads the history: test_a_stage_id_beyond_the_bits_...)"""
    stages = list(Stage.objects.order_by("pk").values_list("pk", flat=True))
    if max(stages, default=0) <= StagesReached.MAX_BIT:
        return
    assert not StageHistory.objects.exists() and not Opportunity.objects.exists()
    free = iter(sorted(set(range(1, StagesReached.MAX_BIT + 1)) - set(stages)))
    for pk in stages:
        if pk > StagesReached.MAX_BIT:
            Stage.objects.filter(pk=pk).update(id=next(free))


def _from_history(opp: Opportunity) -> int:
    ids = StageHistory.objects.filter(opportunity=opp).values_list("stage_id", flat=True)
    return sum(1 << pk for pk in set(ids))


def _bits(opp: Opportunity) -> int | None:
    row = StagesReached.objects.filter(opportunity=opp).first()
    return None if row is None else row.bits


def _stay(opp: Opportunity, code: str, days_ago: int) -> StageHistory:
    at = timezone.now() - timedelta(days=days_ago)
    return StageHistory.objects.create(opportunity=opp, stage=make.stage(code), entered_at=at)


def test_the_bits_follow_every_write_to_the_history(cast: Any) -> None:
    # A deal created and moved by the services
    opp = make.ready_deal(cast.rep)
    services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("need"))
    assert (
        _bits(opp)
        == _from_history(opp)
        == (1 << make.stage("lead").pk) | (1 << make.stage("need").pk)
    )
    # rows added one by one and in bulk
    _stay(opp, "proposal", 3)
    StageHistory.objects.bulk_create([
        StageHistory(opportunity=opp, stage=make.stage("lost"), entered_at=timezone.now()),
    ])  # fmt: skip
    assert _bits(opp) == _from_history(opp)
    # a row moved to another stage and another deal, and a row deleted
    other = make.deal(cast.rep, name="Other deal")
    row = _stay(opp, "closing", 2)
    StageHistory.objects.filter(pk=row.pk).update(stage=make.stage("won"))
    assert _bits(opp) == _from_history(opp) and _bits(opp) & (1 << make.stage("won").pk)
    StageHistory.objects.filter(pk=row.pk).update(opportunity=other)
    assert (_bits(opp), _bits(other)) == (_from_history(opp), _from_history(other))
    StageHistory.objects.filter(opportunity=opp, stage__code="proposal").delete()
    assert _bits(opp) == _from_history(opp) and not _bits(opp) & (1 << make.stage("proposal").pk)
    # a deal deleted takes its bits with it
    opp_pk = opp.pk
    opp.delete()
    assert not StagesReached.objects.filter(opportunity_id=opp_pk).exists()


def test_a_history_update_that_changes_neither_deal_nor_stage_keeps_the_bits(cast: Any) -> None:
    opp = make.deal(cast.rep)
    before = _bits(opp)
    StageHistory.objects.filter(opportunity=opp).update(left_at=timezone.now())
    assert _bits(opp) == before == _from_history(opp)


def _plant(cast: Any) -> None:
    """Deals that went different ways: stopped early, lost after a proposal, reopened, won."""
    paths = [["lead"], ["lead", "need"], ["lead", "need", "proposal", "lost"],
             ["lead", "lost"], ["lead", "need", "proposal", "negotiation", "closing", "won"],
             ["lead", "proposal", "lost", "need"], ["lead", "negotiation"]]  # fmt: skip
    for i, path in enumerate(paths):
        opp = make.deal(cast.rep, name=f"Path {i}", amount=f"{100 * (i + 1)}.00")
        for day, code in enumerate(path[1:]):
            _stay(opp, code, 20 - day)


def _funnel(cast: Any) -> tuple[Any, Any]:
    from salesops.insights import metrics
    from salesops.insights.selectors import funnel
    from salesops.insights.tests import support

    lens = support.lens(cast.director, unit=cast.units["acme"])
    kpi = metrics.kpi_definitions(["deals_opened"])["deals_opened"]
    stages = [*Stage.objects.filter(kind="open", is_active=True), *Stage.objects.filter(kind="won")]
    by_bits = funnel.reached(lens, kpi, stages)
    by_history = funnel._reached_by_history(funnel.cohort(lens, kpi), stages)
    return by_bits, by_history


def test_the_funnel_counts_from_the_bits_what_the_history_gives(cast: Any) -> None:
    _plant(cast)
    by_bits, by_history = _funnel(cast)
    assert by_bits == by_history
    assert by_bits[make.stage("lead").pk]["n"] == 7 and by_bits[make.stage("won").pk]["n"] == 1
    # after an administrator swaps two stages' order
    need, proposal = make.stage("need"), make.stage("proposal")
    Stage.objects.filter(pk=need.pk).update(order=proposal.order)
    Stage.objects.filter(pk=proposal.pk).update(order=need.order)
    by_bits, by_history = _funnel(cast)
    assert by_bits == by_history


def test_a_stage_id_beyond_the_bits_reads_the_history(cast: Any, monkeypatch: Any) -> None:
    _plant(cast)
    monkeypatch.setattr(StagesReached, "MAX_BIT", 1)  # every stage id here is beyond
    with CaptureQueriesContext(connection) as queries:
        by_bits, by_history = _funnel(cast)
    assert by_bits == by_history
    assert not any("crm_stagesreached" in q["sql"] for q in queries.captured_queries)


def test_the_triggers_exist_after_all_migrations() -> None:
    """A migration that rebuilds crm_stagehistory on SQLite drops its triggers with the old
    table; it must create them again (crm 0009's SQL)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                        " AND tbl_name = 'crm_stagehistory'")  # fmt: skip
        else:
            cur.execute("SELECT tgname FROM pg_trigger"
                        " WHERE tgrelid = 'crm_stagehistory'::regclass")  # fmt: skip
        found = {row[0] for row in cur.fetchall()}
    assert found >= {f"crm_stages_reached_{op}" for op in ("insert", "update", "delete")}
