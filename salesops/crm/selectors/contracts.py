"""CRM reads of the contracts area (every read starts from the actor's visible set)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.money import CENT, ZERO, MoneyField
from salesops.core.visibility import get_visible_or_404
from salesops.crm.models import (
    ApprovalRule,
    ApprovalStep,
    Contract,
    ContractLine,
    Customer,
    Opportunity,
    Partner,
    PartnerAgreement,
    Payment,
    Stage,
)
from salesops.org.models import OrgUnit, User
from salesops.org.roles import CAREER_LADDER, Role

Status = Contract.Status
PENDING = ApprovalStep.Decision.PENDING


def _sum_of(qs: QuerySet, field: str = "amount", group: str = "contract") -> Subquery:
    """A correlated subquery: the sum of `field` over `qs` grouped by `group`."""
    return Subquery(
        qs.order_by().values(group).annotate(s=Sum(field)).values("s"),
        output_field=MoneyField(),
    )


def _money(expr: Any) -> Coalesce:
    return Coalesce(expr, Value(0), output_field=MoneyField())


def with_money(qs: QuerySet) -> QuerySet:
    """Annotate contracts with `collected` (payments received) and `outstanding` (signed only)."""
    paid = _sum_of(Payment.objects.filter(contract=OuterRef("pk")))
    return qs.annotate(collected=_money(paid)).annotate(
        outstanding=Case(
            When(status=Status.SIGNED, then=F("amount") - F("collected")),
            default=Value(0),
            output_field=MoneyField(),
        )
    )


def contracts(*, actor: Any) -> QuerySet[Contract]:
    """The contracts the actor may see, with customer, owner and money columns."""
    qs = Contract.objects.visible_to(actor).select_related("customer", "owner", "partner")
    return with_money(qs)


# Aggregate names must differ from the annotations they sum: Django lets an aggregate alias
# replace an annotation of the same name, which silently sums nothing.
CONTRACT_TOTALS = {
    "count": Count("pk"),
    "total_amount": Sum("amount"),
    "total_collected": Sum("collected"),
    "total_outstanding": Sum("outstanding"),
}


def contract_get(*, actor: Any, pk: Any) -> Contract:
    """One visible contract with its money columns (404 when missing or not the actor's)."""
    qs = with_money(
        Contract.objects.select_related(
            "customer", "owner", "partner", "opportunity", "service_owner"
        )
    )
    return get_visible_or_404(qs, actor, pk=pk)  # type: ignore[no-any-return]


def contract_with_parts(*, actor: Any, pk: Any) -> Contract:
    """One visible contract with its lines, approval steps and payments prefetched."""
    qs = with_money(Contract.objects.select_related("customer")).prefetch_related(
        Prefetch("lines", ContractLine.objects.select_related("product")),
        Prefetch("approvals", ApprovalStep.objects.select_related("approver").order_by("order")),
        Prefetch("payments", Payment.objects.order_by("-received_on", "-pk")),
    )
    return get_visible_or_404(qs, actor, pk=pk)  # type: ignore[no-any-return]


def contract_parts(contract: Contract) -> dict[str, Any]:
    """The lines, approval steps and payments of a contract (three queries)."""
    return {
        "lines": list(contract.lines.select_related("product", "product__product_line")),
        "steps": list(contract.approvals.select_related("approver").order_by("order")),
        "payments": list(contract.payments.select_related("recorded_by")),
    }


def current_step(steps: list[ApprovalStep]) -> ApprovalStep | None:
    """The first pending step of a chain (the one whose approver decides now)."""
    return next((s for s in steps if s.decision == PENDING), None)


def approvals_waiting(*, actor: Any) -> QuerySet[Contract]:
    """Pending contracts whose current step (first pending one) is the actor's to decide."""
    earlier = ApprovalStep.objects.filter(
        contract=OuterRef("contract"), decision=PENDING, order__lt=OuterRef("order")
    )
    mine = ApprovalStep.objects.filter(
        approver_id=actor.pk, decision=PENDING, contract__status=Status.PENDING
    ).exclude(Exists(earlier))
    return contracts(actor=actor).filter(pk__in=mine.values("contract_id"))


def approvals_waiting_count(*, actor: Any) -> int:
    """How many contracts wait for the actor's decision (the badge)."""
    return approvals_waiting(actor=actor).count()


def approvals_decided(*, actor: Any, limit: int = 20) -> QuerySet[ApprovalStep]:
    """The actor's latest decisions, newest first."""
    return (
        ApprovalStep.objects.visible_to(actor)
        .filter(approver_id=actor.pk)
        .exclude(decision=PENDING)
        .select_related("contract", "contract__customer", "contract__owner")
        .order_by("-decided_at", "-pk")[:limit]
    )


def payments(*, actor: Any, method_labels: dict[str, Any] | None = None) -> QuerySet[Payment]:
    """The payments the actor may see, with their contract, customer, recorder and the
    readable name of their method (`method_name`, from `method_labels`)."""
    labels = method_labels or {}
    method_name = Case(
        *[When(method=code, then=Value(str(label))) for code, label in labels.items()],
        default=F("method"),
        output_field=CharField(),
    )
    return (
        Payment.objects.visible_to(actor)
        .select_related("contract", "contract__customer", "contract__owner", "recorded_by")
        .annotate(method_name=method_name)
    )


def customer_contracts(*, actor: Any, customer: Customer) -> QuerySet[Contract]:
    """A customer's contracts the actor may see, with money columns and the service owner."""
    return (
        contracts(actor=actor)
        .filter(customer=customer)
        .select_related("service_owner")
        .order_by("-signed_on", "-pk")
    )


# --- approval rules and chains (what a submission would do) ---------------------------------


def ladder_rank(position: str) -> int:
    """A position's step on the career ladder (rep = 0), or -1 when it is not on the ladder."""
    try:
        return CAREER_LADDER.index(Role(position))
    except ValueError:
        return -1


def _rule_rank(rule: ApprovalRule) -> int:
    rank = ladder_rank(rule.up_to)
    return rank if rank >= 0 else len(CAREER_LADDER)


def rule_applies(rule: ApprovalRule, amount: Decimal, discount_pct: Decimal) -> bool:
    """Does an approval rule catch a contract of this amount and largest discount?"""
    by_amount = rule.min_amount is not None and amount >= rule.min_amount
    by_discount = rule.min_discount_pct is not None and discount_pct >= rule.min_discount_pct
    return bool(by_amount or by_discount)


def approval_rule_for(contract: Contract) -> ApprovalRule | None:
    """The strictest active approval rule that applies to the contract (None: no approval)."""
    rules = ApprovalRule.objects.filter(is_active=True).order_by("pk")
    matching = [r for r in rules if rule_applies(r, contract.amount, contract.max_discount_pct)]
    return max(matching, key=_rule_rank, default=None)


def _next_up(person: User, seen: set[int]) -> User | None:
    """The person's manager; failing that the leader of their unit or the nearest one above."""
    if person.manager_id and person.manager_id not in seen:
        return User.objects.get(pk=person.manager_id)
    if person.unit_id is None:
        return None
    unit = OrgUnit.objects.get(pk=person.unit_id)
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    units = OrgUnit.objects.select_related("leader").in_bulk(ids)
    for unit_id in reversed(ids):
        leader = units[unit_id].leader if unit_id in units else None
        if leader is not None and leader.pk not in seen:
            return leader
    return None


def approval_chain(*, owner: User, up_to: str) -> list[User]:
    """The approvers from the owner upward (owner skipped), ending with the first at `up_to`."""
    target = ladder_rank(up_to)
    target = target if target >= 0 else len(CAREER_LADDER) - 1
    chain: list[User] = []
    seen = {owner.pk}
    person: User | None = owner
    while person is not None:
        person = _next_up(person, seen)
        if person is None:
            break
        seen.add(person.pk)
        rank = ladder_rank(person.position)
        if not person.is_active or rank < 0:
            continue
        chain.append(person)
        if rank >= target:
            return chain
    raise ValidationError(
        {
            "owner": _(
                "Nobody in the management line above %(owner)s holds the position "
                "(%(position)s) needed to approve this contract."
            )
            % {"owner": owner, "position": Role(up_to).label if up_to in Role.values else up_to}
        }
    )


# --- partners ---------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The aware start of a year and of the next one, in the current time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(date(year, 1, 1), time.min, tz), datetime.combine(
        date(year + 1, 1, 1), time.min, tz
    )


