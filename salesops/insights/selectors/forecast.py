"""Forecast reads: the roll-up of a unit (per sub-unit or per person) by forecast category,
the weighted pipeline by expected-close month, the deals a person places in categories, and
forecast accuracy from the weekly snapshots once a month is over.

The page's figures for the window come from two grouped reads (`WindowReads`): won records per
owner (and stint, for people who changed unit) and open deals expected in the window per owner
and category. The headline, the rows per sub-unit and the rows per person are all sums of those
parts, so the page's query count does not grow with the number of units or people. When the
window is a month, quarter or year next to the months the accuracy compares, the won records of
both come from one read grouped by month as well (one attribution of people to units, not two).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet

from salesops.core import shared_reads
from salesops.core.money import ZERO
from salesops.core.periods import Period
from salesops.crm.models import Opportunity
from salesops.crm.selectors.sales import can_change
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window, led_units, people, unit_paths
from salesops.insights.selectors import common
from salesops.insights.selectors.forecast_accuracy import accuracy, closed_months
from salesops.insights.selectors.managers import managed_units
from salesops.insights.services.forecast import CATEGORIES, latest_adjustments
from salesops.targets import attribution, kpis
from salesops.targets.attribution import ONE_DAY

TENTH = Decimal("0.1")

ByCategory = dict[str, metrics.Parts]


def in_window(lens: Lens) -> QuerySet[Opportunity]:
    """Open deals expected to close inside the window."""
    w = lens.window
    return metrics.open_deals(lens).filter(expected_close__gte=w.start, expected_close__lte=w.end)


@dataclass(frozen=True)
class WindowReads:
    """What the lens's records in the window add up to, per owner: won records per
    (owner, stint of `info`) and open deals expected in the window per owner and category;
    with the won per month of the accuracy's closed months when read together."""

    won: dict[tuple[Any, ...], metrics.Parts]
    open: dict[Any, ByCategory]
    info: attribution.Stints
    won_months: dict[str, metrics.Parts] | None = None


def _by_category(qs: QuerySet, key: str) -> dict[Any, ByCategory]:
    found: dict[Any, ByCategory] = {}
    for (owner, cat), parts in metrics.grouped(
        qs, [key, "forecast_category"], metrics.DEAL_AGGREGATES
    ).items():
        found.setdefault(owner, {})[cat] = parts
    return found


def _joint(window: Window, closed: list[Period]) -> Window | None:
    """One range covering the window and the closed months, when the window is a standard
    period (whole months) that overlaps or adjoins them; else None (read them apart)."""
    if window.period is None or not closed:
        return None
    first, last = closed[0].start, closed[-1].end
    if window.start > last + ONE_DAY or window.end < first - ONE_DAY:
        return None
    return Window(min(window.start, first), max(window.end, last), "custom")


def _won_by_month(lens: Lens, kpi: Any, span: Window, closed: list[Period]) -> WindowReads:
    """The won records of the window per (owner, stint) and of the closed months per month,
    from one read over `span` grouped by owner, stint and month."""
    aware = kpi.date_field in kpis.SOURCES[kpi.source].datetime_fields
    qs = metrics.dated(lens, kpi, span.start, span.end)
    qs = qs.annotate(kpi_bucket=metrics.bucket_expr(kpi.date_field, "month", aware))
    keys = ["kpi_owner", "kpi_stint", "kpi_bucket"]
    w, shown = lens.window, {m.key for m in closed}
    won: dict[tuple[Any, ...], metrics.Parts] = {}
    months: dict[str, metrics.Parts] = {}
    for (owner, stint, bucket), parts in metrics.grouped(
        qs, keys, metrics.kpi_aggregates(kpi)
    ).items():
        month = Period.parse(metrics.bucket_key(bucket, "month"))
        if w.start <= month.start and month.end <= w.end:
            won[(owner, stint)] = metrics.add(won.get((owner, stint), {}), parts)
        if month.key in shown:
            months[month.key] = metrics.add(months.get(month.key, {}), parts)
    info = metrics.stints_for(lens, span.start, span.end)
    return WindowReads(won, {}, info, months)


def window_reads(lens: Lens, kpi: Any, closed: list[Period] | None = None) -> WindowReads:
    """The lens's won records and open deals in the window, grouped by owner (two queries).
    Given the accuracy's `closed` months next to the window, their won per month comes with
    the window's in one read."""
    w, closed = lens.window, closed or []
    span = _joint(w, closed)
    if span is not None:
        won = _won_by_month(lens, kpi, span, closed)
    else:
        qs = metrics.dated(lens, kpi, w.start, w.end)
        found = metrics.grouped(qs, ["kpi_owner", "kpi_stint"], metrics.kpi_aggregates(kpi))
        won = WindowReads(found, {}, metrics.stints_for(lens, w.start, w.end))
    return replace(won, open=_by_category(in_window(lens), "kpi_owner"))


