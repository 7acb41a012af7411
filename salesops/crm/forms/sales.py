"""Forms of the CRM sales area: deals, lines, stage moves, activities, filters, import.

Forms only shape input; the services decide. Choice lists come from the sales selectors, so a
person is only ever offered what they may see.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesops.core.imports import MODES
from salesops.core.lists import AlwaysBound
from salesops.core.periods import Period
from salesops.core.widgets import DateInput, DateTimeInput
from salesops.crm.forms.widgets import CustomerPicker, LeadPicker
from salesops.crm.models import (
    Activity,
    Contact,
    Customer,
    Lead,
    Opportunity,
    OpportunityLine,
    Partner,
    Product,
    Stage,
)
from salesops.crm.models.choices import Source, Tier
from salesops.crm.selectors import sales as selectors
from salesops.org.models import ProductLine, User


def _styled(form: forms.Form) -> None:
    """Tabler classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class SalesForm(forms.Form):
    """A form that knows who fills it in (for its choice lists)."""

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.setup()
        _styled(self)

    def setup(self) -> None:
        """Set the actor-dependent choice lists."""


class ActorFilter(forms.Form):
    """A list filter form whose choice lists depend on the signed-in person."""

    actor: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup()

    def setup(self) -> None:
        """Set the actor-dependent choice lists."""

    @classmethod
    def for_actor(cls, actor: Any) -> type[forms.Form]:
        """This filter bound to an actor (core.lists builds it from the query string)."""
        return type(cls.__name__, (cls,), {"actor": actor})


# --- opportunities ----------------------------------------------------------------------------


# The deal list's filters that rollups of the deals per owner and stage (and month of expected
# close) answer; any other filter (a new one too) sends the totals back to the deals
ROLLED_UP = frozenset({"status", "stage", "owner", "close_from", "close_to"})


def _whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None] | None:
    """The first days of the first and last months of expected close from `start` to `end`
    when they are whole months (core.periods; either may be open); None when a bound cuts a
    month."""
    first = None if start is None else Period.containing("month", start)
    last = None if end is None else Period.containing("month", end)
    if (first is not None and first.start != start) or (last is not None and last.end != end):
        return None
    return (None if first is None else first.start), (None if last is None else last.start)