def _won_in(year: int, prefix: str = "") -> Q:
    start, end = year_bounds(year)
    return Q(
        **{
            f"{prefix}stage__kind": Stage.Kind.WON,
            f"{prefix}closed_at__gte": start,
            f"{prefix}closed_at__lt": end,
        }
    )


def partners(*, actor: Any, today: date | None = None) -> QuerySet[Partner]:
    """The partners the actor may see, with open pipeline, won this year and collected."""
    year = (today or timezone.localdate()).year
    deals = Opportunity.objects.visible_to(actor).filter(partner=OuterRef("pk"))
    paid = Payment.objects.visible_to(actor).filter(contract__partner=OuterRef("pk"))
    return (
        Partner.objects.visible_to(actor)
        .select_related("territory", "channel_manager")
        .annotate(
            open_pipeline=_money(
                _sum_of(deals.filter(stage__kind=Stage.Kind.OPEN), group="partner")
            ),
            won_this_year=_money(_sum_of(deals.filter(_won_in(year)), group="partner")),
            collected=_money(_sum_of(paid, group="contract__partner")),
        )
    )


PARTNER_TOTALS = {
    "count": Count("pk"),
    "total_open_pipeline": Sum("open_pipeline"),
    "total_won_this_year": Sum("won_this_year"),
    "total_collected": Sum("collected"),
}


