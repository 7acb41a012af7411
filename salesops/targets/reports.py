"""Reads behind the attainment pages: the team table, the target tree, history, drill-down.

All set-based: a fixed number of queries whatever the number of people, units or records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.targets import attribution, kpis
from salesops.targets.models import KpiDefinition, ManualResult, Target
from salesops.targets.pacing import Attainment, attainment
from salesops.targets.permissions import actor_led_paths, unit_settable
from salesops.targets.selectors import (
    attach,
    led_units,
    page_targets,
    people_and_unit_values,
    people_values,
    targets,
    unit_paths,
    visible_people,
    with_kpis,
)
from salesops.targets.splitting import mismatch

# --- the team table: people × KPIs -----------------------------------------------------------


@dataclass
class Cell:
    """One person's standing on one KPI: the target (if any), actual and attainment."""

    kpi: KpiDefinition
    target: Target | None
    actual: Decimal | None
    att: Attainment | None


@dataclass
class Row:
    person: User
    cells: list[Cell]


def _manual_by_person(kpi: KpiDefinition, period: Period, people: list[int]) -> dict[int, Any]:
    rows = ManualResult.objects.filter(kpi=kpi, period_key=period.key, owner_user_id__in=people)
    return dict(rows.values_list("owner_user_id", "value"))


# What the team table shows of a person and their unit (the page, its export, the API, the
# team dashboard): the rest of a user row is not read.
PERSON_FIELDS = ("username", "display_name", "first_name", "last_name", "position", "is_active")
UNIT_FIELDS = ("name", "code", "kind", "path", "parent", "depth", "is_active")
TABLE_FIELDS = (*PERSON_FIELDS, "unit", *(f"unit__{name}" for name in UNIT_FIELDS))


def team_table(
    *,
    actor: Any,
    unit: OrgUnit | None,
    period: Period,
    kpi_list: list[KpiDefinition] | None,
    today: date,
    people: list[User] | None = None,
) -> tuple[list[KpiDefinition], list[Row]]:
    """People of a unit × KPIs: target, actual, attainment. Queries: people (unless `people`
    are given: some of the unit's visible people, read with TABLE_FIELDS), targets (and the
    KPIs when not given), and one per group of KPIs — however many people."""
    if people is None:
        people = list(visible_people(actor=actor, unit=unit).only(*TABLE_FIELDS))
    ids = [p.pk for p in people]
    found_qs = page_targets(actor=actor).filter(period_key=period.key, owner_user_id__in=ids)
    if kpi_list is not None:
        found_qs = found_qs.filter(kpi__in=[k.pk for k in kpi_list])
    found = list(found_qs)
    used = with_kpis(found, kpi_list)
    kpi_list = used if kpi_list is None else kpi_list
    by_owner = {(t.kpi_id, t.owner_user_id): t for t in found}
    rows = [Row(p, []) for p in people]
    actuals = _actuals(kpi_list, period, ids)
    for kpi in kpi_list:
        values, empty = actuals[kpi.code]
        for row in rows:
            value = values.get(row.person.pk)
            value = empty if value is None else value
            tgt = by_owner.get((kpi.pk, row.person.pk))
            att = attainment(kpi, tgt.value, value, period, today, tgt.phasing) if tgt else None
            row.cells.append(Cell(kpi, tgt, value, att))
    return kpi_list, rows


def _actuals(kpi_list: list[KpiDefinition], period: Period, ids: list[int]
             ) -> dict[str, tuple[dict[int, Any], Any]]:  # fmt: skip
    """Each KPI's actual per person and the actual of a person it has none for (computed KPIs
    in one query per group of KPIs; manual results per KPI)."""
    computed = people_values([k for k in kpi_list if not k.is_manual], period, ids)
    return {
        k.code: (_manual_by_person(k, period, ids), None) if k.is_manual
        else (computed[k.code], kpis.value_of(k, None))
        for k in kpi_list
    }  # fmt: skip


