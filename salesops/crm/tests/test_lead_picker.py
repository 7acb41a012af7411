"""The lead picker: its suggestions endpoint (visible open leads matching the lead list's search,
at most 20, newest first, escaped) and the activity form that uses it, which carries only the
chosen lead and still refuses a lead the person cannot see or no longer open."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from salesops.crm.models import Activity, Lead
from salesops.crm.selectors import accounts as selectors
from salesops.crm.tests.test_accounts_support import english_client, lead

pytestmark = pytest.mark.django_db

PICKER = reverse("crm:lead_picker")
FORM = reverse("crm:activity_create")
OPTION = re.compile(r'data-value="(\d+)" data-label="([^"]*)"')
BOX = re.compile(
    r'<input type="hidden" name="lead" value="(\d*)"[^>]*data-picker-value>\s*'
    r'<input type="text"[^>]*name="q" value="([^"]*)"'
)


def _suggest(client_for: Any, who: str, text: str) -> tuple[list[str], str]:
    """The titles the picker offers this person for the text, and the fragment itself."""
    response = english_client(client_for(who)).get(PICKER, {"q": text})
    assert response.status_code == 200
    body = response.content.decode()
    return [label for _pk, label in OPTION.findall(body)], body


def _harbours(cast: Any) -> dict[str, Lead]:
    """Leads about harbours, created oldest first (the picker lists the newest first)."""
    return {
        "rep": lead(cast.rep, "Harbour cranes", company_name="Port Alpha"),
        "peer": lead(cast.peer_rep, "Harbour tugs", company_name="Port Beta"),
        "outside": lead(cast.outside_rep, "Harbour docks", company_name="Port Gamma"),
        "pool": lead(None, "Pool crates", company_name="Harbour Pool Co"),
        "converted": lead(cast.rep, "Harbour won", status=Lead.Status.CONVERTED),
        "dropped": lead(cast.rep, "Harbour lost", status=Lead.Status.DISQUALIFIED),
        "other": lead(cast.rep, "Other", company_name="Inland"),
    }


# --- the suggestions endpoint -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("rep", ["Pool crates", "Harbour cranes"]),
        ("manager", ["Pool crates", "Harbour tugs", "Harbour cranes"]),
        ("outside_rep", ["Pool crates", "Harbour docks"]),
        ("director", ["Pool crates", "Harbour docks", "Harbour tugs", "Harbour cranes"]),
    ],
)
def test_suggestions_match_title_or_company_among_the_visible_open_leads(
    cast, client_for, who, titles
):
    _harbours(cast)
    assert _suggest(client_for, who, "HARB")[0] == titles


def test_suggestions_match_the_lead_lists_other_search_fields(cast, client_for):
    lead(cast.rep, "By contact", contact_name="Wang Fang")
    lead(cast.rep, "By phone", phone="13800138000")
    lead(cast.rep, "By email", email="li@harbour.example")
    for text, title in (("wang", "By contact"), ("1380013", "By phone"), ("@harbour", "By email")):
        assert _suggest(client_for, "rep", text)[0] == [title]


def test_suggestions_show_company_and_owner_and_say_when_nothing_matches(cast, client_for):
    _harbours(cast)
    names, body = _suggest(client_for, "rep", "cranes")
    assert names == ["Harbour cranes"] and f"Port Alpha · {cast.rep}" in body
    assert "Harbour Pool Co · Shared pool" in _suggest(client_for, "rep", "crates")[1]
    for text in ("docks", "won", "lost"):  # another branch's, converted, disqualified
        names, body = _suggest(client_for, "rep", text)
        assert names == [] and 'data-testid="picker-none"' in body
        assert "No open lead you can see matches." in body and "Harbour" not in body


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_an_empty_box_gets_no_suggestions(cast, client_for, query):
    _harbours(cast)
    response = english_client(client_for("rep")).get(PICKER, query)
    assert (response.status_code, response.content.decode().strip()) == (200, "")


def test_at_most_twenty_suggestions_newest_first_with_a_note_when_more_match(cast, client_for):
    for i in range(25):
        lead(cast.rep, f"Bulk {i:02d}")
    names, body = _suggest(client_for, "rep", "bulk")
    assert names == [f"Bulk {i:02d}" for i in range(24, 4, -1)]
    assert 'data-testid="picker-more"' in body
    names, body = _suggest(client_for, "rep", "bulk 1")
    assert names == [f"Bulk {i}" for i in range(19, 9, -1)] and "picker-more" not in body


def test_suggestions_escape_titles_and_companies(cast, client_for):
    lead(cast.rep, '<script>alert("x")</script> & Co', company_name="<b>Bold</b>")
    names, body = _suggest(client_for, "rep", "script")
    assert "<script>" not in body and "<b>" not in body and "&lt;b&gt;Bold&lt;/b&gt;" in body
    assert names == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"]


@pytest.mark.parametrize(
    ("who", "method", "status"),
    [("anonymous", "get", 302), ("hr", "get", 403), ("rep", "post", 405)],
)
def test_the_endpoint_is_for_signed_in_sales_people_and_reads_only(
    cast, client_for, who, method, status
):
    _harbours(cast)
    response = getattr(client_for(who), method)(PICKER, {"q": "harbour"})
    assert response.status_code == status and b"Harbour" not in response.content


def test_the_suggestions_cost_one_query(cast, django_assert_num_queries):
    """One query, owners included, once the person's visible scope is known (worked out once
    per request)."""
    _harbours(cast)
    rep = type(cast.rep).objects.get(pk=cast.rep.pk)
    selectors.lead_matches(actor=rep, text="warm up")
    with django_assert_num_queries(1):
        owners = {x.title: x.owner for x in selectors.lead_matches(actor=rep, text="harbour")}
    assert owners == {"Pool crates": None, "Harbour cranes": cast.rep}


# --- the activity form ------------------------------------------------------------------------


def _picker(body: str) -> tuple[str, str]:
    """The lead picker's hidden value and the title shown in its text box."""
    found = BOX.search(body)
    assert found, body
    return found.group(1), found.group(2)


