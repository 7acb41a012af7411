import json
from typing import Any

import pytest
from django.urls import reverse

from salesops.core.services import api_token_create
from salesops.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db


def test_manager_sees_only_their_subtree_in_the_tree(client_for: Any) -> None:
    page = client_for("manager").get(reverse("org:tree")).content.decode()
    assert 'data-unit="north"' in page and 'data-unit="n1"' in page
    assert 'data-unit="south"' not in page and 'data-unit="acme"' not in page


def test_admin_creates_and_moves_a_person_through_pages(cast: Any, client_for: Any) -> None:
    client = client_for("admin")
    response = client.post(reverse("org:person_create"), {
        "username": "newrep", "display_name": "New Rep", "position": "rep", "grade": 1,
        "unit": cast.units["n1"].pk, "manager": cast.supervisor.pk, "email": "",
        "phone": "", "hire_date": "2026-11-02", "password": "a-Strong-pass-42",
    })  # fmt: skip
    person = User.objects.get(username="newrep")
    assert response.status_code == 302 and person.check_password("a-Strong-pass-42")
    response = client.post(reverse("org:person_move", args=[person.pk]), {
        "unit": cast.units["s1"].pk, "position": "rep", "manager": cast.other_supervisor.pk,
        "effective": "2026-11-20", "reason": "rebalancing",
    })  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.unit == cast.units["s1"]


def test_bad_form_input_names_the_field_and_saves_nothing(cast: Any, client_for: Any) -> None:
    response = client_for("admin").post(reverse("org:unit_create"), {
        "name": "Dup", "code": "n1", "kind": "team", "parent": cast.units["north"].pk,
    })  # fmt: skip
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert OrgUnit.objects.filter(name="Dup").count() == 0


def test_people_search_is_limited_to_the_visible_set(client_for: Any) -> None:
    page = client_for("supervisor").get(reverse("org:person_list"), {"q": "rep"})
    names = {p.username for p in page.context["page"]}
    assert names == {"rep", "peer_rep"}


def test_api_lists_within_visibility_and_writes_for_admin_only(cast: Any, client: Any) -> None:
    _, rep_token = api_token_create(actor=cast.rep, name="t")
    _, admin_token = api_token_create(actor=cast.admin, name="t")
    units = client.get(reverse("api:org_unit_list"), HTTP_AUTHORIZATION=f"Bearer {rep_token}")
    assert [u["code"] for u in units.json()["items"]] == ["n1"]
    body = json.dumps({"name": "East", "code": "east", "kind": "region",
                       "parent_id": cast.units["acme"].pk})  # fmt: skip
    refused = client.post(reverse("api:org_unit_create"), body, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {rep_token}")  # fmt: skip
    assert refused.status_code == 403 and not OrgUnit.objects.filter(code="east").exists()
    created = client.post(reverse("api:org_unit_create"), body, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {admin_token}")  # fmt: skip
    assert created.status_code == 201 and created.json()["depth"] == 1


def test_api_validation_errors_name_the_field(cast: Any, client: Any) -> None:
    _, token = api_token_create(actor=cast.admin, name="t")
    body = json.dumps({"username": "x", "display_name": "X", "position": "astronaut",
                       "unit_id": cast.units["n1"].pk})  # fmt: skip
    response = client.post(reverse("api:org_person_create"), body,
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert response.status_code == 400
    assert "position" in response.json()["errors"]
    assert not User.objects.filter(username="x").exists()


def test_session_api_writes_need_the_csrf_token(cast: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin)
    response = client.patch(reverse("api:org_unit_update", args=[cast.units["n1"].pk]),
                            json.dumps({"name": "X"}), content_type="application/json")  # fmt: skip
    assert response.status_code in (401, 403)
    cast.units["n1"].refresh_from_db()
    assert cast.units["n1"].name == "N1"


def test_people_list_runs_a_fixed_number_of_queries(cast: Any, client_for: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesops.org.services import person_create

    client = client_for("director")
    client.get(reverse("org:person_list"))  # warm the session and caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("org:person_list")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(20):
        person_create(actor=cast.admin, username=f"extra{i}", display_name=f"Extra {i}",
                      position="rep", unit=cast.units["n1"], manager=cast.supervisor)  # fmt: skip
    assert count() == before
