"""CRM reads of the sales area (every read starts from the actor's visible set)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, RowNumber
from django.db.models.lookups import In
from django.utils import timezone

from salesops.core.money import ZERO, MoneyField
from salesops.core.unindexed import Unindexed
from salesops.crm.models import (
    Activity,
    CloseMonthTotal,
    Contact,
    Contract,
    Customer,
    Lead,
    Opportunity,
    OpportunityLine,
    Partner,
    Product,
    Stage,
    StageHistory,
    StageTotal,
)
from salesops.crm.selectors.stages import stage_ids
from salesops.org.models import OrgUnit, User
from salesops.org.roles import SALES_ROLES
from salesops.org.selectors import leads_anything


def weighted_amount() -> ExpressionWrapper:
    """amount × probability / 100 in the database, in cents rounded half-up (exact integers)."""
    return ExpressionWrapper(
        (F("amount") * F("probability") + Value(50)) / Value(100), output_field=MoneyField()
    )


def can_change(actor: Any) -> Any:
    """Annotation: may the actor change this row (owner in their sales scope)?"""
    scope = actor.scope("sales")
    if scope.everything or scope.empty:
        return Value(scope.everything, output_field=BooleanField())
    return Case(
        When(scope.q("owner"), then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _name_of(path: str) -> Coalesce:
    prefix = f"{path}__" if path else ""
    return Coalesce(NullIf(F(f"{prefix}display_name"), Value("")), F(f"{prefix}username"))


def owner_name() -> Subquery:
    """The owner's shown name as a per-row subquery rather than a join, so that the totals and
    the page ids of a list over many deals or activities never join the people table."""
    people = User.objects.filter(pk=OuterRef("owner_id")).order_by()
    return Subquery(people.values(shown=_name_of(""))[:1])


# --- reference data ---------------------------------------------------------------------------


def products(*, actor: Any) -> QuerySet[Product]:
    """The products with their product line, ordered by line then code."""
    return (
        Product.objects.visible_to(actor)
        .select_related("product_line")
        .order_by("product_line__name", "code")
    )


def stages(*, actor: Any) -> QuerySet[Stage]:
    """The funnel stages in order (all of them, active or not)."""
    return Stage.objects.visible_to(actor).order_by("order")


def open_stages(*, actor: Any) -> list[Stage]:
    """The active open stages in funnel order (the board's columns, a deal's path)."""
    return list(stages(actor=actor).filter(is_active=True, kind=Stage.Kind.OPEN))


# --- people, customers and other choices ------------------------------------------------------


def team_members(*, actor: Any) -> QuerySet[User]:
    """Active sales people whose records the actor may change (self, team; all for admin)."""
    scope = actor.scope("sales")
    qs = User.objects.filter(is_active=True, position__in=SALES_ROLES)
    return qs.filter(scope.q("pk")) if not scope.everything else qs


def companion_choices(*, actor: Any) -> QuerySet[User]:
    """People who may join the actor's activity: their team, unit, manager and unit leaders."""
    ancestors = []
    if actor.unit_id:
        path = OrgUnit.objects.filter(pk=actor.unit_id).values_list("path", flat=True).first()
        ancestors = [int(p) for p in (path or "").strip("/").split("/") if p]
    visible = User.objects.visible_to(actor).values("pk")
    return (
        User.objects.filter(is_active=True, position__in=SALES_ROLES)
        .filter(
            Q(pk__in=visible)
            | Q(unit_id=actor.unit_id)
            | Q(pk=actor.manager_id)
            | Q(led_units__pk__in=ancestors)
        )
        .distinct()
        .order_by("username")
    )


def customers(*, actor: Any) -> QuerySet[Customer]:
    """The customers the actor may open deals and log activities for."""
    return Customer.objects.visible_to(actor).filter(merged_into__isnull=True).order_by("name")


def contacts(*, actor: Any) -> QuerySet[Contact]:
    """The contacts the actor sees."""
    return Contact.objects.visible_to(actor).select_related("customer")


def contacts_of(*, actor: Any, customer_id: int | None) -> QuerySet[Contact]:
    """The visible contacts of one customer (none when no customer is given)."""
    qs = Contact.objects.visible_to(actor).select_related("customer")
    return qs.filter(customer_id=customer_id) if customer_id else qs.none()


