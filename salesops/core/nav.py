"""The navigation menu, assembled from each app's `NAV` and filtered by the route policy."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from salesops.core import policy

log = logging.getLogger(__name__)


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


def _url(route: str) -> str | None:
    try:
        return reverse(route)
    except NoReverseMatch:
        log.error("menu entry %s names no route", route)  # a test keeps this from shipping
        return None


# Menu sections by order: an entry belongs to the last section whose start is ≤ its order.
SECTIONS = [
    (0, _("Overview")),
    (100, _("Customers and sales")),
    (300, _("Contracts and partners")),
    (360, _("Settings")),
    (800, _("Organisation")),
]


def _section(order: int) -> Any:
    return [label for start, label in SECTIONS if start <= order][-1]


def menu_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    """The entries this user may open, in order, marking the current one and each new section."""
    items: list[dict[str, Any]] = []
    for item in all_items():
        url = _url(item.route) if policy.allows(user, item.route) else None
        if not url:
            continue
        section = _section(item.order)
        new_section = not items or items[-1]["section"] != section
        items.append({"label": item.label, "url": url, "icon": item.icon, "section": section,
                      "active": current == item.route, "new_section": new_section})  # fmt: skip
    return items
