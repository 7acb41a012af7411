"""The forecast page's consolidated reads (two grouped reads for the window, one for targets,
one for adjustments, one for the month chart) give exactly what the per-unit computation they
replaced gave: on a company with several units, a rep who moved unit inside the quarter,
targets, adjustments and snapshots."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from salesops.core.periods import Period
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window, people, unit_paths
from salesops.insights.models import ForecastAdjustment
from salesops.insights.selectors import common
from salesops.insights.selectors.forecast import forecast_page, in_window, totals
from salesops.insights.selectors.managers import managed_units
from salesops.insights.services.forecast import (
    SnapshotPeriods,
    forecast_snapshot_write,
    latest_adjustments,
)
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401
from salesops.org.services import person_move

pytestmark = pytest.mark.django_db

FIELDS = ("won", "won_n", "commit", "best_case", "pipeline", "omitted", "counts", "weighted",
          "call", "upside", "target", "final", "pct")  # fmt: skip


@pytest.fixture
def quarter(cast: Any) -> Period:
    """Last quarter's records: the rep moves from n1 to s1 halfway through it."""
    make.ensure_reference()
    q = Period.containing("quarter", make.today()).previous()

    def day(n: int) -> Any:
        return make.local(q.start + timedelta(days=n))

    person_move(actor=cast.admin, person=cast.rep, unit=cast.units["s1"], position="rep",
                manager=cast.other_supervisor, effective=q.start + timedelta(days=45))  # fmt: skip
    for owner, amount, n in ((cast.rep, "1000.00", 10), (cast.rep, "2000.00", 60),
                             (cast.peer_rep, "4000.00", 20), (cast.outside_rep, "600.00", 5),
                             (cast.manager, "50.00", 15)):  # fmt: skip
        make.deal(owner, amount, stage_code="won", closed=day(n))
    make.deal(cast.peer_rep, "300.00", stage_code="lost", closed=day(12), lost_reason="price")
    for owner, amount, code, close, cat in (
        (cast.rep, "3000.00", "closing", q.start + timedelta(days=70), "commit"),
        (cast.rep, "500.00", "proposal", q.end, "best_case"),
        (cast.peer_rep, "700.00", "need", q.start + timedelta(days=30), "pipeline"),
        (cast.peer_rep, "900.00", "negotiation", None, "commit"),
        (cast.peer_rep, "1100.00", "proposal", make.today(), "best_case"),
        (cast.outside_rep, "800.00", "lead", q.start + timedelta(days=80), "omitted"),
    ):
        make.deal(owner, amount, stage_code=code, expected_close=close, category=cat)
    for owner, value in ((cast.units["n1"], "8000.00"), (cast.units["s1"], "2000.00"),
                         (cast.units["north"], "10000.00"), (cast.units["acme"], "20000.00"),
                         (cast.rep, "3000.00"), (cast.peer_rep, "5000.00")):  # fmt: skip
        make.target("won_revenue", owner, q, value)
    for unit, amount in (("north", "9000.00"), ("north", "9500.00"), ("s1", "1500.00")):
        ForecastAdjustment.objects.create(
            owner_unit=cast.units[unit], period_kind="quarter", period_key=q.key,
            period_start=q.start, period_end=q.end, amount=Decimal(amount), reason="Checked",
            author=cast.manager,
        )  # fmt: skip
    last = Period.containing("month", q.start).previous()  # one of the accuracy's months
    parts = {(cast.peer_rep.pk, last.key): dict.fromkeys(
        ("won", "best_case", "pipeline", "omitted", "weighted"), Decimal("0.00"))}  # fmt: skip
    parts[(cast.peer_rep.pk, last.key)]["commit"] = Decimal("800.00")
    at = SnapshotPeriods(Period.containing("week", last.start).key, make.local(last.start), [last])
    forecast_snapshot_write(at=at, parts=parts)
    make.deal(cast.peer_rep, "1000.00", stage_code="won", closed=make.local(last.start))
    return q


# --- the computation the page did before: one read per figure and per kind of row ------------


def _old_cells(by_cat: dict[str, Any], won: dict[str, Any]) -> dict[str, Any]:
    cells: dict[str, Any] = {c: by_cat.get(c, {}).get("amount", Decimal(0))
                             for c in ("commit", "best_case", "pipeline", "omitted")}  # fmt: skip
    cells["counts"] = {c: by_cat.get(c, {}).get("n", 0) for c in cells}
    cells["weighted"] = sum((p.get("weighted", Decimal(0)) for p in by_cat.values()), Decimal(0))
    cells["won"], cells["won_n"] = won.get("total", Decimal(0)), won.get("n", 0)
    cells["call"] = cells["won"] + cells["commit"]
    cells["upside"] = cells["call"] + cells["best_case"]
    return cells


def _old_target(cells: dict[str, Any], target: Any, adjustment: Any) -> dict[str, Any]:
    cells["target"] = target.value if target is not None else None
    cells["final"] = adjustment.amount if adjustment is not None else cells["call"]
    pct = cells["final"] * 100 / cells["target"] if cells["target"] else None
    cells["pct"] = pct.quantize(Decimal("0.1"), ROUND_HALF_UP) if pct is not None else None
    return cells


