"""KPI parts per whole local month from the deals' monthly rollup (crm.DealMonth) instead of
the deals themselves: a year of a company's closed deals is ~450k rows at scale M, its rollup
~36k, and the company's figures per month are a grouped read of those. (Done activities per
local day, crm.ActivityDay, are read by insights.rolled.activity_days: `counts_days` says
which KPIs it answers.)

Only what the rollup can answer exactly is read from it: KPIs of won, closed or opened deals
without filters other than the outcome (`eligible`), whole local months, an actor whose visible
deals are those of a set of owners, and a rollup built in the site's time zone (`usable`).
Anything else is read from the deals as before (the callers fall back when this gives None).
A person who moved between units during a month has that month read from the deals
(`Placement.split`): the rollup cannot tell which part of the month a deal fell in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Case, DateField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast

from salesops.core import shared_reads
from salesops.core.money import CENT
from salesops.core.periods import Period, between
from salesops.crm import rollup_sql
from salesops.crm.models import DealMonth, Opportunity, RollupState, Stage
from salesops.targets import attribution, kpis
from salesops.targets.kpis import DAY_MICROSECONDS, ZERO, Components
from salesops.targets.span_sql import OnSpans

# Source -> (the rollup's event, the date field it is dated by)
EVENTS = {
    "won_deals": (DealMonth.Event.CLOSED, "closed_at"),
    "closed_deals": (DealMonth.Event.CLOSED, "closed_at"),
    "opportunities": (DealMonth.Event.OPENED, "created_at"),
}
OUTCOMES = {"won_deals": ("won",), "closed_deals": ("won", "lost"), "opportunities": ()}
MEASURES = {None: "", "": "", "amount": "amount", "cycle_days": "cycle_us"}


_USABLE: set[tuple[str, str]] = set()  # (database, time zone) found usable in this process


def usable() -> bool:
    """Whether the rollups are kept in the site's time zone; on SQLite only for a zone with one
    UTC offset. Once found usable it stays so for the process: the state changes only when
    `crm_rebuild_rollups` sets it to the site's zone, and the zone (a setting) only with a
    restart."""
    zone = rollup_sql.zone_state()
    key = (connection.alias, zone[0])
    if key in _USABLE:
        return True
    state = RollupState.objects.filter(pk=1).values_list("time_zone", "shift").first()
    placed = (state is not None and bool(state[1])) or connection.vendor != "sqlite"
    if state == zone and placed:
        _USABLE.add(key)
        return True
    return False


def counts_days(kpi: Any) -> bool:
    """A KPI the activities' daily rollup (crm.ActivityDay) answers: done activities counted
    by the day they were done, without filters."""
    return (
        kpi.source == "activities" and kpi.date_field == "done_at" and kpi.aggregate == "count"
        and not kpi.filters and not kpi.measure
    )  # fmt: skip


def eligible(kpi: Any) -> bool:
    """A KPI the rollup answers: won, closed or opened deals by their own date, filtered by
    outcome at most, summing amounts or cycles or counting."""
    if kpi.source not in EVENTS or EVENTS[kpi.source][1] != kpi.date_field:
        return False
    allowed = {"stage_kind"} if kpi.source == "closed_deals" else set()
    numerator = set((kpi.numerator or {}) if kpi.aggregate == "ratio" else {})
    return (
        set(kpi.filters or {}) <= allowed
        and numerator <= {"stage_kind"}
        and kpi.measure in MEASURES
        and (kpi.measure != "cycle_days" or kpi.source == "won_deals")
    )


def _kinds(value: Any) -> set[str]:
    return {str(v) for v in (value if isinstance(value, list | tuple) else [value])}


@dataclass
class Placement:
    """Which whole months of each owner a lens counts: `inside` (owner -> month indexes),
    `everyone` when every owner counts in every month, `split` the (owner, month index) pairs
    only the deals can answer."""

    everyone: bool = False
    inside: dict[int, set[int]] = field(default_factory=dict)
    split: list[tuple[int, int]] = field(default_factory=list)


def place(months: list[Period], info: attribution.Stints, units: set[int] | None,
          person: int | None) -> Placement:  # fmt: skip
    """The months each owner's deals count in for a lens of `units` (a subtree; None: all) or
    one `person`: a month counts whole when one of the owner's stints in the units covers it,
    not at all when none touches it, and is split otherwise. Worked out once per months and
    units for everyone (the placement is read, not changed)."""
    if units is None:
        if person is None:
            return Placement(everyone=True)
        return Placement(inside={person: set(range(len(months)))})
    if person is not None:
        return _placed([person], months, info, units)
    key = ("place", tuple((m.start, m.end) for m in months), frozenset(units))
    return info.kept(key, lambda: _placed(list(info.by_user), months, info, units))


def _placed(owners: list[int], months: list[Period], info: attribution.Stints,
            units: set[int]) -> Placement:  # fmt: skip
    found = Placement()
    first, last = months[0].start, months[-1].end
    every = set(range(len(months)))
    for uid in owners:
        stints = [s for s in info.by_user.get(uid, []) if s.unit in units]
        if not stints:  # never in the units: no month of theirs counts
            continue
        if len(stints) == 1 and stints[0].first <= first and stints[0].last >= last:
            found.inside[uid] = set(every)  # in the units all along: most people
            continue
        for i, month in enumerate(months):
            if any(s.first <= month.start and s.last >= month.end for s in stints):
                found.inside.setdefault(uid, set()).add(i)
            elif any(s.first <= month.end and s.last >= month.start for s in stints):
                found.split.append((uid, i))
    return found


def visible_owners(actor: Any, model: Any = Opportunity) -> tuple[bool, tuple[int, ...] | None]:
    """Whether the records of `model` (deals, activities) the actor sees are those of a set of
    owners, and which (None: all): the model's own visibility rule says (CrmVisibility.owners)."""
    return model.visibility.owners(actor)  # type: ignore[no-any-return]


