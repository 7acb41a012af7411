"""The home page of each role: the questions that role opens SalesOps with, as cards.

A card with a route links to it when the policy allows; one without is a capability still to
come (reviews, incentives) and is shown as such.
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
MY_DASHBOARD = Card(
    _("My dashboard"), _("Attainment, pipeline and what is due today."), "gauge", "insights:rep"
)
TEAM_DASHBOARD = Card(
    _("Team dashboard"),
    _("How the team stands against target today."),
    "users-group",
    "insights:team",
)
MANAGERS = Card(
    _("My managers"),
    _("Which managers are on track, which slip, and why."),
    "chart-bar",
    "insights:managers",
)
TARGETS = Card(_("Targets and pace"), _("Where you stand against target."), "target", "targets:my")
TEAM_TARGETS = Card(
    _("Team attainment"), _("People × KPIs against target."), "table", "targets:team"
)
PIPELINE = Card(
    _("Pipeline"), _("Deals by stage and what is stuck."), "layout-kanban", "crm:pipeline_board"
)
ACTIVITIES = Card(
    _("My activities"), _("Follow-ups due and overdue."), "calendar-check", "crm:my_activities"
)
CUSTOMERS = Card(
    _("Customers"), _("Accounts, contacts and their history."), "building", "crm:customer_list"
)
ALERTS = Card(_("Alerts"), _("Deals and customers that need attention."), "bell", "insights:inbox")
FORECAST = Card(
    _("Forecast"),
    _("Commit, best case and pipeline by month."),
    "crystal-ball",
    "insights:forecast",
)
APPROVALS = Card(
    _("Approvals"), _("Contracts waiting for your decision."), "checklist", "crm:approval_inbox"
)
COACHING = Card(_("Coaching"), _("Who needs a 1:1 or a joint visit."), "school")
EARNINGS = Card(_("My earnings"), _("What you will earn this period."), "coin")
PARTNERS = Card(
    _("Partners"),
    _("How your distributors and agents perform."),
    "building-store",
    "crm:partner_list",
)
REVIEWS = Card(_("Review cycles"), _("Open reviews and improvement plans."), "clipboard-check")
CONTRACTS = Card(
    _("Contracts"),
    _("Signed contracts and what is outstanding."),
    "file-certificate",
    "crm:contract_list",
)
PAYMENTS = Card(_("Payments"), _("Money received against contracts."), "cash", "crm:payment_list")
PAYOUTS = Card(_("Commission statements"), _("Statements to check and pay."), "receipt")
AUDIT = Card(_("Audit log"), _("Who changed what, and when."), "history", "core:audit_list")
TOKENS = Card(_("API tokens"), _("Personal tokens for the JSON API."), "key", "core:token_list")

LEADER = [TEAM_DASHBOARD, TEAM_TARGETS, PIPELINE, ALERTS, APPROVALS, FORECAST, COACHING, ORG]
BY_ROLE = {
    "rep": [MY_DASHBOARD, TARGETS, ACTIVITIES, PIPELINE, CUSTOMERS, ALERTS, EARNINGS],
    "supervisor": LEADER,
    "manager": LEADER,
    "senior_manager": [MANAGERS, *LEADER],
    "director": [MANAGERS, TEAM_TARGETS, FORECAST, PIPELINE, ALERTS, APPROVALS, ORG],
    "channel_manager": [PARTNERS, PIPELINE, MY_DASHBOARD, ALERTS],
    "hr": [REVIEWS, PEOPLE, ORG],
    "finance": [CONTRACTS, PAYMENTS, PAYOUTS, PEOPLE],
    "admin": [ORG, PEOPLE, CUSTOMERS, AUDIT, TOKENS],
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