def attainments(*, actor: Any, kpi: KpiDefinition, period: Period, people: list[int],
                today: date) -> dict[int, Attainment]:  # fmt: skip
    """One KPI's attainment for each of these people with a target on it in the period, as
    team_table's cells for that KPI hold it, with the targets read as values (a thousand
    people's won revenue, to choose whom a dashboard shows, without a thousand target
    objects). Two queries."""
    mine = page_targets(actor=actor).filter(period_key=period.key, owner_user_id__in=people)
    found = mine.filter(kpi=kpi).values_list("owner_user_id", "value", "phasing")
    values, empty = _actuals([kpi], period, people)[kpi.code]
    return {
        pk: attainment(kpi, target, empty if values.get(pk) is None else values[pk], period,
                       today, phasing)
        for pk, target, phasing in found
    }  # fmt: skip


def table_kpis(*, actor: Any, period: Period, owners: list[int]) -> list[KpiDefinition]:
    """The team table's columns without reading its targets: the KPIs these people have
    targets on in the period, in catalogue order (one query)."""
    used = page_targets(actor=actor).filter(period_key=period.key, owner_user_id__in=owners)
    # DISTINCT: PostgreSQL then hashes the period's targets once (1 ms at a thousand people)
    # instead of probing every KPI × person in the unique index (20 ms).
    kpi_ids = used.order_by().values("kpi_id").distinct()
    return list(KpiDefinition.objects.filter(pk__in=kpi_ids).order_by("order", "code"))


def sort_rows(rows: list[Row], kpi_list: list[KpiDefinition], key: str) -> list[Row]:
    """Sort the table by name or by a KPI's attainment % ("-code" for descending)."""
    desc = key.startswith("-")
    code = key.lstrip("-")
    codes = [k.code for k in kpi_list]
    if code not in codes:
        return sorted(rows, key=lambda r: str(r.person), reverse=desc)
    i = codes.index(code)

    def pct(row: Row) -> tuple[int, Decimal]:
        att = row.cells[i].att
        value = att.pct if att and att.pct is not None else None
        return (0, value) if value is not None else (1, Decimal(0))

    present = [r for r in rows if pct(r)[0] == 0]
    missing = [r for r in rows if pct(r)[0] == 1]
    return sorted(present, key=lambda r: pct(r)[1], reverse=desc) + missing


# --- the target tree -------------------------------------------------------------------------


@dataclass
class Node:
    """A unit in the tree: its target and standing, the mismatch of its split, its people."""

    unit: OrgUnit
    target: Target | None = None
    actual: Decimal | None = None
    att: Attainment | None = None
    split: dict[str, Any] | None = None
    can_set: bool = False
    children: list[Node] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)


def _split_state(target: Target | None, kids: list[Target]) -> dict[str, Any] | None:
    if target is None or not target.kpi.additive or not kids:
        return None
    return mismatch(target.value, [k.value for k in kids])


def tree(*, actor: Any, kpi: KpiDefinition, period: Period, today: date) -> list[Node]:
    """The visible unit tree for a KPI and period: targets, actuals, mismatches, people."""
    units = list(led_units(actor=actor))
    # The tree shows targets by their unit or person row: the owners are not read again.
    found = list(page_targets(actor=actor).filter(kpi=kpi, period_key=period.key))
    with_kpis(found, [kpi])
    by_unit = {t.owner_unit_id: t for t in found if t.owner_unit_id}
    by_user = {t.owner_user_id: t for t in found if t.owner_user_id}
    # One query gives every person's and every unit's actual: the targets' and the bare ones'.
    people_values: dict[int, Any] = {}
    actuals: dict[int, Any] = {}
    if kpi.is_manual:
        attach(found, today)
    else:
        wanted = {u.pk for u in units} | set(by_unit)
        people_values, actuals = people_and_unit_values(kpi, period, wanted, unit_paths())
        attach(found, today, (people_values, actuals))
    kids: dict[int, list[Target]] = {}
    for t in found:
        if t.parent_id:
            kids.setdefault(t.parent_id, []).append(t)
    paths = actor_led_paths(actor)
    actuals.update({uid: getattr(t, "actual", None) for uid, t in by_unit.items()})
    nodes = {}
    for u in units:
        mine = by_unit.get(u.pk)
        nodes[u.pk] = Node(
            u,
            mine,
            actuals.get(u.pk),
            getattr(mine, "att", None),
            _split_state(mine, kids.get(mine.pk, []) if mine else []),
            unit_settable(actor, u, paths),
        )
    _people(actor, nodes, by_user, people_values)
    roots: list[Node] = []
    for u in units:
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(nodes[u.pk])
    return roots


