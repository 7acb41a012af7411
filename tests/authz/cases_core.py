"""Matrix cases of the core routes."""

from salesops.core.models import SavedFilter
from salesops.core.services import api_token_create
from tests.authz.framework import Case, Target

TARGETS = {
    "rep_filter": Target(
        lambda cast: SavedFilter.objects.create(
            owner=cast.rep, list_name="x", name="n", query="a=1"
        ),
        frozenset({"rep"}),
    ),
    # A token belongs to the rep: only the rep may revoke it (others get 404).
    "rep_token": Target(
        lambda cast: api_token_create(actor=cast.rep, name="t")[0], frozenset({"rep"})
    ),
}

CASES = [
    Case("home"),
    Case("login", signed_in=302),
    Case("api:api-root", ok=404),  # the bare /api/ index answers 404 to everyone
    Case("logout", method="post", ok=302),
    Case("set_language", method="post", data={"language": "en", "next": "/"}, ok=302),
    Case("api:openapi-view"),
    Case("api:openapi-json"),
    Case("core:profile"),
    Case("core:token_list"),
    Case("core:token_revoke", method="post", targets=("rep_token",), ok=302),
    Case("core:audit_list"),
    Case(
        "core:saved_filter_save",
        method="post",
        ok=302,
        data={"list_name": "customers", "name": "Mine", "query": "owner=me", "next": "/"},
    ),
    Case("core:saved_filter_delete", method="post", targets=("rep_filter",), ok=302),
    Case("admin:index", ok=200),
]
