"""API shapes of the contracts area: contracts, approval steps, payments, partners.

Money is Decimal (two places), written as a string in JSON so no float ever touches it.
"""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class ContractOut(Schema):
    id: int
    number: str
    status: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    owner_id: int
    partner_id: int | None
    opportunity_id: int | None
    amount: Decimal
    max_discount_pct: Decimal
    collected: Decimal
    outstanding: Decimal
    signed_on: date | None
    starts_on: date | None
    ends_on: date | None
    service_owner_id: int | None
    handed_off_at: datetime | None


class ContractLineOut(Schema):
    id: int
    product_id: int
    product_name: str = Field(..., alias="product.name")
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    total: Decimal


class ApprovalStepOut(Schema):
    order: int
    approver_id: int
    approver_name: str
    decision: str
    decided_at: datetime | None
    reason: str

    @staticmethod
    def resolve_approver_name(obj: object) -> str:
        return str(obj.approver)  # type: ignore[attr-defined]


class PaymentOut(Schema):
    id: int
    contract_id: int
    amount: Decimal
    received_on: date
    method: str
    reference: str
    recorded_by_id: int | None


class ContractDetailOut(ContractOut):
    lines: list[ContractLineOut]
    approvals: list[ApprovalStepOut]
    payments: list[PaymentOut]


class ReasonIn(Schema):
    reason: str = ""


class PaymentIn(Schema):
    amount: Decimal
    received_on: date
    method: str = ""
    reference: str = ""


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    level: str
    territory_id: int | None
    channel_manager_id: int
    contact_name: str
    phone: str
    is_active: bool


class PartnerPerformanceOut(Schema):
    year: int
    open_count: int
    open_pipeline: Decimal
    weighted_pipeline: Decimal
    won_this_year: Decimal
    won_last_year: Decimal
    won_count: int
    collected: Decimal
    collected_this_year: Decimal


class PartnerDetailOut(PartnerOut):
    performance: PartnerPerformanceOut


class PartnerIn(Schema):
    name: str
    kind: str
    level: str = "bronze"
    territory_id: int | None = None
    channel_manager_id: int | None = None
    contact_name: str = ""
    phone: str = ""
