"""Forecast reads: the roll-up of a unit (per sub-unit or per person) by forecast category,
the weighted pipeline by expected-close month, the deals a person places in categories, and
forecast accuracy from the weekly snapshots once a month is over.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from salesops.core.money import ZERO
from salesops.core.periods import Period
from salesops.crm.models import Opportunity
from salesops.crm.selectors.sales import can_change
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window, led_units, people, unit_paths
from salesops.insights.models import ForecastSnapshot
from salesops.insights.selectors import common
from salesops.insights.selectors.managers import managed_units
from salesops.insights.services.forecast import CATEGORIES, latest_adjustments

TENTH = Decimal("0.1")


def in_window(lens: Lens) -> QuerySet[Opportunity]:
    """Open deals expected to close inside the window."""
    w = lens.window
    return metrics.open_deals(lens).filter(expected_close__gte=w.start, expected_close__lte=w.end)


def _cells(parts_by_cat: dict[str, metrics.Parts], won: metrics.Parts) -> dict[str, Any]:
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


def _by_category(qs: QuerySet, key: str) -> dict[Any, dict[str, metrics.Parts]]:
    found: dict[Any, dict[str, metrics.Parts]] = {}
    for (owner, cat), parts in metrics.grouped(
        qs, [key, "forecast_category"], metrics.DEAL_AGGREGATES
    ).items():
        found.setdefault(owner, {})[cat] = parts
    return found


def totals(lens: Lens, kpi: Any) -> dict[str, Any]:
    """The lens's won so far and open deals in the window by category (two queries)."""
    won = metrics.figure(lens, "won", defs={"won_revenue": kpi})["parts"]
    grouped = metrics.grouped(in_window(lens), ["forecast_category"], metrics.DEAL_AGGREGATES)
    return _cells({cat: parts for (cat,), parts in grouped.items()}, won)


def _roll_categories(
    per: dict[Any, dict[str, metrics.Parts]], units: list[Any], paths: dict[int, str]
) -> dict[int, dict[str, metrics.Parts]]:
    """Category parts per unit, summed over each unit's subtree."""
    cats: dict[int, dict[str, metrics.Parts]] = {u.pk: {} for u in units}
    for uid, by_cat in per.items():
        path = paths.get(uid, "?") if uid is not None else "?"
        for u in units:
            if path.startswith(u.path):
                for cat, parts in by_cat.items():
                    cats[u.pk][cat] = metrics.add(cats[u.pk].get(cat, {}), parts)
    return cats


def _unit_rows(lens: Lens, kpi: Any, units: list[Any]) -> list[dict[str, Any]]:
    w, paths = lens.window, unit_paths()
    won_qs = metrics.dated(lens, kpi, w.start, w.end)
    info = metrics.stints_for(lens, w.start, w.end)
    won = metrics.by_unit(won_qs, metrics.kpi_aggregates(kpi), units, paths, info)
    by_owner = _by_category(in_window(lens), "kpi_owner")
    today = metrics.stints_for(lens, lens.today, lens.today)  # open deals: the unit today
    by_unit: dict[Any, dict[str, metrics.Parts]] = {}
    for owner, by_cat in by_owner.items():
        unit = by_unit.setdefault(today.unit_of(owner), {})
        for cat, parts in by_cat.items():
            unit[cat] = metrics.add(unit.get(cat, {}), parts)
    cats = _roll_categories(by_unit, units, paths)
    found = common.won_targets(lens, [w], units=[u.pk for u in units])
    adjusted = latest_adjustments([w.key], units=[u.pk for u in units])
    return [
        {
            "unit": u,
            "label": u.name,
            "leader": u.leader,
            **_with_target(
                _cells(cats[u.pk], won.get(u.pk, {})),
                found.get(("unit", u.pk, w.key)),
                adjusted.get((u.pk, w.key)),
            ),
        }
        for u in units
    ]


def rows(lens: Lens, kpi: Any) -> tuple[str, list[dict[str, Any]]]:
    """The roll-up rows: one per unit right below the lens's unit when it has such, else one
    per person in it ("units" or "people", rows)."""
    if lens.unit is None or lens.person is not None:
        return "people", []
    units = managed_units(lens.unit)
    if units:
        return "units", _unit_rows(lens, kpi, units)
    w = lens.window
    members = list(people(lens.actor, lens.unit))
    won = metrics.by_owner(metrics.dated(lens, kpi, w.start, w.end), metrics.kpi_aggregates(kpi))
    per = _by_category(in_window(lens), "kpi_owner")
    found = common.won_targets(lens, [w], users=[p.pk for p in members])
    return "people", [
        {
            "person": p,
            "label": str(p),
            **_with_target(
                _cells(per.get(p.pk, {}), won.get(p.pk, {})), found.get(("user", p.pk, w.key))
            ),
        }
        for p in members
    ]


