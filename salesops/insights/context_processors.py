"""The alert badge in the header: how many open alerts wait for the signed-in person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesops.core import policy


def alert_badge(request: Any) -> dict[str, Callable[[], int] | None]:
    """A callable (so the one count query runs only when a page shows the badge), or None
    for people who have no alerts inbox."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not policy.allows(user, "insights:inbox"):
        return {"alert_badge": None}
    from salesops.insights.selectors.alerts import badge_count

    cache: dict[str, int] = {}

    def count() -> int:
        if "n" not in cache:
            cache["n"] = badge_count(actor=user)
        return cache["n"]

    return {"alert_badge": count}
