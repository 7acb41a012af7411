"""Forms of the CRM accounts area (views pass their cleaned data to the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from salesops.core.imports import MODES
from salesops.core.lists import AlwaysBound
from salesops.core.widgets import DateInput
from salesops.crm.forms.widgets import CustomerPicker
from salesops.crm.models import Contact, CrmSettings, Customer, Lead, Partner, TierStandard
from salesops.crm.models.choices import Source, Tier
from salesops.crm.selectors import accounts as selectors
from salesops.org.models import Territory

LEAD_EDIT_FIELDS = [
    "title",
    "company_name",
    "contact_name",
    "contact_title",
    "phone",
    "email",
    "source",
    "territory",
    "partner",
    "budget_amount",
    "notes",
]
CUSTOMER_EDIT_FIELDS = [
    "name",
    "kind",
    "tier",
    "status",
    "industry",
    "size",
    "territory",
    "source",
    "tax_number",
    "phone",
    "address",
    "partner",
]


def _limit(form: forms.BaseForm, actor: Any) -> None:
    """Restrict reference fields to what the actor may see."""
    if "territory" in form.fields:
        form.fields["territory"].queryset = Territory.objects.visible_to(actor).filter(
            is_active=True
        )
    if "partner" in form.fields:
        form.fields["partner"].queryset = Partner.objects.visible_to(actor).filter(is_active=True)


def _owner_field(actor: Any, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Owner"),
        queryset=selectors.assignable_people(actor=actor),
        required=required,
        empty_label=None if required else _("— Shared pool —"),
    )


class CustomerForm(forms.ModelForm):
    allow_duplicate = forms.BooleanField(
        label=_("Create it anyway, it is not a duplicate"), required=False
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_EDIT_FIELDS

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, actor)
        if editing:
            del self.fields["allow_duplicate"]
        else:
            self.fields["owner"] = _owner_field(actor)
            self.fields["owner"].initial = actor.pk

    def validate_unique(self) -> None:
        """Duplicates are the service's business (it warns and offers to go on)."""


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "buying_role", "phone", "email", "is_primary"]


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = LEAD_EDIT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, actor: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, actor)
        if not editing:
            self.fields["owner"] = _owner_field(actor)
            self.fields["owner"].initial = actor.pk


class BantForm(forms.Form):
    budget_ok = forms.BooleanField(label=_("Budget: the money is there"), required=False)
    authority_ok = forms.BooleanField(label=_("Authority: we know who decides"), required=False)
    need_ok = forms.BooleanField(label=_("Need: the need is confirmed"), required=False)
    timeline_ok = forms.BooleanField(label=_("Timeline: we know when"), required=False)


class DisqualifyForm(forms.Form):
    reason = forms.CharField(label=_("Why is it not worth pursuing?"), max_length=200)


class ConvertForm(forms.Form):
    MODE_CHOICES = [("new", _("Create a new customer")), ("existing", _("Add to an existing one"))]
    customer_mode = forms.ChoiceField(
        label=_("Customer"), choices=MODE_CHOICES, widget=forms.RadioSelect, initial="new"
    )
    customer_name = forms.CharField(label=_("New customer's name"), max_length=200, required=False)
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        queryset=Customer.objects.none(),
        required=False,
        widget=CustomerPicker,
    )
    allow_duplicate = forms.BooleanField(
        label=_("Create it anyway, it is not a duplicate"), required=False
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100)
    contact_title = forms.CharField(label=_("Contact job title"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200)
    amount = forms.DecimalField(
        label=_("Expected amount"), max_digits=18, decimal_places=2, min_value=0, required=False
    )
    expected_close = forms.DateField(
        label=_("Expected close date"), widget=DateInput, required=False
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = selectors.customers(actor=actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("customer_mode") == "existing" and not data.get("customer"):
            self.add_error("customer", _("Choose the existing customer."))
        if data.get("customer_mode") == "new":
            data["customer"] = None
        return data


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=Customer.objects.none())

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(actor, required=True)
        self.fields["owner"].label = _("New owner")


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(label=_("Duplicate"), queryset=Customer.objects.none())

    def __init__(self, *args: Any, candidates: QuerySet[Customer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = candidates


class TierStandardForm(forms.ModelForm):
    class Meta:
        model = TierStandard
        fields = ["max_days_between_contacts", "response_hours", "counterpart"]


class PoolSettingsForm(forms.ModelForm):
    class Meta:
        model = CrmSettings
        fields = [
            "lead_return_days",
            "customer_return_days",
            "max_leads_per_rep",
            "max_customers_per_rep",
        ]


class ImportForm(forms.Form):
    KINDS = [("customers", _("Customers")), ("contacts", _("Contacts")), ("leads", _("Leads"))]
    kind = forms.ChoiceField(label=_("What to import"), choices=KINDS)
    file = forms.FileField(label=_("CSV or Excel file (.csv, .xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class ImportConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("If some rows are bad"),
        choices=list(MODES.items()),
        initial="all",
        widget=forms.RadioSelect,
    )


# --- list filters (built per request: the owner choices depend on who is looking) -----------

POOL_CHOICES = [("", _("Owned")), ("all", _("Owned + pool")), ("yes", _("Pool only"))]


def _pool(qs: QuerySet[Any], choice: str) -> QuerySet[Any]:
    if choice == "yes":
        return qs.filter(owner__isnull=True)
    return qs if choice == "all" else qs.filter(owner__isnull=False)


def customer_filter_form(actor: Any) -> type[forms.Form]:
    """The filter form of the customer list, with the owners the actor may see."""

    class CustomerFilter(AlwaysBound):
        tier = forms.ChoiceField(
            label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices]
        )
        status = forms.ChoiceField(
            label=_("Status"),
            required=False,
            choices=[("", _("All statuses")), *Customer.Status.choices],
        )
        owner = forms.ModelChoiceField(
            label=_("Owner"),
            required=False,
            queryset=selectors.owner_choices(actor=actor),
            empty_label=_("All owners"),
        )
        territory = forms.ModelChoiceField(
            label=_("Territory"),
            required=False,
            empty_label=_("All territories"),
            queryset=Territory.objects.visible_to(actor),
        )
        industry = forms.CharField(label=_("Industry"), required=False)
        pool = forms.ChoiceField(label=_("Pool"), required=False, choices=POOL_CHOICES)
        overdue = forms.ChoiceField(
            label=_("Contact"),
            required=False,
            choices=[("", _("Any contact")), ("yes", _("Overdue"))],
        )

        def apply(self, qs: QuerySet[Customer]) -> QuerySet[Customer]:
            data = self.cleaned_data
            for name in ("tier", "status", "owner", "territory"):
                if data.get(name):
                    qs = qs.filter(**{name: data[name]})
            if data.get("industry"):
                qs = qs.filter(industry__icontains=data["industry"])
            qs = _pool(qs, data.get("pool", ""))
            if data.get("overdue") == "yes":
                qs = qs.filter(selectors.overdue_q(selectors.tier_standards()))
            return qs

    return CustomerFilter


def lead_filter_form(actor: Any) -> type[forms.Form]:
    """The filter form of the lead list, with the owners the actor may see."""

    class LeadFilter(AlwaysBound):
        status = forms.ChoiceField(
            label=_("Status"),
            required=False,
            choices=[("", _("All statuses")), *Lead.Status.choices],
        )
        source = forms.ChoiceField(
            label=_("Source"), required=False, choices=[("", _("All sources")), *Source.choices]
        )
        owner = forms.ModelChoiceField(
            label=_("Owner"),
            required=False,
            queryset=selectors.owner_choices(actor=actor),
            empty_label=_("All owners"),
        )
        pool = forms.ChoiceField(label=_("Pool"), required=False, choices=POOL_CHOICES)

        def apply(self, qs: QuerySet[Lead]) -> QuerySet[Lead]:
            data = self.cleaned_data
            for name in ("status", "source", "owner"):
                if data.get(name):
                    qs = qs.filter(**{name: data[name]})
            qs = _pool(qs, data.get("pool", ""))
            return qs

    return LeadFilter


def pool_filter_form(actor: Any) -> type[forms.Form]:
    """The filter form of the pool page."""

    class PoolFilter(forms.Form):
        territory = forms.ModelChoiceField(
            label=_("Territory"),
            required=False,
            empty_label=_("All territories"),
            queryset=Territory.objects.visible_to(actor),
        )
        source = forms.ChoiceField(
            label=_("Source"), required=False, choices=[("", _("All sources")), *Source.choices]
        )

        def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
            data = self.cleaned_data
            for name in ("territory", "source"):
                if data.get(name):
                    qs = qs.filter(**{name: data[name]})
            return qs

    return PoolFilter
