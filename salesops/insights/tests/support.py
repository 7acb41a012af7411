"""Builders of CRM history for the insights tests and the authorization matrix (no tests here).

Records are written straight into the tables with the dates a test needs (the CRM services date
everything "now"); stage histories are written to match each deal's stage.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from salesops.core.periods import Period
from salesops.crm.models import Activity, Customer, Opportunity, Stage, StageHistory
from salesops.insights.lens import Lens, Window
from salesops.insights.rules import ensure_rules
from salesops.targets.catalogue import ensure_catalogue
from salesops.targets.models import KpiDefinition, Target

_REFERENCE = importlib.import_module("salesops.crm.migrations.0003_reference_data")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Insights tests read words in English (the source language)."""
    with translation.override("en"):
        yield


def ensure_reference() -> None:
    """Stages, tier standards, the KPI catalogue and the alert rules (gone after a flush)."""
    from salesops.crm.models import TierStandard

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
    for tier, days, hours, counterpart in _REFERENCE.TIERS:
        TierStandard.objects.get_or_create(
            tier=tier,
            defaults={
                "max_days_between_contacts": days,
                "response_hours": hours,
                "counterpart": counterpart,
            },
        )
    ensure_catalogue()
    ensure_rules()


def today() -> date:
    return timezone.localdate()


def local(day: date, hour: int = 12) -> datetime:
    """An aware datetime at an hour of a local day."""
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def last_month() -> Period:
    return Period.containing("month", today()).previous()


def lens(actor: Any, window: Window | None = None, **kw: Any) -> Lens:
    return Lens(
        actor=actor, window=window or Window.containing("month", today()), today=today(), **kw
    )


def lens_of(cast: Any, who: str, window: Window, unit: str | None = None,
            person: str | None = None) -> Lens:  # fmt: skip
    """The lens of the cast's `who` on a named unit or person (parametrised tests)."""
    return lens(cast.users[who], window, unit=cast.units[unit] if unit else None,
                person=cast.users[person] if person else None)  # fmt: skip


def stage(code: str) -> Stage:
    ensure_reference()
    return Stage.objects.get(code=code)


_n = {"customer": 0}


def customer(owner: Any, tier: str = "general", **extra: Any) -> Customer:
    _n["customer"] += 1
    return Customer.objects.create(
        name=extra.pop("name", f"Customer {_n['customer']}"), owner=owner, tier=tier, **extra
    )


def deal(
    owner: Any,
    amount: str,
    *,
    stage_code: str = "lead",
    created: datetime | None = None,
    entered: datetime | None = None,
    closed: datetime | None = None,
    of: Customer | None = None,
    expected_close: date | None = None,
    category: str = "pipeline",
    lost_reason: str = "",
    **extra: Any,
) -> Opportunity:
    """A deal in a stage with a matching stage history: open deals sit in their stage since
    `entered` (a day ago unless given); won and lost deals closed at `closed`."""
    st = stage(stage_code)
    now = timezone.now()
    opened = created or (closed or now) - timedelta(days=30)
    if entered is None:
        entered = closed or (max(opened, now - timedelta(days=1)) if st.kind == "open" else opened)
    opp = Opportunity.objects.create(
        name=extra.pop("name", f"Deal {amount}"),
        customer=of or customer(owner),
        owner=owner,
        stage=st,
        amount=Decimal(amount),
        probability=st.probability,
        stage_entered_at=entered,
        closed_at=closed if st.kind != "open" else None,
        expected_close=expected_close,
        forecast_category=category,
        lost_reason=lost_reason,
        **extra,
    )
    Opportunity.objects.filter(pk=opp.pk).update(created_at=opened)
    opp.refresh_from_db()
    first = stage("lead")
    if st.pk != first.pk:
        StageHistory.objects.create(
            opportunity=opp, stage=first, entered_at=opened, left_at=entered
        )
    StageHistory.objects.create(
        opportunity=opp,
        stage=st,
        entered_at=entered,
        from_stage=None if st.pk == first.pk else first,
    )
    return opp


def stay(opp: Opportunity, stage_code: str, entered: datetime, days: float) -> StageHistory:
    """A finished stay of a deal in a stage (the history the stuck rule learns from)."""
    return StageHistory.objects.create(
        opportunity=opp,
        stage=stage(stage_code),
        entered_at=entered,
        left_at=entered + timedelta(days=days),
    )


def activity(
    owner: Any, kind: str = "call", done: datetime | None = None, **extra: Any
) -> Activity:
    companions = extra.pop("companions", ())
    act = Activity.objects.create(
        kind=kind,
        subject=f"{kind} {done}",
        owner=owner,
        status=extra.pop("status", "done"),
        done_at=done,
        **extra,
    )
    if companions:
        act.companions.set(companions)
    return act


def target(kpi_code: str, owner: Any, period: Period, value: str) -> Target:
    """A won-revenue (or other) target row written directly."""
    ensure_reference()
    is_unit = owner.__class__.__name__ == "OrgUnit"
    row = Target(
        kpi=KpiDefinition.objects.get(code=kpi_code),
        owner_user=None if is_unit else owner,
        owner_unit=owner if is_unit else None,
        value=Decimal(value),
    )
    row.set_period(period)
    row.save()
    return row


def metrics_kpi(code: str) -> Any:
    """A KPI definition as the insights figures read it."""
    from salesops.insights.metrics import kpi_definitions

    return kpi_definitions([code])[code]
