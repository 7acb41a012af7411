"""What each kind of alert rule finds, set-based: a few queries per rule however many deals,
customers or people there are. A finder returns {subject key: Finding}; the scan service
(services/alerts.py) turns that into new, kept and resolved alerts.

Stuck deals are judged against the company's own history: the `percentile` (e.g. the 90th) of
how long finished stays in the same stage lasted, for customers of the same tier — or of the
whole stage when a tier has fewer than `min_samples` finished stays, or the rule's fixed `days`
when the stage has too few as well. The database ranks the stays (see percentiles.py); the limits
are learned once and stored, and a scan reads them while fresh (services/limits.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesops.core.literal import Literal
from salesops.crm.models import Activity, Customer, Opportunity, Stage
from salesops.crm.models.choices import Tier
from salesops.crm.selectors.accounts import overdue_q, tier_standards
from salesops.insights.models import AlertRule, StageLimit
from salesops.insights.percentiles import Limit, Limits
from salesops.insights.services.limits import (
    FRESH_FOR,
    learned_with,
    open_stages,
    stage_limits_learn,
)
from salesops.targets.models import KpiDefinition, Target
from salesops.targets.selectors import attach


@dataclass
class Finding:
    """One subject a rule found: who owns it, what it is, and the facts behind the alert."""

    owner_id: int
    detail: dict[str, Any] = field(default_factory=dict)
    opportunity_id: int | None = None
    customer_id: int | None = None
    target_id: int | None = None
    unit_id: int | None = None


Findings = dict[str, Finding]
TENTH = Decimal("0.1")


def _open_deals() -> Any:
    return Opportunity.objects.filter(
        stage__kind=Stage.Kind.OPEN, closed_at__isnull=True
    ).order_by()


def _days(delta: timedelta) -> int:
    return max(0, delta.days)


def _moment(value: datetime | None) -> str:
    """A moment as the alert's detail keeps it: ISO 8601 in UTC (the same from either database
    and whichever zone it was given in)."""
    return value.astimezone(UTC).isoformat() if value else ""


# --- stuck deals --------------------------------------------------------------------------------


def _stored_limits(rule: AlertRule, stages: list[int], now: datetime) -> Limits | None:
    """The rule's stored limits if fresh: learned less than FRESH_FOR before `now` (or after
    it), with the rule's current settings, for every current open stage and tier; else None."""
    rows = StageLimit.objects.filter(rule=rule).values_list(
        "stage_id", "tier", "limit_us", "basis", "samples", "learned_at",
        "percentile", "min_samples", "days",
    )  # fmt: skip
    settings = learned_with(rule)
    limits: Limits = {}
    for stage_id, tier, micros, basis, samples, at, *used in rows:
        if tuple(used) != settings or at <= now - FRESH_FOR:
            return None
        limits[(stage_id, tier)] = Limit(timedelta(microseconds=micros), basis, samples, at)
    wanted = {(stage_id, tier) for stage_id in stages for tier in Tier.values}
    return limits if set(limits) == wanted else None


def stage_limits(rule: AlertRule, now: datetime | None = None) -> Limits:
    """The limit for every open stage and customer tier: the rule's stored limits while they
    are fresh (two small queries), else learned from the finished stays and stored."""
    now = now or timezone.now()
    stored = _stored_limits(rule, open_stages(), now)
    return stored if stored is not None else stage_limits_learn(rule=rule, now=now)


def _limit_facts(rule: AlertRule, limit: Limit) -> dict[str, Any]:
    """What a stuck deal's alert records about its limit (the same for every deal of a stage
    and tier, so worked out once per limit, not per deal)."""
    return {
        "limit_days": round(limit.limit / timedelta(days=1), 1),
        "basis": limit.basis,
        "samples": limit.samples,
        "percentile": rule.percentile,
        "learned_at": _moment(limit.learned_at),
    }


def stuck_deals(rule: AlertRule, now: datetime) -> Findings:
    """Open deals in their stage for longer than the limit of their stage and tier."""
    limits = stage_limits(rule, now)
    q = Q(pk__in=[])
    for (stage_id, tier), limit in limits.items():
        q |= Q(stage_id=stage_id, customer__tier=tier, stage_entered_at__lt=now - limit.limit)
    rows = (
        _open_deals()
        .filter(q)
        .values_list(
            "pk", "owner_id", "stage_id", "stage__code", "customer__tier", "stage_entered_at"
        )
    )
    facts = {key: _limit_facts(rule, limit) for key, limit in limits.items()}
    found: Findings = {}
    for pk, owner_id, stage_id, code, tier, entered in rows:
        detail = {"stage": code, "tier": tier, "days": _days(now - entered)}
        found[f"opportunity:{pk}"] = Finding(
            owner_id, detail | facts[(stage_id, tier)], opportunity_id=pk
        )
    return found


# --- customers, slips, idle large deals ----------------------------------------------------------


