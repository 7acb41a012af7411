"""Insights' reads of the rollups (crm.DealMonth, crm.ActivityDay, crm.ActivityMonth through
targets.rollups):
the same parts as metrics' reads of the records, for the lens's unit or person, with what the
rollups cannot place (a person's month split by a move between units) read from the records.
metrics calls these first and reads the records when they give None.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, QuerySet, Sum, Value
from django.db.models.lookups import GreaterThan

from salesops.core import shared_reads
from salesops.core.money import ZERO
from salesops.core.periods import Period, between
from salesops.crm.models import (
    Activity,
    ActivityDay,
    ActivityMonth,
    DealCohort,
    OpenPipeline,
    Opportunity,
    ReasonMonth,
    Stage,
    StageHistory,
    StayMonth,
)
from salesops.insights import metrics
from salesops.insights.lens import Lens
from salesops.insights.metrics import Dating, Parts
from salesops.targets import attribution, kpi_batch, kpis, rollups
from salesops.targets.models import KpiDefinition

# crm.ActivityDay: done activities per owner and local day
DAYS = Dating("day", False, {"n": rollups.whole_sum("n")})


def stint_rows(lens: Lens, group: list[KpiDefinition], info: attribution.Stints
                ) -> dict[str, dict[tuple[Any, ...], Parts]] | None:  # fmt: skip
    """{KPI code: parts per (owner, stint)} of the lens's window from the deals' monthly
    rollup, for KPIs it answers over whole months; an owner's month that spans two stints (or
    the lens's unit in part) read from the deals. None when the rollup cannot answer."""
    start, end = lens.window.start, lens.window.end
    months = rollups.whole_months(start, end)
    if not group or months is None:
        return None
    where = _placement(lens, months, start, end)
    owned, seen = rollups.visible_owners(lens.actor)
    got = rollups.sums(group, months, seen, where, by_owner=True, info=info) if owned else None
    if got is None:
        return None
    split = set(where.split)
    stint_of: dict[tuple[int, int], int] = {}
    for rows in got.values():
        for owner, i in rows:
            if (owner, i) not in stint_of:
                stint_of[(owner, i)] = info.whole_stint(owner, months[i].start, months[i].end)
    split.update(key for key, stint in stint_of.items() if stint < 0)

    def placed(owner: int, i: int) -> tuple[int, int] | None:
        return None if (owner, i) in split else (owner, stint_of[(owner, i)])

    kpi_of = {k.code: k for k in group}
    found: dict[str, dict[tuple[Any, ...], Parts]] = {
        code: {key: _every_part(kpi_of[code], s) for key, s in rollups.add_up(rows, placed).items()}
        for code, rows in got.items()
    }  # fmt: skip
    where.split = sorted(split)
    for scan in kpi_batch.by_scan(group) if split else []:
        qs = _split(lens, scan, where, months, start, end)
        keys = ("kpi_owner", "kpi_stint")
        for row in qs.order_by().values(*keys).annotate(**kpi_batch.aggregates(scan)):
            for code, c in kpi_batch.split(row, scan).items():
                if c.n:
                    metrics.put(
                        found[code], (row["kpi_owner"], row["kpi_stint"]), metrics._parts_of(c)
                    )
    return found


def _every_part(kpi: KpiDefinition, sums: Any) -> Parts:
    """Raw rollup sums as the parts a grouped read of the records gives a batch of KPIs: count,
    total and numerator, each present (what metrics._parts_of makes of rollups.components)."""
    parts = rollups.as_parts(kpi, sums)
    return {"n": parts["n"], "total": parts.get("total", ZERO), "num": parts.get("num", 0)}


def _placement(lens: Lens, months: list[Period], start: date, end: date) -> rollups.Placement:
    """Which whole months of which owners the lens counts (targets.rollups.place)."""
    info = metrics.stints_for(lens, start, end)
    whole = lens.unit is None or metrics._counts_all(lens, "closed_at", True, start, end)
    units = None if whole else metrics._subtree_ids(lens, lens.unit)  # type: ignore[arg-type]
    person = lens.person.pk if lens.person is not None else None
    return rollups.place(months, info, units, person)