def partner_get(*, actor: Any, pk: Any) -> Partner:
    """One visible partner (404 when missing or not the actor's)."""
    qs = Partner.objects.select_related("territory", "channel_manager")
    return get_visible_or_404(qs, actor, pk=pk)  # type: ignore[no-any-return]


def _cents_pct_to_money(value: int | None) -> Decimal:
    """Sum(amount in cents × probability %) → money, rounded half up to the cent."""
    return (Decimal(value or 0) / Decimal(10000)).quantize(CENT, rounding=ROUND_HALF_UP)


def partner_performance(
    *, actor: Any, partner: Partner, today: date | None = None
) -> dict[str, Any]:
    """Open and weighted pipeline, won revenue this and last year, collected (2 queries)."""
    year = (today or timezone.localdate()).year
    is_open = Q(stage__kind=Stage.Kind.OPEN)
    deals = Opportunity.objects.visible_to(actor).filter(partner=partner)
    agg = deals.aggregate(
        open_count=Count("pk", filter=is_open),
        open_pipeline=Sum("amount", filter=is_open),
        weighted_raw=Sum(
            F("amount") * F("probability"), filter=is_open, output_field=BigIntegerField()
        ),
        won_this_year=Sum("amount", filter=_won_in(year)),
        won_last_year=Sum("amount", filter=_won_in(year - 1)),
        won_count=Count("pk", filter=_won_in(year)),
    )
    paid = Payment.objects.visible_to(actor).filter(contract__partner=partner)
    start, _end = year_bounds(year)
    collected = paid.aggregate(
        all=Sum("amount"), this_year=Sum("amount", filter=Q(received_on__gte=start.date()))
    )
    return {
        "year": year,
        "open_count": agg["open_count"],
        "open_pipeline": agg["open_pipeline"] or ZERO,
        "weighted_pipeline": _cents_pct_to_money(agg["weighted_raw"]),
        "won_this_year": agg["won_this_year"] or ZERO,
        "won_last_year": agg["won_last_year"] or ZERO,
        "won_count": agg["won_count"],
        "collected": collected["all"] or ZERO,
        "collected_this_year": collected["this_year"] or ZERO,
    }


def partner_deals(*, actor: Any, partner: Partner, limit: int = 25) -> QuerySet[Opportunity]:
    """The partner's latest deals the actor may see."""
    return (
        Opportunity.objects.visible_to(actor)
        .filter(partner=partner)
        .select_related("customer", "owner", "stage")
        .order_by("-updated_at", "-pk")[:limit]
    )


def partner_customers(*, actor: Any, partner: Partner, limit: int = 25) -> QuerySet[Customer]:
    """The partner's customers the actor may see."""
    return (
        Customer.objects.visible_to(actor)
        .filter(partner=partner)
        .select_related("owner")
        .order_by("name", "pk")[:limit]
    )


def partner_agreements(*, actor: Any, partner: Partner) -> QuerySet[PartnerAgreement]:
    """The partner's agreements, newest first."""
    return PartnerAgreement.objects.visible_to(actor).filter(partner=partner)
