"""Organisation API: read within visibility, write for administrators, through the services."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.api import PolicyRouter
from salesops.core.visibility import get_visible_or_404
from salesops.org import selectors, services
from salesops.org.models import OrgUnit, User
from salesops.org.schemas import PersonIn, PersonOut, PersonPatch, UnitIn, UnitOut, UnitPatch

router = PolicyRouter(app="org")


def _unit_or_none(request: HttpRequest, pk: int | None) -> OrgUnit | None:
    return None if pk is None else get_visible_or_404(OrgUnit, request.user, pk=pk)


def _person_or_none(request: HttpRequest, pk: int | None) -> User | None:
    return None if pk is None else get_visible_or_404(User, request.user, pk=pk)


@router.get("/me", response=PersonOut)
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("/units", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def unit_list(request: HttpRequest) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.visible_to(request.user).order_by("path")


@router.get("/units/{unit_id}", response=UnitOut)
def unit_get(request: HttpRequest, unit_id: int) -> Any:
    return get_visible_or_404(OrgUnit, request.user, pk=unit_id)


@router.post("/units", response={201: UnitOut})
def unit_create(request: HttpRequest, payload: UnitIn) -> Any:
    unit = services.unit_create(
        actor=request.user,
        name=payload.name,
        code=payload.code,
        kind=payload.kind,
        parent=_unit_or_none(request, payload.parent_id),
        leader=_person_or_none(request, payload.leader_id),
    )
    return 201, unit


@router.patch("/units/{unit_id}", response=UnitOut)
def unit_update(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Any:
    unit = get_visible_or_404(OrgUnit, request.user, pk=unit_id)
    changes = payload.dict(exclude_unset=True)
    if "leader_id" in changes:
        changes["leader"] = _person_or_none(request, changes.pop("leader_id"))
    return services.unit_update(actor=request.user, unit=unit, **changes)


@router.get("/people", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def person_list(request: HttpRequest, q: str = "", position: str = "") -> QuerySet[User]:
    return selectors.people(actor=request.user, search=q, position=position)


@router.get("/people/{person_id}", response=PersonOut)
def person_get(request: HttpRequest, person_id: int) -> Any:
    return get_visible_or_404(User, request.user, pk=person_id)


@router.post("/people", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonIn) -> Any:
    data = payload.dict()
    unit = get_visible_or_404(OrgUnit, request.user, pk=data.pop("unit_id"))
    manager = _person_or_none(request, data.pop("manager_id"))
    person = services.person_create(actor=request.user, unit=unit, manager=manager, **data)
    return 201, person


@router.patch("/people/{person_id}", response=PersonOut)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = get_visible_or_404(User, request.user, pk=person_id)
    return services.person_update(
        actor=request.user, person=person, **payload.dict(exclude_unset=True)
    )