def _placed_rows(lens: Lens, model: Any, records: Any = Opportunity
                 ) -> tuple[QuerySet, rollups.Placement, list[Period]] | None:  # fmt: skip
    """The rows of a monthly rollup (`model`, by owner and month) that the lens counts over
    its window's whole months, with the placement (the months a move splits, left to the
    records) and the months; None when the rollup cannot answer (not whole months, a rollup of
    another time zone, an actor who sees `records` of others than a set of owners)."""
    start, end = lens.window.start, lens.window.end
    months = rollups.whole_months(start, end)
    if months is None or not rollups.usable():
        return None
    owned, seen = rollups.visible_owners(lens.actor, records)
    if not owned:
        return None
    where = _placement(lens, months, start, end)
    qs = model.objects.filter(month__gte=months[0].start, month__lte=months[-1].start)
    return qs.filter(rollups.placed_q(where, months, seen)), where, months


def _split(lens: Lens, group: list[KpiDefinition], where: rollups.Placement,
           months: list[Period], start: date, end: date) -> QuerySet:  # fmt: skip
    """The group's records in the months the rollup leaves to the deals (people who changed
    unit during them), narrowed to the lens as `dated_together`."""
    split = rollups.split_q(where.split, months, group[0])
    return metrics.dated_together(lens, group, start, end).filter(split)


def monthly(lens: Lens, defs: Iterable[KpiDefinition], kind: str, periods: list[Period],
             start: date, end: date) -> dict[str, dict[tuple[Any, ...], Parts]] | None:  # fmt: skip
    """kpis_by_bucket over whole months from the deals' monthly rollup (targets.rollups),
    with the months of people who changed unit during them read from the deals; None when
    the rollup cannot answer."""
    if kind != "month" or rollups.whole_months(start, end) is None:
        return None
    defs = list(defs)
    where = _placement(lens, periods, start, end)
    found = rollups.month_parts(lens.actor, defs, periods, where)
    if found is None or not where.split:
        return found
    for group in kpi_batch.by_scan(defs):
        for code, rows in metrics._group_by_bucket(_split(lens, group, where, periods, start, end),
                                           group, periods).items():  # fmt: skip
            for key, parts in rows.items():
                metrics.put(found[code], key, parts)
    return found


def activity_days(lens: Lens, kpi: KpiDefinition, start: date, end: date) -> QuerySet | None:
    """The lens's done activities from start to end as counts per owner and local day
    (crm.ActivityDay, summed with DAYS), narrowed to the lens as `dated` narrows the activities
    themselves (a person's unit is known per day, so no day is split); None when the rollup
    cannot answer (a KPI with filters, a channel manager, a rollup of another time zone)."""
    if not rollups.counts_days(kpi):
        return None
    owned, seen = rollups.visible_owners(lens.actor, Activity)
    if not owned or not rollups.usable():
        return None
    qs = ActivityDay.objects.filter(day__gte=start, day__lte=end)
    if seen is not None:
        qs = qs.filter(owner_id__in=seen)
    qs = qs.annotate(kpi_owner=F("owner_id"), kpi_day=F("day"))
    return metrics._narrow(qs, lens, "day", False, start, end)