def partners(*, actor: Any, also: int | None = None) -> QuerySet[Partner]:
    """Active partners the actor sees (plus one already chosen)."""
    visible = Partner.objects.visible_to(actor).filter(is_active=True).values("pk")
    return Partner.objects.filter(Q(pk__in=visible) | Q(pk=also or 0)).order_by("name")


def open_leads(*, actor: Any) -> QuerySet[Lead]:
    """The actor's visible leads still being worked."""
    done = (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED)
    return Lead.objects.visible_to(actor).exclude(status__in=done).order_by("-created_at")


# --- opportunities ----------------------------------------------------------------------------


def opportunities(*, actor: Any) -> QuerySet[Opportunity]:
    """Visible deals with customer, owner, stage, and the weighted amount and owner name."""
    return (
        Opportunity.objects.visible_to(actor)
        .select_related("customer", "owner", "stage", "product_line")
        .annotate(weighted=weighted_amount(), owner_name=owner_name())
    )


def of_stage_kind(
    qs: QuerySet[Opportunity], kind: str, *, actor: Any = None
) -> QuerySet[Opportunity]:
    """Deals whose stage is of this kind (open, won, lost).

    Won and lost deals: by the ids of those stages, read first (a few rows). Given as values,
    they let PostgreSQL read only those deals from the index by owner and stage: a branch's
    deals by amount at M, 72 -> 16 ms for the totals, where a subquery made it read all the
    owners' deals. Not a join on the stages either: SQLite then loops over the stages instead of
    reading the deals through the index led by their owner (18x slower for a manager at S).

    Open deals on PostgreSQL: those not closed (`closed_at IS NULL`, the same deals: a deal's
    close time is set exactly when it enters a won or lost stage, `services.sales`, and a
    stage cannot turn from open to closed or back while deals are in it, `Stage.clean`).
    Open deals are expected to close later than closed ones, which PostgreSQL cannot see in
    stage ids; by their close time it reads them from the open deals' own indexes (crm 0021,
    insights 0007). At M, the first page's ids of the list as it opens (by expected close):
    1.2 s -> 0.1 ms for a director, 1.2 s -> 2 ms for a branch manager; of next quarter's
    deals by amount, 18 -> 0.4 ms.
    SQLite keeps the stage ids: with no statistics on how many deals have no close time, it
    takes `closed_at IS NULL` for one row and reads the deals one by one (totals 14 -> 86 ms).
    Its open deals carry their expected close as an unindexed sort key (`by_expected_close`).
    Its won or lost deals of an actor who sees a set of owners are filtered by `+stage_id`:
    SQLite would otherwise seek the index by owner and stage and look up every deal in the
    table for its amount and close date; it reads the covering index by owner and close
    instead (`crm_opp_owner_close_amounts`). A branch's won deals at M: 134 -> 27 ms.
    """
    if kind == Stage.Kind.OPEN and connection.vendor == "postgresql":
        return qs.filter(closed_at__isnull=True)
    if kind != Stage.Kind.OPEN and connection.vendor == "sqlite" and _sees_owners(actor):
        return qs.filter(In(Unindexed("stage_id"), stage_ids(kind)))
    qs = qs.filter(stage_id__in=stage_ids(kind))
    if kind == Stage.Kind.OPEN:
        qs = qs.alias(**{_OPEN_CLOSE_KEY: Unindexed("expected_close")})
    return qs


_OPEN_CLOSE_KEY = "open_expected_close"


def _sees_owners(actor: Any) -> bool:
    """Whether the deals the actor sees are those of a list of owners: not everyone's, and not
    also partners' (a channel manager)."""
    return actor is not None and Opportunity.visibility.owners(actor)[1] is not None


def by_expected_close(qs: QuerySet[Opportunity], desc: bool) -> OrderBy:
    """The deal list's order by expected close. Open deals in ascending order, on SQLite, by a
    key it does not read from the index (`core.unindexed`): it would walk the index through the
    closed deals first. At M, a director's first page of open deals 3.7 s -> 10 ms, a branch
    manager's unchanged (8 ms); with a close-date range 0.1 -> 6 ms, the price of one rule for
    every open list. Descending, the index finds the open deals first and stays."""
    if desc:
        return F("expected_close").desc()
    key = _OPEN_CLOSE_KEY if _OPEN_CLOSE_KEY in qs.query.annotations else "expected_close"
    return F(key).asc()


