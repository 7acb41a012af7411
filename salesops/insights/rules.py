"""The shipped alert rules (installed by a data migration; administrators tune them on a page).

`ensure_rules()` installs whatever is missing and is safe to run twice; tests that run after a
database flush and the demo call it too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

# code: the rule's field values; "label" is the translated name shown while the name is unchanged.
SHIPPED: dict[str, dict[str, Any]] = {
    "stuck-deal": {
        "kind": "stuck_deal",
        "name": "Deal stuck in its stage",
        "label": _("Deal stuck in its stage"),
        "severity": "warning",
        "escalate": 1,
        "percentile": 90,
        "min_samples": 8,
        "days": 30,
    },
    "key-customer-uncontacted": {
        "kind": "customer_uncontacted",
        "name": "Strategic or key customer not contacted",
        "label": _("Strategic or key customer not contacted"),
        "severity": "warning",
        "escalate": 1,
        "tiers": "strategic,key",
    },
    "core-customer-uncontacted": {
        "kind": "customer_uncontacted",
        "name": "Core customer not contacted",
        "label": _("Core customer not contacted"),
        "severity": "info",
        "escalate": 0,
        "tiers": "core",
    },
    "behind-pace": {
        "kind": "behind_pace",
        "name": "Behind pace on won revenue",
        "label": _("Behind pace on won revenue"),
        "severity": "warning",
        "escalate": 1,
        "kpi_code": "won_revenue",
        "period_kind": "month",
        "percent": 80,
        "days": 5,
    },
    "close-date-slipped": {
        "kind": "close_date_slipped",
        "name": "Close date slipped three times or more",
        "label": _("Close date slipped three times or more"),
        "severity": "warning",
        "escalate": 1,
        "count": 3,
    },
    "large-deal-idle": {
        "kind": "large_deal_idle",
        "name": "Large deal with no activity for 14 days",
        "label": _("Large deal with no activity for 14 days"),
        "severity": "critical",
        "escalate": 2,
        "min_amount": Decimal("500000.00"),
        "days": 14,
    },
}


def defaults(code: str) -> dict[str, Any]:
    """The model field values of a shipped rule."""
    return {k: v for k, v in SHIPPED[code].items() if k != "label"}


def install(rule_model: Any) -> None:
    """Create the shipped rules that are missing (the model may be a historical one)."""
    for code in SHIPPED:
        rule_model.objects.get_or_create(code=code, defaults=defaults(code))


def ensure_rules() -> None:
    """Install the shipped rules if missing (safe to run twice)."""
    from salesops.insights.models import AlertRule

    install(AlertRule)


def label(rule: Any) -> Any:
    """The translated name of a shipped rule still under its shipped name, else its name."""
    spec = SHIPPED.get(rule.code)
    if spec is not None and rule.name == spec["name"]:
        return spec["label"]
    return rule.name
