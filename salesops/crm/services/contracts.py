"""CRM writes of the contracts area: contracts from won deals, approvals, payments, partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.audit import audit_record, snapshot
from salesops.core.models import AuditEntry
from salesops.core.money import CENT, ZERO, to_money
from salesops.crm.models import (
    ApprovalStep,
    Contract,
    ContractLine,
    Opportunity,
    Partner,
    PartnerAgreement,
    Payment,
    Product,
)
from salesops.crm.permissions.contracts import (
    can_manage_contract,
    can_manage_partner,
    can_record_payment,
)
from salesops.crm.selectors.contracts import approval_chain, approval_rule_for
from salesops.org.models import User
from salesops.org.roles import Role

Status = Contract.Status
Decision = ApprovalStep.Decision
HUNDRED = Decimal(100)


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


# --- contract life cycle ----------------------------------------------------------------------


def _lock(contract: Contract) -> Contract:
    """Lock the contract row for this transaction and reload the caller's instance."""
    Contract.objects.select_for_update().filter(pk=contract.pk).values_list("pk").first()
    contract.refresh_from_db()
    return contract


def _require_manager(actor: Any, contract: Contract) -> None:
    if not can_manage_contract(actor, contract):
        raise PermissionDenied(_("Only the owner, their leaders or an administrator can do this."))


def _require_status(contract: Contract, *allowed: str, message: str) -> None:
    if contract.status not in allowed:
        raise ValidationError({"status": message})


def _sign(contract: Contract) -> None:
    contract.status = Status.SIGNED
    contract.signed_on = timezone.localdate()
    contract.save(update_fields=["status", "signed_on", "updated_at"])


@transaction.atomic
def contract_submit(*, actor: Any, contract: Contract) -> Contract:
    """Send a draft up the owner's management line for approval, or sign it when none is due."""
    _lock(contract)
    _require_manager(actor, contract)
    _require_status(contract, Status.DRAFT, message=_("Only a draft can be submitted."))
    if contract.amount <= ZERO:
        raise ValidationError({"amount": _("A contract needs an amount above zero.")})
    before = snapshot(contract)
    rule = approval_rule_for(contract)
    if rule is None:
        _sign(contract)
        reason = _("No approval needed.")
    else:
        chain = approval_chain(owner=contract.owner, up_to=rule.up_to)
        first = (contract.approvals.aggregate(n=Max("order"))["n"] or 0) + 1
        for offset, approver in enumerate(chain):
            step = ApprovalStep.objects.create(
                contract=contract, order=first + offset, approver=approver
            )
            audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=step)
        contract.status = Status.PENDING
        contract.save(update_fields=["status", "updated_at"])
        reason = rule.name
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before, reason=reason
    )
    return contract


def _round_start(contract: Contract) -> int:
    """The order after which the current approval round's steps lie."""
    rejected = contract.approvals.filter(decision=Decision.REJECTED).aggregate(n=Max("order"))
    return rejected["n"] or 0


def _current_step_of(actor: Any, contract: Contract) -> ApprovalStep:
    """The pending step the actor may decide now, or a clear refusal."""
    _require_status(
        contract, Status.PENDING, message=_("This contract is not waiting for approval.")
    )
    if actor.pk == contract.owner_id:
        raise PermissionDenied(_("You cannot approve or reject your own contract."))
    approved = contract.approvals.filter(
        order__gt=_round_start(contract), approver_id=actor.pk, decision=Decision.APPROVED
    )
    if approved.exists():
        raise PermissionDenied(_("You have already approved this contract."))
    step = (
        contract.approvals.filter(decision=Decision.PENDING)
        .select_related("approver")
        .order_by("order")
        .first()
    )
    if step is None or step.approver_id != actor.pk:
        who = step.approver if step else "—"
        raise PermissionDenied(
            _("Only %(name)s, the next approver, can decide now.") % {"name": who}
        )
    return step


def _decide(actor: Any, step: ApprovalStep, decision: str, reason: str) -> None:
    before = snapshot(step)
    step.decision = decision
    step.decided_at = timezone.now()
    step.reason = reason[:300]
    step.save(update_fields=["decision", "decided_at", "reason"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=step, before=before)


@transaction.atomic
def contract_approve(*, actor: Any, contract: Contract, reason: str = "") -> Contract:
    """The current approver's yes; the last approval of the chain signs the contract."""
    _lock(contract)
    step = _current_step_of(actor, contract)
    _decide(actor, step, Decision.APPROVED, reason.strip())
    if not contract.approvals.filter(decision=Decision.PENDING).exists():
        before = snapshot(contract)
        _sign(contract)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before)
    return contract


