"""Target reads: visible targets with their attainment, computed set-based.

`attach` computes the actual and attainment of any list of targets with one query per
(KPI, period) pair (people and units each), whatever the number of targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.org.roles import SALES_ROLES
from salesops.targets import kpi_batch, kpis
from salesops.targets.models import KpiDefinition, ManualResult, Target
from salesops.targets.pacing import STRETCH, Attainment, attainment


def parse_period(key: str, field: str = "period") -> Period:
    """A period from its key ("2026", "2026-Q1", "2026-03", "2026-W05") or a field error."""
    try:
        return Period.parse(key or "")
    except ValueError as exc:
        raise ValidationError(
            {field: _("Write a period as 2026, 2026-Q1, 2026-03 or 2026-W05.")}
        ) from exc


def kpi_catalogue(*, actor: Any, active: bool | None = True) -> QuerySet[KpiDefinition]:
    """The KPIs the actor may read, in catalogue order."""
    qs = KpiDefinition.objects.visible_to(actor)
    return qs if active is None else qs.filter(is_active=active)


def targets(*, actor: Any) -> QuerySet[Target]:
    """The targets the actor may see, with what every page shows of them."""
    return Target.objects.visible_to(actor).select_related(
        "kpi", "owner_user", "owner_unit", "parent"
    )


# What the attainment pages (team table, target tree) read of a target: loading these alone,
# without joined rows, keeps a thousand targets cheap to read.
PAGE_FIELDS = (
    "id",
    "kpi_id",
    "owner_user_id",
    "owner_unit_id",
    "parent_id",
    "period_kind",
    "period_key",
    "period_start",
    "period_end",
    "value",
    "status",
    "ramp_pct",
    "phasing",
)


def page_targets(*, actor: Any) -> QuerySet[Target]:
    """The targets the actor may see, with the columns the attainment pages read and no joined
    rows: their KPI is set by `with_kpis`, their owner is the row or node they are shown in."""
    return targets(actor=actor).select_related(None).only(*PAGE_FIELDS)


def with_kpis(
    found: list[Target], kpi_list: Iterable[KpiDefinition] | None = None
) -> list[KpiDefinition]:
    """Give each target its KPI object, from `kpi_list` or else read in one query (a few KPIs
    for any number of targets); returns the KPIs of the targets in catalogue order."""
    by_id = {k.pk: k for k in kpi_list} if kpi_list is not None else {}
    missing = {t.kpi_id for t in found} - set(by_id)
    if missing:
        by_id.update((k.pk, k) for k in KpiDefinition.objects.filter(pk__in=missing))
    # As select_related would: the KPI goes into the relation's cache (t.kpi_id is its key
    # already), without the checks of an assignment, which cost more than the read itself.
    cache = Target._meta.get_field("kpi")
    for t in found:
        cache.set_cached_value(t, by_id[t.kpi_id])
    used = {t.kpi_id for t in found}
    return sorted((k for k in by_id.values() if k.pk in used), key=lambda k: (k.order, k.code))


def unit_paths() -> dict[int, str]:
    """Every unit's materialised path (one query; the unit tree is small)."""
    return dict(OrgUnit.objects.values_list("pk", "path"))


def person_values(kpi: KpiDefinition, period: Period, owners: Any) -> dict[int, Decimal | None]:
    """The KPI's actual for each of these people (one query)."""
    return kpi_batch.people_values([kpi], period.start, period.end, owners)[kpi.code]


def people_values(
    kpi_list: Iterable[KpiDefinition], period: Period, owners: Any
) -> dict[str, dict[int, Decimal | None]]:
    """{KPI code: {person id: actual}} for these computed KPIs: one query per group of KPIs
    that read the same rows (kpi_batch)."""
    return kpi_batch.people_values(kpi_list, period.start, period.end, owners)


def unit_values(
    kpi: KpiDefinition, period: Period, unit_ids: Iterable[int], paths: dict[int, str]
) -> dict[int, Decimal | None]:
    """The KPI's actual for each of these units, rolled up over their subtrees (one query)."""
    raw = kpis.evaluate(kpi, period.start, period.end, group="unit")
    by_unit = {uid: p for (uid, _b), p in raw.items()}
    rolled = kpis.rollup(by_unit, paths, unit_ids)
    return {uid: kpis.value_of(kpi, p) for uid, p in rolled.items()}