class OpportunityFilter(AlwaysBound, ActorFilter):
    """The deal list's filters: open deals when the list opens."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open deals")),
            ("won", _("Won")),
            ("lost", _("Lost")),
            ("all", _("Open, won and lost")),
        ],
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), required=False, empty_label=_("All stages")
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("All owners")
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.none(),
        required=False,
        empty_label=_("All product lines"),
    )
    tier = forms.ChoiceField(
        label=_("Customer tier"), required=False, choices=[*_blank(_("All tiers")), *Tier.choices]
    )
    close_from = forms.DateField(label=_("Expected close from"), required=False, widget=DateInput)
    close_to = forms.DateField(label=_("Expected close until"), required=False, widget=DateInput)

    def setup(self) -> None:
        self.fields["stage"].queryset = selectors.stages(actor=self.actor)
        self.fields["owner"].queryset = selectors.team_members(actor=self.actor)
        self.fields["product_line"].queryset = ProductLine.objects.visible_to(self.actor).filter(
            is_active=True
        )

    def rolled_up(self) -> dict[str, Any] | None:
        """What `selectors.deal_totals` needs to total the deals the list shows when only the
        status, stage, owner and whole months of expected close narrow them (the list as it
        opens, a team's won deals, one person's, next quarter's): the stages (ids; None for
        all), the owner (or None) and the months (first and last; None for any date). None
        when another filter narrows them, a date cuts a month, or a field has a bad value."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        if any(value for name, value in data.items() if name not in ROLLED_UP):
            return None
        months = None
        if data["close_from"] or data["close_to"]:
            months = _whole_months(data["close_from"], data["close_to"])
            if months is None:
                return None
        stage, kind = self._stages()
        if stage is not None:
            stages: list[int] | None = [stage.pk]
        else:
            stages = None if kind is None else selectors.stage_ids(kind)
        return {"stages": stages, "owner": data["owner"], "months": months}

    def _stages(self) -> tuple[Stage | None, str | None]:
        """The stage picked, else the kind of the stages shown (open by default; None for
        every stage): a picked stage overrides the status."""
        stage, status = self.cleaned_data.get("stage"), self.cleaned_data.get("status") or ""
        if stage:
            return stage, None
        return None, (None if status == "all" else status or Stage.Kind.OPEN)

    def apply(self, qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        data = self.cleaned_data
        stage, kind = self._stages()
        if kind is not None:
            qs = selectors.of_stage_kind(qs, kind, actor=self.actor)
        if stage is not None:
            qs = qs.filter(stage=stage)
        if data.get("owner"):
            qs = qs.filter(owner=data["owner"])
        if data.get("product_line"):
            qs = selectors.with_product_line(qs, data["product_line"])
        if data.get("tier"):
            qs = qs.filter(customer__tier=data["tier"])
        if data.get("close_from"):
            qs = qs.filter(expected_close__gte=data["close_from"])
        if data.get("close_to"):
            qs = qs.filter(expected_close__lte=data["close_to"])
        return qs


class OpportunityForm(SalesForm):
    """A new deal."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), widget=CustomerPicker
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    expected_close = forms.DateField(
        label=_("Expected close date"), required=False, widget=DateInput
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[*_blank("—"), *Source.choices]
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.none(), required=False
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def setup(self) -> None:
        self.fields["customer"].queryset = selectors.customers(actor=self.actor)
        self.fields["owner"].queryset = selectors.team_members(actor=self.actor)
        self.fields["partner"].queryset = selectors.partners(actor=self.actor)
        self.fields["product_line"].queryset = ProductLine.objects.visible_to(self.actor).filter(
            is_active=True
        )


class OpportunityEditForm(SalesForm):
    """A deal's details (the customer and the stage change elsewhere)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    expected_close = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=DateInput,
        help_text=_("Moving it later counts as a slip."),
    )
    amount = forms.DecimalField(
        label=_("Estimated amount"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Once the deal has product lines, the amount is their sum."),
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    need_confirmed = forms.BooleanField(label=_("The customer's need is confirmed"), required=False)
    decision_maker = forms.ModelChoiceField(
        label=_("Decision maker"), queryset=Contact.objects.none(), required=False
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=Opportunity.Forecast.choices
    )
    competitors = forms.CharField(label=_("Competitors"), max_length=300, required=False)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[*_blank("—"), *Source.choices]
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.none(), required=False
    )

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        self.opportunity = opportunity
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        opp = self.opportunity
        owners = selectors.team_members(actor=self.actor)
        self.fields["owner"].queryset = owners.model.objects.filter(
            Q(pk__in=owners.values("pk")) | Q(pk=opp.owner_id)
        )
        self.fields["decision_maker"].queryset = selectors.contacts_of(
            actor=self.actor, customer_id=opp.customer_id
        )
        self.fields["partner"].queryset = selectors.partners(actor=self.actor, also=opp.partner_id)
        self.fields["product_line"].queryset = ProductLine.objects.visible_to(self.actor)
        if opp.lines.exists():
            del self.fields["amount"]


class LineForm(SalesForm):
    """A product line of a deal."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, min_value=0, initial=1
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Leave empty for the list price."),
    )
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=0,
    )

    def __init__(self, *args: Any, line: OpportunityLine | None = None, **kwargs: Any) -> None:
        self.line = line
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        if self.line is not None:
            del self.fields["product"]
            self.fields["unit_price"].required = True
            self.fields["unit_price"].help_text = ""
            return
        self.fields["product"].queryset = selectors.products(actor=self.actor).filter(
            is_active=True
        )


class MoveForm(SalesForm):
    """Move a deal to another stage (a lost deal needs a reason)."""

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    lost_reason = forms.ChoiceField(
        label=_("Lost reason"),
        required=False,
        choices=[*_blank("—"), *Opportunity.LostReason.choices],
    )
    lost_note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def setup(self) -> None:
        self.fields["stage"].queryset = selectors.stages(actor=self.actor).filter(is_active=True)


class BoardFilter(ActorFilter):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("All owners")
    )
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.none(),
        required=False,
        empty_label=_("All product lines"),
    )

    def setup(self) -> None:
        self.fields["owner"].queryset = selectors.team_members(actor=self.actor)
        self.fields["product_line"].queryset = ProductLine.objects.visible_to(self.actor).filter(
            is_active=True
        )


class ProductFilter(forms.Form):
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.filter(is_active=True),
        required=False,
        empty_label=_("All product lines"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("On sale")), ("all", _("All products")), ("no", _("No longer sold"))],
    )

    def apply(self, qs: QuerySet[Product]) -> QuerySet[Product]:
        data = self.cleaned_data
        if data.get("product_line"):
            qs = qs.filter(product_line=data["product_line"])
        active = data.get("active") or ""
        if active != "all":
            qs = qs.filter(is_active=active != "no")
        return qs


# --- activities -------------------------------------------------------------------------------


class ActivityForm(SalesForm):
    """Log an activity: planned (when it is due) or done (when, and how it went)."""

    STATES = [("planned", _("Planned")), ("done", _("Done"))]

    kind = forms.ChoiceField(label=_("Type"), choices=Activity.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    state = forms.ChoiceField(
        label=_("Status"), choices=STATES, initial="planned", widget=forms.RadioSelect
    )
    due_at = forms.DateTimeField(label=_("Planned for"), required=False, widget=DateTimeInput)
    done_at = forms.DateTimeField(label=_("Done at"), required=False, widget=DateTimeInput)
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        widget=CustomerPicker,
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False
    )
    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=Lead.objects.none(), required=False, widget=LeadPicker
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    companions = forms.ModelMultipleChoiceField(
        label=_("Joined by"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("A leader joining the visit makes it a coaching visit."),
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def setup(self) -> None:
        customer_id = self._chosen("customer")
        deals = selectors.opportunities(actor=self.actor).filter(stage__kind=Stage.Kind.OPEN)
        self.fields["customer"].queryset = selectors.customers(actor=self.actor)
        self.fields["contact"].queryset = selectors.contacts_of(
            actor=self.actor, customer_id=customer_id
        )
        self.fields["opportunity"].queryset = (
            deals.filter(customer_id=customer_id) if customer_id else deals.filter(owner=self.actor)
        )
        self.fields["lead"].queryset = selectors.open_leads(actor=self.actor)
        self.fields["owner"].queryset = selectors.team_members(actor=self.actor)
        companions = self.fields["companions"]
        companions.queryset = selectors.companion_choices(actor=self.actor).exclude(
            pk=self.actor.pk
        )
        companions.label_from_instance = lambda u: f"{u} · {u.get_position_display()}"
        self.fields["customer"].widget.attrs.update(
            {
                "data-testid": "activity-customer",
                "hx-get": reverse("crm:activity_create"),
                "hx-target": "#activity-fields",
                "hx-select": "#activity-fields",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
            }
        )

    def _chosen(self, name: str) -> int | None:
        raw: Any = self.data.get(name) if self.is_bound else self.initial.get(name)
        text = str(getattr(raw, "pk", raw) or "")
        return int(text) if text.isdigit() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") == "done":
            data["due_at"] = data.get("due_at") if data.get("due_at") else None
            if not data.get("done_at"):
                self.add_error("done_at", _("When was it done?"))
        else:
            data["done_at"] = None
            if not data.get("due_at"):
                self.add_error("due_at", _("When is it planned for?"))
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the activity_log service takes it."""
        data = dict(self.cleaned_data)
        data.pop("state", None)
        return data


class CompleteForm(SalesForm):
    """Mark a planned activity done."""

    done_at = forms.DateTimeField(label=_("Done at"), widget=DateTimeInput)
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def setup(self) -> None:
        if not self.is_bound:
            self.initial.setdefault(
                "done_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class ActivityFilter(ActorFilter):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[*_blank(_("All types")), *Activity.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*_blank(_("Any status")), ("overdue", _("Overdue")), *Activity.Status.choices],
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("All owners")
    )
    coaching = forms.ChoiceField(
        label=_("Coaching"),
        required=False,
        choices=[
            ("", _("Coaching or not")),
            ("yes", _("Coaching visits")),
            ("no", _("Not coaching")),
        ],
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def setup(self) -> None:
        self.fields["owner"].queryset = selectors.team_members(actor=self.actor)

    def apply(self, qs: QuerySet[Activity]) -> QuerySet[Activity]:
        data = self.cleaned_data
        status = data.get("status")
        if status == "overdue":
            qs = qs.filter(status=Activity.Status.PLANNED, due_at__lt=timezone.now())
        elif status:
            qs = qs.filter(status=status)
        for name in ("kind", "owner"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("coaching"):
            qs = qs.filter(is_coaching=data["coaching"] == "yes")
        day = Q(done_at__isnull=False)
        if data.get("since"):
            qs = qs.filter(
                (day & Q(done_at__date__gte=data["since"]))
                | (~day & Q(due_at__date__gte=data["since"]))
            )
        if data.get("until"):
            qs = qs.filter(
                (day & Q(done_at__date__lte=data["until"]))
                | (~day & Q(due_at__date__lte=data["until"]))
            )
        return qs


class PersonFilter(SalesForm):
    """Pick one member of the team."""

    person = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )

    def setup(self) -> None:
        self.fields["person"].queryset = selectors.team_members(actor=self.actor).exclude(
            pk=self.actor.pk
        )


# --- import -----------------------------------------------------------------------------------


class ImportForm(forms.Form):
    """Step 1 of an import: what, and the file."""

    KINDS = [("opportunities", _("Opportunities")), ("activities", _("Activities"))]

    kind = forms.ChoiceField(label=_("What to import"), choices=KINDS)
    file = forms.FileField(label=_("CSV or Excel file (.csv, .xlsx)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class ImportConfirmForm(forms.Form):
    """Step 2 of an import: what to do when some rows are bad."""

    mode = forms.ChoiceField(
        label=_("If some rows are bad"),
        choices=list(MODES.items()),
        initial="all",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)
