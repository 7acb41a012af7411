"""Routes of the benchmark server: every product route (config.urls) plus two plain Django views
that run the same queries as two API list endpoints, so the API's requests/s can be compared
with a view that has no API framework around the query.

The plain views are registered in the route policy with the access of the API operation they
mirror; the product's own routes and their policies are untouched.
"""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from salesops.core import policy
from salesops.crm.api.sales import OPPORTUNITY_COLUMNS
from salesops.crm.forms import accounts as forms
from salesops.crm.selectors import accounts as account_selectors
from salesops.crm.selectors import sales as sales_selectors

PAGE_SIZE = 100  # django-ninja's default page size, which the API list endpoints use

OPPORTUNITY_FIELDS = (
    "id", "name", "customer_id", "customer__name", "owner_id", "stage_id", "stage__code",
    "amount", "probability", "weighted", "expected_close", "close_date_changes", "source",
    "partner_id", "product_line_id", "competitors", "next_step", "need_confirmed",
    "decision_maker_id", "forecast_category", "lost_reason", "lost_note", "stage_entered_at",
    "closed_at",
)  # fmt: skip
CUSTOMER_FIELDS = (
    "id", "name", "kind", "industry", "size", "territory_id", "source", "owner_id",
    "owner__display_name", "owner__username", "status", "tier", "tax_number", "phone",
    "address", "partner_id", "last_contact_at", "owned_since", "created_at",
)  # fmt: skip


class QueryCountMiddleware:
    """Counts the database queries of each request into the X-Bench-Queries header."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response: HttpResponse = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response


def _page(request: HttpRequest, qs: QuerySet, fields: tuple[str, ...]) -> JsonResponse:
    """The same page the API answers (count, then `limit` rows from `offset`) as plain JSON."""
    limit = int(request.GET.get("limit", PAGE_SIZE))
    offset = int(request.GET.get("offset", 0))
    items = list(qs.values(*fields)[offset : offset + limit])
    body = {"items": items, "count": qs.count()}
    return JsonResponse(body, encoder=DjangoJSONEncoder)


def plain_opportunities(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/crm/opportunities?q=&status= without the API framework."""
    qs = sales_selectors.opportunity_feed(actor=request.user, columns=OPPORTUNITY_COLUMNS)
    if q := request.GET.get("q", ""):
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    if status := request.GET.get("status", ""):
        qs = sales_selectors.of_stage_kind(qs, status, actor=request.user)
    order = sales_selectors.by_expected_close(qs, desc=False)
    return _page(request, qs.order_by(order, "pk"), OPPORTUNITY_FIELDS)


def plain_customers(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/crm/customers?q= without the API framework (owned customers, as the API)."""
    qs = account_selectors.customers(actor=request.user).order_by("name", "pk")
    if q := request.GET.get("q", ""):
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(tax_number__icontains=q))
    form = forms.customer_filter_form(request.user)({})
    form.is_valid()
    return _page(request, form.apply(qs), CUSTOMER_FIELDS)


bench_patterns = (
    [
        path("opportunities/", plain_opportunities, name="plain_opportunities"),
        path("customers/", plain_customers, name="plain_customers"),
    ],
    "bench",
)
urlpatterns = [path("", include("config.urls")), path("bench/plain/", include(bench_patterns))]


def _access_of(operation: str) -> policy.Access:
    """The policy of an API operation (a plain view is open to exactly the same people)."""
    access = policy.access_for(operation)
    if access is None:
        raise LookupError(f"{operation} is not in the route policy")
    return access


policy.register(
    {
        "bench:plain_opportunities": _access_of("api:crm_opportunity_list"),
        "bench:plain_customers": _access_of("api:crm_customer_list"),
    }
)
