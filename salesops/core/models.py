"""Core records: the audit log, personal API tokens, login throttling; base classes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.visibility import RoleOnly, VisibleQuerySet


class TimeStamped(models.Model):
    """Base for records that keep when they were created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One create/update/delete made through a service: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)  # indexed with the id
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = RoleOnly("admin")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ApiToken(models.Model):
    """A personal API token; only a hash of the secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per username and per address; a full count locks for a while."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class OwnOnly:
    """Only the person a row belongs to sees it."""

    def apply(self, qs: models.QuerySet, actor: object) -> models.QuerySet:
        pk = getattr(actor, "pk", None)
        return qs.filter(owner_id=pk) if pk else qs.none()


class SavedFilter(models.Model):
    """A person's named filter (the query string) on one list page."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_name = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(max_length=1000)

    objects = VisibleQuerySet.as_manager()
    visibility = OwnOnly()

    class Meta:
        ordering = ["list_name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_name", "name"], name="saved_filter_unique"
            )
        ]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")

    def __str__(self) -> str:
        return self.name
