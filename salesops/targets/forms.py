"""Target forms: they shape input for the services and hold no business rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.targets import kpis
from salesops.targets.models import KpiDefinition
from salesops.targets.permissions import actor_led_paths, unit_settable
from salesops.targets.selectors import kpi_catalogue, led_units, visible_people


def period_choices(today: date) -> list[tuple[str, Any]]:
    """Recent and coming periods to pick from: years, quarters, then months."""
    this_year = Period.containing("year", today)
    years = [this_year.next(), this_year, this_year.previous()]
    quarters = this_year.children("quarter") + this_year.previous().children("quarter")
    months = [Period.containing("month", today)]
    for _i in range(14):
        months.insert(0, months[0].previous())
    months += [months[-1].next(), months[-1].next().next()]
    return [
        (str(_("Years")), [(p.key, p.key) for p in years]),
        (str(_("Quarters")), [(p.key, p.key) for p in sorted(quarters, reverse=True)]),
        (str(_("Months")), [(p.key, p.key) for p in reversed(months)]),
    ]


def owner_choices(actor: Any, people_only: bool = False) -> list[tuple[str, Any]]:
    """The units and people the actor may set targets for, as "unit:ID" / "user:ID"."""
    paths = actor_led_paths(actor)
    admin = actor.role == "admin"
    units = (
        []
        if people_only
        else [
            (f"unit:{u.pk}", f"{'· ' * u.depth}{u}")
            for u in led_units(actor=actor)
            if unit_settable(actor, u, paths)
        ]
    )
    people = [
        (f"user:{p.pk}", f"{p} ({p.unit or '—'})")
        for p in visible_people(actor=actor, unit=None)
        if admin or p.pk != actor.pk
    ]
    choices: list[tuple[str, Any]] = [("", "—")]
    if units:
        choices.append((str(_("Units")), units))
    if people:
        choices.append((str(_("People")), people))
    return choices


def split_owner(value: str) -> tuple[User | None, OrgUnit | None]:
    """("user:5") → (that person, None); ("unit:3") → (None, that unit)."""
    kind, _sep, pk = value.partition(":")
    if kind == "user":
        return User.objects.get(pk=int(pk)), None
    return None, OrgUnit.objects.get(pk=int(pk))


class Styled(forms.Form):
    """A form whose widgets carry Tabler's classes (rendered by targets/_fields.html)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("data-testid", f"field-{name}")


def _parses(key: str) -> bool:
    try:
        Period.parse(key)
    except ValueError:
        return False
    return True


class PeriodField(forms.CharField):
    """A period key ("2026", "2026-Q1", "2026-03", "2026-W05") cleaned to a Period."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        try:
            return Period.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Write a period as 2026, 2026-Q1, 2026-03 or 2026-W05.")
            ) from exc


class KpiChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class TargetForm(Styled):
    kpi = KpiChoiceField(label=_("KPI (the measure)"), queryset=KpiDefinition.objects.none())
    owner = forms.ChoiceField(label=_("For"))
    period = PeriodField(label=_("Period (time bound)"), help_text=_("2026, 2026-Q1 or 2026-03"))
    value = forms.DecimalField(label=_("Target"), max_digits=18, decimal_places=2, min_value=0)
    description = forms.CharField(
        label=_("Specific description"),
        max_length=300,
        required=False,
        help_text=_("What exactly is to be achieved, e.g. “new SaaS revenue in Shanghai”."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpi_catalogue(actor=actor)
        self.fields["owner"].choices = owner_choices(actor)


class TargetEditForm(Styled):
    value = forms.DecimalField(label=_("Target"), max_digits=18, decimal_places=2, min_value=0)
    description = forms.CharField(label=_("Specific description"), max_length=300, required=False)
    reason = forms.CharField(
        label=_("Why it changes"),
        max_length=300,
        required=False,
        help_text=_("Required when an approved target changes; kept in its history."),
    )


class ProposalForm(Styled):
    kpi = KpiChoiceField(label=_("KPI"), queryset=KpiDefinition.objects.none())
    period = PeriodField(label=_("Period"), help_text=_("2026, 2026-Q1 or 2026-03"))
    value = forms.DecimalField(
        label=_("My proposed number"), max_digits=18, decimal_places=2, min_value=0
    )
    description = forms.CharField(label=_("How I will get there"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpi_catalogue(actor=actor)


class DecisionForm(Styled):
    value = forms.DecimalField(
        label=_("Approved value"), max_digits=18, decimal_places=2, min_value=0, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ManualResultForm(Styled):
    kpi = KpiChoiceField(label=_("KPI"), queryset=KpiDefinition.objects.none())
    owner = forms.ChoiceField(label=_("For"))
    period = PeriodField(label=_("Period"))
    value = forms.DecimalField(label=_("Result"), max_digits=18, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpi_catalogue(actor=actor).filter(is_manual=True)
        self.fields["owner"].choices = owner_choices(actor)


class FilterForm(Styled):
    """The unit and period (and KPI) of the team table and the target tree."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)
    kpi = forms.ChoiceField(label=_("KPI"), required=False)

    def __init__(
        self, *args: Any, actor: Any, today: date, one_kpi: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Everyone I see"))] + [
            (str(u.pk), f"{'· ' * u.depth}{u}") for u in led_units(actor=actor)
        ]
        choices = period_choices(today)
        asked = str((self.data or {}).get("period", ""))
        known = {key for _group, items in choices for key, _label in items}
        if asked and asked not in known and _parses(asked):
            choices.insert(0, (str(_("Chosen")), [(asked, asked)]))
        self.fields["period"].choices = choices
        kpis: list[tuple[str, Any]] = [(k.code, k.label) for k in kpi_catalogue(actor=actor)]
        self.fields["kpi"].choices = kpis if one_kpi else [("", _("KPIs with targets")), *kpis]


