"""Activities: visits, calls, meetings, emails, demos, proposals — planned or done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.visibility import CrmVisibility


class Activity(TimeStamped):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        DEMO = "demo", _("Demo")
        PROPOSAL = "proposal", _("Proposal sent")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    companions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("companions"),
        blank=True,
        related_name="joined_activities",
    )
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "crm.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    due_at = models.DateTimeField(_("planned for"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, db_index=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    is_coaching = models.BooleanField(_("coaching visit"), default=False)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(partner="opportunity__partner")

    class Meta:
        ordering = ["-done_at", "-due_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_at"]),
            models.Index(fields=["owner", "kind", "done_at"]),
            # A person's activities latest first, as the activity list sorts them by default.
            models.Index(
                F("owner"), Coalesce("done_at", "due_at"), F("id"), name="crm_act_owner_when"
            ),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject
