"""The rollups kept by triggers: deals per owner and local month (crm 0011) and done activities
per owner and local day (crm 0012) and month (crm 0020). After every kind of write (services,
single and bulk inserts, updates of one or many rows, deletes) they hold exactly what the
records sum to; they are rebuilt, twice without harm, in a new time zone; and SQLite places
nothing while the zone has no fixed offset."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from salesops.crm.models import (
    Activity,
    ActivityDay,
    ActivityMonth,
    DealMonth,
    Opportunity,
    RollupState,
    StagesReached,
)
from salesops.crm.services.rollups import trigger_tables_rebuild
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english, from_the_records  # noqa: F401
from salesops.crm.tests.test_stages_reached import stage_ids_the_bits_hold  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("from_the_records")]
OPENED, CLOSED = DealMonth.Event.OPENED, DealMonth.Event.CLOSED


def _month(at: datetime) -> Any:
    return timezone.localtime(at).date().replace(day=1)


def _expected() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """(owner, month, event, stage) -> (deals, cents, microseconds) summed from the deals."""
    found: Counter[tuple[Any, ...]] = Counter()
    for opp in Opportunity.objects.filter(owner__isnull=False):
        cents = int(opp.amount * 100)
        sums = [((opp.owner_id, _month(opp.created_at), OPENED, 0), (1, cents, 0))]
        if opp.closed_at is not None:
            micros = (opp.closed_at - opp.created_at) // timedelta(microseconds=1)
            key = (opp.owner_id, _month(opp.closed_at), CLOSED, opp.stage_id)
            sums.append((key, (1, cents, micros)))
        for key, (n, a, c) in sums:
            found[(*key, "n")] += n
            found[(*key, "a")] += a
            found[(*key, "c")] += c
    keys = {k[:-1] for k in found}
    return {k: (found[(*k, "n")], found[(*k, "a")], found[(*k, "c")]) for k in keys}


def _stored() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    rows = DealMonth.objects.values_list(
        "owner_id", "month", "event", "stage_id", "n", "amount", "cycle_us"
    )
    return {(o, m, e, s): (n, a, c) for o, m, e, s, n, a, c in rows if (n, a, c) != (0, 0, 0)}


def _agree() -> None:
    assert _stored() == _expected()


def test_the_rollup_follows_every_write_to_the_deals(cast: Any) -> None:
    # created by the services: an opened fact each
    first = make.deal(cast.rep, name="First", amount=Decimal("1200.50"))
    second = make.deal(cast.rep, name="Second", amount=Decimal("300.00"))
    _agree()
    assert _stored()[(cast.rep.pk, _month(first.created_at), OPENED, 0)][:2] == (2, 150050)
    # inserted in bulk, some already closed
    won, lost = make.stage("won"), make.stage("lost")
    now = timezone.now()
    Opportunity.objects.bulk_create([
        Opportunity(name=f"Bulk {i}", customer=first.customer, owner=cast.peer_rep,
                    stage=won if i % 2 else lost, amount=Decimal(100 + i),
                    stage_entered_at=now, closed_at=now + timedelta(hours=i),
                    lost_reason="" if i % 2 else "price")
        for i in range(5)
    ])  # fmt: skip
    _agree()
    # several closed in one statement, one reassigned, one re-priced, one reopened
    Opportunity.objects.filter(pk__in=[first.pk, second.pk]).update(
        stage=won, closed_at=now + timedelta(days=40)
    )
    _agree()
    Opportunity.objects.filter(pk=first.pk).update(owner=cast.peer_rep)
    Opportunity.objects.filter(pk=second.pk).update(amount=Decimal("999.99"))
    _agree()
    Opportunity.objects.filter(pk=second.pk).update(closed_at=None, stage=make.stage("need"))
    _agree()
    # deleted one by one and many at once
    second.delete()
    Opportunity.objects.filter(name__startswith="Bulk", stage=lost).delete()
    _agree()
    assert DealMonth.objects.filter(n__lt=0).count() == 0


def test_a_change_to_other_columns_leaves_the_rollup_alone(cast: Any) -> None:
    make.deal(cast.rep, name="Quiet", amount=Decimal("10.00"))
    before = list(DealMonth.objects.order_by("pk").values_list("pk", "n", "amount", "cycle_us"))
    Opportunity.objects.update(name="Renamed", probability=55, next_step="Call back")
    after = list(DealMonth.objects.order_by("pk").values_list("pk", "n", "amount", "cycle_us"))
    assert before == after and before


def test_a_deal_falls_in_its_local_month(cast: Any) -> None:
    """16:30 UTC on 31 March is 00:30 on 1 April in Shanghai: an April deal."""
    assert str(timezone.get_default_timezone()) == "Asia/Shanghai"
    opp = make.deal(cast.rep, name="Midnight")
    at = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    Opportunity.objects.filter(pk=opp.pk).update(created_at=at, closed_at=at + timedelta(days=1),
                                                 stage=make.stage("won"))  # fmt: skip
    got = DealMonth.objects.filter(owner=cast.rep, n__gt=0).values_list("month", "event")
    assert set(got) == {
        (datetime(2026, 4, 1).date(), OPENED),
        (datetime(2026, 4, 1).date(), CLOSED),
    }
    _agree()


def test_the_rebuild_recomputes_in_the_sites_time_zone(cast: Any, settings: Any) -> None:
    opp = make.deal(cast.rep, name="Rebuilt", amount=Decimal("50.00"))
    Opportunity.objects.filter(pk=opp.pk).update(created_at=datetime(2026, 3, 31, 20, tzinfo=UTC))
    DealMonth.objects.update(n=7)  # damaged: the rebuild must not add to it
    bits = dict(StagesReached.objects.values_list("opportunity_id", "bits"))
    StagesReached.objects.all().delete()  # as after a load that skipped the triggers
    trigger_tables_rebuild()
    trigger_tables_rebuild()  # twice: the same
    _agree()
    assert dict(StagesReached.objects.values_list("opportunity_id", "bits")) == bits and bits
    settings.TIME_ZONE = "UTC"
    out = StringIO()
    call_command("crm_rebuild_rollups", stdout=out)
    assert f"{DealMonth.objects.count()} rows rebuilt" in out.getvalue()
    assert RollupState.objects.get(pk=1).time_zone == "UTC"
    assert _stored()[(cast.rep.pk, datetime(2026, 3, 1).date(), OPENED, 0)] == (1, 5000, 0)
    _agree()


def test_sqlite_places_no_deal_in_a_zone_without_a_fixed_offset(cast: Any, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    trigger_tables_rebuild()
    make.deal(cast.rep, name="Summer time")
    state = RollupState.objects.get(pk=1)
    assert state.time_zone == "Europe/Berlin" and state.shift == ""
    if connection.vendor == "sqlite":
        assert not DealMonth.objects.exists()
    else:
        _agree()


def _triggers(table: str) -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
        else:
            sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
        cur.execute(sql, [table])
        return {row[0] for row in cur.fetchall()}


def test_the_triggers_exist_after_all_migrations() -> None:
    """A migration that rebuilds crm_opportunity or crm_activity on SQLite drops its triggers
    with the old table; it must create them again (crm 0011's to 0017's SQL)."""
    ops = ("insert", "update", "delete")
    assert _triggers("crm_opportunity") >= {
        *(f"crm_deal_month_{op}" for op in ops),
        *(f"crm_first_win_{op}" for op in ops),
        *(f"crm_open_pipeline_{op}" for op in ops),
        *(f"crm_stage_total_{op}" for op in ops),
        *(f"crm_close_month_total_{op}" for op in ops),
        *(f"crm_deal_cohort_{op}" for op in ops),
        *(f"crm_reason_month_{op}" for op in ops),
        *(f"crm_stay_month_deal_{op}" for op in ("delete", "update")),
    }
    assert _triggers("crm_stagehistory") >= {f"crm_stay_month_{op}" for op in ops}
    assert _triggers("crm_stagesreached") >= {f"crm_deal_cohort_reached_{op}" for op in ops}
    assert "crm_first_win_stage" in _triggers("crm_stage")
    assert _triggers("crm_activity") >= {
        *(f"crm_activity_day_{op}" for op in ops),
        *(f"crm_activity_month_{op}" for op in ops),
    }


def _days_expected() -> dict[tuple[Any, Any], int]:
    found: Counter[tuple[Any, Any]] = Counter()
    for act in Activity.objects.filter(status="done", done_at__isnull=False):
        found[(act.owner_id, timezone.localtime(act.done_at).date())] += 1
    return dict(found)


def _days_stored() -> dict[tuple[Any, Any], int]:
    return {(o, d): n for o, d, n in ActivityDay.objects.values_list("owner_id", "day", "n") if n}


def _months_agree() -> None:
    """The monthly rollup holds each owner's done activities per local month."""
    expected: Counter[tuple[Any, Any]] = Counter()
    for (owner, day), n in _days_expected().items():
        expected[(owner, day.replace(day=1))] += n
    rows = ActivityMonth.objects.values_list("owner_id", "month", "n")
    assert {(o, m): n for o, m, n in rows if n} == dict(expected)


