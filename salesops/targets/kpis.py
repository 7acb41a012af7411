"""The KPI engine: declarative KPI definitions turned into one grouped query each.

A `Source` names a set of CRM records (which model, which rows, whose they are, how they are
dated, what can be summed or averaged, which filters are allowed). A KpiDefinition picks a
source, an aggregate (sum / count / avg / ratio), a measure, a date field and filters; `evaluate`
computes it for a whole set of people (GROUP BY owner) or for every unit at once (GROUP BY the
unit the owner was in on the record's date), optionally per period bucket, in ONE query.

Every aggregate is computed from additive components — `total` (sum of the measure), `n` (rows)
and `num` (rows meeting the ratio numerator) — so units roll up by adding their leaves' components.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesops.core import idlists, shared_reads
from salesops.core.literal import Literal
from salesops.core.localtime import Elapsed, local_date, local_trunc
from salesops.core.money import CENT
from salesops.core.periods import Period
from salesops.crm.selectors.stages import of_stage_kind

T = TypeVar("T")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
DAY_MICROSECONDS = Decimal(86_400_000_000)


@dataclass(frozen=True)
class Measure:
    """Something a source can sum or average: a label, an expression, and what it yields."""

    label: Any
    expression: Callable[[], Any]
    kind: str = "money"  # money (Decimal) or duration (timedelta, reported in days)


@dataclass(frozen=True)
class Column:
    """A column of the drill-down list: the field path, its header and how to align it."""

    path: str
    label: Any
    align: str = ""


@dataclass(frozen=True)
class Source:
    """A set of CRM records a KPI can be computed from."""

    code: str
    label: Any
    model: str
    owner: str
    base: Callable[[], Q]
    dates: dict[str, Any]
    datetime_fields: frozenset[str]
    measures: dict[str, Measure] = field(default_factory=dict)
    filters: dict[str, tuple[Any, str]] = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    search: tuple[str, ...] = ()
    count: str = "pk"

    def model_class(self) -> Any:
        return apps.get_model(self.model)

    def queryset(self, start_from: QuerySet | None = None) -> QuerySet:
        """The source's rows (of `start_from`, e.g. the visible ones), with the owner annotated."""
        qs = self.model_class().objects.all() if start_from is None else start_from
        qs = qs.filter(self.base())
        return qs.annotate(kpi_owner=F(self.owner)).filter(kpi_owner__isnull=False)


def _amount() -> Any:
    return F("amount")


def _cycle() -> Any:
    return Elapsed("closed_at", "created_at")


def _won() -> Q:
    return of_stage_kind("won") & Q(closed_at__isnull=False)


def _done() -> Q:
    """Done activities; the status as a literal, so SQLite reads them from the partial indexes
    of done activities alone (core.literal)."""
    return Q(status=Literal("done"), done_at__isnull=False)


def _first_won() -> Q:
    """Each customer's first won deal: flagged on the deal by database triggers (crm 0013), so
    a period's are read from the partial index crm_opp_first_wins alone (the flag implies won
    and closed; a stage condition beside it only adds a second index to the plan)."""
    return Q(first_win=True)


DEAL_FILTERS = {
    "product_line": (_("Product line (code)"), "product_line__code"),
    "customer_tier": (_("Customer tier"), "customer__tier"),
    "source": (_("Deal source"), "source"),
    "partner_deal": (_("Through a partner (true/false)"), "partner__isnull"),
}
DEAL_COLUMNS = (
    Column("name", _("Opportunity")),
    Column("customer__name", _("Customer")),
    Column("owner__display_name", _("Owner")),
    Column("stage__name", _("Stage")),
    Column("amount", _("Amount"), "end"),
    Column("created_at", _("Opened")),
    Column("closed_at", _("Closed")),
)
ACTIVITY_COLUMNS = (
    Column("subject", _("Subject")),
    Column("kind", _("Type")),
    Column("customer__name", _("Customer")),
    Column("owner__display_name", _("Owner")),
    Column("done_at", _("Done at")),
)

SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            "won_deals", _("Won deals"), "crm.Opportunity", "owner", _won,
            {"closed_at": _("Closed at")}, frozenset({"closed_at"}),
            {"amount": Measure(_("Amount"), _amount),
             "cycle_days": Measure(_("Days from opening to winning"), _cycle, "duration")},
            DEAL_FILTERS, DEAL_COLUMNS, ("name", "customer__name"),
        ),
        Source(
            "closed_deals", _("Closed deals (won or lost)"), "crm.Opportunity", "owner",
            lambda: of_stage_kind("won", "lost") & Q(closed_at__isnull=False),
            {"closed_at": _("Closed at")}, frozenset({"closed_at"}),
            {"amount": Measure(_("Amount"), _amount)},
            {**DEAL_FILTERS, "stage_kind": (_("Outcome (won/lost)"), "stage__kind")},
            DEAL_COLUMNS, ("name", "customer__name"),
        ),
        Source(
            "new_customers", _("First won deal of a customer"), "crm.Opportunity", "owner",
            _first_won, {"closed_at": _("Closed at")}, frozenset({"closed_at"}),
            {"amount": Measure(_("Amount"), _amount)}, DEAL_FILTERS, DEAL_COLUMNS,
            ("name", "customer__name"),
        ),
        Source(
            "opportunities", _("Deals opened"), "crm.Opportunity", "owner", Q,
            {"created_at": _("Opened at")}, frozenset({"created_at"}),
            {"amount": Measure(_("Amount"), _amount)}, DEAL_FILTERS, DEAL_COLUMNS,
            ("name", "customer__name"),
        ),
        Source(
            "payments", _("Payments received"), "crm.Payment", "contract__owner", Q,
            {"received_on": _("Received on")}, frozenset(),
            {"amount": Measure(_("Amount"), _amount)},
            {"customer_tier": (_("Customer tier"), "contract__customer__tier"),
             "product_line": (_("Product line (code)"),
                              "contract__opportunity__product_line__code")},
            (Column("contract__number", _("Contract")),
             Column("contract__customer__name", _("Customer")),
             Column("contract__owner__display_name", _("Owner")),
             Column("amount", _("Amount"), "end"), Column("received_on", _("Received on"))),
            ("contract__number", "contract__customer__name"),
        ),
        Source(
            "activities", _("Activities done"), "crm.Activity", "owner",
            _done,
            {"done_at": _("Done at")}, frozenset({"done_at"}), {},
            {"kind": (_("Activity type"), "kind"),
             "customer_tier": (_("Customer tier"), "customer__tier")},
            ACTIVITY_COLUMNS, ("subject", "customer__name"),
        ),
        Source(
            "coaching", _("Coaching visits joined (counted for each companion)"), "crm.Activity",
            "companions", lambda: _done() & Q(is_coaching=True),
            {"done_at": _("Done at")}, frozenset({"done_at"}), {},
            {"kind": (_("Activity type"), "kind")}, ACTIVITY_COLUMNS, ("subject",),
        ),
        Source(
            "leads", _("Leads created"), "crm.Lead", "owner", Q,
            {"created_at": _("Created at")}, frozenset({"created_at"}), {},
            {"source": (_("Lead source"), "source")},
            (Column("title", _("Lead")), Column("company_name", _("Company")),
             Column("owner__display_name", _("Owner")), Column("status", _("Status")),
             Column("created_at", _("Created at"))),
            ("title", "company_name"),
        ),
    )
}  # fmt: skip


# The page of a record in the drill-down: route name and the field holding its id.
LINKS: dict[str, tuple[str, str]] = {
    "won_deals": ("crm:opportunity_detail", "pk"),
    "closed_deals": ("crm:opportunity_detail", "pk"),
    "new_customers": ("crm:opportunity_detail", "pk"),
    "opportunities": ("crm:opportunity_detail", "pk"),
    "payments": ("crm:contract_detail", "contract_id"),
    "activities": ("crm:customer_detail", "customer_id"),
    "coaching": ("crm:customer_detail", "customer_id"),
    "leads": ("crm:lead_detail", "pk"),
}


# --- filters and date ranges ------------------------------------------------------------------


