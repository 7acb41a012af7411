"""Alert reads: the inbox (mine or my team's), the badge count, and the words for an alert."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.crm.models.choices import Tier
from salesops.insights.models import Alert, AlertDelivery, AlertRule

STATES = ("active", "acknowledged", "snoozed", "resolved", "all")


def alerts(*, actor: Any) -> QuerySet[Alert]:
    """The alerts the actor may see, with everything an alert row shows."""
    return Alert.objects.visible_to(actor).select_related(
        "rule",
        "owner",
        "opportunity__stage",
        "opportunity__customer",
        "customer",
        "target__kpi",
        "target__owner_user",
        "unit",
    )


def _mine(actor: Any, field: str) -> Subquery:
    rows = AlertDelivery.objects.filter(alert=OuterRef("pk"), user_id=actor.pk)
    return Subquery(rows.values(field)[:1])


def inbox(
    *, actor: Any, box: str = "mine", state: str = "active", now: datetime | None = None
) -> QuerySet[Alert]:
    """The actor's alerts (box "mine": sent to them; "team": every alert they may see) in a
    state, each annotated with the actor's own acknowledgement and snooze."""
    now = now or timezone.now()
    qs = alerts(actor=actor).annotate(
        delivered=Exists(AlertDelivery.objects.filter(alert=OuterRef("pk"), user_id=actor.pk)),
        my_ack=_mine(actor, "acknowledged_at"),
        my_snooze=_mine(actor, "snoozed_until"),
    )
    if box == "mine":
        qs = qs.filter(delivered=True)
    if state == "resolved":
        return qs.filter(resolved_at__isnull=False)
    if state == "all":
        return qs
    qs = qs.filter(resolved_at__isnull=True)
    if state == "acknowledged":
        return qs.filter(my_ack__isnull=False)
    if state == "snoozed":
        return qs.filter(my_ack__isnull=True, my_snooze__gt=now)
    return qs.filter(my_ack__isnull=True).filter(Q(my_snooze__isnull=True) | Q(my_snooze__lte=now))


def badge_count(*, actor: Any, now: datetime | None = None) -> int:
    """How many open alerts wait for the actor: neither acknowledged nor snoozed (one query)."""
    now = now or timezone.now()
    return (
        AlertDelivery.objects.filter(
            user_id=actor.pk, acknowledged_at__isnull=True, alert__resolved_at__isnull=True
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
        .count()
    )


def deliveries(alert: Alert) -> QuerySet[AlertDelivery]:
    """Who an alert went to and what each did with it."""
    return alert.deliveries.select_related("user").order_by("id")


def rule_counts() -> dict[int, int]:
    """Open alerts per rule (one query)."""
    from django.db.models import Count

    rows = Alert.objects.filter(resolved_at__isnull=True).values_list("rule_id")
    return dict(rows.annotate(n=Count("pk")).values_list("rule_id", "n"))


# --- words ---------------------------------------------------------------------------------------


def _money(value: Any) -> str:
    return intcomma(f"{Decimal(value):.2f}")


def _tier(code: str) -> str:
    return str(Tier(code).label) if code in Tier.values else code


def subject_label(alert: Alert) -> str:
    """What the alert is about: a deal, a customer, a person's or a unit's target."""
    if alert.opportunity is not None:
        return f"{alert.opportunity.name} · {alert.opportunity.customer.name}"
    if alert.customer is not None:
        return alert.customer.name
    if alert.target is not None:
        who = alert.target.owner_user or alert.unit
        return f"{who} · {alert.target.kpi.label} · {alert.target.period_key}"
    return alert.subject_key


def subject_url(alert: Alert) -> str:
    """The page of the alert's subject (empty when there is none)."""
    try:
        if alert.opportunity_id:
            return reverse("crm:opportunity_detail", args=[alert.opportunity_id])
        if alert.customer_id:
            return reverse("crm:customer_detail", args=[alert.customer_id])
        if alert.target_id:
            return reverse("targets:target_detail", args=[alert.target_id])
    except NoReverseMatch:
        return ""
    return ""


def _stuck(alert: Alert, d: dict[str, Any]) -> str:
    stage = alert.opportunity.stage.name if alert.opportunity else d.get("stage", "")
    values = {
        "stage": stage,
        "days": d.get("days"),
        "limit": d.get("limit_days"),
        "pct": d.get("percentile"),
        "n": d.get("samples"),
        "tier": _tier(d.get("tier", "")),
    }
    if d.get("basis") == "tier":
        text = _(
            "In “%(stage)s” for %(days)s days; for %(tier)s customers the %(pct)sth "
            "percentile is %(limit)s days (%(n)s past deals)."
        )
    elif d.get("basis") == "stage":
        text = _(
            "In “%(stage)s” for %(days)s days; for this stage the %(pct)sth percentile is "
            "%(limit)s days (%(n)s past deals)."
        )
    else:
        text = _("In “%(stage)s” for %(days)s days; the fixed limit is %(limit)s days.")
    return text % values


def _uncontacted(d: dict[str, Any]) -> str:
    values = {"tier": _tier(d.get("tier", "")), "days": d.get("days"), "max": d.get("max_days")}
    if d.get("never"):
        return (
            _(
                "%(tier)s customer never contacted in %(days)s days; the standard is every "
                "%(max)s days."
            )
            % values
        )
    return (
        _("%(tier)s customer last contacted %(days)s days ago; the standard is every %(max)s days.")
        % values
    )


def _pace(alert: Alert, d: dict[str, Any]) -> str:
    kpi = alert.target.kpi.label if alert.target else d.get("kpi", "")
    return _(
        "%(kpi)s: %(actual)s so far where %(expected)s was expected by now (%(pct)s%% of "
        "pace; target %(target)s)."
    ) % {
        "kpi": kpi,
        "actual": _money(d.get("actual", 0)),
        "expected": _money(d.get("expected", 0)),
        "pct": d.get("pace_pct"),
        "target": _money(d.get("target", 0)),
    }


def _slipped(d: dict[str, Any]) -> str:
    when = d.get("expected_close") or "—"
    return _("The close date moved out %(n)s times; now expected on %(date)s.") % {
        "n": d.get("slips"),
        "date": when,
    }


def _idle(d: dict[str, Any]) -> str:
    values = {
        "amount": _money(d.get("amount", 0)),
        "days": d.get("days"),
        "last": d.get("last_activity") or "",
    }
    if values["last"]:
        return (
            _("A %(amount)s deal with no activity for %(days)s days (last on %(last)s).") % values
        )
    return _("A %(amount)s deal with no activity since it was opened %(days)s days ago.") % values


def describe(alert: Alert) -> str:
    """The alert in words, in the active language, from the facts the scan recorded."""
    d = alert.detail or {}
    kind = alert.rule.kind
    if kind == AlertRule.Kind.STUCK_DEAL:
        return _stuck(alert, d)
    if kind == AlertRule.Kind.UNCONTACTED:
        return _uncontacted(d)
    if kind == AlertRule.Kind.BEHIND_PACE:
        return _pace(alert, d)
    if kind == AlertRule.Kind.SLIPPED:
        return _slipped(d)
    return _idle(d)


def age_days(alert: Alert, today: date | None = None) -> int:
    """Whole days since the alert was first seen."""
    today = today or timezone.localdate()
    return (today - timezone.localtime(alert.first_seen_at).date()).days
