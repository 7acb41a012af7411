"""Every actual equals an independent recomputation in plain Python over the rows.

Runs on SQLite and PostgreSQL alike (the suite runs on both): the KPI engine groups in the
database, with local dates computed by the database; the checks below recompute each number
from the raw rows with Python's own time zone arithmetic and the assignment history.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.core.periods import Period
from salesops.crm.models import Activity, Lead, Opportunity, Payment
from salesops.org.models import Assignment, OrgUnit
from salesops.targets import kpis
from salesops.targets.models import KpiDefinition
from salesops.targets.selectors import person_values, unit_paths, unit_values
from salesops.targets.tests import support as s

CENT = Decimal("0.01")


def _day(value: Any) -> date:
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


def _rows(code: str) -> list[tuple[int, date, Decimal, bool]]:
    """(owner id, local date, measure, counts for the numerator) of every row of a KPI,
    recomputed from the raw tables without the engine."""
    out = []
    if code in (
        "won_revenue",
        "avg_deal_size",
        "sales_cycle",
        "key_account_revenue",
        "new_customers",
        "win_rate",
    ):
        deals = list(Opportunity.objects.select_related("stage", "customer"))
        first: dict[int, tuple[Any, int]] = {}
        for d in deals:
            if d.stage.kind == "won" and d.closed_at:
                mark = (d.closed_at, d.pk)
                if d.customer_id not in first or mark < first[d.customer_id]:
                    first[d.customer_id] = mark
        for d in deals:
            if d.closed_at is None or d.stage.kind == "open":
                continue
            won = d.stage.kind == "won"
            if code == "win_rate":
                out.append((d.owner_id, _day(d.closed_at), Decimal(0), won))
            elif not won:
                continue
            elif code == "sales_cycle":
                days = Decimal((d.closed_at - d.created_at).total_seconds()) / 86400
                out.append((d.owner_id, _day(d.closed_at), days, False))
            elif code == "new_customers":
                if first[d.customer_id] == (d.closed_at, d.pk):
                    out.append((d.owner_id, _day(d.closed_at), Decimal(1), False))
            elif code != "key_account_revenue" or d.customer.tier in ("strategic", "key"):
                out.append((d.owner_id, _day(d.closed_at), d.amount, False))
    elif code == "collected_revenue":
        for p in Payment.objects.select_related("contract"):
            out.append((p.contract.owner_id, p.received_on, p.amount, False))
    elif code in ("visits", "calls", "proposals", "follow_ups"):
        kind = {
            "visits": "visit",
            "calls": "call",
            "proposals": "proposal",
            "follow_ups": "follow_up",
        }[code]
        for a in Activity.objects.filter(kind=kind, status="done"):
            out.append((a.owner_id, _day(a.done_at), Decimal(1), False))
    elif code == "coaching_visits":
        for a in Activity.objects.filter(is_coaching=True, status="done").prefetch_related(
            "companions"
        ):
            for c in a.companions.all():
                out.append((c.pk, _day(a.done_at), Decimal(1), False))
    elif code == "new_leads":
        for lead in Lead.objects.exclude(owner=None):
            out.append((lead.owner_id, _day(lead.created_at), Decimal(1), False))
    elif code == "opportunities_created":
        for d in Opportunity.objects.all():
            out.append((d.owner_id, _day(d.created_at), Decimal(1), False))
    return out


def _value(kpi: KpiDefinition, rows: list[tuple[int, date, Decimal, bool]]) -> Decimal | None:
    if kpi.aggregate == "sum":
        return sum((r[2] for r in rows), Decimal(0)).quantize(CENT)
    if kpi.aggregate == "count":
        return Decimal(len(rows)).quantize(CENT)
    if not rows:
        return None
    if kpi.aggregate == "avg":
        total = sum((r[2] for r in rows), Decimal(0))
        return (total / len(rows)).quantize(CENT, rounding=ROUND_HALF_UP)
    won = sum(1 for r in rows if r[3])
    return (Decimal(100) * won / len(rows)).quantize(CENT, rounding=ROUND_HALF_UP)


def _unit_at(owner: int, day: date) -> int | None:
    for a in Assignment.objects.filter(user_id=owner).order_by("-start"):
        if a.start <= day and (a.end is None or a.end >= day):
            return a.unit_id
    return None


@pytest.fixture
def records(cast: Any) -> Any:
    """A year of mixed records around the edges of local days, months and quarters."""
    s.ensure_reference()
    rep, peer, out, sup, mgr = (
        cast.rep,
        cast.peer_rep,
        cast.outside_rep,
        cast.supervisor,
        cast.manager,
    )
    key = s.customer(rep, tier="key")
    # 2025-03-31 23:30 Shanghai is 15:30 UTC: March locally; 2025-04-01 00:10 is April.
    s.deal(
        rep,
        "1000.10",
        closed=s.local(date(2025, 3, 31), 23, 30),
        created=s.local(date(2025, 1, 2), 9),
    )
    s.deal(
        rep,
        "2500.00",
        closed=s.local(date(2025, 4, 1), 0, 10),
        created=s.local(date(2025, 3, 1), 8),
        of=key,
    )
    s.deal(rep, "333.33", closed=s.local(date(2025, 2, 14)), of=key)
    s.deal(rep, "99.99", closed=s.local(date(2025, 2, 20)), stage="lost")
    s.deal(
        peer, "4000.00", closed=s.local(date(2025, 1, 1), 0, 0), created=s.local(date(2024, 11, 5))
    )
    s.deal(peer, "12.34", closed=s.local(date(2024, 12, 31), 23, 59))
    s.deal(out, "777.00", closed=s.local(date(2025, 3, 3)))
    s.deal(out, "10.00", closed=s.local(date(2025, 3, 4)), stage="lost")
    s.deal(rep, "50.00", created=s.local(date(2025, 3, 9)), stage="proposal")
    s.payment(rep, "600.00", date(2025, 3, 31))
    s.payment(rep, "400.00", date(2025, 4, 1))
    s.payment(out, "250.50", date(2025, 2, 1))
    for kind, when in (
        ("visit", date(2025, 1, 6)),
        ("visit", date(2025, 3, 31)),
        ("call", date(2025, 2, 2)),
        ("proposal", date(2025, 2, 3)),
        ("follow_up", date(2025, 3, 30)),
    ):
        s.activity(rep, kind, s.local(when, 23, 50))
    s.activity(rep, "visit", s.local(date(2025, 2, 2)), status="planned")
    s.activity(rep, "visit", s.local(date(2025, 2, 5)), coaching=True, companions=(sup, mgr))
    s.activity(out, "visit", s.local(date(2025, 1, 7)))
    s.lead(rep, s.local(date(2025, 1, 1), 0, 5))
    s.lead(out, s.local(date(2025, 3, 31), 23, 59))
    return cast


def _codes() -> list[str]:
    from salesops.targets.catalogue import BUILTIN

    return [code for code, spec in BUILTIN.items() if not spec.get("is_manual")]


@pytest.mark.parametrize("code", _codes())
@pytest.mark.parametrize("period_key", ["2025", "2025-Q1", "2025-03", "2025-04", "2025-W14"])
def test_person_actuals_equal_a_recomputation(records: Any, code: str, period_key: str) -> None:
    # Given a year of records, when the engine computes the KPI for every person at once
    kpi, period = s.kpi(code), Period.parse(period_key)
    people = [u.pk for u in records.users.values()]
    computed = person_values(kpi, period, people)
    # then each person's value equals the plain-Python recomputation
    rows = [r for r in _rows(code) if period.contains(r[1])]
    for uid in people:
        expected = _value(kpi, [r for r in rows if r[0] == uid])
        got = computed.get(uid, kpis.value_of(kpi, None))
        assert got == expected, (code, period_key, uid)


@pytest.mark.parametrize("code", _codes())
def test_unit_actuals_roll_up_by_the_unit_at_the_time(records: Any, code: str) -> None:
    # Given the rep moved from team n1 (north) to s1 (south) on 2025-03-01
    s.move_rep_south(records)
    kpi, period = s.kpi(code), Period.parse("2025-Q1")
    units = list(OrgUnit.objects.all())
    # when every unit's actual is computed in one query
    computed = unit_values(kpi, period, [u.pk for u in units], unit_paths())
    # then each equals the rows of people who were inside the unit's subtree on the row's date
    rows = [r for r in _rows(code) if period.contains(r[1])]
    paths = {u.pk: u.path for u in units}
    for unit in units:
        mine = [r for r in rows if (at := _unit_at(r[0], r[1])) and paths[at].startswith(unit.path)]
        assert computed[unit.pk] == _value(kpi, mine), (code, unit.code)


def test_attribution_follows_the_assignment_on_the_record_date(records: Any) -> None:
    # Given the rep moved to the south team on 2025-03-01
    s.move_rep_south(records)
    kpi = s.kpi("won_revenue")
    ids = [records.units[c].pk for c in ("north", "south", "acme")]
    values = unit_values(kpi, Period.parse("2025-Q1"), ids, unit_paths())
    # then February's 333.33 stays with north; March 31's 1,000.10 goes to south
    assert values[records.units["north"].pk] == Decimal("4333.33")
    assert values[records.units["south"].pk] == Decimal("1777.10")
    assert values[records.units["acme"].pk] == Decimal("6110.43")


def test_a_local_midnight_decides_the_day_not_utc(records: Any) -> None:
    kpi = s.kpi("won_revenue")
    march = person_values(kpi, Period.parse("2025-03"), [records.rep.pk])
    april = person_values(kpi, Period.parse("2025-04"), [records.rep.pk])
    assert march[records.rep.pk] == Decimal("1000.10")
    assert april[records.rep.pk] == Decimal("2500.00")


def test_engine_is_one_query_per_kpi_for_any_number_of_people(
    records: Any, django_assert_num_queries: Any
) -> None:
    kpi = s.kpi("won_revenue")
    with django_assert_num_queries(1):
        person_values(kpi, Period.parse("2025"), [u.pk for u in records.users.values()])
    # by unit: the assignment history and the people (two small queries), then the records
    with django_assert_num_queries(3):
        kpis.evaluate(kpi, date(2025, 1, 1), date(2025, 12, 31), group="unit", bucket="month")


def test_monthly_buckets_in_one_query(records: Any) -> None:
    kpi = s.kpi("won_revenue")
    parts = kpis.evaluate(
        kpi, date(2025, 1, 1), date(2025, 12, 31), owners=[records.rep.pk], bucket="month"
    )
    by_month = {b: kpis.value_of(kpi, p) for (_o, b), p in parts.items()}
    assert by_month == {
        "2025-02": Decimal("333.33"),
        "2025-03": Decimal("1000.10"),
        "2025-04": Decimal("2500.00"),
    }


def test_sales_cycle_is_days_from_opening_to_winning(records: Any) -> None:
    kpi = s.kpi("sales_cycle")
    value = person_values(kpi, Period.parse("2025-Q2"), [records.rep.pk])[records.rep.pk]
    # opened 2025-03-01 08:00, won 2025-04-01 00:10: 30 days 16 h 10 min = 30.67 days
    assert value == Decimal("30.67")


def test_manual_kpi_has_no_query_and_no_value_until_reported(records: Any) -> None:
    from salesops.targets.selectors import attach

    target = s.target("csat", records.rep, "2025-Q1", "90.00")
    [row] = attach([target], date(2025, 2, 1))
    assert row.actual is None
    assert row.att.status == "no_data"
