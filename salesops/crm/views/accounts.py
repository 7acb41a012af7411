"""CRM pages of the accounts area: customers (list, 360, forms, owner, merge), contacts, tier
service standards and pool rules. Leads, the pool and imports are in views/accounts_leads.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, QuerySet
from django.forms import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.policy import allows
from salesops.core.selectors import search
from salesops.core.visibility import get_visible_or_404
from salesops.crm.forms import accounts as forms
from salesops.crm.forms.widgets import OPTIONS_TEMPLATE, CustomerPicker, RecordPicker
from salesops.crm.models import Contact, Customer, TierStandard
from salesops.crm.models.choices import Tier
from salesops.crm.selectors import accounts as selectors
from salesops.crm.services import accounts as services
from salesops.crm.services import accounts_pool as pool

# --- helpers shared by the accounts pages ---------------------------------------------------


def form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's validation errors onto the form (unknown fields: on the form itself)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def run_service(request: HttpRequest, form: Any, write: Callable[[], Any], done: str) -> Any:
    """Call a service; on refusal put the errors on the form and return None."""
    try:
        result = write()
    except ValidationError as exc:
        form_errors(form, exc)
        return None
    messages.success(request, done)
    return result


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` address given with a request (posted or in the query), when on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else fallback


def act(request: HttpRequest, write: Callable[[], Any], done: str, back: str) -> HttpResponse:
    """A one-click action: run the service, flash the outcome, go back."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(safe_next(request, back))


def form_page(
    request: HttpRequest, form: Any, title: str, cancel: str, **extra: Any
) -> HttpResponse:
    """The generic form page of the area: a title, the fields, Save and Cancel."""
    context = {"form": form, "title": title, "cancel": cancel, **extra}
    return render(request, "crm/accounts/form.html", context)


def customer_url(pk: int) -> str:
    return reverse("crm:customer_detail", args=[pk])


# --- customers ------------------------------------------------------------------------------

TIER_LABELS = dict(Tier.choices)
STATUS_LABELS = dict(Customer.Status.choices)
CUSTOMER_COLUMNS = [
    Col("name", gettext_lazy("Name"), sort="name"),
    Col("tier", gettext_lazy("Tier"), sort="tier_rank"),
    Col("status", gettext_lazy("Status"), sort="status"),
    Col("owner", gettext_lazy("Owner"), sort="owner__username", value="owner__display_name"),
    Col("territory", gettext_lazy("Territory"), sort="territory__name", value="territory__name"),
    Col("industry", gettext_lazy("Industry"), sort="industry"),
    Col("last_contact_at", gettext_lazy("Last contact"), sort="last_contact_at"),
    Col("service", gettext_lazy("Service standard"), value="is_overdue"),
    Col("phone", gettext_lazy("Phone")),
]


def _customer_export_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    name, tier, status, owner, territory, industry, last, overdue, phone = row
    service = _("Overdue") if overdue else _("Within standard")
    tier, status = TIER_LABELS.get(tier, tier), STATUS_LABELS.get(status, status)
    return (name, tier, status, owner or _("Pool"), territory, industry, last, service, phone)


def customer_list_source(request: HttpRequest) -> tuple[ListSpec, QuerySet[Customer]]:
    """The customer list's spec (filters bound to the actor) and rows (with service status)."""
    actor = request.user
    spec = ListSpec(
        name="customers",
        columns=CUSTOMER_COLUMNS,
        search=["name", "phone", "tax_number"],
        filter_form=forms.customer_filter_form(actor),
        totals={"count": Count("pk")},
        default_sort="name",
        export_transform=_customer_export_row,
    )
    return spec, selectors.customers_for_list(actor=actor)


def customer_list(request: HttpRequest) -> HttpResponse:
    spec, qs = customer_list_source(request)
    context = {"can_create": allows(request.user, "crm:customer_create")}
    return list_response(request, spec, qs, "crm/accounts/customer_list.html", context)


def picker_view(
    picker: type[RecordPicker], matches: Callable[..., Sequence[Model]]
) -> Callable[[HttpRequest], HttpResponse]:
    """A picker's suggestions route: `matches(actor=, text=)` for the typed text `q`, shown as
    the picker's options fragment (an htmx fragment; at most PICKER_LIMIT, a note when more
    match). Read-only, so GET only."""

    @require_GET
    def suggestions(request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "")
        found = matches(actor=request.user, text=text)
        return render(request, OPTIONS_TEMPLATE, picker.suggestions(found, text))

    return suggestions


# The customer picker's suggestions: visible customers whose name contains the text.
customer_picker = picker_view(CustomerPicker, selectors.customer_matches)


def customer_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.CustomerForm(request.POST or None, actor=actor)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            customer = services.customer_create(actor=actor, **data)
        except services.DuplicateCustomer as exc:
            duplicates = exc.matches
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The customer is created."))
            return redirect("crm:customer_detail", pk=customer.pk)
    return render(
        request,
        "crm/accounts/customer_form.html",
        {"form": form, "title": _("New customer"), "duplicates": duplicates},
    )