def _summed(parts: Iterable[metrics.Parts]) -> metrics.Parts:
    total: metrics.Parts = {}
    for p in parts:
        total = metrics.add(total, p)
    return total


def _merged(into: ByCategory, more: ByCategory) -> ByCategory:
    """`into` with the parts of `more` added, key by key."""
    for key, parts in more.items():
        into[key] = metrics.add(into.get(key, {}), parts)
    return into


def _cells(parts_by_cat: ByCategory, won: metrics.Parts) -> dict[str, Any]:
    cells: dict[str, Any] = {c: parts_by_cat.get(c, {}).get("amount", ZERO) for c in CATEGORIES}
    cells["counts"] = {c: parts_by_cat.get(c, {}).get("n", 0) for c in CATEGORIES}
    cells["weighted"] = sum((p.get("weighted", ZERO) for p in parts_by_cat.values()), ZERO)
    cells["won"] = won.get("total", ZERO)
    cells["won_n"] = won.get("n", 0)
    cells["call"] = cells["won"] + cells["commit"]
    cells["upside"] = cells["call"] + cells["best_case"]
    return cells


def _with_target(cells: dict[str, Any], target: Any, adjustment: Any = None) -> dict[str, Any]:
    cells["target"] = target.value if target is not None else None
    cells["adjustment"] = adjustment
    cells["final"] = adjustment.amount if adjustment is not None else cells["call"]
    if cells["target"]:
        pct = cells["final"] * 100 / cells["target"]
        cells["pct"] = pct.quantize(TENTH, ROUND_HALF_UP)
    else:
        cells["pct"] = None
    return cells


def totals(lens: Lens, kpi: Any, reads: WindowReads | None = None) -> dict[str, Any]:
    """The lens's won so far and open deals in the window by category: the sums of its
    window reads (two queries; none when given `reads`)."""
    reads = reads or window_reads(lens, kpi)
    cats: ByCategory = {}
    for by_cat in reads.open.values():
        _merged(cats, by_cat)
    return _cells(cats, _summed(reads.won.values()))


# --- the roll-up rows ---------------------------------------------------------------------------


def row_owners(lens: Lens) -> tuple[str, list[Any]]:
    """Whom the roll-up has a row for: each unit right below the lens's unit when it has such,
    else each person in it ("units" or "people", them); nobody for a person or everything."""
    if lens.unit is None or lens.person is not None:
        return "people", []
    units = managed_units(lens.unit)
    if units:
        return "units", units
    return "people", list(people(lens.actor, lens.unit))


def _roll(
    per: dict[Any, ByCategory], units: list[Any], paths: dict[int, str]
) -> dict[int, ByCategory]:
    """Parts per unit, summed over each unit's subtree (`per` is keyed by the records' unit)."""
    return kpis.rollup(per, paths, [u.pk for u in units], dict, lambda a, b: _merged(dict(a), b))


def _unit_cells(lens: Lens, reads: WindowReads, units: list[Any]) -> dict[int, dict[str, Any]]:
    """Each unit's cells: what was won in its subtree (the unit the owner was in on the day)
    and its open deals (the owner's unit today)."""
    paths = unit_paths()
    keyed = attribution.unit_keyed(reads.won, reads.info)
    won = _roll({unit: {"won": parts} for (unit,), parts in keyed.items()}, units, paths)
    today = metrics.stints_for(lens, lens.today, lens.today)  # open deals: the unit today
    by_unit: dict[Any, ByCategory] = {}
    for owner, by_cat in reads.open.items():
        _merged(by_unit.setdefault(today.unit_of(owner), {}), by_cat)
    cats = _roll(by_unit, units, paths)
    return {u.pk: _cells(cats[u.pk], won[u.pk].get("won", {})) for u in units}


def _person_cells(reads: WindowReads, members: list[Any]) -> dict[int, dict[str, Any]]:
    """Each person's cells: what they won (over all their stints) and their open deals."""
    won: dict[Any, metrics.Parts] = {}
    for (owner, _stint), parts in reads.won.items():
        won[owner] = metrics.add(won.get(owner, {}), parts)
    return {p.pk: _cells(reads.open.get(p.pk, {}), won.get(p.pk, {})) for p in members}


def _own_key(lens: Lens) -> tuple[str, int] | None:
    if lens.person is not None:
        return ("user", lens.person.pk)
    return ("unit", lens.unit.pk) if lens.unit is not None else None


def _targets(lens: Lens, kind: str, owners: list[Any]) -> dict[tuple[str, int, str], Any]:
    """The won-revenue targets of the rows and of the lens's own person or unit (one query;
    the page shows their values, not their attainment)."""
    ids = [o.pk for o in owners]
    users, units = (ids, []) if kind == "people" else ([], ids)
    own = _own_key(lens)
    if own is not None:
        (users if own[0] == "user" else units).append(own[1])
    return common.won_targets(lens, [lens.window], users=users, units=units, attainment=False)