def manual_values(items: list[Target]) -> dict[tuple[int, str, int, str], Decimal]:
    """Reported results of manual KPIs for these targets (one query)."""
    keys = {(t.kpi_id, t.period_key) for t in items}
    if not keys:
        return {}
    q = Q(pk__in=[])
    for kpi_id, period_key in keys:
        q |= Q(kpi_id=kpi_id, period_key=period_key)
    result = {}
    for row in ManualResult.objects.filter(q).values(
        "kpi_id", "period_key", "owner_user_id", "owner_unit_id", "value"
    ):
        kind, oid = (
            ("user", row["owner_user_id"])
            if row["owner_user_id"]
            else ("unit", row["owner_unit_id"])
        )
        result[(row["kpi_id"], kind, oid, row["period_key"])] = row["value"]
    return result


def subtree_ids(paths: dict[int, str], unit_ids: Iterable[int]) -> set[int]:
    """The ids of these units and every unit under them, from every unit's path (`unit_paths`;
    units missing from `paths` add nothing)."""
    tops = tuple(paths[u] for u in unit_ids if u in paths)
    return {uid for uid, path in paths.items() if path.startswith(tops)} if tops else set()


def people_and_unit_values(
    kpi: KpiDefinition,
    period: Period,
    unit_ids: Iterable[int],
    paths: dict[int, str],
    users: Iterable[int] | None = None,
) -> tuple[dict[int, Decimal | None], dict[int, Decimal | None]]:
    """Actuals of these units (rolled up over their subtrees) and of people — everyone, or
    when `users` are named, those and the people of the units' subtrees — in one query."""
    unit_ids = list(unit_ids)
    within = subtree_ids(paths, unit_ids) if users is not None else None
    people, units = kpis.evaluate_both(kpi, period.start, period.end, within, users or ())
    rolled = kpis.rollup(units, paths, unit_ids)
    return (
        {uid: kpis.value_of(kpi, p) for uid, p in people.items()},
        {uid: kpis.value_of(kpi, p) for uid, p in rolled.items()},
    )


def _pick(items: list[Target], by_user: dict[int, Any], by_unit: dict[int, Any]) -> dict[int, Any]:
    """Each target's actual from its owner's value (people without records: the KPI's empty
    value)."""
    actual: dict[int, Any] = {}
    for t in items:
        if t.owner_user_id:
            actual[t.pk] = by_user.get(t.owner_user_id, kpis.value_of(t.kpi, None))
        else:
            actual[t.pk] = by_unit.get(t.owner_unit_id)  # type: ignore[arg-type]
    return actual


def _group_actuals(items: list[Target], paths: dict[int, str] | None) -> dict[int, Any]:
    kpi, period = items[0].kpi, items[0].period
    users = [t.owner_user_id for t in items if t.owner_user_id]
    units = [t.owner_unit_id for t in items if t.owner_unit_id]
    if units:
        by_user, by_unit = people_and_unit_values(kpi, period, units, paths or {}, users)
    else:
        by_user, by_unit = person_values(kpi, period, users), {}
    return _pick(items, by_user, by_unit)


def attach(
    items: Iterable[Target],
    today: date,
    values: tuple[dict[int, Any], dict[int, Any]] | None = None,
) -> list[Target]:
    """Set `.actual` and `.att` (an Attainment) on each target; returns them as a list.
    `values` (people's and units' actuals, already computed for the targets' one KPI and
    period) saves the queries."""
    items = list(items)
    groups: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for t in items:
        groups[(t.kpi_id, t.period_key)].append(t)
    computed = [group for group in groups.values() if not group[0].kpi.is_manual]
    manual = [t for group in groups.values() if group[0].kpi.is_manual for t in group]
    needs_paths = values is None and any(t.owner_unit_id for g in computed for t in g)
    paths = unit_paths() if needs_paths else None
    actual: dict[int, Any] = {}
    for group in computed:
        actual.update(_pick(group, *values) if values else _group_actuals(group, paths))
    if manual:
        reported = manual_values(manual)
        for t in manual:
            kind, oid = ("user", t.owner_user_id) if t.owner_user_id else ("unit", t.owner_unit_id)
            actual[t.pk] = reported.get((t.kpi_id, kind, oid, t.period_key))  # type: ignore[arg-type]
    for group in groups.values():
        period, kpi = group[0].period, group[0].kpi
        for t in group:
            t.actual = actual.get(t.pk)  # type: ignore[attr-defined]
            t.att = attainment(kpi, t.value, t.actual, period, today, t.phasing)  # type: ignore[attr-defined]
    return items


