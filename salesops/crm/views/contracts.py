"""Pages of the contracts area: contracts and their approval, payments, after-sales hand-off,
the approvals inbox, and channel partners with agreements and performance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.policy import allows
from salesops.crm.forms.contracts import (
    PAYMENT_METHODS,
    AgreementForm,
    ContractEditForm,
    ContractFilterForm,
    ContractLineFormSet,
    HandOffForm,
    PartnerFilterForm,
    PartnerForm,
    PaymentFilterForm,
    PaymentForm,
    bind_actor,
    method_label,
)
from salesops.crm.models import Contract, Partner
from salesops.crm.permissions.contracts import (
    can_manage_contract,
    can_manage_partner,
    can_record_payment,
)
from salesops.crm.selectors import contracts as selectors
from salesops.crm.services import contracts as services

Status = Contract.Status
STATUS_LABELS = dict(Status.choices)


# --- helpers ----------------------------------------------------------------------------------


def _refused(request: HttpRequest, exc: PermissionDenied | str) -> HttpResponse:
    """A 403 page that says why."""
    message = exc if isinstance(exc, str) else (exc.args[0] if exc.args else "")
    return render(request, "crm/contracts/refused.html", {"message": message}, status=403)


def _errors_onto(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _save(form: Any, request: HttpRequest, write: Callable[..., Any], done: str) -> Any:
    """Run a service with the form's data; field errors go back onto the form."""
    try:
        result = write(**form.cleaned_data)
    except ValidationError as exc:
        _errors_onto(form, exc)
        return None
    messages.success(request, done)
    return result


def _act(request: HttpRequest, contract: Contract, write: Callable[[], Any], done: str) -> Any:
    """Run a one-click contract action and go back to the contract with the outcome."""
    try:
        write()
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("crm:contract_detail", pk=contract.pk)


def url_or_blank(route: str, pk: Any) -> str:
    """The URL of another area's page when it exists (those pages may come later)."""
    try:
        return reverse(route, args=[pk]) if pk else ""
    except NoReverseMatch:
        return ""


def _form_page(request: HttpRequest, form: Any, title: str, back: str, **extra: Any) -> Any:
    context = {"form": form, "title": title, "back": back, **extra}
    return render(request, "crm/contracts/form.html", context)


# --- contracts --------------------------------------------------------------------------------

CONTRACT_COLUMNS = [
    Col("number", gettext_lazy("Number"), sort="number"),
    Col("customer", gettext_lazy("Customer"), sort="customer__name", value="customer__name"),
    Col("owner", gettext_lazy("Owner"), sort="owner__display_name", value="owner__display_name"),
    Col("status", gettext_lazy("Status"), sort="status"),
    Col("signed_on", gettext_lazy("Signed on"), sort="signed_on"),
    Col("amount", gettext_lazy("Amount"), sort="amount", align="end"),
    Col("collected", gettext_lazy("Collected"), sort="collected", align="end"),
    Col("outstanding", gettext_lazy("Outstanding"), sort="outstanding", align="end"),
]


def _contract_export_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:3], STATUS_LABELS.get(row[3], row[3]), *row[4:])


def contract_list(request: HttpRequest) -> HttpResponse:
    spec = ListSpec(
        name="contracts",
        columns=CONTRACT_COLUMNS,
        search=["number", "customer__name"],
        filter_form=bind_actor(ContractFilterForm, request.user),
        totals=selectors.CONTRACT_TOTALS,
        default_sort="-number",
        export_transform=_contract_export_row,
    )
    qs = selectors.contracts(actor=request.user)
    return list_response(request, spec, qs, "crm/contracts/contract_list.html")


