"""Each customer's first won deal, flagged by triggers (crm 0013): after every kind of write to
the deals (services, bulk inserts, updates of one or many rows, a stale save, deletes) and to a
stage's kind, exactly the customers' earliest won deals carry the flag; a rebuild restores
flags the triggers did not keep."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from salesops.crm import first_win_sql
from salesops.crm.models import Opportunity, Stage
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.services.sales import opportunity_move_stage
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


def _expected() -> set[int]:
    """The won deal of each customer with the earliest close (then the lowest id)."""
    first: dict[int, tuple[Any, int]] = {}
    won = Opportunity.objects.filter(stage__kind=Stage.Kind.WON, closed_at__isnull=False)
    for d in won:
        if d.customer_id not in first or (d.closed_at, d.pk) < first[d.customer_id]:
            first[d.customer_id] = (d.closed_at, d.pk)
    return {pk for _at, pk in first.values()}


def _flagged() -> set[int]:
    return set(Opportunity.objects.filter(first_win=True).values_list("pk", flat=True))


def _agree() -> set[int]:
    assert _flagged() == _expected()
    return _flagged()


def _bulk(of: Any, owner: Any, stage: Stage, *hours: int) -> list[Opportunity]:
    now = timezone.now()
    return Opportunity.objects.bulk_create([
        Opportunity(name=f"Bulk {h}", customer=of, owner=owner, stage=stage, amount=Decimal(h),
                    stage_entered_at=now, closed_at=now + timedelta(hours=h))
        for h in hours
    ])  # fmt: skip


def test_the_flags_follow_every_write_to_the_deals(cast: Any) -> None:
    won, lost, need = make.stage("won"), make.stage("lost"), make.stage("need")
    opp = make.ready_deal(cast.rep, name="Service")
    assert _agree() == set()
    opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=won)
    assert _agree() == {opp.pk}
    # an earlier win inserted for the same customer takes the flag; a later one does not
    earlier, later = _bulk(opp.customer, cast.peer_rep, won, -48, 48)
    assert _agree() == {earlier.pk}
    # several customers' deals in one statement: another customer, lost, reopened, moved later
    other = make.customer(cast.rep, name="Other Ltd")
    Opportunity.objects.filter(pk__in=[earlier.pk, later.pk]).update(customer=other)
    assert _agree() == {opp.pk, earlier.pk}
    Opportunity.objects.filter(pk=earlier.pk).update(stage=lost)
    assert _agree() == {opp.pk, later.pk}
    Opportunity.objects.filter(pk=later.pk).update(stage=need, closed_at=None)
    assert _agree() == {opp.pk}
    Opportunity.objects.filter(pk=earlier.pk).update(stage=won)
    Opportunity.objects.filter(customer=opp.customer).update(
        closed_at=timezone.now() - timedelta(days=400)
    )
    assert _agree() == {opp.pk, earlier.pk}
    # deleted: the next won deal of the customer, if any, becomes its first
    _bulk(other, cast.rep, won, 5, 7)
    Opportunity.objects.filter(pk=earlier.pk).delete()
    assert len(_agree()) == 2
    Opportunity.objects.filter(customer=other).delete()
    assert _agree() == {opp.pk}


def test_the_flag_cannot_be_written_wrong(cast: Any) -> None:
    """A stale save, or an update of the flag itself, is put right by the triggers."""
    won = make.stage("won")
    opp = make.deal(cast.rep, name="Stale")
    stale = Opportunity.objects.get(pk=opp.pk)
    earlier, later = _bulk(opp.customer, cast.rep, won, -5, 5)
    assert _agree() == {earlier.pk}
    stale.name = "Renamed from an old copy"  # the copy still says first_win=False
    fresh = Opportunity.objects.get(pk=earlier.pk)
    fresh.first_win = False
    fresh.save()
    Opportunity.objects.filter(pk=later.pk).update(first_win=True)
    stale.save()
    assert _agree() == {earlier.pk}


def test_a_stage_that_changes_kind_moves_the_flags(cast: Any) -> None:
    won, lost = make.stage("won"), make.stage("lost")
    opp = make.deal(cast.rep, name="Kinds")
    lost_one, won_one = (
        _bulk(opp.customer, cast.rep, lost, -5)[0],
        _bulk(opp.customer, cast.rep, won, 5)[0],
    )
    assert _agree() == {won_one.pk}
    Stage.objects.filter(pk=lost.pk).update(kind=Stage.Kind.WON)
    assert _agree() == {lost_one.pk}
    Stage.objects.filter(pk=lost.pk).update(kind=Stage.Kind.LOST, name="Lost again")
    assert _agree() == {won_one.pk}


def _run(statements: list[str]) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def test_the_rebuild_restores_flags_the_triggers_missed(cast: Any) -> None:
    """As after a load that skipped the triggers (the bench's PostgreSQL COPY)."""
    pg = connection.vendor == "postgresql"
    make.deal(cast.rep, name="Rebuilt")
    first, _second = _bulk(
        make.customer(cast.rep, name="Twice Ltd"), cast.rep, make.stage("won"), 1, 2
    )
    _run(first_win_sql.POSTGRESQL_DROP if pg else first_win_sql.SQLITE_DROP)
    Opportunity.objects.update(first_win=True)
    _run(first_win_sql.POSTGRESQL if pg else first_win_sql.SQLITE)
    assert _flagged() != _expected()
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    assert _agree() == {first.pk}
