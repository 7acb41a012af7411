"""Per-user preferences applied to each request: time zone (language is chosen by the user)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone


class UserPreferencesMiddleware:
    """Activates the signed-in user's time zone for the request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        tz_name = getattr(request.user, "time_zone", "") if hasattr(request, "user") else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