def _chain_preview(contract: Contract) -> dict[str, Any]:
    """For a draft: the rule that will apply and who will approve, or why nobody can."""
    rule = selectors.approval_rule_for(contract)
    if rule is None:
        return {"rule": None, "chain": [], "chain_error": ""}
    try:
        chain = selectors.approval_chain(owner=contract.owner, up_to=rule.up_to)
    except ValidationError as exc:
        return {"rule": rule, "chain": [], "chain_error": " ".join(exc.messages)}
    return {"rule": rule, "chain": chain, "chain_error": ""}


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    parts = selectors.contract_parts(contract)
    for payment in parts["payments"]:
        payment.method_label = method_label(payment.method)
    step = selectors.current_step(parts["steps"])
    amount = contract.amount
    context = {
        "contract": contract,
        **parts,
        "current": step,
        "can_manage": can_manage_contract(request.user, contract),
        "can_pay": contract.status == Status.SIGNED
        and contract.outstanding > 0
        and can_record_payment(request.user, contract),
        "can_decide": bool(step and step.approver_id == request.user.pk),
        "paid_pct": int(contract.collected * 100 / amount) if amount else 0,
        "customer_url": url_or_blank("crm:customer_detail", contract.customer_id),
        "opportunity_url": url_or_blank("crm:opportunity_detail", contract.opportunity_id),
    }
    if contract.status == Status.DRAFT:
        context.update(_chain_preview(contract))
    return render(request, "crm/contracts/contract_detail.html", context)


def _line_changes(formset: Any, lines: dict[int, Any]) -> list[services.LineChange]:
    changes = []
    for line_form in formset.forms:
        data = line_form.cleaned_data
        if not data or line_form.is_blank:
            continue
        line = lines.get(data["line_id"]) if data.get("line_id") else None
        if data.get("line_id") and line is None:
            raise ValidationError({"lines": _("A line of this form is not on the contract.")})
        changes.append(
            services.LineChange(
                product=data.get("product"),
                quantity=data.get("quantity"),
                unit_price=data.get("unit_price"),
                discount_pct=data.get("discount_pct") or Decimal("0"),
                line=line,
                delete=bool(data.get("delete")),
            )
        )
    return changes


def _edit_forms(request: HttpRequest, contract: Contract, lines: dict[int, Any]) -> Any:
    initial = {"starts_on": contract.starts_on, "ends_on": contract.ends_on}
    initial["amount"] = contract.amount
    rows = [
        {
            "line_id": line.pk,
            "product": line.product_id,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_pct": line.discount_pct,
        }
        for line in lines.values()
    ]
    form = ContractEditForm(request.POST or None, initial=initial)
    formset = ContractLineFormSet(
        request.POST or None, initial=rows, prefix="lines", form_kwargs={"actor": request.user}
    )
    return form, formset


def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not can_manage_contract(request.user, contract):
        return _refused(request, _("Only the owner, their leaders or an administrator."))
    if contract.status != Status.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("crm:contract_detail", pk=contract.pk)
    lines = {line.pk: line for line in contract.lines.select_related("product")}
    form, formset = _edit_forms(request, contract, lines)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.contract_update(
                actor=request.user,
                contract=contract,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                lines=_line_changes(formset, lines),
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("crm:contract_detail", pk=contract.pk)
    context = {"contract": contract, "form": form, "formset": formset, "has_lines": bool(lines)}
    return render(request, "crm/contracts/contract_edit.html", context)


@require_POST
def contract_submit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)

    def write() -> None:
        services.contract_submit(actor=request.user, contract=contract)
        if contract.status == Status.SIGNED:
            messages.info(request, _("No approval was needed: the contract is signed."))

    return _act(request, contract, write, _("The contract is submitted."))


@require_POST
def contract_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)

    def write() -> None:
        services.contract_reopen(actor=request.user, contract=contract)

    return _act(request, contract, write, _("The contract is a draft again."))


