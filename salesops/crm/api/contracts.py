"""CRM API: contracts (list, detail, submit, approve, reject), their payments, and partners.

Reads start from the actor's visible set (404 for missing or not visible); writes go through
the contracts services: a refusal of who may act answers 403 with the reason, bad input 400
naming the field.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.visibility import get_visible_or_404
from salesops.crm.api.router import router
from salesops.crm.models import Contract, Partner, Payment
from salesops.crm.schemas.contracts import (
    ContractDetailOut,
    ContractOut,
    PartnerDetailOut,
    PartnerIn,
    PartnerOut,
    PaymentIn,
    PaymentOut,
    ReasonIn,
)
from salesops.crm.selectors import contracts as selectors
from salesops.crm.services import contracts as services
from salesops.org.models import Territory, User

__all__ = ["router"]
TAGS = ["crm contracts"]


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn a service's refusal of the actor into 403 with its reason."""
    try:
        yield
    except PermissionDenied as exc:
        raise HttpError(403, str(exc.args[0]) if exc.args else "Forbidden") from exc


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    return selectors.contract_get(actor=request.user, pk=contract_id)


@router.get("/contracts", response=list[ContractOut], tags=TAGS)
@paginate(LimitOffsetPagination)
def contract_list(
    request: HttpRequest, status: str = "", q: str = "", owner_id: int | None = None
) -> QuerySet[Contract]:
    qs = selectors.contracts(actor=request.user)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    return qs.order_by("-number")


@router.get("/contracts/{contract_id}", response=ContractDetailOut, tags=TAGS)
def contract_get(request: HttpRequest, contract_id: int) -> Any:
    return selectors.contract_with_parts(actor=request.user, pk=contract_id)


@router.post("/contracts/{contract_id}/submit", response=ContractOut, tags=TAGS)
def contract_submit(request: HttpRequest, contract_id: int) -> Any:
    contract = _contract(request, contract_id)
    with _refusals():
        services.contract_submit(actor=request.user, contract=contract)
    return _contract(request, contract_id)


@router.post("/contracts/{contract_id}/approve", response=ContractOut, tags=TAGS)
def contract_approve(request: HttpRequest, contract_id: int, payload: ReasonIn) -> Any:
    contract = _contract(request, contract_id)
    with _refusals():
        services.contract_approve(actor=request.user, contract=contract, reason=payload.reason)
    return _contract(request, contract_id)


@router.post("/contracts/{contract_id}/reject", response=ContractOut, tags=TAGS)
def contract_reject(request: HttpRequest, contract_id: int, payload: ReasonIn) -> Any:
    contract = _contract(request, contract_id)
    with _refusals():
        services.contract_reject(actor=request.user, contract=contract, reason=payload.reason)
    return _contract(request, contract_id)


@router.get("/contracts/{contract_id}/payments", response=list[PaymentOut], tags=TAGS)
@paginate(LimitOffsetPagination)
def contract_payment_list(request: HttpRequest, contract_id: int) -> QuerySet[Payment]:
    contract = _contract(request, contract_id)
    return Payment.objects.visible_to(request.user).filter(contract=contract)


@router.post("/contracts/{contract_id}/payments", response={201: PaymentOut}, tags=TAGS)
def contract_payment_record(request: HttpRequest, contract_id: int, payload: PaymentIn) -> Any:
    contract = _contract(request, contract_id)
    with _refusals():
        payment = services.payment_record(actor=request.user, contract=contract, **payload.dict())
    return 201, payment


@router.get("/partners", response=list[PartnerOut], tags=TAGS)
@paginate(LimitOffsetPagination)
def partner_list(
    request: HttpRequest, kind: str = "", level: str = "", q: str = ""
) -> QuerySet[Partner]:
    qs = Partner.objects.visible_to(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "pk")


@router.get("/partners/{partner_id}", response=PartnerDetailOut, tags=TAGS)
def partner_get(request: HttpRequest, partner_id: int) -> Any:
    partner = selectors.partner_get(actor=request.user, pk=partner_id)
    performance = selectors.partner_performance(actor=request.user, partner=partner)
    partner.performance = performance
    return partner


@router.post("/partners", response={201: PartnerOut}, tags=TAGS)
def partner_create(request: HttpRequest, payload: PartnerIn) -> Any:
    data = payload.dict()
    territory_id, manager_id = data.pop("territory_id"), data.pop("channel_manager_id")
    territory = (
        None
        if territory_id is None
        else get_visible_or_404(Territory, request.user, pk=territory_id)
    )
    manager = None if manager_id is None else get_visible_or_404(User, request.user, pk=manager_id)
    with _refusals():
        partner = services.partner_create(
            actor=request.user, territory=territory, channel_manager=manager, **data
        )
    return 201, partner
