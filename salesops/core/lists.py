"""List pages: one helper gives every list search, filters, saved filters, sorting, totals,
pagination and CSV/Excel export, with a fixed number of queries however many rows there are.

A view builds a `ListSpec` and calls `list_response`:

    spec = ListSpec(name="customers", columns=[Col("name", _("Name"), sort="name"), ...],
                    search=["name", "phone"], filter_form=CustomerFilter,
                    totals={"amount": Sum("amount")})
    return list_response(request, spec, Customer.objects.visible_to(request.user),
                         "crm/accounts/customer_list.html", partial="results")

The filter form is a Django form with an `apply(qs)` method that reads its cleaned data with
`.get` (a field with a bad value is left out of it). Export (`?export=csv|xlsx`) writes
the same filtered, sorted rows using each column's `value` (a field path read with
values_list, so export is one query too). `list_context` is the page's data without the
rendering (what the benchmarks time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from salesops.core.exports import export_response
from salesops.core.htmx import render_page
from salesops.core.models import SavedFilter
from salesops.core.selectors import search


@dataclass(frozen=True)
class Col:
    """A list column: key, header, the ORM field to sort by, and the field path to export.

    `sort` may instead be a function of the filtered rows and the direction (descending or not)
    that gives the expression to order by, for a column whose best order depends on the filter.
    """

    key: str
    label: Any
    sort: str | Callable[[QuerySet, bool], Any] = ""
    value: str = ""
    align: str = ""

    @property
    def sortable(self) -> bool:
        """For templates, which would call a `sort` function instead of testing it."""
        return bool(self.sort)


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
    # The totals known without reading the rows (from a rollup) for a request and its filter
    # form (None when the list has none), or None to aggregate the rows. Not asked when the
    # search box narrows the rows: no rollup knows what a search finds.
    known_totals: Callable[[Any, Any], dict[str, Any] | None] | None = None


class AlwaysBound(forms.Form):
    """A list filter that applies its defaults on a first visit too (no query string): the
    customer lists show owned records unless the pool is asked for, the deal list open deals."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__({} if data is None else data, *args, **kwargs)


def _sort(qs: QuerySet, spec: ListSpec, key: str) -> tuple[QuerySet, str]:
    allowed = {c.key: c.sort for c in spec.columns if c.sort}
    if key.lstrip("-") not in allowed:
        key = spec.default_sort
    by = allowed.get(key.lstrip("-"))
    if not by:
        return qs, ""
    desc = key.startswith("-")
    tie = "-pk" if desc else "pk"
    if callable(by):
        return qs.order_by(by(qs, desc), tie), key
    return qs.order_by(f"-{by}" if desc else by, tie), key


def _searched(request: Any) -> str:
    """The text of the list's search box."""
    return str(request.GET.get("q", "")).strip()


def filtered(request: Any, spec: ListSpec, qs: QuerySet) -> tuple[QuerySet, Any, str]:
    """Apply the search box, the filter form and the sort of the request to a queryset."""
    form = spec.filter_form(request.GET or None) if spec.filter_form else None
    if form is not None and form.is_bound:
        # A field with a bad value (a saved filter's owner who left, say) shows its error and
        # filters nothing; the other fields still filter, from their cleaned data.
        form.is_valid()
        qs = form.apply(qs)  # type: ignore[attr-defined]
    qs = search(qs, spec.search, _searched(request))
    qs, sort = _sort(qs, spec, request.GET.get("sort", ""))
    return qs, form, sort


class ListPaginator(Paginator):
    """A paginator for list pages.

    `count`, when given, is the row count already computed with the totals: the page then costs
    no second COUNT over the same filtered rows. The page's rows are fetched by id: the
    filtered, sorted query picks the page's ids without the joins the displayed columns need
    (select_related), and only those rows are joined. Both databases otherwise join every
    matching row before sorting and cutting the page.
    """

    def __init__(self, object_list: Any, per_page: int, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached property

    def page(self, number: Any) -> Page:
        page = super().page(number)
        rows = self.object_list
        if isinstance(rows, QuerySet) and rows.query.select_related and self.count:
            bottom = (page.number - 1) * self.per_page
            ids = rows.values("pk")[bottom : bottom + self.per_page]
            page.object_list = rows.filter(pk__in=ids)
        return page


def _paginate(request: Any, spec: ListSpec, qs: QuerySet, form: Any) -> tuple[dict[str, Any], Page]:
    """The totals and the requested page. A "count" total that counts the rows serves as the
    paginator's count: an exact total and the page need one aggregate query between them (or
    none, when the totals are known)."""
    totals = None
    if spec.known_totals is not None and not _searched(request):
        totals = spec.known_totals(request, form)
    if totals is None:
        totals = qs.aggregate(**spec.totals) if spec.totals else {}
    count = totals["count"] if spec.totals.get("count") == Count("pk") else None
    paginator = ListPaginator(qs, spec.per_page, count)
    return totals, paginator.get_page(request.GET.get("page"))


def list_context(request: Any, spec: ListSpec, qs: QuerySet) -> dict[str, Any]:
    """What a list page shows for the visible queryset `qs` (search, filters, sort, totals, the
    requested page, saved filters), without rendering it."""
    qs, form, sort = filtered(request, spec, qs)
    totals, page = _paginate(request, spec, qs, form)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "spec": spec,
        "page": page,
        "form": form,
        "sort": sort,
        "q": request.GET.get("q", ""),
        "totals": totals,
        "querystring": query.urlencode(),
        "saved_filters": SavedFilter.objects.visible_to(request.user).filter(list_name=spec.name),
    }


def list_response(
    request: Any,
    spec: ListSpec,
    qs: QuerySet,
    template: str,
    context: dict[str, Any] | None = None,
    partial: str = "results",
) -> Any:
    """Render (or export) a list page for the visible queryset `qs`."""
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        qs, _form, _sort = filtered(request, spec, qs)
        paths = [c.value or c.key for c in spec.columns]
        rows = qs.values_list(*paths).iterator(chunk_size=2000)
        if spec.export_transform:
            rows = map(spec.export_transform, rows)
        return export_response(fmt, spec.name, [c.label for c in spec.columns], rows)
    ctx = {**list_context(request, spec, qs), **(context or {})}
    return render_page(request, template, ctx, partial=partial)
