"""Matrix cases of the organisation pages and API."""

from tests.authz.framework import OUTSIDE_CHAIN, REP_CHAIN, Case, Target

STAFF = frozenset({"hr", "finance", "admin"})

TARGETS = {
    # Units: a leader sees the subtree they lead; others their own unit; staff roles all.
    "own_team": Target(
        lambda cast: cast.units["n1"],
        frozenset({"rep", "peer_rep", "supervisor", "manager", "director"}) | STAFF,
    ),
    "outside_team": Target(
        lambda cast: cast.units["s1"],
        frozenset({"outside_rep", "other_supervisor", "other_manager", "director"}) | STAFF,
    ),
    # People: themselves, their chain, and HR/finance/admin.
    "rep": Target(lambda cast: cast.rep, REP_CHAIN | STAFF),
    "outside_rep": Target(lambda cast: cast.outside_rep, OUTSIDE_CHAIN | STAFF),
}
UNITS = ("own_team", "outside_team")
PEOPLE = ("rep", "outside_rep")

CASES = [
    Case("org:tree"),
    Case("org:unit_detail", targets=UNITS),
    Case("org:unit_create"),
    Case("org:unit_edit", targets=UNITS),
    Case("org:unit_move", targets=UNITS),
    Case("org:person_list"),
    Case("org:person_detail", targets=PEOPLE),
    Case("org:person_create"),
    Case("org:person_edit", targets=PEOPLE),
    Case("org:person_move", targets=PEOPLE),
    Case("org:person_active", method="post", targets=PEOPLE, data={"active": "0"}, ok=302),
    Case("api:org_me"),
    Case("api:org_unit_list"),
    Case("api:org_unit_get", targets=UNITS, kwarg="unit_id"),
    Case(
        "api:org_unit_create",
        method="post",
        ok=201,
        data={"name": "New", "code": "new-unit", "kind": "team"},
    ),
    Case(
        "api:org_unit_update",
        method="patch",
        targets=UNITS,
        kwarg="unit_id",
        data={"name": "Renamed"},
    ),
    Case("api:org_person_list"),
    Case("api:org_person_get", targets=PEOPLE, kwarg="person_id"),
    Case(
        "api:org_person_create",
        method="post",
        ok=201,
        data=lambda cast, _t: {
            "username": "newbie",
            "display_name": "Newbie",
            "position": "rep",
            "unit_id": cast.units["n1"].pk,
        },
    ),
    Case(
        "api:org_person_update",
        method="patch",
        targets=PEOPLE,
        kwarg="person_id",
        data={"phone": "123"},
    ),
]