@require_POST
def contract_approve(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    reason = request.POST.get("reason", "")

    def write() -> None:
        services.contract_approve(actor=request.user, contract=contract, reason=reason)

    return _act(request, contract, write, _("You approved the contract."))


@require_POST
def contract_reject(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    reason = request.POST.get("reason", "")

    def write() -> None:
        services.contract_reject(actor=request.user, contract=contract, reason=reason)

    return _act(request, contract, write, _("You rejected the contract."))


def contract_hand_off(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not can_manage_contract(request.user, contract):
        return _refused(request, _("Only the owner, their leaders or an administrator."))
    initial = {"service_owner": contract.service_owner_id, "notes": contract.handoff_notes}
    form = HandOffForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():

        def write(**data: Any) -> Any:
            return services.contract_hand_off(actor=request.user, contract=contract, **data)

        if _save(form, request, write, _("The contract is handed to service.")):
            return redirect("crm:contract_detail", pk=contract.pk)
    title = _("Hand %(number)s to service") % {"number": contract.number}
    back = reverse("crm:contract_detail", args=[contract.pk])
    return _form_page(request, form, title, back, contract=contract)


def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not can_record_payment(request.user, contract):
        return _refused(request, _("Only the owner, their leaders, finance or an administrator."))
    if contract.status == Status.SIGNED and contract.outstanding <= 0:
        messages.info(request, _("This contract is fully paid."))
        return redirect("crm:contract_detail", pk=contract.pk)
    form = PaymentForm(request.POST or None, initial={"amount": contract.outstanding})
    if request.method == "POST" and form.is_valid():

        def write(**data: Any) -> Any:
            return services.payment_record(actor=request.user, contract=contract, **data)

        if _save(form, request, write, _("The payment is recorded.")):
            return redirect("crm:contract_detail", pk=contract.pk)
    title = _("Record a payment on %(number)s") % {"number": contract.number}
    back = reverse("crm:contract_detail", args=[contract.pk])
    return _form_page(request, form, title, back, contract=contract)


PAYMENT_COLUMNS = [
    Col("received_on", gettext_lazy("Received on"), sort="received_on"),
    Col("contract", gettext_lazy("Contract"), sort="contract__number", value="contract__number"),
    Col(
        "customer",
        gettext_lazy("Customer"),
        sort="contract__customer__name",
        value="contract__customer__name",
    ),
    Col("amount", gettext_lazy("Amount"), sort="amount", align="end"),
    Col("method", gettext_lazy("Method")),
    Col("reference", gettext_lazy("Reference")),
    Col("recorded_by", gettext_lazy("Recorded by"), value="recorded_by__display_name"),
]


def _payment_export_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:4], method_label(row[4]), *row[5:])


def payment_list(request: HttpRequest) -> HttpResponse:
    spec = ListSpec(
        name="payments",
        columns=PAYMENT_COLUMNS,
        search=["contract__number", "contract__customer__name", "reference"],
        filter_form=PaymentFilterForm,
        totals={"count": Count("pk"), "amount": Sum("amount")},
        default_sort="-received_on",
        export_transform=_payment_export_row,
    )
    qs = selectors.payments(actor=request.user, method_labels=dict(PAYMENT_METHODS))
    return list_response(request, spec, qs, "crm/contracts/payment_list.html")


APPROVAL_COLUMNS = [
    Col("number", gettext_lazy("Number"), sort="number"),
    Col("customer", gettext_lazy("Customer"), sort="customer__name", value="customer__name"),
    Col("owner", gettext_lazy("Owner"), sort="owner__display_name", value="owner__display_name"),
    Col("max_discount_pct", gettext_lazy("Largest discount"), sort="max_discount_pct", align="end"),
    Col("amount", gettext_lazy("Amount"), sort="amount", align="end"),
    Col("updated_at", gettext_lazy("Last change"), sort="updated_at"),
]


def approval_inbox(request: HttpRequest) -> HttpResponse:
    spec = ListSpec(
        name="approvals",
        columns=APPROVAL_COLUMNS,
        search=["number", "customer__name"],
        totals={"count": Count("pk"), "amount": Sum("amount")},
        default_sort="updated_at",
    )
    qs = selectors.approvals_waiting(actor=request.user)
    context = {"decided": selectors.approvals_decided(actor=request.user)}
    return list_response(request, spec, qs, "crm/contracts/approval_inbox.html", context)


# --- partners ---------------------------------------------------------------------------------

PARTNER_COLUMNS = [
    Col("name", gettext_lazy("Name"), sort="name"),
    Col("kind", gettext_lazy("Type"), sort="kind"),
    Col("level", gettext_lazy("Tier"), sort="level"),
    Col("territory", gettext_lazy("Territory"), sort="territory__name", value="territory__name"),
    Col(
        "channel_manager",
        gettext_lazy("Channel manager"),
        sort="channel_manager__display_name",
        value="channel_manager__display_name",
    ),
    Col("open_pipeline", gettext_lazy("Open pipeline"), sort="open_pipeline", align="end"),
    Col("won_this_year", gettext_lazy("Won this year"), sort="won_this_year", align="end"),
    Col("collected", gettext_lazy("Collected"), sort="collected", align="end"),
]


def _partner_export_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    kinds, levels = dict(Partner.Kind.choices), dict(Partner.Level.choices)
    return (row[0], kinds.get(row[1], row[1]), levels.get(row[2], row[2]), *row[3:])


def partner_list(request: HttpRequest) -> HttpResponse:
    spec = ListSpec(
        name="partners",
        columns=PARTNER_COLUMNS,
        search=["name", "contact_name", "phone"],
        filter_form=bind_actor(PartnerFilterForm, request.user),
        totals=selectors.PARTNER_TOTALS,
        default_sort="name",
        export_transform=_partner_export_row,
    )
    qs = selectors.partners(actor=request.user)
    context = {"can_create": allows(request.user, "crm:partner_create")}
    return list_response(request, spec, qs, "crm/partners/partner_list.html", context)


def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(actor=request.user, pk=pk)
    actor = request.user
    context = {
        "partner": partner,
        "performance": selectors.partner_performance(actor=actor, partner=partner),
        "agreements": selectors.partner_agreements(actor=actor, partner=partner),
        "deals": selectors.partner_deals(actor=actor, partner=partner),
        "customers": selectors.partner_customers(actor=actor, partner=partner),
        "can_manage": can_manage_partner(actor, partner),
    }
    return render(request, "crm/partners/partner_detail.html", context)


def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():

        def write(**data: Any) -> Any:
            return services.partner_create(actor=request.user, **data)

        partner = _save(form, request, write, _("The partner is added."))
        if partner:
            return redirect("crm:partner_detail", pk=partner.pk)
    return _form_page(request, form, _("New partner"), reverse("crm:partner_list"))


def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(actor=request.user, pk=pk)
    if not can_manage_partner(request.user, partner):
        return _refused(request, _("Only its channel manager or an administrator."))
    fields = ("name", "kind", "level", "territory", "channel_manager", "contact_name", "phone")
    initial = {name: getattr(partner, name) for name in fields}
    initial["is_active"] = partner.is_active
    form = PartnerForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():

        def write(**data: Any) -> Any:
            return services.partner_update(actor=request.user, partner=partner, **data)

        if _save(form, request, write, _("The partner is saved.")):
            return redirect("crm:partner_detail", pk=partner.pk)
    title = _("Edit %(name)s") % {"name": partner.name}
    return _form_page(request, form, title, reverse("crm:partner_detail", args=[partner.pk]))


def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(actor=request.user, pk=pk)
    if not can_manage_partner(request.user, partner):
        return _refused(request, _("Only its channel manager or an administrator."))
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def write(**data: Any) -> Any:
            return services.agreement_create(actor=request.user, partner=partner, **data)

        if _save(form, request, write, _("The agreement is added.")):
            return redirect("crm:partner_detail", pk=partner.pk)
    title = _("New agreement with %(name)s") % {"name": partner.name}
    return _form_page(request, form, title, reverse("crm:partner_detail", args=[partner.pk]))
