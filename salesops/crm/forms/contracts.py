"""Forms of the contracts area: list filters, draft edits, decisions, payments, hand-off,
partners and agreements (services do the writes and hold the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesops.core.widgets import DateInput
from salesops.crm.models import Contract, Partner, Product
from salesops.org.models import Territory, User
from salesops.org.roles import CAREER_LADDER, Role

PAYMENT_METHODS = [
    ("bank_transfer", _("Bank transfer")),
    ("acceptance_bill", _("Bank acceptance bill")),
    ("online", _("Online payment")),
    ("cheque", _("Cheque")),
    ("cash", _("Cash")),
    ("other", _("Other")),
]


def method_label(code: str) -> str:
    """The readable name of a payment method code (the code itself when unknown)."""
    return str(dict(PAYMENT_METHODS).get(code, code))


def _people(actor: Any, positions: Any = None) -> QuerySet[User]:
    qs = User.objects.visible_to(actor).filter(is_active=True)
    if positions is not None:
        qs = qs.filter(position__in=positions)
    return qs.order_by("display_name", "username")


class ActorForm(forms.Form):
    """A form whose choices depend on who fills it in."""

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        self.actor = actor
        super().__init__(*args, **kwargs)


def bind_actor(form_class: type[ActorForm], actor: Any) -> type[forms.Form]:
    """A subclass of an actor form that list pages can build from the query string alone."""

    class Bound(form_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, actor=actor, **kwargs)

    return Bound


class ContractFilterForm(ActorForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Contract.Status.choices],
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("All owners")
    )
    signed_from = forms.DateField(label=_("Signed from"), required=False, widget=DateInput)
    signed_to = forms.DateField(label=_("Signed until"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people(self.actor, CAREER_LADDER)

    def apply(self, qs: QuerySet) -> QuerySet:
        data = self.cleaned_data
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("owner"):
            qs = qs.filter(owner=data["owner"])
        if data.get("signed_from"):
            qs = qs.filter(signed_on__gte=data["signed_from"])
        if data.get("signed_to"):
            qs = qs.filter(signed_on__lte=data["signed_to"])
        return qs


class PaymentFilterForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=[("", _("All methods")), *PAYMENT_METHODS]
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput)

    def apply(self, qs: QuerySet) -> QuerySet:
        data = self.cleaned_data
        if data.get("method"):
            qs = qs.filter(method=data["method"])
        if data.get("received_from"):
            qs = qs.filter(received_on__gte=data["received_from"])
        if data.get("received_to"):
            qs = qs.filter(received_on__lte=data["received_to"])
        return qs


class ContractEditForm(forms.Form):
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DateInput)
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DateInput)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=18,
        decimal_places=2,
        min_value=0,
        help_text=_("Only for a contract without lines; otherwise the lines make the amount."),
    )


class ContractLineForm(forms.Form):
    line_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=Product.objects.none()
    )
    quantity = forms.DecimalField(label=_("Quantity"), required=False, decimal_places=2)
    unit_price = forms.DecimalField(
        label=_("Unit price"), required=False, max_digits=18, decimal_places=2
    )
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"), required=False, decimal_places=2, initial=0
    )
    delete = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.visible_to(actor).filter(is_active=True)

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("line_id") and not data.get("product")


ContractLineFormSet = forms.formset_factory(ContractLineForm, extra=1)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    method = forms.ChoiceField(label=_("Method"), choices=PAYMENT_METHODS)
    reference = forms.CharField(label=_("Reference"), max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class HandOffForm(ActorForm):
    service_owner = forms.ModelChoiceField(label=_("Service owner"), queryset=User.objects.none())
    notes = forms.CharField(
        label=_("Hand-off notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_owner"].queryset = _people(self.actor)


class PartnerFilterForm(ActorForm):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Partner.Kind.choices]
    )
    level = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All tiers")), *Partner.Level.choices]
    )
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        required=False,
        queryset=Territory.objects.none(),
        empty_label=_("All territories"),
    )
    channel_manager = forms.ModelChoiceField(
        label=_("Channel manager"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All channel managers"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.visible_to(self.actor)
        self.fields["channel_manager"].queryset = _people(self.actor, [Role.CHANNEL_MANAGER])

    def apply(self, qs: QuerySet) -> QuerySet:
        data = self.cleaned_data
        for name in ("kind", "level", "territory", "channel_manager"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        return qs


class PartnerForm(ActorForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Partner.Kind.choices)
    level = forms.ChoiceField(label=_("Tier"), choices=Partner.Level.choices)
    territory = forms.ModelChoiceField(
        label=_("Territory"), required=False, queryset=Territory.objects.none()
    )
    channel_manager = forms.ModelChoiceField(
        label=_("Channel manager"), required=False, queryset=User.objects.none()
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.visible_to(self.actor)
        if self.actor.role == Role.ADMIN:
            self.fields["channel_manager"].queryset = _people(self.actor, [Role.CHANNEL_MANAGER])
        else:
            del self.fields["channel_manager"]
        if not editing:
            del self.fields["is_active"]


class AgreementForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=40)
    starts_on = forms.DateField(label=_("Starts"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends"), widget=DateInput)
    rebate_pct = forms.DecimalField(
        label=_("Rebate (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