def whole_months(start: date, end: date) -> list[Period] | None:
    """The local months from start to end when they are whole months (else None)."""
    months = between("month", start, end)
    return months if months and (months[0].start, months[-1].end) == (start, end) else None


def split_q(pairs: Iterable[tuple[int, int]], months: list[Period], kpi: Any) -> Q:
    """The records of a KPI (owner annotated as kpi_owner) of these (owner, month index)
    pairs: the months the rollup leaves to the records."""
    aware = kpi.date_field in kpis.SOURCES[kpi.source].datetime_fields
    return owner_months_q(pairs, months, kpi.date_field, aware)


def owner_months_q(pairs: Iterable[tuple[int, int]], months: list[Period], field: str,
                   aware: bool) -> Q:  # fmt: skip
    """Records (owner annotated as kpi_owner) of these (owner, month index) pairs, dated by
    `field` (a datetime in local days when `aware`, else a date)."""
    spans = [(owner, months[i].start, months[i].end) for owner, i in pairs]
    return Q(OnSpans("kpi_owner", field, spans, aware)) if spans else Q(pk__in=[])


@dataclass
class _Sums:
    n: int = 0
    num: int = 0
    cents: int = 0
    micros: int = 0

    def __add__(self, other: _Sums) -> _Sums:
        return _Sums(self.n + other.n, self.num + other.num, self.cents + other.cents,
                     self.micros + other.micros)  # fmt: skip


Keyed = dict[str, dict[Any, dict[str, Any]]]


def month_parts(actor: Any, group: Iterable[Any], months: list[Period], where: Placement
                ) -> Keyed | None:  # fmt: skip
    """{KPI code: {(month key,): parts}} of the group's KPIs over whole `months`, from the
    rollup, for the owners and months `where` places (its split months left out: the caller
    reads them from the deals). None when the rollup cannot answer."""
    owned, seen = visible_owners(actor)
    if not owned:
        return None
    got = sums(group, months, seen, where, by_owner=False)
    if got is None:
        return None
    return {code: {(months[i].key,): parts for (_o, i), parts in rows.items()}
            for code, rows in got.items()}  # fmt: skip


def owner_parts(actor: Any, group: Iterable[Any], months: list[Period], where: Placement
                ) -> Keyed | None:  # fmt: skip
    """{KPI code: {owner id: parts}} over whole `months` (added up), as month_parts."""
    owned, seen = visible_owners(actor)
    return by_owner(group, months, seen, where) if owned else None


