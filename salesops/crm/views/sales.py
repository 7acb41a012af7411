"""Pages of the CRM sales area: products, stages, deals and their lines, the pipeline board,
activities and import. Views shape requests; the sales services decide and write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesops.core.exports import csv_response
from salesops.core.htmx import render_page
from salesops.core.imports import read_table
from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.visibility import get_visible_or_404
from salesops.crm.forms import sales as forms
from salesops.crm.importers import drop_stash, stash_rows, stashed
from salesops.crm.importers.sales import IMPORTERS
from salesops.crm.models import Activity, Opportunity, Stage
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services

L = gettext_lazy


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _save(form: Any, request: HttpRequest, write: Callable[..., Any], done: str) -> Any:
    """Run a service with the form's data; its field errors go back onto the form."""
    try:
        result = write(**form.cleaned_data)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return None
    messages.success(request, done)
    return result if result is not None else True


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else fallback


def _form_page(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    return render(request, "crm/sales/form.html", {"form": form, "title": title, **extra})


# --- products and stages ----------------------------------------------------------------------

PRODUCT_SPEC = ListSpec(
    name="products",
    columns=[
        Col("code", L("Code"), sort="code"),
        Col("name", L("Name"), sort="name"),
        Col(
            "product_line", L("Product line"), sort="product_line__name", value="product_line__name"
        ),
        Col("unit", L("Unit")),
        Col("list_price", L("List price"), sort="list_price", align="end"),
    ],
    search=["code", "name"],
    filter_form=forms.ProductFilter,
    default_sort="product_line",
)


def product_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.products(actor=request.user)
    context = {"admin_url": reverse("admin:crm_product_changelist")}
    return list_response(request, PRODUCT_SPEC, qs, "crm/sales/product_list.html", context)


def stage_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "stage": stage,
            "criteria": [
                services.ENTRY_CRITERIA[k].label if k in services.ENTRY_CRITERIA else k
                for k in stage.requirements or []
            ],
        }
        for stage in selectors.stages(actor=request.user)
    ]
    context = {"rows": rows, "admin_url": reverse("admin:crm_stage_changelist")}
    return render(request, "crm/sales/stage_list.html", context)


# --- opportunities ----------------------------------------------------------------------------


def _rolled_up_totals(request: HttpRequest, form: Any) -> dict[str, Any] | None:
    """The deal list's totals from the rollups of the deals per owner and stage (and month of
    expected close) when at most the status, stage, owner and whole months of expected close
    narrow it (core.lists asks only when nothing is searched): the list as it opens, a team's
    won or lost deals, one person's, one stage's, next quarter's."""
    shown = form.rolled_up()
    if shown is None:
        return None
    return selectors.deal_totals(actor=request.user, **shown)


OPPORTUNITY_SPEC = ListSpec(
    name="opportunities",
    columns=[
        Col("name", L("Opportunity"), sort="name"),
        Col("customer", L("Customer"), sort="customer__name", value="customer__name"),
        Col("stage", L("Stage"), sort="stage__order", value="stage__name"),
        Col("owner", L("Owner"), sort="owner_name", value="owner_name"),
        Col("amount", L("Amount"), sort="amount", align="end"),
        Col("probability", L("Probability (%)"), sort="probability", align="end"),
        Col("weighted", L("Weighted"), sort="weighted", align="end"),
        Col("expected_close", L("Expected close"), sort=selectors.by_expected_close),
        Col(
            "slips", L("Slips"), sort="close_date_changes", value="close_date_changes", align="end"
        ),
    ],
    search=["name", "customer__name", "next_step"],
    totals={"count": Count("pk"), "amount": Sum("amount"), "weighted_sum": Sum("weighted")},
    known_totals=_rolled_up_totals,
    default_sort="expected_close",
)


def opportunity_list_source(request: HttpRequest) -> tuple[ListSpec, QuerySet[Opportunity]]:
    """The deal list's spec (filters bound to the actor) and visible rows (the filters' default
    status keeps the open deals)."""
    spec = replace(OPPORTUNITY_SPEC, filter_form=forms.OpportunityFilter.for_actor(request.user))
    return spec, selectors.opportunity_list_rows(actor=request.user)


