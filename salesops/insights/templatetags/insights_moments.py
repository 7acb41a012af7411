"""Moments an alert's detail keeps as ISO 8601 text (e.g. when a stuck-deal limit was learned),
read back as aware datetimes so that the `date` filter shows them in the viewer's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def moment(value: Any) -> datetime | None:
    """The datetime an ISO 8601 text names (None when empty or not a moment)."""
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
