"""Target pages that write: set, change, split, phase, propose, decide, delete; the KPI
catalogue, ramp rules and manual results. The services decide; these shape the requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesops.core.visibility import get_visible_or_404
from salesops.targets import planning, selectors, services, services_kpis
from salesops.targets.forms import (
    DecisionForm,
    KpiForm,
    ManualResultForm,
    ProposalForm,
    RampRulesForm,
    TargetEditForm,
    TargetForm,
    split_owner,
)
from salesops.targets.models import KpiDefinition, Target
from salesops.targets.permissions import may_set, may_split
from salesops.targets.views import today


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _run(form: Any, request: HttpRequest, write: Callable[[], Any], done: str) -> Any:
    """Call a service; its field errors go back onto the form."""
    try:
        result = write()
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
    context = {"form": form, "title": title, "next": _next(request, ""), **extra}
    return render(request, "targets/form.html", context)


def _target(request: HttpRequest, pk: int) -> Target:
    return get_visible_or_404(selectors.targets(actor=request.user), request.user, pk=pk)  # type: ignore[no-any-return]


def target_create(request: HttpRequest) -> HttpResponse:
    initial = {k: request.GET.get(k) for k in ("owner", "kpi", "period") if request.GET.get(k)}
    if "kpi" in initial:
        found = KpiDefinition.objects.filter(code=initial["kpi"]).first()
        initial["kpi"] = found.pk if found else None
    form = TargetForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, unit = split_owner(data["owner"])
        made = _run(
            form,
            request,
            lambda: services.target_set(
                actor=request.user,
                kpi=data["kpi"],
                period=data["period"],
                value=data["value"],
                person=person,
                unit=unit,
                description=data["description"],
            ),
            _("The target is set."),
        )
        if made:
            return redirect(_next(request, reverse("targets:target_detail", args=[made.pk])))
    return _form_page(request, form, _("Set a target"), testid="target-form", smart_help=True)


def _settable(request: HttpRequest, pk: int) -> Target:
    """A visible target the actor may change (403 when they may only see it)."""
    target = _target(request, pk)
    if not may_set(request.user, person=target.owner_user, unit=target.owner_unit):
        raise PermissionDenied
    return target


def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _settable(request, pk)
    initial = {"value": target.value, "description": target.description}
    form = TargetEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _run(
            form,
            request,
            lambda: services.target_update(
                actor=request.user,
                target=target,
                value=d["value"],
                description=d["description"],
                reason=d["reason"],
            ),
            _("The target is changed."),
        )
        if done:
            return redirect(_next(request, reverse("targets:target_detail", args=[pk])))
    return _form_page(
        request, form, _("Change %(t)s") % {"t": target}, target=target, testid="target-edit-form"
    )


def _parts(request: HttpRequest, keys: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    weights = {k: request.POST.get(f"weight_{k}", "") for k in keys}
    values = {k: request.POST.get(f"value_{k}", "") for k in keys}
    return weights, values


def target_split(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    if target.owner_unit is None:
        raise Http404
    if not may_split(request.user, target.owner_unit):
        raise PermissionDenied
    candidates = planning.split_candidates(target)
    method = request.POST.get("method", "even")
    ramp = request.POST.get("apply_ramp", "1" if request.method == "GET" else "") == "1"
    if request.method == "POST":
        chosen = [c for c in candidates if request.POST.get(f"include_{c.key}")]
    else:
        units = [c for c in candidates if c.unit]
        chosen = units or [c for c in candidates if c.obj != request.user]
    weights, values = _parts(request, [c.key for c in candidates])
    plan, errors = _plan(lambda: planning.org_plan(target, chosen, method, weights, values, ramp))

    def write(reason: str) -> Any:
        return services.target_split(
            actor=request.user, target=target, children=chosen, method=method,
            weights=weights, values=values, apply_ramp=ramp, reason=reason,
        )  # fmt: skip

    saved, errors = _save_split(request, errors, _("The target is split."), write)
    if saved:
        return redirect(_next(request, reverse("targets:target_detail", args=[pk])))
    context = {
        "target": target,
        "candidates": candidates,
        "chosen": {c.key for c in chosen},
        "method": method,
        "apply_ramp": ramp,
        "plan": plan,
        "errors": errors,
        "weights": weights,
        "values": values,
        "methods": planning.ORG_METHODS,
        "next": _next(request, ""),
    }
    return render(request, "targets/split.html", context)


def _save_split(
    request: HttpRequest, errors: list[str], done: str, write: Callable[[str], Any]
) -> tuple[bool, list[str]]:
    """On "save" (and a plan without errors) run the split; its refusals become the errors."""
    if request.method != "POST" or request.POST.get("action") != "save" or errors:
        return False, errors
    try:
        write(request.POST.get("reason", ""))
    except ValidationError as exc:
        return False, exc.messages
    messages.success(request, done)
    return True, []


def _plan(
    make: Callable[[], list[planning.PlanRow]], by_period: bool = False
) -> tuple[Any, list[str]]:
    """A split's preview, or the messages of why it cannot be made."""
    try:
        plan = make()
    except ValidationError as exc:
        return None, exc.messages
    rows = {(row.period.key if by_period else row.owner.key): row for row in plan}
    return {"rows": rows, "total": sum((row.value for row in plan), Decimal(0))}, []