def opportunity_list(request: HttpRequest) -> HttpResponse:
    spec, qs = opportunity_list_source(request)
    return list_response(request, spec, qs, "crm/sales/opportunity_list.html")


def opportunity_create(request: HttpRequest) -> HttpResponse:
    initial = {"owner": request.user.pk, "customer": request.GET.get("customer")}
    form = forms.OpportunityForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        deal = _save(
            form,
            request,
            lambda **d: services.opportunity_create(actor=request.user, **d),
            _("The opportunity is created."),
        )
        if deal:
            return redirect("crm:opportunity_detail", pk=deal.pk)
    return _form_page(request, form, _("New opportunity"), testid="opportunity-form")


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_visible_or_404(selectors.opportunities(actor=request.user), request.user, pk=pk)
    funnel = selectors.open_stages(actor=request.user)
    following = selectors.next_stage(deal, funnel)
    can_change = selectors.editable_opportunities(actor=request.user).filter(pk=deal.pk).exists()
    context = {
        "deal": deal,
        "lines": selectors.opportunity_lines(deal),
        "path": selectors.stage_path(deal, funnel),
        "stays": selectors.stage_stays(deal),
        "activities": selectors.opportunity_activities(actor=request.user, opportunity=deal),
        "next_stage": following,
        "unmet": services.unmet_criteria(deal, following) if following else [],
        "contract": selectors.contract_of(deal),
        "can_change": can_change,
        "move_form": forms.MoveForm(actor=request.user) if can_change else None,
        "is_open": deal.stage.kind == Stage.Kind.OPEN,
        "now": timezone.now(),
    }
    return render(request, "crm/sales/opportunity_detail.html", context)


