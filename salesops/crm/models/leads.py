"""Leads, the shared lead pool, and the pool's rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.money import MoneyField
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.models.choices import Source
from salesops.crm.visibility import CrmVisibility
from salesops.org.models import AllSignedIn


class CrmSettings(models.Model):
    """Company-wide CRM rules (one row): when records return to the pool, how many a rep holds."""

    lead_return_days = models.PositiveIntegerField(
        _("leads return to the pool after days without follow-up"), default=14
    )
    customer_return_days = models.PositiveIntegerField(
        _("customers return to the pool after days without contact"), default=90
    )
    max_leads_per_rep = models.PositiveIntegerField(_("most leads one rep may hold"), default=50)
    max_customers_per_rep = models.PositiveIntegerField(
        _("most customers one rep may hold"), default=200
    )

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        verbose_name = _("CRM settings")
        verbose_name_plural = _("CRM settings")

    def __str__(self) -> str:
        return str(_("CRM settings"))

    @classmethod
    def current(cls) -> CrmSettings:
        """The one settings row (created with defaults when missing)."""
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Lead(TimeStamped):
    """A possible sale not yet qualified. No owner means it lies in the shared pool (公海)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WORKING = "working", _("Working")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    title = models.CharField(_("title"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200, blank=True, db_index=True)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_title = models.CharField(_("contact job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    territory = models.ForeignKey(
        "org.Territory",
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    partner = models.ForeignKey(
        "crm.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    # BANT qualification
    budget_ok = models.BooleanField(_("budget confirmed"), default=False)
    authority_ok = models.BooleanField(_("decision maker known"), default=False)
    need_ok = models.BooleanField(_("need confirmed"), default=False)
    timeline_ok = models.BooleanField(_("timeline known"), default=False)
    budget_amount = MoneyField(_("budget"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    disqualified_reason = models.CharField(_("disqualified because"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(
        _("last follow-up"), null=True, blank=True, db_index=True
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(partner="partner", pool=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"])]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.title