def by_owner(group: Iterable[Any], months: list[Period], owners: Iterable[int] | None,
             where: Placement | None = None) -> Keyed | None:  # fmt: skip
    """{KPI code: {owner id: parts}} over whole `months` of the deals of `owners` (None: all);
    None when the rollup cannot answer."""
    seen = owners if owners is None or isinstance(owners, QuerySet) else tuple(owners)
    got = sums(
        group, months, seen, where or Placement(everyone=True), by_owner=True, apart=False
    )  # the months are added up (owner_key) whatever they are
    if got is None:
        return None
    by_code = {k.code: k for k in group}
    return {code: {o: as_parts(by_code[code], s) for o, s in add_up(rows, owner_key).items() if s.n}
            for code, rows in got.items()}  # fmt: skip


def owner_key(owner: int, _month: int) -> int:
    """add_up's key for sums per owner, whatever the month."""
    return owner


def add_up(rows: dict[tuple[int, int], _Sums], key: Callable[[int, int], Any]) -> dict[Any, _Sums]:
    """Raw sums (`sums(by_owner=True)`) added up as integers under key(owner, month index), to
    be made parts once per key; a key of None leaves the row out."""
    found: dict[Any, _Sums] = {}
    for (owner, i), s in rows.items():
        k = key(owner, i)
        if k is not None:
            found[k] = found[k] + s if k in found else s
    return found


def sums(group: Iterable[Any], months: list[Period], seen: Any, where: Placement, *,
         by_owner: bool, info: attribution.Stints | None = None, apart: bool = True,
         ) -> dict[str, dict[Any, Any]] | None:  # fmt: skip
    """{KPI code: {(owner or None, month index): sums}}; parts for month keys (`month_parts`)
    or raw sums to add up (`by_owner`: the months of a person who stayed in one unit over
    them come added up under the first, see `month_apart`; `info`, the stints over `months`
    when the caller has them; everyone's months added up when not `apart`). None when the
    rollup cannot answer."""
    group = list(group)
    if not months or not all(eligible(k) for k in group) or not usable():
        return None
    index = {m.start: i for i, m in enumerate(months)}
    found: dict[str, dict[Any, _Sums]] = {k.code: {} for k in group}
    first = 2 if by_owner else 1  # the sums follow the month (and owner)
    by_month = None
    if by_owner:
        by_month = month_apart(months, info) if apart else Value(months[0].start, DateField())
    for row in _read(group, months, seen, where, by_month):
        key = (row[1] if by_owner else None, index[row[0]])
        for i, kpi in enumerate(group):
            n, num, total = row[first + 3 * i : first + 3 + 3 * i]
            if n:
                found[kpi.code][key] = _Sums(n, num or 0, *_measured(kpi, total or 0))
    if by_owner:
        return found
    return {k.code: {key: as_parts(k, s) for key, s in found[k.code].items()} for k in group}


def _measured(kpi: Any, total: int) -> tuple[int, int]:
    """(cents, microseconds) of a KPI's summed measure."""
    return (total, 0) if MEASURES[kpi.measure] == "amount" else (0, total)


def _read(group: list[Any], months: list[Period], seen: Any, where: Placement,
          by_month: Any) -> list[tuple[Any, ...]]:  # fmt: skip
    """Per month of the owners and months placed (per owner and `by_month`, the month each
    row is read under, when given): each KPI's deals, deals meeting its numerator and summed
    measure, as filtered sums of the rollup's rows."""
    events = {EVENTS[k.source][0] for k in group}
    qs = DealMonth.objects.filter(
        month__gte=months[0].start, month__lte=months[-1].start, event__in=events
    )
    qs = qs.filter(placed_q(where, months, seen))
    aggs: dict[str, Any] = {}
    for i, kpi in enumerate(group):
        mine = _rows_of(kpi)
        aggs[f"n{i}"] = whole_sum("n", mine)
        numerator = (kpi.numerator or {}).get("stage_kind") if kpi.aggregate == "ratio" else None
        won = in_stages_of(_kinds(numerator)) if numerator is not None else None
        aggs[f"u{i}"] = whole_sum("n", mine & won) if won is not None else Value(0)
        column = MEASURES[kpi.measure] or None
        aggs[f"t{i}"] = whole_sum(column, mine) if column else Value(0)
    if by_month is None:
        return list(qs.order_by().values_list("month").annotate(**aggs))
    qs = qs.annotate(kpi_month=by_month)
    return list(qs.order_by().values_list("kpi_month", "owner_id").annotate(**aggs))


