"""The contracts-area JSON API: contracts, decisions, payments, partners."""

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from salesops.core.services import api_token_create
from salesops.crm.models import Contract, Partner, Payment
from salesops.crm.services import contracts as services
from salesops.crm.tests import test_contracts_support as make
from salesops.crm.tests.test_contracts_support import english  # noqa: F401

pytestmark = pytest.mark.django_db


def _post(user: Any, url: str, data: dict[str, Any]) -> Any:
    _, secret = api_token_create(actor=user, name="t")
    return Client().post(
        url,
        data=json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_the_contract_list_is_paginated_visible_and_filtered(cast: Any, client_for: Any) -> None:
    signed = make.contract(cast.rep, price="1234.56", status="signed")
    make.contract(cast.rep)
    make.contract(cast.outside_rep)
    url = reverse("api:crm_contract_list")
    body = client_for("supervisor").get(url, {"status": "signed"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["number"] == signed.number
    assert item["customer_name"] == signed.customer.name
    assert (item["amount"], item["collected"], item["outstanding"]) == (
        "1234.56",
        "0.00",
        "1234.56",
    )
    assert client_for("finance").get(url).json()["count"] == 3
    assert client_for("outside_rep").get(url).json()["count"] == 1


def test_the_contract_detail_has_lines_chain_and_payments(cast: Any, client_for: Any) -> None:
    contract = make.pending(cast.rep)
    services.contract_approve(actor=cast.supervisor, contract=contract, reason="ok")
    body = client_for("manager").get(reverse("api:crm_contract_get", args=[contract.pk])).json()
    assert body["status"] == "pending"
    assert [(s["approver_name"], s["decision"]) for s in body["approvals"]] == [
        ("Supervisor", "approved"),
        ("Manager", "pending"),
    ]
    assert [(li["quantity"], li["total"]) for li in body["lines"]] == [("1.00", "600000.00")]
    assert body["payments"] == []
    hidden = client_for("outside_rep").get(reverse("api:crm_contract_get", args=[contract.pk]))
    assert hidden.status_code == 404


def test_submit_approve_and_reject_through_the_api(cast: Any) -> None:
    contract = make.contract(cast.rep, price="700000.00")
    response = _post(cast.rep, reverse("api:crm_contract_submit", args=[contract.pk]), {})
    assert response.status_code == 200 and response.json()["status"] == "pending"
    approve = reverse("api:crm_contract_approve", args=[contract.pk])
    early = _post(cast.manager, approve, {"reason": ""})
    assert early.status_code == 403
    assert early.json() == {"detail": "Only Supervisor, the next approver, can decide now."}
    assert _post(cast.supervisor, approve, {"reason": "fine"}).status_code == 200
    reject = reverse("api:crm_contract_reject", args=[contract.pk])
    no_reason = _post(cast.manager, reject, {"reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"] == {"reason": ["Give a reason for the rejection."]}
    done = _post(cast.manager, reject, {"reason": "Terms"})
    assert done.json()["status"] == "rejected"
    assert Contract.objects.get(pk=contract.pk).status == "rejected"


def test_payments_through_the_api(cast: Any, client_for: Any) -> None:
    contract = make.contract(cast.rep, price="100.00", status="signed")
    url = reverse("api:crm_contract_payment_record", args=[contract.pk])
    data = {"amount": "60.50", "received_on": "2024-02-01", "method": "cash"}
    created = _post(cast.finance, url, data)
    assert created.status_code == 201
    assert created.json()["amount"] == "60.50"
    over = _post(cast.finance, url, {**data, "amount": "39.51"})
    assert over.status_code == 400
    assert over.json()["errors"] == {
        "amount": ["The amount is more than the outstanding balance of 39.50."]
    }
    listed = client_for("rep").get(reverse("api:crm_contract_payment_list", args=[contract.pk]))
    assert [p["amount"] for p in listed.json()["items"]] == ["60.50"]
    assert Payment.objects.get().amount == Decimal("60.50")


def test_partners_through_the_api(cast: Any, client_for: Any) -> None:
    partner = make.partner(cast.channel_manager, name="Alpha")
    make.deal(cast.rep, partner=partner, amount="1000.00", stage="proposal", probability=50)
    listed = client_for("director").get(reverse("api:crm_partner_list")).json()
    assert [p["name"] for p in listed["items"]] == ["Alpha"]
    assert client_for("rep").get(reverse("api:crm_partner_list")).json()["count"] == 0
    detail = client_for("channel_manager").get(reverse("api:crm_partner_get", args=[partner.pk]))
    performance = detail.json()["performance"]
    assert (performance["open_pipeline"], performance["weighted_pipeline"]) == ("1000.00", "500.00")
    created = _post(
        cast.channel_manager,
        reverse("api:crm_partner_create"),
        {
            "name": "Beta",
            "kind": "reseller",
            "level": "silver",
        },
    )
    assert created.status_code == 201
    assert Partner.objects.get(name="Beta").channel_manager == cast.channel_manager
    refused = _post(cast.manager, reverse("api:crm_partner_create"), {"name": "C", "kind": "agent"})
    assert refused.status_code == 403
    assert Partner.objects.count() == 2
