"""CRM API: sales — products, stages, opportunities with lines and stage moves, activities.

Reads start from the actor's visible set; writes fetch what the actor may change (404
otherwise) and go through the sales services, whose refusals answer 400 naming the field.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.visibility import get_visible_or_404
from salesops.crm.api.router import router
from salesops.crm.models import Activity, Opportunity, Product, Stage
from salesops.crm.schemas.sales import (
    ActivityIn,
    ActivityOut,
    CompleteIn,
    LineIn,
    LineOut,
    MoveIn,
    OpportunityDetailOut,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    ProductOut,
    StageOut,
)
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.org.models import ProductLine

__all__ = ["router"]


def _one(qs: Any, request: HttpRequest, pk: int | None) -> Any:
    return None if pk is None else get_visible_or_404(qs, request.user, pk=pk)


def _deal(request: HttpRequest, pk: int) -> Opportunity:
    return get_visible_or_404(selectors.opportunities(actor=request.user), request.user, pk=pk)


def _editable_deal(request: HttpRequest, pk: int) -> Opportunity:
    qs = selectors.editable_opportunities(actor=request.user)
    get_visible_or_404(qs, request.user, pk=pk)
    return _deal(request, pk)


@router.get("/products", response=list[ProductOut], tags=["crm sales"])
@paginate(LimitOffsetPagination)
def product_list(
    request: HttpRequest, product_line_id: int | None = None, q: str = ""
) -> QuerySet[Product]:
    qs = selectors.products(actor=request.user)
    if product_line_id:
        qs = qs.filter(product_line_id=product_line_id)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


@router.get("/stages", response=list[StageOut], tags=["crm sales"])
def stage_list(request: HttpRequest) -> QuerySet[Stage]:
    return selectors.stages(actor=request.user)


# The deal columns of OpportunityOut (its other fields are resolved from the customer, the
# stage and the weighted amount), read alone for the list
OPPORTUNITY_COLUMNS = tuple(
    name for name in OpportunityOut.model_fields if hasattr(Opportunity, name)
)


@router.get("/opportunities", response=list[OpportunityOut], tags=["crm sales"])
@paginate(LimitOffsetPagination)
def opportunity_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    stage: str = "",
    owner_id: int | None = None,
    product_line_id: int | None = None,
    tier: str = "",
    close_from: date | None = None,
    close_to: date | None = None,
) -> QuerySet[Opportunity]:
    qs = selectors.opportunity_feed(actor=request.user, columns=OPPORTUNITY_COLUMNS)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    if status:  # as the deal list filters them: open deals from their own index
        qs = selectors.of_stage_kind(qs, status, actor=request.user)
    if stage:
        qs = qs.filter(stage__code=stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if product_line_id:
        qs = selectors.with_product_line(qs, product_line_id)
    if tier:
        qs = qs.filter(customer__tier=tier)
    if close_from:
        qs = qs.filter(expected_close__gte=close_from)
    if close_to:
        qs = qs.filter(expected_close__lte=close_to)
    return qs.order_by(selectors.by_expected_close(qs, desc=False), "pk")


@router.get("/opportunities/{opportunity_id}", response=OpportunityDetailOut, tags=["crm sales"])
def opportunity_get(request: HttpRequest, opportunity_id: int) -> Any:
    return _deal(request, opportunity_id)


@router.post("/opportunities", response={201: OpportunityDetailOut}, tags=["crm sales"])
def opportunity_create(request: HttpRequest, payload: OpportunityIn) -> Any:
    actor = request.user
    data = payload.dict()
    deal = services.opportunity_create(
        actor=actor,
        customer=get_visible_or_404(
            selectors.customers(actor=actor), actor, pk=data.pop("customer_id")
        ),
        owner=_person(request, data.pop("owner_id")),
        partner=_one(selectors.partners(actor=actor), request, data.pop("partner_id")),
        product_line=_one(ProductLine.objects.all(), request, data.pop("product_line_id")),
        **data,
    )
    return 201, _deal(request, deal.pk)


def _person(request: HttpRequest, pk: int | None) -> Any:
    if pk is None:
        return None
    found = selectors.team_members(actor=request.user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"owner_id": _("Choose someone in your team.")})
    return found


@router.patch("/opportunities/{opportunity_id}", response=OpportunityDetailOut, tags=["crm sales"])
def opportunity_update(request: HttpRequest, opportunity_id: int, payload: OpportunityPatch) -> Any:
    deal = _editable_deal(request, opportunity_id)
    changes = payload.dict(exclude_unset=True)
    lookups = {
        "owner_id": ("owner", lambda pk: _person(request, pk)),
        "partner_id": (
            "partner",
            lambda pk: _one(
                selectors.partners(actor=request.user, also=deal.partner_id), request, pk
            ),
        ),
        "product_line_id": (
            "product_line",
            lambda pk: _one(ProductLine.objects.all(), request, pk),
        ),
        "decision_maker_id": (
            "decision_maker",
            lambda pk: _one(
                selectors.contacts_of(actor=request.user, customer_id=deal.customer_id), request, pk
            ),
        ),
    }
    for key, (name, find) in lookups.items():
        if key in changes:
            changes[name] = find(changes.pop(key))
    for text in ("name", "next_step", "competitors", "source", "forecast_category"):
        if changes.get(text, "") is None:
            changes.pop(text)
    services.opportunity_update(actor=request.user, opportunity=deal, **changes)
    return _deal(request, deal.pk)


def _stage(request: HttpRequest, key: str) -> Stage:
    stages = selectors.stages(actor=request.user)
    found = stages.filter(pk=int(key)).first() if key.isdigit() else stages.filter(code=key).first()
    if found is None:
        raise ValidationError({"stage": _("No such stage.")})
    return found


@router.post(
    "/opportunities/{opportunity_id}/move", response=OpportunityDetailOut, tags=["crm sales"]
)
def opportunity_move(request: HttpRequest, opportunity_id: int, payload: MoveIn) -> Any:
    deal = _editable_deal(request, opportunity_id)
    services.opportunity_move_stage(
        actor=request.user,
        opportunity=deal,
        stage=_stage(request, payload.stage),
        lost_reason=payload.lost_reason,
        lost_note=payload.lost_note,
    )
    return _deal(request, deal.pk)


@router.post("/opportunities/{opportunity_id}/lines", response={201: LineOut}, tags=["crm sales"])
def opportunity_line_add(request: HttpRequest, opportunity_id: int, payload: LineIn) -> Any:
    deal = _editable_deal(request, opportunity_id)
    product = get_visible_or_404(Product, request.user, pk=payload.product_id)
    line = services.opportunity_line_add(
        actor=request.user,
        opportunity=deal,
        product=product,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        discount_pct=payload.discount_pct,
    )
    return 201, line


@router.delete("/opportunity-lines/{line_id}", response={204: None}, tags=["crm sales"])
def opportunity_line_remove(request: HttpRequest, line_id: int) -> Any:
    line = get_object_or_404(selectors.editable_lines(actor=request.user), pk=line_id)
    services.opportunity_line_remove(actor=request.user, line=line)
    return 204, None


@router.get("/activities", response=list[ActivityOut], tags=["crm sales"])
@paginate(LimitOffsetPagination)
def activity_list(
    request: HttpRequest,
    status: str = "",
    kind: str = "",
    owner_id: int | None = None,
    customer_id: int | None = None,
    opportunity_id: int | None = None,
) -> QuerySet[Activity]:
    qs = selectors.activities(actor=request.user).prefetch_related("companions")
    filters = {
        "status": status,
        "kind": kind,
        "owner_id": owner_id,
        "customer_id": customer_id,
        "opportunity_id": opportunity_id,
    }
    return qs.filter(**{k: v for k, v in filters.items() if v}).order_by("-id")


@router.post("/activities", response={201: ActivityOut}, tags=["crm sales"])
def activity_log(request: HttpRequest, payload: ActivityIn) -> Any:
    actor = request.user
    data = payload.dict()
    companions = list(
        selectors.companion_choices(actor=actor).filter(pk__in=data.pop("companion_ids"))
    )
    customer_id = data.pop("customer_id")
    activity = services.activity_log(
        actor=actor,
        owner=_person(request, data.pop("owner_id")),
        customer=_one(selectors.customers(actor=actor), request, customer_id),
        contact=_one(selectors.contacts(actor=actor), request, data.pop("contact_id")),
        opportunity=_one(selectors.opportunities(actor=actor), request, data.pop("opportunity_id")),
        lead=_one(selectors.open_leads(actor=actor), request, data.pop("lead_id")),
        companions=companions,
        **data,
    )
    return 201, activity


@router.post("/activities/{activity_id}/complete", response=ActivityOut, tags=["crm sales"])
def activity_complete(request: HttpRequest, activity_id: int, payload: CompleteIn) -> Any:
    qs = selectors.editable_activities(actor=request.user)
    activity = get_visible_or_404(qs, request.user, pk=activity_id)
    return services.activity_complete(actor=request.user, activity=activity, **payload.dict())