class KpiForm(Styled):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("How it is measured"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=KpiDefinition.Kind.choices)
    unit = forms.ChoiceField(label=_("Unit of measure"), choices=KpiDefinition.Unit.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=KpiDefinition.Direction.choices)
    is_manual = forms.BooleanField(label=_("Reported by hand"), required=False)
    source = forms.ChoiceField(label=_("Records"), required=False)
    aggregate = forms.ChoiceField(label=_("Aggregate"), choices=KpiDefinition.Aggregate.choices)
    measure = forms.ChoiceField(label=_("Measure (for sums and averages)"), required=False)
    date_field = forms.ChoiceField(label=_("Dated by"), required=False)
    filters = forms.CharField(
        label=_("Filters (JSON)"),
        required=False,
        initial="{}",
        help_text=_('e.g. {"product_line": "saas"} or {"customer_tier": ["key", "strategic"]}'),
    )
    numerator = forms.CharField(
        label=_("Ratio numerator filters (JSON)"),
        required=False,
        initial="{}",
        help_text=_('For a ratio, e.g. {"stage_kind": "won"}'),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = kpis.SOURCES.values()
        self.fields["source"].choices = [("", "—")] + [(s.code, s.label) for s in sources]
        self.fields["measure"].choices = [
            ("", "—"),
            *sorted({(k, str(m.label)) for s in sources for k, m in s.measures.items()}),
        ]
        self.fields["date_field"].choices = [
            ("", "—"),
            *sorted({(k, str(label)) for s in sources for k, label in s.dates.items()}),
        ]
        if editing:
            self.fields["code"].disabled = True

    def _json(self, name: str) -> Any:
        text = (self.cleaned_data.get(name) or "").strip() or "{}"
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc

    def clean_filters(self) -> Any:
        return self._json("filters")

    def clean_numerator(self) -> Any:
        return self._json("numerator")


class RampRulesForm(Styled):
    """Up to six onboarding stages: from month, to month, percent."""

    ROWS = 6

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(self.ROWS):
            for name, label in (
                ("from", _("From month")),
                ("to", _("To month")),
                ("pct", _("Percent")),
            ):
                self.fields[f"{name}_{i}"] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_value=600,
                    widget=forms.NumberInput(
                        attrs={"class": "form-control", "data-testid": f"ramp-{name}-{i}"}
                    ),
                )

    def rules(self) -> list[tuple[int, int, int]]:
        result = []
        for i in range(self.ROWS):
            row = [self.cleaned_data.get(f"{n}_{i}") for n in ("from", "to", "pct")]
            if all(v is None for v in row):
                continue
            if any(v is None for v in row):
                raise forms.ValidationError(_("Fill in all three numbers of a stage."))
            result.append((int(row[0]), int(row[1]), int(row[2])))  # type: ignore[arg-type]
        return result

    def rows(self) -> list[list[Any]]:
        return [[self[f"{n}_{i}"] for n in ("from", "to", "pct")] for i in range(self.ROWS)]


def decimal_or_none(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if str(value).strip() else None
    except ArithmeticError:
        return None
