"""Insights records: alert rules and the alerts they raise (with each recipient's state), the
stuck-deal rules' learned stage limits, the managers' forecast adjustments, and weekly forecast
snapshots kept for forecast accuracy.

Insights owns no business rules about sales: everything here is derived from the CRM and the
targets, or is a person's judgement about them (an acknowledgement, a forecast call).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from salesops.core.money import MoneyField
from salesops.core.visibility import VisibleQuerySet
from salesops.org.models import AllSignedIn
from salesops.org.roles import Role

PERIOD_KINDS = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


class AlertRule(models.Model):
    """An early-warning rule: what it looks for, its thresholds, and how far up it escalates.

    Each kind reads only the parameters it needs (see docs/insights.md): stuck deals use
    `percentile`, `min_samples` and `days` (the fallback); uncontacted customers `tiers`; behind
    pace `kpi_code`, `period_kind`, `percent` and `days` (working days elapsed before judging);
    slipped close dates `count`; large idle deals `min_amount` and `days`.
    """

    class Kind(models.TextChoices):
        STUCK_DEAL = "stuck_deal", _("Deal stuck in its stage")
        UNCONTACTED = "customer_uncontacted", _("Customer not contacted within its standard")
        BEHIND_PACE = "behind_pace", _("Rep or team behind pace")
        SLIPPED = "close_date_slipped", _("Close date slipped repeatedly")
        IDLE_LARGE_DEAL = "large_deal_idle", _("Large deal with no activity")

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    escalate = models.PositiveSmallIntegerField(
        _("escalate up the chain (levels)"),
        default=1,
        help_text=_("0: the owner only; 1: also their manager; 2: also the manager's manager."),
    )
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    percentile = models.PositiveSmallIntegerField(_("percentile"), null=True, blank=True)
    min_samples = models.PositiveSmallIntegerField(
        _("minimum finished stays to learn from"), null=True, blank=True
    )
    min_amount = MoneyField(_("minimum amount"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of slips"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(
        _("percent of expected-to-date"), null=True, blank=True
    )
    kpi_code = models.CharField(_("KPI"), max_length=40, blank=True)
    period_kind = models.CharField(_("period"), max_length=10, choices=PERIOD_KINDS, blank=True)
    tiers = models.CharField(_("customer tiers"), max_length=100, blank=True)
    last_run_at = models.DateTimeField(_("last scan"), null=True, blank=True)
    last_found = models.PositiveIntegerField(_("found in the last scan"), default=0)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> Any:
        """The shipped rules show a translated name while their name is the shipped one."""
        from salesops.insights.rules import label

        return label(self)

    @property
    def tier_list(self) -> list[str]:
        return [t.strip() for t in self.tiers.split(",") if t.strip()]


class StageLimit(models.Model):
    """How long a stay in an open stage may last, for customers of a tier, before a stuck-deal
    rule calls the deal stuck: learned from the finished stays (scan.py) and stored, so that a
    scan reads 20 rows instead of ranking millions of stays. The rule's settings it was learned
    with are kept beside it: a change of settings makes it stale (services/limits.py)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="stage_limits")
    stage = models.ForeignKey("crm.Stage", on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=20)
    limit_us = models.PositiveBigIntegerField()  # exact microseconds
    basis = models.CharField(max_length=10)  # "tier", "stage" or "fixed" (scan.Limit)
    samples = models.PositiveIntegerField()
    learned_at = models.DateTimeField()
    percentile = models.PositiveSmallIntegerField()
    min_samples = models.PositiveSmallIntegerField()
    days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "stage", "tier"], name="insights_stagelimit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.stage_id}:{self.tier}"


class AlertVisibility:
    """An alert is seen by those it was sent to and by whoever sees its owner's sales records
    (the owner's chain, and administrators)."""

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
            return qs.none()
        scope = actor.scope("sales")
        if scope.everything:
            return qs
        mine = Exists(AlertDelivery.objects.filter(alert=OuterRef("pk"), user_id=actor.pk))
        q = Q(pk__in=[]) if scope.empty else scope.q("owner")
        return qs.filter(q | Q(mine))


