"""List pages: one helper gives every list search, filters, saved filters, sorting, totals,
pagination and CSV/Excel export, with a fixed number of queries however many rows there are.

A view builds a `ListSpec` and calls `list_response`:

    spec = ListSpec(name="customers", columns=[Col("name", _("Name"), sort="name"), ...],
                    search=["name", "phone"], filter_form=CustomerFilter,
                    totals={"amount": Sum("amount")})
    return list_response(request, spec, Customer.objects.visible_to(request.user),
                         "crm/accounts/customer_list.html", partial="results")

The filter form is a Django form with an `apply(qs)` method. Export (`?export=csv|xlsx`) writes
the same filtered, sorted rows using each column's `value` (a field path read with
values_list, so export is one query too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from salesops.core.exports import export_response
from salesops.core.htmx import render_page
from salesops.core.models import SavedFilter


@dataclass(frozen=True)
class Col:
    """A list column: key, header, the ORM field to sort by, and the field path to export."""

    key: str
    label: Any
    sort: str = ""
    value: str = ""
    align: str = ""


@dataclass
class ListSpec:
    name: str
    columns: list[Col]
    search: list[str] = field(default_factory=list)
    filter_form: type[forms.Form] | None = None
    totals: dict[str, Any] = field(default_factory=dict)
    default_sort: str = ""
    per_page: int = 50
    export_transform: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None


def _search(qs: QuerySet, fields: list[str], text: str) -> QuerySet:
    if not text or not fields:
        return qs
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": text})
    return qs.filter(q)


def _sort(qs: QuerySet, spec: ListSpec, key: str) -> tuple[QuerySet, str]:
    allowed = {c.key: c.sort for c in spec.columns if c.sort}
    desc = key.startswith("-")
    field_name = allowed.get(key.lstrip("-"))
    if not field_name:
        key = spec.default_sort
        desc = key.startswith("-")
        field_name = allowed.get(key.lstrip("-"))
    if not field_name:
        return qs, ""
    return qs.order_by(f"-{field_name}" if desc else field_name, "-pk" if desc else "pk"), key


def filtered(request: Any, spec: ListSpec, qs: QuerySet) -> tuple[QuerySet, Any, str]:
    """Apply the search box, the filter form and the sort of the request to a queryset."""
    form = spec.filter_form(request.GET or None) if spec.filter_form else None
    if form is not None and form.is_valid():
        qs = form.apply(qs)  # type: ignore[attr-defined]
    qs = _search(qs, spec.search, request.GET.get("q", "").strip())
    qs, sort = _sort(qs, spec, request.GET.get("sort", ""))
    return qs, form, sort


def list_response(
    request: Any,
    spec: ListSpec,
    qs: QuerySet,
    template: str,
    context: dict[str, Any] | None = None,
    partial: str = "results",
) -> Any:
    """Render (or export) a list page for the visible queryset `qs`."""
    qs, form, sort = filtered(request, spec, qs)
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        paths = [c.value or c.key for c in spec.columns]
        rows = qs.values_list(*paths).iterator(chunk_size=2000)
        if spec.export_transform:
            rows = map(spec.export_transform, rows)
        return export_response(fmt, spec.name, [c.label for c in spec.columns], rows)
    totals = qs.aggregate(**spec.totals) if spec.totals else {}
    page = Paginator(qs, spec.per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    saved = SavedFilter.objects.visible_to(request.user).filter(list_name=spec.name)
    ctx = {
        "spec": spec,
        "page": page,
        "form": form,
        "sort": sort,
        "q": request.GET.get("q", ""),
        "totals": totals,
        "querystring": query.urlencode(),
        "saved_filters": saved,
        **(context or {}),
    }
    return render_page(request, template, ctx, partial=partial)