def target_attainment(target: Target, today: date) -> Attainment:
    """One target's attainment (a query or two)."""
    return attach([target], today)[0].att  # type: ignore[attr-defined,no-any-return]


def my_targets(
    *, actor: Any, today: date, kinds: tuple[str, ...] = ("year", "quarter", "month")
) -> list[Target]:
    """The actor's own targets for the periods containing today, with attainment."""
    keys = [Period.containing(kind, today).key for kind in kinds]
    qs = targets(actor=actor).filter(owner_user=actor, period_key__in=keys)
    return attach(qs.order_by("kpi__order", "period_start", "period_kind"), today)


def proposals(*, actor: Any) -> QuerySet[Target]:
    """Proposed targets of the actor's people waiting for a decision (not the actor's own)."""
    return targets(actor=actor).filter(status=Target.Status.PROPOSED).exclude(owner_user=actor)


def children_of(target: Target) -> dict[str, list[Target]]:
    """The targets split from this one: over people and units (same period), over time."""
    kids = list(
        Target.objects.filter(parent=target).select_related("kpi", "owner_user", "owner_unit")
    )
    org = [t for t in kids if t.period_key == target.period_key]
    time = [t for t in kids if t.period_key != target.period_key]
    return {"org": org, "time": sorted(time, key=lambda t: t.period_start)}


def past_results(target: Target, count: int = 4) -> list[dict[str, Any]]:
    """The owner's results for the same KPI in the `count` periods before the target's (one
    query), for the achievability check."""
    kpi, period = target.kpi, target.period
    if kpi.is_manual:
        return []
    periods = [period]
    for _i in range(count):
        periods.insert(0, periods[0].previous())
    periods = periods[:-1]
    start, end = periods[0].start, periods[-1].end
    if target.owner_user_id:
        raw = kpis.evaluate(kpi, start, end, owners=[target.owner_user_id], bucket=period.kind)
        by_key = {b: p for (_o, b), p in raw.items()}
    else:
        raw = kpis.evaluate(kpi, start, end, group="unit", bucket=period.kind)
        paths = unit_paths()
        root = paths.get(target.owner_unit_id or 0, "")
        by_key = {}
        for (uid, b), p in raw.items():
            if uid in paths and paths[uid].startswith(root):
                by_key[b] = by_key.get(b, kpis.Components()) + p
    return [{"period": p, "value": kpis.value_of(kpi, by_key.get(p.key))} for p in periods]


def stretch_flag(target: Target, history: list[dict[str, Any]]) -> Decimal | None:
    """The best past result when the target is far above it (more than STRETCH times)."""
    values = [h["value"] for h in history if h["value"] is not None]
    if not values or not target.kpi.higher_is_better:
        return None
    best = max(values)
    return best if best > 0 and target.value > best * STRETCH else None


def visible_people(*, actor: Any, unit: OrgUnit | None) -> QuerySet[User]:
    """Active sales people the actor may see, in a unit's subtree when one is given."""
    qs = User.objects.visible_to(actor).filter(is_active=True, position__in=SALES_ROLES)
    qs = qs.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.order_by("unit__path", "username")


def led_units(*, actor: Any) -> QuerySet[OrgUnit]:
    """Active units the actor may see (their led subtrees; everything for a director)."""
    return OrgUnit.objects.visible_to(actor).filter(is_active=True).order_by("path")