@transaction.atomic
def contract_reject(*, actor: Any, contract: Contract, reason: str) -> Contract:
    """The current approver's no, with a reason; the chain stops and the contract is rejected."""
    _lock(contract)
    step = _current_step_of(actor, contract)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    _decide(actor, step, Decision.REJECTED, reason)
    for left in contract.approvals.filter(decision=Decision.PENDING):
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=left, before=snapshot(left))
        left.delete()
    before = snapshot(contract)
    contract.status = Status.REJECTED
    contract.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before, reason=reason
    )
    return contract


@transaction.atomic
def contract_reopen(*, actor: Any, contract: Contract) -> Contract:
    """Turn a rejected contract back into a draft so the owner can fix and resubmit it."""
    _lock(contract)
    _require_manager(actor, contract)
    _require_status(contract, Status.REJECTED, message=_("Only a rejected contract can reopen."))
    before = snapshot(contract)
    contract.status = Status.DRAFT
    contract.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before)
    return contract


@dataclass
class LineChange:
    """One line of a draft edit: an existing line (or None for a new one) and its new values."""

    product: Product | None
    quantity: Decimal | None
    unit_price: Decimal | None = None
    discount_pct: Decimal = Decimal("0")
    line: ContractLine | None = None
    delete: bool = False


def line_total(quantity: Decimal, unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """Quantity × unit price less the discount, rounded half up to the cent."""
    with localcontext() as ctx:
        ctx.prec = 60
        gross = Decimal(quantity) * Decimal(unit_price) * (HUNDRED - Decimal(discount_pct))
        return (gross / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _check_line(number: int, change: LineChange) -> None:
    problem = ""
    if change.product is None:
        problem = _("choose a product")
    elif change.quantity is None or change.quantity <= 0:
        problem = _("the quantity must be above zero")
    elif change.unit_price is None or change.unit_price < 0:
        problem = _("the unit price cannot be negative")
    elif not (0 <= change.discount_pct < 100):
        problem = _("the discount must be from 0 to under 100%")
    if problem:
        raise ValidationError(
            {"lines": _("Line %(n)s: %(problem)s.") % {"n": number, "problem": problem}}
        )


def _apply_lines(actor: Any, contract: Contract, changes: list[LineChange]) -> None:
    for number, change in enumerate(changes, start=1):
        if change.unit_price is None and change.product is not None:
            change.unit_price = change.product.list_price
        if not change.delete:
            _check_line(number, change)
        if change.line is not None and change.line.contract_id != contract.pk:
            raise ValidationError(
                {"lines": _("Line %(n)s is not on this contract.") % {"n": number}}
            )
    for change in changes:
        line = change.line
        if change.delete:
            if line is not None:
                audit_record(
                    actor=actor, action=AuditEntry.Action.DELETE, obj=line, before=snapshot(line)
                )
                line.delete()
            continue
        action = AuditEntry.Action.UPDATE if line else AuditEntry.Action.CREATE
        before = snapshot(line) if line else None
        line = line or ContractLine(contract=contract)
        line.product = change.product  # type: ignore[assignment]
        quantity, price = Decimal(change.quantity or 0), to_money(change.unit_price)
        line.quantity, line.unit_price, line.discount_pct = quantity, price, change.discount_pct
        line.total = line_total(quantity, price, change.discount_pct)
        line.save()
        audit_record(actor=actor, action=action, obj=line, before=before)


@transaction.atomic
def contract_update(
    *,
    actor: Any,
    contract: Contract,
    starts_on: date | None = None,
    ends_on: date | None = None,
    lines: list[LineChange] | None = None,
    amount: Decimal | None = None,
) -> Contract:
    """Change a draft's dates and lines; its amount and largest discount follow the lines."""
    _lock(contract)
    _require_manager(actor, contract)
    _require_status(contract, Status.DRAFT, message=_("Only a draft can be changed."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    before = snapshot(contract)
    _apply_lines(actor, contract, lines or [])
    totals = contract.lines.aggregate(total=Sum("total"), discount=Max("discount_pct"))
    if totals["total"] is not None:
        contract.amount = totals["total"]
    elif amount is not None:
        contract.amount = to_money(amount)
    contract.max_discount_pct = totals["discount"] or Decimal("0")
    contract.starts_on, contract.ends_on = starts_on, ends_on
    contract.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before)
    return contract


# --- payments and after-sales -----------------------------------------------------------------


def contract_outstanding(contract: Contract) -> Decimal:
    """What is still to be collected on a contract: its amount less the payments received."""
    paid = Payment.objects.filter(contract_id=contract.pk).aggregate(s=Sum("amount"))["s"]
    return contract.amount - (paid or ZERO)


def _money_or_error(field: str, value: Any) -> Decimal:
    try:
        return to_money(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    contract: Contract,
    amount: Any,
    received_on: date,
    method: str = "",
    reference: str = "",
) -> Payment:
    """Record money received on a signed contract, never more than what is outstanding."""
    _lock(contract)
    if not can_record_payment(actor, contract):
        raise PermissionDenied(_("Only the owner, their leaders, finance or an administrator."))
    _require_status(
        contract, Status.SIGNED, message=_("Payments are recorded on signed contracts only.")
    )
    value = _money_or_error("amount", amount)
    if value <= ZERO:
        raise ValidationError({"amount": _("The amount must be above zero.")})
    outstanding = contract_outstanding(contract)
    if value > outstanding:
        raise ValidationError(
            {
                "amount": _("The amount is more than the outstanding balance of %(o)s.")
                % {"o": f"{outstanding:,.2f}"}
            }
        )
    if received_on is None or received_on > timezone.localdate():
        raise ValidationError({"received_on": _("Enter the date the money arrived (not later).")})
    payment = Payment.objects.create(
        contract=contract,
        amount=value,
        received_on=received_on,
        method=(method or "").strip()[:30],
        reference=(reference or "").strip()[:60],
        recorded_by=actor,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=payment)
    return payment


@transaction.atomic
def contract_hand_off(
    *, actor: Any, contract: Contract, service_owner: Any, notes: str
) -> Contract:
    """Hand a signed contract to the person who serves the customer after the sale."""
    _lock(contract)
    _require_manager(actor, contract)
    _require_status(contract, Status.SIGNED, message=_("Only a signed contract is handed off."))
    if service_owner is None or not service_owner.is_active:
        raise ValidationError({"service_owner": _("Choose an active person to serve it.")})
    before = snapshot(contract)
    contract.service_owner = service_owner
    contract.handed_off_at = timezone.now()
    contract.handoff_notes = (notes or "").strip()
    contract.save(update_fields=["service_owner", "handed_off_at", "handoff_notes", "updated_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=contract, before=before)
    return contract


# --- partners ---------------------------------------------------------------------------------

PARTNER_FIELDS = ("name", "kind", "level", "territory", "contact_name", "phone", "is_active")


def _channel_manager_for(actor: Any, channel_manager: Any) -> User:
    if actor.role == Role.CHANNEL_MANAGER:
        if channel_manager is not None and channel_manager.pk != actor.pk:
            raise ValidationError(
                {"channel_manager": _("You can only create partners you manage yourself.")}
            )
        return actor  # type: ignore[no-any-return]
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only channel managers and administrators manage partners."))
    if channel_manager is None or channel_manager.role != Role.CHANNEL_MANAGER:
        raise ValidationError({"channel_manager": _("Choose a channel manager.")})
    return channel_manager  # type: ignore[no-any-return]


@transaction.atomic
def partner_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    level: str = Partner.Level.BRONZE,
    territory: Any = None,
    channel_manager: Any = None,
    contact_name: str = "",
    phone: str = "",
) -> Partner:
    """Add a channel partner: channel managers create their own, administrators anyone's."""
    manager = _channel_manager_for(actor, channel_manager)
    partner = Partner(
        name=(name or "").strip(),
        kind=kind,
        level=level,
        territory=territory,
        channel_manager=manager,
        contact_name=(contact_name or "").strip(),
        phone=(phone or "").strip(),
    )
    partner.full_clean()
    partner.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=partner)
    return partner


@transaction.atomic
def partner_update(*, actor: Any, partner: Partner, **changes: Any) -> Partner:
    """Change a partner's details; only an administrator moves it to another channel manager."""
    if not can_manage_partner(actor, partner):
        raise PermissionDenied(_("Only its channel manager or an administrator."))
    manager = changes.pop("channel_manager", None)
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(partner)
    if manager is not None and manager.pk != partner.channel_manager_id:
        partner.channel_manager = _channel_manager_for(actor, manager)
    for field, value in changes.items():
        setattr(partner, field, value.strip() if isinstance(value, str) else value)
    partner.full_clean()
    partner.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=partner, before=before)
    return partner


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    partner: Partner,
    number: str,
    starts_on: date,
    ends_on: date,
    rebate_pct: Decimal = Decimal("0"),
    terms: str = "",
) -> PartnerAgreement:
    """Add an agreement (term, rebate) to a partner."""
    if not can_manage_partner(actor, partner):
        raise PermissionDenied(_("Only its channel manager or an administrator."))
    number = (number or "").strip()
    if partner.agreements.filter(number=number).exists():
        raise ValidationError({"number": _("This partner already has an agreement so numbered.")})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    if rebate_pct is None or not (0 <= rebate_pct <= 100):
        raise ValidationError({"rebate_pct": _("The rebate must be from 0 to 100%.")})
    agreement = PartnerAgreement(
        partner=partner,
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        rebate_pct=rebate_pct,
        terms=(terms or "").strip(),
    )
    agreement.full_clean()
    agreement.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=agreement)
    return agreement
