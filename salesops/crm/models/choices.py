"""Choice lists shared by the CRM records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    CORE = "core", _("Core")
    GENERAL = "general", _("General")


class Source(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    PARTNER = "partner", _("Partner")
    COLD_CALL = "cold_call", _("Cold call")
    EXHIBITION = "exhibition", _("Exhibition")
    EXISTING = "existing", _("Existing customer")
    OTHER = "other", _("Other")
