"""End to end through the pages: a director sets the company's annual revenue target, splits it
to regions and over months by last year's seasonality; a manager splits the team's target to
people; mismatches show in the tree; a rep sees their target and pace; winning a deal in the
CRM (through the CRM services) moves the actual."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from salesops.core.periods import Period
from salesops.crm.models import Stage
from salesops.crm.services import sales as crm
from salesops.targets.models import Target
from salesops.targets.tests import support as s


def _actual(page: str, kpi: str, period: str) -> Decimal:
    block = page.split(f'data-kpi="{kpi}" data-period="{period}"', 1)[1]
    match = re.search(r'data-testid="actual">([\d,.]+)<', block)
    assert match, "no actual shown"
    return Decimal(match.group(1).replace(",", ""))


def _history(cast: Any, year: Period) -> None:
    """Last year's won deals: most of it in the last quarter (seasonality)."""
    last = year.previous()
    for month, amount in ((3, "100000.00"), (6, "200000.00"), (11, "300000.00"), (12, "400000.00")):
        s.deal(cast.rep, amount, closed=s.local(date(last.start.year, month, 10)))


def _win_a_deal(rep: Any, amount: str) -> None:
    """A deal opened and won through the CRM services."""
    customer = s.customer(rep, name="Journey Co")
    opp = crm.opportunity_create(actor=rep, customer=customer, name="Journey deal")
    product = _product()
    crm.opportunity_line_add(
        actor=rep, opportunity=opp, product=product, quantity=Decimal(1), unit_price=Decimal(amount)
    )
    opp.refresh_from_db()
    crm.opportunity_move_stage(actor=rep, opportunity=opp, stage=Stage.objects.get(code="won"))


def _product() -> Any:
    from salesops.crm.models import Product
    from salesops.org.models import ProductLine

    line, _ = ProductLine.objects.get_or_create(code="journey", defaults={"name": "Journey"})
    product, _ = Product.objects.get_or_create(
        code="J-1",
        defaults={"name": "Journey product", "product_line": line, "list_price": Decimal("1.00")},
    )
    return product


def test_director_to_manager_to_rep(cast: Any, client_for: Any) -> None:
    s.ensure_reference()
    year = Period.containing("year", timezone.localdate())
    _history(cast, year)
    won = s.kpi("won_revenue")
    director, manager, rep = client_for("director"), client_for("manager"), client_for("rep")

    # The director sets the company's annual revenue target.
    response = director.post(
        reverse("targets:target_create"),
        {
            "kpi": won.pk,
            "owner": f"unit:{cast.units['acme'].pk}",
            "period": year.key,
            "value": "1200000.00",
            "description": "Revenue for the year",
        },
    )
    assert response.status_code == 302
    company = Target.objects.get(owner_unit=cast.units["acme"], period_key=year.key)

    # ... over the months by last year's seasonality (1 : 2 : 3 : 4 in Mar, Jun, Nov, Dec) ...
    response = director.post(
        reverse("targets:target_phase", args=[company.pk]),
        {"kind": "month", "method": "seasonality", "action": "save"},
    )
    assert response.status_code == 302
    months = dict(
        Target.objects.filter(parent=company, owner_unit=cast.units["acme"]).values_list(
            "period_key", "value"
        )
    )
    assert months[f"{year.key}-12"] == Decimal("480000.00")
    assert months[f"{year.key}-03"] == Decimal("120000.00")
    assert sum(months.values()) == Decimal("1200000.00")
    company.refresh_from_db()

    # ... and to the regions, 2 : 1 (they inherit the seasonal phasing).
    north, south = cast.units["north"], cast.units["south"]
    response = director.post(
        reverse("targets:target_split", args=[company.pk]),
        {
            "method": "weights",
            "apply_ramp": "1",
            "action": "save",
            f"include_unit:{north.pk}": "1",
            f"include_unit:{south.pk}": "1",
            f"weight_unit:{north.pk}": "2",
            f"weight_unit:{south.pk}": "1",
        },
    )
    assert response.status_code == 302
    region = Target.objects.get(owner_unit=north, period_key=year.key)
    assert region.value == Decimal("800000.00")

    # The manager splits the region to the team, and the team to the people.
    team = cast.units["n1"]
    manager.post(
        reverse("targets:target_split", args=[region.pk]),
        {"method": "even", "action": "save", f"include_unit:{team.pk}": "1"},
    )
    team_target = Target.objects.get(owner_unit=team, period_key=year.key)
    assert team_target.value == Decimal("800000.00")
    manager.post(
        reverse("targets:target_split", args=[team_target.pk]),
        {
            "method": "weights",
            "action": "save",
            f"include_user:{cast.rep.pk}": "1",
            f"include_user:{cast.peer_rep.pk}": "1",
            f"weight_user:{cast.rep.pk}": "3",
            f"weight_user:{cast.peer_rep.pk}": "1",
        },
    )
    mine = Target.objects.get(owner_user=cast.rep, period_key=year.key)
    assert mine.value == Decimal("600000.00")
    assert mine.phasing == company.phasing  # the seasonality flows down

    # The manager raises the peer's target by hand: the team now adds up to too much.
    peer = Target.objects.get(owner_user=cast.peer_rep, period_key=year.key)
    manager.post(
        reverse("targets:target_edit", args=[peer.pk]),
        {"value": "250000.00", "reason": "Takes over a key account"},
    )
    tree = director.get(reverse("targets:tree") + f"?period={year.key}").content.decode()
    n1_row = tree.split('data-unit="n1"', 1)[1].split("</tr>", 1)[0]
    assert 'data-split="over"' in n1_row and "50,000.00" in n1_row
    acme_row = tree.split('data-unit="acme"', 1)[1].split("</tr>", 1)[0]
    assert 'data-split="exact"' in acme_row

    # The rep sees their target and the pace they need.
    page = rep.get(reverse("targets:my")).content.decode()
    assert "600,000.00" in page and 'data-testid="pace"' in page
    before = _actual(page, "won_revenue", year.key)

    # Winning a deal in the CRM moves the actual.
    _win_a_deal(cast.rep, "12345.67")
    after = _actual(rep.get(reverse("targets:my")).content.decode(), "won_revenue", year.key)
    assert after - before == Decimal("12345.67")
    records = rep.get(reverse("targets:target_records", args=[mine.pk])).content.decode()
    assert "Journey deal" in records
