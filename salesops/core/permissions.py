"""Route policy and menu entries of the core pages."""

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import AUTHENTICATED, PUBLIC, Access, roles

ROUTES = {
    "home": Access(AUTHENTICATED),
    "login": Access(PUBLIC),
    "logout": Access(AUTHENTICATED, writes=True),
    "set_language": Access(PUBLIC, writes=True),
    "api:api-root": Access(PUBLIC, notes="API index"),
    "api:openapi-view": Access(PUBLIC, notes="API documentation"),
    "api:openapi-json": Access(PUBLIC, notes="OpenAPI schema"),
    "core:profile": Access(AUTHENTICATED, writes=True),
    "core:token_list": Access(AUTHENTICATED, writes=True),
    "core:token_revoke": Access(AUTHENTICATED, obj="token", writes=True),
    "core:audit_list": Access(roles("admin")),
    "core:saved_filter_save": Access(AUTHENTICATED, writes=True),
    "core:saved_filter_delete": Access(AUTHENTICATED, obj="saved_filter", writes=True),
}

NAV = [
    NavItem(_("Home"), "home", "home", 0),
    NavItem(_("Audit log"), "core:audit_list", "history", 900),
]
