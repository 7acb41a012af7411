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

from django.db.models import Count, F, Q, Sum

from salesops.core import idlists
from salesops.targets import kpis
from salesops.targets.kpis import SOURCES, Components


def _scan_key(kpi: Any) -> tuple[str, str, str]:
    source = SOURCES[kpi.source]
    return source.model, source.owner, kpi.date_field


def _own_rows(kpi: Any) -> Q:
    source = SOURCES[kpi.source]
    return source.base() & kpis.filter_q(source, kpi.filters)


def _aggregates(group: list[Any]) -> dict[str, Any]:
    """Per KPI i: n{i} rows, t{i} sum of its measure, u{i} rows meeting its numerator."""
    found: dict[str, Any] = {}
    for i, kpi in enumerate(group):
        source, mine = SOURCES[kpi.source], _own_rows(kpi)
        found[f"n{i}"] = Count(source.count, filter=mine)
        if kpi.measure:
            found[f"t{i}"] = Sum(source.measures[kpi.measure].expression(), filter=mine)
        if kpi.aggregate == "ratio":
            found[f"u{i}"] = Count(source.count, filter=mine & kpis.filter_q(source, kpi.numerator))
    return found


def _together(group: list[Any], start: date, end: date, owners: Any) -> dict[str, dict[int, Any]]:
    source = SOURCES[group[0].source]
    qs = source.model_class().objects.annotate(kpi_owner=F(source.owner))
    qs = qs.filter(kpi_owner__isnull=False).filter(
        kpis.in_range(source, group[0].date_field, start, end)
    )
    qs = qs.filter(reduce(or_, (_own_rows(k) for k in group)))
    keep = None
    if owners is not None:
        qs, keep = idlists.narrow(qs, "kpi_owner", owners)
    values: dict[str, dict[int, Any]] = {k.code: {} for k in group}
    rows = qs.order_by().values("kpi_owner").annotate(**_aggregates(group))
    for row in idlists.kept(rows, "kpi_owner", keep):
        for i, kpi in enumerate(group):
            parts = Components(kpis.as_decimal(row.get(f"t{i}")), row[f"n{i}"], row.get(f"u{i}", 0))
            if parts.n:
                values[kpi.code][row["kpi_owner"]] = kpis.value_of(kpi, parts)
    return values


def people_values(
    kpi_list: Iterable[Any], start: date, end: date, owners: Any = None
) -> dict[str, dict[int, Any]]:
    """{KPI code: {person id: value}} for these (computed, not manual) KPIs from `start` to
    `end`: one query per group of KPIs reading the same rows. People without records are left
    out, as `kpis.evaluate` leaves them."""
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for kpi in kpi_list:
        groups[_scan_key(kpi)].append(kpi)
    values: dict[str, dict[int, Any]] = {}
    for group in groups.values():
        if len(group) == 1:
            parts = kpis.evaluate(group[0], start, end, owners=owners)
            values[group[0].code] = {
                uid: kpis.value_of(group[0], p) for (uid, _b), p in parts.items() if uid is not None
            }
        else:
            values.update(_together(group, start, end, owners))
    return values
