"""Every route × every named person × own / in-subtree / outside object (see authz/framework)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from salesops.core import policy
from salesops.org.testing import NAMED_USERS
from tests.authz.framework import Case, Target

SUBJECTS = (*NAMED_USERS, "anonymous")


def _load() -> tuple[dict[str, Case], dict[str, Target]]:
    cases: dict[str, Case] = {}
    targets: dict[str, Target] = {}
    for info in pkgutil.iter_modules(tests.authz.__path__):
        if info.name.startswith("cases_"):
            module = importlib.import_module(f"tests.authz.{info.name}")
            for case in module.CASES:
                assert case.route not in cases, f"two cases for {case.route}"
                cases[case.route] = case
            for name, target in module.TARGETS.items():
                assert name not in targets, f"target {name} defined twice"
                targets[name] = target
    return cases, targets


CASES, TARGETS = _load()


def _route_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _route_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def _own_routes() -> set[str]:
    """Routes that must be in the table: all but Django admin's (covered by its prefix rule)."""
    return {name for name in _route_names() if not name.startswith("admin:")}


def test_every_route_is_in_the_policy_table() -> None:
    missing = sorted(_own_routes() - set(policy.table()))
    assert missing == [], f"routes with no policy: {missing}"


def test_every_policy_entry_is_a_real_route() -> None:
    stale = sorted(set(policy.table()) - _route_names())
    assert stale == [], f"policy entries with no route: {stale}"


def test_every_route_has_a_matrix_case() -> None:
    missing = sorted(set(policy.table()) - set(CASES))
    assert missing == [], f"routes with no authorization matrix case: {missing}"


def _expected(case: Case, who: str, target: str | None) -> int:
    access = policy.access_for(case.route)
    assert access is not None
    user_ok = access.roles == policy.PUBLIC or ((who != "anonymous" and access.roles in (
        policy.AUTHENTICATED,)) or who in _role_names(access.roles, who))  # fmt: skip
    if not user_ok:
        if who == "anonymous":
            return 401 if case.is_api else 302
        return 403
    if target is None:
        return case.signed_in if case.signed_in and who != "anonymous" else case.ok
    if who not in TARGETS[target].seen_by:
        return 404
    if target in case.acts_on and who not in case.acts_on[target]:
        return case.refused
    return case.ok


_ROLE_OF: dict[str, str] = {}


def _role_names(roles: Any, who: str) -> set[str]:
    """The named people whose role is in `roles`."""
    if isinstance(roles, str):
        return set()
    return {name for name, role in _ROLE_OF.items() if role in roles}


def _call(client: Client, case: Case, cast: Any, obj: Any) -> Any:
    kwargs = {case.kwarg: obj.pk} if obj is not None else {}
    url = reverse(case.route, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
    data = case.data(cast, obj) if callable(case.data) else case.data
    if case.is_api and case.method in ("post", "patch", "put"):
        return getattr(client, case.method)(url, data=json.dumps(data),
                                            content_type="application/json")  # fmt: skip
    if case.method == "get":
        return client.get(url, data)
    return getattr(client, case.method)(url, data)


@pytest.mark.parametrize("route", sorted(CASES))
def test_route_matrix(route: str, cast: Any) -> None:
    case = CASES[route]
    _ROLE_OF.clear()
    _ROLE_OF.update({name: user.role for name, user in cast.users.items()})
    clients = {who: Client() for who in SUBJECTS}
    for who in NAMED_USERS:
        clients[who].force_login(cast.users[who])
    failures = []
    for target in case.targets or (None,):
        for who in SUBJECTS:
            with transaction.atomic():
                obj = TARGETS[target].make(cast) if target else None
                response = _call(clients[who], case, cast, obj)
                transaction.set_rollback(True)
            expected = _expected(case, who, target)
            if response.status_code != expected:
                failures.append(f"{who} on {target or '-'}: {response.status_code} != {expected}")
            if case.route == "logout" and who != "anonymous":
                clients[who].force_login(cast.users[who])
    assert failures == [], f"{route}: " + "; ".join(failures)


def test_every_menu_entry_opens_a_route_in_the_table() -> None:
    from salesops.core.nav import all_items

    for item in all_items():
        assert policy.access_for(item.route) is not None, item.route
        reverse(item.route)
