"""Finished stays per owner, local month of their end and stage (crm.StayMonth, crm 0016), kept
by triggers on the stage history and on the deals' owner: after stage moves through the
services, stays added, ended, re-dated, moved to another deal or deleted in bulk, and deals
reassigned (one and many) or deleted, the rows that hold stays equal what the stays sum to in
exact microseconds; a rebuild recomputes them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from salesops.core.localtime import Elapsed
from salesops.crm.models import Opportunity, StageHistory, StayMonth
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.services.sales import opportunity_move_stage
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]


def _expected() -> dict[tuple[Any, ...], tuple[int, int]]:
    found: Counter[tuple[Any, ...]] = Counter()
    for h in StageHistory.objects.filter(left_at__isnull=False).select_related("opportunity"):
        key = (timezone.localtime(h.left_at).date().replace(day=1), h.opportunity.owner_id,
               h.stage_id)  # fmt: skip
        found[(*key, "n")] += 1
        found[(*key, "us")] += (h.left_at - h.entered_at) // timedelta(microseconds=1)
    keys = {k[:-1] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "us")]) for k in keys}


def _stored() -> dict[tuple[Any, ...], tuple[int, int]]:
    rows = StayMonth.objects.filter(n__gt=0)
    return {(r.month, r.owner_id, r.stage_id): (r.n, r.total_us) for r in rows}


def _agree() -> None:
    assert _stored() == _expected()
    assert not StayMonth.objects.filter(n=0).exclude(total_us=0).exists()
    assert not StayMonth.objects.filter(n__lt=0).exists()


def test_the_stays_follow_every_write(cast: Any) -> None:
    first = make.ready_deal(cast.rep, name="First")
    second = make.deal(cast.rep, name="Second")
    opportunity_move_stage(actor=cast.rep, opportunity=first, stage=make.stage("need"))
    _agree()
    assert sum(n for n, _us in _stored().values()) == 1  # the first stage's stay ended
    need, proposal = make.stage("need"), make.stage("proposal")
    late = datetime(2026, 3, 31, 16, 30, 0, 123456, tzinfo=UTC)  # 00:30 on 1 April local
    StageHistory.objects.bulk_create([
        StageHistory(opportunity=second, stage=need, entered_at=late - timedelta(days=3),
                     left_at=late),
        StageHistory(opportunity=second, stage=proposal, entered_at=late),
    ])  # fmt: skip
    _agree()
    assert (datetime(2026, 4, 1).date(), cast.rep.pk, need.pk) in _stored()
    StageHistory.objects.filter(opportunity=second, stage=proposal).update(
        left_at=late + timedelta(hours=5, microseconds=7)
    )
    StageHistory.objects.filter(opportunity=second, stage=need).update(
        entered_at=late - timedelta(days=9), opportunity=first
    )
    _agree()
    Opportunity.objects.filter(pk=first.pk).update(owner=cast.peer_rep)
    Opportunity.objects.update(owner=cast.outside_rep)  # many at once
    Opportunity.objects.filter(pk=second.pk).update(name="Renamed")  # the owner kept
    _agree()
    StageHistory.objects.filter(stage=proposal).delete()
    _agree()
    second.delete()
    Opportunity.objects.filter(pk=first.pk).delete()
    _agree()
    assert _stored() == {}


def test_the_rebuild_recomputes_the_stays(cast: Any) -> None:
    opp = make.ready_deal(cast.rep, name="Rebuilt")
    opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("need"))
    StayMonth.objects.update(n=9, total_us=1)  # damaged: the rebuild recomputes
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
    assert _stored()


def test_a_time_just_short_of_the_next_second_counts_exactly(cast: Any) -> None:
    # Given a stay that ended .999764 s past a second (SQLite rounds such a fraction up to the
    # next second when asked for seconds) after starting .123456 s past one
    deal = make.deal(cast.rep, name="Edge")
    edge = datetime(2026, 3, 10, 4, 5, 6, 999764, tzinfo=UTC)
    length = timedelta(days=2, microseconds=876308)
    StageHistory.objects.create(opportunity=deal, stage=make.stage("need"),
                                entered_at=edge - length, left_at=edge)  # fmt: skip
    # Then the rollup holds its exact length, and so does the records' own measure
    _agree()
    stays = StageHistory.objects.filter(left_at=edge)
    assert stays.annotate(d=Elapsed("left_at", "entered_at")).get().d == length