def activity_stints(lens: Lens, kpi: KpiDefinition, info: attribution.Stints
                    ) -> dict[tuple[Any, ...], Parts] | None:  # fmt: skip
    """The lens's done activities over its window's whole months as parts per (owner, stint),
    as `activity_days` grouped by them gives: from the monthly rollup (crm.ActivityMonth), the
    months of people who stayed in one unit over the window added up in the database; an
    owner's month that spans two stints (or the lens's unit in part) from the daily rollup.
    None when neither can answer or the window is not whole months."""
    got = _activity_months(lens, kpi)
    if got is None:
        return None
    qs, days, where, months = got
    qs = qs.annotate(kpi_month=rollups.month_apart(months, info), kpi_owner=F("owner_id"))
    index = {m.start: i for i, m in enumerate(months)}
    found: dict[tuple[Any, ...], Parts] = {}
    split = list(where.split)
    read = qs.order_by().values("kpi_month", "kpi_owner").annotate(**DAYS.aggs)
    for row in shared_reads.rows(read):
        owner, i = row["kpi_owner"], index[row["kpi_month"]]
        stint = info.whole_stint(owner, months[i].start, months[i].end)
        if stint < 0:
            split.append((owner, i))
        elif row["n"]:
            metrics.put(found, (owner, stint), {"n": row["n"]})
    if split:
        parts = days.filter(rollups.owner_months_q(split, months, "day", False))
        for key, p in metrics.grouped(parts, ["kpi_owner", "kpi_stint"], DAYS.aggs).items():
            metrics.put(found, key, p)
    return found


def _activity_total(lens: Lens, kpi: KpiDefinition) -> Parts | None:
    """The lens's done activities over its window's whole months from the monthly rollup (the
    months a move splits from the daily one); None as `activity_stints`."""
    got = _activity_months(lens, kpi)
    if got is None:
        return None
    qs, days, where, months = got
    parts = metrics._clean(qs.order_by().aggregate(**DAYS.aggs))
    if where.split:
        split = days.filter(rollups.owner_months_q(where.split, months, "day", False))
        parts = metrics.add(parts, metrics._clean(split.order_by().aggregate(**DAYS.aggs)))
    return parts


MonthsAndDays = tuple[QuerySet, QuerySet, rollups.Placement, list[Period]]


def _activity_months(lens: Lens, kpi: KpiDefinition) -> MonthsAndDays | None:
    """The monthly rollup's rows the lens counts whole over its window (placed as
    `_placed_rows` places the deals' months), the daily rollup's (`activity_days`) for the
    rest, the placement and the months; None when the window is not whole months or the
    daily rollup cannot answer."""
    start, end = lens.window.start, lens.window.end
    months = rollups.whole_months(start, end)
    days = activity_days(lens, kpi, start, end) if months is not None else None
    if months is None or days is None:
        return None
    where = _placement(lens, months, start, end)
    seen = rollups.visible_owners(lens.actor, Activity)[1]
    qs = ActivityMonth.objects.filter(month__gte=months[0].start, month__lte=months[-1].start)
    return qs.filter(rollups.placed_q(where, months, seen)), days, where, months


def figure_parts(lens: Lens, metric: metrics.Metric, kpi: KpiDefinition) -> Parts | None:
    """A dated figure's parts over the lens's window from a rollup (metrics.figure); None
    when no rollup answers."""
    w = lens.window
    rolled = monthly(lens, [kpi], "month", between("month", w.start, w.end), w.start, w.end)
    if rolled is not None:
        parts = metrics._clean(dict.fromkeys(metrics.aggregates(metric, kpi)))  # no records: 0
        for got in rolled[kpi.code].values():
            parts = metrics.add(parts, got)
        return parts
    total = _activity_total(lens, kpi)
    if total is not None:
        return total
    days = activity_days(lens, kpi, w.start, w.end)
    return None if days is None else metrics._clean(days.order_by().aggregate(**DAYS.aggs))


def dated_buckets(lens: Lens, kpi: KpiDefinition, kind: str, start: date, end: date,
                  owner: bool = False, owners: list[int] | None = None,
                  ) -> dict[tuple[Any, ...], Parts]:  # fmt: skip
    """by_bucket over the lens's records of a KPI (`dated`), from a rollup when one answers;
    only those of `owners` when given."""
    days = activity_days(lens, kpi, start, end)
    qs = metrics.dated(lens, kpi, start, end) if days is None else days
    if owners is not None:
        qs = qs.filter(kpi_owner__in=owners)
    return metrics.by_bucket(qs, kpi, kind, start, end, owner, None if days is None else DAYS)


