"""CRM API of the accounts area: customers, their contacts, leads (claim, convert). The same
visibility and services as the pages; missing and not-visible both answer 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.visibility import get_visible_or_404
from salesops.crm.api.router import router
from salesops.crm.forms import accounts as forms
from salesops.crm.models import Contact, Customer, Lead, Partner
from salesops.crm.schemas.accounts import (
    ContactIn,
    ContactOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    LeadConvertIn,
    LeadIn,
    LeadOut,
    LeadPatch,
)
from salesops.crm.selectors import accounts as selectors
from salesops.crm.services import accounts as services
from salesops.crm.services import accounts_pool as pool_services
from salesops.org.models import Territory
from salesops.org.roles import SALES_ROLES

__all__ = ["router"]


def _references(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn territory_id / partner_id / owner_id into visible objects (unknown: 400)."""
    actor = request.user
    if "territory_id" in data:
        pk = data.pop("territory_id")
        data["territory"] = None if pk is None else get_visible_or_404(Territory, actor, pk=pk)
    if "partner_id" in data:
        pk = data.pop("partner_id")
        data["partner"] = None if pk is None else get_visible_or_404(Partner, actor, pk=pk)
    return data


def _owner(request: HttpRequest, owner_id: int | None, to_pool: bool) -> Any:
    """The owner asked for; by default the caller (when they hold records), else the pool."""
    actor: Any = request.user
    if to_pool:
        return None
    if owner_id is None:
        return actor if actor.role in SALES_ROLES else None
    owner = selectors.assignable_people(actor=actor).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner_id": _("You cannot give records to this person.")})
    return owner


def _filtered(form_class: Any, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
    form = form_class({k: v for k, v in data.items() if v not in (None, "")})
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    return form.apply(qs)  # type: ignore[no-any-return]


@router.get("/customers", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def customer_list(
    request: HttpRequest,
    q: str = "",
    tier: str = "",
    status: str = "",
    owner_id: int | None = None,
    pool: str = "",
    overdue: str = "",
) -> QuerySet[Customer]:
    """Visible customers, merged ones hidden. pool: "" owned (default), "all" or "yes" (pool
    only); overdue: "yes" for those past their tier's contact standard."""
    qs = selectors.customers(actor=request.user).order_by("name", "pk")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(tax_number__icontains=q))
    data = {"tier": tier, "status": status, "owner": owner_id, "pool": pool, "overdue": overdue}
    return _filtered(forms.customer_filter_form(request.user), qs, data)


@router.get("/customers/{customer_id}", response=CustomerOut)
def customer_get(request: HttpRequest, customer_id: int) -> Any:
    return get_visible_or_404(selectors.customers(actor=request.user), request.user, pk=customer_id)


@router.post("/customers", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    """Create a customer; a likely duplicate is refused (400) unless allow_duplicate."""
    data = _references(request, payload.dict())
    owner = _owner(request, data.pop("owner_id"), data.pop("to_pool"))
    customer = services.customer_create(actor=request.user, owner=owner, **data)
    return 201, customer


@router.patch("/customers/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    customer = get_visible_or_404(
        selectors.customers(actor=request.user), request.user, pk=customer_id
    )
    changes = _references(request, payload.dict(exclude_unset=True))
    return services.customer_update(actor=request.user, customer=customer, **changes)


@router.get("/customers/{customer_id}/contacts", response=list[ContactOut])
@paginate(LimitOffsetPagination)
def contact_list(request: HttpRequest, customer_id: int) -> QuerySet[Contact]:
    customer = get_visible_or_404(Customer, request.user, pk=customer_id)
    return (
        Contact.objects.visible_to(request.user)
        .filter(customer=customer)
        .order_by("-is_primary", "name", "pk")
    )


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut})
def contact_create(request: HttpRequest, customer_id: int, payload: ContactIn) -> Any:
    customer = get_visible_or_404(
        selectors.customers(actor=request.user), request.user, pk=customer_id
    )
    contact = services.contact_create(actor=request.user, customer=customer, **payload.dict())
    return 201, contact


@router.get("/leads", response=list[LeadOut])
@paginate(LimitOffsetPagination)
def lead_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    source: str = "",
    owner_id: int | None = None,
    pool: str = "",
) -> QuerySet[Lead]:
    """Visible leads, newest first. pool: "" owned (default), "all" or "yes" (pool only)."""
    qs = selectors.leads(actor=request.user).order_by("-created_at", "-pk")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(company_name__icontains=q) | Q(phone__icontains=q))
    data = {"status": status, "source": source, "owner": owner_id, "pool": pool}
    return _filtered(forms.lead_filter_form(request.user), qs, data)


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    return get_visible_or_404(selectors.leads(actor=request.user), request.user, pk=lead_id)  # type: ignore[no-any-return]


@router.get("/leads/{lead_id}", response=LeadOut)
def lead_get(request: HttpRequest, lead_id: int) -> Any:
    return _lead(request, lead_id)


@router.post("/leads", response={201: LeadOut})
def lead_create(request: HttpRequest, payload: LeadIn) -> Any:
    data = _references(request, payload.dict())
    owner = _owner(request, data.pop("owner_id"), data.pop("to_pool"))
    return 201, services.lead_create(actor=request.user, owner=owner, **data)


@router.patch("/leads/{lead_id}", response=LeadOut)
def lead_update(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    lead = _lead(request, lead_id)
    changes = _references(request, payload.dict(exclude_unset=True))
    return services.lead_update(actor=request.user, lead=lead, **changes)


@router.post("/leads/{lead_id}/claim", response=LeadOut)
def lead_claim(request: HttpRequest, lead_id: int) -> Any:
    """Claim a lead from the pool (400 when it is taken or the limit is reached)."""
    return pool_services.lead_claim(actor=request.user, lead=_lead(request, lead_id))


@router.post("/leads/{lead_id}/convert", response=LeadOut)
def lead_convert(request: HttpRequest, lead_id: int, payload: LeadConvertIn) -> Any:
    """Convert a qualified lead into customer + contact + opportunity in one step."""
    lead = _lead(request, lead_id)
    data = payload.dict()
    customer_id = data.pop("customer_id")
    customer = None
    if customer_id is not None:
        customer = get_visible_or_404(
            selectors.customers(actor=request.user), request.user, pk=customer_id
        )
    return services.lead_convert(actor=request.user, lead=lead, customer=customer, **data)
