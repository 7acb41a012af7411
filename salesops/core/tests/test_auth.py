"""Sign-in, throttling, session rotation, idle timeout, deactivation, API tokens."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesops.core.middleware import SEEN
from salesops.core.models import ApiToken, AuditEntry, LoginThrottle
from salesops.core.services import api_token_create
from salesops.org.services import person_set_active
from salesops.org.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_rotates_the_session_and_lands_home(cast: Any) -> None:
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    response = _login(client, "rep", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200


def test_repeated_failures_lock_the_username_even_with_the_right_password(cast: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        response = _login(client, "rep", "wrong")
        assert response.status_code == 200
    response = _login(client, "rep", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert LoginThrottle.objects.get(key="user:rep").locked_until is not None


def test_a_good_sign_in_clears_earlier_failures(cast: Any) -> None:
    client = Client()
    _login(client, "rep", "wrong")
    assert LoginThrottle.objects.get(key="user:rep").failures == 1
    assert _login(client, "rep", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(key="user:rep").exists()


def test_a_session_slides_on_with_use_and_ends_after_idle_time(cast: Any) -> None:
    """Requests push the session's expiry back (at most once a refresh interval, so a page
    view is not a write), and a session idle past its expiry is signed out."""
    assert 0 < settings.SESSION_REFRESH_SECONDS < settings.SESSION_COOKIE_AGE <= 8 * 3600
    client = Client()
    _login(client, "rep", PASSWORD)
    key = client.session.session_key
    # Within the interval: the page is served without writing the session.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]
                and not q["sql"].startswith("SELECT")]  # fmt: skip
    # An interval after the last push, with five minutes left: the next request pushes the
    # expiry back to a whole idle time from now.
    store = SessionStore(session_key=key)
    store[SEEN] = int(time.time()) - settings.SESSION_REFRESH_SECONDS
    store.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get(reverse("home")).status_code == 200
    left = Session.objects.get(pk=key).expire_date - timezone.now()
    assert left > timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)
    # Idle past the expiry: signed out.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_nobody_signed_in_gets_no_session_saved(cast: Any) -> None:
    before = Session.objects.count()
    assert Client().get(reverse("login")).status_code == 200
    assert Session.objects.count() == before


def test_deactivated_person_loses_session_and_tokens_at_once(cast: Any) -> None:
    client = Client()
    _login(client, "rep", PASSWORD)
    _, secret = api_token_create(actor=cast.rep, name="laptop")
    api = Client()
    me = reverse("api:org_me")
    assert api.get(me, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    person_set_active(actor=cast.admin, person=cast.rep, active=False)
    assert client.get(reverse("home")).status_code == 302
    assert api.get(me, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_api_token_is_hashed_audited_and_revocable(cast: Any) -> None:
    token, secret = api_token_create(actor=cast.rep, name="ci")
    assert secret.startswith("so_") and secret not in token.key_hash
    assert AuditEntry.objects.filter(object_type="core.apitoken", action="create").exists()
    client = client_for_rep = Client()
    client_for_rep.force_login(cast.rep)
    client.post(reverse("core:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    me = reverse("api:org_me")
    assert Client().get(me, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert Client().get(me, HTTP_AUTHORIZATION="Bearer so_not-a-token").status_code == 401


def test_token_page_shows_the_secret_once(cast: Any, client_for: Any) -> None:
    client = client_for("rep")
    response = client.post(reverse("core:token_list"), {"name": "script"})
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    assert secret not in client.get(reverse("core:token_list")).content.decode()
    assert ApiToken.objects.get(user=cast.rep).name == "script"


def test_passwords_are_hashed_with_argon2_in_the_product() -> None:
    from config import settings as product_settings

    assert product_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