def count_units(nodes: list[Node]) -> int:
    """How many units a tree holds."""
    return sum(1 + count_units(n.children) for n in nodes)


def _people(
    actor: Any,
    nodes: dict[int, Node],
    by_user: dict[int, Target],
    values: dict[int, Any],
) -> None:
    """Each unit's people with their target, actual and attainment (one query)."""
    shown = ("username", "display_name", "first_name", "last_name", "position", "unit_id")
    people = visible_people(actor=actor, unit=None).select_related(None).only(*shown)
    admin = actor.role == "admin"
    for person in people:
        # People of the tree's units only, picked here: with the units' ids in the SQL beside
        # the visible people's, SQLite probes every (unit, person) pair (10 ms instead of 2).
        if person.unit_id not in nodes:
            continue
        t = by_user.get(person.pk)
        nodes[person.unit_id].people.append(  # type: ignore[index]
            {
                "person": person,
                "target": t,
                "actual": getattr(t, "actual", None) if t else values.get(person.pk),
                "att": getattr(t, "att", None),
                "can_set": admin or person.pk != actor.pk,
            }
        )


# --- history of past periods ----------------------------------------------------------------


def history(
    *, actor: Any, user: User | None, unit: OrgUnit | None, kind: str, count: int, today: date
) -> tuple[list[Period], list[dict[str, Any]]]:
    """The owner's targets of the last `count` periods of a kind (the current one included),
    with what was achieved: one row per KPI, one cell per period."""
    periods = [Period.containing(kind, today)]
    for _i in range(count - 1):
        periods.insert(0, periods[0].previous())
    keys = [p.key for p in periods]
    qs = targets(actor=actor).filter(period_key__in=keys)
    qs = qs.filter(owner_user=user) if user is not None else qs.filter(owner_unit=unit)
    found = attach(qs, today)
    rows: dict[int, dict[str, Any]] = {}
    for t in sorted(found, key=lambda t: (t.kpi.order, t.kpi.code)):
        row = rows.setdefault(t.kpi_id, {"kpi": t.kpi, "cells": dict.fromkeys(keys)})
        row["cells"][t.period_key] = t
    for row in rows.values():
        row["cells"] = [row["cells"][k] for k in keys]
    return periods, list(rows.values())


# --- drill-down: the records behind an actual -----------------------------------------------


def target_records(*, actor: Any, target: Target) -> tuple[QuerySet, dict[str, Any]]:
    """The records counted in a target's actual that the actor may see, and how many counted
    records they may not (people who have since moved out of their view)."""
    kpi = target.kpi
    source = kpis.SOURCES[kpi.source]
    model = source.model_class()
    counted = kpis.records(kpi, target.period_start, target.period_end)
    seen = kpis.records(
        kpi, target.period_start, target.period_end, model.objects.visible_to(actor)
    )
    if target.owner_user_id:
        counted = counted.filter(kpi_owner=target.owner_user_id)
        seen = seen.filter(kpi_owner=target.owner_user_id)
    else:
        path = target.owner_unit.path  # type: ignore[union-attr]
        units = set(OrgUnit.objects.filter(path__startswith=path).values_list("pk", flat=True))
        info = attribution.stints(target.period_start, target.period_end)
        aware = kpi.date_field in source.datetime_fields
        inside = attribution.in_units_q(info, units, kpi.date_field, aware)
        counted, seen = counted.filter(inside), seen.filter(inside)
    hidden = counted.count() - seen.count()
    return seen, {"hidden": hidden}