def _old_by_cat(qs: Any) -> dict[Any, dict[str, Any]]:
    found: dict[Any, dict[str, Any]] = {}
    for (owner, cat), parts in metrics.grouped(
        qs, ["kpi_owner", "forecast_category"], metrics.DEAL_AGGREGATES
    ).items():
        found.setdefault(owner, {})[cat] = parts
    return found


def _old_unit_rows(lens: Lens, kpi: Any, units: list[Any]) -> list[dict[str, Any]]:
    w, paths = lens.window, unit_paths()
    won = metrics.by_unit(metrics.dated(lens, kpi, w.start, w.end), metrics.kpi_aggregates(kpi),
                          units, paths, metrics.stints_for(lens, w.start, w.end))  # fmt: skip
    today = metrics.stints_for(lens, lens.today, lens.today)
    cats: dict[int, dict[str, Any]] = {u.pk: {} for u in units}
    for owner, by_cat in _old_by_cat(in_window(lens)).items():
        path = paths.get(today.unit_of(owner) or 0, "?")
        for u in (u for u in units if path.startswith(u.path)):
            for cat, parts in by_cat.items():
                cats[u.pk][cat] = metrics.add(cats[u.pk].get(cat, {}), parts)
    found = common.won_targets(lens, [w], units=[u.pk for u in units])
    adjusted = latest_adjustments([w.key], units=[u.pk for u in units])
    return [{"label": u.name, **_old_target(_old_cells(cats[u.pk], won.get(u.pk, {})),
             found.get(("unit", u.pk, w.key)), adjusted.get((u.pk, w.key)))}
            for u in units]  # fmt: skip


def _old_rows(lens: Lens, kpi: Any) -> list[dict[str, Any]]:
    if lens.unit is None or lens.person is not None:
        return []
    units = managed_units(lens.unit)
    if units:
        return _old_unit_rows(lens, kpi, units)
    w, members = lens.window, list(people(lens.actor, lens.unit))
    won = metrics.by_owner(metrics.dated(lens, kpi, w.start, w.end), metrics.kpi_aggregates(kpi))
    per = _old_by_cat(in_window(lens))
    found = common.won_targets(lens, [w], users=[p.pk for p in members])
    return [{"label": str(p), **_old_target(_old_cells(per.get(p.pk, {}), won.get(p.pk, {})),
             found.get(("user", p.pk, w.key)), None)} for p in members]  # fmt: skip


def _old_total(lens: Lens, kpi: Any) -> dict[str, Any]:
    won = metrics.figure(lens, "won", defs={"won_revenue": kpi})["parts"]
    grouped = metrics.grouped(in_window(lens), ["forecast_category"], metrics.DEAL_AGGREGATES)
    cells = _old_cells({cat: parts for (cat,), parts in grouped.items()}, won)
    own = lens.person or lens.unit
    found = common.won_targets(lens, [lens.window], users=[own.pk]) if lens.person else (
        common.won_targets(lens, [lens.window], units=[own.pk]) if own else {})  # fmt: skip
    adjustment = None
    if lens.unit is not None and lens.person is None and lens.window.period is not None:
        key = lens.window.key
        adjustment = latest_adjustments([key], units=[lens.unit.pk]).get((lens.unit.pk, key))
    return _old_target(cells, next(iter(found.values()), None), adjustment)


def _old_months(lens: Lens) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    first = Period.containing("month", lens.window.start)
    months = [first]
    while len(months) < 6:
        months.append(months[-1].next())
    qs = metrics.open_deals(lens)
    span = qs.filter(expected_close__gte=first.start, expected_close__lte=months[-1].end)
    cells = {
        (Period.containing("month", m).key, cat): parts
        for (m, cat), parts in metrics.grouped(
            span.annotate(month=metrics.bucket_expr("expected_close", "month", False)),
            ["month", "forecast_category"], metrics.DEAL_AGGREGATES,
        ).items()
    }  # fmt: skip
    this_month = Period.containing("month", lens.today).start
    late = qs.aggregate(
        past_n=Count("pk", filter=Q(expected_close__lt=this_month)),
        past=Sum("weighted", filter=Q(expected_close__lt=this_month)),
        none_n=Count("pk", filter=Q(expected_close__isnull=True)),
        none=Sum("weighted", filter=Q(expected_close__isnull=True)),
    )
    return cells, late


def _lenses(cast: Any, q: Period) -> list[Lens]:
    u = cast.units
    windows = [Window.of(q), Window(q.start + timedelta(days=7), q.end, "custom"),
               Window.containing("month", make.today()),
               Window.containing("quarter", q.start - timedelta(days=400))]  # fmt: skip
    views = [(cast.director, {"unit": u["acme"]}), (cast.manager, {"unit": u["north"]}),
             (cast.supervisor, {"unit": u["n1"]}), (cast.other_supervisor, {"unit": u["s1"]}),
             (cast.director, {}), (cast.rep, {"person": cast.rep})]  # fmt: skip
    return [make.lens(actor, w, **kw) for w in windows for actor, kw in views]


