"""Targets and KPIs: the KPI catalogue, targets and their history, manual results, ramp rules.

Target values are exact: Decimal with two places, stored as integer hundredths (the same
MoneyField the money amounts use), whatever the KPI's unit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.money import MoneyField
from salesops.core.periods import KINDS, Period
from salesops.core.visibility import VisibleQuerySet
from salesops.org.models import AllSignedIn, OrgUnit
from salesops.org.roles import Role

PERIOD_KINDS = [
    ("year", _("Year")),
    ("quarter", _("Quarter")),
    ("month", _("Month")),
    ("week", _("Week")),
]
assert [k for k, _label in PERIOD_KINDS] == list(KINDS)


class KpiDefinition(TimeStamped):
    """A KPI: what is measured, in which unit, which way is better, and how it is computed.

    `source`, `aggregate`, `measure`, `date_field`, `filters` and `numerator` are read by
    salesops.targets.kpis, which turns them into one grouped query; manual KPIs are reported.
    """

    class Kind(models.TextChoices):
        RESULT = "result", _("Result (KPI)")
        PROCESS = "process", _("Process (KAI)")

    class Unit(models.TextChoices):
        MONEY = "money", _("Money")
        COUNT = "count", _("Count")
        PERCENT = "percent", _("Percent")
        DAYS = "days", _("Days")
        SCORE = "score", _("Score")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Aggregate(models.TextChoices):
        SUM = "sum", _("Sum")
        COUNT = "count", _("Count")
        AVG = "avg", _("Average")
        RATIO = "ratio", _("Ratio (%)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("how it is measured"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RESULT)
    unit = models.CharField(_("unit of measure"), max_length=10, choices=Unit.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    is_manual = models.BooleanField(_("reported by hand"), default=False)
    source = models.CharField(_("records"), max_length=30, blank=True)
    aggregate = models.CharField(
        _("aggregate"), max_length=10, choices=Aggregate.choices, default=Aggregate.SUM
    )
    measure = models.CharField(_("measure"), max_length=30, blank=True)
    date_field = models.CharField(_("dated by"), max_length=40, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    numerator = models.JSONField(_("ratio numerator filters"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> Any:
        """The shipped KPIs show a translated name while their name is the shipped one."""
        from salesops.targets.catalogue import translated_name

        return translated_name(self)

    @property
    def additive(self) -> bool:
        """Sums and counts add up from people to teams and from months to the year."""
        return self.aggregate in (self.Aggregate.SUM, self.Aggregate.COUNT)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == self.Direction.HIGHER


class TargetVisibility:
    """A person sees their own targets; a leader those of their people and of the units they
    lead (their subtree); administrators all. HR and finance see none: targets are sales data."""

    def apply(self, qs: models.QuerySet, actor: Any, prefix: str = "") -> models.QuerySet:
        from salesops.targets.permissions import actor_led_paths

        if actor is None or not actor.is_authenticated or not actor.is_active:
            return qs.none()
        if actor.role in (Role.HR, Role.FINANCE):
            return qs.none()
        scope = actor.scope("sales")
        if scope.everything:
            return qs
        q = Q(pk__in=[]) if scope.empty else scope.q(f"{prefix}owner_user")
        for path in actor_led_paths(actor):
            q |= Q(**{f"{prefix}owner_unit__path__startswith": path})
        return qs.filter(q)


class ThroughTarget(TargetVisibility):
    """Rows that belong to a target are seen with it."""

    def apply(self, qs: models.QuerySet, actor: Any, prefix: str = "target__") -> models.QuerySet:
        return super().apply(qs, actor, prefix)


class Owned(models.Model):
    """A row that belongs to a person or to an org unit (exactly one), for one period."""

    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_kind = models.CharField(_("period kind"), max_length=10, choices=PERIOD_KINDS)
    period_key = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))

    class Meta:
        abstract = True

    @property
    def owner(self) -> Any:
        return self.owner_user if self.owner_user_id else self.owner_unit

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, self.period_kind)

    def set_period(self, period: Period) -> None:
        self.period_kind, self.period_key = period.kind, period.key
        self.period_start, self.period_end = period.start, period.end


def _one_owner(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(owner_user__isnull=False) & Q(owner_unit__isnull=True))
        | (Q(owner_user__isnull=True) & Q(owner_unit__isnull=False)),
        name=name,
    )


def _unique_per_owner(prefix: str) -> list[models.UniqueConstraint]:
    return [
        models.UniqueConstraint(
            fields=["kpi", "owner_user", "period_key"],
            condition=Q(owner_user__isnull=False),
            name=f"{prefix}_user_unique",
        ),
        models.UniqueConstraint(
            fields=["kpi", "owner_unit", "period_key"],
            condition=Q(owner_unit__isnull=False),
            name=f"{prefix}_unit_unique",
        ),
    ]


class Target(Owned, TimeStamped):
    """A SMART target: a KPI (measure) for an owner and a period (time bound), a value, a
    specific description, and the parent target it serves (relevance)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    class Method(models.TextChoices):
        SET = "set", _("Set by hand")
        EVEN = "even", _("Even split")
        SEASONALITY = "seasonality", _("Last year's seasonality")
        LAST_YEAR = "last_year", _("Last year's share")
        WEIGHTS = "weights", _("Weights")
        HAND = "hand", _("By hand")
        COPY = "copy", _("Same as parent")
        PROPOSAL = "proposal", _("Proposed by the owner")

    kpi = models.ForeignKey(
        KpiDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="targets"
    )
    value = MoneyField(_("target"))
    proposed_value = MoneyField(_("proposed value"), null=True, blank=True)
    description = models.CharField(_("specific description"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("serves"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPROVED, db_index=True
    )
    method = models.CharField(
        _("set by"), max_length=12, choices=Method.choices, default=Method.SET
    )
    ramp_pct = models.PositiveSmallIntegerField(_("ramp (%)"), default=100)
    phasing = models.JSONField(_("phasing"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = TargetVisibility()

    class Meta:
        ordering = ["period_start", "period_kind", "kpi__order", "id"]
        constraints = [_one_owner("target_one_owner"), *_unique_per_owner("target")]
        indexes = [models.Index(fields=["kpi", "period_key"])]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.kpi} · {self.owner} · {self.period_key}"


class TargetRevision(models.Model):
    """One change of a target: who, when, why, and the value and status before and after."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="revisions")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20)
    old_value = MoneyField(_("before"), null=True, blank=True)
    new_value = MoneyField(_("after"), null=True, blank=True)
    old_status = models.CharField(_("status before"), max_length=10, blank=True)
    new_status = models.CharField(_("status after"), max_length=10, blank=True)
    reason = models.CharField(_("why"), max_length=300, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = ThroughTarget()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old_value} → {self.new_value}"

    ACTIONS = {
        "created": _("Set"),
        "changed": _("Changed"),
        "proposed": _("Proposed"),
        "approved": _("Approved"),
        "returned": _("Returned"),
    }

    @property
    def action_label(self) -> Any:
        return self.ACTIONS.get(self.action, self.action)

    @property
    def new_status_label(self) -> Any:
        return dict(Target.Status.choices).get(self.new_status, self.new_status)


class ManualResult(Owned, TimeStamped):
    """The reported result of a manual KPI (e.g. customer satisfaction until surveys exist)."""

    kpi = models.ForeignKey(KpiDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT)
    value = MoneyField(_("result"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VisibleQuerySet.as_manager()
    visibility = TargetVisibility()

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [_one_owner("manual_one_owner"), *_unique_per_owner("manual")]
        verbose_name = _("manual result")
        verbose_name_plural = _("manual results")

    def __str__(self) -> str:
        return f"{self.kpi} · {self.owner} · {self.period_key}: {self.value}"


class RampRule(models.Model):
    """New hires' targets by onboarding stage: months `from_month`–`to_month` (month 1 is the
    month of the hire date) at `percent` of a full target. Months after the last rule: 100%."""

    from_month = models.PositiveSmallIntegerField(_("from month"))
    to_month = models.PositiveSmallIntegerField(_("to month"))
    percent = models.PositiveSmallIntegerField(_("percent of a full target"))

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["from_month"]
        verbose_name = _("ramp rule")
        verbose_name_plural = _("ramp rules")

    def __str__(self) -> str:
        return f"{self.from_month}–{self.to_month}: {self.percent}%"
