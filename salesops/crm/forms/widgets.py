"""Form widgets of the CRM.

`CustomerPicker` replaces a <select> of every visible customer (megabytes at a large company)
with a search box: the page carries only the chosen customer, and typing fetches a few matches
from crm:customer_picker. The field stays a ModelChoiceField over the visible customers, so
validation is unchanged: a forged id of a customer the actor cannot see is refused.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from salesops.crm.models import Customer


class CustomerPicker(forms.Widget):
    """A search-as-you-type customer choice: a hidden input holding the customer's id (it
    carries the widget's attributes, so htmx attributes there fire when the choice changes)
    and a text box showing the chosen customer's name (static/salesops/picker.js)."""

    template_name = "crm/widgets/customer_picker.html"
    # The ModelChoiceField sets this to its choices (whose queryset is the visible customers).
    choices: Any = ()

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["css"] = widget["attrs"].pop("class", "form-control")
        widget["flat_attrs"] = flatatt(widget["attrs"])
        widget["chosen"] = self.chosen(value)
        widget["url"] = reverse("crm:customer_picker")
        return context

    def _render(
        self, template_name: str, context: dict[str, Any], renderer: Any = None
    ) -> SafeString:
        """Rendered by the project's template engine (the form renderer only knows Django's own
        widget templates), so the template lives with the other CRM templates."""
        return mark_safe(render_to_string(template_name, context))  # noqa: S308

    def chosen(self, value: Any) -> Customer | None:
        """The customer whose id is the value, if the field's queryset has it (an id the actor
        may not see shows nothing, not its name)."""
        text = str(value or "")
        queryset = getattr(self.choices, "queryset", None)
        if not text.isdigit() or queryset is None:
            return None
        return queryset.filter(pk=int(text)).first()  # type: ignore[no-any-return]

    def id_for_label(self, id_: str) -> str:
        """The field's label focuses the text box (the id itself is the hidden input's)."""
        return f"{id_}_search" if id_ else id_
