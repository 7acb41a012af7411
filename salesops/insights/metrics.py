"""Every figure insights shows, defined once: the records behind it and how they add up.

A figure is an aggregate over a queryset that starts from the viewer's visible records; the
drill-down page lists exactly that queryset, so a headline figure always equals its list.

Dated figures (won revenue, win rate, cycle, new customers, activities, ...) use the targets
app's KPI sources (`salesops.targets.kpis`): the same record sets, dates and owner, so a won
revenue here is the actual of a won-revenue target there. A record belongs to the unit its
owner was in on the record's date (`targets.attribution`); open deals, to their owner's unit
today.

Every aggregate is made of additive parts (n, total, num, amount, weighted), so people add up
to units and grouped results roll up over the unit tree in Python without more queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP
from functools import partial
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesops.core import shared_reads
from salesops.core.localtime import Elapsed, date_start, local_date, local_trunc, week_index
from salesops.core.money import CENT, ZERO
from salesops.core.periods import Period, between
from salesops.crm.models import Opportunity, Stage, StageHistory
from salesops.crm.selectors.sales import weighted_amount
from salesops.crm.selectors.stages import of_stage_kind
from salesops.insights.lens import Lens, subtree
from salesops.org.models import OrgUnit
from salesops.targets import attribution, kpi_batch, kpis, rollups
from salesops.targets.catalogue import BUILTIN, definition
from salesops.targets.models import KpiDefinition

DEALS, ACTIVITIES, STAYS = "deals", "activities", "stays"

# Insights' own definitions over the KPI sources (no targets are set on these).
OWN: dict[str, dict[str, Any]] = {
    "lost_deals": {
        "source": "closed_deals",
        "aggregate": "sum",
        "measure": "amount",
        "date_field": "closed_at",
        "filters": {"stage_kind": "lost"},
    },
    "closed_deals": {
        "source": "closed_deals",
        "aggregate": "sum",
        "measure": "amount",
        "date_field": "closed_at",
    },
    "deals_opened": {
        "source": "opportunities",
        "aggregate": "sum",
        "measure": "amount",
        "date_field": "created_at",
    },
    "activities_done": {"source": "activities", "aggregate": "count", "date_field": "done_at"},
}


@dataclass(frozen=True)
class Metric:
    """A figure: its label and unit, which records it lists, and how it is computed."""

    key: str
    label: Any
    unit: str  # money, count, percent, days
    records: str  # deals, activities or stays
    kpi: str = ""  # dated figures: a KPI code (the catalogue's or one of OWN)
    state: str = ""  # other figures: "open", "coverage" or "stays"


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("won", _("Won revenue"), "money", DEALS, kpi="won_revenue"),
        Metric("win_rate", _("Win rate"), "percent", DEALS, kpi="win_rate"),
        Metric("closed", _("Closed deals"), "money", DEALS, kpi="closed_deals"),
        Metric("lost", _("Lost deals"), "money", DEALS, kpi="lost_deals"),
        Metric("cycle", _("Average sales cycle"), "days", DEALS, kpi="sales_cycle"),
        Metric("new_customers", _("New customers"), "count", DEALS, kpi="new_customers"),
        Metric("opened", _("Deals opened"), "money", DEALS, kpi="deals_opened"),
        Metric("activities", _("Activities done"), "count", ACTIVITIES, kpi="activities_done"),
        Metric("coaching", _("Coaching visits"), "count", ACTIVITIES, kpi="coaching_visits"),
        Metric("pipeline", _("Open pipeline"), "money", DEALS, state="open"),
        Metric("coverage", _("Pipeline closing in the period"), "money", DEALS, state="coverage"),
        Metric("stays", _("Time in stage"), "days", STAYS, state="stays"),
    )
}


def kpi_definitions(codes: Iterable[str]) -> dict[str, KpiDefinition]:
    """KPI definitions by code: the catalogue's rows (as administrators keep them), else the
    shipped definition, and insights' own (one query)."""
    codes = set(codes)
    found = {k.code: k for k in KpiDefinition.objects.filter(code__in=codes & set(BUILTIN))}
    for code in codes - set(found):
        values = definition(code) if code in BUILTIN else {"code": code, **OWN[code]}
        values.pop("code", None)
        found[code] = KpiDefinition(code=code, **values)
    return found


# --- additive parts -----------------------------------------------------------------------------


as_decimal = kpis.as_decimal  # a database sum as Decimal: durations in days


Parts = dict[str, Any]


