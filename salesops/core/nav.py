"""The navigation menu, assembled from each app's `NAV` and filtered by the route policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string

from salesops.core import policy


@dataclass(frozen=True)
class NavItem:
    """A menu entry: a label, the route it opens, an icon and its place in the menu."""

    label: Any
    route: str
    icon: str = "point"
    order: int = 100


def all_items() -> list[NavItem]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        if config.name.startswith("salesops."):
            try:
                items.extend(import_string(f"{config.name}.permissions.NAV"))
            except ImportError:
                continue
    return sorted(items, key=lambda item: item.order)


def menu_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    """The entries this user may open, in order, marking the current one."""
    return [
        {
            "label": item.label,
            "url": reverse(item.route),
            "icon": item.icon,
            "active": current == item.route,
        }
        for item in all_items()
        if policy.allows(user, item.route)
    ]
