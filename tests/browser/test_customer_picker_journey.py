"""The customer picker in a browser: a rep logs an activity and opens a deal by typing part of a
customer's name and choosing it (keyboard and mouse), converts a lead into an existing customer
(Tab), and never sees another branch's customer among the suggestions."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps

from salesops.crm.models import Activity, Contact, Customer, Lead, Opportunity
from salesops.org.testing import PASSWORD, Cast, build_cast
from tests.browser.conftest import shot, sign_in, type_in_picker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = importlib.import_module("salesops.crm.migrations.0003_reference_data")
BOX = "[data-testid=customer-picker]"
OPTION = "[data-testid=picker-option]"


@dataclass
class World:
    cast: Cast
    logistics: Customer
    foods: Customer
    contact: Contact


@pytest.fixture
def world() -> World:
    """The named cast and the funnel; the rep's customers among forty others of theirs, and a
    look-alike in another branch the rep must never be offered."""
    REFERENCE.forwards(apps, None)
    cast = build_cast()
    for i in range(40):
        Customer.objects.create(name=f"Filler {i:02d} Co", owner=cast.rep)
    Customer.objects.create(name="Harbour Outside Ltd", owner=cast.outside_rep)
    logistics = Customer.objects.create(name="Harbour Logistics Ltd", owner=cast.rep)
    foods = Customer.objects.create(name="Harbour Foods", owner=cast.rep)
    contact = Contact.objects.create(customer=logistics, name="Chen Jing")
    return World(cast=cast, logistics=logistics, foods=foods, contact=contact)


def _type(page: Any, text: str) -> list[str]:
    """Type into the picker and return the names it suggests for the whole text."""
    page.locator(BOX).fill("")
    type_in_picker(page, page.locator(BOX), text, "/crm/customers/picker/")
    page.locator(f"{OPTION} >> nth=0").wait_for(state="visible")
    return [t.split("\n")[0].strip() for t in page.locator(OPTION).all_inner_texts()]


def _saved(page: Any, selector: str = "[data-testid=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def test_an_activity_is_logged_by_typing_and_choosing_with_the_keyboard(
    page: Any, world: World
) -> None:
    sign_in(page, "rep", PASSWORD)
    page.goto("/crm/activities/new/")
    assert page.locator("#id_customer option").count() == 0
    assert _type(page, "harb") == ["Harbour Foods", "Harbour Logistics Ltd"]
    menu = page.locator("#id_customer_menu")
    box, listed = page.locator(BOX).bounding_box(), menu.bounding_box()
    assert abs(listed["x"] - box["x"]) < 2 and abs(listed["width"] - box["width"]) < 2
    assert 0 <= listed["y"] - (box["y"] + box["height"]) < 4  # right under the box
    shot(page, "picker-activity-open")
    page.locator(BOX).press("ArrowDown")  # Harbour Foods (first) → Harbour Logistics Ltd
    page.locator(BOX).press("Enter")
    contact = page.locator("#id_contact")
    contact.locator("option", has_text="Chen Jing").wait_for(state="attached")
    assert page.locator(BOX).input_value() == "Harbour Logistics Ltd"
    assert page.locator("#id_customer").input_value() == str(world.logistics.pk)
    contact.select_option(str(world.contact.pk))
    page.fill("#id_subject", "Quarterly review")
    page.fill("#id_due_at", "2030-01-02T09:00")
    _saved(page)
    activity = Activity.objects.get(subject="Quarterly review")
    assert (activity.customer_id, activity.contact_id) == (world.logistics.pk, world.contact.pk)


def test_a_deal_is_opened_by_choosing_a_customer_with_the_mouse(page: Any, world: World) -> None:
    sign_in(page, "rep", PASSWORD)
    page.goto("/crm/opportunities/new/")
    assert _type(page, "FOOD") == ["Harbour Foods"]
    shot(page, "picker-deal-open")
    page.locator(OPTION, has_text="Harbour Foods").click()
    assert page.locator("#id_customer_menu").is_hidden()
    _saved(page)  # no name yet: refused, and the chosen customer is still shown
    assert page.locator(BOX).input_value() == "Harbour Foods"
    page.fill("#id_name", "Cold chain")
    _saved(page)
    deal = Opportunity.objects.get(name="Cold chain")
    assert deal.customer_id == world.foods.pk
    assert page.locator("h2.page-title").inner_text().strip().startswith("Cold chain")


def test_a_lead_is_converted_into_a_customer_chosen_with_tab(page: Any, world: World) -> None:
    lead = Lead.objects.create(title="Harbour expansion", company_name="Harbour Logistics",
                               owner=world.cast.rep, contact_name="Li Lei", status="qualified",
                               budget_ok=True, authority_ok=True, need_ok=True,
                               timeline_ok=True)  # fmt: skip
    sign_in(page, "rep", PASSWORD)
    page.goto(f"/crm/leads/{lead.pk}/convert/")
    assert _type(page, "logistics") == ["Harbour Logistics Ltd"]
    page.locator(BOX).press("Tab")
    assert page.locator("[data-testid=mode-existing]").is_checked()
    assert page.locator("#id_customer").input_value() == str(world.logistics.pk)
    _saved(page, "[data-testid=convert]")
    assert Lead.objects.get(pk=lead.pk).customer_id == world.logistics.pk
