"""API shapes of the CRM sales area. Money is Decimal (a JSON string with two decimals)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema


class ProductOut(Schema):
    id: int
    code: str
    name: str
    product_line_id: int
    product_line: str
    list_price: Decimal
    unit: str
    is_active: bool

    @staticmethod
    def resolve_product_line(obj: Any) -> str:
        return str(obj.product_line.name)


class StageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    kind: str
    probability: int
    standard_days: int
    requirements: list[str]
    is_active: bool


class LineOut(Schema):
    id: int
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    total: Decimal


class OpportunityOut(Schema):
    id: int
    name: str
    customer_id: int
    customer_name: str
    owner_id: int
    stage_id: int
    stage_code: str
    amount: Decimal
    probability: int
    weighted_amount: Decimal
    expected_close: date | None
    close_date_changes: int
    source: str
    partner_id: int | None
    product_line_id: int | None
    competitors: str
    next_step: str
    need_confirmed: bool
    decision_maker_id: int | None
    forecast_category: str
    lost_reason: str
    lost_note: str
    stage_entered_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.customer.name)

    @staticmethod
    def resolve_stage_code(obj: Any) -> str:
        return str(obj.stage.code)

    @staticmethod
    def resolve_weighted_amount(obj: Any) -> Decimal:
        return getattr(obj, "weighted", None) or Decimal("0.00")


class OpportunityDetailOut(OpportunityOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.order_by("id"))


class OpportunityIn(Schema):
    customer_id: int
    name: str
    owner_id: int | None = None
    expected_close: date | None = None
    source: str = ""
    partner_id: int | None = None
    product_line_id: int | None = None
    next_step: str = ""


class OpportunityPatch(Schema):
    name: str | None = None
    owner_id: int | None = None
    expected_close: date | None = None
    amount: Decimal | None = None
    next_step: str | None = None
    competitors: str | None = None
    source: str | None = None
    partner_id: int | None = None
    product_line_id: int | None = None
    forecast_category: str | None = None
    need_confirmed: bool | None = None
    decision_maker_id: int | None = None


class MoveIn(Schema):
    stage: str  # the stage's code ("proposal") or id ("3")
    lost_reason: str = ""
    lost_note: str = ""


class LineIn(Schema):
    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None  # empty: the product's list price
    discount_pct: Decimal = Decimal(0)


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    status: str
    owner_id: int
    companion_ids: list[int]
    customer_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    lead_id: int | None
    due_at: datetime | None
    done_at: datetime | None
    outcome: str
    next_step: str
    is_coaching: bool

    @staticmethod
    def resolve_companion_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.companions.all())


class ActivityIn(Schema):
    kind: str
    subject: str
    owner_id: int | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    opportunity_id: int | None = None
    lead_id: int | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None
    outcome: str = ""
    next_step: str = ""
    companion_ids: list[int] = []


class CompleteIn(Schema):
    done_at: datetime | None = None
    outcome: str = ""
    next_step: str = ""
