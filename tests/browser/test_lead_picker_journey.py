"""The lead picker in a browser: a rep logs a follow-up by typing part of a lead's company into
the activity form's lead box and choosing it with the keyboard; the saved activity shows on the
lead's page. Another branch's look-alike lead and a converted one are never suggested, and matches
arriving after the choice (asked for by the last key) do not reopen the menu."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from salesops.crm.models import Activity, Lead
from salesops.org.testing import PASSWORD, build_cast
from tests.browser.conftest import shot, sign_in, type_in_picker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD_BOX = "[data-testid=lead-picker]"
PICKER = "/crm/leads/picker/"


class _Held:
    """A route handler holding the picker's requests back until `release()`, then letting
    them through as they come."""

    def __init__(self) -> None:
        self.routes: list[Any] = []
        self.released = False

    def __call__(self, route: Any) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()


@pytest.fixture
def cranes() -> Lead:
    """The rep's lead to pick, among forty other leads of theirs, a newer look-alike of theirs,
    a converted one and another branch's (never offered)."""
    cast = build_cast()
    for i in range(40):
        Lead.objects.create(title=f"Filler lead {i:02d}", company_name="Filler", owner=cast.rep)
    Lead.objects.create(
        title="Crane rental", company_name="Harbour Outside", owner=cast.outside_rep
    )
    Lead.objects.create(title="Old cranes", company_name="Harbour Works", owner=cast.rep,
                        status=Lead.Status.CONVERTED)  # fmt: skip
    chosen = Lead.objects.create(title="Crane upgrade", company_name="Harbour Works",
                                 contact_name="Zhou Min", owner=cast.rep)  # fmt: skip
    Lead.objects.create(title="Tug fleet", company_name="Harbour Tugs", owner=cast.rep)
    return chosen


def test_a_follow_up_is_logged_for_a_lead_picked_by_typing(page: Any, cranes: Lead) -> None:
    sign_in(page, "rep", PASSWORD)
    page.goto(f"/crm/activities/new/?next=/crm/leads/{cranes.pk}/")
    assert page.locator("#id_lead option").count() == 0
    type_in_picker(page, page.locator(LEAD_BOX), "harbou", PICKER)
    options = page.locator("#id_lead_menu [role=option]")
    options.first.wait_for(state="visible")
    assert [t.split("\n")[0].strip() for t in options.all_inner_texts()] == [
        "Tug fleet",
        "Crane upgrade",
    ]
    box, menu = page.locator(LEAD_BOX).bounding_box(), page.locator("#id_lead_menu").bounding_box()
    assert abs(menu["x"] - box["x"]) < 2 and abs(menu["width"] - box["width"]) < 2
    assert 0 <= menu["y"] - (box["y"] + box["height"]) < 4  # right under the box
    shot(page, "lead-picker-activity-open")
    # One more key, and the choice made before its matches arrive: they must not reopen the menu.
    # They are held back until the choice is made (on a slow machine the keys can outlast the
    # box's debounce, and matches swapped in between them would move the choice).
    held = _Held()
    page.route(lambda url: PICKER in url, held)
    with page.expect_response(lambda r: PICKER in r.url):
        page.locator(LEAD_BOX).press("r")
        page.locator(LEAD_BOX).press("ArrowDown")  # Tug fleet (first) → Crane upgrade
        page.locator(LEAD_BOX).press("Enter")
        held.release()
    # the late matches are swapped in (htmx takes its request class off the box after that)
    expect(page.locator(LEAD_BOX)).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    assert page.locator("#id_lead_menu").is_hidden()
    assert page.locator(LEAD_BOX).input_value() == "Crane upgrade"
    assert page.locator("#id_lead").input_value() == str(cranes.pk)
    page.fill("#id_subject", "Call about the crane upgrade")
    page.fill("#id_due_at", "2030-01-02T09:00")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    assert Activity.objects.get(subject="Call about the crane upgrade").lead_id == cranes.pk
    assert page.url.endswith(f"/crm/leads/{cranes.pk}/")
    assert page.get_by_text("Call about the crane upgrade").is_visible()
