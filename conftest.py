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
