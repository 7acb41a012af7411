"""Channel partners (distributors, agents, resellers) and their agreements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.visibility import CrmVisibility


class Partner(TimeStamped):
    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("Distributor")
        AGENT = "agent", _("Agent")
        RESELLER = "reseller", _("Reseller")

    class Level(models.TextChoices):
        GOLD = "gold", _("Gold")
        SILVER = "silver", _("Silver")
        BRONZE = "bronze", _("Bronze")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("tier"), max_length=10, choices=Level.choices, default=Level.BRONZE)
    territory = models.ForeignKey(
        "org.Territory",
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel manager"),
        on_delete=models.PROTECT,
        related_name="partners",
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(owner="channel_manager")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class PartnerAgreement(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField(_("number"), max_length=40)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    rebate_pct = models.DecimalField(_("rebate (%)"), max_digits=5, decimal_places=2, default=0)
    terms = models.TextField(_("terms"), blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(owner="partner__channel_manager")

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")

    def __str__(self) -> str:
        return self.number
