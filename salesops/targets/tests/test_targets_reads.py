"""The fast paths of the attainment reads give the old answers exactly.

Attainment arithmetic runs on exact integers instead of Fractions: checked here against the
definitions written with Fractions (the old arithmetic) over a grid that includes half-cent
ties and the 95 % / 80 % status boundaries. The team table and the target tree read only the
columns they show (targets without joined rows, people with their unit): checked here to give
the same values and to need no further query for anything the pages, the exports, the API or
the team dashboard read of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from salesops.core.periods import Period
from salesops.targets import reports
from salesops.targets.pacing import Clock, attainment, seasonal_fraction
from salesops.targets.tests import support as s

D = Decimal
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Kpi:
    additive: bool
    higher_is_better: bool


def _cents(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _reference(kpi: Kpi, target: Decimal, actual: Decimal | None, period: Period, today: date,
               phasing: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Attainment by its definitions, in Fractions (the arithmetic before integers)."""
    clock = Clock.of(period, today)
    seasonal = seasonal_fraction(period, today, phasing) if kpi.additive else None
    linear = clock.fraction if kpi.additive else Fraction(1)
    exp_linear = (target * linear.numerator / linear.denominator).quantize(CENT, ROUND_HALF_UP)
    exp_seasonal = None if seasonal is None else _cents(Fraction(target) * seasonal)
    expected = exp_seasonal if exp_seasonal is not None else exp_linear
    used = seasonal if seasonal is not None else linear
    result: dict[str, Any] = {"expected": expected, "pct": None, "projection": None, "pace": None}
    if actual is None:
        result["status"] = "no_data" if today >= period.start else "not_started"
        return result
    up = kpi.higher_is_better
    if up:
        ratio = Fraction(actual) / Fraction(expected) if expected > 0 else Fraction(1)
        result["pct"] = _cents(Fraction(actual) * 100 / Fraction(target)) if target > 0 else None
    else:
        ratio = Fraction(expected) / Fraction(actual) if actual > 0 else Fraction(1)
        result["pct"] = _cents(Fraction(target) * 100 / Fraction(actual)) if actual > 0 else None
    reached = actual >= target if up else actual <= target
    status = "on_track" if ratio >= Fraction(95, 100) else "at_risk"
    status = "off_track" if ratio < Fraction(80, 100) else status
    status = "achieved" if reached else status
    result["status"] = "not_started" if today < period.start else status
    if kpi.additive and used > 0:
        result["projection"] = _cents(Fraction(actual) / used)
    elif not kpi.additive:
        result["projection"] = actual
    gap = target - actual if up else actual - target
    if kpi.additive and up and clock.remaining:
        result["pace"] = _cents(Fraction(max(gap, D(0))) / clock.remaining)
    return result


KPIS = [Kpi(a, h) for a in (True, False) for h in (True, False)]
MONTHLY = {f"2026-{m:02d}": ("1/10" if m <= 8 else "1/20") for m in range(1, 13)}
EIGHTHS = {"2026-Q1": "1/8", "2026-Q2": "3/8", "2026-Q3": "3/8", "2026-Q4": "1/8"}
# Boundaries: 95 % and 80 % of 12,000.00 expected by 18 November (12 of 21 working days),
# half-cent results (1/8 %, 0.125), sub-cent and large values, zero and negative actuals.
VALUES = ["0.00", "0.01", "3.00", "8.00", "21000.00", "11400.00", "11399.99", "9600.00",
          "9599.99", "0.001", "1234.5678", "-250.00", "123456789012.34"]  # fmt: skip
PERIODS = ["2026-11", "2026-Q4", "2026", "2027-01"]


@pytest.mark.parametrize("kpi", KPIS)
@pytest.mark.parametrize("phasing", [{}, MONTHLY, EIGHTHS])
@pytest.mark.parametrize("period_key", PERIODS)
def test_attainment_equals_the_fraction_arithmetic(
    kpi: Kpi, phasing: dict[str, Any], period_key: str
) -> None:
    period, today = Period.parse(period_key), date(2026, 11, 18)
    for target in VALUES:
        for actual in [None, *VALUES]:
            t, a = D(target), None if actual is None else D(actual)
            got = attainment(kpi, t, a, period, today, phasing)
            want = _reference(kpi, t, a, period, today, phasing)
            assert (got.expected, got.pct, got.status) == (
                want["expected"],
                want["pct"],
                want["status"],
            ), (target, actual)
            assert (got.projection, got.pace_per_day) == (want["projection"], want["pace"])