def target_phase(request: HttpRequest, pk: int) -> HttpResponse:
    target = _settable(request, pk)
    kinds = planning.FINER.get(target.period_kind, ())
    kind = request.POST.get("kind") or (kinds[-1] if kinds else "")
    method = request.POST.get("method", "seasonality")
    ramp = request.POST.get("apply_ramp", "1" if request.method == "GET" else "") == "1"
    subs = target.period.children(kind) if kind in kinds else []
    weights, values = _parts(request, [p.key for p in subs])
    plan, errors = _plan(
        lambda: planning.time_plan(target, kind, method, weights, values, ramp), by_period=True
    )

    def write(reason: str) -> Any:
        return services.target_phase(
            actor=request.user, target=target, kind=kind, method=method, weights=weights,
            values=values, apply_ramp=ramp, reason=reason,
        )  # fmt: skip

    saved, errors = _save_split(request, errors, _("The target is split over time."), write)
    if saved:
        return redirect(_next(request, reverse("targets:target_detail", args=[pk])))
    context = {
        "target": target,
        "kinds": kinds,
        "kind": kind,
        "subs": subs,
        "method": method,
        "apply_ramp": ramp,
        "plan": plan,
        "errors": errors,
        "weights": weights,
        "values": values,
        "methods": planning.TIME_METHODS,
        "next": _next(request, ""),
    }
    return render(request, "targets/phase.html", context)


@require_POST
def target_approve(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.target_approve(
            actor=request.user,
            target=target,
            value=data.get("value"),
            reason=data.get("reason") or "",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The proposal is approved."))
    return redirect(_next(request, reverse("targets:target_detail", args=[pk])))


@require_POST
def target_return(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        services.target_return(
            actor=request.user, target=target, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The proposal went back to its owner."))
    return redirect(_next(request, reverse("targets:target_detail", args=[pk])))


@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        services.target_delete(
            actor=request.user, target=target, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("targets:target_detail", pk=pk)
    messages.success(request, _("The target is deleted."))
    return redirect(_next(request, reverse("targets:target_list")))


def propose(request: HttpRequest) -> HttpResponse:
    initial = {k: request.GET.get(k) for k in ("period",) if request.GET.get(k)}
    form = ProposalForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        made = _run(
            form,
            request,
            lambda: services.target_propose(
                actor=request.user,
                kpi=d["kpi"],
                period=d["period"],
                value=d["value"],
                description=d["description"],
            ),
            _("Your proposal is sent to your manager."),
        )
        if made:
            return redirect("targets:my")
    return _form_page(
        request, form, _("Propose my target"), testid="proposal-form", smart_help=True
    )


def manual_record(request: HttpRequest) -> HttpResponse:
    form = ManualResultForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person, unit = split_owner(d["owner"])
        done = _run(
            form,
            request,
            lambda: services_kpis.manual_result_record(
                actor=request.user,
                kpi=d["kpi"],
                period=d["period"],
                value=d["value"],
                person=person,
                unit=unit,
                note=d["note"],
            ),
            _("The result is recorded."),
        )
        if done:
            return redirect(_next(request, reverse("targets:team")))
    return _form_page(request, form, _("Report a result"), testid="manual-form")


def _kpi_fields(form: KpiForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    return {k: v for k, v in data.items() if k in services_kpis.KPI_FIELDS}


def kpi_create(request: HttpRequest) -> HttpResponse:
    form = KpiForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = _run(
            form,
            request,
            lambda: services_kpis.kpi_create(actor=request.user, **_kpi_fields(form)),
            _("The KPI is added."),
        )
        if made:
            return redirect("targets:kpi_list")
    return _form_page(request, form, _("Add a KPI"), testid="kpi-form", kpi_help=True)


def kpi_edit(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = get_visible_or_404(KpiDefinition, request.user, pk=pk)
    initial = {name: getattr(kpi, name) for name in services_kpis.KPI_FIELDS}
    initial["filters"], initial["numerator"] = json.dumps(kpi.filters), json.dumps(kpi.numerator)
    form = KpiForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        fields = _kpi_fields(form)
        fields.pop("code", None)
        done = _run(
            form,
            request,
            lambda: services_kpis.kpi_update(actor=request.user, kpi=kpi, **fields),
            _("The KPI is saved."),
        )
        if done:
            return redirect("targets:kpi_list")
    return _form_page(
        request, form, _("Edit %(k)s") % {"k": kpi.label}, testid="kpi-form", kpi_help=True
    )


def ramp_rules(request: HttpRequest) -> HttpResponse:
    current = planning.ramp_rules()
    initial = {}
    for i, (first, last, pct) in enumerate(current[: RampRulesForm.ROWS]):
        initial.update({f"from_{i}": first, f"to_{i}": last, f"pct_{i}": pct})
    form = RampRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_kpis.ramp_rules_replace(actor=request.user, rules=form.rules())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The ramp rules are saved."))
            return redirect("targets:ramp_rules")
    return render(
        request, "targets/ramp_rules.html", {"form": form, "rules": current, "today": today()}
    )
