"""Route policy and menu entries of targets and KPIs, and who may set which target.

Pages are for the sales roles and administrators (HR and finance see no targets: they are
sales data). Who may act on a target beyond seeing it is decided here and by the services:
leaders set targets for their people and for the units below the ones they lead, directors for
the whole company including its top, administrators for anyone; nobody approves their own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import Access, roles
from salesops.org.roles import SALES_ROLES, Role

SALES = frozenset([*SALES_ROLES, Role.ADMIN])
PROPOSERS = frozenset(SALES_ROLES)
LEADERS = roles(Role.SUPERVISOR, Role.MANAGER, Role.SENIOR_MANAGER, Role.DIRECTOR, Role.ADMIN)
ADMIN = roles(Role.ADMIN)

ROUTES: dict[str, Access] = {
    "targets:my": Access(SALES),
    "targets:team": Access(LEADERS),
    "targets:tree": Access(LEADERS),
    "targets:target_list": Access(SALES),
    "targets:history": Access(SALES),
    "targets:target_detail": Access(SALES, obj="target"),
    "targets:target_records": Access(SALES, obj="target"),
    "targets:target_create": Access(LEADERS, writes=True),
    "targets:target_edit": Access(LEADERS, obj="target", writes=True),
    "targets:target_split": Access(LEADERS, obj="target", writes=True),
    "targets:target_phase": Access(LEADERS, obj="target", writes=True),
    "targets:target_approve": Access(LEADERS, obj="target", writes=True),
    "targets:target_return": Access(LEADERS, obj="target", writes=True),
    "targets:target_delete": Access(LEADERS, obj="target", writes=True),
    "targets:propose": Access(PROPOSERS, writes=True),
    "targets:manual_record": Access(LEADERS, writes=True),
    "targets:kpi_list": Access(SALES),
    "targets:kpi_create": Access(ADMIN, writes=True),
    "targets:kpi_edit": Access(ADMIN, obj="kpi", writes=True),
    "targets:ramp_rules": Access(ADMIN, writes=True),
    # API operations
    "api:targets_kpi_list": Access(SALES),
    "api:targets_target_list": Access(SALES),
    "api:targets_target_get": Access(SALES, obj="target"),
    "api:targets_target_records": Access(SALES, obj="target"),
    "api:targets_target_create": Access(LEADERS, writes=True),
    "api:targets_target_update": Access(LEADERS, obj="target", writes=True),
    "api:targets_target_split": Access(LEADERS, obj="target", writes=True),
    "api:targets_target_phase": Access(LEADERS, obj="target", writes=True),
    "api:targets_target_approve": Access(LEADERS, obj="target", writes=True),
    "api:targets_target_propose": Access(PROPOSERS, writes=True),
    "api:targets_attainment": Access(LEADERS),
    "api:targets_tree": Access(LEADERS),
}

NAV: list[NavItem] = [
    NavItem(_("My targets"), "targets:my", "target", 50),
    NavItem(_("Team attainment"), "targets:team", "table", 55),
    NavItem(_("Target tree"), "targets:tree", "binary-tree", 60),
    NavItem(_("KPI catalogue"), "targets:kpi_list", "list-check", 420),
    NavItem(_("Ramp rules"), "targets:ramp_rules", "stairs-up", 430),
]


def actor_led_paths(actor: Any) -> list[str]:
    """The paths of the units the actor leads, read once per request (kept on the actor)."""
    from salesops.org.selectors import led_paths

    cache: dict[str, Any] = actor.__dict__
    if "_targets_led_paths" not in cache:
        cache["_targets_led_paths"] = led_paths(actor)
    return cache["_targets_led_paths"]  # type: ignore[no-any-return]


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


def leads_person(actor: Any, person_id: int) -> bool:
    """Is the person in the actor's sales scope (their people), the actor excepted?"""
    from salesops.org.models import User

    if not _active(actor) or actor.pk == person_id:
        return False
    scope = actor.scope("sales")
    if scope.everything:
        return True
    if scope.empty:
        return False
    return User.objects.filter(pk=person_id).filter(scope.q("pk")).exists()


def may_set_for_person(actor: Any, person: Any) -> bool:
    """Leaders set (and approve) the targets of their people; administrators anyone's."""
    if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
        return False
    if actor.role == Role.ADMIN:
        return True
    return leads_person(actor, person.pk)


def unit_settable(actor: Any, unit: Any, paths: list[str]) -> bool:
    """`may_set_for_unit` with the actor's led paths already read (no query)."""
    if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
        return False
    if actor.role == Role.ADMIN:
        return True
    return any(
        unit.path.startswith(path) and (unit.path != path or actor.role == Role.DIRECTOR)
        for path in paths
    )


def may_set_for_unit(actor: Any, unit: Any) -> bool:
    """Leaders set targets of the units below the ones they lead; a director also the units
    they lead themselves (the company); administrators any unit."""
    if not _active(actor):
        return False
    return unit_settable(actor, unit, actor_led_paths(actor))


def may_split(actor: Any, unit: Any) -> bool:
    """May the actor split a unit's target down (they lead the unit or a unit above it)?"""
    if not _active(actor) or actor.role in (Role.HR, Role.FINANCE):
        return False
    if actor.role == Role.ADMIN:
        return True
    return any(unit.path.startswith(path) for path in actor_led_paths(actor))


def may_set(actor: Any, *, person: Any = None, unit: Any = None) -> bool:
    """May the actor set a target for this person or unit?"""
    return may_set_for_person(actor, person) if person is not None else (
        may_set_for_unit(actor, unit)
    )  # fmt: skip
