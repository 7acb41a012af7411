"""CRM writes of the sales area: opportunities, their lines and stages, activities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.core.money import CENT, ZERO, to_money
from salesops.crm.models import (
    Contact,
    Contract,
    Customer,
    Opportunity,
    OpportunityLine,
    Product,
    Stage,
    StageHistory,
)
from salesops.crm.permissions.sales import can_act_for, require_rights
from salesops.crm.services.sales_activities import (
    activity_cancel,
    activity_complete,
    activity_log,
    activity_update,
)

__all__ = [
    "ENTRY_CRITERIA",
    "activity_cancel",
    "activity_complete",
    "activity_log",
    "activity_update",
    "first_open_stage",
    "line_total",
    "opportunity_create",
    "opportunity_line_add",
    "opportunity_line_remove",
    "opportunity_line_update",
    "opportunity_move_stage",
    "opportunity_update",
    "unmet_criteria",
]

HUNDRED = Decimal(100)


# --- entry criteria ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """An entry criterion: what it asks (in words), the refusal when unmet, and its check."""

    label: Any
    unmet: Any
    check: Callable[[Opportunity, Stage, date], bool]


def _decision_maker_known(opp: Opportunity, stage: Stage, today: date) -> bool:
    contact = opp.decision_maker
    return (
        contact is not None
        and contact.customer_id == opp.customer_id
        and contact.buying_role == Contact.BuyingRole.DECISION_MAKER
    )


def _close_date_ok(opp: Opportunity, stage: Stage, today: date) -> bool:
    if opp.expected_close is None:
        return False
    return stage.kind != Stage.Kind.OPEN or opp.expected_close >= today


# One entry per key of Stage.requirements; a new criterion is one more entry here.
ENTRY_CRITERIA: dict[str, Criterion] = {
    "need_confirmed": Criterion(
        gettext_lazy("The customer's need is confirmed"),
        gettext_lazy("The customer's need is not confirmed."),
        lambda opp, stage, today: opp.need_confirmed,
    ),
    "decision_maker": Criterion(
        gettext_lazy("A decision maker of the customer is named"),
        gettext_lazy("No decision maker is named (a contact whose role is decision maker)."),
        _decision_maker_known,
    ),
    "lines": Criterion(
        gettext_lazy("The deal has product lines and an amount above zero"),
        gettext_lazy("The deal has no product lines with an amount above zero."),
        lambda opp, stage, today: opp.amount > ZERO and opp.lines.exists(),
    ),
    "expected_close": Criterion(
        gettext_lazy("An expected close date is set, not in the past"),
        gettext_lazy("The expected close date is missing or in the past."),
        _close_date_ok,
    ),
    "next_step": Criterion(
        gettext_lazy("The next step is written down"),
        gettext_lazy("The next step is empty."),
        lambda opp, stage, today: bool(opp.next_step.strip()),
    ),
}


def unmet_criteria(opportunity: Opportunity, stage: Stage, today: date | None = None) -> list[str]:
    """The refusals of every entry criterion of the stage this deal does not meet."""
    today = today or timezone.localdate()
    messages = []
    for key in stage.requirements or []:
        criterion = ENTRY_CRITERIA.get(key)
        if criterion is None:
            messages.append(
                _("Unknown entry criterion “%(key)s”: ask an administrator.") % {"key": key}
            )
        elif not criterion.check(opportunity, stage, today):
            messages.append(str(criterion.unmet))
    return messages


# --- helpers ----------------------------------------------------------------------------------


def _check_owner(actor: Any, owner: Any) -> None:
    if owner is None or getattr(owner, "pk", None) == getattr(actor, "pk", None):
        return
    if not owner.is_active or not can_act_for(actor, owner.pk):
        raise ValidationError({"owner": _("You can only give deals to people in your team.")})


def _who(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def line_total(quantity: Decimal, unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """Quantity × unit price less the discount, exact, rounded half-up to cents."""
    with localcontext() as ctx:
        ctx.prec = 60
        gross = Decimal(quantity) * Decimal(unit_price) * (HUNDRED - Decimal(discount_pct))
        return (gross / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


# --- opportunities ----------------------------------------------------------------------------


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
    """Open a deal for a customer, starting in the first stage or the open `stage` given;
    records its first stay. A deal is won or lost by moving it (`opportunity_move_stage`)."""
    stage = stage or first_open_stage()
    if stage.kind != Stage.Kind.OPEN:
        raise ValidationError({"stage": _("A new deal starts in an open stage.")})
    _check_owner(actor, owner)
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


OPPORTUNITY_FIELDS = (
    "name",
    "owner",
    "expected_close",
    "next_step",
    "competitors",
    "source",
    "partner",
    "product_line",
    "forecast_category",
    "need_confirmed",
    "decision_maker",
    "amount",
)


def _check_update(opportunity: Opportunity, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    contact = changes.get("decision_maker")
    if contact is not None and contact.customer_id != opportunity.customer_id:
        raise ValidationError({"decision_maker": _("Choose a contact of this customer.")})
    if "amount" in changes and opportunity.lines.exists():
        current = opportunity.amount
        if changes["amount"] is not None and to_money(changes["amount"]) != current:
            raise ValidationError(
                {"amount": _("The amount is the sum of the product lines; change the lines.")}
            )


@transaction.atomic
def opportunity_update(*, actor: Any, opportunity: Opportunity, **changes: Any) -> Opportunity:
    """Change a deal's details; moving the close date later counts as a slip."""
    require_rights(actor, opportunity.owner_id)
    _check_update(opportunity, changes)
    if "owner" in changes:
        _check_owner(actor, changes["owner"])
    if changes.get("amount", 0) is None:
        changes["amount"] = ZERO
    before = snapshot(opportunity)
    old_close = opportunity.expected_close
    for name, value in changes.items():
        setattr(opportunity, name, value.strip() if isinstance(value, str) else value)
    new_close = opportunity.expected_close
    if old_close is not None and new_close is not None and new_close > old_close:
        opportunity.close_date_changes += 1
    opportunity.full_clean()
    opportunity.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=opportunity, before=before)
    return opportunity