def own_target(lens: Lens) -> Any:
    """The won-revenue target of the lens's person or unit for the window."""
    if lens.person is not None:
        found = common.won_targets(lens, [lens.window], users=[lens.person.pk])
    elif lens.unit is not None:
        found = common.won_targets(lens, [lens.window], units=[lens.unit.pk])
    else:
        return None
    return next(iter(found.values()), None)


def by_month(lens: Lens, months: int = 6) -> dict[str, Any]:
    """Open deals by expected-close month from the window's first month on, per category,
    and those with a past or no close date (two queries)."""
    first = Period.containing("month", lens.window.start)
    month_list = [first]
    while len(month_list) < months:
        month_list.append(month_list[-1].next())
    qs = metrics.open_deals(lens)
    cells: dict[tuple[str, str], metrics.Parts] = {}
    span = qs.filter(expected_close__gte=first.start, expected_close__lte=month_list[-1].end)
    span = span.annotate(month=TruncMonth("expected_close"))
    for (month, cat), parts in metrics.grouped(
        span, ["month", "forecast_category"], metrics.DEAL_AGGREGATES
    ).items():
        cells[(Period.containing("month", month).key, cat)] = parts
    this_month = Period.containing("month", lens.today).start
    late = qs.aggregate(
        past_n=Count("pk", filter=Q(expected_close__lt=this_month)),
        past=Sum("weighted", filter=Q(expected_close__lt=this_month)),
        none_n=Count("pk", filter=Q(expected_close__isnull=True)),
        none=Sum("weighted", filter=Q(expected_close__isnull=True)),
    )
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


# --- accuracy ------------------------------------------------------------------------------------


def _pick(snaps: list[ForecastSnapshot], by: Any) -> ForecastSnapshot | None:
    before = [s for s in snaps if timezone.localtime(s.taken_at).date() <= by]
    return before[-1] if before else (snaps[0] if snaps else None)


def _accuracy(call: Decimal | None, actual: Decimal) -> Decimal | None:
    if call is None or actual <= 0:
        return None
    miss = abs(call - actual) * 100 / actual
    return max(Decimal(0), Decimal(100) - miss).quantize(TENTH, ROUND_HALF_UP)


def accuracy(lens: Lens, kpi: Any, months: int = 6) -> list[dict[str, Any]]:
    """For each of the last closed months: the call at the month's start and halfway, what
    was won, and how accurate each call was (100% − miss ÷ actual). Two queries."""
    if lens.person is None and lens.unit is None:
        return []
    last = Period.containing("month", lens.today).previous()
    closed = [last]
    while len(closed) < months:
        closed.insert(0, closed[0].previous())
    qs = ForecastSnapshot.objects.visible_to(lens.actor).filter(
        period_key__in=[m.key for m in closed]
    )
    if lens.person is not None:
        qs = qs.filter(owner_user=lens.person)
    else:
        qs = qs.filter(owner_unit=lens.unit)
    snaps: dict[str, list[ForecastSnapshot]] = {}
    for snap in qs.order_by("taken_at", "id"):
        snaps.setdefault(snap.period_key, []).append(snap)
    span = replace(lens, window=Window(closed[0].start, closed[-1].end, "custom"))
    won = metrics.by_bucket(
        metrics.dated(span, kpi, span.window.start, span.window.end), kpi, "month"
    )
    result = []
    for month in closed:
        actual = won.get((month.key,), {}).get("total", ZERO)
        start = _pick(snaps.get(month.key, []), month.start)
        mid = _pick(snaps.get(month.key, []), month.start.replace(day=15))
        result.append(
            {
                "period": month,
                "actual": actual,
                "start": start,
                "mid": mid,
                "start_accuracy": _accuracy(start.call if start else None, actual),
                "mid_accuracy": _accuracy(mid.call if mid else None, actual),
            }
        )
    return result


def forecast_page(lens: Lens) -> dict[str, Any]:
    """Everything the forecast page shows."""
    kpi = metrics.kpi_definitions(["won_revenue"])["won_revenue"]
    kind, row_list = rows(lens, kpi)
    total = totals(lens, kpi)
    adjustment = None
    if lens.unit is not None and lens.person is None and lens.window.period is not None:
        key = lens.window.key
        adjustment = latest_adjustments([key], units=[lens.unit.pk]).get((lens.unit.pk, key))
    return {
        "total": _with_target(total, own_target(lens), adjustment),
        "row_kind": kind,
        "rows": row_list,
        "months": by_month(lens),
        "deals": deals(lens) if lens.person is not None or lens.unit is None else [],
        "accuracy": accuracy(lens, kpi),
        "may_adjust": may_adjust(lens) and lens.person is None and lens.window.period is not None,
    }
