"""Route policy and menu entries of the CRM sales area, and who may act on a deal."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import AUTHENTICATED, Access, roles
from salesops.org.roles import SALES_ROLES

# Sales pages: the sales force and administrators (HR and finance see no sales data).
SALES = roles(*SALES_ROLES, "admin")

ROUTES: dict[str, Access] = {
    # Reference pages: every signed-in person reads them; admins edit in the Django admin.
    "crm:product_list": Access(AUTHENTICATED),
    "crm:stage_list": Access(AUTHENTICATED),
    # Opportunities
    "crm:opportunity_list": Access(SALES),
    "crm:opportunity_create": Access(SALES, writes=True),
    "crm:opportunity_detail": Access(SALES, obj="opportunity"),
    "crm:opportunity_edit": Access(SALES, obj="opportunity", writes=True),
    "crm:opportunity_move": Access(SALES, obj="opportunity", writes=True),
    "crm:opportunity_line_add": Access(SALES, obj="opportunity", writes=True),
    "crm:opportunity_line_edit": Access(SALES, obj="opportunity line", writes=True),
    "crm:opportunity_line_remove": Access(SALES, obj="opportunity line", writes=True),
    "crm:pipeline_board": Access(SALES),
    # Activities
    "crm:activity_list": Access(SALES),
    "crm:my_activities": Access(SALES),
    "crm:activity_create": Access(SALES, writes=True),
    "crm:activity_complete": Access(SALES, obj="activity", writes=True),
    "crm:activity_cancel": Access(SALES, obj="activity", writes=True),
    # Import
    "crm:sales_import": Access(SALES, writes=True),
    "crm:sales_import_template": Access(SALES),
    # API operations
    "api:crm_product_list": Access(AUTHENTICATED),
    "api:crm_stage_list": Access(AUTHENTICATED),
    "api:crm_opportunity_list": Access(SALES),
    "api:crm_opportunity_get": Access(SALES, obj="opportunity"),
    "api:crm_opportunity_create": Access(SALES, writes=True),
    "api:crm_opportunity_update": Access(SALES, obj="opportunity", writes=True),
    "api:crm_opportunity_move": Access(SALES, obj="opportunity", writes=True),
    "api:crm_opportunity_line_add": Access(SALES, obj="opportunity", writes=True),
    "api:crm_opportunity_line_remove": Access(SALES, obj="opportunity line", writes=True),
    "api:crm_activity_list": Access(SALES),
    "api:crm_activity_log": Access(SALES, writes=True),
    "api:crm_activity_complete": Access(SALES, obj="activity", writes=True),
}

NAV: list[NavItem] = [
    NavItem(_("Pipeline"), "crm:pipeline_board", "layout-kanban", 200),
    NavItem(_("Opportunities"), "crm:opportunity_list", "briefcase", 210),
    NavItem(_("My activities"), "crm:my_activities", "calendar-check", 220),
    NavItem(_("Activities"), "crm:activity_list", "list-check", 230),
    NavItem(_("Products"), "crm:product_list", "package", 380),
    NavItem(_("Stages"), "crm:stage_list", "stairs", 390),
]


def can_act_for(actor: Any, owner_id: int | None) -> bool:
    """May the actor change records owned by this person (self, their leaders, admin)?"""
    if actor is None or not actor.is_authenticated or not actor.is_active or owner_id is None:
        return False
    scope = actor.scope("sales")
    if scope.everything:
        return True
    return owner_id in scope.user_ids


def require_rights(actor: Any, owner_id: int | None) -> None:
    """Refuse (PermissionDenied) unless the actor may change this person's records."""
    from django.core.exceptions import PermissionDenied

    if not can_act_for(actor, owner_id):
        raise PermissionDenied


def leads_person(leader: Any, person_id: int) -> bool:
    """Is the person in the leader's team (their reports or the units they lead)?"""
    if leader.pk == person_id or leader.role not in SALES_ROLES:
        return False
    scope = leader.scope("sales")
    if scope.empty:
        return False
    if scope.everything:  # the head of the whole company leads everyone in it
        return True
    return can_act_for(leader, person_id)
