"""Closed deals per owner, local month of closing, stage and lost reason (crm.ReasonMonth,
crm 0017), kept by triggers on the deals: after deals are lost and won through the services,
bulk inserts, updates of one or many rows that reopen, re-date across a month's end, reassign,
re-price or change the reason, and deletes one by one and many at once, the rows that hold
deals equal what the closed deals sum to; a rebuild recomputes them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.crm.models import Opportunity, ReasonMonth
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.services.sales import opportunity_move_stage
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]


def _expected() -> dict[tuple[Any, ...], tuple[int, int]]:
    found: Counter[tuple[Any, ...]] = Counter()
    for d in Opportunity.objects.filter(closed_at__isnull=False):
        key = (timezone.localtime(d.closed_at).date().replace(day=1), d.owner_id, d.stage_id,
               d.lost_reason)  # fmt: skip
        found[(*key, "n")] += 1
        found[(*key, "a")] += int(d.amount * 100)
    keys = {k[:-1] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "a")]) for k in keys}


def _stored() -> dict[tuple[Any, ...], tuple[int, int]]:
    rows = ReasonMonth.objects.filter(n__gt=0)
    return {(r.month, r.owner_id, r.stage_id, r.reason): (r.n, int(r.amount * 100))
            for r in rows}  # fmt: skip


def _agree() -> None:
    assert _stored() == _expected()
    assert not ReasonMonth.objects.filter(n=0).exclude(amount=0).exists()
    assert not ReasonMonth.objects.filter(n__lt=0).exists()


def test_the_closed_deals_by_reason_follow_every_write(cast: Any) -> None:
    first = make.ready_deal(cast.rep, name="First")
    second = make.deal(cast.rep, name="Second", amount=Decimal("300.01"))
    lost, won, need = make.stage("lost"), make.stage("won"), make.stage("need")
    opportunity_move_stage(actor=cast.rep, opportunity=second, stage=lost, lost_reason="price")
    _agree()
    assert _stored()  # the lost deal is held, with its reason
    late = datetime(2026, 3, 31, 16, 30, 0, 123456, tzinfo=UTC)  # 00:30 on 1 April local
    Opportunity.objects.bulk_create([
        Opportunity(name=f"Bulk {i}", customer=first.customer, owner=cast.peer_rep,
                    stage=lost if i % 2 else won, amount=Decimal(f"{100 + i}.33"),
                    lost_reason=("timing", "competitor", "")[i % 3] if i % 2 else "",
                    stage_entered_at=late, closed_at=late - timedelta(hours=i))
        for i in range(6)
    ])  # fmt: skip
    _agree()
    months = {key[0] for key in _stored()}
    assert {date(2026, 3, 1), date(2026, 4, 1)} <= months  # either side of the month's end
    Opportunity.objects.filter(name__startswith="Bulk", stage=lost).update(lost_reason="price")
    Opportunity.objects.filter(name="Bulk 1").update(closed_at=late + timedelta(days=40))
    _agree()
    Opportunity.objects.filter(name__in=["Bulk 0", "Bulk 5"]).update(amount=Decimal("1.23"))
    _agree()  # re-priced alone: the counts net to nothing, the amounts do not
    Opportunity.objects.filter(name="Second").update(owner=cast.peer_rep, amount=Decimal(9))
    Opportunity.objects.filter(name="Bulk 3").update(stage=need, closed_at=None)  # reopened
    Opportunity.objects.filter(name="First").update(stage=won, closed_at=timezone.now())
    _agree()
    Opportunity.objects.filter(name="Second").delete()
    Opportunity.objects.filter(name__startswith="Bulk").delete()
    _agree()
    ReasonMonth.objects.update(n=5, amount=Decimal(7))  # damaged: the rebuild recomputes
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
    assert ReasonMonth.objects.filter(n__gt=0).count() == 1  # the first deal, won
