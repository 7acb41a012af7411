"""Figures per week or month (`metrics.by_bucket`) tell buckets apart by comparing dates with
the buckets' local ends; they equal the figures from truncating each record's local date,
including records a few minutes either side of midnight at a bucket's edge."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from salesops.core.periods import between
from salesops.insights import metrics
from salesops.insights.lens import Window
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db

QUARTER = Window(date(2026, 7, 1), date(2026, 9, 30), "custom")


def _at(day: date, hh: int, mm: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def _plant(cast: Any) -> None:
    """Activities and won deals at bucket edges: Sunday 23:50 and Monday 00:10 local (one week
    apart, the same UTC day), a Monday at midnight sharp, the last minute of July and the first
    of August, the window's first and last local minutes."""
    edges = [
        _at(date(2026, 7, 1), 0, 0), _at(date(2026, 7, 5), 23, 50), _at(date(2026, 7, 6), 0, 10),
        _at(date(2026, 7, 13), 0, 0), _at(date(2026, 7, 31), 23, 59), _at(date(2026, 8, 1), 0, 1),
        _at(date(2026, 9, 30), 23, 59),
    ]  # fmt: skip
    for i, at in enumerate(edges):
        who = cast.rep if i % 2 else cast.peer_rep
        make.activity(who, "call", at)
        make.deal(who, f"{100 * (i + 1)}.00", stage_code="won", closed=at)
    make.deal(cast.rep, "50.00", stage_code="lost", closed=_at(date(2026, 8, 31), 23, 59))


def _both(lens: Any, code: str, kind: str, owner: bool) -> tuple[dict[Any, Any], dict[Any, Any]]:
    kpi = metrics.kpi_definitions([code])[code]
    start, end = lens.window.start, lens.window.end
    qs = metrics.dated(lens, kpi, start, end)
    compared = metrics.by_bucket(qs, kpi, kind, start, end, owner=owner)
    truncated = metrics._by_bucket_expr(qs, kind, metrics.Dating.of(kpi), owner)
    return compared, truncated


@pytest.mark.parametrize(
    ("code", "kind", "owner"),
    [
        ("activities_done", "week", True),
        ("activities_done", "month", False),
        ("won_revenue", "week", False),
        ("won_revenue", "month", True),
        ("win_rate", "month", False),
    ],
)
def test_buckets_by_comparing_dates_equal_buckets_by_truncating(
    cast: Any, code: str, kind: str, owner: bool
) -> None:
    # Given records at the local edges of weeks and months of a quarter
    _plant(cast)
    lens = make.lens(cast.director, QUARTER, unit=cast.units["acme"])
    # When the figures are read per bucket both ways
    compared, truncated = _both(lens, code, kind, owner)
    # Then they are the same, and nothing is lost
    assert compared == truncated
    assert sum(p["n"] for p in compared.values()) == (8 if code == "win_rate" else 7)


def test_a_sunday_before_midnight_and_a_monday_after_fall_in_two_weeks(cast: Any) -> None:
    _plant(cast)
    lens = make.lens(cast.director, QUARTER, unit=cast.units["acme"])
    kpi = metrics.kpi_definitions(["activities_done"])["activities_done"]
    buckets = metrics.by_bucket(
        metrics.dated(lens, kpi, QUARTER.start, QUARTER.end), kpi, "week", QUARTER.start,
        QUARTER.end,
    )  # fmt: skip
    # 1 July (Wed) and Sunday 5 July are in the week of 29 June; Monday 6 July starts the next
    assert buckets[("2026-W27",)]["n"] == 2
    assert buckets[("2026-W28",)]["n"] == 1
    assert buckets[("2026-W29",)]["n"] == 1  # Monday 13 July, 00:00: its own week
    assert buckets[("2026-W40",)]["n"] == 1  # Wednesday 30 September, 23:59
    assert set(buckets) == {
        ("2026-W27",),
        ("2026-W28",),
        ("2026-W29",),
        ("2026-W31",),
        ("2026-W40",),
    }


def test_many_buckets_are_read_by_truncating_with_the_same_answer(cast: Any) -> None:
    # Given a window of more weeks than MAX_RANGES (two years), records at its edges
    _plant(cast)
    window = Window(date(2025, 1, 1), date(2026, 12, 31), "custom")
    lens = make.lens(cast.director, window, unit=cast.units["acme"])
    weeks = between("week", window.start, window.end)
    assert len(weeks) > metrics.MAX_RANGES
    compared, truncated = _both(lens, "activities_done", "week", True)
    assert compared == truncated and sum(p["n"] for p in compared.values()) == 7


def test_weeks_of_a_date_field_count_from_the_first_monday(cast: Any) -> None:
    # Given deals expected to close on a Sunday, the Monday after and a Monday weeks later
    from salesops.core.localtime import week_index
    from salesops.crm.models import Opportunity

    days = [date(2026, 7, 5), date(2026, 7, 6), date(2026, 7, 27), date(2026, 6, 29)]
    for day in days:
        make.deal(cast.rep, "10.00", expected_close=day)
    index = week_index("expected_close", date(2026, 6, 29), aware=False)
    if index is None:  # not SQLite 3.38+: by_bucket compares with the weeks' ends instead
        assert connection.vendor != "sqlite" or sqlite3.sqlite_version_info < (3, 38)
        return
    found = dict(Opportunity.objects.annotate(w=index).values_list("expected_close", "w"))
    assert found == {d: (d - date(2026, 6, 29)).days // 7 for d in days}


@pytest.mark.parametrize("unit", ["acme", "n1"])
def test_kpis_read_together_per_bucket_equal_each_read_alone(cast: Any, unit: str) -> None:
    # Given won and lost deals and activities at the edges of the quarter's months
    _plant(cast)
    make.deal(cast.peer_rep, "70.00", stage_code="lost", closed=_at(date(2026, 7, 31), 23, 59))
    make.deal(cast.rep, "30.00", stage_code="lost", closed=_at(date(2026, 6, 30), 23, 59))
    window = Window(date(2026, 6, 1), QUARTER.end, "custom")  # June: only a lost deal closed
    lens = make.lens(cast.director, window, unit=cast.units[unit])
    codes = ["won_revenue", "win_rate", "deals_opened", "activities_done"]
    defs = metrics.kpi_definitions(codes)
    start, end = window.start, window.end
    # When won revenue and win rate (the same rows) are read in one query per month
    together = metrics.kpis_by_bucket(lens, [defs[c] for c in codes], "month", start, end)
    # Then every KPI's months are those of reading it alone
    for code in codes:
        alone = metrics.by_bucket(metrics.dated(lens, defs[code], start, end), defs[code],
                                  "month", start, end)  # fmt: skip
        assert together[code] == alone, code
    july = together["win_rate"][("2026-07",)]
    assert july["num"] == together["won_revenue"][("2026-07",)]["n"] == 5
    assert july["n"] == 6  # and the one deal lost in July
    assert ("2026-06",) in together["win_rate"] and ("2026-06",) not in together["won_revenue"]