def _refresh_amount(actor: Any, opportunity: Opportunity, product: Product | None) -> None:
    """Set the deal's amount to the database sum of its line totals."""
    before = snapshot(opportunity)
    total = opportunity.lines.aggregate(s=Sum("total"))["s"] or ZERO
    opportunity.amount = total
    fields = ["amount", "updated_at"]
    if opportunity.product_line_id is None and product is not None:
        opportunity.product_line_id = product.product_line_id
        fields.append("product_line")
    opportunity.save(update_fields=fields)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=opportunity, before=before)


def _check_line(quantity: Any, unit_price: Any, discount_pct: Any) -> dict[str, str]:
    errors = {}
    if quantity is None or Decimal(quantity) <= 0:
        errors["quantity"] = _("The quantity must be above zero.")
    if unit_price is None or Decimal(unit_price) < 0:
        errors["unit_price"] = _("The unit price cannot be negative.")
    if discount_pct is None or not (0 <= Decimal(discount_pct) <= 100):
        errors["discount_pct"] = _("The discount is a percentage from 0 to 100.")
    return errors


def _open_for_lines(opportunity: Opportunity) -> None:
    if opportunity.closed_at is not None or opportunity.stage.kind != Stage.Kind.OPEN:
        raise ValidationError(_("The deal is closed; reopen it to change its lines."))


def _save_line(line: OpportunityLine) -> None:
    errors = _check_line(line.quantity, line.unit_price, line.discount_pct)
    if errors:
        raise ValidationError(errors)
    try:
        line.unit_price = to_money(line.unit_price)
    except ValidationError as exc:
        raise ValidationError({"unit_price": exc.messages}) from exc
    line.total = line_total(line.quantity, line.unit_price, line.discount_pct)
    line.full_clean()
    line.save()


@transaction.atomic
def opportunity_line_add(
    *,
    actor: Any,
    opportunity: Opportunity,
    product: Product,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    discount_pct: Decimal = Decimal(0),
) -> OpportunityLine:
    """Add a product to a deal (unit price defaults to the list price); the amount follows."""
    require_rights(actor, opportunity.owner_id)
    _open_for_lines(opportunity)
    if not product.is_active:
        raise ValidationError({"product": _("This product is no longer sold.")})
    line = OpportunityLine(
        opportunity=opportunity,
        product=product,
        quantity=quantity,
        unit_price=product.list_price if unit_price is None else unit_price,
        discount_pct=discount_pct,
        total=ZERO,
    )
    _save_line(line)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=line)
    _refresh_amount(actor, opportunity, product)
    return line