def month_apart(months: list[Period], info: attribution.Stints | None) -> Any:
    """The month a row per owner and month is read under: its own for the people whose unit
    changes over `months` (or who are in a unit for part of them only); the first month for
    everyone else, whose months are all placed alike: their months are added up in the
    database (a year of a thousand people: ~12k rows read -> ~1k), and the first month stands
    for all of them (the same stint: attribution.Stints.whole_stint)."""
    info = info or attribution.stints(months[0].start, months[-1].end)
    unsteady = info.unsteady
    if not unsteady:
        return Value(months[0].start, DateField())
    return Case(When(owner_id__in=unsteady, then=F("month")),
                default=Value(months[0].start), output_field=DateField())  # fmt: skip


class _Whole(Cast):
    """A cast to bigint read as the database returns it: an integer (or NULL) on both
    databases, so no Python conversion of each value (thousands per read)."""

    @property
    def convert_value(self) -> Any:
        return self._convert_value_noop


def placed_q(where: Placement, months: list[Period], seen: Any) -> Q:
    """Rollup rows (owner_id, month) of the owners the actor sees (`seen`; None: all) in the
    months `where` places them."""
    found = Q() if seen is None else Q(owner_id__in=seen)
    if where.everyone:
        return found
    every = set(range(len(months)))
    whole = [uid for uid, inside in where.inside.items() if inside == every]
    placed = Q(owner_id__in=whole)
    for uid, inside in where.inside.items():
        if inside != every:
            placed |= Q(owner_id=uid, month__in=[months[i].start for i in sorted(inside)])
    return found & placed


def whole_sum(column: str, only: Q | None = None) -> Any:
    """SUM of an integer column as an integer (PostgreSQL sums bigints as numeric)."""
    return _Whole(Sum(column, filter=only), BigIntegerField())


def in_stages_of(kinds: set[str]) -> Q:
    """Rollup rows of stages of these kinds. Within a page's shared reads the stage ids are
    read once and compared as plain ids: a rollup read's filtered sums test each row against
    them, and a subquery there costs PostgreSQL more per row (a company's year of deal months
    for the funnel trend, 22 -> 12 ms at scale M). Elsewhere, or with no stage of the kinds,
    the ids are read inside the query."""
    if shared_reads.active():
        ids = sorted(pk for kind in kinds for pk in _stage_kinds().get(kind, ()))
        if ids:
            return Q(stage_id__in=ids)
    return Q(stage_id__in=Stage.objects.filter(kind__in=sorted(kinds)).values("pk"))


def _stage_kinds() -> dict[str, list[int]]:
    """Every stage's id by kind, read once per shared-reads scope (a few rows)."""

    def read() -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for pk, kind in Stage.objects.values_list("pk", "kind"):
            found.setdefault(kind, []).append(pk)
        return found

    return shared_reads.once(("stage kinds",), read)


def _rows_of(kpi: Any) -> Q:
    """The rollup rows of a KPI: its event and, for won or closed deals, the stages of the
    outcomes it counts."""
    event = Q(event=EVENTS[kpi.source][0])
    if kpi.source == "opportunities":
        return event
    return event & in_stages_of(outcomes_of(kpi))


def outcomes_of(kpi: Any) -> set[str]:
    """The stage kinds a KPI of won or closed deals counts (its own stage-kind filter
    applied)."""
    allowed = set(OUTCOMES[kpi.source])
    if "stage_kind" in (kpi.filters or {}):
        allowed &= _kinds(kpi.filters["stage_kind"])
    return allowed


def components(parts: dict[str, Any]) -> Components:
    """Parts as the KPI engine's Components (kpis.value_of)."""
    return Components(parts.get("total", ZERO), parts["n"], parts.get("num", 0))


def as_parts(kpi: Any, sums: _Sums) -> dict[str, Any]:
    """The parts metrics.kpi_parts gives a KPI, from raw sums (`sums(by_owner=True)`) as the
    deals would sum them: money from whole cents, a cycle from whole microseconds
    (core.localtime.Elapsed; kpis.as_decimal)."""
    found: dict[str, Any] = {"n": sums.n}
    if MEASURES[kpi.measure] == "amount":
        found["total"] = (Decimal(sums.cents) * CENT).quantize(CENT)
    elif MEASURES[kpi.measure] == "cycle_us":
        found["total"] = Decimal(sums.micros) / DAY_MICROSECONDS
    if kpi.aggregate == "ratio":
        found["num"] = sums.num
    return found
