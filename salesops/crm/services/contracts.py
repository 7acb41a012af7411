"""CRM writes of the contracts area: contracts from won deals, approvals, payments, partners."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from salesops.core.audit import audit_record
from salesops.core.models import AuditEntry
from salesops.crm.models import Contract, ContractLine, Opportunity


def next_contract_number(today: Any = None) -> str:
    """The next contract number of the year: HT-2026-00042."""
    year = (today or timezone.localdate()).year
    prefix = f"HT-{year}-"
    last = Contract.objects.filter(number__startswith=prefix).aggregate(n=Max("number"))["n"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def contract_from_opportunity(*, actor: Any, opportunity: Opportunity) -> Contract:
    """The draft contract of a won deal, with the deal's lines (once per deal)."""
    existing = Contract.objects.filter(opportunity=opportunity).first()
    if existing is not None:
        return existing
    lines = list(opportunity.lines.all())
    contract = Contract.objects.create(
        number=next_contract_number(),
        customer=opportunity.customer,
        opportunity=opportunity,
        owner=opportunity.owner,
        partner=opportunity.partner,
        amount=opportunity.amount,
        max_discount_pct=max((line.discount_pct for line in lines), default=0),
    )
    ContractLine.objects.bulk_create(
        ContractLine(
            contract=contract,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_pct=line.discount_pct,
            total=line.total,
        )
        for line in lines
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=contract)
    return contract
