"""Forms of the insights pages. They only shape input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from salesops.crm.forms.widgets import PickerTexts, RecordPicker
from salesops.crm.models import Opportunity
from salesops.insights.models import AlertRule
from salesops.insights.services.alerts import MAX_SNOOZE_DAYS

SNOOZE_CHOICES = [(1, _("1 day")), (3, _("3 days")), (7, _("1 week")), (14, _("2 weeks"))]


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class CategoryForm(forms.Form):
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=Opportunity.Forecast.choices
    )


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Forecast call"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
        help_text=_("What you expect the unit to win in the period, all things considered."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why your call differs from the roll-up; your manager reads this."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class SnoozeForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Snooze for"), choices=SNOOZE_CHOICES, coerce=int, empty_value=None
    )

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if not 1 <= days <= MAX_SNOOZE_DAYS:
            raise forms.ValidationError(_("Choose how long to snooze."))
        return int(days)


class RuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = [
            "name",
            "is_active",
            "severity",
            "escalate",
            "days",
            "percentile",
            "min_samples",
            "min_amount",
            "count",
            "percent",
            "kpi_code",
            "period_kind",
            "tiers",
        ]
        help_texts = {
            "days": _(
                "Stuck deals: the fixed limit when there is too little history. Large "
                "deals: days without activity. Behind pace: working days to wait."
            ),
            "percentile": _(
                "Stuck deals: a stay longer than this percentile of past stays of "
                "the same stage and tier is unusual."
            ),
            "tiers": _("Comma-separated tier codes: strategic, key, core, general."),
            "kpi_code": _("Behind pace: the code of a computed KPI, e.g. won_revenue."),
            "percent": _("Behind pace: alert below this percentage of what was expected by today."),
        }

    #: The fields each kind of rule uses (the others are hidden on its page).
    USES = {
        AlertRule.Kind.STUCK_DEAL: ("days", "percentile", "min_samples"),
        AlertRule.Kind.UNCONTACTED: ("tiers",),
        AlertRule.Kind.BEHIND_PACE: ("kpi_code", "period_kind", "percent", "days"),
        AlertRule.Kind.SLIPPED: ("count",),
        AlertRule.Kind.IDLE_LARGE_DEAL: ("min_amount", "days"),
    }
    COMMON = ("name", "is_active", "severity", "escalate")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        for name in list(self.fields):
            if name not in self.COMMON and name not in self.USES.get(kind, ()):
                del self.fields[name]
        _styled(self)

    def _post_clean(self) -> None:
        """Leave validation and saving to the service (the form only shapes input)."""


PERSON_TEXTS = PickerTexts(
    _("Everyone: type a name"),
    _("No one you can see matches."),
    _("More people match: type more of the name."),
)


class PersonPicker(RecordPicker):
    """The lens toolbar's choice of one person when a unit has too many for a list: a search
    box over the unit's people (insights:person_picker), showing each one's unit. An empty box
    means everyone. The chosen person is the lens's own (already checked visible)."""

    url_name = "insights:person_picker"
    texts = PERSON_TEXTS

    def __init__(self, person: Any, unit: Any, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.person, self.unit = person, unit

    @staticmethod
    def detail(record: Any) -> str:
        """The person's unit, to tell namesakes apart."""
        return str(record.unit or "")

    def chosen(self, value: Any) -> Any:
        return self.person

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        """The suggestions are the lens unit's people; the typed text is not sent with the
        toolbar's form (it names no form), only with the suggestions' request."""
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if self.unit is not None:
            widget["url"] = f"{reverse(self.url_name)}?{urlencode({'unit': self.unit.pk})}"
        widget["box_attrs"] = flatatt({"form": "lens-no-form"})
        return context
