"""The unit targets of the managers page and the team dashboard: their attainment is what each
unit won in the window, by the unit the owner was in on the day, whether the page reuses its own
won revenue (a director, who sees every sales record) or reads the targets' actuals (a regional
manager)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from salesops.insights.tests import support as make
from salesops.org.services import person_move, person_set_active
from salesops.targets.models import Target
from salesops.targets.selectors import attach

pytestmark = pytest.mark.django_db


def _won(person: Any, amount: str, day: Any) -> None:
    make.deal(person, amount, stage_code="won", closed=make.local(day),
              created=make.local(day) - timedelta(days=20))  # fmt: skip


def test_unit_targets_attain_what_each_unit_won_when_someone_moved(
    client_for: Any, cast: Any
) -> None:
    month = make.last_month()
    before = month.previous()
    moved = month.start + timedelta(days=14)
    person_move(actor=cast.admin, person=cast.rep, unit=cast.units["s1"], position="rep",
                manager=cast.other_supervisor, effective=moved)  # fmt: skip
    _won(cast.rep, "1000.00", month.start + timedelta(days=4))  # in north then
    _won(cast.rep, "2000.00", month.start + timedelta(days=19))  # in south by then
    _won(cast.peer_rep, "300.00", month.start + timedelta(days=11))
    _won(cast.outside_rep, "400.00", month.start + timedelta(days=9))
    _won(cast.peer_rep, "20.00", month.start + timedelta(days=12))
    person_set_active(actor=cast.admin, person=cast.peer_rep, active=False)  # since left
    _won(cast.rep, "50.00", before.start + timedelta(days=9))
    north, south = cast.units["north"], cast.units["south"]
    goals = {(u.code, p.key): make.target("won_revenue", u, p, "5000.00")
             for u in (north, south) for p in (month, before)}  # fmt: skip
    expected = {
        ("north", month.key): Decimal("1320.00"), ("south", month.key): Decimal("2400.00"),
        ("north", before.key): Decimal("50.00"), ("south", before.key): Decimal("0.00"),
    }  # fmt: skip
    for (code, key), goal in goals.items():  # the targets' own reading agrees
        fresh = attach([Target.objects.get(pk=goal.pk)], make.today())[0]
        assert fresh.actual == expected[(code, key)], (code, key)
    page = client_for("director").get(
        reverse("insights:managers"), {"period": month.key, "unit": cast.units["acme"].pk}
    )
    rows = {r.unit.code: r for r in page.context["rows"]}
    for code in ("north", "south"):
        for side, key in ((rows[code].now, month.key), (rows[code].before, before.key)):
            assert side.target.pk == goals[(code, key)].pk
            assert side.target.actual == expected[(code, key)], (code, key)
            assert side.attainment == (expected[(code, key)] / 50).quantize(Decimal("0.1"))
    assert rows["north"].now.won == Decimal("1320.00")
    for code in ("north", "south"):
        for key in (month.key, before.key):
            team = client_for("director").get(
                reverse("insights:team"), {"period": key, "unit": cast.units[code].pk}
            )
            assert team.context["unit_target"].pk == goals[(code, key)].pk
            assert team.context["unit_target"].actual == expected[(code, key)], (code, key)
    mine = client_for("manager").get(reverse("insights:team"), {"period": month.key})
    assert mine.context["unit_target"].actual == Decimal("1320.00")  # read by the targets
