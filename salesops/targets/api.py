"""Targets API: the KPI catalogue, targets with their attainment, splits, proposals and
decisions, the team table and the target tree — the same reads and services as the pages."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.api import PolicyRouter
from salesops.core.periods import Period
from salesops.core.visibility import get_visible_or_404
from salesops.org.models import OrgUnit, User
from salesops.targets import reports, selectors, services
from salesops.targets.kpis import SOURCES
from salesops.targets.models import KpiDefinition, Target
from salesops.targets.planning import Owner
from salesops.targets.schemas import (
    CellOut,
    DecisionIn,
    KpiOut,
    PhaseIn,
    ProposalIn,
    SplitIn,
    TargetDetailOut,
    TargetIn,
    TargetOut,
    TargetPatch,
    TreeNodeOut,
)

router = PolicyRouter(app="targets")


def _write(call: Callable[[], Any]) -> Any:
    """Run a service; an actor without authority over the target gets 403."""
    try:
        return call()
    except PermissionDenied as exc:
        raise HttpError(403, "Forbidden") from exc


def _target(request: HttpRequest, target_id: int) -> Target:
    return get_visible_or_404(selectors.targets(actor=request.user), request.user, pk=target_id)  # type: ignore[no-any-return]


def _kpi(request: HttpRequest, code: str) -> KpiDefinition:
    found = selectors.kpi_catalogue(actor=request.user).filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _detail(target: Target) -> Target:
    selectors.attach([target], timezone.localdate())
    return target


def _owner(request: HttpRequest, key: str) -> Owner:
    kind, _sep, pk = key.partition(":")
    if not pk.isdigit() or kind not in ("user", "unit"):
        raise Http404
    if kind == "user":
        return Owner(user=get_visible_or_404(User, request.user, pk=int(pk)))
    return Owner(unit=get_visible_or_404(OrgUnit, request.user, pk=int(pk)))


@router.get("/kpis", response=list[KpiOut])
def kpi_list(request: HttpRequest) -> Any:
    return selectors.kpi_catalogue(actor=request.user)


@router.get("/targets", response=list[TargetOut])
@paginate(LimitOffsetPagination)
def target_list(
    request: HttpRequest,
    period: str = "",
    kpi: str = "",
    owner_user_id: int | None = None,
    owner_unit_id: int | None = None,
    status: str = "",
) -> QuerySet[Target]:
    qs = selectors.targets(actor=request.user).order_by("period_start", "kpi__order", "pk")
    filters = {
        "period_key": period,
        "kpi__code": kpi,
        "owner_user_id": owner_user_id,
        "owner_unit_id": owner_unit_id,
        "status": status,
    }
    return qs.filter(**{k: v for k, v in filters.items() if v not in ("", None)})


@router.get("/targets/{target_id}", response=TargetDetailOut)
def target_get(request: HttpRequest, target_id: int) -> Any:
    return _detail(_target(request, target_id))


@router.get("/targets/{target_id}/records", response=list[dict[str, Any]])
@paginate(LimitOffsetPagination)
def target_records(request: HttpRequest, target_id: int) -> Any:
    target = _target(request, target_id)
    if target.kpi.is_manual:
        raise Http404
    qs, _info = reports.target_records(actor=request.user, target=target)
    paths = [c.path for c in SOURCES[target.kpi.source].columns]
    return qs.order_by("pk").values("pk", *paths)


@router.post("/targets", response={201: TargetDetailOut})
def target_create(request: HttpRequest, payload: TargetIn) -> Any:
    kpi = _kpi(request, payload.kpi)
    period = selectors.parse_period(payload.period)
    person = unit = None
    if payload.owner_user_id is not None:
        person = get_visible_or_404(User, request.user, pk=payload.owner_user_id)
    if payload.owner_unit_id is not None:
        unit = get_visible_or_404(OrgUnit, request.user, pk=payload.owner_unit_id)
    parent = _target(request, payload.parent_id) if payload.parent_id else None
    made = _write(
        lambda: services.target_set(
            actor=request.user,
            kpi=kpi,
            period=period,
            value=payload.value,
            person=person,
            unit=unit,
            description=payload.description,
            parent=parent,
            reason=payload.reason,
        )
    )
    return 201, _detail(made)


@router.patch("/targets/{target_id}", response=TargetDetailOut)
def target_update(request: HttpRequest, target_id: int, payload: TargetPatch) -> Any:
    target = _target(request, target_id)
    done = _write(
        lambda: services.target_update(
            actor=request.user,
            target=target,
            value=payload.value,
            description=payload.description,
            reason=payload.reason,
        )
    )
    return _detail(done)


@router.post("/targets/{target_id}/split", response=list[TargetOut])
def target_split(request: HttpRequest, target_id: int, payload: SplitIn) -> Any:
    target = _target(request, target_id)
    children = [_owner(request, key) for key in payload.children]
    return _write(
        lambda: services.target_split(
            actor=request.user,
            target=target,
            children=children,
            method=payload.method,
            weights=payload.weights,
            values=payload.values,
            apply_ramp=payload.apply_ramp,
            reason=payload.reason,
        )
    )


@router.post("/targets/{target_id}/phase", response=list[TargetOut])
def target_phase(request: HttpRequest, target_id: int, payload: PhaseIn) -> Any:
    target = _target(request, target_id)
    return _write(
        lambda: services.target_phase(
            actor=request.user,
            target=target,
            kind=payload.kind,
            method=payload.method,
            weights=payload.weights,
            values=payload.values,
            apply_ramp=payload.apply_ramp,
            reason=payload.reason,
        )
    )


@router.post("/targets/{target_id}/approve", response=TargetDetailOut)
def target_approve(request: HttpRequest, target_id: int, payload: DecisionIn) -> Any:
    target = _target(request, target_id)
    done = _write(
        lambda: services.target_approve(
            actor=request.user, target=target, value=payload.value, reason=payload.reason
        )
    )
    return _detail(done)


@router.post("/proposals", response={201: TargetDetailOut})
def target_propose(request: HttpRequest, payload: ProposalIn) -> Any:
    kpi = _kpi(request, payload.kpi)
    period = selectors.parse_period(payload.period)
    made = services.target_propose(
        actor=request.user,
        kpi=kpi,
        period=period,
        value=payload.value,
        description=payload.description,
    )
    return 201, _detail(made)


@router.get("/attainment", response=list[CellOut])
@paginate(LimitOffsetPagination)
def attainment(
    request: HttpRequest, period: str = "", unit_id: int | None = None, kpi: str = ""
) -> Any:
    day = timezone.localdate()
    p = selectors.parse_period(period) if period else Period.containing("month", day)
    unit = get_visible_or_404(OrgUnit, request.user, pk=unit_id) if unit_id else None
    kpi_list = [_kpi(request, kpi)] if kpi else None
    found, rows = reports.team_table(
        actor=request.user, unit=unit, period=p, kpi_list=kpi_list, today=day
    )
    return [_cell(row.person, k, c) for row in rows for k, c in zip(found, row.cells, strict=True)]


def _cell(person: Any, kpi: KpiDefinition, cell: reports.Cell) -> dict[str, Any]:
    att = cell.att
    return {
        "person_id": person.pk,
        "person": str(person),
        "unit": str(person.unit or ""),
        "kpi": kpi.code,
        "target_id": cell.target.pk if cell.target else None,
        "target": cell.target.value if cell.target else None,
        "actual": cell.actual,
        "pct": att.pct if att else None,
        "expected": att.expected if att else None,
        "status": att.status if att else "",
        "projection": att.projection if att else None,
        "pace_per_day": att.pace_per_day if att else None,
    }


@router.get("/tree", response=list[TreeNodeOut])
def tree(request: HttpRequest, period: str = "", kpi: str = "won_revenue") -> Any:
    day = timezone.localdate()
    p = selectors.parse_period(period) if period else Period.containing("year", day)
    roots = reports.tree(actor=request.user, kpi=_kpi(request, kpi), period=p, today=day)
    out: list[dict[str, Any]] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(_node(node))
        out += [_person(node, row) for row in node.people]
        stack += list(reversed(node.children))
    return out


def _node(node: reports.Node) -> dict[str, Any]:
    split = node.split or {}
    return {
        "kind": "unit",
        "id": node.unit.pk,
        "name": str(node.unit),
        "parent_unit_id": node.unit.parent_id,
        "depth": node.unit.depth,
        "target_id": node.target.pk if node.target else None,
        "target": node.target.value if node.target else None,
        "actual": node.actual,
        "pct": node.att.pct if node.att else None,
        "status": node.att.status if node.att else "",
        "split_sum": split.get("sum"),
        "split_state": split.get("state", ""),
        "split_diff": split.get("diff"),
    }


def _person(node: reports.Node, row: dict[str, Any]) -> dict[str, Any]:
    t, att = row["target"], row["att"]
    return {
        "kind": "person",
        "id": row["person"].pk,
        "name": str(row["person"]),
        "parent_unit_id": node.unit.pk,
        "depth": node.unit.depth + 1,
        "target_id": t.pk if t else None,
        "target": t.value if t else None,
        "actual": row["actual"],
        "pct": att.pct if att else None,
        "status": att.status if att else "",
        "split_sum": None,
        "split_state": "",
        "split_diff": None,
    }
