"""Builders of CRM rows for the targets tests (no tests here).

History is written straight into the tables (the CRM services date everything "now"); deals won
today go through the CRM services in the end-to-end tests.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salesops.core.periods import Period
from salesops.crm.models import Activity, Contract, Customer, Lead, Opportunity, Payment, Stage
from salesops.targets.catalogue import ensure_catalogue
from salesops.targets.models import KpiDefinition, Target

_REFERENCE = importlib.import_module("salesops.crm.migrations.0003_reference_data")


def ensure_reference() -> None:
    """The funnel stages and the KPI catalogue (gone after a transactional test's flush)."""
    for code, name, order, kind, prob, days, req in _REFERENCE.STAGES:
        Stage.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "kind": kind,
                "probability": prob,
                "standard_days": days,
                "requirements": req,
            },
        )
    ensure_catalogue()


def kpi(code: str) -> KpiDefinition:
    ensure_reference()
    return KpiDefinition.objects.get(code=code)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware datetime at a local time of day."""
    return timezone.make_aware(
        datetime.combine(day, time(hour, minute)), timezone.get_default_timezone()
    )


_n = {"customer": 0, "contract": 0}


def customer(owner: Any, tier: str = "general", name: str = "") -> Customer:
    _n["customer"] += 1
    return Customer.objects.create(
        name=name or f"Customer {_n['customer']}", owner=owner, tier=tier
    )


def deal(
    owner: Any,
    amount: str,
    *,
    closed: datetime | None = None,
    created: datetime | None = None,
    stage: str = "won",
    of: Customer | None = None,
    product_line: Any = None,
) -> Opportunity:
    """A deal in a stage, opened at `created`, closed at `closed` (won/lost)."""
    ensure_reference()
    st = Stage.objects.get(code=stage)
    opened = created or (closed or timezone.now())
    opp = Opportunity.objects.create(
        name=f"Deal {amount}",
        customer=of or customer(owner),
        owner=owner,
        stage=st,
        amount=Decimal(amount),
        stage_entered_at=closed or opened,
        closed_at=closed if st.kind != "open" else None,
        product_line=product_line,
    )
    Opportunity.objects.filter(pk=opp.pk).update(created_at=opened)
    opp.refresh_from_db()
    return opp


def payment(owner: Any, amount: str, received: date) -> Payment:
    _n["contract"] += 1
    contract = Contract.objects.create(
        number=f"T-{_n['contract']:05d}",
        customer=customer(owner),
        owner=owner,
        amount=Decimal(amount),
        status=Contract.Status.SIGNED,
    )
    return Payment.objects.create(contract=contract, amount=Decimal(amount), received_on=received)


def activity(
    owner: Any,
    kind: str,
    done: datetime | None,
    *,
    status: str = "done",
    coaching: bool = False,
    companions: tuple[Any, ...] = (),
) -> Activity:
    act = Activity.objects.create(
        kind=kind,
        subject=f"{kind} {done}",
        owner=owner,
        status=status,
        done_at=done,
        is_coaching=coaching,
    )
    if companions:
        act.companions.set(companions)
    return act


def lead(owner: Any, created: datetime) -> Lead:
    row = Lead.objects.create(title="A lead", owner=owner)
    Lead.objects.filter(pk=row.pk).update(created_at=created)
    return row


def target(kpi_code: str, owner: Any, period: str, value: str, **extra: Any) -> Target:
    """A target row written directly (the services are tested on their own)."""
    p = Period.parse(period)
    is_unit = owner.__class__.__name__ == "OrgUnit"
    row = Target(
        kpi=kpi(kpi_code),
        owner_user=None if is_unit else owner,
        owner_unit=owner if is_unit else None,
        value=Decimal(value),
        **extra,
    )
    row.set_period(p)
    row.save()
    return row


def move_rep_south(cast: Any) -> None:
    """The rep moves from team n1 (north) to s1 (south) on 2025-03-01, through the service."""
    from salesops.org.services import person_move

    person_move(
        actor=cast.admin,
        person=cast.rep,
        unit=cast.units["s1"],
        position="rep",
        manager=cast.other_supervisor,
        effective=date(2025, 3, 1),
    )
