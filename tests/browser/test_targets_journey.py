"""Targets in a browser: the director sets the company's revenue target and splits it over the
months and the regions; the East manager splits it to teams and people and a mismatch shows;
a rep sees their target and pace, and the actual moves when they win a deal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from salesops.core.demo import DEMO_PASSWORD, DemoContext
from salesops.core.periods import Period
from salesops.org.demo import organisation
from salesops.org.models import OrgUnit, User
from salesops.targets.models import Target
from salesops.targets.tests import support as s
from tests.browser.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_org() -> DemoContext:
    s.ensure_reference()
    ctx = DemoContext(seed=2026, today=date(2026, 11, 22))
    organisation(ctx)
    year = Period.containing("year", timezone.localdate())
    rep = User.objects.get(username="rep.sh1.1")
    for month, amount in ((3, "900000.00"), (6, "1800000.00"), (12, "3600000.00")):
        s.deal(rep, amount, closed=s.local(date(year.start.year - 1, month, 12)))
    return ctx


def _sign_out(page: Any) -> None:
    page.click("[data-testid=user-name]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")


def _split(page: Any, code: str, keep: list[str]) -> None:
    """Open a unit's split page, keep only the listed parts, split evenly, save."""
    with page.expect_navigation():  # its rows are read at once: wait until it has all loaded
        page.click(f"[data-testid=split-{code}]")
    page.wait_for_selector("[data-testid=split-form]")
    for box in page.locator("[data-testid=split-row]").all():
        key = box.get_attribute("data-key")
        checkbox = page.locator(f'[data-testid="include-{key}"]')
        if (key in keep) != checkbox.is_checked():
            checkbox.click()
    page.click("[data-testid=method-even]")
    with page.expect_navigation():  # the page opened with a plan already: wait for the preview
        page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=plan-total]")
    with page.expect_navigation():  # back on the tree, whose cells are read next
        page.click("[data-testid=save-split]")
    page.wait_for_selector("[data-testid=target-tree]")


def test_director_manager_rep_journey(page: Any, demo_org: Any) -> None:
    year = Period.containing("year", timezone.localdate())
    units = {u.code: u for u in OrgUnit.objects.all()}

    # The director sets the company's annual revenue target.
    sign_in(page, "director", DEMO_PASSWORD)
    page.goto(f"/targets/tree/?period={year.key}")
    page.click("[data-testid=set-hq]")
    page.fill("[data-testid=field-value]", "48000000")
    page.fill("[data-testid=field-description]", "全年签约收入")
    shot(page, "targets-1-director-sets-company-target")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=target-tree]")
    company = Target.objects.get(owner_unit=units["hq"], period_key=year.key)
    assert company.value == Decimal("48000000.00")

    # ... over the months by last year's seasonality (March : June : December = 1 : 2 : 4) ...
    page.click("[data-testid=phase-hq]")
    page.click("[data-testid=method-seasonality]")
    with page.expect_navigation():  # the preview posts the form back: wait for its answer
        page.click("[data-testid=preview]")
    assert page.locator(f'[data-testid="result-{year.key}-12"]').inner_text() == "27,428,571.43"
    shot(page, "targets-2-director-phases-by-seasonality")
    page.click("[data-testid=save-phase]")
    page.wait_for_selector("[data-testid=target-tree]")

    # ... and to the four regions.
    _split(page, "hq", [f"unit:{units[c].pk}" for c in ("east", "south", "north", "west")])
    east = page.locator('[data-testid=tree-unit][data-unit="east"] [data-testid=node-target]')
    assert east.inner_text().startswith("12,000,000.00")
    shot(page, "targets-3-director-tree-regions")
    _sign_out(page)

    # The East manager splits the region to teams and Shanghai 1 to its people.
    sign_in(page, "manager.east", DEMO_PASSWORD)
    page.goto(f"/targets/tree/?period={year.key}")
    _split(page, "east", [f"unit:{units[c].pk}" for c in ("sh1", "sh2", "hz")])
    team_people = User.objects.filter(unit=units["sh1"], position="rep").order_by("username")
    _split(page, "sh1", [f"user:{p.pk}" for p in team_people])
    # then raises one rep's target by hand: the team now adds up to too much
    rep_target = Target.objects.get(owner_user__username="rep.sh1.1", period_key=year.key)
    page.goto(f"/targets/{rep_target.pk}/edit/")
    page.fill("[data-testid=field-value]", str(rep_target.value + 100000))
    page.fill("[data-testid=field-reason]", "接手一个重点客户")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=revisions]")
    page.goto(f"/targets/tree/?period={year.key}")
    sh1 = page.locator('[data-testid=tree-unit][data-unit="sh1"] [data-testid=node-split]')
    assert sh1.locator("[data-split=over]").count() == 1
    assert "100,000.00" in sh1.inner_text()
    shot(page, "targets-4-manager-tree-mismatch")
    _sign_out(page)

    # The rep sees their target and the pace they need; winning a deal moves the actual.
    sign_in(page, "rep.sh1.1", DEMO_PASSWORD)
    page.goto("/targets/")
    card = page.locator(f'[data-testid=my-target][data-period="{year.key}"]')
    assert card.locator("[data-testid=pace]").count() == 1
    before = Decimal(card.locator("[data-testid=actual]").inner_text().replace(",", ""))
    shot(page, "targets-5-rep-my-targets")
    rep = User.objects.get(username="rep.sh1.1")
    s.deal(rep, "250000.00", closed=timezone.now())
    page.reload()
    after = Decimal(card.locator("[data-testid=actual]").inner_text().replace(",", ""))
    assert after - before == Decimal("250000.00")
    with page.expect_navigation():  # the rows are counted at once: wait until they all loaded
        page.click(f'[data-testid=my-target][data-period="{year.key}"] [data-testid=records-link]')
    page.wait_for_selector("[data-testid=records]")
    assert page.locator("[data-testid=record]").count() == 1
    shot(page, "targets-6-rep-records-behind-actual")
