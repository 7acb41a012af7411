"""Deals per owner and stage kept by triggers: the open ones (crm.OpenPipeline, crm 0014) and
all of them (crm.StageTotal, crm 0022). After every kind of write to the deals (services, bulk
inserts, updates of one or many rows that close, reopen, move, reassign, re-price or re-weigh
deals, deletes) the rows that hold deals equal what the deals sum to, weighted amounts rounded
per deal as the reports round them; a rebuild recomputes them."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.crm.models import OpenPipeline, Opportunity, StageTotal
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]


# Each rollup, with the filter of the deals it sums
ROLLUPS = [(OpenPipeline, {"closed_at__isnull": True}), (StageTotal, {})]


def _expected(deals: dict[str, Any]) -> dict[tuple[int, int], tuple[int, int, int]]:
    found: Counter[tuple[int, int, str]] = Counter()
    for d in Opportunity.objects.filter(**deals):
        cents = int(d.amount * 100)
        found[(d.owner_id, d.stage_id, "n")] += 1
        found[(d.owner_id, d.stage_id, "a")] += cents
        found[(d.owner_id, d.stage_id, "w")] += (cents * d.probability + 50) // 100
    keys = {k[:2] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "a")], found[(*k, "w")]) for k in keys}


def _stored(rollup: Any) -> dict[tuple[int, int], tuple[int, int, int]]:
    rows = rollup.objects.filter(n__gt=0)
    return {(r.owner_id, r.stage_id): (r.n, int(r.amount * 100), int(r.weighted * 100))
            for r in rows}  # fmt: skip


def _agree() -> None:
    for rollup, deals in ROLLUPS:
        assert _stored(rollup) == _expected(deals), rollup.__name__
        assert not rollup.objects.filter(n=0).exclude(amount=0, weighted=0).exists()


def test_the_deals_per_owner_and_stage_follow_every_write(cast: Any) -> None:
    first = make.deal(cast.rep, name="First", amount=Decimal("1200.55"))
    make.deal(cast.rep, name="Second", amount=Decimal("300.01"))
    _agree()
    need, won = make.stage("need"), make.stage("won")
    Opportunity.objects.bulk_create([
        Opportunity(name=f"Bulk {i}", customer=first.customer, owner=cast.peer_rep,
                    stage=need if i % 2 else won, amount=Decimal(f"{100 + i}.33"),
                    probability=15 + i, stage_entered_at=timezone.now(),
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
    Opportunity.objects.filter(name__startswith="Bulk", stage=won).update(closed_at=None)
    Opportunity.objects.filter(name__in=["First", "Bulk 1"]).update(closed_at=timezone.now())
    _agree()
    Opportunity.objects.filter(name="Second").delete()
    Opportunity.objects.filter(name__startswith="Bulk").delete()
    _agree()
    for rollup, _deals in ROLLUPS:  # damaged: the rebuild recomputes
        rollup.objects.update(n=5, amount=Decimal(7))
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
