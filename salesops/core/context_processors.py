"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from salesops.core.nav import menu_for


def navigation(request: Any) -> dict[str, Any]:
    """The menu for the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    return {"nav_items": menu_for(user, match.view_name if match else "")}