def filter_q(source: Source, filters: dict[str, Any]) -> Q:
    """The Q of a KPI's JSON filters: {"key": value} or {"key": [values]} per source key."""
    q = Q()
    for key, value in (filters or {}).items():
        path = source.filters[key][1]
        if path == "stage__kind":  # by stage ids, not a join (crm.selectors.stages)
            q &= of_stage_kind(*map(str, value if isinstance(value, list | tuple) else [value]))
        elif path.endswith("__isnull"):
            q &= Q(**{path: not _truthy(value)})
        elif isinstance(value, list | tuple):
            q &= Q(**{f"{path}__in": [str(v) for v in value]})
        else:
            q &= Q(**{path: str(value)})
    return q


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware datetimes of local midnight at `start` and the midnight after `end`."""
    tz = timezone.get_default_timezone()
    first = timezone.make_aware(datetime.combine(start, time.min), tz)
    after = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz)
    return first, after


def in_range(source: Source, date_field: str, start: date, end: date) -> Q:
    """Rows dated (in local time) from `start` to `end` inclusive."""
    if date_field in source.datetime_fields:
        first, after = local_bounds(start, end)
        return Q(**{f"{date_field}__gte": first, f"{date_field}__lt": after})
    return Q(**{f"{date_field}__gte": start, f"{date_field}__lte": end})


def local_day(source: Source, date_field: str) -> Any:
    """The local date of each row, computed by the database."""
    if date_field in source.datetime_fields:
        return local_date(date_field)
    return F(date_field)


def records(kpi: Any, start: date, end: date, start_from: QuerySet | None = None) -> QuerySet:
    """The rows behind a KPI over a date range (owner and local day annotated)."""
    source = SOURCES[kpi.source]
    return (
        source.queryset(start_from)
        .filter(in_range(source, kpi.date_field, start, end))
        .filter(filter_q(source, kpi.filters))
        .annotate(kpi_day=local_day(source, kpi.date_field))
    )


# --- components and values --------------------------------------------------------------------


@dataclass
class Components:
    """Additive parts of any aggregate: sum of the measure, rows, rows meeting the numerator."""

    total: Decimal = ZERO
    n: int = 0
    num: int = 0

    def __add__(self, other: Components) -> Components:
        return Components(self.total + other.total, self.n + other.n, self.num + other.num)


def as_decimal(value: Any) -> Decimal:
    """A database sum as Decimal: durations in days, None as zero."""
    if value is None:
        return ZERO
    if isinstance(value, timedelta):
        micro = value // timedelta(microseconds=1)
        return Decimal(micro) / DAY_MICROSECONDS
    return Decimal(value)


def aggregates(kpi: Any) -> dict[str, Any]:
    """The aggregates whose results are the KPI's additive parts. Rows are counted with
    COUNT(*) (the same as counting the never-null key), which lets the database answer a count
    from an index alone (e.g. activities done per person and week)."""
    source = SOURCES[kpi.source]
    rows = "*" if source.count == "pk" else source.count
    parts: dict[str, Any] = {"n": Count(rows)}
    if kpi.measure:
        parts["total"] = Sum(source.measures[kpi.measure].expression())
    if kpi.aggregate == "ratio":
        parts["num"] = Count(source.count, filter=filter_q(source, kpi.numerator))
    return parts


def _bucket_key(value: Any, kind: str) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value, timezone.get_default_timezone()).date()
    return Period.containing(kind, value).key


def _grouped_rows(
    kpi: Any, start: date, end: date, owners: Any, info: Any, bucket: str
) -> Iterable[dict[str, Any]]:
    """The grouped query: components per owner (and stint when `info`, bucket when asked)."""
    from salesops.targets import attribution

    source = SOURCES[kpi.source]
    aware = kpi.date_field in source.datetime_fields
    qs, keep = records(kpi, start, end), None
    if owners is not None:
        qs, keep = idlists.narrow(qs, "kpi_owner", owners)
    keys = ["kpi_owner"]
    if info is not None:
        qs = attribution.with_stint(qs, info, kpi.date_field, aware)
        keys.append("kpi_stint")
    if bucket:
        expr = local_trunc(kpi.date_field, bucket) if aware else Trunc(kpi.date_field, bucket)
        qs = qs.annotate(kpi_bucket=expr)
        keys.append("kpi_bucket")
    grouped = shared_reads.rows(qs.order_by().values(*keys).annotate(**aggregates(kpi)))
    return idlists.kept(grouped, "kpi_owner", keep)


def _parts(row: dict[str, Any]) -> Components:
    return Components(as_decimal(row.get("total")), row["n"], row.get("num", 0))


def evaluate(
    kpi: Any,
    start: date,
    end: date,
    *,
    group: str = "owner",
    owners: Any = None,
    bucket: str = "",
) -> dict[tuple[int | None, str], Components]:
    """One grouped query: components per (owner id or unit id, bucket key or "").

    By unit, a record counts for the unit its owner was in on its date (targets.attribution:
    grouped by owner and stint, mapped to units here)."""
    from salesops.targets import attribution

    info = attribution.stints(start, end) if group == "unit" else None
    result: dict[tuple[int | None, str], Components] = {}
    for row in _grouped_rows(kpi, start, end, owners, info, bucket):
        who = row["kpi_owner"] if info is None else info.unit_of(row["kpi_owner"], row["kpi_stint"])
        key = (who, _bucket_key(row["kpi_bucket"], bucket) if bucket else "")
        result[key] = result.get(key, Components()) + _parts(row)
    return result


def evaluate_both(
    kpi: Any, start: date, end: date, within: set[int] | None = None, also: Iterable[int] = ()
) -> tuple[dict[int, Components], dict[int | None, Components]]:
    """Owners' components and units' (their own records, not yet rolled up) from ONE query
    grouped by owner and stint: a person's actual counts all their records, a unit's the
    records of the people in it on the record's date. With `within` (unit ids), only the people
    who were in one of those units during the window are read (their units' figures are whole),
    plus the people `also` named."""
    from salesops.targets import attribution

    info = attribution.stints(start, end)
    owners = None
    if within is not None:
        owners = {u for u, found in info.by_user.items() if any(s.unit in within for s in found)}
        owners.update(also)
    rolled = _both_by_month(kpi, start, end, owners, info)
    if rolled is not None:
        return rolled
    people: dict[int, Components] = {}
    units: dict[int | None, Components] = {}
    for row in _grouped_rows(kpi, start, end, owners, info, ""):
        owner, parts = row["kpi_owner"], _parts(row)
        people[owner] = people.get(owner, Components()) + parts
        unit = info.unit_of(owner, row["kpi_stint"])
        if unit is not None:
            units[unit] = units.get(unit, Components()) + parts
    return people, units


def _both_by_month(
    kpi: Any, start: date, end: date, owners: set[int] | None, info: Any
) -> tuple[dict[int, Components], dict[int | None, Components]] | None:
    """evaluate_both over whole months from the deals' monthly rollup (targets.rollups); an
    owner's month split between two units read from the deals. None when it cannot answer."""
    from salesops.targets import attribution, rollups

    months = rollups.whole_months(start, end)
    if months is None:
        return None
    seen = None if owners is None else tuple(owners)
    got = rollups.sums([kpi], months, seen, rollups.Placement(everyone=True), by_owner=True,
                       info=info)  # fmt: skip
    if got is None:
        return None
    rows, split = got[kpi.code], []

    def unit_of(owner: int, i: int) -> int | None:
        stint = info.whole_stint(owner, months[i].start, months[i].end)
        if stint < 0:
            split.append((owner, i))
            return None
        return info.unit_of(owner, stint)  # type: ignore[no-any-return]

    # whole sums per person and per unit, made parts once
    people = {o: rollups.components(rollups.as_parts(kpi, s))
              for o, s in rollups.add_up(rows, rollups.owner_key).items()}  # fmt: skip
    units = {u: rollups.components(rollups.as_parts(kpi, s))
             for u, s in rollups.add_up(rows, unit_of).items()}  # fmt: skip
    if split:
        aware = kpi.date_field in SOURCES[kpi.source].datetime_fields
        qs = records(kpi, start, end).filter(rollups.split_q(split, months, kpi))
        qs = attribution.with_stint(qs, info, kpi.date_field, aware)
        for row in qs.order_by().values("kpi_owner", "kpi_stint").annotate(**aggregates(kpi)):
            unit = info.unit_of(row["kpi_owner"], row["kpi_stint"])
            if unit is not None:
                units[unit] = units.get(unit, Components()) + _parts(row)
    return people, units


def value_of(kpi: Any, parts: Components | None) -> Decimal | None:
    """The KPI's value from its components (None when an average or ratio has no rows)."""
    parts = parts or Components()
    if kpi.aggregate == "sum":
        return parts.total.quantize(CENT, rounding=ROUND_HALF_UP)
    if kpi.aggregate == "count":
        return Decimal(parts.n).quantize(CENT)
    if parts.n == 0:
        return None
    if kpi.aggregate == "avg":
        return (parts.total / parts.n).quantize(CENT, rounding=ROUND_HALF_UP)
    return (HUNDRED * parts.num / parts.n).quantize(CENT, rounding=ROUND_HALF_UP)


def rollup(
    by_unit: dict[Any, T],
    paths: dict[int, str],
    wanted: Iterable[int],
    zero: Callable[[], T] = Components,  # type: ignore[assignment]
    plus: Callable[[T, T], T] = operator.add,
) -> dict[int, T]:
    """Each wanted unit's parts: the sum over every unit in its subtree. `paths` maps unit
    ids to materialised paths (all units, so leaves outside `wanted` still roll up). Parts are
    Components unless `zero` and `plus` say otherwise (e.g. the insights' dicts of parts)."""
    leaves = [(paths[uid], parts) for uid, parts in by_unit.items() if uid in paths]
    result: dict[int, T] = {}
    for uid in wanted:
        path, total = paths[uid], zero()
        for leaf_path, parts in leaves:
            if leaf_path.startswith(path):
                total = plus(total, parts)
        result[uid] = total
    return result
