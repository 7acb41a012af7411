"""Deals per owner, local month of opening and stages reached (crm.DealCohort, crm 0015), kept
by triggers on the deals and on the stages reached: after stage moves through the services,
history rows added, moved or deleted in bulk, deals reassigned, re-dated, re-priced or deleted
(one and many), the rows that hold deals equal what the deals and their bits sum to; a rebuild
recomputes them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.crm.models import DealCohort, Opportunity, StageHistory, StagesReached
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401
from salesops.crm.tests.test_stages_reached import stage_ids_the_bits_hold  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]


def _expected() -> dict[tuple[Any, ...], tuple[int, int]]:
    found: Counter[tuple[Any, ...]] = Counter()
    bits = dict(StagesReached.objects.values_list("opportunity_id", "bits"))
    for d in Opportunity.objects.all():
        if bits.get(d.pk):
            key = (timezone.localtime(d.created_at).date().replace(day=1), d.owner_id, bits[d.pk])
            found[(*key, "n")] += 1
            found[(*key, "a")] += int(d.amount * 100)
    keys = {k[:-1] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "a")]) for k in keys}


def _stored() -> dict[tuple[Any, ...], tuple[int, int]]:
    rows = DealCohort.objects.filter(n__gt=0)
    return {(r.month, r.owner_id, r.bits): (r.n, int(r.amount * 100)) for r in rows}


def _agree() -> None:
    assert _stored() == _expected()
    assert not DealCohort.objects.filter(n=0).exclude(amount=0).exists()
    assert not DealCohort.objects.filter(n__lt=0).exists()


def test_the_cohorts_follow_every_write(cast: Any) -> None:
    first = make.ready_deal(cast.rep, name="First")
    second = make.deal(cast.rep, name="Second", amount=Decimal("300.01"))
    _agree()
    assert sum(n for n, _a in _stored().values()) == 2  # each with its first stage
    # the history written in bulk: a stage reached, a stay moved to another deal, one deleted
    need, proposal = make.stage("need"), make.stage("proposal")
    now = timezone.now()
    StageHistory.objects.bulk_create([
        StageHistory(opportunity=first, stage=need, entered_at=now),
        StageHistory(opportunity=second, stage=proposal, entered_at=now),
    ])  # fmt: skip
    _agree()
    StageHistory.objects.filter(opportunity=second, stage=proposal).update(opportunity=first)
    StageHistory.objects.filter(opportunity=first, stage=need).delete()
    _agree()
    # the deals reassigned, re-priced, opened in another month (00:30 local on 1 April)
    Opportunity.objects.filter(pk=first.pk).update(owner=cast.peer_rep, amount=Decimal("77.70"))
    Opportunity.objects.filter(pk=second.pk).update(
        created_at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    )
    _agree()
    assert (datetime(2026, 4, 1).date(), cast.rep.pk) in {k[:2] for k in _stored()}
    # a third deal, then deleted one by one and many at once
    third = make.deal(cast.peer_rep, name="Third", amount=Decimal("5.00"))
    Opportunity.objects.filter(pk=third.pk).update(created_at=now - timedelta(days=40))
    _agree()
    third.delete()
    _agree()
    Opportunity.objects.filter(pk__in=[first.pk, second.pk]).delete()
    _agree()
    assert _stored() == {}


def test_the_rebuild_recomputes_the_cohorts(cast: Any) -> None:
    make.deal(cast.rep, name="Rebuilt", amount=Decimal("12.34"))
    DealCohort.objects.update(n=9)  # damaged: the rebuild recomputes
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
    assert _stored()