def _adjustments(lens: Lens, kind: str, owners: list[Any]) -> dict[tuple[int, str], Any]:
    """The latest adjustments of the unit rows and of the lens's unit (one query, if any)."""
    units = [u.pk for u in owners] if kind == "units" else []
    if lens.unit is not None and lens.person is None:
        units.append(lens.unit.pk)
    return latest_adjustments([lens.window.key], units=units) if units else {}


def rows(
    lens: Lens, reads: WindowReads, owners: tuple[str, list[Any]], found: dict[Any, Any],
    adjusted: dict[tuple[int, str], Any],
) -> list[dict[str, Any]]:  # fmt: skip
    """The roll-up rows of `row_owners`, each with its target and (units) adjusted call."""
    kind, items = owners
    key = lens.window.key
    if kind == "units":
        cells = _unit_cells(lens, reads, items)
        return [
            {"unit": u, "label": u.name, "leader": u.leader,
             **_with_target(cells[u.pk], found.get(("unit", u.pk, key)), adjusted.get((u.pk, key)))}
            for u in items
        ]  # fmt: skip
    cells = _person_cells(reads, items)
    return [
        {"person": p, "label": str(p), **_with_target(cells[p.pk], found.get(("user", p.pk, key)))}
        for p in items
    ]


def _month_list(lens: Lens, months: int) -> list[Period]:
    month_list = [Period.containing("month", lens.window.start)]
    while len(month_list) < months:
        month_list.append(month_list[-1].next())
    return month_list


def by_month(lens: Lens, months: int = 6) -> dict[str, Any]:
    """Open deals by expected-close month from the window's first month on, per category,
    and those with a past or no close date: one query, the lens's open deals per month and
    category, read both ways."""
    month_list = _month_list(lens, months)
    shown = {m.key for m in month_list}
    this_month = Period.containing("month", lens.today).start
    qs = metrics.open_deals(lens).annotate(
        month=metrics.bucket_expr("expected_close", "month", False)
    )
    cells: dict[tuple[str, str], metrics.Parts] = {}
    past: metrics.Parts = {}
    undated: metrics.Parts = {}
    for (month, cat), parts in metrics.grouped(
        qs, ["month", "forecast_category"], metrics.DEAL_AGGREGATES
    ).items():
        if month is None:
            undated = metrics.add(undated, parts)
            continue
        if month < this_month:
            past = metrics.add(past, parts)
        key = Period.containing("month", month).key
        if key in shown:
            cells[(key, cat)] = parts
    late = {
        "past_n": past.get("n", 0),
        "past": past.get("weighted"),
        "none_n": undated.get("n", 0),
        "none": undated.get("weighted"),
    }
    return {"months": month_list, "cells": cells, "late": late, "this_month": this_month}


def deals(lens: Lens, limit: int = 200) -> list[Opportunity]:
    """The open deals to place in categories: expected in the window, late, or undated."""
    w = lens.window
    qs = metrics.open_deals(lens).filter(Q(expected_close__lte=w.end) | Q(expected_close=None))
    qs = qs.select_related("customer", "stage", "owner").annotate(can_change=can_change(lens.actor))
    return list(qs.order_by("expected_close", "pk")[:limit])


def may_adjust(lens: Lens) -> bool:
    """Does the viewer lead the lens's unit (or one above it)?"""
    return lens.unit is not None and led_units(lens.actor).filter(pk=lens.unit.pk).exists()


@shared_reads.scope
def forecast_page(lens: Lens) -> dict[str, Any]:
    """Everything the forecast page shows."""
    kpi = metrics.kpi_definitions(["won_revenue"])["won_revenue"]
    compared = lens.person is not None or lens.unit is not None  # accuracy shown
    reads = window_reads(lens, kpi, closed_months(lens) if compared else None)
    owners = row_owners(lens)
    found, adjusted = _targets(lens, *owners), _adjustments(lens, *owners)
    key, own = lens.window.key, _own_key(lens)
    adjustment = None
    if lens.unit is not None and lens.person is None and lens.window.period is not None:
        adjustment = adjusted.get((lens.unit.pk, key))
    target = found.get((*own, key)) if own is not None else None
    return {
        "total": _with_target(totals(lens, kpi, reads), target, adjustment),
        "row_kind": owners[0],
        "rows": rows(lens, reads, owners, found, adjusted),
        "months": by_month(lens),
        "deals": deals(lens) if lens.person is not None or lens.unit is None else [],
        "accuracy": accuracy(lens, kpi, won=reads.won_months),
        "may_adjust": may_adjust(lens) and lens.person is None and lens.window.period is not None,
    }
