"""A unit's won-revenue target takes the won revenue the page has read as its actual only when
the viewer sees every deal behind it; else it reads the actual itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesops.insights.lens import Window
from salesops.insights.selectors import common
from salesops.insights.tests import support as make
from salesops.org.services import person_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_won(cast: Any) -> Window:
    """North's two reps won 1,000 and 500 last month; North has a target of 10,000."""
    month = make.last_month()
    for who, amount in (("rep", "1000.00"), ("peer_rep", "500.00")):
        make.deal(cast.users[who], amount, stage_code="won",
                  closed=make.local(month.start.replace(day=10)))  # fmt: skip
    make.target("won_revenue", cast.units["north"], month, "10000.00")
    return Window.of(month)


def _targets(cast: Any, window: Window, won: Decimal | None) -> tuple[Any, list[str]]:
    north = cast.units["north"]
    lens = make.lens(cast.manager, window, unit=north)
    given = None if won is None else {window.key: {north.pk: won}}
    with CaptureQueriesContext(connection) as queries:
        found = common.won_targets(lens, [window], units=[north.pk], won=given)
    return found[("unit", north.pk, window.key)], [q["sql"] for q in queries.captured_queries]


def _reads_deals(sqls: list[str]) -> bool:
    return any("crm_opportunity" in sql or "crm_dealmonth" in sql for sql in sqls)


def test_the_manager_of_the_whole_unit_gets_the_won_revenue_read_as_the_actual(
    cast: Any, north_won: Window
) -> None:
    read, sqls = _targets(cast, north_won, None)
    assert read.actual == Decimal("1500.00") and _reads_deals(sqls)
    given, sqls = _targets(cast, north_won, Decimal("1500.00"))
    assert given.actual == Decimal("1500.00") and not _reads_deals(sqls)
    assert given.att == read.att


def test_a_person_who_left_the_unit_since_makes_the_target_read_its_actual(
    cast: Any, north_won: Window
) -> None:
    """The peer rep now works in the south: the North manager no longer sees their deals, so
    the page's won revenue (1,000) is not North's actual over last month (1,500)."""
    person_move(
        actor=cast.admin, person=cast.peer_rep, unit=cast.units["s1"], position="rep",
        manager=cast.other_supervisor, effective=make.today(),
    )  # fmt: skip
    lens = make.lens(cast.manager, north_won, unit=cast.units["north"])
    assert not common.sees_all_of(lens, [cast.units["north"].pk], [north_won])
    found, sqls = _targets(cast, north_won, Decimal("1000.00"))
    assert found.actual == Decimal("1500.00") and _reads_deals(sqls)
