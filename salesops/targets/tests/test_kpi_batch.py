"""KPIs read together (kpi_batch) and people with units from one query equal the engine's
one-by-one answers and an independent recomputation, with fewer queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from salesops.core.periods import Period
from salesops.org.models import OrgUnit
from salesops.targets import rollups
from salesops.targets.selectors import (
    people_and_unit_values,
    people_values,
    person_values,
    unit_paths,
    unit_values,
)
from salesops.targets.tests import support as s
from salesops.targets.tests.test_targets_actuals import _codes, _rows, _value, records  # noqa: F401

DEAL_KPIS = ["won_revenue", "win_rate", "sales_cycle", "avg_deal_size", "key_account_revenue"]


@pytest.mark.parametrize("period_key", ["2025", "2025-Q1", "2025-03", "2025-W14"])
def test_kpis_read_together_equal_a_recomputation(records: Any, period_key: str) -> None:  # noqa: F811
    # Given a year of records, when every computed KPI is evaluated for everyone at once
    kpi_list, period = [s.kpi(c) for c in _codes()], Period.parse(period_key)
    people = [u.pk for u in records.users.values()]
    values = people_values(kpi_list, period, people)
    # then each person's value equals the plain-Python recomputation, and nobody without
    # records is listed
    for kpi in kpi_list:
        rows = [r for r in _rows(kpi.code) if period.contains(r[1])]
        for uid in people:
            mine = [r for r in rows if r[0] == uid]
            assert values[kpi.code].get(uid) == (_value(kpi, mine) if mine else None), (
                kpi.code,
                uid,
            )


def test_deal_kpis_read_together_take_one_query(
    records: Any,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    kpi_list = [s.kpi(c) for c in DEAL_KPIS]
    people = [u.pk for u in records.users.values()]
    with django_assert_num_queries(1):
        values = people_values(kpi_list, Period.parse("2025-Q1"), people)
    one_by_one = {k.code: person_values(k, Period.parse("2025-Q1"), people) for k in kpi_list}
    assert values == one_by_one
    assert values["won_revenue"][records.rep.pk] == Decimal("1333.43")  # Feb + Mar 31


@pytest.mark.parametrize("code", ["won_revenue", "win_rate", "sales_cycle", "visits"])
def test_people_and_units_from_one_query_equal_the_separate_reads(
    records: Any,  # noqa: F811
    code: str,
    django_assert_num_queries: Any,
) -> None:
    # Given the rep moved from the north team to the south one on 2025-03-01
    s.move_rep_south(records)
    kpi, period = s.kpi(code), Period.parse("2025-Q1")
    ids, paths = [u.pk for u in OrgUnit.objects.all()], unit_paths()
    rollups.usable()  # the rollups' state, read once per process (whichever test is first)
    # when people's and units' actuals come from one read (stints: two small queries)
    with django_assert_num_queries(3):
        people, units = people_and_unit_values(kpi, period, ids, paths)
    # then they equal the per-person and the per-unit reads
    everyone = [u.pk for u in records.users.values()]
    assert {u: v for u, v in people.items() if u in everyone} == person_values(
        kpi, period, everyone
    )
    assert units == unit_values(kpi, period, ids, paths)


def test_a_few_units_read_only_their_people(records: Any) -> None:  # noqa: F811
    # Given the rep moved from north's team to south's on 2025-03-01
    s.move_rep_south(records)
    kpi, period, paths = s.kpi("won_revenue"), Period.parse("2025-Q1"), unit_paths()
    north = records.units["north"].pk
    # when north's actual is read with one named person from elsewhere
    people, units = people_and_unit_values(kpi, period, [north], paths, [records.outside_rep.pk])
    # then north's figure is whole, the people read are north's (over the quarter) and the named
    assert units == unit_values(kpi, period, [north], paths)
    assert units[north] == Decimal("4333.33")
    everyone = person_values(kpi, period, [u.pk for u in records.users.values()])
    assert people == {
        u: v for u, v in everyone.items() if u in {records.rep.pk, records.peer_rep.pk,
                                                   records.outside_rep.pk}
    }  # fmt: skip


def test_someone_who_left_mid_quarter_reads_as_the_deals_say(records: Any) -> None:  # noqa: F811
    # Given the rep left on 2025-02-14 (their assignment ended; no unit since), having won
    # deals in February and March: a stint over part of the quarter only
    from datetime import date

    from salesops.org.models import Assignment, User

    Assignment.objects.filter(user=records.rep).update(end=date(2025, 2, 14))
    User.objects.filter(pk=records.rep.pk).update(unit=None)
    kpi, period = s.kpi("won_revenue"), Period.parse("2025-Q1")
    ids, paths = [u.pk for u in OrgUnit.objects.all()], unit_paths()
    # when people's and units' actuals are read from the rollup (the months of people who
    # stayed in one unit over the quarter are added up in the database; the rep's stay apart)
    people, units = people_and_unit_values(kpi, period, ids, paths)
    # then they are what the deals give
    assert units == unit_values(kpi, period, ids, paths)
    assert people[records.rep.pk] == Decimal("1333.43")
