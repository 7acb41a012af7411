"""API shapes of insights. Money is Decimal (a JSON string with two decimals)."""

from datetime import datetime
from decimal import Decimal

from ninja import Schema


class AlertOut(Schema):
    id: int
    rule: str
    rule_name: str
    kind: str
    severity: str
    subject: str
    text: str
    owner_id: int
    opportunity_id: int | None
    customer_id: int | None
    target_id: int | None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    snoozed_until: datetime | None


class SnoozeIn(Schema):
    days: int


class DeliveryOut(Schema):
    alert_id: int
    acknowledged_at: datetime | None
    snoozed_until: datetime | None


class StageRowOut(Schema):
    code: str
    name: str
    reached: int
    conversion_pct: Decimal | None
    open_count: int
    open_amount: Decimal
    avg_days: Decimal | None


class LostReasonOut(Schema):
    reason: str
    count: int
    amount: Decimal


class FunnelOut(Schema):
    period: str
    won: Decimal
    won_count: int
    win_rate_pct: Decimal | None
    avg_cycle_days: Decimal | None
    avg_won_deal: Decimal | None
    velocity_per_day: Decimal | None
    stages: list[StageRowOut]
    lost_reasons: list[LostReasonOut]


class ForecastRowOut(Schema):
    kind: str
    id: int
    name: str
    won: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    omitted: Decimal
    weighted: Decimal
    call: Decimal
    target: Decimal | None
    adjusted: bool


class ForecastOut(Schema):
    period: str
    unit_id: int | None
    person_id: int | None
    target: Decimal | None
    won: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    omitted: Decimal
    weighted: Decimal
    rollup_call: Decimal
    call: Decimal
    adjustment_reason: str
    rows: list[ForecastRowOut]


class AdjustIn(Schema):
    period: str
    amount: Decimal
    reason: str


class AdjustOut(Schema):
    id: int
    unit_id: int
    period: str
    amount: Decimal
    reason: str
    created_at: datetime


class CategoryIn(Schema):
    forecast_category: str


class CategoryOut(Schema):
    id: int
    forecast_category: str


class ManagerRowOut(Schema):
    unit_id: int
    unit: str
    manager: str
    headcount: int
    won: Decimal
    target: Decimal | None
    attainment_pct: Decimal | None
    status: str
    projected_pct: Decimal | None
    coverage: Decimal | None
    win_rate_pct: Decimal | None
    cycle_days: Decimal | None
    activities_per_person_week: Decimal | None
    new_customers: int
    coaching_visits: int
    previous_won: Decimal
    previous_attainment_pct: Decimal | None