def add(a: Parts, b: Parts) -> Parts:
    """The sum of two sets of parts (a new dict; neither argument changes)."""
    total = dict(a)
    for k, v in b.items():
        total[k] = total[k] + v if k in total else v
    return total


def put(into: dict[Any, Parts], key: Any, parts: Parts) -> None:
    """Add `parts` to what `into` holds under `key` (or hold a copy of them there: what `into`
    holds is its own, added to in place; `parts` does not change)."""
    held = into.get(key)
    if held is None:
        into[key] = dict(parts)
    else:
        attribution.add_into(held, parts)


kpi_aggregates = kpis.aggregates  # the KPI's additive parts, as the targets app computes them


# Named apart from the `weighted` annotation they sum: an aggregate that takes the name of the
# annotation it reads makes Django write SUM("weighted") over a column that does not exist.
DEAL_AGGREGATES = {"n": Count("pk"), "amount": Sum("amount"), "weighted_sum": Sum("weighted")}
RENAMED = {"weighted_sum": "weighted"}


def _clean(row: dict[str, Any]) -> Parts:
    parts: Parts = {}
    for key in ("n", "num"):
        if key in row:
            parts[key] = row[key] or 0
    for key in ("total", "amount", "weighted", "weighted_sum"):
        if key in row:
            parts[RENAMED.get(key, key)] = as_decimal(row[key])
    return parts


def value(metric: Metric, parts: Parts | None, kpi: KpiDefinition | None = None) -> Any:
    """A figure's value from its parts (None when an average or a rate has no rows)."""
    parts = parts or {}
    if kpi is not None:
        comps = kpis.Components(parts.get("total", ZERO), parts.get("n", 0), parts.get("num", 0))
        return kpis.value_of(kpi, comps)
    if metric.state == "stays":
        n = parts.get("n", 0)
        return (parts.get("total", ZERO) / n).quantize(CENT, ROUND_HALF_UP) if n else None
    if metric.state == "coverage":
        return parts.get("weighted", ZERO)
    return parts.get("amount", ZERO)


# --- the records behind each figure ------------------------------------------------------------


def _rolled() -> Any:
    """insights.rolled, the rollups' reads (imported late: it builds on this module)."""
    from salesops.insights import rolled

    return rolled


def stints_for(lens: Lens, start: date, end: date) -> attribution.Stints:
    """Who was in which unit from start to end (computed once per lens and window)."""
    key = ("stints", start, end)
    if key not in lens.cache:
        lens.cache[key] = attribution.stints(start, end)
    return lens.cache[key]  # type: ignore[no-any-return]


def _subtree_ids(lens: Lens, unit: OrgUnit) -> set[int]:
    key = ("subtree", unit.pk)
    if key not in lens.cache:
        lens.cache[key] = set(subtree(unit).values_list("pk", flat=True))
    return lens.cache[key]  # type: ignore[no-any-return]


def _narrow(qs: QuerySet, lens: Lens, field: str | None, aware: bool, start: date, end: date,
            ) -> QuerySet:  # fmt: skip
    """The lens's person, or the records whose owner was in the lens's unit's subtree on the
    record's day (`field`; open deals: today), with kpi_stint for grouping by unit."""
    if lens.person is not None:
        qs = qs.filter(kpi_owner=lens.person.pk)
    info = stints_for(lens, start, end)
    if lens.unit is not None:
        units = _subtree_ids(lens, lens.unit)
        qs = qs.filter(attribution.in_units_q(info, units, field, aware))
    return attribution.with_stint(qs, info, field, aware) if field else qs


def unit_q(lens: Lens, metric: Metric, kpi: KpiDefinition | None, unit: int | None) -> Q:
    """The records of a figure (`records`) whose owner was in `unit` itself (not its
    subtree) on the record's date — open deals: today; None: in no unit at all."""
    if metric.kpi and kpi is not None:
        field = kpi.date_field
        aware = field in kpis.SOURCES[kpi.source].datetime_fields
        info = stints_for(lens, lens.window.start, lens.window.end)
    elif metric.state == "stays":
        field, aware = "left_at", True
        info = stints_for(lens, lens.window.start, lens.window.end)
    else:
        field, aware, info = None, False, stints_for(lens, lens.today, lens.today)
    if unit is None:
        return Q(kpi_owner__in=info.nowhere)
    return attribution.in_units_q(info, {unit}, field, aware)


