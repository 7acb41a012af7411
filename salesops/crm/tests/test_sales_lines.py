"""Product lines and amounts: exact line totals, the deal amount as their sum, weighted amounts
computed by the database, and close-date slips."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from salesops.crm.models import Opportunity, OpportunityLine
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


def _add(opp: Opportunity, code: str, price: str, qty: str, disc: str = "0", **kw: Any) -> Any:
    return services.opportunity_line_add(
        actor=opp.owner,
        opportunity=opp,
        product=make.product(code, price),
        quantity=Decimal(qty),
        discount_pct=Decimal(disc),
        **kw,
    )


def test_line_total_is_exact_and_rounded_half_up() -> None:
    assert services.line_total(Decimal(3), Decimal("33.33"), Decimal(10)) == Decimal("89.99")
    assert services.line_total(Decimal("0.5"), Decimal("0.05"), Decimal(0)) == Decimal("0.03")
    assert services.line_total(Decimal(1), Decimal("0.01"), Decimal(50)) == Decimal("0.01")
    assert services.line_total(Decimal(7), Decimal("19.99"), Decimal(100)) == Decimal("0.00")


def test_a_line_defaults_to_the_list_price_and_sets_the_amount(cast: Any) -> None:
    # Given a deal, when 3 of a 33.33 product are added at 10% off
    opp = make.deal(cast.rep)
    line = _add(opp, "P-33", "33.33", "3", "10")
    # Then the line and the deal are exact, read back from the database
    stored = OpportunityLine.objects.get(pk=line.pk)
    assert (stored.unit_price, stored.total) == (Decimal("33.33"), Decimal("89.99"))
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert fresh.amount == Decimal("89.99")
    assert fresh.product_line == make.product_line()  # taken from the first product


def test_a_given_unit_price_overrides_the_list_price(cast: Any) -> None:
    opp = make.deal(cast.rep)
    line = _add(opp, "P-33", "33.33", "2", unit_price=Decimal("30.00"))
    assert (line.unit_price, line.total) == (Decimal("30.00"), Decimal("60.00"))


def test_the_amount_follows_changes_and_removals(cast: Any) -> None:
    opp = make.deal(cast.rep)
    first = _add(opp, "P-A", "100.00", "2")
    _add(opp, "P-B", "10.10", "1")
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("210.10")
    services.opportunity_line_update(actor=cast.rep, line=first, discount_pct=Decimal("12.5"))
    assert OpportunityLine.objects.get(pk=first.pk).total == Decimal("175.00")
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("185.10")
    services.opportunity_line_remove(actor=cast.rep, line=first)
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("10.10")


def test_many_lines_sum_exactly_on_this_database(cast: Any) -> None:
    # Given 60 lines of awkward quantities, prices and discounts
    rng = random.Random(7)
    opp = make.deal(cast.rep)
    expected = Decimal(0)
    for i in range(60):
        price = Decimal(rng.randint(1, 9_999_999)) / 100
        qty = Decimal(rng.randint(1, 5000)) / 100
        disc = Decimal(rng.randint(0, 3000)) / 100
        _add(opp, f"P-{i}", str(price), str(qty), str(disc))
        gross = qty * price * (100 - disc) / 100
        expected += gross.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # Then the stored amount and a database sum equal the independent Decimal computation
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert fresh.amount == expected
    assert (
        OpportunityLine.objects.filter(opportunity=opp).aggregate(s=Sum("total"))["s"] == expected
    )


@pytest.mark.parametrize(
    ("qty", "price", "disc", "field"),
    [("0", "10.00", "0", "quantity"), ("1", "-1.00", "0", "unit_price"),
     ("1", "10.00", "101", "discount_pct"), ("1", "10.001", "0", "unit_price")],
)  # fmt: skip
def test_bad_lines_are_refused_naming_the_field(
    cast: Any, qty: str, price: str, disc: str, field: str
) -> None:
    opp = make.deal(cast.rep)
    with pytest.raises(ValidationError) as caught:
        services.opportunity_line_add(
            actor=cast.rep,
            opportunity=opp,
            product=make.product("P-X", "10.00"),
            quantity=Decimal(qty),
            unit_price=Decimal(price),
            discount_pct=Decimal(disc),
        )
    assert field in caught.value.message_dict
    assert not OpportunityLine.objects.filter(opportunity=opp).exists()
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("0.00")


def test_a_closed_deal_keeps_its_lines(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("won"))
    with pytest.raises(ValidationError):
        _add(opp, "P-LATE", "5.00", "1")
    with pytest.raises(ValidationError):
        services.opportunity_line_remove(actor=cast.rep, line=opp.lines.get())
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("1000.00")


def test_the_amount_cannot_be_typed_over_the_lines(cast: Any) -> None:
    opp = make.deal(cast.rep)
    services.opportunity_update(actor=cast.rep, opportunity=opp, amount=Decimal("500.00"))
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("500.00")  # an estimate
    _add(opp, "P-A", "100.00", "1")
    with pytest.raises(ValidationError) as caught:
        services.opportunity_update(actor=cast.rep, opportunity=opp, amount=Decimal("999.00"))
    assert list(caught.value.message_dict) == ["amount"]
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("100.00")


def test_weighted_amounts_are_computed_in_the_database(cast: Any) -> None:
    # Given deals of 33.33 at 25% (8.3325 → 8.33) and 0.02 at 25% (0.005 → 0.01)
    first = make.deal(cast.rep, name="One")
    second = make.deal(cast.rep, name="Two")
    for opp, price in ((first, "33.33"), (second, "0.02")):
        _add(opp, f"P-{price}", price, "1")
        Opportunity.objects.filter(pk=opp.pk).update(probability=25)
    rows = selectors.opportunities(actor=cast.rep).order_by("name")
    assert [(o.name, o.weighted) for o in rows] == [
        ("One", Decimal("8.33")),
        ("Two", Decimal("0.01")),
    ]
    assert rows.aggregate(w=Sum("weighted"))["w"] == Decimal("8.34")


def test_moving_the_close_date_later_counts_a_slip(cast: Any) -> None:
    opp = make.deal(cast.rep)
    today = timezone.localdate()
    steps = [
        (today + timedelta(days=30), 0),  # first date: not a slip
        (today + timedelta(days=45), 1),  # later: a slip
        (today + timedelta(days=20), 1),  # earlier: not a slip
        (today + timedelta(days=20), 1),  # unchanged
        (today + timedelta(days=21), 2),  # later again
        (None, 2),  # cleared
        (today + timedelta(days=90), 2),  # set again from empty
    ]
    for when, slips in steps:
        services.opportunity_update(actor=cast.rep, opportunity=opp, expected_close=when)
        assert Opportunity.objects.get(pk=opp.pk).close_date_changes == slips
