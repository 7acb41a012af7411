"""API shapes of the accounts area: customers, contacts, leads (money as decimal strings)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema


def _name(person: Any) -> str:
    return str(person) if person is not None else ""


class CustomerOut(Schema):
    id: int
    name: str
    kind: str
    industry: str
    size: str
    territory_id: int | None
    source: str
    owner_id: int | None
    owner_name: str
    status: str
    tier: str
    tax_number: str
    phone: str
    address: str
    partner_id: int | None
    last_contact_at: datetime | None
    owned_since: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_owner_name(obj: Any) -> str:
        return _name(obj.owner)


class CustomerIn(Schema):
    name: str
    kind: str = "enterprise"
    industry: str = ""
    size: str = ""
    territory_id: int | None = None
    source: str = ""
    status: str = "prospect"
    tier: str = "general"
    tax_number: str = ""
    phone: str = ""
    address: str = ""
    partner_id: int | None = None
    owner_id: int | None = None
    to_pool: bool = False
    allow_duplicate: bool = False


class CustomerPatch(Schema):
    name: str | None = None
    kind: str | None = None
    industry: str | None = None
    size: str | None = None
    territory_id: int | None = None
    source: str | None = None
    status: str | None = None
    tier: str | None = None
    tax_number: str | None = None
    phone: str | None = None
    address: str | None = None
    partner_id: int | None = None


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    buying_role: str
    phone: str
    email: str
    is_primary: bool


class ContactIn(Schema):
    name: str
    title: str = ""
    buying_role: str = ""
    phone: str = ""
    email: str = ""
    is_primary: bool = False


class LeadOut(Schema):
    id: int
    title: str
    company_name: str
    contact_name: str
    contact_title: str
    phone: str
    email: str
    source: str
    status: str
    owner_id: int | None
    owner_name: str
    territory_id: int | None
    partner_id: int | None
    budget_ok: bool
    authority_ok: bool
    need_ok: bool
    timeline_ok: bool
    budget_amount: Decimal | None
    notes: str
    disqualified_reason: str
    claimed_at: datetime | None
    last_activity_at: datetime | None
    converted_at: datetime | None
    customer_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_owner_name(obj: Any) -> str:
        return _name(obj.owner)


class LeadIn(Schema):
    title: str
    company_name: str = ""
    contact_name: str = ""
    contact_title: str = ""
    phone: str = ""
    email: str = ""
    source: str = "other"
    territory_id: int | None = None
    partner_id: int | None = None
    budget_amount: Decimal | None = None
    notes: str = ""
    owner_id: int | None = None
    to_pool: bool = False


class LeadPatch(Schema):
    title: str | None = None
    company_name: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    phone: str | None = None
    email: str | None = None
    source: str | None = None
    territory_id: int | None = None
    partner_id: int | None = None
    budget_amount: Decimal | None = None
    notes: str | None = None


class LeadConvertIn(Schema):
    customer_id: int | None = None
    customer_name: str = ""
    allow_duplicate: bool = False
    contact_name: str = ""
    contact_title: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    opportunity_name: str = ""
    amount: Decimal | None = None
    expected_close: date | None = None