def dated(lens: Lens, kpi: KpiDefinition, start: date, end: date) -> QuerySet:
    """The visible records of a KPI from start to end, of the lens's unit or person."""
    return _in_lens(lens, [kpi], start, end, lambda visible: kpis.records(kpi, start, end, visible))


def _in_lens(lens: Lens, group: list[KpiDefinition], start: date, end: date, rows: Any) -> QuerySet:
    """`rows` (a function of the actor's visible records of the group's source) narrowed to
    the lens's unit or person, with the stint of each record."""
    source, field = kpis.SOURCES[group[0].source], group[0].date_field
    qs = rows(source.model_class().objects.visible_to(lens.actor))
    return _narrow(qs, lens, field, field in source.datetime_fields, start, end)


def dated_together(lens: Lens, group: list[KpiDefinition], start: date, end: date) -> QuerySet:
    """The visible records of any KPI of a group that reads the same rows (kpi_batch.by_scan)
    from start to end, narrowed as `dated` narrows each (kpi_owner, kpi_stint)."""
    return _in_lens(lens, group, start, end, partial(kpi_batch.shared_rows, group, start, end))


def open_deals(lens: Lens) -> QuerySet[Opportunity]:
    """The visible open deals of the lens's unit or person, with their weighted amount."""
    qs: QuerySet[Opportunity] = Opportunity.objects.visible_to(lens.actor).filter(
        stage__kind=Stage.Kind.OPEN, closed_at__isnull=True
    )
    qs = qs.annotate(
        kpi_owner=F("owner"), kpi_day=Value(lens.today, DateField()), weighted=weighted_amount()
    )
    qs = _narrow(qs, lens, None, False, lens.today, lens.today)
    return qs.annotate(kpi_stint=Value(0, IntegerField()))


def open_grouped(lens: Lens, keys: list[str]) -> dict[tuple[Any, ...], Parts]:
    """The lens's open deals today (count, amount, weighted) per `keys`: from the rollup of
    open deals per owner and stage (insights.rolled) where it answers, else the deals."""
    found = _rolled().open_grouped(lens, keys)
    return grouped(open_deals(lens), keys, DEAL_AGGREGATES) if found is None else found


def coverage_deals(lens: Lens) -> QuerySet[Opportunity]:
    """Open deals expected to close in what is left of the window (from today on)."""
    rest = lens.window.remaining_from(lens.today)
    qs = open_deals(lens)
    if rest is None:
        return qs.none()
    return qs.filter(expected_close__gte=rest[0], expected_close__lte=rest[1])


def stays(lens: Lens, start: date, end: date, *, by_owner: bool = True,
          owners: set[int] | None = None) -> QuerySet[StageHistory]:  # fmt: skip
    """Finished stays in open stages that ended in the window, with their duration; with the
    deal's owner (kpi_owner, kpi_stint) unless `by_owner` is false and every stay the actor sees
    counts (the whole company): then the stays are read without joining their deals. Only the
    stays of `owners`' deals when given (a few people's split months)."""
    first, after = kpis.local_bounds(start, end)
    qs = StageHistory.objects.visible_to(lens.actor).filter(
        of_stage_kind(Stage.Kind.OPEN), left_at__gte=first, left_at__lt=after
    )
    qs = qs.annotate(duration=Elapsed("left_at", "entered_at"))
    if not by_owner and _counts_all(lens, "left_at", True, start, end):
        return qs
    qs = qs.annotate(kpi_owner=F("opportunity__owner"), kpi_day=local_date("left_at"))
    if owners is not None:
        qs = qs.filter(opportunity__owner__in=sorted(owners))
    return _of_owners(_narrow(qs, lens, "left_at", True, start, end), lens, start, end, owners)


def _of_owners(qs: QuerySet[StageHistory], lens: Lens, start: date, end: date,
               only: set[int] | None = None) -> QuerySet[StageHistory]:  # fmt: skip
    """On SQLite, stays of a unit's subtree (at most half the company; or of the people `only`
    among them) also filtered by their deal among the deals of the people who were in it:
    SQLite then reads only those stays (by the deals' index) instead of looking up the deal of
    every stay in the window to learn its owner (a region's quarter at scale M: 2.7 → 1.0 s; a
    few people's split months in it ~310 → ~10 ms). PostgreSQL joins the two by hash either
    way, and the extra filter only costs it time."""
    if lens.person is not None or lens.unit is None or connections[qs.db].vendor != "sqlite":
        return qs
    info = stints_for(lens, start, end)
    owners = attribution.owners_in_units(info, _subtree_ids(lens, lens.unit))
    if only is not None:
        owners = [owner for owner in owners if owner in only]
    elif len(owners) * 2 > len(info.by_user):  # most of the company: would not narrow
        return qs
    return qs.filter(opportunity__in=Opportunity.objects.filter(owner__in=owners).values("pk"))


