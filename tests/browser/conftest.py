"""Browser tests: Playwright driving Debian's Chromium against the live test server.

They run when /usr/bin/chromium (or CHROMIUM_PATH) exists and are skipped with a clear reason
otherwise. Screenshots go to test-artifacts/ so a person can look at what the tests saw.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]  # fmt: skip


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: Chromium not found at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url)  # fmt: skip
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def type_in_picker(page: Any, box: Any, text: str, route: str) -> None:
    """Type `text` key by key into a record picker's box (static/salesops/picker.js), whose
    matches come from `route`, and return once the matches of the whole text are in its menu.
    On a slow machine a pause between two keys outlasts the box's debounce and a prefix's
    matches arrive first: they must not be read, or chosen from, as the answer."""
    from playwright.sync_api import expect

    def whole(response: Any) -> bool:
        url = urlsplit(response.url)
        return url.path == route and parse_qs(url.query).get("q") == [text]

    with page.expect_response(whole):
        box.press_sequentially(text, delay=30)
    # htmx takes its request class off the box only after it has swapped the matches in
    expect(box).not_to_have_class(re.compile(r"\bhtmx-request\b"))
