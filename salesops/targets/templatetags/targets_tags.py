"""Template filters of the targets pages: numbers in a KPI's unit, status badges."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from salesops.targets.pacing import STATUS_COLORS, STATUS_LABELS

register = template.Library()


@register.filter
def kpi_value(value: Any, kpi: Any) -> str:
    """A value written in its KPI's unit: 1,234.50 / 12 / 45.5% / 30.7 days / 88."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    unit = getattr(kpi, "unit", "money")
    if unit == "count" or unit == "score":
        whole = number == number.to_integral_value()
        return intcomma(int(number)) if whole else intcomma(f"{number:.2f}")
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "days":
        return _("%(n)s d") % {"n": f"{number:.1f}"}
    return intcomma(f"{number:.2f}")


@register.filter
def status_label(status: str) -> Any:
    return STATUS_LABELS.get(status, status)


@register.filter
def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, "secondary")


@register.filter
def signed(value: Any, kpi: Any) -> str:
    """A difference with its sign: +1,200.00 / −300.00."""
    if value is None:
        return "—"
    number = Decimal(value)
    text = kpi_value(abs(number), kpi)
    return f"+{text}" if number > 0 else (f"−{text}" if number < 0 else text)


@register.filter
def as_json(value: Any) -> str:
    """A JSON value as written in the KPI definition form."""
    return json.dumps(value, ensure_ascii=False)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (dicts and lists)."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