def _activity(lead_id: Any, owner: Any, subject: str = "Follow up") -> dict[str, Any]:
    return {
        "kind": "call",
        "subject": subject,
        "state": "planned",
        "due_at": "2030-01-02T09:00",
        "lead": lead_id,
        "owner": owner.pk,
    }


def test_the_activity_form_carries_no_lead_list(cast, client_for):
    titles = {lead(cast.rep, f"Many {i:02d}").title for i in range(30)}
    body = english_client(client_for("rep")).get(FORM).content.decode()
    assert sorted(t for t in titles if t in body) == []
    assert 'select name="lead"' not in body
    assert _picker(body) == ("", "")
    assert 'data-testid="lead-picker"' in body and PICKER in body


def test_a_pre_filled_lead_is_shown(cast, client_for):
    """ "Log follow-up" on a lead's page opens the form with the lead chosen."""
    chosen = lead(cast.rep, "Chosen & Sons deal")
    body = english_client(client_for("rep")).get(FORM, {"lead": chosen.pk}).content.decode()
    assert _picker(body) == (str(chosen.pk), "Chosen &amp; Sons deal")
    assert body.count("Chosen &amp; Sons deal") == 2  # the box's value and the title it restores


@pytest.mark.parametrize("kind", ["outside", "converted", "dropped"])
def test_a_pre_filled_lead_out_of_sight_or_closed_is_not_shown(cast, client_for, kind):
    theirs = _harbours(cast)[kind]
    body = english_client(client_for("rep")).get(FORM, {"lead": theirs.pk}).content.decode()
    assert _picker(body) == ("", "") and html.escape(theirs.title) not in body


@pytest.mark.parametrize("kind", ["outside", "converted", "dropped"])
def test_an_activity_for_a_lead_out_of_sight_or_closed_is_refused(cast, client_for, kind):
    theirs = _harbours(cast)[kind]
    response = english_client(client_for("rep")).post(
        FORM, _activity(theirs.pk, cast.rep, "Sneaky")
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["lead"]
    body = response.content.decode()
    assert 'data-field="lead"' in body and theirs.title not in body
    assert _picker(body) == ("", "")
    assert not Activity.objects.exists()


def test_an_activity_is_saved_with_the_picked_lead(cast, client_for):
    picked = _harbours(cast)["pool"]
    client = english_client(client_for("rep"))
    response = client.post(FORM, _activity(picked.pk, cast.rep))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.lead_id, activity.subject, activity.owner_id) == (
        picked.pk,
        "Follow up",
        cast.rep.pk,
    )
    page = client.get(reverse("crm:lead_detail", args=[picked.pk])).content.decode()
    assert "Follow up" in page


def test_a_refused_activity_form_keeps_the_chosen_lead(cast, client_for):
    kept = lead(cast.rep, "Kept lead")
    data = _activity(kept.pk, cast.rep, subject="")
    response = english_client(client_for("rep")).post(FORM, data)
    assert response.status_code == 200 and "subject" in response.context["form"].errors
    assert _picker(response.content.decode()) == (str(kept.pk), "Kept lead")
    assert not Activity.objects.exists()
