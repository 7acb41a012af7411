import re
from typing import Any

import pytest
from django.urls import reverse

from salesops.core.models import AuditEntry
from salesops.org.services import unit_update

pytestmark = pytest.mark.django_db


def test_home_shows_each_role_its_own_cards(client_for: Any) -> None:
    def home(name: str) -> str:
        return client_for(name).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rep, director, admin = home("rep"), home("director"), home("admin")
    assert "My earnings" in rep and "My managers" not in rep
    assert "My managers" in director and "My earnings" not in director
    assert reverse("core:audit_list") in admin and reverse("core:audit_list") not in director


def test_menu_shows_only_routes_the_role_may_open(client_for: Any) -> None:
    nav_rep = [i["url"] for i in client_for("rep").get(reverse("home")).context["nav_items"]]
    nav_admin = [i["url"] for i in client_for("admin").get(reverse("home")).context["nav_items"]]
    assert reverse("core:audit_list") in nav_admin
    assert reverse("core:audit_list") not in nav_rep


def test_audit_log_records_before_and_after_and_is_admin_only(cast: Any, client_for: Any) -> None:
    unit_update(actor=cast.admin, unit=cast.units["n1"], name="North One")
    entry = AuditEntry.objects.get(object_type="org.orgunit", action="update")
    assert entry.actor == cast.admin
    assert entry.changes == {"name": ["N1", "North One"]}
    page = client_for("admin").get(reverse("core:audit_list")).content.decode()
    assert "North One" in page
    assert client_for("director").get(reverse("core:audit_list")).status_code == 403


def test_language_switch_translates_the_page(client_for: Any) -> None:
    client = client_for("rep")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Sign out" in client.get(reverse("home")).content.decode()


def test_preferences_save_language_and_time_zone(cast: Any, client_for: Any) -> None:
    client = client_for("rep")
    response = client.post(reverse("core:profile"), {"locale": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    cast.rep.refresh_from_db()
    assert (cast.rep.locale, cast.rep.time_zone) == ("en", "Europe/Berlin")
    bad = client.post(reverse("core:profile"), {"locale": "en", "time_zone": "Mars/Base"})
    assert bad.status_code == 200
    cast.rep.refresh_from_db()
    assert cast.rep.time_zone == "Europe/Berlin"


def _without_csrf(content: bytes) -> str:
    """The page with its per-request CSRF tokens blanked out."""
    return re.sub(
        r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", content.decode()
    )


def test_missing_and_forbidden_objects_answer_the_same(cast: Any, client_for: Any) -> None:
    client = client_for("rep")
    hidden = client.get(reverse("org:person_detail", args=[cast.outside_rep.pk]))
    missing = client.get(reverse("org:person_detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    hidden_page = _without_csrf(hidden.content).replace(f"/{cast.outside_rep.pk}/", "/ID/")
    assert hidden_page == _without_csrf(missing.content).replace("/999999/", "/ID/")
    api_hidden = client.get(reverse("api:org_person_get", args=[cast.outside_rep.pk]))
    api_missing = client.get(reverse("api:org_person_get", args=[999999]))
    assert api_hidden.status_code == api_missing.status_code == 404
    assert api_hidden.json() == api_missing.json() == {"detail": "Not Found"}


def test_saved_filters_belong_to_their_owner(cast: Any, client_for: Any) -> None:
    from salesops.core.models import SavedFilter

    client_for("rep").post(reverse("core:saved_filter_save"),
                           {"list_name": "customers", "name": "Key", "query": "tier=key",
                            "next": "https://evil.example/"})  # fmt: skip
    saved = SavedFilter.objects.get(owner=cast.rep)
    assert (saved.name, saved.query) == ("Key", "tier=key")
    response = client_for("peer_rep").post(reverse("core:saved_filter_delete", args=[saved.pk]))
    assert response.status_code == 404 and SavedFilter.objects.filter(pk=saved.pk).exists()
