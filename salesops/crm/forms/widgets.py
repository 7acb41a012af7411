"""Form widgets of the CRM.

`RecordPicker` replaces a <select> of every visible record (megabytes at a large company) with
a search box: the page carries only the chosen record, and typing fetches a few matches from
the picker's suggestions route. The field stays a ModelChoiceField over the visible records, so
validation is unchanged: a forged id of a record the actor cannot see is refused. Each model
has a thin subclass naming its route, its texts and how a record is shown: `CustomerPicker`
(crm:customer_picker) and `LeadPicker` (crm:lead_picker, open leads).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django import forms
from django.db.models import Model
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from salesops.crm.models import Lead
from salesops.crm.selectors.accounts import PICKER_LIMIT

# The suggestions' fragment, shared by every picker (its views render it).
OPTIONS_TEMPLATE = "crm/widgets/picker_options.html"


class PickerTexts(NamedTuple):
    """What a picker says: in its empty box, when nothing matches, when more than the limit do."""

    placeholder: str | Promise
    none: str | Promise
    more: str | Promise


CUSTOMER_TEXTS = PickerTexts(
    _("Type part of the name"),
    _("No customer you can see matches."),
    _("More customers match: type more of the name."),
)
LEAD_TEXTS = PickerTexts(
    _("Type part of the title or company"),
    _("No open lead you can see matches."),
    _("More leads match: type more of the title or company."),
)


class RecordPicker(forms.Widget):
    """A search-as-you-type choice of one record: a hidden input holding the record's id (it
    carries the widget's attributes, so htmx attributes there fire when the choice changes)
    and a text box showing the chosen record (static/salesops/picker.js). Each subclass names
    its suggestions' route and its texts; a record is shown as its str() beside its owner."""

    template_name = "crm/widgets/picker.html"
    # The ModelChoiceField sets this to its choices (whose queryset is the visible records).
    choices: Any = ()
    url_name = ""
    texts = PickerTexts("", "", "")

    @staticmethod
    def detail(record: Any) -> str:
        """The secondary text beside an option, to tell look-alikes apart: the owner."""
        return str(record.owner or _("Shared pool"))

    @classmethod
    def suggestions(cls, found: Sequence[Model], text: str) -> dict[str, Any]:
        """The options fragment's context for the matches of `text`: at most PICKER_LIMIT of
        them (`found` may hold one more, meaning more match), and a note when none do. The
        options' element ids start with the route's name, unique when a form has two pickers."""
        return {
            "kind": cls.url_name.rpartition(":")[2],
            "options": [(r.pk, str(r), cls.detail(r)) for r in found[:PICKER_LIMIT]],
            "none_text": cls.texts.none if text.strip() else "",
            "more_text": cls.texts.more if len(found) > PICKER_LIMIT else "",
        }

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["css"] = widget["attrs"].pop("class", "form-control")
        widget["flat_attrs"] = flatatt(widget["attrs"])
        widget["chosen"] = self.chosen(value)
        widget["url"] = reverse(self.url_name)
        widget["placeholder"] = self.texts.placeholder
        return context

    def _render(
        self, template_name: str, context: dict[str, Any], renderer: Any = None
    ) -> SafeString:
        """Rendered by the project's template engine (the form renderer only knows Django's own
        widget templates), so the template lives with the other CRM templates."""
        return mark_safe(render_to_string(template_name, context))  # noqa: S308

    def chosen(self, value: Any) -> Model | None:
        """The record whose id is the value, if the field's queryset has it (an id the actor
        may not see shows nothing, not its name)."""
        text = str(value or "")
        queryset = getattr(self.choices, "queryset", None)
        if not text.isdigit() or queryset is None:
            return None
        return queryset.filter(pk=int(text)).first()  # type: ignore[no-any-return]

    def id_for_label(self, id_: str) -> str:
        """The field's label focuses the text box (the id itself is the hidden input's)."""
        return f"{id_}_search" if id_ else id_


class CustomerPicker(RecordPicker):
    """Choose one of the visible customers by part of its name."""

    url_name = "crm:customer_picker"
    texts = CUSTOMER_TEXTS


class LeadPicker(RecordPicker):
    """Choose one of the visible open leads by part of its title or company (the lead list's
    search); options show the company before the owner."""

    url_name = "crm:lead_picker"
    texts = LEAD_TEXTS

    @staticmethod
    def detail(record: Lead) -> str:
        """The lead's company and owner (or the shared pool)."""
        owner = RecordPicker.detail(record)
        return f"{record.company_name} · {owner}" if record.company_name else owner