# The columns the deal list shows (templates/crm/sales/opportunity_list.html and its stage
# badge); a page of 50 deals then builds 150 small objects instead of 150 full rows.
LIST_COLUMNS = (
    "name",
    "amount",
    "probability",
    "expected_close",
    "close_date_changes",
    "customer__name",
    "customer__tier",
    "stage__name",
    "stage__kind",
)


def deal_totals(
    *,
    actor: Any,
    stages: Iterable[int] | None,
    owner: Any = None,
    months: tuple[date | None, date | None] | None = None,
) -> dict[str, Any] | None:
    """The actor's visible deals in `stages` (ids; None for every stage), of one `owner` if
    given, expected to close in `months` if given (the first days of the first and last
    months, either None for open-ended), as the deal list totals them (count, amount, weighted
    sum): from the rollups of every deal per owner and stage (crm.StageTotal) or per owner,
    stage and month of expected close (crm.CloseMonthTotal), their weighted amounts rounded per
    deal as `weighted_amount` rounds them. That is at most some thousands of rows where the
    deals are up to a million for a director at M. None when the deals the actor sees are not
    those of a set of owners (a channel manager also sees partners' deals)."""
    owned, seen = Opportunity.visibility.owners(actor)
    if not owned:
        return None
    rollup = StageTotal if months is None else CloseMonthTotal
    rows: QuerySet[Any] = rollup.objects.filter(n__gt=0)
    if months is not None:
        first, last = months
        rows = rows if first is None else rows.filter(month__gte=first)
        rows = rows if last is None else rows.filter(month__lte=last)
    if stages is not None:
        rows = rows.filter(stage_id__in=list(stages))
    if seen is not None:
        rows = rows.filter(owner_id__in=seen)
    if owner is not None:
        rows = rows.filter(owner_id=owner.pk)
    totals = rows.aggregate(count=Sum("n"), amount=Sum("amount"), weighted_sum=Sum("weighted"))
    return {**totals, "count": int(totals["count"] or 0)}  # PostgreSQL sums bigints as numeric


def opportunity_list_rows(*, actor: Any) -> QuerySet[Opportunity]:
    """Visible deals as the deal list shows them: the shown columns of the deal, its customer
    and stage only (the owner's name is annotated; the owner and product line rows would go
    unused)."""
    qs = opportunities(actor=actor).select_related(None).select_related("customer", "stage")
    return qs.only(*LIST_COLUMNS)


def opportunity_feed(*, actor: Any, columns: Iterable[str]) -> QuerySet[Opportunity]:
    """Visible deals as the API lists them: the deal `columns`, its customer's name and
    stage's code, and the weighted amount. Not `opportunities`: a page of 100 deals then reads
    300 small objects instead of 500 full rows with their owner's and product line's, and no
    owner name per row (a branch's open deals by the API at M on PostgreSQL: 31 -> 25 ms)."""
    qs = Opportunity.objects.visible_to(actor).select_related("customer", "stage")
    qs = qs.annotate(weighted=weighted_amount())
    return qs.only(*columns, "customer__name", "stage__code")


def editable_opportunities(*, actor: Any) -> QuerySet[Opportunity]:
    """Deals the actor may change: visible and owned by them or their team (all for admin)."""
    qs = Opportunity.objects.visible_to(actor).select_related("customer", "stage", "owner")
    scope = actor.scope("sales")
    return qs if scope.everything else qs.filter(scope.q("owner"))


def editable_lines(*, actor: Any) -> QuerySet[OpportunityLine]:
    """Lines of the deals the actor may change."""
    deals = editable_opportunities(actor=actor).values("pk")
    return OpportunityLine.objects.filter(opportunity__in=deals).select_related(
        "opportunity", "opportunity__stage", "product"
    )


def with_product_line(qs: QuerySet[Opportunity], product_line: Any) -> QuerySet[Opportunity]:
    """Deals of a product line: the deal's own line, or any of its products'."""
    has_line = OpportunityLine.objects.filter(
        opportunity=OuterRef("pk"), product__product_line=product_line
    )
    return qs.filter(Q(product_line=product_line) | Exists(has_line))


def opportunity_lines(opportunity: Opportunity) -> QuerySet[OpportunityLine]:
    """A deal's lines with their products."""
    return opportunity.lines.select_related("product", "product__product_line").order_by("id")


