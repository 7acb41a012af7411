"""Builders of sales records for the sales tests and the authorization matrix (no tests here).

Everything is built on the named cast of salesops/org/testing.py; the funnel stages come from
the reference data migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from salesops.crm.models import Activity, Contact, Customer, Opportunity, Partner, Product, Stage
from salesops.crm.services import sales as services
from salesops.org.models import ProductLine


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Sales tests read messages in English (the source language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def from_the_records() -> None:
    """The tables kept by triggers rebuilt from the records at the start of a test (inside
    its transaction), for tests that check every row of them: a transactional test elsewhere
    (a browser journey) ends with a flush that empties the tables one by one, and the triggers
    of the tables emptied later leave rows in those emptied before (a cohort of -1 deals)."""
    from salesops.crm.services.rollups import trigger_tables_rebuild

    trigger_tables_rebuild()


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def product_line(code: str = "hw", name: str = "Hardware") -> ProductLine:
    line, _created = ProductLine.objects.get_or_create(code=code, defaults={"name": name})
    return line


def product(code: str = "P-1", price: str = "100.00", line: ProductLine | None = None) -> Product:
    found, _created = Product.objects.get_or_create(
        code=code,
        defaults={"name": f"Product {code}", "list_price": Decimal(price),
                  "product_line": line or product_line()},
    )  # fmt: skip
    return found


def partner(channel_manager: Any, name: str = "Channel Co") -> Partner:
    return Partner.objects.create(
        name=name, kind=Partner.Kind.DISTRIBUTOR, channel_manager=channel_manager
    )


def customer(owner: Any, name: str = "Acme Ltd", **extra: Any) -> Customer:
    return Customer.objects.create(name=name, owner=owner, **extra)


def decision_maker(of: Customer, name: str = "Ms Boss") -> Contact:
    return Contact.objects.create(
        customer=of, name=name, buying_role=Contact.BuyingRole.DECISION_MAKER
    )


def deal(
    owner: Any, name: str = "Big deal", of: Customer | None = None, **extra: Any
) -> Opportunity:
    """A new deal in the first stage (owner's own customer unless given)."""
    return services.opportunity_create(
        actor=owner, customer=of or customer(owner, name=f"{name} customer"), name=name, **extra
    )


def ready_deal(owner: Any, name: str = "Ready deal", **extra: Any) -> Opportunity:
    """A deal meeting every entry criterion of the standard funnel (one line of 1,000.00)."""
    opp = deal(owner, name=name, **extra)
    boss = decision_maker(opp.customer)
    services.opportunity_update(
        actor=owner,
        opportunity=opp,
        need_confirmed=True,
        decision_maker=boss,
        expected_close=timezone.localdate() + timedelta(days=30),
        next_step="Send the contract",
    )
    services.opportunity_line_add(
        actor=owner, opportunity=opp, product=product("P-READY", "1000.00"), quantity=Decimal(1)
    )
    opp.refresh_from_db()
    return opp


def planned(owner: Any, of: Customer, subject: str = "Follow up", days: int = -1) -> Activity:
    """A planned call, due `days` from now (negative: overdue)."""
    return services.activity_log(
        actor=owner,
        kind=Activity.Kind.CALL,
        subject=subject,
        customer=of,
        due_at=timezone.now() + timedelta(days=days),
    )
