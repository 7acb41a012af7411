"""The authorization matrix: every route × every named person × own / in-subtree / outside.

Each `cases_*.py` module beside this file lists `CASES` (how to call each route) and `TARGETS`
(objects to call it on, each with the hand-written set of people who may see it). The matrix
test checks that every route in the URL configuration and every entry of the policy table has a
case, and that each call answers as the policy table and the target's `seen_by` say:

- role not allowed by the table: anonymous → 302 to sign-in (pages) or 401 (API); others 403;
- allowed, no object: the case's `ok` status;
- allowed, object the person may see: `ok`; may not see (or missing): 404.

`seen_by` is written out by hand from the org chart in salesops/org/testing.py, not computed by
the code under test, so a leak or an over-restriction both fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesops.org.testing import NAMED_USERS, Cast

EVERYONE = frozenset(NAMED_USERS)
# Who sees the rep's records (own: rep; in subtree: supervisor, manager, director; admin all).
REP_CHAIN = frozenset({"rep", "supervisor", "manager", "director", "admin"})
# Who sees the outside rep's records (another branch).
OUTSIDE_CHAIN = frozenset({"outside_rep", "other_supervisor", "other_manager", "director", "admin"})


@dataclass(frozen=True)
class Target:
    """An object a route can act on, and who may see it."""

    make: Callable[[Cast], Any]
    seen_by: frozenset[str]


@dataclass(frozen=True)
class Case:
    """How to call one route. `targets` names entries of TARGETS; `kwarg` is the URL keyword."""

    route: str
    method: str = "get"
    targets: tuple[str, ...] = ()
    kwarg: str = "pk"
    data: dict[str, Any] | Callable[[Cast, Any], dict[str, Any]] = field(default_factory=dict)
    ok: int = 200
    # For routes where seeing is not enough to act: who may act on each target, and the status
    # the others get (e.g. only the owner edits; only the next approver approves).
    acts_on: dict[str, frozenset[str]] = field(default_factory=dict)
    refused: int = 404
    # Status for any signed-in person when it differs from `ok` (the sign-in page redirects).
    signed_in: int | None = None
    query: str = ""

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api:")
