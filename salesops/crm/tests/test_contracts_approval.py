"""Contract approval up the management chain: rules, chain construction, decisions, refusals."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import ApprovalRule, ApprovalStep, Contract
from salesops.crm.selectors import contracts as selectors
from salesops.crm.services import contracts as services
from salesops.crm.tests import test_contracts_support as make
from salesops.crm.tests.test_contracts_support import english  # noqa: F401
from salesops.org.models import User

pytestmark = pytest.mark.django_db

Status = Contract.Status


def _chain(contract: Contract) -> list[tuple[str, str]]:
    steps = contract.approvals.select_related("approver").order_by("order")
    return [(s.approver.username, s.decision) for s in steps]


def _state(contract: Contract) -> tuple[Any, ...]:
    """Everything a refused decision must leave as it was."""
    fresh = Contract.objects.get(pk=contract.pk)
    steps = list(
        ApprovalStep.objects.filter(contract=contract).values_list(
            "order", "approver_id", "decision", "decided_at", "reason"
        )
    )
    return fresh.status, fresh.signed_on, steps, AuditEntry.objects.count()


# --- rules and chains -------------------------------------------------------------------------


def test_below_every_rule_the_contract_is_signed_at_once(cast: Any) -> None:
    contract = make.contract(cast.rep, price="499999.99")
    services.contract_submit(actor=cast.rep, contract=contract)
    contract.refresh_from_db()
    assert contract.status == Status.SIGNED
    assert contract.signed_on == timezone.localdate()
    assert _chain(contract) == []


def test_amount_rule_goes_up_to_the_first_manager(cast: Any) -> None:
    contract = make.contract(cast.rep, price="500000.00")
    services.contract_submit(actor=cast.rep, contract=contract)
    assert contract.status == Status.PENDING and contract.signed_on is None
    assert _chain(contract) == [("supervisor", "pending"), ("manager", "pending")]


def test_discount_rule_applies_to_a_small_contract(cast: Any) -> None:
    contract = make.contract(cast.rep, price="1000.00", discount="15")
    assert contract.amount == Decimal("850.00")
    services.contract_submit(actor=cast.rep, contract=contract)
    assert _chain(contract) == [("supervisor", "pending"), ("manager", "pending")]


def test_the_strictest_matching_rule_wins(cast: Any) -> None:
    # 2,000,000 with 20% discount: "Very large" (director) beats "Large" and "High discount".
    contract = make.contract(cast.rep, price="2500000.00", discount="20")
    assert contract.amount == Decimal("2000000.00")
    services.contract_submit(actor=cast.rep, contract=contract)
    assert _chain(contract) == [
        ("supervisor", "pending"),
        ("manager", "pending"),
        ("director", "pending"),
    ]


def test_inactive_rules_are_ignored(cast: Any) -> None:
    ApprovalRule.objects.filter(min_amount=Decimal("500000")).update(is_active=False)
    contract = make.contract(cast.rep, price="600000.00")
    services.contract_submit(actor=cast.rep, contract=contract)
    assert contract.status == Status.SIGNED


def test_the_owner_is_skipped_when_they_hold_the_position_themselves(cast: Any) -> None:
    by_manager = make.contract(cast.manager, price="600000.00")
    services.contract_submit(actor=cast.manager, contract=by_manager)
    assert _chain(by_manager) == [("director", "pending")]
    by_supervisor = make.contract(cast.supervisor, price="600000.00")
    services.contract_submit(actor=cast.supervisor, contract=by_supervisor)
    assert _chain(by_supervisor) == [("manager", "pending")]


def test_without_a_manager_field_the_unit_leaders_upward_are_used(cast: Any) -> None:
    User.objects.filter(pk=cast.rep.pk).update(manager=None)
    User.objects.filter(pk=cast.supervisor.pk).update(manager=None)
    rep = User.objects.get(pk=cast.rep.pk)
    chain = selectors.approval_chain(owner=rep, up_to="manager")
    # n1 is led by the supervisor; the supervisor's own unit leader is themself, so north's.
    assert [p.username for p in chain] == ["supervisor", "manager"]


def test_inactive_people_in_the_line_pass_it_upward(cast: Any) -> None:
    User.objects.filter(pk=cast.supervisor.pk).update(is_active=False)
    chain = selectors.approval_chain(owner=cast.rep, up_to="manager")
    assert [p.username for p in chain] == ["manager"]


def test_nobody_high_enough_is_a_clear_refusal_that_changes_nothing(cast: Any) -> None:
    contract = make.contract(cast.director, price="600000.00")
    before = _state(contract)
    with pytest.raises(ValidationError) as exc:
        services.contract_submit(actor=cast.director, contract=contract)
    assert "owner" in exc.value.message_dict
    assert _state(contract) == before


def test_only_a_draft_with_an_amount_is_submitted(cast: Any) -> None:
    signed = make.contract(cast.rep, status=Status.SIGNED)
    with pytest.raises(ValidationError) as exc:
        services.contract_submit(actor=cast.rep, contract=signed)
    assert exc.value.message_dict == {"status": ["Only a draft can be submitted."]}
    empty = make.contract(cast.rep, price="0.00")
    with pytest.raises(ValidationError) as exc:
        services.contract_submit(actor=cast.rep, contract=empty)
    assert "amount" in exc.value.message_dict


def test_someone_outside_the_owners_line_cannot_submit(cast: Any) -> None:
    contract = make.contract(cast.rep)
    before = _state(contract)
    for outsider in (cast.peer_rep, cast.other_manager, cast.channel_manager):
        with pytest.raises(PermissionDenied):
            services.contract_submit(actor=outsider, contract=contract)
    assert _state(contract) == before


# --- decisions --------------------------------------------------------------------------------


def test_approvals_in_order_sign_the_contract_on_the_last_one(cast: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract, reason="Fine")
    assert contract.status == Status.PENDING
    assert _chain(contract) == [("supervisor", "approved"), ("manager", "pending")]
    services.contract_approve(actor=cast.manager, contract=contract)
    contract.refresh_from_db()
    assert contract.status == Status.SIGNED
    assert contract.signed_on == timezone.localdate()
    assert _chain(contract) == [("supervisor", "approved"), ("manager", "approved")]
    first = contract.approvals.get(order=1)
    assert first.reason == "Fine" and first.decided_at is not None


def test_every_step_of_the_approval_is_audited(cast: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract)
    services.contract_approve(actor=cast.manager, contract=contract)
    steps = AuditEntry.objects.filter(object_type="crm.approvalstep")
    assert steps.filter(action="create").count() == 2
    assert steps.filter(action="update").count() == 2
    signing = AuditEntry.objects.filter(object_type="crm.contract", actor=cast.manager).get()
    assert signing.changes["status"] == ["pending", "signed"]


def test_a_later_approver_cannot_jump_the_queue(cast: Any) -> None:
    contract = make.pending(cast.rep)
    before = _state(contract)
    with pytest.raises(PermissionDenied) as exc:
        services.contract_approve(actor=cast.manager, contract=contract)
    assert "Supervisor, the next approver" in str(exc.value)
    assert _state(contract) == before


def test_an_approver_cannot_approve_twice(cast: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract)
    before = _state(contract)
    with pytest.raises(PermissionDenied) as exc:
        services.contract_approve(actor=cast.supervisor, contract=contract)
    assert str(exc.value) == "You have already approved this contract."
    assert _state(contract) == before


def test_nobody_approves_their_own_contract(cast: Any) -> None:
    contract = make.pending(cast.supervisor)  # the chain is the manager
    before = _state(contract)
    with pytest.raises(PermissionDenied) as exc:
        services.contract_approve(actor=cast.supervisor, contract=contract)
    assert str(exc.value) == "You cannot approve or reject your own contract."
    with pytest.raises(PermissionDenied):
        services.contract_reject(actor=cast.supervisor, contract=contract, reason="no")
    assert _state(contract) == before


def test_outsiders_and_admins_outside_the_chain_cannot_decide(cast: Any) -> None:
    contract = make.pending(cast.rep)
    before = _state(contract)
    for person in (cast.other_manager, cast.director, cast.admin, cast.peer_rep):
        with pytest.raises(PermissionDenied):
            services.contract_approve(actor=person, contract=contract)
    assert _state(contract) == before


def test_a_rejection_needs_a_reason_and_stops_the_chain(cast: Any) -> None:
    contract = make.pending(cast.rep)
    before = _state(contract)
    with pytest.raises(ValidationError) as exc:
        services.contract_reject(actor=cast.supervisor, contract=contract, reason="  ")
    assert exc.value.message_dict == {"reason": ["Give a reason for the rejection."]}
    assert _state(contract) == before
    services.contract_reject(actor=cast.supervisor, contract=contract, reason="Price too low")
    contract.refresh_from_db()
    assert contract.status == Status.REJECTED and contract.signed_on is None
    assert _chain(contract) == [("supervisor", "rejected")]
    assert contract.approvals.get().reason == "Price too low"


def test_no_decision_on_a_contract_not_waiting(cast: Any) -> None:
    contract = make.contract(cast.rep)
    with pytest.raises(ValidationError) as exc:
        services.contract_approve(actor=cast.supervisor, contract=contract)
    assert exc.value.message_dict == {"status": ["This contract is not waiting for approval."]}


def test_a_rejected_contract_is_fixed_and_resubmitted_for_a_new_round(cast: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract)
    services.contract_reject(actor=cast.manager, contract=contract, reason="Too big")
    with pytest.raises(ValidationError):
        services.contract_update(actor=cast.rep, contract=contract, starts_on=None)
    services.contract_reopen(actor=cast.rep, contract=contract)
    assert contract.status == Status.DRAFT
    line = contract.lines.get()
    change = services.LineChange(
        product=line.product, quantity=Decimal("1"), unit_price=Decimal("450000.00"), line=line
    )
    services.contract_update(actor=cast.rep, contract=contract, lines=[change])
    assert contract.amount == Decimal("450000.00")
    services.contract_submit(actor=cast.rep, contract=contract)
    assert contract.status == Status.SIGNED  # below every rule now
    assert _chain(contract) == [("supervisor", "approved"), ("manager", "rejected")]


def test_in_a_new_round_the_same_approver_decides_again(cast: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract)
    services.contract_reject(actor=cast.manager, contract=contract, reason="Terms")
    services.contract_reopen(actor=cast.rep, contract=contract)
    services.contract_submit(actor=cast.rep, contract=contract)
    assert [o for (o,) in contract.approvals.values_list("order")] == [1, 2, 3, 4]
    services.contract_approve(actor=cast.supervisor, contract=contract)
    services.contract_approve(actor=cast.manager, contract=contract)
    assert contract.status == Status.SIGNED


def test_only_a_rejected_contract_reopens(cast: Any) -> None:
    contract = make.pending(cast.rep)
    with pytest.raises(ValidationError):
        services.contract_reopen(actor=cast.rep, contract=contract)
    assert Contract.objects.get(pk=contract.pk).status == Status.PENDING
