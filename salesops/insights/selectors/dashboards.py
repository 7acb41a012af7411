"""The rep's and the manager's dashboards: a fixed number of queries whatever the team size.

Every figure comes from salesops.insights.metrics over the viewer's visible records, so it
equals its drill-down list; attainment and pace come from the targets app.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from salesops.core import shared_reads
from salesops.core.periods import Period, between
from salesops.crm.models import Activity
from salesops.insights import metrics, rolled
from salesops.insights.lens import Lens, Member, Window, people
from salesops.insights.lens import members as lens_members
from salesops.insights.selectors import common
from salesops.insights.selectors.managers import coverage_color
from salesops.targets import reports
from salesops.targets.models import Target
from salesops.targets.selectors import attach, targets

FIGURE_KPIS = ["won_revenue", "win_rate", "activities_done"]
AT_RISK = ("at_risk", "off_track")
COACHING_DAYS = 30
FOCUS = 40  # people a large unit's dashboard lists (the full table is one click away)


def _figures(lens: Lens, defs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Won revenue, win rate, activities, open pipeline and coverage (five queries)."""
    return {
        key: metrics.figure(lens, key, defs=defs)
        for key in ("won", "win_rate", "activities", "pipeline", "coverage")
    }


def won_trend(lens: Lens, kpi: Any, months: int = 6) -> list[dict[str, Any]]:
    """Won revenue per month over the last months (one query)."""
    window = common.trend_window(lens, months)
    buckets = metrics.kpis_by_bucket(lens, [kpi], "month", window.start, window.end)[kpi.code]
    rows = []
    for month in between("month", window.start, window.end):
        parts = buckets.get((month.key,), {})
        rows.append(
            {
                "period": month,
                "amount": metrics.value(metrics.METRICS["won"], parts, kpi),
                "n": parts.get("n", 0),
            }
        )
    return rows


def due_activities(lens: Lens, now: datetime, days: int = 7) -> dict[str, Any]:
    """The person's planned activities overdue or due within `days` (two queries)."""
    qs = Activity.objects.visible_to(lens.actor).filter(
        owner=lens.person, status=Activity.Status.PLANNED, due_at__isnull=False
    )
    horizon = now + timedelta(days=days)
    counts = qs.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        upcoming=Count("pk", filter=Q(due_at__gte=now, due_at__lte=horizon)),
    )
    rows = qs.filter(due_at__lte=horizon).select_related("customer", "opportunity")
    return {"rows": list(rows.order_by("due_at")[:10]), **counts}


def person_targets(lens: Lens) -> list[Target]:
    """The person's approved targets of the window's period, with attainment."""
    period = lens.window.period
    if period is None or lens.person is None:
        return []
    qs = targets(actor=lens.actor).filter(
        owner_user=lens.person, period_key=period.key, status=Target.Status.APPROVED
    )
    return attach(qs.order_by("kpi__kind", "kpi__order"), lens.today)


@shared_reads.scope
def rep_dashboard(lens: Lens, now: datetime | None = None) -> dict[str, Any]:
    """One person's standing: figures, targets and pace, pipeline by stage, what is due, and
    their alerts."""
    now = now or timezone.now()
    defs = metrics.kpi_definitions(FIGURE_KPIS)
    mine = person_targets(lens)
    won_target = next((t for t in mine if t.kpi.code == common.WON), None)
    alerts = common.open_alerts(lens)
    return {
        "figures": _figures(lens, defs),
        "targets": mine,
        "won_target": won_target,
        "stages": common.pipeline_by_stage(lens),
        "due": due_activities(lens, now),
        "alerts": list(common.worst_first(alerts)[:8]),
        "alert_count": alerts.count(),
        "trend": won_trend(lens, defs["won_revenue"]),
    }


# --- the manager's team ------------------------------------------------------------------------


def _volume(
    lens: Lens, kpi: Any, members: list[Any]
) -> tuple[str, dict[tuple[Any, ...], metrics.Parts]]:
    """The KPI's parts per member shown and week (month beyond a quarter)."""
    kind = "week" if lens.window.days <= 93 else "month"
    w = lens.window
    owners = [p.pk for p in members]
    return kind, rolled.dated_buckets(lens, kpi, kind, w.start, w.end, owner=True, owners=owners)