def _counts_all(lens: Lens, field: str, aware: bool, start: date, end: date) -> bool:
    """Whether _narrow would keep every record (no person; no unit, or one nobody was outside
    of over the window)."""
    if lens.person is not None:
        return False
    if lens.unit is None:
        return True
    info = stints_for(lens, start, end)
    return not attribution.in_units_q(info, _subtree_ids(lens, lens.unit), field, aware)


def records(lens: Lens, metric: Metric, kpi: KpiDefinition | None = None) -> QuerySet:
    """The records behind a figure for a lens."""
    if metric.state == "open":
        return open_deals(lens)
    if metric.state == "coverage":
        return coverage_deals(lens)
    if metric.state == "stays":
        return stays(lens, lens.window.start, lens.window.end)
    kpi = kpi or kpi_definitions([metric.kpi])[metric.kpi]
    return dated(lens, kpi, lens.window.start, lens.window.end)


def aggregates(metric: Metric, kpi: KpiDefinition | None) -> dict[str, Any]:
    """The aggregates giving a figure's parts."""
    if kpi is not None:
        return kpi_aggregates(kpi)
    if metric.state == "stays":
        return {"n": Count("pk"), "total": Sum("duration")}
    return DEAL_AGGREGATES


def figure(
    lens: Lens, key: str, qs: QuerySet | None = None, defs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One figure with its parts (one query; one more to read the KPI without `defs`)."""
    metric = METRICS[key]
    kpi = None
    if metric.kpi:
        kpi = (defs or {}).get(metric.kpi) or kpi_definitions([metric.kpi])[metric.kpi]
    parts = _rolled().figure_parts(lens, metric, kpi) if qs is None and kpi else None
    if parts is None:
        qs = records(lens, metric, kpi) if qs is None else qs
        parts = _clean(qs.order_by().aggregate(**aggregates(metric, kpi)))
    return {"metric": metric, "value": value(metric, parts, kpi), "parts": parts}


def figure_of(key: str, grouped_parts: Iterable[Parts], defs: dict[str, Any]) -> dict[str, Any]:
    """A figure from the parts of its records grouped some way (by owner, stage, week...):
    the same figure as `figure` over the same records, without its query."""
    metric = METRICS[key]
    parts: Parts = {}
    for p in grouped_parts:
        parts = add(parts, p)
    kpi = defs.get(metric.kpi) if metric.kpi else None
    return {"metric": metric, "value": value(metric, parts, kpi), "parts": parts}


# --- grouped: by owner, by unit, by period bucket ---------------------------------------------


def grouped(qs: QuerySet, keys: list[str], aggs: dict[str, Any]) -> dict[tuple[Any, ...], Parts]:
    """Parts per distinct value of the key annotations (one query)."""
    result: dict[tuple[Any, ...], Parts] = {}
    for row in shared_reads.rows(qs.order_by().values(*keys).annotate(**aggs)):
        key = tuple(row[k] for k in keys)  # one row per key: the keys are what is grouped by
        result[key] = _clean(row)
    return result


def by_owner(qs: QuerySet, aggs: dict[str, Any]) -> dict[int, Parts]:
    """Parts per owner (one query)."""
    return {k[0]: p for k, p in grouped(qs, ["kpi_owner"], aggs).items() if k[0] is not None}


def by_unit(
    qs: QuerySet,
    aggs: dict[str, Any],
    wanted: Iterable[OrgUnit],
    paths: dict[int, str],
    info: attribution.Stints,
) -> dict[int, Parts]:
    """Parts per wanted unit, each the sum over its subtree (one query). `qs` comes from
    dated/open_deals/stays (kpi_owner, kpi_stint) and `info` is the stints of its window."""
    return _subtrees(grouped(qs, ["kpi_owner", "kpi_stint"], aggs), wanted, paths, info)


def _subtrees(
    rows: dict[tuple[Any, ...], Parts],
    wanted: Iterable[OrgUnit],
    paths: dict[int, str],
    info: attribution.Stints,
) -> dict[int, Parts]:
    """Parts keyed by (owner, stint) summed per wanted unit over its subtree."""
    by_leaf = {k[0]: p for k, p in attribution.unit_keyed(rows, info).items()}
    return kpis.rollup(by_leaf, paths, [u.pk for u in wanted], dict, add)


def kpis_by_unit(
    lens: Lens, defs: Iterable[KpiDefinition], wanted: Iterable[OrgUnit], paths: dict[int, str]
) -> dict[str, dict[int, Parts]]:
    """{KPI code: parts per wanted unit} over the lens's window, the visible records of its
    unit: KPIs reading the same rows (targets.kpi_batch) in one query grouped by owner and
    stint, each KPI's parts from its own filtered aggregates."""
    start, end, wanted = lens.window.start, lens.window.end, list(wanted)
    info = stints_for(lens, start, end)
    found: dict[str, dict[int, Parts]] = {}
    defs = list(defs)
    rolled = _rolled().stint_rows(lens, [k for k in defs if rollups.eligible(k)], info)
    if rolled is not None:
        found.update({code: _subtrees(r, wanted, paths, info) for code, r in rolled.items()})
        defs = [k for k in defs if k.code not in rolled]
    for group in kpi_batch.by_scan(defs):
        if len(group) == 1:
            months = _rolled().activity_stints(lens, group[0], info)
            if months is not None:
                found[group[0].code] = _subtrees(months, wanted, paths, info)
                continue
            days = _rolled().activity_days(lens, group[0], start, end)
            qs, aggs = (dated(lens, group[0], start, end), kpi_aggregates(group[0]))
            if days is not None:
                qs, aggs = days, _rolled().DAYS.aggs
            found[group[0].code] = by_unit(qs, aggs, wanted, paths, info)
            continue
        qs = dated_together(lens, group, start, end)
        rows: dict[str, dict[tuple[Any, ...], Parts]] = {k.code: {} for k in group}
        keys = ("kpi_owner", "kpi_stint")
        for row in qs.order_by().values(*keys).annotate(**kpi_batch.aggregates(group)):
            for code, c in kpi_batch.split(row, group).items():
                rows[code][(row["kpi_owner"], row["kpi_stint"])] = _parts_of(c)
        found.update({code: _subtrees(r, wanted, paths, info) for code, r in rows.items()})
    return found


def _parts_of(c: kpis.Components) -> Parts:
    return {"n": c.n, "total": c.total, "num": c.num}


def bucket_expr(field: str, kind: str, aware: bool) -> Any:
    """The start of the week/month/quarter of a date or datetime field, in local time."""
    return local_trunc(field, kind) if aware else date_start(field, kind)


def bucket_key(value: Any, kind: str) -> str:
    """The period key of a truncated date or datetime."""
    if hasattr(value, "tzinfo") and getattr(value, "hour", None) is not None:
        value = timezone.localtime(value, timezone.get_default_timezone()).date()
    return Period.containing(kind, value).key


MAX_RANGES = 60  # up to this many buckets, told apart by comparing dates; beyond, by truncating


@dataclass(frozen=True)
class Dating:
    """How the records of a read are dated and summed: the KPI's own date field and aggregates,
    or a rollup's (a local `day` column and summed counts)."""

    field: str
    aware: bool
    aggs: dict[str, Any]

    @classmethod
    def of(cls, kpi: KpiDefinition) -> Dating:
        aware = kpi.date_field in kpis.SOURCES[kpi.source].datetime_fields
        return cls(kpi.date_field, aware, kpi_aggregates(kpi))


def by_bucket(
    qs: QuerySet, kpi: KpiDefinition, kind: str, start: date, end: date, owner: bool = False,
    dating: Dating | None = None,
) -> dict[tuple[Any, ...], Parts]:  # fmt: skip
    """A KPI's parts per period bucket (and per owner when asked) of records dated from start
    to end (`qs` holds no others: metrics.dated over the same days), one query.

    A record's bucket is found by comparing its date with the buckets' ends (CASE WHEN d <
    end1 THEN 0 WHEN d < end2 THEN 1 ...): truncating every row's date to its local week or
    month costs more than reading the row (a company quarter of activities on PostgreSQL:
    ~400 ms truncating, ~200 ms comparing; the plan is the same). Weeks on SQLite are counted
    from the first Monday in integer seconds instead (core.localtime.week_index: ~500 -> ~300
    ms there)."""
    periods, dating = between(kind, start, end), dating or Dating.of(kpi)
    if len(periods) > MAX_RANGES:
        return _by_bucket_expr(qs, kind, dating, owner)
    keys = ["kpi_owner", "kpi_bucket"] if owner else ["kpi_bucket"]
    rows = grouped(qs.annotate(kpi_bucket=_bucket_index(kpi, kind, periods, dating)), keys,
                   dating.aggs)  # fmt: skip
    return {(*key[:-1], periods[key[-1]].key): parts for key, parts in rows.items()}


def kpis_by_bucket(
    lens: Lens, defs: Iterable[KpiDefinition], kind: str, start: date, end: date
) -> dict[str, dict[tuple[Any, ...], Parts]]:
    """{KPI code: parts per period bucket} of the lens's visible records from start to end
    (as by_bucket over `dated`): KPIs reading the same rows (targets.kpi_batch), such as won
    revenue and win rate, in one query grouped by bucket, each KPI's parts from its own
    filtered aggregates; a KPI alone in its group as by_bucket."""
    periods, found = between(kind, start, end), {}
    rolled = _rolled().monthly(lens, defs, kind, periods, start, end)
    if rolled is not None:
        return rolled
    for group in kpi_batch.by_scan(defs):
        if len(group) == 1 or len(periods) > MAX_RANGES:
            for kpi in group:
                found[kpi.code] = _rolled().dated_buckets(lens, kpi, kind, start, end)
            continue
        found.update(_group_by_bucket(dated_together(lens, group, start, end), group, periods))
    return found


def _group_by_bucket(qs: QuerySet, group: list[KpiDefinition], periods: list[Period]
                     ) -> dict[str, dict[tuple[Any, ...], Parts]]:  # fmt: skip
    """Each KPI's parts per period of records of a group that reads the same rows (one
    query, each KPI from its own filtered aggregates)."""
    qs = qs.annotate(kpi_bucket=_bucket_index(group[0], periods[0].kind, periods))
    rows: dict[str, dict[tuple[Any, ...], Parts]] = {k.code: {} for k in group}
    for row in qs.order_by().values("kpi_bucket").annotate(**kpi_batch.aggregates(group)):
        parts = kpi_batch.split(row, group)
        for kpi in group:
            if parts[kpi.code].n:
                rows[kpi.code][(periods[row["kpi_bucket"]].key,)] = kpi_parts(kpi, parts)
    return rows


def kpi_parts(kpi: KpiDefinition, parts: dict[str, kpis.Components]) -> Parts:
    """A KPI's parts from kpi_batch.split with the keys kpi_aggregates gives it."""
    c = parts[kpi.code]
    found: Parts = {"n": c.n}
    if kpi.measure:
        found["total"] = c.total
    if kpi.aggregate == "ratio":
        found["num"] = c.num
    return found


def _bucket_index(kpi: KpiDefinition, kind: str, periods: list[Period],
                  dating: Dating | None = None) -> Any:  # fmt: skip
    """Which of `periods` a record of the KPI falls in (0, 1, ...), by comparing its date with
    the periods' ends; weeks on SQLite by core.localtime.week_index."""
    field, aware = (dating or Dating.of(kpi)).field, (dating or Dating.of(kpi)).aware
    index = week_index(field, periods[0].start, aware) if kind == "week" else None
    if index is None:
        whens = [When(_before_end(field, aware, p), then=Value(i))
                 for i, p in enumerate(periods[:-1])]  # fmt: skip
        index = Case(*whens, default=Value(len(periods) - 1), output_field=IntegerField())
    return index


def _before_end(field: str, aware: bool, period: Period) -> Q:
    """Records dated no later than the period's last local day."""
    if aware:
        return Q(**{f"{field}__lt": kpis.local_bounds(period.start, period.end)[1]})
    return Q(**{f"{field}__lte": period.end})


def _by_bucket_expr(
    qs: QuerySet, kind: str, dating: Dating, owner: bool
) -> dict[tuple[Any, ...], Parts]:
    """by_bucket for many buckets: the bucket of each record computed in the query."""
    qs = qs.annotate(kpi_bucket=bucket_expr(dating.field, kind, dating.aware))
    keys = ["kpi_owner", "kpi_bucket"] if owner else ["kpi_bucket"]
    result: dict[tuple[Any, ...], Parts] = {}
    period_keys: dict[Any, str] = {}  # a bucket's key, computed once per distinct bucket
    for key, parts in grouped(qs, keys, dating.aggs).items():
        if key[-1] not in period_keys:
            period_keys[key[-1]] = bucket_key(key[-1], kind)
        put(result, (*key[:-1], period_keys[key[-1]]), parts)
    return result
