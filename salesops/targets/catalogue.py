"""The shipped KPI catalogue and default ramp rules (installed by a data migration).

`ensure_catalogue()` installs whatever is missing and is safe to run twice; tests that run after
a database flush and the demo call it too.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# code: (English name, translated label, description, kind, unit, direction, definition)
BUILTIN: dict[str, dict[str, Any]] = {
    "won_revenue": {
        "name": "Won revenue",
        "label": _("Won revenue"),
        "description": "Amount of deals won, dated by the day they closed.",
        "kind": "result", "unit": "money", "direction": "higher", "order": 10,
        "source": "won_deals", "aggregate": "sum", "measure": "amount", "date_field": "closed_at",
    },
    "collected_revenue": {
        "name": "Collected revenue",
        "label": _("Collected revenue"),
        "description": "Payments received against contracts, dated by the day received.",
        "kind": "result", "unit": "money", "direction": "higher", "order": 20,
        "source": "payments", "aggregate": "sum", "measure": "amount",
        "date_field": "received_on",
    },
    "new_customers": {
        "name": "New customers",
        "label": _("New customers"),
        "description": "Customers whose first won deal closed in the period (counted for the "
        "owner of that deal).",
        "kind": "result", "unit": "count", "direction": "higher", "order": 30,
        "source": "new_customers", "aggregate": "count", "date_field": "closed_at",
    },
    "avg_deal_size": {
        "name": "Average deal size",
        "label": _("Average deal size"),
        "description": "Average amount of the deals won in the period.",
        "kind": "result", "unit": "money", "direction": "higher", "order": 40,
        "source": "won_deals", "aggregate": "avg", "measure": "amount", "date_field": "closed_at",
    },
    "win_rate": {
        "name": "Win rate",
        "label": _("Win rate"),
        "description": "Deals won out of the deals closed (won or lost) in the period.",
        "kind": "result", "unit": "percent", "direction": "higher", "order": 50,
        "source": "closed_deals", "aggregate": "ratio", "date_field": "closed_at",
        "numerator": {"stage_kind": "won"},
    },
    "sales_cycle": {
        "name": "Sales cycle length",
        "label": _("Sales cycle length"),
        "description": "Average days from opening to winning, of the deals won in the period.",
        "kind": "result", "unit": "days", "direction": "lower", "order": 60,
        "source": "won_deals", "aggregate": "avg", "measure": "cycle_days",
        "date_field": "closed_at",
    },
    "key_account_revenue": {
        "name": "Key-account revenue",
        "label": _("Key-account revenue"),
        "description": "Won revenue from strategic and key customers.",
        "kind": "result", "unit": "money", "direction": "higher", "order": 70,
        "source": "won_deals", "aggregate": "sum", "measure": "amount", "date_field": "closed_at",
        "filters": {"customer_tier": ["strategic", "key"]},
    },
    "csat": {
        "name": "Customer satisfaction",
        "label": _("Customer satisfaction"),
        "description": "Reported by hand (score out of 100) until satisfaction surveys exist.",
        "kind": "result", "unit": "score", "direction": "higher", "order": 80,
        "is_manual": True, "aggregate": "avg",
    },
    "visits": {
        "name": "Customer visits",
        "label": _("Customer visits"),
        "description": "Visits done, dated by when they were done.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 110,
        "source": "activities", "aggregate": "count", "date_field": "done_at",
        "filters": {"kind": "visit"},
    },
    "calls": {
        "name": "Calls",
        "label": _("Calls"),
        "description": "Calls done, dated by when they were done.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 120,
        "source": "activities", "aggregate": "count", "date_field": "done_at",
        "filters": {"kind": "call"},
    },
    "proposals": {
        "name": "Proposals sent",
        "label": _("Proposals sent"),
        "description": "Proposal activities done.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 130,
        "source": "activities", "aggregate": "count", "date_field": "done_at",
        "filters": {"kind": "proposal"},
    },
    "follow_ups": {
        "name": "Follow-ups done",
        "label": _("Follow-ups done"),
        "description": "Follow-up activities done.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 140,
        "source": "activities", "aggregate": "count", "date_field": "done_at",
        "filters": {"kind": "follow_up"},
    },
    "new_leads": {
        "name": "New leads",
        "label": _("New leads"),
        "description": "Leads created, counted for their owner.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 150,
        "source": "leads", "aggregate": "count", "date_field": "created_at",
    },
    "opportunities_created": {
        "name": "Opportunities created",
        "label": _("Opportunities created"),
        "description": "Deals opened, counted for their owner.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 160,
        "source": "opportunities", "aggregate": "count", "date_field": "created_at",
    },
    "coaching_visits": {
        "name": "Coaching visits",
        "label": _("Coaching visits"),
        "description": "Coaching visits done, counted for the leaders who joined them.",
        "kind": "process", "unit": "count", "direction": "higher", "order": 170,
        "source": "coaching", "aggregate": "count", "date_field": "done_at",
    },
}  # fmt: skip

DEFAULT_RAMP = [(1, 3, 30), (4, 6, 60), (7, 12, 90)]

FIELDS = ("name", "description", "kind", "unit", "direction", "order", "source", "aggregate",
          "measure", "date_field", "filters", "numerator", "is_manual")  # fmt: skip


def definition(code: str) -> dict[str, Any]:
    """The model field values of a shipped KPI."""
    spec = BUILTIN[code]
    values = {name: spec.get(name, "") for name in FIELDS}
    values["filters"] = spec.get("filters", {})
    values["numerator"] = spec.get("numerator", {})
    values["is_manual"] = spec.get("is_manual", False)
    return values


def install(kpi_model: Any, ramp_model: Any) -> None:
    """Create the shipped KPIs and ramp rules that are missing (models may be historical)."""
    for code in BUILTIN:
        kpi_model.objects.get_or_create(code=code, defaults=definition(code))
    if not ramp_model.objects.exists():
        for first, last, pct in DEFAULT_RAMP:
            ramp_model.objects.create(from_month=first, to_month=last, percent=pct)


def ensure_catalogue() -> None:
    """Install the shipped KPIs and default ramp rules if missing (safe to run twice)."""
    from salesops.targets.models import KpiDefinition, RampRule

    install(KpiDefinition, RampRule)


def translated_name(kpi: Any) -> Any:
    """The translated label of a shipped KPI still under its shipped name, else its name."""
    spec = BUILTIN.get(kpi.code)
    if spec is not None and kpi.name == spec["name"]:
        return spec["label"]
    return kpi.name