def _shown(page: dict[str, Any]) -> tuple[Any, ...]:
    rows = [{"label": r["label"], **{k: r[k] for k in FIELDS}} for r in page["rows"]]
    total = {k: page["total"][k] for k in FIELDS}
    return total, rows, page["months"]["cells"], page["months"]["late"]


def test_the_page_shows_what_the_per_unit_reads_gave(cast: Any, quarter: Period) -> None:
    kpi = make.metrics_kpi("won_revenue")
    for lens in _lenses(cast, quarter):
        old = _old_total(lens, kpi), _old_rows(lens, kpi), *_old_months(lens)
        new = _shown(forecast_page(lens))
        assert new[0] == old[0], lens
        assert new[1] == old[1], lens
        assert new[2] == old[2], lens
        assert {k: new[3][k] or 0 for k in new[3]} == {k: old[3][k] or 0 for k in old[3]}, lens


def test_the_company_rows_in_exact_values(cast: Any, quarter: Period) -> None:
    lens = make.lens(cast.director, Window.of(quarter), unit=cast.units["acme"])
    page = forecast_page(lens)
    rows = {r["label"]: r for r in page["rows"]}
    # The rep's first win counts for north (n1 then), the second for south (s1 since);
    # his open deals for south (his unit today); the manager's own win for north only.
    assert (rows["North"]["won"], rows["North"]["won_n"]) == (Decimal("5050.00"), 3)
    assert (rows["South"]["won"], rows["South"]["won_n"]) == (Decimal("2600.00"), 2)
    assert (rows["North"]["pipeline"], rows["North"]["commit"]) == (Decimal("700.00"), 0)
    assert (rows["South"]["commit"], rows["South"]["best_case"], rows["South"]["omitted"]) == (
        Decimal("3000.00"), Decimal("500.00"), Decimal("800.00"))  # fmt: skip
    assert (rows["North"]["final"], rows["North"]["pct"]) == (Decimal("9500.00"), Decimal("95.0"))
    assert (rows["South"]["final"], rows["South"]["target"]) == (Decimal("5600.00"), None)
    assert list(rows) == ["North", "South"]  # units led by sales leaders only
    total = page["total"]
    assert (total["won"], total["commit"], total["call"], total["target"], total["pct"]) == (
        Decimal("7650.00"), Decimal("3000.00"), Decimal("10650.00"), Decimal("20000.00"),
        Decimal("53.3"))  # fmt: skip


def test_people_rows_and_the_unit_s_call_in_exact_values(cast: Any, quarter: Period) -> None:
    lens = make.lens(cast.other_supervisor, Window.of(quarter), unit=cast.units["s1"])
    page = forecast_page(lens)
    rows = {r["person"].username: r for r in page["rows"]}
    assert page["row_kind"] == "people"
    assert (rows["rep"]["won"], rows["rep"]["call"], rows["rep"]["target"]) == (
        Decimal("2000.00"), Decimal("5000.00"), Decimal("3000.00"))  # fmt: skip
    assert (rows["outside_rep"]["won"], rows["outside_rep"]["omitted"]) == (
        Decimal("600.00"), Decimal("800.00"))  # fmt: skip
    total = page["total"]
    assert (total["call"], total["final"], total["adjustment"].amount) == (
        Decimal("5600.00"), Decimal("1500.00"), Decimal("1500.00"))  # fmt: skip
    assert totals(lens, make.metrics_kpi("won_revenue"))["call"] == Decimal("5600.00")


def test_the_month_chart_late_deals_and_accuracy(cast: Any, quarter: Period) -> None:
    lens = make.lens(cast.manager, Window.of(quarter), unit=cast.units["north"])
    page = forecast_page(lens)
    late = page["months"]["late"]
    # peer_rep's deal expected in the quarter's first month is late; one has no date.
    assert (late["past_n"], late["none_n"]) == (1, 1)
    month = Period.containing("month", quarter.start + timedelta(days=30))
    assert page["months"]["cells"][(month.key, "pipeline")]["n"] == 1
    last = Period.containing("month", quarter.start).previous()
    row = next(r for r in page["accuracy"] if r["period"] == last)
    assert (row["start"].call, row["actual"], row["start_accuracy"]) == (
        Decimal("800.00"), Decimal("1000.00"), Decimal("80.0"))  # fmt: skip


def test_the_query_count_does_not_depend_on_the_number_of_rows(cast: Any, quarter: Period) -> None:
    counts = []
    for unit in ("acme", "north"):  # two unit rows, then one
        lens = make.lens(cast.director, Window.of(quarter), unit=cast.units[unit])
        forecast_page(lens)  # warm the process-wide caches (content types)
        lens = make.lens(cast.director, Window.of(quarter), unit=cast.units[unit])
        with CaptureQueriesContext(connection) as ctx:
            forecast_page(lens)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
