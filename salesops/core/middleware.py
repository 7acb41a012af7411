"""Per request: the signed-in user's preferences (time zone; language is chosen by the user),
and the idle timeout of their session."""

from __future__ import annotations

import time
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone

SEEN = "_seen"  # when the session's expiry was last pushed back (seconds since the epoch)


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


class SlidingSessionMiddleware:
    """The idle timeout without a write on every request: a signed-in session's expiry
    (SESSION_COOKIE_AGE after its last save) is pushed back, by saving it, once
    SESSION_REFRESH_SECONDS have passed since it last was. A session so ends between
    SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after its last
    request, never later. Saving it on every request (SESSION_SAVE_EVERY_REQUEST) made every
    page view an UPDATE and a commit: on PostgreSQL a flush of its log, on SQLite a wait for
    the database's one writer. Sessions without data (nobody signed in) are left alone."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(SEEN, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[SEEN] = now  # saved by the session middleware, with a new expiry
        return response


def seen_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing in saves the session with a whole idle time ahead: the next requests need not
    push it back (connected to user_logged_in in core.apps)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN] = int(time.time())
