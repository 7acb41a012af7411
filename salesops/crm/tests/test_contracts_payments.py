"""Payments (collected revenue) and the after-sales hand-off."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import Contract, Payment
from salesops.crm.selectors import contracts as selectors
from salesops.crm.services import contracts as services
from salesops.crm.tests import test_contracts_support as make
from salesops.crm.tests.test_contracts_support import english  # noqa: F401

pytestmark = pytest.mark.django_db

Status = Contract.Status
DAY = date(2024, 3, 1)


def _signed(owner: Any, price: str = "1000.00", **extra: Any) -> Contract:
    return make.contract(owner, price=price, status=Status.SIGNED, **extra)


def _pay(actor: Any, contract: Contract, amount: str, **extra: Any) -> Payment:
    return services.payment_record(
        actor=actor, contract=contract, amount=Decimal(amount), received_on=DAY, **extra
    )


def _nothing_paid(contract: Contract) -> bool:
    return not Payment.objects.filter(contract=contract).exists()


def test_a_payment_is_recorded_audited_and_lowers_the_outstanding(cast: Any) -> None:
    contract = _signed(cast.rep, "1000.00")
    payment = _pay(cast.rep, contract, "400.00", method="bank_transfer", reference="TX-1")
    assert (payment.amount, payment.received_on, payment.recorded_by) == (
        Decimal("400.00"),
        DAY,
        cast.rep,
    )
    assert services.contract_outstanding(contract) == Decimal("600.00")
    fresh = selectors.contract_get(actor=cast.rep, pk=contract.pk)
    assert (fresh.collected, fresh.outstanding) == (Decimal("400.00"), Decimal("600.00"))
    entry = AuditEntry.objects.get(object_type="crm.payment")
    assert entry.changes["amount"] == [None, "400.00"]


def test_an_overpayment_is_refused_naming_the_outstanding_amount(cast: Any) -> None:
    contract = _signed(cast.rep, "1234567.89")
    _pay(cast.rep, contract, "1000000.00")
    with pytest.raises(ValidationError) as exc:
        _pay(cast.rep, contract, "234567.90")
    assert exc.value.message_dict == {
        "amount": ["The amount is more than the outstanding balance of 234,567.89."]
    }
    assert Payment.objects.filter(contract=contract).count() == 1
    _pay(cast.rep, contract, "234567.89")
    assert services.contract_outstanding(contract) == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "field"),
    [("0", "amount"), ("-5.00", "amount"), ("10.005", "amount")],
)
def test_bad_amounts_are_refused(cast: Any, amount: str, field: str) -> None:
    contract = _signed(cast.rep)
    with pytest.raises(ValidationError) as exc:
        _pay(cast.rep, contract, amount)
    assert field in exc.value.message_dict
    assert _nothing_paid(contract)


def test_a_payment_in_the_future_is_refused(cast: Any) -> None:
    contract = _signed(cast.rep)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=cast.rep, contract=contract, amount=Decimal("1.00"), received_on=tomorrow
        )
    assert "received_on" in exc.value.message_dict
    assert _nothing_paid(contract)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.REJECTED])
def test_only_signed_contracts_take_payments(cast: Any, status: str) -> None:
    contract = make.contract(cast.rep, status=status)
    with pytest.raises(ValidationError) as exc:
        _pay(cast.rep, contract, "1.00")
    assert exc.value.message_dict == {"status": ["Payments are recorded on signed contracts only."]}
    assert _nothing_paid(contract)


def test_who_may_record_a_payment(cast: Any) -> None:
    contract = _signed(cast.rep, partner=make.partner(cast.channel_manager))
    for person in ("rep", "supervisor", "manager", "director", "finance", "admin"):
        _pay(cast.users[person], contract, "1.00")
    for person in ("peer_rep", "outside_rep", "other_manager", "channel_manager", "hr"):
        with pytest.raises(PermissionDenied):
            _pay(cast.users[person], contract, "1.00")
    assert Payment.objects.filter(contract=contract).count() == 6


def test_many_payments_sum_exactly_to_the_contract_amount(cast: Any) -> None:
    # 97 payments of 0.01 … 0.97 and one remainder: a float sum would drift; ours must not.
    contract = _signed(cast.rep, "10000.03")
    parts = [Decimal(n) / 100 for n in range(1, 98)]
    for part in parts:
        _pay(cast.finance, contract, str(part))
    remainder = Decimal("10000.03") - sum(parts)
    _pay(cast.finance, contract, str(remainder))
    total = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"]
    assert total == Decimal("10000.03")
    assert services.contract_outstanding(contract) == Decimal("0.00")
    row = selectors.contracts(actor=cast.finance).get(pk=contract.pk)
    assert (row.collected, row.outstanding) == (Decimal("10000.03"), Decimal("0.00"))
    with pytest.raises(ValidationError):
        _pay(cast.finance, contract, "0.01")


def test_list_totals_are_exact_over_many_contracts(cast: Any) -> None:
    amounts = ["0.10", "0.20", "1234567.89", "999999999.99", "0.07", "333.33"]
    for amount in amounts:
        contract = _signed(cast.rep, amount)
        _pay(cast.rep, contract, str((Decimal(amount) / 3).quantize(Decimal("0.01"))))
    make.contract(cast.rep, price="500.00")  # a draft: amount counts, outstanding does not
    totals = selectors.contracts(actor=cast.rep).aggregate(**selectors.CONTRACT_TOTALS)
    collected = sum((Decimal(a) / 3).quantize(Decimal("0.01")) for a in amounts)
    assert totals["count"] == 7
    assert totals["total_amount"] == sum(Decimal(a) for a in amounts) + Decimal("500.00")
    assert totals["total_collected"] == collected
    assert totals["total_outstanding"] == sum(Decimal(a) for a in amounts) - collected


# --- hand-off ---------------------------------------------------------------------------------


def test_a_signed_contract_is_handed_to_a_service_owner(cast: Any) -> None:
    contract = _signed(cast.rep)
    services.contract_hand_off(
        actor=cast.supervisor, contract=contract, service_owner=cast.peer_rep, notes=" Install "
    )
    contract.refresh_from_db()
    assert contract.service_owner == cast.peer_rep
    assert contract.handoff_notes == "Install"
    assert contract.handed_off_at is not None
    assert AuditEntry.objects.filter(object_type="crm.contract", action="update").count() == 1


def test_hand_off_refusals_change_nothing(cast: Any) -> None:
    draft = make.contract(cast.rep)
    with pytest.raises(ValidationError) as exc:
        services.contract_hand_off(
            actor=cast.rep, contract=draft, service_owner=cast.peer_rep, notes=""
        )
    assert "status" in exc.value.message_dict
    signed = _signed(cast.rep)
    with pytest.raises(ValidationError) as exc:
        services.contract_hand_off(actor=cast.rep, contract=signed, service_owner=None, notes="")
    assert "service_owner" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.contract_hand_off(
            actor=cast.outside_rep, contract=signed, service_owner=cast.outside_rep, notes=""
        )
    assert Contract.objects.filter(service_owner__isnull=False).count() == 0


def test_the_customer_contracts_show_the_service_owner(cast: Any) -> None:
    contract = _signed(cast.rep)
    services.contract_hand_off(
        actor=cast.rep, contract=contract, service_owner=cast.rep, notes="Kick-off"
    )
    rows = list(selectors.customer_contracts(actor=cast.manager, customer=contract.customer))
    assert [(c.number, c.service_owner) for c in rows] == [(contract.number, cast.rep)]
    assert (
        list(selectors.customer_contracts(actor=cast.outside_rep, customer=contract.customer)) == []
    )
