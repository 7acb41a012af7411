"""Route policy and menu entries of the organisation pages and API."""

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import AUTHENTICATED, Access, roles

ADMIN = roles("admin")

ROUTES = {
    "org:tree": Access(AUTHENTICATED),
    "org:unit_detail": Access(AUTHENTICATED, obj="unit"),
    "org:unit_create": Access(ADMIN, writes=True),
    "org:unit_edit": Access(ADMIN, obj="unit", writes=True),
    "org:unit_move": Access(ADMIN, obj="unit", writes=True),
    "org:person_list": Access(AUTHENTICATED),
    "org:person_detail": Access(AUTHENTICATED, obj="person"),
    "org:person_create": Access(ADMIN, writes=True),
    "org:person_edit": Access(ADMIN, obj="person", writes=True),
    "org:person_move": Access(ADMIN, obj="person", writes=True),
    "org:person_active": Access(ADMIN, obj="person", writes=True),
    # API operations
    "api:org_me": Access(AUTHENTICATED),
    "api:org_unit_list": Access(AUTHENTICATED),
    "api:org_unit_get": Access(AUTHENTICATED, obj="unit"),
    "api:org_unit_create": Access(ADMIN, writes=True),
    "api:org_unit_update": Access(ADMIN, obj="unit", writes=True),
    "api:org_person_list": Access(AUTHENTICATED),
    "api:org_person_get": Access(AUTHENTICATED, obj="person"),
    "api:org_person_create": Access(ADMIN, writes=True),
    "api:org_person_update": Access(ADMIN, obj="person", writes=True),
}

NAV = [
    NavItem(_("Organisation"), "org:tree", "sitemap", 800),
    NavItem(_("People"), "org:person_list", "users", 810),
]