def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_visible_or_404(
        selectors.editable_opportunities(actor=request.user), request.user, pk=pk
    )
    fields = (
        "name",
        "owner",
        "expected_close",
        "amount",
        "next_step",
        "need_confirmed",
        "decision_maker",
        "forecast_category",
        "competitors",
        "source",
        "partner",
        "product_line",
    )
    initial = {f: getattr(deal, f) for f in fields}
    form = forms.OpportunityEditForm(
        request.POST or None, actor=request.user, opportunity=deal, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.opportunity_update(  # noqa: E731
            actor=request.user, opportunity=deal, **d
        )
        if _save(form, request, write, _("The opportunity is saved.")):
            return redirect("crm:opportunity_detail", pk=deal.pk)
    title = _("Edit %(name)s") % {"name": deal}
    return _form_page(request, form, title, testid="opportunity-edit-form", cancel=deal)


def _move_failed(request: HttpRequest, exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_visible_or_404(
        selectors.editable_opportunities(actor=request.user), request.user, pk=pk
    )
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = forms.MoveForm(request.POST, actor=request.user)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.opportunity_move_stage(
                actor=request.user, opportunity=deal, **form.cleaned_data
            )
        except ValidationError as exc:
            errors = _move_failed(request, exc)
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
    if wants_json:
        body = {"ok": not errors, "errors": errors, "stage": deal.stage.code}
        return JsonResponse(body, status=400 if errors else 200)
    if errors:
        for error in errors:
            messages.error(request, error)
    else:
        messages.success(request, _("Moved to %(stage)s.") % {"stage": deal.stage})
    return redirect(_next(request, reverse("crm:opportunity_detail", args=[deal.pk])))


def opportunity_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_visible_or_404(
        selectors.editable_opportunities(actor=request.user), request.user, pk=pk
    )
    form = forms.LineForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.opportunity_line_add(  # noqa: E731
            actor=request.user, opportunity=deal, **d
        )
        if _save(form, request, write, _("The product is added.")):
            return redirect("crm:opportunity_detail", pk=deal.pk)
    title = _("Add a product to %(name)s") % {"name": deal}
    return _form_page(request, form, title, testid="line-form", cancel=deal)


def opportunity_line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(selectors.editable_lines(actor=request.user), pk=pk)
    initial = {
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount_pct": line.discount_pct,
    }
    form = forms.LineForm(request.POST or None, actor=request.user, line=line, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.opportunity_line_update(  # noqa: E731
            actor=request.user, line=line, **d
        )
        if _save(form, request, write, _("The line is saved.")):
            return redirect("crm:opportunity_detail", pk=line.opportunity_id)
    title = _("%(product)s on %(deal)s") % {"product": line.product, "deal": line.opportunity}
    return _form_page(request, form, title, testid="line-form", cancel=line.opportunity)


@require_POST
def opportunity_line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(selectors.editable_lines(actor=request.user), pk=pk)
    deal_pk = line.opportunity_id
    try:
        services.opportunity_line_remove(actor=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The line is removed."))
    return redirect("crm:opportunity_detail", pk=deal_pk)


def pipeline_board(request: HttpRequest) -> HttpResponse:
    form = forms.BoardFilter.for_actor(request.user)(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    data = selectors.board(
        actor=request.user, owner=filters.get("owner"), product_line=filters.get("product_line")
    )
    query = request.GET.urlencode()
    context = {
        **data,
        "form": form,
        "query": query,
        "move_form": forms.MoveForm(actor=request.user),
    }
    return render_page(request, "crm/sales/board.html", context, partial="board")


# --- activities -------------------------------------------------------------------------------


def _activity_export(row: tuple[Any, ...]) -> tuple[Any, ...]:
    kinds, statuses = dict(Activity.Kind.choices), dict(Activity.Status.choices)
    when, kind, status, *rest = row
    return (when, kinds.get(kind, kind), statuses.get(status, status), *rest)


ACTIVITY_SPEC = ListSpec(
    name="activities",
    columns=[
        Col("when", L("When"), sort="when"),
        Col("kind", L("Type"), sort="kind"),
        Col("status", L("Status"), sort="status"),
        Col("subject", L("Subject"), sort="subject"),
        Col("owner", L("Owner"), sort="owner_name", value="owner_name"),
        Col("customer", L("Customer"), sort="customer__name", value="customer__name"),
        Col("opportunity", L("Opportunity"), value="opportunity__name"),
        Col("outcome", L("Outcome")),
        Col("coaching", L("Coaching"), value="is_coaching"),
    ],
    search=["subject", "customer__name", "outcome", "next_step"],
    default_sort="-when",
    export_transform=_activity_export,
)


def activity_list_source(request: HttpRequest) -> tuple[ListSpec, QuerySet[Activity]]:
    """The activity list's spec (filters bound to the actor) and rows (with their date)."""
    spec = replace(ACTIVITY_SPEC, filter_form=forms.ActivityFilter.for_actor(request.user))
    return spec, selectors.activity_list_rows(actor=request.user)


def activity_list(request: HttpRequest) -> HttpResponse:
    spec, qs = activity_list_source(request)
    context = {"now": timezone.now()}
    return list_response(request, spec, qs, "crm/sales/activity_list.html", context)


def my_activities(request: HttpRequest) -> HttpResponse:
    person_form = forms.PersonFilter(request.GET or None, actor=request.user)
    person = person_form.cleaned_data.get("person") if person_form.is_valid() else None
    context = {
        **selectors.my_activities(actor=request.user),
        "team": selectors.team_overdue(actor=request.user, person=person),
        "person_form": person_form,
        "now": timezone.now(),
    }
    return render_page(request, "crm/sales/my_activities.html", context, partial="team")


def activity_create(request: HttpRequest) -> HttpResponse:
    keys = (
        "customer",
        "contact",
        "opportunity",
        "lead",
        "kind",
        "subject",
        "state",
        "due_at",
        "done_at",
        "owner",
        "outcome",
        "next_step",
    )
    initial: dict[str, Any] = {"owner": request.user.pk, "state": "planned", "kind": "visit"}
    initial.update({k: request.GET[k] for k in keys if request.GET.get(k)})
    if request.GET.getlist("companions"):
        initial["companions"] = request.GET.getlist("companions")
    if "opportunity" in initial and "customer" not in initial:
        deals = selectors.opportunities(actor=request.user).filter(pk=str(initial["opportunity"]))
        initial["customer"] = deals.values_list("customer_id", flat=True).first()
    form = forms.ActivityForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        activity = _save(
            form,
            request,
            lambda **_d: services.activity_log(actor=request.user, **form.service_data()),
            _("The activity is logged."),
        )
        if activity:
            return redirect(_next(request, reverse("crm:my_activities")))
    context = {"form": form, "title": _("Log an activity"), "next": _next(request, "")}
    return render_page(request, "crm/sales/activity_form.html", context, partial="fields")


def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(
        selectors.editable_activities(actor=request.user), request.user, pk=pk
    )
    form = forms.CompleteForm(
        request.POST or None, actor=request.user, initial={"next_step": activity.next_step}
    )
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.activity_complete(  # noqa: E731
            actor=request.user, activity=activity, **d
        )
        if _save(form, request, write, _("The activity is done.")):
            return redirect(_next(request, reverse("crm:my_activities")))
    title = _("Done: %(subject)s") % {"subject": activity}
    return _form_page(
        request, form, title, testid="complete-form", activity=activity, next=_next(request, "")
    )


@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(
        selectors.editable_activities(actor=request.user), request.user, pk=pk
    )
    try:
        services.activity_cancel(actor=request.user, activity=activity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The activity is cancelled."))
    return redirect(_next(request, reverse("crm:my_activities")))


# --- import -----------------------------------------------------------------------------------


def _import_check(request: HttpRequest, upload: Any, context: dict[str, Any]) -> HttpResponse:
    kind, file = upload.cleaned_data["kind"], upload.cleaned_data["file"]
    try:
        rows = read_table(file, file.name)
    except Exception:  # a damaged or disguised file: openpyxl, zip and csv all raise
        upload.add_error("file", _("This file cannot be read as CSV or Excel."))
        return render(request, "crm/sales/import.html", context)
    importer = IMPORTERS[kind](request.user)
    result = importer.run(rows, preview=True)
    stash_rows(request, f"sales:{kind}", file.name, rows)
    keys = [col.key for col in importer.columns]
    preview = [[_cell(row.get(k)) for k in keys] for row in result.preview]
    context.update(stage="preview", kind=kind, filename=file.name, result=result, rows=preview)
    return render(request, "crm/sales/import.html", context)


def _import_run(request: HttpRequest, confirm: Any, context: dict[str, Any]) -> HttpResponse:
    kept = stashed(request)
    if kept is None or not kept[0].startswith("sales:") or not confirm.is_valid():
        messages.error(request, _("The uploaded file is no longer kept; upload it again."))
        return redirect("crm:sales_import")
    stash_kind, filename, rows = kept
    kind = stash_kind.removeprefix("sales:")
    result = IMPORTERS[kind](request.user).run(rows, mode=confirm.cleaned_data["mode"])
    if result.saved:
        drop_stash(request)
    context.update(stage="done", kind=kind, filename=filename, result=result)
    return render(request, "crm/sales/import.html", context)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def sales_import(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or "opportunities"
    kind = kind if kind in IMPORTERS else "opportunities"
    confirming = request.method == "POST" and "confirm" in request.POST
    upload = forms.ImportForm(
        None if confirming else (request.POST or None),
        request.FILES or None,
        initial={"kind": kind},
    )
    confirm = forms.ImportConfirmForm(request.POST if confirming else None)
    context: dict[str, Any] = {
        "upload": upload,
        "confirm": confirm,
        "kind": kind,
        "columns": IMPORTERS[kind].columns,
        "kinds": forms.ImportForm.KINDS,
    }
    if confirming:
        return _import_run(request, confirm, context)
    if request.method == "POST" and upload.is_valid():
        return _import_check(request, upload, context)
    return render(request, "crm/sales/import.html", context)


def sales_import_template(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "opportunities")
    kind = kind if kind in IMPORTERS else "opportunities"
    header = [str(c.label) for c in IMPORTERS[kind].columns]
    return csv_response(f"{kind}-template", header, [IMPORTERS[kind].example])
