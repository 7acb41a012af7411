"""Core background tasks."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from salesops.core.models import LoginThrottle


@task()
def login_throttle_prune() -> int:
    """Delete expired sign-in throttle rows (safe to run twice)."""
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    deleted, _ = LoginThrottle.objects.filter(
        window_started_at__lt=cutoff, locked_until__isnull=True
    ).delete()
    expired, _ = LoginThrottle.objects.filter(locked_until__lt=timezone.now()).delete()
    return deleted + expired