def test_half_cents_round_up_and_boundaries_hold() -> None:
    money = Kpi(True, True)
    # 0.01 of 8.00 is 0.125 %: half a cent rounds up
    assert attainment(
        money, D("8.00"), D("0.01"), Period.parse("2026-11"), date(2026, 11, 18)
    ).pct == D("0.13")
    # a year phased 1/8 per quarter-end: 1.00 × 1/8 expected on 1 April is 0.125 → 0.13
    start_q2 = attainment(money, D("1.00"), D("0"), Period.parse("2026"), date(2026, 4, 1), EIGHTHS)
    assert start_q2.expected_seasonal == D("0.13")
    # exactly 95 % and 80 % of the 12,000.00 expected are on track and at risk
    for actual, status in (
        ("11400.00", "on_track"),
        ("9600.00", "at_risk"),
        ("9599.99", "off_track"),
    ):
        att = attainment(
            money, D("21000.00"), D(actual), Period.parse("2026-11"), date(2026, 11, 18)
        )
        assert att.status == status
    # 11,000.00 still to go over 9 working days: 1,222.22 a day
    att = attainment(
        money, D("21000.00"), D("10000.00"), Period.parse("2026-11"), date(2026, 11, 18)
    )
    assert att.pace_per_day == D("1222.22") and att.projection == D("17500.00")  # fmt: skip


# --- the team table and the tree read only what they show ------------------------------------


@pytest.fixture
def plan(cast: Any, year: Period) -> dict[str, Any]:
    """Won revenue targets for the company, north, n1 and two reps; visits for the rep; deals."""
    company = s.target("won_revenue", cast.units["acme"], year.key, "100000.00")
    north = s.target("won_revenue", cast.units["north"], year.key, "60000.00", parent=company)
    team = s.target("won_revenue", cast.units["n1"], year.key, "60000.00", parent=north)
    rep = s.target("won_revenue", cast.rep, year.key, "40000.00", parent=team, ramp_pct=50)
    peer = s.target("won_revenue", cast.peer_rep, year.key, "20000.00", parent=team)
    visits = s.target("visits", cast.rep, year.key, "120.00")
    s.deal(cast.rep, "1234.50", closed=s.local(year.start, 10))
    s.deal(cast.rep, "8000.00", closed=s.local(year.start, 11))
    s.deal(cast.peer_rep, "500.00", closed=s.local(year.start + timedelta(days=1)))
    return {"company": company, "north": north, "team": team, "rep": rep, "peer": peer,
            "visits": visits}  # fmt: skip


def _shown_of_cell(cell: reports.Cell) -> tuple[Any, ...]:
    """What the page, the export, the API and the team dashboard read of a cell."""
    t = cell.target
    target = (t.pk, t.value, t.kpi.code, t.kpi.unit, t.status, t.ramp_pct) if t else None
    return (cell.kpi.code, target, cell.actual, cell.att.pct if cell.att else None)


def _shown_of_person(person: Any) -> tuple[Any, ...]:
    unit = person.unit
    return (person.pk, person.username, str(person), person.get_position_display(), str(unit),
            unit.code, unit.path)  # fmt: skip


def test_team_table_values_and_no_query_for_what_is_shown(
    cast: Any, plan: dict[str, Any], year: Period, django_assert_num_queries: Any
) -> None:
    kpi_list, rows = reports.team_table(
        actor=cast.manager, unit=cast.units["n1"], period=year, kpi_list=None,
        today=timezone.localdate(),
    )  # fmt: skip
    assert [k.code for k in kpi_list] == ["won_revenue", "visits"]
    with django_assert_num_queries(0):
        shown = {r.person.username: [_shown_of_cell(c) for c in r.cells] for r in rows}
        people = [_shown_of_person(r.person) for r in rows]
    rep, peer = plan["rep"], plan["peer"]
    assert shown["rep"][0] == (
        "won_revenue", (rep.pk, D("40000.00"), "won_revenue", "money", "approved", 50),
        D("9234.50"), D("23.09"),
    )  # fmt: skip
    assert shown["rep"][1][:3] == ("visits", (plan["visits"].pk, D("120.00"), "visits", "count",
                                              "approved", 100), D("0.00"))  # fmt: skip
    assert shown["peer_rep"][0][1:] == (
        (peer.pk, D("20000.00"), "won_revenue", "money", "approved", 100), D("500.00"), D("2.50"),
    )  # fmt: skip
    assert shown["supervisor"][0] == ("won_revenue", None, D("0.00"), None)
    n1 = cast.units["n1"]
    assert next(p for p in people if p[1] == "rep") == (
        cast.rep.pk, "rep", str(cast.rep), cast.rep.get_position_display(), str(n1), n1.code,
        n1.path,
    )  # fmt: skip


