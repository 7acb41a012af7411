"""Org reads, and the scopes that drive visibility everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.db.models import Count, Q, QuerySet

from salesops.core.visibility import EVERYTHING, NOTHING, Scope
from salesops.org.models import Assignment, OrgUnit, User
from salesops.org.roles import Role

T = TypeVar("T")

# Which roles see everything in a domain; the rest see themselves and what they lead.
SEES_ALL = {
    "people": {Role.ADMIN, Role.HR, Role.FINANCE},
    "sales": {Role.ADMIN},
    "reviews": {Role.HR},
    "pay": {Role.FINANCE},
}
# Which roles see nothing at all in a domain (not even their own records).
SEES_NONE = {
    "sales": {Role.HR, Role.FINANCE},
    "reviews": {Role.ADMIN},
    "pay": {Role.ADMIN},
}


def kept_on(actor: Any, key: str, compute: Callable[[], T]) -> T:
    """compute(), kept on the user object under `key`: a request's user is loaded for it, so
    what is kept lasts the request (its scopes, User.scope; the units it leads)."""
    kept = getattr(actor, "__dict__", None)
    if kept is None or actor.pk is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return kept[key]  # type: ignore[no-any-return]


def led_paths(actor: Any) -> list[str]:
    """Materialised paths of the active units the actor leads (read once per user object: a
    page's scopes, unit choices and lens each ask for them)."""

    def read() -> tuple[str, ...]:
        led = OrgUnit.objects.filter(leader_id=actor.pk, is_active=True)
        return tuple(led.values_list("path", flat=True))

    return list(kept_on(actor, "_led_paths", read))


def _subtree_q(paths: list[str], field: str = "unit__path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def scope_for(actor: Any, domain: str) -> Scope:
    """What the actor may see in a domain: all, nothing, or these users' records."""
    role = actor.role
    if role in SEES_ALL.get(domain, set()):
        return EVERYTHING
    if role in SEES_NONE.get(domain, set()):
        return NOTHING
    paths = led_paths(actor)
    if domain == "sales" and any(p.count("/") == 2 for p in paths):
        return EVERYTHING  # the head of the whole company sees all its sales records
    return Scope(user_ids=kept_on(actor, "_led_people", lambda: _led_people(actor, paths)))


def _led_people(actor: Any, paths: list[str]) -> tuple[int, ...]:
    """The actor, their direct reports and everyone in the units they lead (the same for every
    domain that is not all or nothing)."""
    if not paths and not User.objects.filter(manager_id=actor.pk).exists():
        return (actor.pk,)
    # Evaluated once into a list of ids: a nested subquery repeated inside other visibility
    # filters made PostgreSQL plan per-row sub-plans (minutes for a thousand people).
    ids = User.objects.filter(Q(pk=actor.pk) | Q(manager_id=actor.pk) | _subtree_q(paths))
    return tuple(ids.values_list("pk", flat=True))


def units_visible_filter(actor: Any) -> Q:
    """A filter on OrgUnit for the units the actor may see."""
    if actor.role in SEES_ALL["people"]:
        return Q()
    return _subtree_q(led_paths(actor), field="path") | Q(pk=actor.unit_id or 0)


def unit_tree(*, actor: Any) -> list[dict[str, Any]]:
    """The visible units as a nested tree with head counts (one query for units, one for counts)."""
    units = list(
        OrgUnit.objects.visible_to(actor)
        .filter(is_active=True)
        .select_related("leader")
        .order_by("path")
    )
    counts = dict(
        User.objects.filter(is_active=True, unit__in=[u.pk for u in units])
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    nodes = {u.pk: {"unit": u, "children": [], "headcount": counts.get(u.pk, 0)} for u in units}
    roots: list[dict[str, Any]] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent["children"] if parent else roots).append(nodes[unit.pk])
    for unit in reversed(units):  # deepest first: add each subtree's total to its parent
        node = nodes[unit.pk]
        node["total"] = node["headcount"] + sum(child["total"] for child in node["children"])
    return roots


def people(
    *,
    actor: Any,
    search: str = "",
    unit: OrgUnit | None = None,
    position: str = "",
    active: bool | None = True,
) -> QuerySet[User]:
    """The people the actor may see, filtered; a unit filter includes its whole subtree."""
    qs = User.objects.visible_to(actor).select_related("unit", "manager")
    if active is not None:
        qs = qs.filter(is_active=active)
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(display_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
        )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if position:
        qs = qs.filter(position=position)
    return qs.order_by("unit__path", "position", "username")


def unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from the root down (one query)."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_at(*, user: User, on: date) -> int | None:
    """The id of the unit the person was in on a day (from the assignment history)."""
    row = (
        Assignment.objects.filter(user=user, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .order_by("-start")
        .values_list("unit_id", flat=True)
        .first()
    )
    return row


def leads_anything(actor: Any) -> bool:
    """Does the actor lead a unit or have direct reports?"""
    return bool(led_paths(actor)) or User.objects.filter(manager_id=actor.pk).exists()
