"""KPIs by unit read together (`metrics.kpis_by_unit`, the managers' table) equal the same KPIs
read one by one, across a move between teams, with a repeat customer and filtered KPIs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from salesops.insights import metrics
from salesops.insights.lens import Window, unit_paths
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.insights.tests.test_insights_figures import history  # noqa: F401
from salesops.org.models import OrgUnit

pytestmark = pytest.mark.django_db

CODES = [
    "won_revenue", "win_rate", "sales_cycle", "new_customers", "avg_deal_size",
    "key_account_revenue", "activities_done", "visits", "calls", "coaching_visits",
]  # fmt: skip


def _plant_more(cast: Any, past: Any) -> None:
    """A repeat customer (its second win is not a new customer), a key account, a visit with a
    leader along, and the peer rep's move from n1 to s1 on the 20th of the month."""
    from salesops.org.services import person_move

    month = past.month
    day = make.local(month.start.replace(day=12))
    repeat = make.customer(cast.rep)
    make.deal(cast.rep, "100.00", stage_code="won", closed=make.local(month.start), of=repeat)
    make.deal(cast.rep, "300.00", stage_code="won", closed=day, of=repeat)
    key = make.customer(cast.peer_rep, tier="key")
    make.deal(cast.peer_rep, "800.00", stage_code="won", closed=day, of=key)
    make.activity(cast.peer_rep, "visit", make.local(month.start.replace(day=22)),
                  companions=[cast.supervisor], is_coaching=True)  # fmt: skip
    person_move(
        actor=cast.admin, person=cast.peer_rep, unit=cast.units["s1"], position="rep",
        manager=cast.other_supervisor, effective=month.start.replace(day=20),
    )  # fmt: skip


def test_kpis_by_unit_equal_the_kpis_read_one_by_one(
    cast: Any,
    history: Any,  # noqa: F811
    django_assert_max_num_queries: Any,
) -> None:
    # Given last month's history, a repeat customer, a key account and a move mid-month
    _plant_more(cast, history)
    defs = metrics.kpi_definitions(CODES)
    units, paths = list(OrgUnit.objects.all()), unit_paths()
    lens = make.lens(cast.director, Window.of(history.month), unit=cast.units["acme"])
    # When every KPI is read by unit together
    metrics.stints_for(lens, lens.window.start, lens.window.end)  # read once per lens
    # the deals' monthly rollup and the month the move splits, the other deal KPIs; done
    # activities' daily rollup, the other activity KPIs; coaching; subtree ids; rollup state
    with django_assert_max_num_queries(9):
        together = metrics.kpis_by_unit(lens, [defs[c] for c in CODES], units, paths)
    # Then each equals that KPI read alone, for every unit
    start, end = lens.window.start, lens.window.end
    info = metrics.stints_for(lens, start, end)
    for code in CODES:
        qs = metrics.dated(lens, defs[code], start, end)
        alone = metrics.by_unit(qs, metrics.kpi_aggregates(defs[code]), units, paths, info)
        for unit in units:
            mine, theirs = together[code].get(unit.pk, {}), alone.get(unit.pk, {})
            kpi = defs[code]
            assert metrics.value(metrics.METRICS["won"], mine, kpi) == metrics.value(
                metrics.METRICS["won"], theirs, kpi
            ), (code, unit.code)
    # and the figures are the expected ones: the repeat customer counts once, the peer rep's
    # key account (won on the 12th, before the move) for n1, the visit (22nd) for s1
    n1, s1 = cast.units["n1"].pk, cast.units["s1"].pk
    assert together["new_customers"][n1]["n"] == 5  # rep: 2 + the repeat; peer: 1 + the key
    assert together["key_account_revenue"][n1]["total"] == Decimal("800.00")
    assert together["visits"][s1]["n"] == 1 and together["visits"].get(n1, {}).get("n", 0) == 0
    assert together["coaching_visits"][cast.units["north"].pk]["n"] == 1  # the supervisor's
