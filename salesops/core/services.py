"""Core writes: sign-in throttling and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import ApiToken, AuditEntry, LoginThrottle, SavedFilter

TOKEN_PREFIX = "so_"


def _throttle_keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}"[:200], f"addr:{address}"[:200]]


def login_is_locked(*, username: str, address: str) -> bool:
    """True while the username or the address is locked after too many failures."""
    now = timezone.now()
    return LoginThrottle.objects.filter(
        key__in=_throttle_keys(username, address), locked_until__gt=now
    ).exists()


@transaction.atomic
def login_failure_record(*, username: str, address: str) -> None:
    """Count a failed sign-in; the last allowed failure locks the username and address."""
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    for key in _throttle_keys(username, address):
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_started_at": now}
        )
        if row.window_started_at < now - window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.LOGIN_MAX_FAILURES:
            row.locked_until = now + window
        row.save()


def login_success_record(*, username: str, address: str) -> None:
    """Clear the failure count of a username after a good sign-in."""
    LoginThrottle.objects.filter(key=_throttle_keys(username, address)[0]).delete()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name[:100], prefix=secret[:10], key_hash=_hash(secret)
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens."""
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=token, before=before)


def api_token_authenticate(secret: str) -> Any:
    """The active user a token belongs to, or None; notes when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def saved_filter_save(*, actor: Any, list_name: str, name: str, query: str) -> Any:
    """Save (or replace) one of the actor's named filters for a list page."""
    name, query = name.strip()[:60], query.lstrip("?")[:1000]
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    saved, _created = SavedFilter.objects.update_or_create(
        owner=actor, list_name=list_name[:40], name=name, defaults={"query": query}
    )
    return saved


def saved_filter_delete(*, actor: Any, saved: Any) -> None:
    """Delete one of the actor's saved filters."""
    saved.delete()
