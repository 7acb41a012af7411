"""CRM pages of the accounts area: leads (list, forms, BANT, conversion), the shared pool and
the import pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesops.core.exports import csv_response
from salesops.core.imports import read_table
from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.policy import allows
from salesops.core.visibility import get_visible_or_404
from salesops.crm import importers
from salesops.crm.forms import accounts as forms
from salesops.crm.forms.widgets import LeadPicker
from salesops.crm.importers.accounts import IMPORTERS
from salesops.crm.models import Lead
from salesops.crm.models.choices import Source, Tier
from salesops.crm.selectors import accounts as selectors
from salesops.crm.services import accounts as services
from salesops.crm.services import accounts_pool as pool
from salesops.crm.views.accounts import (
    act,
    form_errors,
    form_page,
    picker_view,
    run_service,
    safe_next,
)

STATUS_LABELS = dict(Lead.Status.choices)
SOURCE_LABELS = dict(Source.choices)
LEAD_COLUMNS = [
    Col("title", gettext_lazy("Title"), sort="title"),
    Col("company_name", gettext_lazy("Company"), sort="company_name"),
    Col("contact_name", gettext_lazy("Contact")),
    Col("status", gettext_lazy("Status"), sort="status"),
    Col("source", gettext_lazy("Source"), sort="source"),
    Col("bant", gettext_lazy("BANT"), sort="bant", align="center"),
    Col("owner", gettext_lazy("Owner"), sort="owner__username", value="owner__display_name"),
    Col("last_activity_at", gettext_lazy("Last follow-up"), sort="last_activity_at"),
    Col("created_at", gettext_lazy("Created"), sort="created_at"),
]


def _lead_export_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    title, company, contact, status, source, bant, owner, last, created = row
    status, source = STATUS_LABELS.get(status, status), SOURCE_LABELS.get(source, source)
    return (title, company, contact, status, source, f"{bant}/4", owner or _("Pool"), last, created)


def lead_url(pk: int) -> str:
    return reverse("crm:lead_detail", args=[pk])


def lead_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    spec = ListSpec(
        name="leads",
        columns=LEAD_COLUMNS,
        search=list(selectors.LEAD_SEARCH),
        filter_form=forms.lead_filter_form(actor),
        totals={"count": Count("pk")},
        default_sort="-created_at",
        export_transform=_lead_export_row,
    )
    qs = selectors.leads_for_list(actor=actor)
    return list_response(request, spec, qs, "crm/accounts/lead_list.html")


# The lead picker's suggestions: visible open leads matching the lead list's search.
lead_picker = picker_view(LeadPicker, selectors.lead_matches)


def lead_create(request: HttpRequest) -> HttpResponse:
    form = forms.LeadForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.lead_create(actor=request.user, **form.cleaned_data)  # noqa: E731
        lead = run_service(request, form, write, _("The lead is recorded."))
        if lead:
            return redirect("crm:lead_detail", pk=lead.pk)
    return form_page(request, form, _("New lead"), cancel=reverse("crm:lead_list"), columns=True)


def _lead(request: HttpRequest, pk: int) -> Lead:
    qs = Lead.objects.select_related("owner", "territory", "partner", "customer", "opportunity")
    return get_visible_or_404(qs, request.user, pk=pk)  # type: ignore[no-any-return]


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    lead = _lead(request, pk)
    is_open = lead.status not in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED)
    owned = lead.owner_id is not None
    may_change = is_open and (owned or actor.role in selectors.LEADER_ROLES)
    context = {
        "lead": lead,
        "bant": forms.BantForm(initial=model_to_dict(lead)),
        "disqualify": forms.DisqualifyForm(),
        "activities": selectors.lead_activities(actor=actor, lead=lead),
        "may_change": may_change,
        "can_convert": may_change and owned and lead.status == Lead.Status.QUALIFIED,
        "can_claim": is_open and not owned and allows(actor, "crm:lead_claim"),
        "can_release": is_open
        and owned
        and (lead.owner_id == actor.pk or actor.role in selectors.LEADER_ROLES),
        "can_assign": is_open and allows(actor, "crm:lead_assign"),
    }
    return render(request, "crm/accounts/lead_detail.html", context)


def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    initial = model_to_dict(lead, fields=forms.LEAD_EDIT_FIELDS)
    form = forms.LeadForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda: services.lead_update(  # noqa: E731
            actor=request.user, lead=lead, **form.cleaned_data
        )
        if run_service(request, form, write, _("The lead is saved.")):
            return redirect("crm:lead_detail", pk=lead.pk)
    return form_page(request, form, _("Edit %s") % lead, cancel=lead_url(lead.pk), columns=True)


@require_POST
def lead_qualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = forms.BantForm(request.POST)
    form.is_valid()  # four optional check boxes: always valid
    write = lambda: services.lead_qualify(  # noqa: E731
        actor=request.user, lead=lead, **form.cleaned_data
    )
    return act(request, write, _("The qualification is saved."), lead_url(lead.pk))


@require_POST
def lead_disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    reason = request.POST.get("reason", "")
    write = lambda: services.lead_disqualify(  # noqa: E731
        actor=request.user, lead=lead, reason=reason
    )
    return act(request, write, _("The lead is disqualified."), lead_url(lead.pk))


def _convert_initial(lead: Lead) -> dict[str, Any]:
    return {
        "customer_mode": "new",
        "customer_name": lead.company_name,
        "contact_name": lead.contact_name,
        "contact_title": lead.contact_title,
        "contact_phone": lead.phone,
        "contact_email": lead.email,
        "opportunity_name": lead.title,
        "amount": lead.budget_amount,
    }


def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    lead = _lead(request, pk)
    form = forms.ConvertForm(request.POST or None, actor=actor, initial=_convert_initial(lead))
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("customer_mode")
        try:
            lead = services.lead_convert(actor=actor, lead=lead, **data)
        except services.DuplicateCustomer as exc:
            duplicates = exc.matches
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The lead is converted."))
            return redirect("crm:customer_detail", pk=lead.customer_id)
    context = {
        "lead": lead,
        "form": form,
        "duplicates": duplicates,
        "options": selectors.convert_options(actor=actor, lead=lead),
    }
    return render(request, "crm/accounts/lead_convert.html", context)


@require_POST
def lead_claim(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    write = lambda: pool.lead_claim(actor=request.user, lead=lead)  # noqa: E731
    return act(request, write, _("The lead is yours now."), lead_url(lead.pk))


@require_POST
def lead_release(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    reason = request.POST.get("reason", "")
    write = lambda: pool.lead_release(actor=request.user, lead=lead, reason=reason)  # noqa: E731
    return act(request, write, _("The lead is back in the pool."), lead_url(lead.pk))


def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = forms.AssignForm(request.POST or None, actor=request.user)
    back = safe_next(request, lead_url(lead.pk))
    if request.method == "POST" and form.is_valid():
        write = lambda: pool.lead_assign(  # noqa: E731
            actor=request.user, lead=lead, owner=form.cleaned_data["owner"]
        )
        if run_service(request, form, write, _("The lead has a new owner.")):
            return redirect(back)
    title = _("Assign %s to someone") % lead
    return form_page(request, form, title, cancel=back, next=back)


# --- the pool -------------------------------------------------------------------------------

POOL_LEAD_COLUMNS = [
    Col("title", gettext_lazy("Title"), sort="title"),
    Col("company_name", gettext_lazy("Company"), sort="company_name"),
    Col("source", gettext_lazy("Source"), sort="source"),
    Col("territory", gettext_lazy("Territory"), sort="territory__name", value="territory__name"),
    Col("created_at", gettext_lazy("In the records since"), sort="created_at"),
]
POOL_CUSTOMER_COLUMNS = [
    Col("name", gettext_lazy("Name"), sort="name"),
    Col("tier", gettext_lazy("Tier"), sort="tier"),
    Col("industry", gettext_lazy("Industry"), sort="industry"),
    Col("territory", gettext_lazy("Territory"), sort="territory__name", value="territory__name"),
    Col("last_contact_at", gettext_lazy("Last contact"), sort="last_contact_at"),
]


def pool_page(request: HttpRequest, kind: str = "leads") -> HttpResponse:
    actor = request.user
    filter_form = forms.pool_filter_form(actor)
    if kind == "leads":
        spec = ListSpec(
            name="pool_leads",
            columns=POOL_LEAD_COLUMNS,
            search=["title", "company_name"],
            filter_form=filter_form,
            default_sort="-created_at",
            export_transform=lambda r: (*r[:2], SOURCE_LABELS.get(r[2], r[2]), *r[3:]),
        )
        qs: Any = selectors.pool_leads(actor=actor)
    else:
        tiers = dict(Tier.choices)
        spec = ListSpec(
            name="pool_customers",
            columns=POOL_CUSTOMER_COLUMNS,
            search=["name", "industry"],
            filter_form=filter_form,
            default_sort="name",
            export_transform=lambda r: (r[0], tiers.get(r[1], r[1]), *r[2:]),
        )
        qs = selectors.pool_customers(actor=actor)
    context = {
        "kind": kind,
        "holdings": selectors.holdings(user=actor),
        "can_claim": allows(actor, "crm:lead_claim"),
        "can_assign": allows(actor, "crm:lead_assign"),
        "counts": selectors.pool_counts(actor=actor),
    }
    return list_response(request, spec, qs, "crm/accounts/pool.html", context)


# --- imports --------------------------------------------------------------------------------


def import_template(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "customers")
    importer = IMPORTERS.get(kind, IMPORTERS["customers"])
    header = [str(col.label) for col in importer.columns]
    return csv_response(f"{kind if kind in IMPORTERS else 'customers'}-template", header, [])


def _preview_rows(importer: Any, result: Any) -> list[list[str]]:
    keys = [col.key for col in importer.columns]
    return [[_cell(importer.label(k, row.get(k))) for k in keys] for row in result.preview]


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if value is True or value is False:
        return _("yes") if value else _("no")
    return str(value)


def _import_confirm(request: HttpRequest, confirm: Any) -> dict[str, Any] | None:
    """Run the kept upload in the chosen mode; None when nothing is kept any more."""
    kept = importers.stashed(request)
    if kept is None or not confirm.is_valid():
        return None
    kind, filename, rows = kept
    result = IMPORTERS[kind](request.user).run(rows, mode=confirm.cleaned_data["mode"])
    if result.saved:
        importers.drop_stash(request)
    return {"stage": "done", "kind": kind, "filename": filename, "result": result}


def _import_preview(request: HttpRequest, upload: Any) -> dict[str, Any] | None:
    """Read and check an upload without saving, and keep its rows; None if unreadable."""
    kind, file = upload.cleaned_data["kind"], upload.cleaned_data["file"]
    try:
        rows = read_table(file, file.name)
    except Exception:  # a damaged or disguised file: openpyxl, zip and csv all raise
        upload.add_error("file", _("This file cannot be read as CSV or Excel."))
        return None
    importer = IMPORTERS[kind](request.user)
    result = importer.run(rows, preview=True)
    importers.stash_rows(request, kind, file.name, rows)
    preview = _preview_rows(importer, result)
    return {
        "stage": "preview",
        "kind": kind,
        "filename": file.name,
        "result": result,
        "rows": preview,
        "columns": importer.columns,
    }


def import_page(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every problem by row and column) → confirm in a mode → result."""
    kind = request.POST.get("kind") or request.GET.get("kind") or "customers"
    confirming = request.method == "POST" and "confirm" in request.POST
    data = None if confirming else (request.POST or None)
    upload = forms.ImportForm(data, request.FILES or None, initial={"kind": kind})
    confirm = forms.ImportConfirmForm(request.POST if confirming else None)
    context: dict[str, Any] = {
        "upload": upload,
        "confirm": confirm,
        "kind": kind,
        "kinds": forms.ImportForm.KINDS,
    }
    if confirming:
        outcome = _import_confirm(request, confirm)
        if outcome is None:
            messages.error(request, _("The uploaded file is no longer kept; upload it again."))
            return redirect("crm:import")
        context.update(outcome)
    elif request.method == "POST" and upload.is_valid():
        context.update(_import_preview(request, upload) or {})
    return render(request, "crm/accounts/import.html", context)