def buckets_of(window: Window, kind: str, today: Any = None) -> list[Period]:
    """The weeks or months that overlap a window (up to today's)."""
    last = min(window.end, today) if today is not None else window.end
    return between(kind, window.start, last)


def _coaching_due(
    members: list[Any], status: dict[int, str], alert_n: dict[int, int], today: Any
) -> list[dict[str, Any]]:
    """The reps behind on won revenue or with two or more open alerts whom no coaching visit
    has seen for COACHING_DAYS, those at risk first, then by alerts. Only they have their last
    visit looked up (one query; a company's thousand people's took ~9 ms on PostgreSQL)."""
    candidates = [
        person for person in members
        if person.position == "rep"
        and (status.get(person.pk) in AT_RISK or alert_n.get(person.pk, 0) >= 2)
    ]  # fmt: skip
    last = common.last_coaching([p.pk for p in candidates]) if candidates else {}
    due = []
    for person in candidates:
        seen = last.get(person.pk)
        days = (today - timezone.localtime(seen).date()).days if seen else None
        if days is None or days > COACHING_DAYS:
            due.append(
                {
                    "person": person,
                    "status": status.get(person.pk),
                    "alerts": alert_n.get(person.pk, 0),
                    "last": seen,
                    "days": days,
                }
            )
    return sorted(due, key=lambda d: (d["status"] not in AT_RISK, -d["alerts"]))


def coverage(weighted: Decimal, target: Any) -> dict[str, Any]:
    """Open weighted pipeline closing in the rest of the window ÷ what is left of the target."""
    gap = target.att.gap if target is not None and target.att.gap is not None else None
    ratio = None
    if gap is not None and gap > 0:
        ratio = (weighted / gap).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {
        "weighted": weighted,
        "remaining": gap,
        "ratio": ratio,
        "met": gap is not None and gap <= 0,
        "color": coverage_color(ratio),
    }


@shared_reads.scope
def team_dashboard(lens: Lens, full: bool = False) -> dict[str, Any]:
    """A unit's standing: figures, attainment table, leaderboard, funnel, activity volume per
    person per week, deals at risk and who is due for coaching. The attainment table (`rows`)
    holds the people shown (`focus`), or everyone when `full` (the export)."""
    defs = metrics.kpi_definitions(FIGURE_KPIS)
    members = lens_members(lens.actor, lens.unit)
    ids = [p.pk for p in members]
    won_by = rolled.dated_by_owner(lens, defs["won_revenue"], lens.window.start, lens.window.end)
    kpi_list, rows, status, shown_members = _table(lens, members, won_by, full)
    kind, volume = _volume(lens, defs["activities_done"], shown_members)
    by_stage = common.open_by_stage(lens)
    alert_n = common.alert_counts(lens, ids)
    figures = _team_figures(lens, defs, won_by, by_stage)
    target = _unit_target(lens, figures["won"]["value"])
    by_person = {r.person.pk: r for r in rows}
    shown = [by_person[p.pk] for p in shown_members if p.pk in by_person]
    coaching = _coaching_due(members, status, alert_n, lens.today)
    return {
        "figures": figures,
        "coverage": coverage(figures["coverage"]["value"], target),
        "members": members,
        "shown_rows": shown,
        "shown_members": shown_members,
        "coaching_shown": coaching[:FOCUS],
        "kpi_list": kpi_list,
        "rows": rows,
        "won_by": won_by,
        "unit_target": target,
        "stages": common.pipeline_by_stage(lens, by_stage),
        "volume": volume,
        "volume_kind": kind,
        "buckets": buckets_of(lens.window, kind, lens.today),
        "at_risk": list(common.worst_first(common.open_alerts(lens, deals_only=True))[:10]),
        "coaching": coaching,
        "alert_n": alert_n,
    }


def _unit_target(lens: Lens, won: Any) -> Any:
    """The unit's won-revenue target for the window, its actual being the unit's won revenue
    the page shows (when the viewer sees every record, see common.won_targets)."""
    period = lens.window.period
    if lens.unit is None or period is None:
        return None
    unit_won = {period.key: {lens.unit.pk: won}} if lens.person is None else None
    found = common.won_targets(lens, [lens.window], units=[lens.unit.pk], won=unit_won)
    return next(iter(found.values()), None)