@dataclass
class Stay:
    """One stay of a deal in a stage, with the time it lasted (so far)."""

    row: StageHistory
    duration: timedelta
    over: bool


def stage_stays(opportunity: Opportunity, now: datetime | None = None) -> list[Stay]:
    """A deal's stage history, oldest first, with time spent and over-standard marks."""
    now = now or timezone.now()
    rows = StageHistory.objects.filter(opportunity=opportunity).select_related(
        "stage", "from_stage", "moved_by"
    )
    stays = []
    for row in rows.order_by("entered_at", "id"):
        duration = (row.left_at or now) - row.entered_at
        standard = row.stage.standard_days
        over = row.stage.kind == Stage.Kind.OPEN and standard > 0 and duration.days > standard
        stays.append(Stay(row=row, duration=duration, over=over))
    return stays


def stage_path(opportunity: Opportunity, funnel: list[Stage]) -> list[dict[str, Any]]:
    """The funnel as steps marked done / current / todo for this deal."""
    current = opportunity.stage
    closed = current.kind != Stage.Kind.OPEN
    steps = []
    for stage in funnel:
        if stage.pk == current.pk:
            state = "current"
        elif closed or stage.order < current.order:
            state = "done"
        else:
            state = "todo"
        steps.append({"stage": stage, "state": state})
    if closed:
        steps.append({"stage": current, "state": current.kind})
    return steps


def next_stage(opportunity: Opportunity, funnel: list[Stage]) -> Stage | None:
    """The open stage after the deal's current one (None at the end or when closed)."""
    later = [s for s in funnel if s.order > opportunity.stage.order]
    return later[0] if later and opportunity.stage.kind == Stage.Kind.OPEN else None


def contract_of(opportunity: Opportunity) -> dict[str, Any] | None:
    """The id and number of the contract made from a won deal, if any."""
    return Contract.objects.filter(opportunity=opportunity).values("pk", "number").first()


# --- the pipeline board -----------------------------------------------------------------------


@dataclass
class Column:
    """A board column: a stage, its first cards, and the totals of all its deals."""

    stage: Stage
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def _board_base(actor: Any, owner: Any, product_line: Any) -> QuerySet[Opportunity]:
    qs: QuerySet[Opportunity] = Opportunity.objects.visible_to(actor)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if product_line is not None:
        qs = with_product_line(qs, product_line)
    return qs


def _mark_cards(cards: list[Any], now: datetime) -> None:
    for card in cards:
        card.days_in_stage = (now - card.stage_entered_at).days  # type: ignore[attr-defined]
        standard = card.stage.standard_days
        card.over_standard = standard > 0 and card.days_in_stage > standard  # type: ignore[attr-defined]