class Alert(models.Model):
    """One thing a rule found: a deal, a customer, a person's or a unit's target. It stays open
    while the cause lasts; a scan that no longer finds it resolves it."""

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    subject_key = models.CharField(max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    severity = models.CharField(_("severity"), max_length=10, choices=AlertRule.Severity.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), db_index=True)
    last_seen_at = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AlertVisibility()

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=Q(resolved_at__isnull=True),
                name="insights_alert_open_unique",
            )
        ]
        indexes = [models.Index(fields=["owner", "resolved_at"])]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.subject_key}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AlertDelivery(models.Model):
    """An alert as one recipient has it: why they got it, and whether they acknowledged it,
    snoozed it, or have had it by email."""

    class Reason(models.TextChoices):
        OWNER = "owner", _("Owner")
        CHAIN = "chain", _("Up the chain")
        VIEWER = "viewer", _("Acted on it")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    reason = models.CharField(_("why"), max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="insights_delivery_unique")
        ]
        indexes = [models.Index(fields=["user", "acknowledged_at"])]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id}"


def _led_q(actor: Any, field: str = "owner_unit") -> Q:
    from salesops.org.selectors import led_paths

    q = Q(pk__in=[])
    for path in led_paths(actor):
        q |= Q(**{f"{field}__path__startswith": path})
    return q


class LedUnitVisibility:
    """Rows of a unit are seen by the leaders of that unit or of a unit above it (and by
    administrators); HR and finance see none (they are sales data)."""

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
            return qs.none()
        if actor.scope("sales").everything:
            return qs
        return qs.filter(_led_q(actor))


class ForecastAdjustment(models.Model):
    """A manager's call for their unit's period, replacing the roll-up of their people, with a
    reason. Every adjustment is kept; the latest one counts."""

    owner_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period kind"), max_length=10, choices=PERIOD_KINDS)
    period_key = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    amount = MoneyField(_("forecast call"))
    reason = models.CharField(_("reason"), max_length=300)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = VisibleQuerySet.as_manager()
    visibility = LedUnitVisibility()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner_unit", "period_key"])]
        verbose_name = _("forecast adjustment")
        verbose_name_plural = _("forecast adjustments")

    def __str__(self) -> str:
        return f"{self.owner_unit_id} {self.period_key}: {self.amount}"


class SnapshotVisibility:
    """A person's snapshot rows follow their sales records; a unit's follow its leaders."""

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
            return qs.none()
        scope = actor.scope("sales")
        if scope.everything:
            return qs
        people = Q(pk__in=[]) if scope.empty else scope.q("owner_user")
        return qs.filter(people | _led_q(actor))


class ForecastSnapshot(models.Model):
    """The forecast of one person or unit for one month, as it stood in one week."""

    week_key = models.CharField(_("week"), max_length=10, db_index=True)
    taken_at = models.DateTimeField(_("taken at"))
    period_key = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    owner_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    won = MoneyField(_("won"), default=0)
    commit = MoneyField(_("commit"), default=0)
    best_case = MoneyField(_("best case"), default=0)
    pipeline = MoneyField(_("pipeline"), default=0)
    omitted = MoneyField(_("omitted"), default=0)
    weighted = MoneyField(_("weighted pipeline"), default=0)
    call = MoneyField(_("forecast call"), default=0)
    adjusted = models.BooleanField(_("adjusted by a manager"), default=False)

    objects = VisibleQuerySet.as_manager()
    visibility = SnapshotVisibility()

    class Meta:
        ordering = ["period_start", "taken_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_unit__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_unit__isnull=False)),
                name="insights_snapshot_one_owner",
            ),
            models.UniqueConstraint(
                fields=["week_key", "period_key", "owner_user"],
                condition=Q(owner_user__isnull=False),
                name="insights_snapshot_user_unique",
            ),
            models.UniqueConstraint(
                fields=["week_key", "period_key", "owner_unit"],
                condition=Q(owner_unit__isnull=False),
                name="insights_snapshot_unit_unique",
            ),
        ]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")

    def __str__(self) -> str:
        return f"{self.week_key} {self.period_key}: {self.call}"