def test_team_table_for_named_kpis_reads_no_catalogue(
    cast: Any, plan: dict[str, Any], year: Period, django_assert_max_num_queries: Any
) -> None:
    visits = s.kpi("visits")
    with django_assert_max_num_queries(8):
        kpi_list, rows = reports.team_table(
            actor=cast.manager, unit=cast.units["n1"], period=year, kpi_list=[visits],
            today=timezone.localdate(),
        )  # fmt: skip
    assert kpi_list == [visits]
    cells = {r.person.username: r.cells for r in rows}
    assert [(c.kpi.code, c.target.pk if c.target else None) for c in cells["rep"]] == [
        ("visits", plan["visits"].pk)
    ]
    assert cells["peer_rep"][0].target is None


def test_attainments_are_the_team_tables_cells_of_one_kpi(
    cast: Any, plan: dict[str, Any], year: Period, django_assert_num_queries: Any
) -> None:
    """What a large team's dashboard reads to choose whom to show: one KPI's attainment per
    person with a target, the same as the team table's cells, in two queries."""
    today = timezone.localdate()
    kpi_list, rows = reports.team_table(actor=cast.manager, unit=cast.units["n1"], period=year,
                                        kpi_list=None, today=today)  # fmt: skip
    people = [r.person.pk for r in rows]
    for i, kpi in enumerate(kpi_list):
        with django_assert_num_queries(2):
            got = reports.attainments(actor=cast.manager, kpi=kpi, period=year, people=people,
                                      today=today)  # fmt: skip
        assert got == {r.person.pk: r.cells[i].att for r in rows if r.cells[i].att}
    won = reports.attainments(actor=cast.manager, kpi=kpi_list[0], period=year, people=people,
                              today=today)  # fmt: skip
    assert won[cast.rep.pk].pct == D("23.09") and cast.supervisor.pk not in won
    assert reports.attainments(actor=cast.rep, kpi=kpi_list[0], period=year, people=people,
                               today=today).keys() == {cast.rep.pk}  # fmt: skip


def test_tree_values_and_no_query_for_what_is_shown(
    cast: Any, plan: dict[str, Any], year: Period, django_assert_num_queries: Any
) -> None:
    roots = reports.tree(actor=cast.director, kpi=s.kpi("won_revenue"), period=year,
                         today=timezone.localdate())  # fmt: skip
    found: dict[str, Any] = {}
    with django_assert_num_queries(0):
        stack = list(roots)
        while stack:
            node = stack.pop()
            t = node.target
            found[node.unit.code] = (
                (t.pk, t.value, t.status, t.ramp_pct, t.kpi.code) if t else None,
                node.actual,
                node.att.pct if node.att else None,
                [(r["person"].username, str(r["person"]), r["person"].get_position_display(),
                  r["target"].ramp_pct if r["target"] else None, r["actual"])
                 for r in node.people],
            )  # fmt: skip
            stack.extend(node.children)
    assert found["acme"][:3] == (
        (plan["company"].pk, D("100000.00"), "approved", 100, "won_revenue"), D("9734.50"),
        D("9.73"),
    )  # fmt: skip
    assert found["n1"][:3] == (
        (plan["team"].pk, D("60000.00"), "approved", 100, "won_revenue"), D("9734.50"),
        D("16.22"),
    )  # fmt: skip
    people = {p[0]: p for p in found["n1"][3]}
    assert people["rep"][3:] == (50, D("9234.50"))
    assert people["peer_rep"][3:] == (100, D("500.00"))
    assert people["rep"][2] == cast.rep.get_position_display()


def test_team_page_shows_each_persons_position(
    client_for: Any, cast: Any, plan: dict[str, Any], year: Period
) -> None:
    url = reverse("targets:team") + f"?period={year.key}&unit={cast.units['n1'].pk}"
    page = client_for("manager").get(url).content.decode()
    for who in ("rep", "peer_rep", "supervisor"):
        person = cast.users[who]
        row = page[page.index(f'data-person="{who}"') :]
        row = row[: row.index("</tr>")]
        assert f'<div class="text-secondary small">{person.get_position_display()}</div>' in row
        assert f"?owner=user:{person.pk}" in row
