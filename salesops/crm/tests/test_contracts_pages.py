"""Contract, payment and approval pages through the Django test client."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesops.crm.models import Contract, Payment
from salesops.crm.services import contracts as services
from salesops.crm.tests import test_contracts_support as make
from salesops.crm.tests.test_contracts_support import english  # noqa: F401

pytestmark = pytest.mark.django_db

Status = Contract.Status


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _pay(contract: Contract, amount: str, actor: Any) -> None:
    services.payment_record(
        actor=actor, contract=contract, amount=Decimal(amount), received_on=contract.signed_on
    )


def test_the_list_shows_totals_and_filters_by_status(cast: Any, client_for: Any) -> None:
    signed = make.contract(cast.rep, price="1000.00", status=Status.SIGNED)
    _pay(signed, "250.50", cast.rep)
    make.contract(cast.rep, price="99.99")
    make.contract(cast.outside_rep, price="5000.00", status=Status.SIGNED)
    response = client_for("manager").get(reverse("crm:contract_list"))
    totals = response.context["totals"]
    assert totals == {
        "count": 2,
        "total_amount": Decimal("1099.99"),
        "total_collected": Decimal("250.50"),
        "total_outstanding": Decimal("749.50"),
    }
    page = response.content.decode()
    assert "1,099.99" in page and "749.50" in page
    only_signed = client_for("manager").get(reverse("crm:contract_list"), {"status": "signed"})
    assert [c.number for c in only_signed.context["page"]] == [signed.number]


def test_the_list_searches_filters_by_owner_and_signing_date(cast: Any, client_for: Any) -> None:
    mine = make.contract(cast.rep, status=Status.SIGNED)
    peer = make.contract(cast.peer_rep, status=Status.SIGNED)
    client = client_for("supervisor")
    by_owner = client.get(reverse("crm:contract_list"), {"owner": cast.peer_rep.pk})
    assert [c.pk for c in by_owner.context["page"]] == [peer.pk]
    by_name = client.get(reverse("crm:contract_list"), {"q": mine.customer.name})
    assert [c.pk for c in by_name.context["page"]] == [mine.pk]
    day = mine.signed_on.isoformat()
    dated = client.get(reverse("crm:contract_list"), {"signed_from": day, "signed_to": day})
    assert dated.context["page"].paginator.count == 2
    none = client.get(reverse("crm:contract_list"), {"signed_to": "2000-01-01"})
    assert none.context["page"].paginator.count == 0
    assert "No contracts match." in none.content.decode()


def test_the_list_exports_csv_with_status_labels(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="1234.50", status=Status.SIGNED)
    response = client_for("rep").get(reverse("crm:contract_list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("Number,Customer,Owner,Status")
    assert lines[1].startswith(f"{contract.number},{contract.customer.name},Rep,Signed,")
    assert lines[1].endswith(",1234.50,0.00,1234.50")


def test_the_list_runs_the_same_queries_for_3_and_30_contracts(cast: Any, client_for: Any) -> None:
    client = client_for("manager")
    url = reverse("crm:contract_list")
    for _ in range(3):
        _pay(make.contract(cast.rep, status=Status.SIGNED), "1.00", cast.rep)
    few = _queries(client, url)
    for _ in range(27):
        _pay(make.contract(cast.rep, status=Status.SIGNED), "1.00", cast.rep)
    assert _queries(client, url) == few


def test_payment_list_and_approval_inbox_run_constant_queries(cast: Any, client_for: Any) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            _pay(make.contract(cast.rep, status=Status.SIGNED), "1.00", cast.rep)
            make.pending(cast.rep)

    payments, inbox = reverse("crm:payment_list"), reverse("crm:approval_inbox")
    add(3)
    counts = (_queries(client_for("finance"), payments), _queries(client_for("supervisor"), inbox))
    add(27)
    assert (
        _queries(client_for("finance"), payments),
        _queries(client_for("supervisor"), inbox),
    ) == counts
    assert Payment.objects.count() == 30


def test_the_detail_page_shows_lines_chain_and_payments(cast: Any, client_for: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract, reason="Good margin")
    page = client_for("director").get(reverse("crm:contract_detail", args=[contract.pk]))
    html = page.content.decode()
    assert page.context["current"].approver == cast.manager
    assert "600,000.00" in html and "Good margin" in html and "Deciding now" in html
    assert not page.context["can_decide"]
    manager_view = client_for("manager").get(reverse("crm:contract_detail", args=[contract.pk]))
    assert manager_view.context["can_decide"]
    assert 'data-testid="decision-form"' in manager_view.content.decode()


def test_a_draft_page_previews_the_chain(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="2000000.00")
    page = client_for("rep").get(reverse("crm:contract_detail", args=[contract.pk]))
    assert [p.username for p in page.context["chain"]] == ["supervisor", "manager", "director"]
    assert page.context["rule"].name == "Very large contract"


def test_approving_through_the_page(cast: Any, client_for: Any) -> None:
    contract = make.pending(cast.rep)
    url = reverse("crm:contract_approve", args=[contract.pk])
    response = client_for("supervisor").post(url, {"reason": ""})
    assert response.status_code == 302
    assert contract.approvals.get(order=1).decision == "approved"
    again = client_for("supervisor").post(url, {"reason": ""})
    assert again.status_code == 403
    assert "You have already approved this contract." in again.content.decode()


def test_rejecting_without_a_reason_says_so_and_changes_nothing(cast: Any, client_for: Any) -> None:
    contract = make.pending(cast.rep)
    client = client_for("supervisor")
    response = client.post(reverse("crm:contract_reject", args=[contract.pk]), {"reason": ""})
    assert response.status_code == 302
    follow = client.get(response.url).content.decode()
    assert "Give a reason for the rejection." in follow
    assert Contract.objects.get(pk=contract.pk).status == Status.PENDING


def test_the_inbox_lists_only_contracts_at_my_step_with_a_badge(cast: Any, client_for: Any) -> None:
    first = make.pending(cast.rep)
    second = make.pending(cast.peer_rep)
    services.contract_approve(actor=cast.supervisor, contract=second)
    sup = client_for("supervisor").get(reverse("crm:approval_inbox"))
    assert [c.pk for c in sup.context["page"]] == [first.pk]
    assert 'data-testid="approvals-badge">1<' in sup.content.decode()
    mgr = client_for("manager").get(reverse("crm:approval_inbox"))
    assert [c.pk for c in mgr.context["page"]] == [second.pk]
    assert [s.contract_id for s in sup.context["decided"]] == [second.pk]


def test_editing_a_draft_changes_lines_and_amount(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="100.00", quantity="2")
    line = contract.lines.get()
    extra = make.product(price="10.00")
    data = {
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-0-line_id": line.pk,
        "lines-0-product": line.product_id,
        "lines-0-quantity": "3",
        "lines-0-unit_price": "100.00",
        "lines-0-discount_pct": "10",
        "lines-1-product": extra.pk,
        "lines-1-quantity": "5",
        "lines-1-unit_price": "",
        "lines-1-discount_pct": "",
    }
    url = reverse("crm:contract_edit", args=[contract.pk])
    response = client_for("rep").post(url, data)
    assert response.status_code == 302
    contract.refresh_from_db()
    totals = sorted(contract.lines.values_list("total", flat=True))
    assert totals == [Decimal("50.00"), Decimal("270.00")]
    assert contract.amount == Decimal("320.00")
    assert contract.max_discount_pct == Decimal("10.00")
    assert str(contract.ends_on) == "2026-12-31"


def test_a_bad_edit_names_the_problem_and_saves_nothing(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="100.00")
    line = contract.lines.get()
    data = {
        "starts_on": "2026-05-01",
        "ends_on": "2026-01-01",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-line_id": line.pk,
        "lines-0-product": line.product_id,
        "lines-0-quantity": "0",
        "lines-0-unit_price": "100.00",
    }
    response = client_for("rep").post(reverse("crm:contract_edit", args=[contract.pk]), data)
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    data["ends_on"] = "2026-12-31"
    response = client_for("rep").post(reverse("crm:contract_edit", args=[contract.pk]), data)
    assert "Line 1: the quantity must be above zero." in response.content.decode()
    contract.refresh_from_db()
    assert (contract.amount, contract.ends_on) == (Decimal("100.00"), None)


def test_a_signed_contract_is_not_edited(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, status=Status.SIGNED)
    response = client_for("rep").get(reverse("crm:contract_edit", args=[contract.pk]))
    assert response.status_code == 302


def test_recording_a_payment_through_the_page(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="1000.00", status=Status.SIGNED)
    url = reverse("crm:payment_create", args=[contract.pk])
    form = client_for("finance").get(url)
    assert form.context["form"].initial["amount"] == Decimal("1000.00")
    data = {"amount": "1000.01", "received_on": "2024-05-01", "method": "bank_transfer"}
    refused = client_for("finance").post(url, data)
    assert "outstanding balance of 1,000.00" in refused.content.decode()
    data["amount"] = "600.00"
    assert client_for("finance").post(url, data).status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.recorded_by) == (Decimal("600.00"), cast.finance)
    detail = client_for("rep").get(reverse("crm:contract_detail", args=[contract.pk]))
    assert detail.context["paid_pct"] == 60
    assert "Bank transfer" in detail.content.decode()
    data["amount"] = "400.00"
    assert client_for("finance").post(url, data).status_code == 302
    paid_up = client_for("rep").get(reverse("crm:contract_detail", args=[contract.pk]))
    assert not paid_up.context["can_pay"] and paid_up.context["paid_pct"] == 100
    assert client_for("finance").get(url).status_code == 302  # fully paid: back to the contract


def test_handing_off_through_the_page(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, status=Status.SIGNED)
    url = reverse("crm:contract_hand_off", args=[contract.pk])
    data = {"service_owner": cast.peer_rep.pk, "notes": "Install in May"}
    assert client_for("supervisor").post(url, data).status_code == 302
    contract.refresh_from_db()
    assert contract.service_owner == cast.peer_rep
    page = client_for("rep").get(reverse("crm:contract_detail", args=[contract.pk]))
    assert "Install in May" in page.content.decode()


def test_finance_sees_contracts_and_payments_but_not_partners(client_for: Any) -> None:
    finance = client_for("finance")
    assert finance.get(reverse("crm:contract_list")).status_code == 200
    assert finance.get(reverse("crm:payment_list")).status_code == 200
    assert finance.get(reverse("crm:partner_list")).status_code == 403
    assert client_for("hr").get(reverse("crm:contract_list")).status_code == 403
