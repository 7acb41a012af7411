"""CRM writes of the sales area: opportunities, their lines and stages, activities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record
from salesops.core.models import AuditEntry
from salesops.crm.models import Customer, Opportunity, Stage, StageHistory


def first_open_stage() -> Stage:
    """The first active open stage of the funnel (where new deals start)."""
    stage = Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("order").first()
    if stage is None:
        raise ValidationError({"stage": _("No open stage is configured.")})
    return stage


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    customer: Customer,
    name: str,
    owner: Any = None,
    stage: Stage | None = None,
    expected_close: date | None = None,
    amount: Decimal | None = None,
    source: str = "",
    partner: Any = None,
    product_line: Any = None,
    next_step: str = "",
) -> Opportunity:
    """Open a deal for a customer, starting in the first stage; records its first stay."""
    stage = stage or first_open_stage()
    now = timezone.now()
    opportunity = Opportunity(
        name=name.strip(),
        customer=customer,
        owner=owner or actor,
        stage=stage,
        probability=stage.probability,
        expected_close=expected_close,
        amount=amount if amount is not None else Decimal("0.00"),
        source=source,
        partner=partner,
        product_line=product_line,
        next_step=next_step,
        stage_entered_at=now,
    )
    opportunity.full_clean()
    opportunity.save()
    StageHistory.objects.create(
        opportunity=opportunity,
        stage=stage,
        entered_at=now,
        moved_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=opportunity)
    return opportunity
