"""First journeys: a demo manager signs in, sees only their subtree, switches language, leaves."""

from datetime import date
from typing import Any

import pytest

from salesops.core.demo import DEMO_PASSWORD, DemoContext
from salesops.org.demo import organisation
from tests.browser.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_org() -> DemoContext:
    return organisation(DemoContext(seed=2026, today=date(2026, 11, 22))) or DemoContext()


def test_manager_sees_own_region_switches_language_and_signs_out(page: Any, demo_org: Any) -> None:
    sign_in(page, "manager.east", DEMO_PASSWORD)
    assert page.locator("[data-testid=home-cards] .card").count() >= 4
    with page.expect_navigation():  # the tree's units are counted at once: wait for all of it
        page.click("[data-testid=nav] a[href='/org/']")
    tree = page.locator("[data-testid=org-tree]")
    tree.wait_for()
    assert tree.locator("[data-unit=east]").count() == 1
    assert tree.locator("[data-unit=sh1]").count() == 1
    assert tree.locator("[data-unit=south]").count() == 0
    assert tree.locator("[data-unit=hq]").count() == 0
    shot(page, "org-tree-manager-zh")
    with page.expect_navigation():  # the select submits its form: wait for the new page
        page.select_option("[data-testid=language-select]", "en")
    assert page.locator("h2.page-title").inner_text() == "Organisation"
    shot(page, "org-tree-manager-en")
    page.click("[data-testid=user-name]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")
    page.goto("/org/")
    assert "/login/" in page.url


def test_wrong_password_shows_a_clear_message(page: Any, demo_org: Any) -> None:
    page.goto("/login/")
    page.fill("#id_username", "rep.sh1.1")
    page.fill("#id_password", "nope")
    with page.expect_navigation():  # the form posts back to the login page: wait for it
        page.click("button[type=submit]")
    error = page.locator("[data-testid=login-error]")
    assert error.is_visible()
    shot(page, "login-error")


@pytest.mark.parametrize("username", ["director", "sup.sh1", "rep.sh1.1", "channel1", "hr",
                                      "finance", "admin"])  # fmt: skip
def test_every_demo_role_signs_in_to_its_home(page: Any, demo_org: Any, username: str) -> None:
    sign_in(page, username, DEMO_PASSWORD)
    assert page.locator("[data-testid=home-cards]").is_visible()
    assert page.locator("[data-testid=nav] a").count() >= 2
    shot(page, f"home-{username}")
