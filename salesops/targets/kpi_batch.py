"""Several KPIs that read the same rows, computed per person in one query.

Won revenue, win rate, average cycle and closed deals all read deals by their close date and
owner; evaluated one by one (`kpis.evaluate`) they scan the same quarter of deals once each.
Here KPIs sharing a model, owner and date field are computed in one grouped query: the rows of
any of them, and each KPI's additive parts as aggregates filtered by its own source and filters.
A KPI alone in its group is evaluated as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from salesops.core import idlists
from salesops.targets import kpis, rollups
from salesops.targets.kpis import SOURCES, Components


def _scan_key(kpi: Any) -> tuple[str, str, str]:
    """KPIs with the same key read the same rows: model, owner and date field."""
    source = SOURCES[kpi.source]
    return source.model, source.owner, kpi.date_field


def by_scan(kpi_list: Iterable[Any]) -> list[list[Any]]:
    """The KPIs in groups reading the same rows (in first-seen order)."""
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for kpi in kpi_list:
        groups[_scan_key(kpi)].append(kpi)
    return list(groups.values())


def own_rows(kpi: Any) -> Q:
    """The filter of a KPI's own rows among the group's shared rows."""
    source = SOURCES[kpi.source]
    return source.base() & kpis.filter_q(source, kpi.filters)


def aggregates(group: list[Any]) -> dict[str, Any]:
    """Per KPI i: n{i} rows, t{i} sum of its measure, u{i} rows meeting its numerator."""
    found: dict[str, Any] = {}
    for i, kpi in enumerate(group):
        source, mine = SOURCES[kpi.source], own_rows(kpi)
        found[f"n{i}"] = Count(source.count, filter=mine)
        if kpi.measure:
            found[f"t{i}"] = Sum(source.measures[kpi.measure].expression(), filter=mine)
        if kpi.aggregate == "ratio":
            found[f"u{i}"] = Count(source.count, filter=mine & kpis.filter_q(source, kpi.numerator))
    return found


def split(row: dict[str, Any], group: list[Any]) -> dict[str, Components]:
    """Each KPI's parts from a row grouped with `aggregates(group)`."""
    return {
        kpi.code: Components(
            kpis.as_decimal(row.get(f"t{i}")), row[f"n{i}"] or 0, row.get(f"u{i}") or 0
        )
        for i, kpi in enumerate(group)
    }


def shared_rows(
    group: list[Any], start: date, end: date, start_from: QuerySet | None = None
) -> QuerySet:
    """The rows of any KPI of the group (of `start_from`, e.g. the visible ones) from `start`
    to `end`, with the owner annotated as kpi_owner."""
    source = SOURCES[group[0].source]
    qs = source.model_class().objects.all() if start_from is None else start_from
    qs = qs.annotate(kpi_owner=F(source.owner)).filter(kpi_owner__isnull=False)
    qs = qs.filter(kpis.in_range(source, group[0].date_field, start, end))
    return qs.filter(reduce(or_, (own_rows(k) for k in group)))


def _together(group: list[Any], start: date, end: date, owners: Any) -> dict[str, dict[int, Any]]:
    qs, keep = shared_rows(group, start, end), None
    if owners is not None:
        qs, keep = idlists.narrow(qs, "kpi_owner", owners)
    values: dict[str, dict[int, Any]] = {k.code: {} for k in group}
    rows = qs.order_by().values("kpi_owner").annotate(**aggregates(group))
    by_code = {k.code: k for k in group}
    for row in idlists.kept(rows, "kpi_owner", keep):
        for code, parts in split(row, group).items():
            if parts.n:
                values[code][row["kpi_owner"]] = kpis.value_of(by_code[code], parts)
    return values


def people_values(
    kpi_list: Iterable[Any], start: date, end: date, owners: Any = None
) -> dict[str, dict[int, Any]]:
    """{KPI code: {person id: value}} for these (computed, not manual) KPIs from `start` to
    `end`: one query per group of KPIs reading the same rows. People without records are left
    out, as `kpis.evaluate` leaves them."""
    values: dict[str, dict[int, Any]] = {}
    months = rollups.whole_months(start, end)
    for group in by_scan(kpi_list):
        rolled = rollups.by_owner(group, months, owners) if months else None
        if rolled is not None:  # whole months of deals: from their monthly rollup
            for kpi in group:
                values[kpi.code] = {uid: kpis.value_of(kpi, rollups.components(parts))
                                    for uid, parts in rolled[kpi.code].items()}  # fmt: skip
        elif len(group) == 1:
            parts = kpis.evaluate(group[0], start, end, owners=owners)
            values[group[0].code] = {
                uid: kpis.value_of(group[0], p) for (uid, _b), p in parts.items() if uid is not None
            }
        else:
            values.update(_together(group, start, end, owners))
    return values
