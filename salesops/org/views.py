"""Org pages: the tree, units, people; management pages for administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesops.core.htmx import render_page
from salesops.core.policy import allows
from salesops.core.visibility import get_visible_or_404
from salesops.org import selectors, services
from salesops.org.forms import PeopleFilterForm, PersonForm, PersonMoveForm, UnitForm, UnitMoveForm
from salesops.org.models import Assignment, OrgUnit, User


def _save(form: Any, request: HttpRequest, write: Any, done: str) -> Any:
    """Run a service with the form's data; field errors go back onto the form."""
    try:
        result = write(**form.cleaned_data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
    messages.success(request, done)
    return result


def tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.unit_tree(actor=request.user)
    can_manage = allows(request.user, "org:unit_create")
    return render(request, "org/tree.html", {"roots": roots, "can_manage": can_manage})


def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_visible_or_404(
        OrgUnit.objects.select_related("leader", "parent"), request.user, pk=pk
    )
    members = selectors.people(actor=request.user).filter(unit=unit)
    children = OrgUnit.objects.visible_to(request.user).filter(parent=unit, is_active=True)
    context = {
        "unit": unit,
        "members": members,
        "children": children.select_related("leader"),
        "ancestors": selectors.unit_ancestors(unit),
        "can_manage": allows(request.user, "org:unit_edit"),
    }
    return render(request, "org/unit_detail.html", context)


def unit_create(request: HttpRequest) -> HttpResponse:
    form = UnitForm(
        request.POST or None, actor=request.user, initial={"parent": request.GET.get("parent")}
    )
    if request.method == "POST" and form.is_valid():
        unit = _save(
            form,
            request,
            lambda **d: services.unit_create(actor=request.user, **d),
            _("The unit is created."),
        )
        if unit:
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/form.html", {"form": form, "title": _("New unit")})


def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_visible_or_404(OrgUnit, request.user, pk=pk)
    initial = {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "leader": unit.leader_id,
        "territory": unit.territory_id,
    }
    form = UnitForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.unit_update(actor=request.user, unit=unit, **d)  # noqa: E731
        if _save(form, request, write, _("The unit is saved.")):
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/form.html", {"form": form, "title": _("Edit %s") % unit})


def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_visible_or_404(OrgUnit, request.user, pk=pk)
    form = UnitMoveForm(
        request.POST or None, actor=request.user, initial={"effective": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.unit_move(actor=request.user, unit=unit, **d)  # noqa: E731
        if _save(form, request, write, _("The unit is moved.")):
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/form.html", {"form": form, "title": _("Move %s") % unit})


def person_list(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.people(
        actor=request.user, search=filters.get("q", ""), position=filters.get("position", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_manage": allows(request.user, "org:person_create")}
    return render_page(request, "org/person_list.html", context, partial="results")


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(
        User.objects.select_related("unit", "manager", "territory"), request.user, pk=pk
    )
    history = Assignment.objects.visible_to(request.user).filter(user=person)
    context = {
        "person": person,
        "history": history.select_related("unit", "manager").order_by("-start"),
        "reports": selectors.people(actor=request.user).filter(manager=person),
        "can_manage": allows(request.user, "org:person_edit"),
    }
    return render(request, "org/person_detail.html", context)


def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(
        request.POST or None, actor=request.user, initial={"unit": request.GET.get("unit")}
    )
    if request.method == "POST" and form.is_valid():
        person = _save(
            form,
            request,
            lambda **d: services.person_create(actor=request.user, **d),
            _("The person is added."),
        )
        if person:
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/form.html", {"form": form, "title": _("New person")})


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User, request.user, pk=pk)
    initial = {
        f: getattr(person, f) for f in ("display_name", "email", "phone", "grade", "hire_date")
    }
    form = PersonForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.person_update(actor=request.user, person=person, **d)  # noqa: E731
        if _save(form, request, write, _("The person is saved.")):
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/form.html", {"form": form, "title": _("Edit %s") % person})


def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User, request.user, pk=pk)
    initial = {
        "unit": person.unit_id,
        "position": person.position,
        "manager": person.manager_id,
        "effective": timezone.localdate(),
    }
    form = PersonMoveForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        write = lambda **d: services.person_move(actor=request.user, person=person, **d)  # noqa: E731
        if _save(form, request, write, _("The move is recorded.")):
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/form.html", {"form": form, "title": _("Move %s") % person})


@require_POST
def person_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User, request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.person_set_active(actor=request.user, person=person, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Reactivated.") if active else _("Deactivated."))
    return redirect("org:person_detail", pk=person.pk)