def test_the_activity_days_and_months_follow_every_write_to_the_activities(cast: Any) -> None:
    of = make.customer(cast.rep)
    late = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Shanghai
    make.planned(cast.rep, of)
    Activity.objects.bulk_create([
        Activity(owner=cast.rep if i % 2 else cast.peer_rep, customer=of, kind="call",
                 subject=f"Call {i}", status="done", done_at=late + timedelta(hours=i))
        for i in range(6)
    ])  # fmt: skip
    assert _days_stored() == _days_expected()
    _months_agree()
    assert _days_stored()[(cast.rep.pk, datetime(2026, 4, 1).date())] == 3
    Activity.objects.filter(status="planned").update(status="done", done_at=late)
    Activity.objects.filter(subject="Call 1").update(owner=cast.peer_rep)
    Activity.objects.filter(subject="Call 2").update(done_at=late - timedelta(days=3))
    Activity.objects.filter(subject="Call 3").update(status="cancelled")
    Activity.objects.filter(subject="Call 4").update(subject="Renamed call")
    assert _days_stored() == _days_expected()
    _months_agree()
    Activity.objects.filter(subject__startswith="Call").delete()
    assert _days_stored() == _days_expected()
    _months_agree()
    assert not ActivityDay.objects.filter(n__lt=0).exists()
    assert not ActivityMonth.objects.filter(n__lt=0).exists()
    ActivityDay.objects.update(n=9)  # damaged: the rebuild recomputes
    ActivityMonth.objects.update(n=9)
    trigger_tables_rebuild()
    assert _days_stored() == _days_expected()
    _months_agree()