def _table(
    lens: Lens, members: list[Member], won_by: dict[int, Any], full: bool
) -> tuple[list[Any], list[reports.Row], dict[int, str], list[Member]]:
    """The attainment table's KPIs and rows, everyone's won-revenue status and the people
    shown. A unit larger than FOCUS reads everyone's won-revenue attainment only, to choose
    whom to show, then the whole table of those (unless `full`)."""
    period = lens.window.period
    if period is None:
        return [], [], {}, focus({}, members, won_by)
    table = partial(reports.team_table, actor=lens.actor, unit=lens.unit, period=period,
                    today=lens.today)  # fmt: skip
    if full or len(members) <= FOCUS:
        kpi_list, rows = table(kpi_list=None, people=_users(lens, members))
        won = _won_cells(kpi_list, rows)
        return kpi_list, rows, _statuses(won), focus(won, members, won_by)
    kpi_list = reports.table_kpis(actor=lens.actor, period=period, owners=[p.pk for p in members])
    won_kpi = next((k for k in kpi_list if k.code == common.WON), None)
    won = {} if won_kpi is None else reports.attainments(
        actor=lens.actor, kpi=won_kpi, period=period, today=lens.today,
        people=[p.pk for p in members],
    )  # fmt: skip
    shown_members = focus(won, members, won_by)
    rows = table(kpi_list=kpi_list, people=_users(lens, shown_members))[1]
    return kpi_list, rows, _statuses(won), shown_members


def _users(lens: Lens, shown: list[Member]) -> list[Any]:
    """The people behind these members, with what the team table shows of them and their
    unit, in the same order (one query)."""
    found = people(lens.actor, lens.unit).filter(pk__in=[p.pk for p in shown])
    by_pk = {u.pk: u for u in found.only(*reports.TABLE_FIELDS)}
    return [by_pk[p.pk] for p in shown if p.pk in by_pk]


def focus(won: dict[int, Any], members: list[Member], won_by: dict[int, Any]) -> list[Member]:
    """Who a large unit's dashboard shows in its people table and activity grid: everyone up
    to FOCUS people; beyond, the FOCUS furthest behind — lowest won-revenue attainment first
    (people without a won-revenue target after), then least won revenue. `won` is the
    won-revenue attainment per person. The full table is the targets app's team page and the
    CSV export."""
    if len(members) <= FOCUS:
        return members

    def behind(person: Any) -> tuple[int, Decimal, Decimal, str]:
        att = won.get(person.pk)
        p = att.pct if att is not None else None
        total = won_by.get(person.pk, {}).get("total", Decimal(0))
        return (p is None, p if p is not None else Decimal(0), total, str(person))

    return sorted(members, key=behind)[:FOCUS]


def _won_cells(kpi_list: list[Any], rows: list[reports.Row]) -> dict[int, Any]:
    """The won-revenue attainment per person of a team table's rows (those with a target)."""
    codes = [k.code for k in kpi_list]
    if common.WON not in codes:
        return {}
    i = codes.index(common.WON)
    return {r.person.pk: r.cells[i].att for r in rows if r.cells[i].att}


def _statuses(won: dict[int, Any]) -> dict[int, str]:
    return {pk: att.status for pk, att in won.items()}


def _team_figures(
    lens: Lens, defs: dict[str, Any], won_by: dict[int, Any], by_stage: dict[Any, Any]
) -> dict[str, dict[str, Any]]:
    """The five figures; won revenue and open pipeline are the totals of the grouped reads the
    page makes anyway (same records), so three figures query (the activity grid holds only
    the people shown)."""
    return {
        "won": metrics.figure_of("won", won_by.values(), defs),
        "win_rate": metrics.figure(lens, "win_rate", defs=defs),
        "activities": metrics.figure(lens, "activities", defs=defs),
        "pipeline": metrics.figure_of("pipeline", by_stage.values(), defs),
        "coverage": metrics.figure(lens, "coverage", defs=defs),
    }


def previous(lens: Lens) -> Lens:
    """The same lens one window earlier."""
    return replace(lens, window=lens.window.previous())