def _customer(request: HttpRequest, pk: int) -> Customer:
    qs = Customer.objects.select_related("owner", "territory", "partner", "merged_into")
    return get_visible_or_404(qs, request.user, pk=pk)  # type: ignore[no-any-return]


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    customer = _customer(request, pk)
    owned = customer.owner_id is not None
    context = {
        "customer": customer,
        **selectors.customer_360(actor=actor, customer=customer),
        "can_change": not customer.merged_into_id
        and (owned or actor.role in selectors.LEADER_ROLES),
        "can_assign": allows(actor, "crm:customer_assign") and not customer.merged_into_id,
        "can_claim": not owned and allows(actor, "crm:customer_claim"),
        "can_release": owned
        and (customer.owner_id == actor.pk or actor.role in selectors.LEADER_ROLES),
        "can_merge": allows(actor, "crm:customer_merge") and not customer.merged_into_id,
    }
    return render(request, "crm/accounts/customer_detail.html", context)


def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    initial = model_to_dict(customer, fields=forms.CUSTOMER_EDIT_FIELDS)
    form = forms.CustomerForm(
        request.POST or None, actor=request.user, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        write = lambda: services.customer_update(  # noqa: E731
            actor=request.user, customer=customer, **form.cleaned_data
        )
        if run_service(request, form, write, _("The customer is saved.")):
            return redirect("crm:customer_detail", pk=customer.pk)
    title = _("Edit %s") % customer
    return form_page(request, form, title, cancel=customer_url(customer.pk), columns=True)


def customer_assign(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.AssignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        write = lambda: pool.customer_assign(  # noqa: E731
            actor=request.user, customer=customer, owner=form.cleaned_data["owner"]
        )
        if run_service(request, form, write, _("The customer has a new owner.")):
            return redirect(safe_next(request, customer_url(customer.pk)))
    title = _("Assign %s to someone") % customer
    back = safe_next(request, customer_url(customer.pk))
    return form_page(request, form, title, cancel=back, next=back)


@require_POST
def customer_claim(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    write = lambda: pool.customer_claim(actor=request.user, customer=customer)  # noqa: E731
    return act(request, write, _("The customer is yours now."), customer_url(customer.pk))


@require_POST
def customer_release(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    reason = request.POST.get("reason", "")
    write = lambda: pool.customer_release(  # noqa: E731
        actor=request.user, customer=customer, reason=reason
    )
    return act(request, write, _("The customer is back in the pool."), customer_url(customer.pk))


def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    survivor = _customer(request, pk)
    candidates = selectors.customers(actor=actor).exclude(pk=survivor.pk)
    form = forms.MergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.customer_merge(  # noqa: E731
            actor=actor, survivor=survivor, duplicate=form.cleaned_data["duplicate"]
        )
        if run_service(request, form, write, _("The customers are merged.")):
            return redirect("crm:customer_detail", pk=survivor.pk)
    query = request.GET.get("q", "").strip()
    context = {
        "customer": survivor,
        "form": form,
        "q": query,
        "likely": selectors.merge_candidates(actor=actor, survivor=survivor),
        "found": search(candidates, ("name",), query)[:20] if query else [],
    }
    return render(request, "crm/accounts/customer_merge.html", context)


# --- contacts -------------------------------------------------------------------------------


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.contact_create(  # noqa: E731
            actor=request.user, customer=customer, **form.cleaned_data
        )
        if run_service(request, form, write, _("The contact is added.")):
            return redirect("crm:customer_detail", pk=customer.pk)
    return form_page(
        request, form, _("New contact at %s") % customer, cancel=customer_url(customer.pk)
    )


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_visible_or_404(Contact.objects.select_related("customer"), request.user, pk=pk)
    initial = model_to_dict(contact, fields=forms.ContactForm.Meta.fields)
    form = forms.ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.contact_update(  # noqa: E731
            actor=request.user, contact=contact, **form.cleaned_data
        )
        if run_service(request, form, write, _("The contact is saved.")):
            return redirect("crm:customer_detail", pk=contact.customer_id)
    return form_page(
        request, form, _("Edit %s") % contact, cancel=customer_url(contact.customer_id)
    )


@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_visible_or_404(Contact.objects.select_related("customer"), request.user, pk=pk)
    back = customer_url(contact.customer_id)
    write = lambda: services.contact_delete(actor=request.user, contact=contact)  # noqa: E731
    return act(request, write, _("The contact is deleted."), back)


# --- configuration: tier standards and pool rules -------------------------------------------


def tier_list(request: HttpRequest) -> HttpResponse:
    order = {tier: i for i, tier in enumerate(Tier.values)}
    standards = sorted(TierStandard.objects.visible_to(request.user), key=lambda s: order[s.tier])
    context = {"standards": standards, "can_edit": allows(request.user, "crm:tier_edit")}
    return render(request, "crm/accounts/tier_list.html", context)


def tier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = get_visible_or_404(TierStandard, request.user, pk=pk)
    initial = model_to_dict(standard, fields=forms.TierStandardForm.Meta.fields)
    form = forms.TierStandardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.tier_standard_update(  # noqa: E731
            actor=request.user, standard=standard, **form.cleaned_data
        )
        if run_service(request, form, write, _("The service standard is saved.")):
            return redirect("crm:tier_list")
    title = _("Service standard: %s") % standard
    return form_page(request, form, title, cancel=reverse("crm:tier_list"))


def pool_settings(request: HttpRequest) -> HttpResponse:
    from salesops.crm.models import CrmSettings

    current = CrmSettings.current()
    initial = model_to_dict(current, fields=forms.PoolSettingsForm.Meta.fields)
    form = forms.PoolSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.crm_settings_update(  # noqa: E731
            actor=request.user, **form.cleaned_data
        )
        if run_service(request, form, write, _("The pool rules are saved.")):
            return redirect("crm:pool_settings")
    return render(request, "crm/accounts/pool_settings.html", {"form": form})