@transaction.atomic
def opportunity_line_update(
    *,
    actor: Any,
    line: OpportunityLine,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> OpportunityLine:
    """Change a line's quantity, unit price or discount; the line total and amount follow."""
    opportunity = line.opportunity
    require_rights(actor, opportunity.owner_id)
    _open_for_lines(opportunity)
    before = snapshot(line)
    if quantity is not None:
        line.quantity = quantity
    if unit_price is not None:
        line.unit_price = unit_price
    if discount_pct is not None:
        line.discount_pct = discount_pct
    _save_line(line)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=line, before=before)
    _refresh_amount(actor, opportunity, None)
    return line


@transaction.atomic
def opportunity_line_remove(*, actor: Any, line: OpportunityLine) -> None:
    """Remove a line from a deal; the amount follows."""
    opportunity = line.opportunity
    require_rights(actor, opportunity.owner_id)
    _open_for_lines(opportunity)
    before = snapshot(line)
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=line, before=before)
    line.delete()
    _refresh_amount(actor, opportunity, None)


# --- stage moves ------------------------------------------------------------------------------


def _reopen_error(opportunity: Opportunity, stage: Stage) -> str:
    if opportunity.stage.kind != Stage.Kind.WON or stage.kind == Stage.Kind.WON:
        return ""
    blocking = (Contract.Status.CANCELLED, Contract.Status.REJECTED)
    contract = Contract.objects.filter(opportunity=opportunity).exclude(status__in=blocking)
    number = contract.values_list("number", flat=True).first()
    if number is None:
        return ""
    return _("The deal has contract %(number)s; cancel it before reopening the deal.") % {
        "number": number
    }


def _move_errors(opportunity: Opportunity, stage: Stage, lost_reason: str) -> dict[str, list[str]]:
    if stage.pk == opportunity.stage_id:
        return {"stage": [_("The deal is already in this stage.")]}
    if not stage.is_active:
        return {"stage": [_("This stage is not in use.")]}
    errors: dict[str, list[str]] = {}
    reasons = unmet_criteria(opportunity, stage)
    reopen = _reopen_error(opportunity, stage)
    if reopen:
        reasons.append(reopen)
    if reasons:
        errors["stage"] = reasons
    if stage.kind == Stage.Kind.LOST:
        if not lost_reason:
            errors["lost_reason"] = [_("Say why the deal was lost.")]
        elif lost_reason not in Opportunity.LostReason.values:
            errors["lost_reason"] = [_("Choose one of the listed reasons.")]
    return errors


def _apply_stage(
    opportunity: Opportunity, stage: Stage, now: datetime, reason: str, note: str
) -> None:
    opportunity.stage = stage
    opportunity.probability = stage.probability
    opportunity.stage_entered_at = now
    opportunity.lost_reason, opportunity.lost_note = "", ""
    if stage.kind == Stage.Kind.OPEN:
        opportunity.closed_at = None
    else:
        opportunity.closed_at = now
    if stage.kind == Stage.Kind.WON:
        opportunity.probability = 100
    elif stage.kind == Stage.Kind.LOST:
        opportunity.lost_reason, opportunity.lost_note = reason, note.strip()[:300]


@transaction.atomic
def opportunity_move_stage(
    *,
    actor: Any,
    opportunity: Opportunity,
    stage: Stage,
    lost_reason: str = "",
    lost_note: str = "",
) -> Opportunity:
    """Move a deal to a stage once its entry criteria are met; won deals become contracts."""
    require_rights(actor, opportunity.owner_id)
    list(Opportunity.objects.select_for_update().filter(pk=opportunity.pk).values_list("pk"))
    opportunity.refresh_from_db()
    errors = _move_errors(opportunity, stage, lost_reason)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    before = snapshot(opportunity)
    previous = opportunity.stage
    StageHistory.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    StageHistory.objects.create(
        opportunity=opportunity,
        stage=stage,
        from_stage=previous,
        entered_at=now,
        moved_by=_who(actor),
    )
    _apply_stage(opportunity, stage, now, lost_reason, lost_note)
    opportunity.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=opportunity,
        before=before,
        reason=f"{previous.code} → {stage.code}",
    )
    if stage.kind == Stage.Kind.WON:
        from salesops.crm.services.contracts import contract_from_opportunity

        contract_from_opportunity(actor=actor, opportunity=opportunity)
    return opportunity
