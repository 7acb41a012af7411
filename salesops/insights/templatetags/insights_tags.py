"""Template helpers of the insights pages: numbers in their unit, deltas, drill-down links."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from salesops.insights import links
from salesops.targets.pacing import STATUS_COLORS, STATUS_LABELS

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """1,234,567.50 (— when there is no value)."""
    if value is None or value == "":
        return "—"
    return intcomma(f"{Decimal(value):.2f}")


@register.filter
def in_unit(value: Any, unit: str) -> str:
    """A value in its unit: money, count, percent or days."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if unit == "money":
        return money(number)
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "days":
        return _("%(n)s d") % {"n": f"{number:.1f}"}
    if number == number.to_integral_value():
        return intcomma(int(number))
    return intcomma(f"{number:.1f}")


@register.filter
def signed(value: Any, unit: str = "") -> str:
    """A change with its sign and arrow: ▲ 12.0 / ▼ 3.5."""
    if value is None:
        return "—"
    number = Decimal(value)
    text = in_unit(abs(number), unit) if unit != "pp" else f"{abs(number):.1f}"
    if number > 0:
        return f"▲ {text}"
    return f"▼ {text}" if number < 0 else "±0"


@register.filter
def delta_color(value: Any, better: str = "higher") -> str:
    """Green when the change is for the better, red when for the worse."""
    if value is None or Decimal(value) == 0:
        return "text-secondary"
    up = Decimal(value) > 0
    return "text-green" if up == (better == "higher") else "text-red"


@register.filter
def status_label(status: str) -> Any:
    return STATUS_LABELS.get(status, status)


@register.filter
def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, "secondary")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (dicts and lists); None when missing."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def part(parts: Any, key: str) -> Any:
    """One additive part of a figure (0 when missing)."""
    return (parts or {}).get(key, 0)


@register.filter
def alert_text(alert: Any) -> str:
    """An alert in words."""
    from salesops.insights.selectors.alerts import describe

    return describe(alert)


@register.simple_tag
def drill(lens: Any, metric: str, **extra: Any) -> str:
    """The drill-down URL of a figure: {% drill lens "won" unit=u.pk %}."""
    return links.drill(lens, metric, **extra)


@register.simple_tag
def lens_url(route: str, lens: Any, **extra: Any) -> str:
    """Another insights page for the same lens: {% lens_url "insights:forecast" lens %}."""
    return links.page(route, lens, **extra)


@register.simple_tag
def unit_options(units: Any, chosen: Any) -> SafeString:
    """The lens's unit <option>s, indented by depth, the chosen unit selected: written here in
    one pass (a director's 120 units cost the template ~5 ms a page, variable by variable)."""
    chosen_pk = getattr(chosen, "pk", None)
    options = [
        f'<option value="{int(u.pk)}"{" selected" if u.pk == chosen_pk else ""}>'
        f"{'&nbsp;&nbsp;' * u.depth}{escape(u.name)}</option>"
        for u in units
    ]
    return mark_safe("".join(options))  # noqa: S308  (the names escaped, the rest ours)
