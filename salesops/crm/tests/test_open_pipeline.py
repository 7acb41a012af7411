"""Deals per owner and stage kept by triggers: the open ones (crm.OpenPipeline, crm 0014), all
of them (crm.StageTotal, crm 0022), and all with an expected close date per month of that date
(crm.CloseMonthTotal, crm 0023). After every kind of write to the deals (services, bulk
inserts, updates of one or many rows that close, reopen, move, reassign, re-price, re-weigh or
re-date deals, deletes) the rows that hold deals equal what the deals sum to, weighted amounts
rounded per deal as the reports round them; a rebuild recomputes them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.crm.models import CloseMonthTotal, OpenPipeline, Opportunity, StageTotal
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]


# Each rollup, with the filter of the deals it sums and whether it keys them by close month
ROLLUPS = [
    (OpenPipeline, {"closed_at__isnull": True}, False),
    (StageTotal, {}, False),
    (CloseMonthTotal, {"expected_close__isnull": False}, True),
]
Sums = dict[tuple[Any, ...], tuple[int, int, int]]


def _expected(deals: dict[str, Any], monthly: bool) -> Sums:
    found: Counter[tuple[Any, ...]] = Counter()
    for d in Opportunity.objects.filter(**deals):
        cents, key = int(d.amount * 100), (d.owner_id, d.stage_id)
        if monthly:
            key = (*key, d.expected_close.replace(day=1))
        found[(*key, "n")] += 1
        found[(*key, "a")] += cents
        found[(*key, "w")] += (cents * d.probability + 50) // 100
    keys = {k[:-1] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "a")], found[(*k, "w")]) for k in keys}


def _stored(rollup: Any, monthly: bool) -> Sums:
    def key(r: Any) -> tuple[Any, ...]:
        return (r.owner_id, r.stage_id, r.month) if monthly else (r.owner_id, r.stage_id)

    rows = rollup.objects.filter(n__gt=0)
    return {key(r): (r.n, int(r.amount * 100), int(r.weighted * 100)) for r in rows}


def _agree() -> None:
    for rollup, deals, monthly in ROLLUPS:
        assert _stored(rollup, monthly) == _expected(deals, monthly), rollup.__name__
        assert not rollup.objects.filter(n=0).exclude(amount=0, weighted=0).exists()


def test_the_deals_per_owner_and_stage_follow_every_write(cast: Any) -> None:
    first = make.deal(
        cast.rep, name="First", amount=Decimal("1200.55"), expected_close=date(2031, 1, 31)
    )
    make.deal(cast.rep, name="Second", amount=Decimal("300.01"))
    _agree()
    need, won = make.stage("need"), make.stage("won")
    Opportunity.objects.bulk_create([
        Opportunity(name=f"Bulk {i}", customer=first.customer, owner=cast.peer_rep,
                    stage=need if i % 2 else won, amount=Decimal(f"{100 + i}.33"),
                    probability=15 + i, stage_entered_at=timezone.now(),
                    expected_close=date(2031, 1 + i % 3, 10 + i),
                    closed_at=None if i % 2 else timezone.now())
        for i in range(6)
    ])  # fmt: skip
    _agree()
    Opportunity.objects.filter(name__startswith="Bulk", closed_at__isnull=True).update(
        probability=37
    )  # the weighted amount alone changes
    _agree()
    Opportunity.objects.filter(pk=first.pk).update(stage=need, owner=cast.peer_rep)
    Opportunity.objects.filter(name="Second").update(amount=Decimal("999.99"))
    _agree()
    # a close date that slips a month, one set on many deals, one cleared
    Opportunity.objects.filter(name="Second").update(expected_close=date(2031, 2, 28))
    Opportunity.objects.filter(name__startswith="Bulk").update(expected_close=date(2031, 3, 1))
    Opportunity.objects.filter(name="Bulk 2").update(expected_close=None)
    _agree()
    february = CloseMonthTotal.objects.filter(month=date(2031, 2, 1), n__gt=0)
    assert [row.n for row in february] == [1]  # "Second" alone: the bulk deals moved away
    Opportunity.objects.filter(name__startswith="Bulk", stage=won).update(closed_at=None)
    Opportunity.objects.filter(name__in=["First", "Bulk 1"]).update(closed_at=timezone.now())
    _agree()
    Opportunity.objects.filter(name="Second").delete()
    Opportunity.objects.filter(name__startswith="Bulk").delete()
    _agree()
    for rollup, _deals, _monthly in ROLLUPS:  # damaged: the rebuild recomputes
        rollup.objects.update(n=5, amount=Decimal(7))
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