def dated_by_owner(lens: Lens, kpi: KpiDefinition, start: date, end: date) -> dict[int, Parts]:
    """A KPI's parts per owner of the lens's records from start to end (by_owner over
    `dated`): over whole months from the deals' monthly rollup when it can answer."""
    months = rollups.whole_months(start, end)
    if months is not None:
        where = _placement(lens, months, start, end)
        found = rollups.owner_parts(lens.actor, [kpi], months, where)
        if found is not None:
            rows = found[kpi.code]
            if where.split:
                split = _split(lens, [kpi], where, months, start, end)
                for owner, parts in metrics.by_owner(split, metrics.kpi_aggregates(kpi)).items():
                    metrics.put(rows, owner, parts)
            return rows
    return metrics.by_owner(metrics.dated(lens, kpi, start, end), metrics.kpi_aggregates(kpi))


# crm.OpenPipeline: today's open deals per owner and stage, summed as metrics.DEAL_AGGREGATES
# sums the deals themselves
OPEN_AGGREGATES = {
    "n": rollups.whole_sum("n"), "amount": Sum("amount"), "weighted_sum": Sum("weighted"),
}  # fmt: skip
OPEN_KEYS = {"kpi_owner", "kpi_stint", "stage_id"}


def open_grouped(lens: Lens, keys: list[str]) -> dict[tuple[Any, ...], Parts] | None:
    """The lens's open deals today per `keys` (owner, stint, stage), as
    metrics.grouped(metrics.open_deals(lens), keys, DEAL_AGGREGATES) reads them from the deals;
    None when the rollup cannot answer (another key, or a channel manager, who also sees
    partners' deals). Rows whose deals have all moved away hold zeros and are left out, as the
    deals would leave them out."""
    owned, seen = rollups.visible_owners(lens.actor)
    if not owned or not set(keys) <= OPEN_KEYS:
        return None
    qs = OpenPipeline.objects.filter(rollups.in_stages_of({Stage.Kind.OPEN}), n__gt=0)
    if seen is not None:
        qs = qs.filter(owner_id__in=seen)
    qs = qs.annotate(kpi_owner=F("owner_id"), kpi_stint=Value(0, IntegerField()))
    qs = metrics._narrow(qs, lens, None, False, lens.today, lens.today)
    return metrics.grouped(qs, keys, OPEN_AGGREGATES)


# crm.DealCohort: the deals opened per owner and local month, by the stages they have been in


def reached(lens: Lens, kpi: KpiDefinition, masks: dict[int, int]) -> dict[int, Parts] | None:
    """Per funnel stage id: the deals opened in the lens's window (`kpi`, deals opened) that
    have been in one of the stages of its mask (stage bits), and their amount, from the
    cohort rollup; an owner's month split by a move read from the deals. None when the rollup
    cannot answer (not whole months, a KPI with filters, a channel manager, another zone)."""
    placed = _placed_rows(lens, DealCohort) if rollups.eligible(kpi) else None
    if placed is None:
        return None
    qs, where, months = placed
    found = reach_parts(qs.aggregate(**reach_aggregates(masks, "bits", rolled=True)), masks)
    if where.split:
        start, end = lens.window.start, lens.window.end
        deals = metrics.dated(lens, kpi, start, end).filter(
            rollups.split_q(where.split, months, kpi)
        )
        aggs = reach_aggregates(masks, "stages_reached__bits", rolled=False)
        more = reach_parts(deals.order_by().aggregate(**aggs), masks)
        found = {pk: metrics.add(found[pk], more[pk]) for pk in masks}
    return found


