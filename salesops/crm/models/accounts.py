"""Customers (accounts), their contacts, and the service standard of each tier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.textindex import TextIndex
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.models.choices import Source, Tier
from salesops.crm.visibility import CrmVisibility
from salesops.org.models import AllSignedIn


class TierStandard(models.Model):
    """The service standard of a customer tier, configured by administrators."""

    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, unique=True)
    max_days_between_contacts = models.PositiveIntegerField(_("maximum days between contacts"))
    response_hours = models.PositiveIntegerField(_("response time to requests (hours)"))
    counterpart = models.CharField(_("our counterpart"), max_length=100, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        verbose_name = _("tier service standard")
        verbose_name_plural = _("tier service standards")

    def __str__(self) -> str:
        return str(self.get_tier_display())


class Customer(TimeStamped):
    """A customer account. No owner means it lies in the shared pool (公海)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise (B2B)")
        INDIVIDUAL = "individual", _("Individual (B2C)")

    class Size(models.TextChoices):
        SMALL = "small", _("Under 100 staff")
        MEDIUM = "medium", _("100–999 staff")
        LARGE = "large", _("1,000–9,999 staff")
        HUGE = "huge", _("10,000 staff or more")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active customer")
        DORMANT = "dormant", _("Dormant")
        LOST = "lost", _("Lost")

    name = models.CharField(_("name"), max_length=200)  # indexed in Meta (sort by name)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    territory = models.ForeignKey(
        "org.Territory",
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # the (owner, tier) index in Meta serves every look-up by owner
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROSPECT
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.GENERAL)
    # searched by substring: trigram indexes on PostgreSQL (0004), the text index on SQLite
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    partner = models.ForeignKey(
        "crm.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, db_index=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(partner="partner", pool=True)
    # SQLite's index for the search box (crm migration 0007; PostgreSQL uses trigram indexes)
    text_index = TextIndex("crm_customer_text", ("name", "phone", "tax_number"))

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="crm_customer_name_idx"),
            models.Index(fields=["owner", "tier"]),
            models.Index(fields=["tier", "last_contact_at"]),
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Contact(TimeStamped):
    """A person at a customer, with their role in the buying decision."""

    class BuyingRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    buying_role = models.CharField(
        _("role in the decision"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(owner="customer__owner", partner="customer__partner", pool=True)

    class Meta:
        ordering = ["customer_id", "-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name