def board(
    *, actor: Any, owner: Any = None, product_line: Any = None, cap: int = 50
) -> dict[str, Any]:
    """The open funnel as columns of at most `cap` cards with totals, in a fixed 4 queries."""
    now = timezone.now()
    funnel = list(stages(actor=actor).filter(is_active=True))
    base = _board_base(actor, owner, product_line)
    totals = {
        row["stage_id"]: row
        for row in base.filter(stage__kind=Stage.Kind.OPEN)
        .values("stage_id")
        .annotate(n=Count("pk"), total=Sum("amount"), weighted_total=Sum(weighted_amount()))
        .order_by()
    }
    ranked = base.filter(stage__kind=Stage.Kind.OPEN).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("stage_id")],
            order_by=[F("expected_close").asc(nulls_last=True), F("amount").desc(), F("pk").asc()],
        ),
        weighted=weighted_amount(),
        can_change=can_change(actor),
    )
    cards: list[Any] = list(
        ranked.filter(rank__lte=cap)
        .select_related("customer", "owner", "stage")
        .order_by("stage__order", "rank")
    )
    _mark_cards(cards, now)
    columns = {s.pk: Column(stage=s) for s in funnel if s.kind == Stage.Kind.OPEN}
    for card in cards:
        if card.stage_id in columns:
            columns[card.stage_id].cards.append(card)
    for pk, row in totals.items():
        if pk in columns:
            col = columns[pk]
            col.count, col.amount, col.weighted = row["n"], row["total"], row["weighted_total"]
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    closed = {
        row["stage__kind"]: row
        for row in base.filter(closed_at__gte=month_start, stage__kind__in=["won", "lost"])
        .values("stage__kind")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    return {
        "columns": list(columns.values()),
        "won": next((s for s in funnel if s.kind == Stage.Kind.WON), None),
        "lost": next((s for s in funnel if s.kind == Stage.Kind.LOST), None),
        "closed": closed,
    }


# --- activities -------------------------------------------------------------------------------


def activities(*, actor: Any) -> QuerySet[Activity]:
    """Visible activities with their owner, customer, contact, deal and lead."""
    return (
        Activity.objects.visible_to(actor)
        .select_related("owner", "customer", "contact", "opportunity", "lead")
        .annotate(owner_name=owner_name(), can_change=can_change(actor))
    )


def activity_list_rows(*, actor: Any) -> QuerySet[Activity]:
    """Visible activities as the activity list shows them: with their customer and deal only,
    and their date (done, else due) to sort by."""
    rows = activities(actor=actor).select_related(None).select_related("customer", "opportunity")
    return rows.annotate(when=Coalesce("done_at", "due_at"))


# What an activity item shows (templates/crm/sales/_activity_items.html): the owner's name
# (annotated; the owner as a fallback), the customer's and the deal's names.
ITEM_COLUMNS = (
    "kind",
    "subject",
    "status",
    "due_at",
    "done_at",
    "is_coaching",
    "outcome",
    "next_step",
    "owner__username",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
    "customer__name",
    "opportunity__name",
)


def _as_items(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with the columns and related rows the activity items show: owner, customer
    and deal (contacts and leads are not shown there; nor are the rows' other columns, which
    would cost a dozen timestamps to convert per activity)."""
    items = qs.select_related(None).select_related("owner", "customer", "opportunity")
    return items.only(*ITEM_COLUMNS)


def editable_activities(*, actor: Any) -> QuerySet[Activity]:
    """Activities the actor may complete or cancel (theirs, their team's; all for admin)."""
    qs = activities(actor=actor)
    scope = actor.scope("sales")
    return qs if scope.everything else qs.filter(scope.q("owner"))


def opportunity_activities(*, actor: Any, opportunity: Opportunity) -> QuerySet[Activity]:
    """The visible activities of one deal, planned first then latest done."""
    return (
        activities(actor=actor)
        .filter(opportunity=opportunity)
        .prefetch_related("companions")
        .order_by("-status", "-done_at", "due_at")
    )


def my_activities(*, actor: Any, now: datetime | None = None) -> dict[str, Any]:
    """The actor's own planned work by urgency, and what they did lately (5 queries)."""
    now = now or timezone.now()
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    mine = _as_items(activities(actor=actor)).filter(owner=actor)
    planned = mine.filter(status=Activity.Status.PLANNED)
    return {
        "overdue": list(planned.filter(due_at__lt=now).order_by("due_at")[:100]),
        "today": list(planned.filter(due_at__gte=now, due_at__lte=end_of_today).order_by("due_at")),
        "upcoming": list(
            planned.filter(due_at__gt=end_of_today, due_at__lte=now + timedelta(days=14)).order_by(
                "due_at"
            )[:100]
        ),
        "done": list(_done_since(mine, now - timedelta(days=14))[:30]),
    }


def _done_since(qs: QuerySet[Activity], since: datetime) -> QuerySet[Activity]:
    """Done activities since a time, latest first, by their date (done, else due): for a done
    one that is its done time, and the person's activities by that date are indexed."""
    done = qs.filter(status=Activity.Status.DONE, done_at__isnull=False)
    when = done.annotate(when=Coalesce("done_at", "due_at"))
    return when.filter(when__gte=since).order_by("-when")


def team_overdue(
    *, actor: Any, person: Any = None, now: datetime | None = None
) -> dict[str, Any] | None:
    """A leader's view of their team's overdue planned activities (None for non-leaders)."""
    scope = actor.scope("sales")
    if not scope.everything and not leads_anything(actor):
        return None
    now = now or timezone.now()
    qs = _as_items(activities(actor=actor)).filter(status=Activity.Status.PLANNED, due_at__lt=now)
    qs = qs.exclude(owner=actor)
    if not scope.everything:
        qs = qs.filter(scope.q("owner"))
    counts = list(
        qs.values("owner_id").annotate(name=_name_of("owner"), n=Count("pk")).order_by("-n", "name")
    )
    if person is not None:
        qs = qs.filter(owner=person)
    return {"counts": counts, "rows": list(qs.order_by("due_at")[:100]), "person": person}