def reach_aggregates(masks: dict[int, int], bits: str, *, rolled: bool) -> dict[str, Any]:
    """Per stage id, the count and amount of the rows whose `bits` meet its mask: deals
    (`rolled` false) or cohort rollup rows."""
    aggs: dict[str, Any] = {}
    for pk, mask in masks.items():
        hit: Any = GreaterThan(F(bits).bitand(mask), 0)
        aggs[f"n{pk}"] = rollups.whole_sum("n", hit) if rolled else Count("pk", filter=hit)
        aggs[f"a{pk}"] = Sum("amount", filter=hit)
    return aggs


def reach_parts(row: dict[str, Any], masks: dict[int, int]) -> dict[int, Parts]:
    return {pk: {"n": row[f"n{pk}"] or 0, "amount": metrics.as_decimal(row[f"a{pk}"])}
            for pk in masks}  # fmt: skip


# crm.StayMonth: finished stays per owner, local month of their end and stage


def stays_by_stage(lens: Lens) -> dict[tuple[Any, ...], Parts] | None:
    """The lens's finished stays in open stages that ended in its window, per (stage id,):
    count and total days, as metrics.grouped reads metrics.stays; an owner's month split by a
    move read from the stays themselves. None when the rollup cannot answer (not whole months,
    a channel manager, a rollup of another time zone)."""
    placed = _placed_rows(lens, StayMonth, StageHistory)
    if placed is None:
        return None
    qs, where, months = placed
    qs = qs.filter(rollups.in_stages_of({Stage.Kind.OPEN}))
    rows = qs.values("stage_id").annotate(n_=rollups.whole_sum("n"),
                                          us=rollups.whole_sum("total_us"))  # fmt: skip
    found = {r["stage_id"]: [r["n_"], r["us"]] for r in rows if r["n_"]}
    if where.split:
        split = rollups.owner_months_q(where.split, months, "left_at", True)
        moved = {owner for owner, _month in where.split}
        stays = metrics.stays(lens, lens.window.start, lens.window.end, owners=moved)
        stays = stays.filter(split).order_by()
        grouped = stays.values("stage_id").annotate(n_=Count("pk"), length=Sum("duration"))
        for row in grouped:
            sums = found.setdefault(row["stage_id"], [0, 0])
            sums[0] += row["n_"]
            sums[1] += row["length"] // timedelta(microseconds=1)
    return {(stage,): {"n": n, "total": Decimal(micros) / kpis.DAY_MICROSECONDS}
            for stage, (n, micros) in found.items()}  # fmt: skip


# crm.ReasonMonth: closed deals per owner, local month of closing, stage and lost reason


def by_reason(lens: Lens, kpi: KpiDefinition) -> dict[tuple[Any, ...], Parts] | None:
    """The deals of a KPI of closed deals (the lost deals) closed in the lens's window, per
    (lost reason,): count and amount, as funnel_reads groups the deals themselves; an owner's
    month split by a move read from the deals. None when the rollup cannot answer (not whole
    months, a KPI with filters, a channel manager, a rollup of another time zone)."""
    eligible = rollups.eligible(kpi) and kpi.source != "opportunities"
    placed = _placed_rows(lens, ReasonMonth) if eligible else None
    if placed is None:
        return None
    qs, where, months = placed
    qs = qs.filter(rollups.in_stages_of(rollups.outcomes_of(kpi))).order_by()
    rows = list(qs.values("reason").annotate(n_=rollups.whole_sum("n"), sum_=Sum("amount")))
    if where.split:
        start, end = lens.window.start, lens.window.end
        deals = metrics.dated(lens, kpi, start, end).filter(
            rollups.split_q(where.split, months, kpi)
        )
        split = deals.order_by().values("lost_reason").annotate(n_=Count("pk"), sum_=Sum("amount"))
        rows += [{**row, "reason": row["lost_reason"]} for row in split]
    found: dict[tuple[Any, ...], Parts] = {}
    for row in rows:
        if row["n_"]:
            parts = {"n": row["n_"], "amount": metrics.as_decimal(row["sum_"])}
            metrics.put(found, (row["reason"],), parts)
    return found
