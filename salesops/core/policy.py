"""The route policy: one declarative table of who may open every page and API operation.

Each app's `permissions.py` has `ROUTES = {route name: Access(...)}`; they are merged at start
up. Page routes are named by their URL name ("org:unit_detail"); API operations by
"api:<operation id>". The middleware (pages) and the API binding (operations) refuse any route
not in the table, so a new route cannot be reachable without a policy. Object-level checks
(own / in subtree / outside) are done by the visibility rules, and the authorization matrix test
checks both against the named test users.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

log = logging.getLogger(__name__)

PUBLIC = "public"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Access:
    """Who may use a route. `roles` is PUBLIC, AUTHENTICATED or a set of role names.

    `obj` names the kind of object the route acts on ("" for none) and `writes` marks routes
    that change data; both are read by the authorization matrix test.
    """

    roles: str | frozenset[str]
    obj: str = ""
    writes: bool = False
    notes: str = field(default="", compare=False)

    def allows(self, user: Any) -> bool:
        if self.roles == PUBLIC:
            return True
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if self.roles == AUTHENTICATED:
            return True
        return getattr(user, "role", None) in self.roles


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


_TABLE: dict[str, Access] = {}
# Route names owned by third-party apps, matched by prefix (the Django admin checks staff).
PREFIXES: dict[str, Access] = {"admin:": Access(roles("admin"))}


def register(routes: dict[str, Access]) -> None:
    """Add an app's routes to the table (names must be unique)."""
    for name, access in routes.items():
        if name in _TABLE and _TABLE[name] != access:
            raise ValueError(f"route {name} registered twice with different access")
        _TABLE[name] = access


def table() -> dict[str, Access]:
    return dict(_TABLE)


def access_for(name: str) -> Access | None:
    """The policy of a route, or None when the table does not name it."""
    if name in _TABLE:
        return _TABLE[name]
    for prefix, access in PREFIXES.items():
        if name.startswith(prefix):
            return access
    return None


def allows(user: Any, name: str) -> bool:
    """May this user open the route? Unknown routes are refused."""
    access = access_for(name)
    return access is not None and access.allows(user)


class RoutePolicyMiddleware:
    """Refuses page requests the policy table does not allow (API operations check their own)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_view(self, request: Any, view_func: Any, args: Any, kwargs: Any) -> Any:
        match = request.resolver_match
        if match is None or match.namespace.startswith("api"):
            return None
        access = access_for(match.view_name)
        if access is None:
            log.error("route %s is not in the policy table", match.view_name)
            if settings.DEBUG:
                raise PermissionDenied(f"route {match.view_name} has no policy")
            raise PermissionDenied
        if access.allows(request.user):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
