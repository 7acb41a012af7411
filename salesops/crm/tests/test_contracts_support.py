"""Builders shared by the contracts-area tests and authorization cases (no tests here).

Records are made directly (they are the given state of a test), except where a test needs
the state a service produces (a submitted or rejected contract), which goes through it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from salesops.crm.models import (
    Contract,
    ContractLine,
    Customer,
    Opportunity,
    Partner,
    Product,
    Stage,
)
from salesops.crm.services import contracts as services
from salesops.org.models import ProductLine

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def english(settings: Any) -> Iterator[None]:
    """Contracts tests read messages and pages in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def product(code: str = "", price: str = "1000.00") -> Product:
    """A product of a test product line."""
    line, _ = ProductLine.objects.get_or_create(code="pl", defaults={"name": "Line"})
    return Product.objects.create(
        code=code or f"P{next(_seq)}",
        name=f"Product {code}",
        product_line=line,
        list_price=Decimal(price),
    )


def customer(owner: Any, name: str = "", partner: Partner | None = None) -> Customer:
    """A customer owned by `owner`."""
    return Customer.objects.create(
        name=name or f"Customer {next(_seq)}", owner=owner, partner=partner
    )


def partner(channel_manager: Any, name: str = "", **extra: Any) -> Partner:
    """A partner of a channel manager."""
    return Partner.objects.create(
        name=name or f"Partner {next(_seq)}",
        kind=Partner.Kind.AGENT,
        channel_manager=channel_manager,
        **extra,
    )


def deal(
    owner: Any,
    *,
    amount: str = "1000.00",
    stage: str = "proposal",
    partner: Partner | None = None,
    cust: Customer | None = None,
    probability: int | None = None,
    closed_at: datetime | None = None,
) -> Opportunity:
    """An opportunity in a stage (closed_at set for won/lost)."""
    st = Stage.objects.get(code=stage)
    return Opportunity.objects.create(
        name=f"Deal {next(_seq)}",
        customer=cust or customer(owner, partner=partner),
        owner=owner,
        stage=st,
        amount=Decimal(amount),
        probability=st.probability if probability is None else probability,
        partner=partner,
        stage_entered_at=timezone.now(),
        closed_at=closed_at,
    )


def contract(
    owner: Any,
    *,
    price: str = "100000.00",
    discount: str = "0",
    quantity: str = "1",
    partner: Partner | None = None,
    status: str = Contract.Status.DRAFT,
) -> Contract:
    """A contract with one line (amount = the line total), in a given status."""
    prod = product()
    total = services.line_total(Decimal(quantity), Decimal(price), Decimal(discount))
    signed = timezone.localdate() if status == Contract.Status.SIGNED else None
    made = Contract.objects.create(
        number=services.next_contract_number(),
        customer=customer(owner, partner=partner),
        owner=owner,
        partner=partner,
        amount=total,
        max_discount_pct=Decimal(discount),
        status=status,
        signed_on=signed,
    )
    ContractLine.objects.create(
        contract=made,
        product=prod,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        discount_pct=Decimal(discount),
        total=total,
    )
    return made


def pending(owner: Any, *, price: str = "600000.00", **extra: Any) -> Contract:
    """A contract submitted for approval by its owner (600,000: up to a manager)."""
    made = contract(owner, price=price, **extra)
    return services.contract_submit(actor=owner, contract=made)


def rejected(owner: Any, approver: Any, **extra: Any) -> Contract:
    """A contract rejected by the first approver of its chain."""
    made = pending(owner, **extra)
    return services.contract_reject(actor=approver, contract=made, reason="Price too low")
