"""Fixtures shared by every app's tests: the named cast, signed-in clients, query counting."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salesops.org.testing import Cast, build_cast


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: Any) -> Cast:
    """The named test organisation (see salesops/org/testing.py)."""
    return build_cast()


@pytest.fixture
def client_for(cast: Cast) -> Any:
    """client_for("manager") → a Django test client signed in as that named person."""

    def make(name: str | None) -> Client:
        client = Client()
        if name and name != "anonymous":
            client.force_login(cast.users[name])
        return client

    return make


def _reseed_reference_data() -> None:
    """Re-run the data migrations (funnel stages, KPI catalogue, alert rules, ...) when a
    transactional test has flushed the tables they fill; the same code as a fresh database."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    from salesops.crm.models import Stage

    if Stage.objects.exists():
        return
    loader = MigrationLoader(None, ignore_no_migrations=True)
    done: set[tuple[str, str]] = set()  # the apps' plans share migrations: each runs once
    for key in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(key):
            if node in done or not loader.disk_migrations[node].__module__.startswith("salesops."):
                continue
            done.add(node)
            for operation in loader.disk_migrations[node].operations:
                # Schema steps written in Python (hints={"schema": True}) fill no data.
                if isinstance(operation, RunPython) and not operation.hints.get("schema"):
                    operation.code(apps, None)  # type: ignore[arg-type]


_DB_FIXTURES = {"db", "transactional_db", "live_server", "cast", "client_for"}


@pytest.fixture(autouse=True)
def _reference_data(request: Any) -> None:
    """Transactional tests (browser journeys, races) end with a flush that also empties the
    reference data of the data migrations; put it back before any later test uses the db."""
    if not (request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(
        request.fixturenames
    )):  # fmt: skip
        return
    request.getfixturevalue("_django_db_helper")
    _reseed_reference_data()
