"""The home page of each role: the questions that role opens SalesOps with, as cards.

A card with a route links to it when the policy allows; one without is a capability still to
come (dashboards arrive in their own issue) and is shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesops.core import policy


@dataclass(frozen=True)
class Card:
    title: Any
    text: Any
    icon: str
    route: str = ""


ORG = Card(_("My organisation"), _("The units and people you lead."), "sitemap", "org:tree")
PEOPLE = Card(
    _("People"), _("Find a colleague, their unit and manager."), "users", "org:person_list"
)
TARGETS = Card(_("Targets and pace"), _("Where you stand against target."), "target")
PIPELINE = Card(_("Pipeline"), _("Deals by stage and what is stuck."), "filter")
ALERTS = Card(_("Alerts"), _("Deals and customers that need attention."), "bell")
COACHING = Card(_("Coaching"), _("Who needs a 1:1 or a joint visit."), "school")
MANAGERS = Card(
    _("My managers"), _("Which managers are on track, which slip, and why."), "chart-bar"
)
EARNINGS = Card(_("My earnings"), _("What you will earn this period."), "coin")
PARTNERS = Card(_("Partners"), _("How your distributors and agents perform."), "building-store")
REVIEWS = Card(_("Review cycles"), _("Open reviews and improvement plans."), "clipboard-check")
PAYOUTS = Card(_("Commission statements"), _("Statements to check and pay."), "receipt")
AUDIT = Card(_("Audit log"), _("Who changed what, and when."), "history", "core:audit_list")
TOKENS = Card(_("API tokens"), _("Personal tokens for the JSON API."), "key", "core:token_list")

BY_ROLE = {
    "rep": [TARGETS, PIPELINE, ALERTS, EARNINGS, ORG],
    "supervisor": [TARGETS, PIPELINE, COACHING, ALERTS, ORG, PEOPLE],
    "manager": [TARGETS, PIPELINE, COACHING, ALERTS, ORG, PEOPLE],
    "senior_manager": [MANAGERS, TARGETS, PIPELINE, ALERTS, ORG, PEOPLE],
    "director": [MANAGERS, TARGETS, PIPELINE, ALERTS, ORG, PEOPLE],
    "channel_manager": [PARTNERS, PIPELINE, TARGETS, ALERTS],
    "hr": [REVIEWS, PEOPLE, ORG],
    "finance": [PAYOUTS, PEOPLE, ORG],
    "admin": [ORG, PEOPLE, AUDIT, TOKENS],
}


def cards_for(user: Any) -> list[dict[str, Any]]:
    """The home cards of the user's role, with links where a page exists and is allowed."""
    result = []
    for card in BY_ROLE.get(user.role, [ORG]):
        url = reverse(card.route) if card.route and policy.allows(user, card.route) else ""
        result.append(
            {
                "title": card.title,
                "text": card.text,
                "icon": card.icon,
                "url": url,
                "coming": not card.route,
            }
        )
    return result
