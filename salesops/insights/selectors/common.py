"""Reads shared by the dashboards: targets with attainment, pipeline by stage, and alerts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)

from salesops.core.periods import Period
from salesops.crm.models import Activity, Opportunity, Stage
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window, unit_paths
from salesops.insights.models import Alert
from salesops.org.models import User
from salesops.targets import attribution, rollups
from salesops.targets.models import Target
from salesops.targets.selectors import attach, subtree_ids, targets

WON = "won_revenue"
SEVERITY_RANK = Case(
    When(severity="critical", then=Value(0)),
    When(severity="warning", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def won_targets(
    lens: Lens,
    windows: Iterable[Window],
    *,
    users: Iterable[int] = (),
    units: Iterable[int] = (),
    attainment: bool = True,
    won: dict[str, dict[int, Any]] | None = None,
) -> dict[tuple[str, int, str], Target]:
    """Approved won-revenue targets of these people and units for these windows, with their
    attainment (`.actual`, `.att`; left out when `attainment` is false, which saves reading
    what they have won), by ("user" or "unit", id, period key).

    `won`: the units' won revenue in each window ({period key: {unit id: value}}) as the page
    has read it for the actor. When the actor sees every deal of everyone who was in the
    units' subtrees in the windows (`sees_all_of`), that is each unit target's actual (the
    same sum, by the unit the owner was in on the day), so it is not read again."""
    windows, users, units = list(windows), list(users), list(units)
    keys = [w.period.key for w in windows if w.period is not None]
    if not keys or not (users or units):
        return {}
    # with their KPI only: the pages show a target's value, KPI and attainment, and joining
    # its owner and parent as well cost PostgreSQL more to plan than to run (~4 ms)
    qs = targets(actor=lens.actor).select_related(None).select_related("kpi")
    qs = qs.filter(kpi__code=WON, period_key__in=keys, status=Target.Status.APPROVED)
    qs = qs.filter(Q(owner_user__in=users) | Q(owner_unit__in=units))
    if not attainment:
        items: Iterable[Target] = qs
    elif won is not None and not users and sees_all_of(lens, units, windows):
        items = _attached(list(qs), won, lens.today)
    else:
        items = attach(qs, lens.today)
    found: dict[tuple[str, int, str], Target] = {}
    for t in items:
        kind, oid = ("user", t.owner_user_id) if t.owner_user_id else ("unit", t.owner_unit_id)
        found[(kind, oid or 0, t.period_key)] = t
    return found


def sees_all_of(lens: Lens, units: list[int], windows: Iterable[Window]) -> bool:
    """Whether the actor sees every deal of everyone who was in these units' subtrees at some
    time in these windows (a manager of the whole subtree, unless someone has since left it;
    the head of the company always)."""
    owned, seen = rollups.visible_owners(lens.actor)
    if not owned or seen is None:
        return owned
    paths = unit_paths()
    if not all(u in paths for u in units):
        return False
    within, visible = subtree_ids(paths, units), set(seen)
    return all(
        visible.issuperset(attribution.owners_in_units(metrics.stints_for(lens, w.start, w.end),
                                                       within))
        for w in windows
    )  # fmt: skip


def _attached(items: list[Target], won: dict[str, dict[int, Any]], today: Any) -> list[Target]:
    """Units' targets with their attainment from won revenue already read, per period."""
    by_period: dict[str, list[Target]] = {}
    for t in items:
        by_period.setdefault(t.period_key, []).append(t)
    for key, group in by_period.items():
        attach(group, today, ({}, won[key]))
    return items


def stages() -> list[Stage]:
    """The active open stages, in funnel order."""
    return list(Stage.objects.filter(is_active=True, kind=Stage.Kind.OPEN).order_by("order"))


def open_by_stage(lens: Lens) -> dict[tuple[Any, ...], metrics.Parts]:
    """The lens's open deals per stage id, every open stage (one query; from the rollup of
    open deals where it answers)."""
    return metrics.open_grouped(lens, ["stage_id"])


def pipeline_by_stage(
    lens: Lens, rows: dict[tuple[Any, ...], metrics.Parts] | None = None
) -> list[dict[str, Any]]:
    """Open deals per active stage: count, amount, weighted (two queries; one with `rows`
    from open_by_stage)."""
    rows = open_by_stage(lens) if rows is None else rows
    return [
        {
            "stage": s,
            **{"n": 0, "amount": metrics.ZERO, "weighted": metrics.ZERO},
            **rows.get((s.pk,), {}),
        }
        for s in stages()
    ]


def open_alerts(lens: Lens, owners: Any = None, deals_only: bool = False) -> Any:
    """Open alerts the viewer sees, of the lens's person or unit (or these owners)."""
    qs = Alert.objects.visible_to(lens.actor).filter(resolved_at__isnull=True)
    if owners is not None:
        qs = qs.filter(owner__in=owners)
    elif lens.person is not None:
        qs = qs.filter(owner=lens.person)
    elif lens.unit is not None:
        qs = qs.filter(owner__unit__path__startswith=lens.unit.path)
    if deals_only:
        qs = qs.filter(opportunity__isnull=False)
    return qs.prefetch_related(*ALERT_RELATED)


# What an alert shows of its rule, owner and subject, read after the alerts (a short list) by
# id, a short read each. Joined into the alerts' own query they made a query of eleven tables
# that took Django and PostgreSQL ~20 ms to compile and plan, alerts or none (the company's
# team dashboard at M on PostgreSQL: 27 -> 3 ms with none). No alert, no further read.
ALERT_RELATED = (
    "rule",
    "owner",
    Prefetch("opportunity", Opportunity.objects.select_related("stage", "customer")),
    "customer",
    Prefetch("target", Target.objects.select_related("kpi")),
    "unit",
)


def worst_first(qs: Any) -> Any:
    """Alerts with the critical ones first, then the newest."""
    return qs.annotate(rank=SEVERITY_RANK).order_by("rank", "-first_seen_at", "-id")


def alert_counts(lens: Lens, owners: Any) -> dict[int, int]:
    """Open alerts per owner (one query)."""
    qs = open_alerts(lens, owners).values_list("owner_id").annotate(n=Count("pk"))
    return dict(qs.values_list("owner_id", "n"))


def last_coaching(owners: Any) -> dict[int, Any]:
    """When each person last had a coaching visit done with them (one query): per person,
    their newest coaching visit, one short read of the coaching index each (grouping instead
    read every coaching visit of the company: 27 -> 21 ms for a thousand people at M on
    PostgreSQL, 29 -> 18 ms on SQLite)."""
    done = Activity.objects.filter(is_coaching=True, status=Activity.Status.DONE)
    newest = done.filter(owner=OuterRef("pk"), done_at__isnull=False).order_by("-done_at")
    people = User.objects.filter(pk__in=owners).order_by()
    rows = people.annotate(last=Subquery(newest.values("done_at")[:1])).values_list("pk", "last")
    return {pk: last for pk, last in rows if last is not None}


def trend_window(lens: Lens, months: int = 6) -> Window:
    """The `months` months ending with the month of the lens's window end."""
    last = Period.containing("month", lens.window.end)
    first = last
    for _i in range(months - 1):
        first = first.previous()
    return Window(first.start, last.end, "custom")
