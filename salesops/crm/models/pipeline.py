"""Opportunities through configurable stages, their product lines and stage history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.money import MoneyField
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.models.choices import Source
from salesops.crm.visibility import CrmVisibility
from salesops.org.models import AllSignedIn


class Stage(models.Model):
    """A funnel stage. `requirements` lists the entry criteria checked before a deal enters it
    (keys understood by crm.services: e.g. "need_confirmed", "decision_maker", "lines",
    "expected_close", "next_step")."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(_("default probability (%)"))
    standard_days = models.PositiveSmallIntegerField(_("standard duration (days)"), default=14)
    requirements = models.JSONField(_("entry criteria"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["order"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A stage with deals in it stays open or closed: its deals' close times (set when they
        entered it) say which, and open-deal lists and the open pipeline read those."""
        super().clean()
        was = Stage.objects.filter(pk=self.pk).values_list("kind", flat=True).first()
        turns = was is not None and (was == self.Kind.OPEN) != (self.kind == self.Kind.OPEN)
        if turns and Opportunity.objects.filter(stage_id=self.pk).exists():
            raise ValidationError(
                {"kind": _("Deals are in this stage: move them to other stages first.")}
            )


class Opportunity(TimeStamped):
    """A deal: customer, owner, lines → amount, stage, expected close, forecast category."""

    class Forecast(models.TextChoices):
        COMMIT = "commit", _("Commit")
        BEST_CASE = "best_case", _("Best case")
        PIPELINE = "pipeline", _("Pipeline")
        OMITTED = "omitted", _("Omitted")

    class LostReason(models.TextChoices):
        PRICE = "price", _("Price")
        COMPETITOR = "competitor", _("Lost to a competitor")
        NO_BUDGET = "no_budget", _("No budget")
        NO_DECISION = "no_decision", _("No decision / postponed")
        PRODUCT_FIT = "product_fit", _("Product does not fit")
        RELATIONSHIP = "relationship", _("Relationship")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    amount = MoneyField(_("amount"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=10)
    expected_close = models.DateField(
        _("expected close date"), null=True, blank=True, db_index=True
    )
    close_date_changes = models.PositiveSmallIntegerField(
        _("times the close date moved out"), default=0
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    partner = models.ForeignKey(
        "crm.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    product_line = models.ForeignKey(
        "org.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    need_confirmed = models.BooleanField(_("need confirmed"), default=False)
    decision_maker = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("decision maker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forecast_category = models.CharField(
        _("forecast category"), max_length=20, choices=Forecast.choices, default=Forecast.PIPELINE
    )
    lost_reason = models.CharField(
        _("lost reason"), max_length=20, choices=LostReason.choices, blank=True
    )
    lost_note = models.CharField(_("lost note"), max_length=300, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    # The customer's first won deal (the "new customers" KPI): kept by database triggers
    # whoever writes the deals (crm 0013, salesops/crm/first_win_sql.py), never by the code.
    first_win = models.BooleanField(_("customer's first win"), default=False, editable=False)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(partner="partner")

    class Meta:
        ordering = ["-updated_at"]
        # The list's filters (visible owners or stage, expected close) lead; amount and
        # probability let totals and the top of the page be read from the index alone.
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(
                fields=["stage", "expected_close", "amount", "probability", "id"],
                name="crm_opp_stage_close_amounts",
            ),
            models.Index(
                fields=["owner", "expected_close", "stage", "amount", "probability", "id"],
                name="crm_opp_owner_close_amounts",
            ),
            # The biggest deals first over a whole company: read from the top until a page
            # matches, instead of sorting every deal the filters leave.
            models.Index(
                fields=["amount", "stage", "expected_close", "owner", "id"],
                name="crm_opp_amount_first",
            ),
            # A customer's closed deals in close order: finds whether a won deal is the
            # customer's first (the "new customers" KPI) from the index alone.
            models.Index(
                fields=["customer", "closed_at", "id", "stage"],
                name="crm_opp_customer_closed",
                condition=models.Q(closed_at__isnull=False),
            ),
            # The customers' first wins of a period (the "new customers" KPI), per owner.
            models.Index(
                fields=["closed_at", "owner", "amount"],
                name="crm_opp_first_wins",
                condition=models.Q(first_win=True),
            ),
        ]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")

    def __str__(self) -> str:
        return self.name


class OpportunityLine(models.Model):
    """A product on a deal: quantity × unit price less discount = line total."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("crm.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = MoneyField(_("unit price"))
    discount_pct = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    total = MoneyField(_("line total"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class StageHistory(models.Model):
    """One stay of a deal in a stage: entered, left (empty while there), who moved it."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_history"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(db_index=True)
    left_at = models.DateTimeField(null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(owner="opportunity__owner", partner="opportunity__partner")

    class Meta:
        ordering = ["opportunity_id", "entered_at", "id"]
        # Stays that ended in a window, by stage, with when they began: the funnel's time in
        # stage is read from this index alone (crm migration 0008)
        indexes = [
            models.Index(fields=["stage", "left_at", "entered_at"], name="crm_stay_stage_left")
        ]
        verbose_name = _("stage history")
        verbose_name_plural = _("stage history")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.stage_id}"


class StagesReached(models.Model):
    """Every stage a deal has been in, as bits (`1 << stage id`, for ids up to MAX_BIT): kept by
    database triggers on the stage history (crm migration 0009) whoever writes it, and never
    written from Python. The funnel counts the deals that reached a stage from these bits
    instead of searching each deal's history (insights.selectors.funnel)."""

    MAX_BIT = 62  # the highest stage id a signed 64-bit integer holds as a bit

    opportunity = models.OneToOneField(
        Opportunity, on_delete=models.CASCADE, primary_key=True, related_name="stages_reached"
    )
    bits = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stages reached")
        verbose_name_plural = _("stages reached")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.bits:b}"