def uncontacted_customers(rule: AlertRule, now: datetime) -> Findings:
    """Owned customers of the rule's tiers not contacted within their tier's standard."""
    standards = {t: s for t, s in tier_standards().items() if t in rule.tier_list}
    if not standards:
        return {}
    never = ExpressionWrapper(Q(last_contact_at__isnull=True), output_field=BooleanField())
    rows = (
        Customer.objects.filter(overdue_q(standards, now), merged_into__isnull=True)
        .exclude(status=Customer.Status.LOST)
        .order_by()
        .annotate(since=Coalesce("last_contact_at", "owned_since", "created_at"), never=never)
        .values("pk", "owner_id", "tier", "since", "never")
    )
    found: Findings = {}
    for row in rows:
        found[f"customer:{row['pk']}"] = Finding(
            row["owner_id"],
            {
                "tier": row["tier"],
                "days": _days(now - row["since"]),
                "max_days": standards[row["tier"]].max_days_between_contacts,
                "never": bool(row["never"]),
            },
            customer_id=row["pk"],
        )
    return found


def slipped_deals(rule: AlertRule, now: datetime) -> Findings:
    """Open deals whose close date moved out at least `count` times."""
    rows = _open_deals().filter(close_date_changes__gte=rule.count or 3)
    return {
        f"opportunity:{row['pk']}": Finding(
            row["owner_id"],
            {
                "slips": row["close_date_changes"],
                "expected_close": row["expected_close"].isoformat()
                if row["expected_close"]
                else "",
            },
            opportunity_id=row["pk"],
        )
        for row in rows.values("pk", "owner_id", "close_date_changes", "expected_close")
    }


def idle_large_deals(rule: AlertRule, now: datetime) -> Findings:
    """Open deals of at least `min_amount`, older than `days`, with no activity done since."""
    if rule.min_amount is None:
        return {}
    cutoff = now - timedelta(days=rule.days or 14)
    done = Activity.objects.filter(opportunity=OuterRef("pk"), status=Literal(Activity.Status.DONE))
    last = done.exclude(done_at__isnull=True).order_by("-done_at").values("done_at")[:1]
    rows = (
        _open_deals()
        .filter(amount__gte=rule.min_amount, created_at__lt=cutoff)
        .filter(~Exists(done.filter(done_at__gte=cutoff)))
        .annotate(last_done=Subquery(last))
        .values("pk", "owner_id", "amount", "last_done", "created_at")
    )
    found: Findings = {}
    for row in rows:
        since = row["last_done"] or row["created_at"]
        found[f"opportunity:{row['pk']}"] = Finding(
            row["owner_id"],
            {
                "amount": str(row["amount"]),
                "days": _days(now - since),
                "last_activity": timezone.localtime(row["last_done"]).date().isoformat()
                if row["last_done"]
                else "",
            },
            opportunity_id=row["pk"],
        )
    return found


# --- pace ----------------------------------------------------------------------------------------

# What the attainment of a target needs (its dates would cost more to read than the rest).
PACE_FIELDS = ("id", "kpi_id", "owner_user_id", "owner_unit_id", "period_kind", "period_key",
               "period_start", "period_end", "value", "phasing")  # fmt: skip


def behind_pace(rule: AlertRule, now: datetime) -> Findings:
    """People and units whose approved target of the rule's KPI and period kind is below
    `percent` of what was expected by today (after `days` working days have passed)."""
    from salesops.core.periods import Period

    kpi = KpiDefinition.objects.filter(code=rule.kpi_code, is_active=True).first()
    if kpi is None or kpi.is_manual or not (kpi.additive and kpi.higher_is_better):
        return {}
    today = timezone.localdate(now)
    period = Period.containing(rule.period_kind or "month", today)
    qs = Target.objects.filter(kpi=kpi, period_key=period.key, status=Target.Status.APPROVED)
    qs = qs.filter(Q(owner_user__isnull=True) | Q(owner_user__is_active=True)).order_by()
    items = list(qs.only(*PACE_FIELDS).annotate(leader=F("owner_unit__leader_id")))
    for t in items:
        t.kpi = kpi  # the one KPI, read once
    found: Findings = {}
    for t in attach(items, today):
        att = t.att  # type: ignore[attr-defined]
        if att.clock.elapsed < (rule.days or 0) or att.actual is None or att.expected <= 0:
            continue
        if att.actual * 100 >= att.expected * (rule.percent or 80):
            continue
        owner = t.owner_user_id or t.leader  # type: ignore[attr-defined]
        if owner is None:
            continue
        found[f"target:{t.pk}"] = Finding(
            owner,
            {
                "kpi": kpi.code,
                "period": period.key,
                "target": str(t.value),
                "actual": str(att.actual),
                "expected": str(att.expected),
                "pace_pct": str((att.actual * 100 / att.expected).quantize(TENTH, ROUND_HALF_UP)),
            },
            target_id=t.pk,
            unit_id=t.owner_unit_id,
        )
    return found


FINDERS: dict[str, Callable[[AlertRule, datetime], Findings]] = {
    AlertRule.Kind.STUCK_DEAL: stuck_deals,
    AlertRule.Kind.UNCONTACTED: uncontacted_customers,
    AlertRule.Kind.BEHIND_PACE: behind_pace,
    AlertRule.Kind.SLIPPED: slipped_deals,
    AlertRule.Kind.IDLE_LARGE_DEAL: idle_large_deals,
}


def rule_findings(rule: AlertRule, now: datetime) -> Findings:
    """What a rule finds at `now`: its kind's finder, nothing while it is switched off."""
    return FINDERS[rule.kind](rule, now) if rule.is_active else {}
