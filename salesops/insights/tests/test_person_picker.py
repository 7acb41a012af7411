"""The lens toolbar's choice of a person: a list when the unit is small, a search box when it has
more people than a list should hold (a director's company is a thousand), and the search box's
suggestions: people of the lens's unit that the viewer sees, whose name contains the text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from salesops.insights.tests import support as make

pytestmark = pytest.mark.django_db

PICKER = reverse("insights:person_picker")
FUNNEL = reverse("insights:funnel")


def _offered(client: Any, **query: Any) -> list[str]:
    """The names the search box suggests for the query."""
    answer = client.get(PICKER, query)
    assert answer.status_code == 200
    return re.findall(r'data-label="([^"]*)"', answer.content.decode())


def test_a_leader_is_offered_the_people_they_see_whose_name_matches(
    client_for: Any, cast: Any
) -> None:
    director, manager = client_for("director"), client_for("manager")
    assert _offered(director, q="rep") == ["Outside Rep", "Peer Rep", "Rep"]
    assert _offered(director, q="REP", unit=cast.units["north"].pk) == ["Peer Rep", "Rep"]
    assert _offered(manager, q="rep") == ["Peer Rep", "Rep"]
    assert _offered(director, q="outside_") == ["Outside Rep"]  # the username matches too
    detail = director.get(PICKER, {"q": "peer"}).content.decode()
    assert "N1" in detail  # each person's unit, to tell namesakes apart
    assert _offered(director, q="  ") == []
    assert "picker-none" not in director.get(PICKER, {"q": ""}).content.decode()
    assert "picker-none" in director.get(PICKER, {"q": "zzz"}).content.decode()  # "no one"


def test_more_matches_than_the_limit_ask_for_more_of_the_name(
    client_for: Any, cast: Any, monkeypatch: Any
) -> None:
    for module in ("salesops.insights.views.common", "salesops.crm.forms.widgets"):
        monkeypatch.setattr(f"{module}.PICKER_LIMIT", 2)
    answer = client_for("director").get(PICKER, {"q": "rep"}).content.decode()
    assert re.findall(r'data-label="([^"]*)"', answer) == ["Outside Rep", "Peer Rep"]
    assert 'data-testid="picker-more"' in answer


def test_another_branch_and_people_who_lead_no_one_get_nothing(client_for: Any, cast: Any) -> None:
    manager = client_for("manager")
    assert manager.get(PICKER, {"q": "rep", "unit": cast.units["south"].pk}).status_code == 404
    assert manager.get(PICKER, {"q": "rep", "unit": "north"}).status_code == 404
    for who in ("rep", "hr", "finance"):
        assert client_for(who).get(PICKER, {"q": "rep"}).status_code == 403, who


def test_a_small_unit_lists_its_people(client_for: Any, cast: Any) -> None:
    make.ensure_reference()
    page = client_for("manager").get(FUNNEL).content.decode()
    select = re.search(r'<select id="lens-person".*?</select>', page, re.S)
    assert select is not None and 'id="lens-person_search"' not in page
    names = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", select.group(0))
    assert sorted(names) == ["Manager", "Peer Rep", "Rep", "Supervisor"]


def test_a_large_unit_searches_for_the_person(client_for: Any, cast: Any, monkeypatch: Any) -> None:
    make.ensure_reference()
    monkeypatch.setattr("salesops.insights.views.common.PERSON_LIST_LIMIT", 3)
    client = client_for("director")
    page = client.get(FUNNEL).content.decode()
    assert 'id="lens-person"' in page and '<select id="lens-person"' not in page
    assert page.count("<option") < 60  # periods and units only, no people
    box = re.search(r'<input type="text"[^>]*id="lens-person_search"[^>]*>', page, re.S)
    assert box is not None
    assert 'form="lens-no-form"' in box.group(0)  # the typed text is not the toolbar's
    assert f'hx-get="{PICKER}?unit={cast.units["acme"].pk}"' in box.group(0)
    assert 'value=""' in box.group(0)  # everyone
    chosen = client.get(FUNNEL, {"unit": cast.units["acme"].pk, "person": cast.rep.pk})
    html = chosen.content.decode()
    assert chosen.context["lens"].person == cast.rep
    assert re.search(rf'name="person" value="{cast.rep.pk}"[^>]*id="lens-person"', html)
    assert re.search(r'id="lens-person_search" name="q" value="Rep"', html)
