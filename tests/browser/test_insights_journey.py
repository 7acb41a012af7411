"""Insights in a browser: each role's dashboard draws real ECharts charts, a figure opens the
records behind it, and an alert is acknowledged from the inbox (its badge goes down)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from salesops.core.demo import DEMO_PASSWORD, DemoContext
from salesops.core.periods import Period
from salesops.insights.services.alerts import alert_scan
from salesops.insights.services.forecast import forecast_snapshot_take
from salesops.insights.tests import support as make
from salesops.org.demo import organisation
from salesops.org.models import User
from tests.browser.conftest import shot, sign_in, type_in_picker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history(person: Any, i: int) -> None:
    now = timezone.now()
    this_month = Period.containing("month", make.today())
    for months_back, amount in ((0, 120000 + 9000 * i), (1, 90000 + 7000 * i), (2, 60000)):
        month = this_month
        for _k in range(months_back):
            month = month.previous()
        day = min(month.start + timedelta(days=3 + i), make.today())
        make.deal(person, f"{amount}.00", stage_code="won", closed=make.local(day),
                  created=make.local(day) - timedelta(days=50))  # fmt: skip
    make.deal(person, "30000.00", stage_code="lost", closed=now - timedelta(days=2),
              lost_reason=("price", "competitor", "no_budget")[i % 3])  # fmt: skip
    for code, amount, category in (("lead", 40000, "pipeline"), ("need", 80000, "pipeline"),
                                   ("proposal", 150000, "best_case"),
                                   ("closing", 210000, "commit")):  # fmt: skip
        make.deal(person, f"{amount + 1000 * i}.00", stage_code=code, category=category,
                  expected_close=make.today() + timedelta(days=5 * i))  # fmt: skip
    make.deal(person, "650000.00", stage_code="negotiation", created=now - timedelta(days=60),
              entered=now - timedelta(days=40), close_date_changes=3)  # fmt: skip
    for d in range(4 + i):
        make.activity(person, ("visit", "call")[d % 2], now - timedelta(days=d * 2 + 1))


@pytest.fixture
def company() -> None:
    organisation(DemoContext(seed=2026, today=date(2026, 11, 22)))
    make.ensure_reference()
    for i, name in enumerate(["rep.sh1.1", "rep.sh1.2", "rep.sh1.3", "sup.sh1", "rep.sh2.1",
                              "rep.hz.1", "rep.gz.1", "rep.bj1.1"]):  # fmt: skip
        _history(User.objects.get(username=name), i)
    alert_scan()
    forecast_snapshot_take()


def _charts(page: Any, *names: str) -> None:
    for name in names:
        chart = page.locator(f"[data-testid=chart-{name}]")
        chart.locator("svg").first.wait_for()
        assert chart.locator("svg path, svg rect").count() > 3, name


@pytest.mark.parametrize(("username", "path", "charts", "marker"), [
    ("rep.sh1.1", "/insights/", ("stages", "trend"), "rep-figures"),
    ("sup.sh1", "/insights/team/", ("leaders", "funnel", "volume"), "team-figures"),
    ("manager.east", "/insights/managers/", ("managers",), "managers-table"),
    ("director", "/insights/managers/", ("managers",), "managers-table"),
    ("director", "/insights/funnel/", ("funnel", "trend", "lost"), "funnel-figures"),
    ("manager.east", "/insights/forecast/", ("months",), "forecast-figures"),
])  # fmt: skip
def test_each_role_sees_its_dashboard_with_charts(
    page: Any, company: None, username: str, path: str, charts: tuple[str, ...], marker: str
) -> None:
    sign_in(page, username, DEMO_PASSWORD)
    page.goto(path)
    assert page.locator(f"[data-testid={marker}]").is_visible()
    _charts(page, *charts)
    shot(page, f"insights-{username}-{path.strip('/').replace('/', '-')}")


def test_a_figure_opens_its_records(page: Any, company: None) -> None:
    sign_in(page, "manager.east", DEMO_PASSWORD)
    page.goto("/insights/team/")
    figure = page.locator("[data-testid=figure-won-link]").inner_text()
    page.click("[data-testid=figure-won-link]")
    page.wait_for_url("**/insights/records/**")
    assert page.locator("[data-testid=drill-value]").inner_text() == figure
    assert page.locator("[data-testid=drill-total-amount]").inner_text() == figure
    shot(page, "insights-drill-won")


def test_an_alert_is_acknowledged_from_the_inbox(page: Any, company: None) -> None:
    sign_in(page, "rep.sh1.1", DEMO_PASSWORD)
    badge = page.locator("[data-testid=alert-badge]")
    before = int(badge.inner_text())
    with page.expect_navigation():  # count the rows of the inbox, not of the page before it
        page.click("[data-testid=alert-inbox-link]")
    rows = page.locator("[data-testid=alert-row]")
    assert rows.count() == before
    shot(page, "insights-inbox-rep")
    with page.expect_navigation():  # a plain form post: wait for the page it leads to
        rows.first.locator("[data-testid=alert-acknowledge]").click()
    after = page.locator("[data-testid=alert-badge]")
    assert (int(after.inner_text()) if after.count() else 0) == before - 1
    assert page.locator("[data-testid=alert-row]").count() == before - 1


def test_the_director_picks_one_person_by_name_and_returns_to_everyone(
    page: Any, company: None
) -> None:
    """A company has too many people for a list: the toolbar's person box searches them."""
    rep = User.objects.get(username="rep.sh1.1")
    sign_in(page, "director", DEMO_PASSWORD)
    page.goto("/insights/funnel/")
    everyone = page.locator("[data-testid=figure-won]").inner_text()
    assert page.locator("#lens-person option").count() == 0
    box = page.locator("#lens-person_search")
    type_in_picker(page, box, str(rep), "/insights/people/picker/")
    option = page.locator(f"[data-testid=picker-option][data-value='{rep.pk}']")
    option.wait_for(state="visible")
    shot(page, "insights-person-picker")
    with page.expect_navigation():
        option.click()
    assert f"person={rep.pk}" in page.url
    assert page.locator("#lens-person_search").input_value() == str(rep)
    assert page.locator("[data-testid=figure-won]").inner_text() != everyone
    page.locator("#lens-person_search").fill("")
    with page.expect_navigation():  # leaving an empty box chooses everyone again
        page.locator("#lens-person_search").press("Tab")
    assert "person=&" in page.url or page.url.endswith("person=")
    assert page.locator("[data-testid=figure-won]").inner_text() == everyone
